#!/usr/bin/env bash
# make bench: every benchmark, each side by side with kubectl (or with the sum of
# its own requests) on the same emulator in one run, reported as ratios.
# Benchmarks never assert timings; they print numbers for people to read.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
echo "== list: kubectl volsnap list -A vs kubectl get volumesnapshots -A (10,000 snapshots)"
"$ROOT/bench/list.sh"
echo
echo "== doctor: wall time vs the sum of its requests (50 ms added to every request)"
"$ROOT/bench/doctor.sh"
echo
echo "== version: the static binary's start-up vs kubectl's (version --client)"
"$ROOT/bench/version.sh"
