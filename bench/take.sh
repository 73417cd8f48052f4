#!/usr/bin/env bash
# bench/take.sh [real|emulator]: `take --wait` ends as soon as the snapshot is ready. Measured as the
# time from the server's answer to the update that makes the snapshot ready to the waiter's exit
# (bench/take_wait.py), beside `kubectl wait --for=jsonpath` and the limit, a bare watch request.
# What happens before (the snapshot controller's work) is the cluster's and is not measured.
# Knobs: VOLSNAP_BENCH_RUNS (9), VOLSNAP_BIN (./kubectl-volsnap). Prints one summary line last.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BED=${1:-emulator}
RUNS=${VOLSNAP_BENCH_RUNS:-9}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_bed take.sh "$BED"
[ -x "$BIN" ] || { echo "bench/take.sh: $BIN not built (make)" >&2; exit 1; }
bench_start

# A Bound CSI PVC whose snapshots the bed's controller never makes ready (both beds read the
# volsnap.test/never-ready annotation on the PVC). The real bed has no provisioner: a PV first.
# The test suites' class, snapshot class and CSI driver (the emulator has them already).
kubectl create --validate=false -f "$ROOT/tests/cli/fixtures/base.yaml" >/dev/null 2>&1 || true
kubectl create namespace bench >/dev/null
driver=$(kubectl get storageclass csi-hostpath-sc -o jsonpath='{.provisioner}')
if [ "$BED" = real ]; then
	kubectl create -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-bench-data}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  claimRef: {namespace: bench, name: data}
  csi: {driver: $driver, volumeHandle: vol-bench-data}
YAML
fi
kubectl create -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: bench, annotations: {volsnap.test/never-ready: "true"}}
spec: {accessModes: [ReadWriteOnce], storageClassName: csi-hostpath-sc, resources: {requests: {storage: 1Gi}}}
YAML
kubectl wait -n bench --for=jsonpath='{.status.phase}'=Bound pvc/data --timeout=60s >/dev/null

"$ROOT/bench/take_wait.py" "$STATE" bench data "$RUNS" "$BIN" | python3 -c '
import json, sys
bed, runs = sys.argv[1], sys.argv[2]
r = json.load(sys.stdin)
print("  %-62s %8.1f ms" % ("kubectl-volsnap take --wait", r["volsnap"]))
print("  %-62s %8.1f ms" % ("kubectl wait --for=jsonpath={.status.readyToUse}=true", r["kubectl"]))
print("  %-62s %8.1f ms" % ("limit: a bare watch request (curl | grep)", r["limit"]))
print("take --wait on the %s server, from the readiness update'"'"'s answer to exit (medians of %s):"
      " ratio to kubectl %.2f, to the limit %.2f" % (bed, runs, r["volsnap"] / r["kubectl"], r["volsnap"] / r["limit"]))
' "$BED" "$RUNS"
