#!/usr/bin/env bash
# bench/doctor.sh [real|emulator]: `kubectl volsnap doctor -A` against a server RTT ms away
# (bench/rtt_proxy.py in front of the bed: every chunk held RTT/2 each way, as a cloud API server
# is from a laptop), beside
#   - kubectl: the reads an operator runs by hand to answer the same questions (the seed
#     document's checks: version, the snapshot CRDs, classes, CSI drivers and nodes, storage
#     classes, PVCs, PVs, the snapshot controller's deployment, nodes, two `auth can-i`), one
#     kubectl after another as a script would, their wall times summed;
#   - the limit: doctor's own requests (from its -v=6 log) sent by curl all at once over one
#     HTTP/2 connection: one TLS handshake and one round of requests, nothing parsed;
#   - the same requests one after another (what doctor would cost if it read sequentially).
# Knobs: VOLSNAP_BENCH_RUNS (5), VOLSNAP_BENCH_RTT_MS (50), VOLSNAP_BIN (./kubectl-volsnap).
# Prints one summary line last.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BED=${1:-emulator}
RUNS=${VOLSNAP_BENCH_RUNS:-5}
RTT=${VOLSNAP_BENCH_RTT_MS:-50}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_bed doctor.sh "$BED"
[ -x "$BIN" ] || { echo "bench/doctor.sh: $BIN not built (make)" >&2; exit 1; }
bench_start
bench_far "$RTT"
export KUBECONFIG="$WORK/far.kubeconfig" NO_COLOR=1

ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# The operator's reads; kubectl's discovery cache is warmed by the first round, as on a desk.
SNAP=snapshot.storage.k8s.io
KUBECTL_READS=("version" "get crd volumesnapshots.$SNAP volumesnapshotcontents.$SNAP volumesnapshotclasses.$SNAP"
	"get volumesnapshotclasses" "get csidrivers" "get csinodes" "get storageclasses" "get pvc -A" "get pv"
	"get deployments -A" "get nodes" "auth can-i create volumesnapshots.$SNAP" "auth can-i delete volumesnapshots.$SNAP")
kubectl_round() {
	local r t0
	t0=$(ms)
	for r in "${KUBECTL_READS[@]}"; do
		# shellcheck disable=SC2086 # a read is words
		kubectl --cache-dir "$WORK/kube-cache" $r >/dev/null 2>&1 || true # "not found" is an answer too
	done
	echo $(($(ms) - t0))
}
doctor_round() {
	local t0
	t0=$(ms)
	"$BIN" doctor -A -v=6 >/dev/null 2>"$WORK/log" || true # exit 3/4 are verdicts, not errors
	echo $(($(ms) - t0))
}
doctor_round >/dev/null
kubectl_round >/dev/null
for _ in $(seq "$RUNS"); do
	doctor_round >>"$WORK/doctor"
	kubectl_round >>"$WORK/kubectl"
done
nreq=$(grep -c ' in [0-9]* milliseconds' "$WORK/log" || true)

# curl_requests [--parallel]: doctor's requests from its last log, by curl over one connection;
# SelfSubjectAccessReview POSTs with a minimal review body. Prints the wall ms.
curl_requests() {
	local args=() method url first=1 t0
	local ssar='{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"get","resource":"pods"}}}'
	while read -r method url; do
		[ "$first" = 1 ] || args+=(--next)
		first=0
		args+=(-s -o /dev/null --http2 --cacert "$STATE/ca.crt" -H "@$AUTH_HEADER")
		[ "$method" = GET ] || args+=(-H 'Content-Type: application/json' --data-binary "$ssar")
		args+=("$url")
	done < <(awk '/ in [0-9]+ milliseconds/ { for (i = 1; i <= NF; i++) if ($i == "GET" || $i == "POST") { print $i, $(i + 1); break } }' "$WORK/log")
	t0=$(ms)
	curl -s "$@" "${args[@]}" 2>/dev/null || true # a refused request still made its round trip
	echo $(($(ms) - t0))
}
for _ in $(seq "$RUNS"); do
	curl_requests --parallel --parallel-max 100 >>"$WORK/limit"
	curl_requests >>"$WORK/sequential"
done

d=$(median <"$WORK/doctor") k=$(median <"$WORK/kubectl") l=$(median <"$WORK/limit") s=$(median <"$WORK/sequential")
printf '  %-64s %8s ms\n' "kubectl volsnap doctor -A ($nreq requests)" "$d" \
	"kubectl: ${#KUBECTL_READS[@]} reads by hand, one after another" "$k" \
	"limit: the same $nreq requests at once, one HTTP/2 connection (curl)" "$l" \
	"the same $nreq requests one after another (curl)" "$s"
awk -v d="$d" -v k="$k" -v l="$l" -v s="$s" -v bed="$BED" -v rtt="$RTT" -v runs="$RUNS" 'BEGIN {
	printf "doctor -A on the %s server %d ms away (medians of %d): ratio to kubectl %.2f, to the limit %.2f, to sequential %.2f\n", bed, rtt, runs, d / k, d / l, d / s
}'
