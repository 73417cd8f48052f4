#!/usr/bin/env bash
# make bench: every benchmark, each side by side with kubectl and with its limit in one run,
# reported as ratios; the real kube-apiserver first (its numbers are the ones the README quotes),
# then the emulator. Benchmarks never assert timings; they print numbers for people to read.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uptime | sed 's/.*load average/load average/')"
echo "== list on the real kube-apiserver: beside kubectl get and a bare client (the limit)"
"$ROOT/bench/list.sh" real
echo
echo "== list on the emulator (faster than a real server: flatters the plugin)"
VOLSNAP_BENCH_VARIANTS=0 "$ROOT/bench/list.sh" emulator
echo
echo "== memory from 10,000 to 100,000 snapshots on the emulator"
"$ROOT/bench/memory.sh"
echo
echo "== start-up: exec to first request, and version --client"
"$ROOT/bench/startup.py" "$BIN"
echo
echo "== doctor: wall time vs the sum of its requests (50 ms added to every request)"
"$ROOT/bench/doctor.sh"
echo
echo "== bundle: kubectl volsnap bundle -A over 10,000 and 30,000 snapshots (memory flat)"
"$ROOT/bench/bundle.sh"
echo
echo "== version: the static binary's start-up vs kubectl's (version --client)"
"$ROOT/bench/version.sh"
