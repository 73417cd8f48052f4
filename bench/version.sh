#!/usr/bin/env bash
# bench/version.sh: start-up cost. The static release binary's `version --client`
# (make static) against `kubectl version --client`, and the dynamic build's too,
# and the limit (bench/bare_start.c built static: exec, print one line, exit),
# run interleaved (A B C D A B C D ...) so machine load hits all alike; reports
# the median wall time of each and the ratios to kubectl and to the limit. The
# target (issue 16): static / kubectl at most 1/20. No server is involved.
# Knobs: VOLSNAP_BENCH_RUNS (50), VOLSNAP_BENCH_STATIC (dist/kubectl-volsnap-linux-amd64),
# VOLSNAP_BIN (./kubectl-volsnap, the dynamic build). Prints one summary line last.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${VOLSNAP_BENCH_RUNS:-50}
STATIC=${VOLSNAP_BENCH_STATIC:-$ROOT/dist/kubectl-volsnap-linux-amd64}
DYNAMIC=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
for b in "$STATIC" "$DYNAMIC"; do
	[ -x "$b" ] || {
		echo "bench/version.sh: $b not built (make static; make)" >&2
		exit 1
	}
done

# Wall time of one run of "$@" in microseconds (bash's clock: no extra process).
us() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	local t1=$EPOCHREALTIME
	echo $((${t1/./} - ${t0/./}))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BARE="$WORK/bare_start"
cc -O2 -static -o "$BARE" "$ROOT/bench/bare_start.c"
for _ in 1 2 3; do # warm the page cache
	us "$STATIC" version --client >/dev/null
	us kubectl version --client >/dev/null
	us "$DYNAMIC" version --client >/dev/null
	us "$BARE" version >/dev/null
done
for _ in $(seq "$RUNS"); do
	us "$STATIC" version --client >>"$WORK/static"
	us kubectl version --client >>"$WORK/kubectl"
	us "$DYNAMIC" version --client >>"$WORK/dynamic"
	us "$BARE" version >>"$WORK/limit"
done
s=$(median <"$WORK/static") k=$(median <"$WORK/kubectl") d=$(median <"$WORK/dynamic") l=$(median <"$WORK/limit")
awk -v s="$s" -v k="$k" -v d="$d" -v l="$l" -v runs="$RUNS" -v kv="$(kubectl version --client 2>/dev/null | awk 'NR == 1 {print $3}')" 'BEGIN {
	printf "version --client, no server: median wall of %d interleaved runs each\n", runs
	printf "  %-52s %8s %9s %7s\n", "", "ms", "/kubectl", "/limit"
	printf "  %-52s %8.2f %9.3f %7.1f\n", "static kubectl-volsnap version --client", s / 1000, s / k, s / l
	printf "  %-52s %8.2f %9.3f %7.1f\n", "dynamic kubectl-volsnap version --client", d / 1000, d / k, d / l
	printf "  %-52s %8.2f %9.3f %7.1f\n", "kubectl version --client (" kv ")", k / 1000, 1, k / l
	printf "  %-52s %8.2f %9.3f %7.1f\n", "limit: bench/bare_start.c static, prints one line", l / 1000, l / k, 1
	printf "version --client: static/kubectl %.3f (target <= 0.05), dynamic/kubectl %.3f; static/limit %.1f, dynamic/limit %.1f\n", s / k, d / k, s / l, d / l
}'
