#!/usr/bin/python3
"""bench/measure.py RUNS CMD...: runs CMD RUNS times (after one warm-up run) and prints one JSON
line: the median wall time, the median time to the first byte of stdout, the largest peak RSS
(KB, from wait4: the process itself, or what it exec'd into), the bytes written to stdout and the
median CPU seconds the process spent (user + system).
bench/measure.py RUNS --interleave OUTDIR NAME CMD... [--next NAME CMD...]...: the commands in
turn (A B C A B C ...), so that drift on the machine or the server (a Go server's garbage
collections) falls on all of them alike; one such JSON file per NAME, as OUTDIR/NAME.json.
A command that fails stops the bench: figures of a failed run compare nothing.
With VOLSNAP_BENCH_SERVER_PIDS (space-separated pids: the kube-apiserver and etcd), also the
median CPU seconds those processes spent during a run: the server's own work."""
import json
import os
import statistics
import subprocess
import sys
import time


SERVER_PIDS = [int(p) for p in os.environ.get("VOLSNAP_BENCH_SERVER_PIDS", "").split()]


def server_cpu():
    total = 0
    for pid in SERVER_PIDS:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def once(cmd):
    cpu0 = server_cpu()
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first, size = None, 0
    while True:
        chunk = p.stdout.read1(1 << 16)
        if not chunk:
            break
        if first is None:
            first = time.monotonic() - start
        size += len(chunk)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit("measure.py: %s exited %d" % (" ".join(cmd), p.returncode))
    return (wall, first if first is not None else wall, usage.ru_maxrss, size, server_cpu() - cpu0,
            usage.ru_utime + usage.ru_stime)


def summary(results):
    return json.dumps({"wall": statistics.median(r[0] for r in results),
                       "first": statistics.median(r[1] for r in results),
                       "rss_kb": max(r[2] for r in results), "bytes": results[-1][3],
                       "server_cpu": statistics.median(r[4] for r in results),
                       "cpu": statistics.median(r[5] for r in results)})


runs = int(sys.argv[1])
if sys.argv[2] != "--interleave":
    cmd = sys.argv[2:]
    once(cmd)
    print(summary([once(cmd) for _ in range(runs)]))
    sys.exit(0)
outdir, cmds, words = sys.argv[3], {}, sys.argv[4:]
while words:
    name, rest = words[0], words[1:]
    cut = rest.index("--next") if "--next" in rest else len(rest)
    cmds[name], words = rest[:cut], rest[cut + 1:]
results = {name: [] for name in cmds}
for cmd in cmds.values():
    once(cmd)
for _ in range(runs):
    for name, cmd in cmds.items():
        results[name].append(once(cmd))
for name in cmds:
    with open(os.path.join(outdir, name + ".json"), "w") as f:
        f.write(summary(results[name]) + "\n")
