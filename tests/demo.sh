#!/usr/bin/env bash
# make demo: doctor, take and restore, end to end.
# - With KUBECONFIG set (a real cluster): runs doctor there; take/restore run
#   only when DEMO_PVC names a PVC in the current namespace (nothing else is
#   created or changed on a real cluster).
# - Otherwise: starts the bundled test cluster (the API emulator) on 127.0.0.1,
#   creates a PVC, then runs doctor, take, list, restore, and stops it again.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$ROOT:$PATH"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() {
	step "$*"
	"$@"
}

if [ -n "${KUBECONFIG:-}" ]; then
	echo "KUBECONFIG is set: running against that cluster."
	run kubectl volsnap doctor || true
	if [ -n "${DEMO_PVC:-}" ]; then
		snap="${DEMO_PVC}-demo-$(date -u +%Y%m%d%H%M%S)"
		run kubectl volsnap take "$DEMO_PVC" --name "$snap" --wait --timeout 10m
		run kubectl volsnap restore "$snap" --to "${DEMO_PVC}-restored-demo" --wait --timeout 10m
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
run kubectl volsnap take data-db-0 --name data-db-0-demo --wait
run kubectl volsnap list
run kubectl volsnap describe data-db-0-demo
run kubectl volsnap restore data-db-0-demo --to data-db-0-restored --wait
run kubectl get pvc
echo
echo "Demo done: the test cluster is stopped again."
