#!/usr/bin/env bats
# take: the checks before anything is created, waiting with a watch, output forms.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

SNAPKIND=volumesnapshot.snapshot.storage.k8s.io

setup() {
	new_ns
	DRIVER="d-$NS.csi.test" # a driver of this test's own, for class scenarios
	CLEANUP=()
}

teardown() {
	local o
	for o in "${CLEANUP[@]}"; do kc delete "$o" --wait=false >/dev/null 2>&1 || true; done
}

# A PVC that stays Pending on both beds (the emulator's binder would bind it).
unbound_pvc() {
	kc_create <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NS, annotations: {volsnap.test/stay-pending: "true"}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ${2:-csi-hostpath-sc}
  resources: {requests: {storage: 1Gi}}
YAML
}

# never_ready PVC: snapshots of it never become ready (each bed's knob).
never_ready() {
	kc annotate pvc "$1" -n "$NS" volsnap.test/never-ready=true >/dev/null
}

# own_driver_pvc NAME: a Bound PVC whose volume is on $DRIVER (StorageClass sc-$NS).
own_driver_pvc() {
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: $DRIVER}
spec: {attachRequired: false}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: sc-$NS}
provisioner: $DRIVER
volumeBindingMode: Immediate
YAML
	CLEANUP+=("storageclass/sc-$NS" "csidriver/$DRIVER" "pv/pv-$NS-$1")
	make_pvc "$1" 1Gi "sc-$NS"
}

# snapclass NAME DRIVER DEFAULT(true|false)
snapclass() {
	kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: $1
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "$3"}
driver: $2
deletionPolicy: Delete
YAML
	CLEANUP+=("volumesnapshotclass/$1")
}

@test "take snapshots a Bound PVC, labels it, and waits until it is ready" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait -l team=db
	assert_status 0
	[ "$output" = "$SNAPKIND/s1 created" ]
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "snapshot $NS/s1 is ready to use (restoreSize 1Gi)" ]
	snapshot_ready s1
	[ "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.metadata.labels.app\.kubernetes\.io/managed-by}')" = kubectl-volsnap ]
	[ "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.metadata.labels.volsnap\.io/source-pvc}')" = data ]
	[ "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.metadata.labels.team}')" = db ]
	[ "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.spec.volumeSnapshotClassName}')" = csi-hostpath-snapclass ]
}

@test "take names the snapshot PVC-yyyymmddhhmmss in UTC by default" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --no-wait -o name
	assert_status 0
	[[ "$output" =~ ^$SNAPKIND/data-[0-9]{14}$ ]]
	local stamp=${output##*data-}
	[ "${stamp:0:8}" = "$(date -u +%Y%m%d)" ] || [ "${stamp:0:8}" = "$(date -u -d '-1 min' +%Y%m%d)" ]
	kc get volumesnapshot "data-$stamp" -n "$NS" >/dev/null
}

@test "take whose default name is taken adds a short suffix instead of failing" {
	make_pvc data
	# Every default name of the next 20 seconds is taken already.
	local t0 i names=()
	t0=$(date -u +%s)
	for i in $(seq 0 20); do names+=("data-$(date -u -d "@$((t0 + i))" +%Y%m%d%H%M%S)"); done
	make_snaps data "${names[@]}"
	run --separate-stderr volsnap take data -n "$NS" --no-wait -o name
	assert_status 0
	[[ "$output" =~ ^$SNAPKIND/data-[0-9]{14}-[b-z2-9]{5}$ ]]
	[ "$(kc get volumesnapshot "${output#*/}" -n "$NS" -o jsonpath='{.spec.source.persistentVolumeClaimName}')" = data ]
}

@test "two takes of one PVC at the same moment both succeed, with two names" {
	make_pvc data
	local rc1=0 rc2=0
	volsnap take data -n "$NS" --no-wait -o name >"$BATS_TEST_TMPDIR/1" 2>&1 &
	local p1=$!
	volsnap take data -n "$NS" --no-wait -o name >"$BATS_TEST_TMPDIR/2" 2>&1 &
	wait $! || rc2=$?
	wait $p1 || rc1=$?
	[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/1" "$BATS_TEST_TMPDIR/2" >&2; return 1; }
	[ "$(cat "$BATS_TEST_TMPDIR/1")" != "$(cat "$BATS_TEST_TMPDIR/2")" ]
	[ "$(kc get volumesnapshots -n "$NS" -o name | wc -l)" -eq 2 ]
}

@test "take -o json prints the ready snapshot" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait -o json
	assert_status 0
	[ "$(jq -r .kind <<<"$output")" = VolumeSnapshot ]
	[ "$(jq -r .metadata.name <<<"$output")" = s1 ]
	[ "$(jq -r .status.readyToUse <<<"$output")" = true ]
}

@test "take waits by default in a script: the snapshot is ready when it returns" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --name s1 </dev/null
	assert_status 0
	[ "$output" = "$SNAPKIND/s1 created" ]
	# No wait_for here: ready already, as `take x && restore x` needs.
	snapshot_ready s1
	# It ends saying so, like `kubectl wait`'s "condition met", with no terminal codes.
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "snapshot $NS/s1 is ready to use (restoreSize 1Gi)" ]
	[[ "$stderr" != *$'\r'* && "$stderr" != *$'\e'* ]]
}

@test "take --no-wait returns once the snapshot is created" {
	make_pvc data
	never_ready data
	run --separate-stderr volsnap take data -n "$NS" --name s1 --no-wait </dev/null
	assert_status 0
	[ "$output" = "$SNAPKIND/s1 created" ]
	[ -z "$stderr" ]
	snapshot_exists s1
	! snapshot_ready s1
}

@test "take in a script exits 1 when the snapshot fails, saying the failed object is still there" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: code = Internal desc = disk on fire" >/dev/null
	run --separate-stderr volsnap take data -n "$NS" --name s1 --timeout 60s </dev/null
	assert_status 1
	[[ "$stderr" == *"error: snapshot $NS/s1 failed: "*"disk on fire"* ]]
	[[ "$stderr" == *"the failed VolumeSnapshot is still there: kubectl volsnap delete s1 -n $NS removes it"* ]]
	snapshot_exists s1
}

@test "take off a terminal prints a plain progress line now and then while it waits" {
	make_pvc data
	never_ready data
	VOLSNAP_PROGRESS_INTERVAL_SECONDS=1 run --separate-stderr volsnap take data -n "$NS" --name s1 --timeout 4s
	assert_status 1
	[ "$(printf '%s\n' "$stderr" | grep -c "^snapshot $NS/s1 ([0-9]*s): ")" -ge 2 ]
	[[ "$stderr" != *$'\r'* && "$stderr" != *$'\e'* ]]
}

# interrupt SIGNAL: take of a never-ready snapshot, interrupted while it waits.
interrupt_take() {
	make_pvc data
	never_ready data
	# A script's background job ignores SIGINT; give it the default back, as
	# a terminal's foreground job has.
	env --default-signal=INT kubectl volsnap take data -n "$NS" --name s1 --timeout 60s \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0
	wait_for 30 snapshot_exists s1
	sleep 1
	kill -s "$1" "$pid"
	wait "$pid" || rc=$?
	status=$rc
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
}

@test "take interrupted (SIGINT) while waiting: exit 130, the snapshot goes on, describe and delete named" {
	interrupt_take INT
	assert_status 130
	[[ "$stderr" == *"error: interrupted: snapshot $NS/s1 still exists and the snapshot goes on without this command"* ]]
	[[ "$stderr" == *"kubectl volsnap describe s1 -n $NS"*"kubectl volsnap delete s1 -n $NS"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	snapshot_alive s1
}

@test "take interrupted (SIGTERM) while waiting: exit 130, the snapshot is left alone" {
	interrupt_take TERM
	assert_status 130
	[[ "$stderr" == *"interrupted: snapshot $NS/s1 still exists"* ]]
	snapshot_alive s1
}

@test "take --dry-run=client -o yaml prints the manifest and creates nothing" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --name s1 --dry-run=client -o yaml
	assert_status 0
	assert_output_contains "kind: VolumeSnapshot"
	assert_output_contains "name: s1"
	assert_output_contains "volumeSnapshotClassName: csi-hostpath-snapclass"
	assert_output_contains "persistentVolumeClaimName: data"
	assert_output_contains "app.kubernetes.io/managed-by: kubectl-volsnap"
	no_snapshots
}

@test "take --dry-run=server lets the server validate and creates nothing" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --name s1 --dry-run=server
	assert_status 0
	[ "$output" = "$SNAPKIND/s1 created (server dry run)" ]
	no_snapshots
}

@test "take refuses an unbound PVC: the source document's trap, nothing created" {
	unbound_pvc data
	run --separate-stderr volsnap take data -n "$NS" --wait
	assert_status 1
	[[ "$stderr" == "error: PVC $NS/data is Pending, not Bound"* ]]
	[[ "$stderr" == *"never retries"* ]]
	[[ "$stderr" == *"--wait-bound"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	no_snapshots
}

# bind_later NAME: in a second, let the unbound PVC bind (the real bed's PV
# controller binds it to a new PV; the emulator's binder once it may).
bind_later() {
	sleep 1
	if on_emulator; then
		kc annotate pvc "$1" -n "$NS" volsnap.test/stay-pending- >/dev/null
		return
	fi
	kc_create <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-$NS-$1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  claimRef: {namespace: $NS, name: $1}
  csi: {driver: hostpath.csi.k8s.io, volumeHandle: vol-$NS-$1}
YAML
}

@test "take --wait-bound waits for the PVC to be bound, then snapshots it" {
	unbound_pvc data
	CLEANUP+=("pv/pv-$NS-data")
	bind_later data &
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait-bound --wait --timeout 60s
	wait
	assert_status 0
	snapshot_ready s1
}

@test "take --wait-bound gives up on a PVC that never binds, creating nothing" {
	unbound_pvc data
	run --separate-stderr volsnap take data -n "$NS" --wait-bound --timeout 2s
	assert_status 1
	[[ "$stderr" == *"still not Bound; nothing was created"* ]]
	no_snapshots
}

@test "take of a missing PVC fails and creates nothing" {
	run --separate-stderr volsnap take nope -n "$NS"
	assert_status 1
	[[ "$stderr" == "error: PVC $NS/nope not found"* ]]
	no_snapshots
}

# intree_pvc NAME: a Bound PVC on an in-tree volume. The real bed has no in-tree
# provisioner, so a hostPath PV is made for it; the emulator provisions aws-ebs.
intree_pvc() {
	if on_real; then
		kc_create <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-$NS-$1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: intree-$NS
  claimRef: {namespace: $NS, name: $1}
  hostPath: {path: /tmp/volsnap-test}
YAML
	fi
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: intree-$NS}
provisioner: kubernetes.io/aws-ebs
YAML
	CLEANUP+=("pv/pv-$NS-$1" "storageclass/intree-$NS")
	create_pvc "$1" 1Gi "intree-$NS" "{}"
	wait_for 60 pvc_phase_is "$1" Bound
}

@test "take refuses a volume that is not CSI" {
	intree_pvc intree
	run --separate-stderr volsnap take intree -n "$NS"
	assert_status 1
	[[ "$stderr" == *"is an in-tree "*" volume, not CSI"* ]]
	no_snapshots
}

@test "take --class must exist" {
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --class gold
	assert_status 1
	# Other suites may add classes of this driver meanwhile: only ours is certain.
	[[ "$stderr" == *'VolumeSnapshotClass "gold" not found; classes for driver hostpath.csi.k8s.io: '*csi-hostpath-snapclass* ]]
	no_snapshots
}

@test "take --class must belong to the volume's driver" {
	snapclass "other-$NS" "$DRIVER" false
	make_pvc data
	run --separate-stderr volsnap take data -n "$NS" --class "other-$NS"
	assert_status 1
	[[ "$stderr" == *"\"other-$NS\" is for driver $DRIVER but the volume is on hostpath.csi.k8s.io"* ]]
	no_snapshots
}

@test "take with no snapshot class for the driver says how to make one" {
	own_driver_pvc data
	run --separate-stderr volsnap take data -n "$NS"
	assert_status 1
	[[ "$stderr" == *"no VolumeSnapshotClass for driver $DRIVER"* ]]
	no_snapshots
}

@test "take with classes but no default lists them and the annotate command" {
	own_driver_pvc data
	snapclass "a-$NS" "$DRIVER" false
	snapclass "b-$NS" "$DRIVER" false
	run --separate-stderr volsnap take data -n "$NS"
	assert_status 1
	[[ "$stderr" == *"no default VolumeSnapshotClass for driver $DRIVER (classes for it: a-$NS, b-$NS)"* ]] ||
		[[ "$stderr" == *"(classes for it: b-$NS, a-$NS)"* ]]
	[[ "$stderr" == *"kubectl annotate volumesnapshotclass NAME snapshot.storage.kubernetes.io/is-default-class=true"* ]]
	no_snapshots
}

@test "take with several default classes refuses to guess" {
	own_driver_pvc data
	snapclass "a-$NS" "$DRIVER" true
	snapclass "b-$NS" "$DRIVER" true
	run --separate-stderr volsnap take data -n "$NS"
	assert_status 1
	[[ "$stderr" == *"2 VolumeSnapshotClasses are default for driver $DRIVER"* ]]
	[[ "$stderr" == *"is-default-class-"* ]]
	no_snapshots
}

@test "take with one default class of the PVC's driver uses it" {
	own_driver_pvc data
	snapclass "a-$NS" "$DRIVER" false
	snapclass "b-$NS" "$DRIVER" true
	run --separate-stderr volsnap take data -n "$NS" --name s1 --dry-run=client -o json
	assert_status 0
	[ "$(jq -r .spec.volumeSnapshotClassName <<<"$output")" = "b-$NS" ]
}

@test "take refuses bad arguments with exit 2 and creates nothing" {
	make_pvc data
	local bad
	for bad in "--name Bad_Name" "-l nokey" "-l app.kubernetes.io/managed-by=me" "-o wide" "--dry-run=maybe" \
		"--timeout soon"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap take data -n "$NS" $bad
		[ "$status" -eq 2 ] || { echo "$bad: status $status: $stderr" >&2; return 1; }
		[[ "$stderr" == error:* ]]
	done
	run --separate-stderr volsnap take -n "$NS"
	assert_status 2
	run --separate-stderr volsnap take a b -n "$NS"
	assert_status 2
	no_snapshots
}

@test "take --timeout on a snapshot that never becomes ready exits 1 with the cause" {
	make_pvc data
	never_ready data
	local t0=$SECONDS
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait --timeout 3s
	assert_status 1
	[ $((SECONDS - t0)) -lt 30 ]
	[[ "$stderr" == "error: snapshot $NS/s1 is not ready after 3s: "* ]]
	[[ "$stderr" == *"--timeout"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "take fails at once on the driver's error" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: code = ResourceExhausted desc = quota exceeded" >/dev/null
	local t0=$SECONDS
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait --timeout 60s
	assert_status 1
	[ $((SECONDS - t0)) -lt 30 ]
	[[ "$stderr" == *"quota exceeded"* ]]
}

@test "take as a user RBAC denies: a clear error, exit 1, nothing created" {
	make_pvc data
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap take data -n "$NS" --name s1
	assert_status 1
	[[ "$stderr" == error:* ]]
	[[ "$stderr" == *orbidden* ]]
	no_snapshots
}

@test "take by a user limited to the namespace warns about the PV it cannot read, and still snapshots" {
	make_pvc data
	grant_alice_namespace get,list,watch,create persistentvolumeclaims,volumesnapshots.snapshot.storage.k8s.io,events
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap take data -n "$NS" \
		--name s1 --no-wait
	assert_status 0
	[[ "$stderr" == *"warning: cannot read PersistentVolume "*"(forbidden): the checks that need it are skipped"* ]]
	[ "$output" = "volumesnapshot.snapshot.storage.k8s.io/s1 created" ]
	kc get volumesnapshot s1 -n "$NS" >/dev/null
}

@test "take by a user limited to the namespace still refuses a PVC that names a volume but is not Bound" {
	# The claim names a volume that does not exist, so it stays Pending on
	# both beds. alice cannot read PVs: only the claim's own phase can refuse it.
	create_pvc data 1Gi csi-hostpath-sc '{volsnap.test/stay-pending: "true"}' "volumeName: pv-$NS-missing"
	wait_for 30 pvc_phase_is data Pending
	grant_alice_namespace get,list,watch,create persistentvolumeclaims,volumesnapshots.snapshot.storage.k8s.io,events
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap take data -n "$NS" \
		--name s1 --no-wait
	assert_status 1
	[[ "$stderr" == "error: PVC $NS/data is Pending, not Bound"*"; nothing was created" ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ -z "$output" ]
	no_snapshots
}
