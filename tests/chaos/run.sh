#!/usr/bin/env bash
# The chaos suite: kubectl-volsnap's commands through a seeded proxy that
# faults 20% of requests (429, 500, 503, resets before and after forwarding),
# in front of the real kube-apiserver bed (tests/realserver/); invariants
# checked against the server afterwards (chaos.py). Prints TAP lines and the
# figures (invocations, failures, duplicates, wrongful deletions, false reports).
#   tests/chaos/run.sh [PLUGIN]     PLUGIN defaults to ./kubectl-volsnap
# CHAOS_SEED (default 1), CHAOS_ROUNDS (default 3), CHAOS_RATE (default 0.2),
# CHAOS_VERBOSE=1 lists every invocation.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PLUGIN=$(realpath "${1:-$ROOT/kubectl-volsnap}")
WORK=$(mktemp -d /tmp/volsnap-chaos.XXXXXX)
STATE="$WORK/state"
PROXY_PID=""
cleanup() {
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
	"$ROOT/tests/realserver/stop.sh" "$STATE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/tests/realserver/build.sh" >"$WORK/build.log" 2>&1 || {
	tail -n 20 "$WORK/build.log"
	echo "not ok 1 - chaos: the real kube-apiserver could not be built"
	exit 1
}
mkdir -p "$STATE"
if ! "$ROOT/tests/realserver/start.sh" "$STATE" >"$WORK/start.log" 2>&1; then
	tail -n 30 "$WORK/start.log"
	echo "not ok 1 - chaos: the real kube-apiserver bed did not start"
	exit 1
fi
kubectl --kubeconfig "$STATE/admin.kubeconfig" create --validate=false -f "$ROOT/tests/cli/fixtures/base.yaml" \
	>/dev/null 2>&1 || true

/usr/bin/python3 "$ROOT/tests/chaos/proxy.py" --upstream "$(cat "$STATE/server")" --ca "$STATE/ca.crt" \
	--cert "$STATE/pki/server.crt" --key "$STATE/pki/server.key" --seed "${CHAOS_SEED:-1}" \
	--rate "${CHAOS_RATE:-0.2}" --port-file "$WORK/port" --log "$WORK/proxy.log" 2>"$WORK/proxy.err" &
PROXY_PID=$!
for _ in $(seq 100); do
	[ -s "$WORK/port" ] && break
	sleep 0.1
done
[ -s "$WORK/port" ] || {
	cat "$WORK/proxy.err"
	echo "not ok 1 - chaos: the proxy did not start"
	exit 1
}
sed "s#$(cat "$STATE/server")#https://127.0.0.1:$(cat "$WORK/port")#" "$STATE/admin.kubeconfig" >"$WORK/proxy.kubeconfig"

start=$SECONDS
/usr/bin/python3 "$ROOT/tests/chaos/chaos.py" "$STATE" "$WORK/proxy.kubeconfig" "$PLUGIN" \
	--seed "${CHAOS_SEED:-1}" --rounds "${CHAOS_ROUNDS:-3}" --log "$WORK/proxy.log" \
	${CHAOS_VERBOSE:+--verbose}
rc=$?
echo "# chaos workload took $((SECONDS - start))s"
exit $rc
