#!/bin/bash
# Extended check of snapshot_controller.py on the real server: error paths, test knobs, deletion,
# pre-provisioned snapshots.  Complements smoke.sh.
# Usage: knobs.sh      (starts the bed in a temp dir, runs the checks, stops everything)
set -euo pipefail
# shellcheck source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2034 # used by testlib.sh
TEST_NAME=knobs.sh
# shellcheck source=testlib.sh disable=SC1091
. "$REALSERVER_DIR/testlib.sh"
DRIVER=pd.csi.storage.gke.io

step "start.sh"
"$REALSERVER_DIR/start.sh" "$STATE" 2>/dev/null

step "setup: classes, bound CSI PVC p1 (2Gi), bound non-CSI PVC p2, unbound PVC p3"
k apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: sc1}
provisioner: $DRIVER
volumeBindingMode: Immediate
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: err-class, annotations: {volsnap.test/snapshot-error: "rpc error: code = ResourceExhausted desc = quota exceeded"}}
driver: $DRIVER
deletionPolicy: Delete
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: never-class, annotations: {volsnap.test/never-ready: "true"}}
driver: $DRIVER
deletionPolicy: Delete
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: retain-class}
driver: $DRIVER
deletionPolicy: Retain
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: p1}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: p2}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: p3}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
"$PYTHON" "$REALSERVER_DIR/make_pv.py" "$STATE" pv1 --driver "$DRIVER" --storage-class sc1 --capacity 2Gi --claim default/p1 --wait-bound 60 >/dev/null
"$PYTHON" "$REALSERVER_DIR/make_pv.py" "$STATE" pv2 --no-csi --storage-class sc1 --capacity 1Gi --claim default/p2 --reclaim Retain --wait-bound 60 >/dev/null

step "snapshots for each error path"
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-err}
spec: {volumeSnapshotClassName: err-class, source: {persistentVolumeClaimName: p1}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-never}
spec: {volumeSnapshotClassName: never-class, source: {persistentVolumeClaimName: p1}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-nodefault}
spec: {source: {persistentVolumeClaimName: p1}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-nocsi}
spec: {volumeSnapshotClassName: retain-class, source: {persistentVolumeClaimName: p2}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-missing}
spec: {volumeSnapshotClassName: retain-class, source: {persistentVolumeClaimName: nope}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-unbound}
spec: {source: {persistentVolumeClaimName: p3}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-both}
spec: {source: {persistentVolumeClaimName: p1, volumeSnapshotContentName: x}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-retain}
spec: {volumeSnapshotClassName: retain-class, source: {persistentVolumeClaimName: p1}}
YAML
CSI_ERR='rpc error: code = ResourceExhausted desc = quota exceeded'
wait_jp volumesnapshot/s-err '{.status.readyToUse}' false 30
wait_event "$(k get volumesnapshot s-err -o 'jsonpath={.status.boundVolumeSnapshotContentName}')" SnapshotCreationFailed "$CSI_ERR"
case "$(k get volumesnapshot s-err -o 'jsonpath={.status.error.message}')" in
*"failed to take snapshot of the volume "*"\"$CSI_ERR\"") ;;
*) fail "s-err: status.error.message lacks the CSI error" ;;
esac
wait_jp volumesnapshot/s-never '{.status.restoreSize}' 2Gi 30
sleep 1
wait_jp volumesnapshot/s-never '{.status.readyToUse}' false 1
wait_event s-nodefault SetDefaultSnapshotClassFailed 'Failed to set default snapshot class with error cannot find default snapshot class'
wait_event s-nocsi SnapshotContentCreationFailed 'Failed to create snapshot content with error cannot find CSI PersistentVolumeSource for volume pv2'
wait_event s-missing SnapshotContentCreationFailed 'snapshot controller failed to update s-missing on API server: cannot get claim from snapshot'
wait_event s-unbound SetDefaultSnapshotClassFailed 'Failed to set default snapshot class with error the PVC p3 is not yet bound to a PV, will not attempt to take a snapshot'
wait_event s-both SnapshotValidationError 'Exactly one of PersistentVolumeClaimName and VolumeSnapshotContentName should be specified'
wait_jp volumesnapshot/s-retain '{.status.readyToUse}' true 30
[ -z "$(k get volumesnapshot s-nodefault -o 'jsonpath={.metadata.finalizers}')" ] || fail "s-nodefault got finalizers"

step "a default class created later fixes s-nodefault; the unbound failure is final (no retry)"
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: gold, annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}}
driver: $DRIVER
deletionPolicy: Delete
YAML
"$PYTHON" "$REALSERVER_DIR/make_pv.py" "$STATE" pv3 --driver "$DRIVER" --storage-class sc1 --capacity 1Gi --claim default/p3 --wait-bound 60 >/dev/null
wait_jp volumesnapshot/s-nodefault '{.status.readyToUse}' true 30
wait_jp volumesnapshot/s-nodefault '{.spec.volumeSnapshotClassName}' gold 1
sleep 6  # longer than the maximum retry backoff
wait_jp volumesnapshot/s-unbound '{.status.boundVolumeSnapshotContentName}' "" 1
wait_jp volumesnapshot/s-unbound '{.spec.volumeSnapshotClassName}' "" 1

step "knobs on the PVC: delay 2000ms and restore-size 5Gi"
k annotate pvc p1 volsnap.test/snapshot-delay-ms=2000 volsnap.test/restore-size=5Gi >/dev/null
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-slow}
spec: {source: {persistentVolumeClaimName: p1}}
YAML
t=$SECONDS
wait_jp volumesnapshot/s-slow '{.status.readyToUse}' true 30
[ $((SECONDS - t)) -ge 2 ] || fail "s-slow was ready before its 2000ms delay"
wait_jp volumesnapshot/s-slow '{.status.restoreSize}' 5Gi 1

step "restore waiting for a never-ready snapshot; forced provisioning error"
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: r-never}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}, dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s-never}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: r-forced, annotations: {volsnap.test/provision-error: "stuck on purpose"}}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}, dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: s-retain}}
YAML
wait_event r-never ProvisioningFailed 'error getting handle for DataSource Type VolumeSnapshot by Name s-never: snapshot s-never is not Ready'
wait_event r-forced ProvisioningFailed 'failed to provision volume with StorageClass "sc1": stuck on purpose'

step "deletion blocked by a Pending restore; Retain keeps the content"
c=$(k get volumesnapshot s-retain -o 'jsonpath={.status.boundVolumeSnapshotContentName}')
k delete volumesnapshot s-retain --wait=false >/dev/null
wait_event s-retain SnapshotDeletePending 'Snapshot is being used to restore a PVC'
k get volumesnapshot s-retain >/dev/null || fail "s-retain deleted while a restore was Pending"
k delete pvc r-forced --timeout=60s >/dev/null
t=$SECONDS
while k get volumesnapshot s-retain >/dev/null 2>&1; do
	[ $((SECONDS - t)) -lt 30 ] || fail "s-retain not deleted"
	sleep 0.3
done
wait_jp "volumesnapshotcontent/$c" '{.metadata.annotations.snapshot\.storage\.kubernetes\.io/volumesnapshot-being-deleted}' yes 5
k delete volumesnapshotcontent "$c" --timeout=30s >/dev/null

step "pre-provisioned snapshot"
k apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotContent
metadata: {name: pre-content, annotations: {volsnap.test/restore-size: 3Gi}}
spec:
  deletionPolicy: Delete
  driver: $DRIVER
  source: {snapshotHandle: projects/p/global/snapshots/s1}
  volumeSnapshotRef: {name: s-pre, namespace: default}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s-pre}
spec: {source: {volumeSnapshotContentName: pre-content}}
YAML
wait_jp volumesnapshot/s-pre '{.status.readyToUse}' true 30
wait_jp volumesnapshot/s-pre '{.status.restoreSize}' 3Gi 1
wait_jp volumesnapshotcontent/pre-content '{.spec.volumeSnapshotRef.uid}' "$(k get volumesnapshot s-pre -o 'jsonpath={.metadata.uid}')" 1
k delete volumesnapshot s-pre --timeout=30s >/dev/null
t=$SECONDS
while k get volumesnapshotcontent pre-content >/dev/null 2>&1; do
	[ $((SECONDS - t)) -lt 30 ] || fail "pre-content (Delete) not deleted"
	sleep 0.3
done

step "namespace deletion with snapshots inside"
k create namespace tns >/dev/null
k -n tns apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: d}
spec: {storageClassName: sc1, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
"$PYTHON" "$REALSERVER_DIR/make_pv.py" "$STATE" pv-tns --driver "$DRIVER" --storage-class sc1 --capacity 1Gi --claim tns/d --wait-bound 60 >/dev/null
k -n tns apply -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s}
spec: {source: {persistentVolumeClaimName: d}}
YAML
k -n tns wait --for=jsonpath='{.status.readyToUse}'=true volumesnapshot/s --timeout=30s >/dev/null
k delete namespace tns --timeout=90s >/dev/null

step "PASS (total $((SECONDS - T0))s)"
