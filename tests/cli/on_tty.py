#!/usr/bin/python3
"""on_tty.py ANSWER CMD...: runs CMD with its stdin on a new terminal (a pty), as
a user at a shell would, with stdout and stderr as pipes passed through to ours.
When CMD asks a "[y/N]" question on stderr, ANSWER and Enter are typed; a second
question is answered the same way. With ANSWER "-" nothing is typed (the
question is left unanswered until the terminal closes at CMD's exit, or the
60 s limit). Exits with CMD's status; prints "on_tty: asked N" to stderr last.
"""
import os
import pty
import select
import subprocess
import sys
import time

answer, cmd = sys.argv[1], sys.argv[2:]
master, slave = pty.openpty()
proc = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(slave)
streams = {proc.stdout.fileno(): sys.stdout.buffer, proc.stderr.fileno(): sys.stderr.buffer}
pending, asked, deadline, watch_master = b"", 0, time.monotonic() + 60, True
while streams and time.monotonic() < deadline:
    ready, _, _ = select.select(list(streams) + ([master] if watch_master else []), [], [], 1.0)
    for fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:  # the terminal's other side is closed
            data = b""
        if fd == master:  # the terminal echoing what was typed: dropped
            watch_master = bool(data)
            continue
        if not data:
            del streams[fd]
            continue
        streams[fd].write(data)
        streams[fd].flush()
        if fd == proc.stderr.fileno():
            pending += data
            while b"[y/N]" in pending:
                pending = pending.split(b"[y/N]", 1)[1]
                asked += 1
                if answer != "-":
                    os.write(master, answer.encode() + b"\n")
if streams:
    proc.kill()
rc = proc.wait()
os.close(master)
sys.stderr.write("on_tty: asked %d\n" % asked)
sys.exit(rc if rc >= 0 else 128 - rc)
