#!/usr/bin/env bash
# make bench: every benchmark, each side by side with kubectl and with its limit in one run,
# reported as ratios; the real kube-apiserver first (its numbers are the ones the README quotes),
# then the emulator. Benchmarks never assert timings; they print numbers for people to read.
# Memory from 10,000 to 100,000 objects runs on the emulator only (seeding 100,000 through a real
# server takes longer than the rest together); the real list rows carry their peak memory.
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
echo "== doctor on the real kube-apiserver, then on the emulator, each 50 ms away"
"$ROOT/bench/doctor.sh" real
"$ROOT/bench/doctor.sh" emulator
echo
echo "== take --wait: from the readiness update to exit, on the real kube-apiserver, then on the emulator"
"$ROOT/bench/take.sh" real
"$ROOT/bench/take.sh" emulator
echo
echo "== bundle on the real kube-apiserver, then on the emulator (memory flat)"
"$ROOT/bench/bundle.sh" real
"$ROOT/bench/bundle.sh" emulator
echo
echo "== memory from 10,000 to 100,000 snapshots on the emulator"
"$ROOT/bench/memory.sh"
echo
echo "== start-up: exec to first request, and version --client (no server work)"
"$ROOT/bench/startup.py" "$BIN"
echo
echo "== version: the static binary's start-up vs kubectl's (version --client)"
"$ROOT/bench/version.sh"
