#!/usr/bin/python3
"""bench/startup.py BIN [RUNS] [BARE_START]: each command's start-up cost, the time from exec to
its first connection to the API server (a listening socket on 127.0.0.1 that accepts and hangs up),
beside kubectl's for the nearest kubectl command and beside the limit: bench/bare_start.c, a tiny
static C program that only connects and exits (what exec and a connection cost at the least). Then
`version --client` (no server at all) beside `kubectl version --client` and bare_start printing a
one-line version. Medians of RUNS runs; no server work is included. BARE_START is the compiled
bare_start; without it the script compiles bench/bare_start.c (cc -O2 -static) in a temp dir."""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 9
if len(sys.argv) > 3:
    BARE = sys.argv[3]
else:
    tmp = tempfile.mkdtemp(prefix="volsnap-bare-start.")
    BARE = os.path.join(tmp, "bare_start")
    subprocess.run(["cc", "-O2", "-static", "-o", BARE,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "bare_start.c")], check=True)
COMMANDS = [  # the plugin's command, kubectl's nearest
    (["list", "-A"], ["get", "volumesnapshots", "-A"]),
    (["describe", "s1", "-n", "ns"], ["describe", "volumesnapshot", "s1", "-n", "ns"]),
    (["take", "pvc1", "-n", "ns", "--no-wait"], ["create", "-f", "-"]),
    (["restore", "s1", "--to", "p2", "-n", "ns"], None),
    (["delete", "s1", "-n", "ns", "--yes"], ["delete", "volumesnapshot", "s1", "-n", "ns"]),
    (["prune", "-n", "ns", "--keep-last", "3", "--dry-run"], None),
    (["doctor"], None),
    (["version"], ["version"]),
]

lsock = socket.socket()
lsock.bind(("127.0.0.1", 0))
lsock.listen(16)
port = lsock.getsockname()[1]
FLAGS = ["--server", "https://127.0.0.1:%d" % port, "--insecure-skip-tls-verify", "--token", "x",
         "--kubeconfig", "/dev/null", "--request-timeout", "2s"]


def first_connect(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lsock.settimeout(10)
    c, _ = lsock.accept()
    t = time.monotonic() - start
    c.close()
    p.kill()
    p.wait()
    return t


def wall(cmd):
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.monotonic() - start


def median(f, cmd):
    f(cmd)  # warm-up
    return statistics.median(f(cmd) for _ in range(RUNS))


def row(label, a, b, lim):
    print("  %-44s %8.1f %8s %8s %7.1f %8.1f" % (label, a, "%.1f" % b if b else "-", "%.2f" % (a / b) if b else "-",
                                               lim, a / lim))


print("start-up on no server (a socket that accepts and hangs up): ms from exec to the first connection,"
      " median of %d runs" % RUNS)
print("  limit: bench/bare_start.c, static C that only connects (or prints a version line) and exits")
print("  %-44s %8s %8s %8s %7s %8s" % ("command", "volsnap", "kubectl", "/kubectl", "limit", "/limit"))
limit = median(first_connect, [BARE, "connect", "127.0.0.1", str(port)]) * 1000
for mine, theirs in COMMANDS:
    a = median(first_connect, [BIN] + mine + FLAGS) * 1000
    b = median(first_connect, ["kubectl"] + theirs + FLAGS) * 1000 if theirs else None
    row(" ".join(mine), a, b, limit)
a = median(wall, [BIN, "version", "--client"]) * 1000
b = median(wall, ["kubectl", "version", "--client"]) * 1000
row("version --client (whole run, no server)", a, b, median(wall, [BARE, "version"]) * 1000)
if len(sys.argv) <= 3:
    shutil.rmtree(tmp)
