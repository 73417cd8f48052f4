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

# Gone: the server says NotFound (a failing read fails, see absent in helpers).
snapshot_gone() { absent volumesnapshot "$1"; }
# Present: a read that fails for any reason counts as "not there", which fails
# the assertions that use it (they expect the snapshot).
snapshot_exists() { kc get volumesnapshot "$1" -n "$NS" -o name >/dev/null; }
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

# seed_snaps SPEC...: snapshots stored as given through the emulator's seeding
# endpoint (no controller touches them), for ages and states kubectl cannot
# make. SPEC is NAME:PVC:AGE_SECONDS[:FLAGS], FLAGS a comma list of unready,
# unmanaged, deleting (deletionTimestamp set, held by a finalizer).
seed_snaps() {
	python3 - "$NS" "$@" <<'PY' | emulator_ctl objects - >/dev/null
import datetime, json, sys
ns, now, items = sys.argv[1], datetime.datetime.now(datetime.timezone.utc), []
for spec in sys.argv[2:]:
    name, pvc, age, *rest = spec.split(":")
    flags = rest[0].split(",") if rest else []
    ts = (now - datetime.timedelta(seconds=int(age))).strftime("%Y-%m-%dT%H:%M:%SZ")
    md = {"name": name, "namespace": ns, "creationTimestamp": ts, "labels": {}}
    if "unmanaged" not in flags:
        md["labels"] = {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/source-pvc": pvc}
    if "deleting" in flags:
        md.update(deletionTimestamp=ts, finalizers=["volsnap.test/hold"])
    items.append({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "metadata": md,
                  "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass",
                           "source": {"persistentVolumeClaimName": pvc}},
                  "status": {"readyToUse": "unready" not in flags, "restoreSize": "1Gi"}})
print(json.dumps({"items": items}))
PY
}

# requests_matching METHOD REGEX: how many logged requests match (emulator).
requests_matching() {
	emulator_ctl requests | python3 -c '
import json, re, sys
m, rx = sys.argv[1], re.compile(sys.argv[2])
print(sum(1 for r in json.load(sys.stdin)["requests"] if r["method"] == m and rx.search(r["path"])))' "$1" "$2"
}

# Shows stderr of a failed `run --separate-stderr` test (bats prints teardown output on failure).
show_stderr() {
	[ -z "${stderr:-}" ] || echo "stderr: $stderr" >&2
}

# snaps_of SCHEDULE: the names of the schedule's snapshots in $NS, sorted, once
# those being deleted are gone. On the real server a deleted snapshot stays
# until the snapshot controller removes its finalizers (a few requests later);
# counting before that would race it. A deletion still pending after 60 s
# stays in the list, so the count then fails as it should.
snaps_of() {
	local sel="volsnap.io/schedule=$1" name
	for name in $(kc get volumesnapshots -n "$NS" -l "$sel" \
		-o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{" "}{end}'); do
		kc wait --for=delete "volumesnapshot/$name" -n "$NS" --timeout=60s >/dev/null 2>&1 || true
	done
	kc get volumesnapshots -n "$NS" -l "$sel" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort
}
