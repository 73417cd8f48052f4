#!/usr/bin/python3
"""bench/startup.py BIN [RUNS]: each command's start-up cost, the time from exec to its first
connection to the API server (a listening socket on 127.0.0.1 that accepts and hangs up), beside
kubectl's for the nearest kubectl command; and `version --client` (no server at all) beside
`kubectl version --client`. Medians of RUNS runs; no server work is included."""
import os
import socket
import statistics
import subprocess
import sys
import time

BIN = sys.argv[1]
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 9
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


print("start-up: time from exec to the first connection to the server (median of %d runs, ms)" % RUNS)
print("  %-48s %10s %10s %7s" % ("command", "volsnap", "kubectl", "ratio"))
for mine, theirs in COMMANDS:
    a = median(first_connect, [BIN] + mine + FLAGS) * 1000
    b = median(first_connect, ["kubectl"] + theirs + FLAGS) * 1000 if theirs else None
    print("  %-48s %10.1f %10s %7s" % (" ".join(mine), a, "%.1f" % b if b else "-", "%.2f" % (a / b) if b else "-"))
a = median(wall, [BIN, "version", "--client"]) * 1000
b = median(wall, ["kubectl", "version", "--client"]) * 1000
print("  %-48s %10.1f %10.1f %7.3f" % ("version --client (whole run, no server)", a, b, a / b))
