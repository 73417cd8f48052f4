# Snapshot fixtures for the list, delete and prune suites (load ../snapshots
# after ../helpers). Snapshots are made with kubectl, not the plugin, so these
# suites test list/delete/prune alone; the labels are the ones `take` puts on.

# make_snaps PVC NAME... : VolumeSnapshots of PVC in $NS, labelled as the plugin
# labels its own, created in one request-batch (kubectl create -f) in the order
# given, so with equal creationTimestamps the later name is also the newer.
# Options before PVC: --unmanaged (no plugin labels), --class CLASS.
make_snaps() {
	local labels="{app.kubernetes.io/managed-by: kubectl-volsnap, volsnap.io/source-pvc: PVC}" class=""
	while :; do
		case "$1" in
		--unmanaged) labels="{job: volume-snapshotter}" ;;
		--class) class="volumeSnapshotClassName: $2, "; shift ;;
		*) break ;;
		esac
		shift
	done
	local pvc=$1 name
	shift
	for name in "$@"; do
		cat <<YAML
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: $name, namespace: $NS, labels: ${labels/PVC/$pvc}}
spec: {${class}source: {persistentVolumeClaimName: $pvc}}
YAML
	done | kc_create
}

# all_ready NAME...: every named snapshot in $NS is readyToUse.
all_ready() {
	local n
	for n in "$@"; do snapshot_ready "$n" || return 1; done
}

snapshot_exists() { kc get volumesnapshot "$1" -n "$NS" >/dev/null 2>&1; }
snapshot_gone() { ! snapshot_exists "$1"; }
# Present and not being deleted.
snapshot_alive() {
	[ "$(kc get volumesnapshot "$1" -n "$NS" -o jsonpath='{.metadata.name}/{.metadata.deletionTimestamp}' 2>/dev/null)" = "$1/" ]
}

# restoring_pvc NAME SNAPSHOT: a PVC restoring from SNAPSHOT that stays Pending
# (its StorageClass does not exist, so no provisioner acts on it).
restoring_pvc() {
	kc_create <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NS}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: volsnap-test-no-such-class
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: $2}
YAML
}
