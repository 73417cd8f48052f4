#!/usr/bin/env bash
# bench/version.sh: start-up cost. The static release binary's `version --client`
# (make static) against `kubectl version --client`, and the dynamic build's too,
# run interleaved (A B C A B C ...) so machine load hits all alike; reports the
# median wall time of each and the ratios. The target (issue 16): static / kubectl
# at most 1/20. Knobs: VOLSNAP_BENCH_RUNS (50). Prints one summary line last.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${VOLSNAP_BENCH_RUNS:-50}
STATIC="$ROOT/dist/kubectl-volsnap-linux-amd64"
DYNAMIC="$ROOT/kubectl-volsnap"
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
	echo $(((${t1/./} - ${t0/./})))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for _ in 1 2 3; do # warm the page cache
	us "$STATIC" version --client >/dev/null
	us kubectl version --client >/dev/null
	us "$DYNAMIC" version --client >/dev/null
done
for _ in $(seq "$RUNS"); do
	us "$STATIC" version --client >>"$WORK/static"
	us kubectl version --client >>"$WORK/kubectl"
	us "$DYNAMIC" version --client >>"$WORK/dynamic"
done
s=$(median <"$WORK/static") k=$(median <"$WORK/kubectl") d=$(median <"$WORK/dynamic")
awk -v s="$s" -v k="$k" -v d="$d" -v runs="$RUNS" -v kv="$(kubectl version --client 2>/dev/null | awk 'NR == 1 {print $3}')" 'BEGIN {
	printf "%-46s %8.2f ms\n", "static kubectl-volsnap version --client", s / 1000
	printf "%-46s %8.2f ms\n", "dynamic kubectl-volsnap version --client", d / 1000
	printf "%-46s %8.2f ms\n", "kubectl version --client (" kv ")", k / 1000
	printf "version --client, median of %d interleaved runs: static/kubectl %.3f (target <= 0.05), dynamic/kubectl %.3f\n", runs, s / k, d / k
}'
