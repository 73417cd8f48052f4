#!/usr/bin/env bash
# bench/doctor.sh [STATE_DIR]: `kubectl volsnap doctor -A` on the API emulator with 50 ms added
# to every request (its fault/latency control API), against the sum of its requests' own times
# (from the plugin's -v=6 log: "GET URL 200 OK in N milliseconds"). Doctor sends its reads in
# parallel, so wall time should be about one round trip plus the slowest read: a ratio
# wall / sum well below 1 (sequential requests would give ~1). Under parallel load the emulator
# (Python) answers each request more slowly, which inflates the sum; so the same requests are
# also replayed one after another with curl, and wall / sequential is reported too.
#
# With the STATE_DIR of a running emulator it uses that one (and removes its latency rule at the
# end); otherwise it starts its own. Knobs: VOLSNAP_BENCH_RUNS (5), VOLSNAP_BENCH_LATENCY_MS (50),
# VOLSNAP_BIN (default ./kubectl-volsnap). Prints one summary line last.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${VOLSNAP_BENCH_RUNS:-5}
LATENCY=${VOLSNAP_BENCH_LATENCY_MS:-50}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}

[ -x "$BIN" ] || { echo "bench/doctor.sh: $BIN not built (make)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/volsnap-bench-doctor.XXXXXX)
STATE=${1:-}
OWN_STATE=0
ctl() { # METHOD PATH [BODY]: the emulator's control API
	curl -sSf --cacert "$STATE/ca.crt" -H "Authorization: Bearer $(cat "$STATE/admin.token")" \
		-H 'Content-Type: application/json' -X "$1" ${3:+--data-binary "$3"} "$(cat "$STATE/server")$2" >/dev/null
}
cleanup() {
	[ -n "$STATE" ] && [ -f "$STATE/server" ] && ctl DELETE /__emulator/faults || true
	[ "$OWN_STATE" = 1 ] && "$ROOT/tests/apiserver/stop.sh" "$STATE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$STATE" ]; then
	STATE="$WORK/state"
	OWN_STATE=1
	"$ROOT/tests/apiserver/start.sh" "$STATE" >"$WORK/start.log" 2>&1 || {
		cat "$WORK/start.log" >&2
		exit 1
	}
fi
export KUBECONFIG="$STATE/admin.kubeconfig" NO_COLOR=1

# Latency on every API request (the control API itself is not matched: it is not under /api*).
ctl POST /__emulator/faults "{\"path\": \"^/(api|apis|version)\", \"latency_ms\": $LATENCY}"

total_wall=0 total_sum=0 total_max=0 nreq=0
for i in $(seq "$RUNS"); do
	start=$(date +%s%N)
	"$BIN" doctor -A -v=6 >/dev/null 2>"$WORK/log" || true # exit 3/4 are verdicts, not errors
	end=$(date +%s%N)
	wall=$(((end - start) / 1000000))
	read -r sum max n < <(awk '/ in [0-9]+ milliseconds/ { for (i = 1; i <= NF; i++) if ($i == "in") { t = $(i + 1); s += t; if (t > m) m = t; n++ } } END { print s + 0, m + 0, n + 0 }' "$WORK/log")
	printf 'run %d: %d requests, wall %d ms, sum of request times %d ms, slowest %d ms\n' "$i" "$n" "$wall" "$sum" "$max"
	total_wall=$((total_wall + wall))
	total_sum=$((total_sum + sum))
	total_max=$((total_max + max))
	nreq=$n
done
# The same requests one after another over one connection (curl, keep-alive): what doctor would
# cost if it read sequentially. SSAR POSTs are replayed with a minimal review body.
sequential_ms() {
	local args=() method url first=1
	local ssar='{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}'
	while read -r method url; do
		[ "$first" = 1 ] || args+=(--next)
		first=0
		args+=(-s -o /dev/null --cacert "$STATE/ca.crt" -H "Authorization: Bearer $(cat "$STATE/admin.token")")
		if [ "$method" = POST ]; then
			args+=(-H 'Content-Type: application/json' --data-binary "$ssar")
		fi
		args+=("$url")
	done < <(awk '/ in [0-9]+ milliseconds/ { for (i = 1; i <= NF; i++) if ($i == "GET" || $i == "POST") { print $i, $(i + 1); break } }' "$WORK/log")
	local start end
	start=$(date +%s%N)
	curl "${args[@]}"
	end=$(date +%s%N)
	echo $(((end - start) / 1000000))
}
seq_ms=$(sequential_ms)
echo "the same $nreq requests sent one after another: $seq_ms ms"

awk -v q="$seq_ms" -v w="$total_wall" -v s="$total_sum" -v m="$total_max" -v r="$RUNS" -v n="$nreq" -v l="$LATENCY" 'BEGIN {
	printf "doctor -A, %d requests, +%d ms per request: wall %.0f ms; sum of its requests %.0f ms (slowest %.0f ms): wall/sum = %.2f; same requests sequential %.0f ms: wall/sequential = %.2f\n", n, l, w / r, s / r, m / r, (s ? w / s : 0), q, (q ? w / r / q : 0)
}'
