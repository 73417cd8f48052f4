#!/usr/bin/env bash
# make demo: doctor, take and restore, end to end.
# - With KUBECONFIG set (a real cluster): runs doctor there; take/restore run
#   only when DEMO_PVC names a PVC in the current namespace (DEMO_NAMESPACE to
#   choose another). The snapshot and the restored PVC get unique names and are
#   deleted again at the end (DEMO_KEEP=1 keeps them and prints how to delete
#   them), so the demo can run again and leaves no disk behind.
# - Otherwise: starts the bundled test cluster (the API emulator) on 127.0.0.1,
#   creates a PVC, then runs doctor, take, list, restore, and stops it again.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$ROOT:$PATH"

# Bold only on a capable terminal: a pipe or a log gets plain text.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
	step() { printf '\n$ %s\n' "$*"; }
fi
run() {
	step "$*"
	"$@"
}

# What the demo made on a real cluster, deleted again on the way out.
MADE=()
cleanup_real() {
	[ ${#MADE[@]} -gt 0 ] || return 0
	local cmds=() i
	# Newest first: the restored PVC before the snapshot it restores from.
	for ((i = ${#MADE[@]} - 1; i >= 0; i--)); do cmds+=("${MADE[$i]}"); done
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo
		echo "Kept what the demo made (DEMO_KEEP=1); delete it with:"
		printf '  %s\n' "${cmds[@]}"
		return 0
	fi
	echo
	echo "Cleaning up what the demo made:"
	local c failed=()
	for c in "${cmds[@]}"; do
		echo "  $c"
		eval "$c" >/dev/null 2>&1 || failed+=("$c")
	done
	if [ ${#failed[@]} -gt 0 ]; then
		echo "Could not delete everything; run:" >&2
		printf '  %s\n' "${failed[@]}" >&2
	fi
}

if [ -n "${KUBECONFIG:-}" ]; then
	echo "KUBECONFIG is set: running against that cluster."
	ns=()
	[ -z "${DEMO_NAMESPACE:-}" ] || ns=(-n "$DEMO_NAMESPACE")
	run kubectl volsnap doctor "${ns[@]}" || true
	if [ -n "${DEMO_PVC:-}" ]; then
		trap cleanup_real EXIT
		stamp="$(date -u +%Y%m%d%H%M%S)-$$"
		snap="${DEMO_PVC}-demo-$stamp"
		copy="${DEMO_PVC}-restored-$stamp"
		nsflag="${DEMO_NAMESPACE:+ -n $DEMO_NAMESPACE}"
		MADE+=("kubectl delete volumesnapshot $snap$nsflag --ignore-not-found")
		run kubectl volsnap take "$DEMO_PVC" "${ns[@]}" --name "$snap" --timeout 10m
		MADE+=("kubectl delete pvc $copy$nsflag --ignore-not-found --timeout=2m")
		run kubectl volsnap restore "$snap" "${ns[@]}" --to "$copy" --timeout 10m
	else
		echo "(set DEMO_PVC=<pvc> to also take and restore a snapshot of that PVC)"
	fi
	exit 0
fi

STATE="$(mktemp -d /tmp/volsnap-demo.XXXXXX)"
trap '"$ROOT/tests/apiserver/stop.sh" "$STATE" >/dev/null 2>&1; rm -rf "$STATE"' EXIT
echo "Starting the bundled test cluster (API emulator, profile generic) on 127.0.0.1..."
"$ROOT/tests/apiserver/start.sh" "$STATE" >/dev/null
export KUBECONFIG="$STATE/admin.kubeconfig"

run kubectl volsnap version
run kubectl volsnap doctor -A || true
kubectl create --validate=false -f - >/dev/null <<'YAML'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-db-0, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  resources: {requests: {storage: 10Gi}}
YAML
run kubectl wait --for=jsonpath='{.status.phase}'=Bound pvc/data-db-0 --timeout=30s
run kubectl volsnap take data-db-0 --name data-db-0-demo
run kubectl volsnap list
run kubectl volsnap describe data-db-0-demo
run kubectl volsnap restore data-db-0-demo --to data-db-0-restored
run kubectl get pvc
echo
echo "Demo done: the test cluster is stopped again."
