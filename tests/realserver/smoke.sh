#!/bin/bash
# End-to-end smoke test of the real-server test bed with the real kubectl.
# Usage: smoke.sh            (starts the bed in a temp dir, runs the checks, stops everything)
# Env: VOLSNAP_SMOKE_KEEP=1 keeps the state dir (logs) afterwards.
# knobs.sh covers the error paths and test knobs in more depth.
set -euo pipefail
# shellcheck source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used by testlib.sh
TEST_NAME=smoke.sh
# shellcheck source=testlib.sh disable=SC1091
. "$REALSERVER_DIR/testlib.sh"

step "start.sh $STATE"
"$REALSERVER_DIR/start.sh" "$STATE"
for f in admin.kubeconfig denied.kubeconfig cert.kubeconfig ca.crt admin.token server pids env; do
	[ -s "$STATE/$f" ] || fail "start.sh did not write $f"
done
# shellcheck disable=SC1091
. "$STATE/env"
if [ "$VOLSNAP_TEST_SERVER" != real ] || [ "$VOLSNAP_TEST_URL" != "$(cat "$STATE/server")" ]; then fail "bad env file"; fi
k version 2>/dev/null | grep -q 'Server Version: v1.20.2' || fail "server is not v1.20.2: $(k version 2>&1)"

step "StorageClass, PV, PVC -> Bound (real PV controller)"
DRIVER=hostpath.csi.k8s.io
k apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: csi-sc}
provisioner: $DRIVER
volumeBindingMode: Immediate
reclaimPolicy: Delete
YAML
"$PYTHON" "$REALSERVER_DIR/make_pv.py" "$STATE" pv-src --driver "$DRIVER" --storage-class csi-sc --capacity 1Gi >/dev/null
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: src-pvc, namespace: default}
spec:
  storageClassName: csi-sc
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
YAML
t=$SECONDS
wait_jp pvc/src-pvc '{.status.phase}' Bound 60
wait_jp pvc/src-pvc '{.spec.volumeName}' pv-src 5
step "  src-pvc Bound to pv-src in $((SECONDS - t))s"

step "VolumeSnapshotClass (default) + VolumeSnapshot without class -> readyToUse"
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: csi-snapclass
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
driver: $DRIVER
deletionPolicy: Delete
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap1, namespace: default}
spec:
  source: {persistentVolumeClaimName: src-pvc}
YAML
t=$SECONDS
wait_jp volumesnapshot/snap1 '{.status.readyToUse}' true 30
step "  snap1 ready in $((SECONDS - t))s"
wait_jp volumesnapshot/snap1 '{.spec.volumeSnapshotClassName}' csi-snapclass 1
wait_jp volumesnapshot/snap1 '{.status.restoreSize}' 1Gi 1
uid=$(k get volumesnapshot snap1 -o 'jsonpath={.metadata.uid}')
wait_jp volumesnapshot/snap1 '{.status.boundVolumeSnapshotContentName}' "snapcontent-$uid" 1
wait_jp volumesnapshot/snap1 '{.metadata.finalizers}' '["snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection","snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"]' 1
wait_jp "volumesnapshotcontent/snapcontent-$uid" '{.status.readyToUse}' true 1
wait_jp "volumesnapshotcontent/snapcontent-$uid" '{.spec.source.volumeHandle}' "$(k get pv pv-src -o 'jsonpath={.spec.csi.volumeHandle}')" 1
wait_event snap1 SnapshotReady "Snapshot default/snap1 is ready to use."

step "restore PVC from snap1 -> Bound (fake provisioner + real PV controller)"
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restore-pvc, namespace: default}
spec:
  storageClassName: csi-sc
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap1}
YAML
t=$SECONDS
wait_jp pvc/restore-pvc '{.status.phase}' Bound 60
step "  restore-pvc Bound in $((SECONDS - t))s"

step "error paths"
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap-gold, namespace: default}
spec:
  volumeSnapshotClassName: gold
  source: {persistentVolumeClaimName: src-pvc}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: lonely-pvc, namespace: default}
spec:
  storageClassName: no-such-class
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap-unbound, namespace: default}
spec:
  volumeSnapshotClassName: csi-snapclass
  source: {persistentVolumeClaimName: lonely-pvc}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: small-restore, namespace: default}
spec:
  storageClassName: csi-sc
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 512Mi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap1}
YAML
wait_event snap-gold GetSnapshotClassFailed 'Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "gold" not found'
wait_event snap-unbound SnapshotContentCreationFailed 'failed to get input parameters to create snapshot snap-unbound: "the PVC lonely-pvc is not yet bound to a PV, will not attempt to take a snapshot"'
wait_jp volumesnapshot/snap-unbound '{.status.readyToUse}' false 5
wait_event small-restore ProvisioningFailed 'requested volume size 536870912 is less than the size 1073741824 for the source snapshot snap1'
wait_jp pvc/small-restore '{.status.phase}' Pending 1

step "auth: denied user gets 403, client-certificate user works"
out=$(kubectl --kubeconfig "$STATE/denied.kubeconfig" get volumesnapshots 2>&1) && fail "denied user could list snapshots"
case "$out" in *Forbidden*'"alice"'*) ;; *) fail "denied user: unexpected output: $out" ;; esac
alice=$(sed -n 's/^ *token: //p' "$STATE/denied.kubeconfig")
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STATE/ca.crt" -H "Authorization: Bearer $alice" "$VOLSNAP_TEST_URL/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots")
[ "$code" = 403 ] || fail "denied user: HTTP $code, wanted 403"
kubectl --kubeconfig "$STATE/cert.kubeconfig" get volumesnapshot snap1 -o name | grep -qx 'volumesnapshot.snapshot.storage.k8s.io/snap1' ||
	fail "cert user cannot read snap1"
[ "$(kubectl --kubeconfig "$STATE/cert.kubeconfig" auth can-i '*' '*')" = yes ] || fail "cert user is not cluster admin"

step "deletion: restore PVC deleted -> its PV deleted; snapshot deleted -> content deleted (policy Delete)"
restore_pv=$(k get pvc restore-pvc -o 'jsonpath={.spec.volumeName}')
[ "$restore_pv" = "pvc-$(k get pvc restore-pvc -o 'jsonpath={.metadata.uid}')" ] || fail "restore PV has unexpected name $restore_pv"
k delete pvc small-restore restore-pvc --wait=true --timeout=60s >/dev/null
t=$SECONDS
while k get pv "$restore_pv" >/dev/null 2>&1; do
	[ $((SECONDS - t)) -lt 30 ] || fail "released PV $restore_pv (reclaimPolicy Delete) not deleted"
	sleep 0.2
done
k delete volumesnapshot snap1 --wait=true --timeout=30s >/dev/null
t=$SECONDS
while k get "volumesnapshotcontent/snapcontent-$uid" >/dev/null 2>&1; do
	[ $((SECONDS - t)) -lt 30 ] || fail "content snapcontent-$uid not deleted"
	sleep 0.2
done

step "stop.sh"
started_pids=$(cat "$STATE/pids")
"$REALSERVER_DIR/stop.sh" "$STATE"
"$REALSERVER_DIR/stop.sh" "$STATE"   # idempotent
for p in $started_pids; do kill -0 "$p" 2>/dev/null && fail "process $p still running after stop.sh"; done
step "PASS (total $((SECONDS - T0))s)"
