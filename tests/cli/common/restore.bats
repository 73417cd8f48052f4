#!/usr/bin/env bats
# restore: a new PVC from a snapshot, its defaults, and every refusal.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	new_ns
	CLEANUP=()
}

teardown() {
	local o
	for o in "${CLEANUP[@]}"; do kc delete "$o" --wait=false >/dev/null 2>&1 || true; done
}

no_pvc() { absent pvc "$1"; }

# A ready snapshot s1 of a 1Gi PVC "data", taken by the plugin.
ready_snapshot() {
	make_pvc data "${1:-1Gi}"
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
}

storage_class() { # NAME PROVISIONER [BINDING MODE] [ANNOTATIONS]
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $1, annotations: {${4:-}}}
provisioner: $2
volumeBindingMode: ${3:-Immediate}
YAML
	CLEANUP+=("storageclass/$1")
}

@test "take, ready, restore, Bound: the whole cycle" {
	ready_snapshot 2Gi
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --wait --timeout 60s
	assert_status 0
	[ "$output" = "persistentvolumeclaim/copy created" ]
	pvc_phase_is copy Bound
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.dataSource.kind}/{.spec.dataSource.apiGroup}/{.spec.dataSource.name}')" = \
		VolumeSnapshot/snapshot.storage.k8s.io/s1 ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.resources.requests.storage}')" = 2Gi ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.storageClassName}')" = csi-hostpath-sc ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.metadata.labels.volsnap\.io/restored-from}')" = s1 ]
}

@test "restore waits by default in a script: Bound when it returns, and says so" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --timeout 60s </dev/null
	assert_status 0
	[ "$output" = "persistentvolumeclaim/copy created" ]
	pvc_phase_is copy Bound
	[ "$(printf '%s\n' "$stderr" | tail -n 1)" = "PVC $NS/copy is Bound" ]
	[[ "$stderr" != *$'\r'* && "$stderr" != *$'\e'* ]]
}

@test "restore --no-wait returns once the PVC is created" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --no-wait </dev/null
	assert_status 0
	[ "$output" = "persistentvolumeclaim/copy created" ]
	[ -z "$stderr" ]
	kc get pvc copy -n "$NS" >/dev/null
}

@test "restore --dry-run=client -o yaml prints the PVC and creates nothing" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --dry-run=client -o yaml
	assert_status 0
	assert_output_contains "kind: PersistentVolumeClaim"
	assert_output_contains "apiGroup: snapshot.storage.k8s.io"
	assert_output_contains "kind: VolumeSnapshot"
	assert_output_contains "storage: 1Gi"
	no_pvc copy
}

@test "restore -o name, --size and --access-mode" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --size 3Gi --access-mode ReadWriteOnce -o name
	assert_status 0
	[ "$output" = persistentvolumeclaim/copy ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.resources.requests.storage}')" = 3Gi ]
}

@test "restore refuses a snapshot that does not exist" {
	run --separate-stderr volsnap restore nope -n "$NS" --to copy
	assert_status 1
	[[ "$stderr" == "error: snapshot $NS/nope not found; nothing was created"* ]]
	no_pvc copy
}

@test "restore refuses a snapshot that is not ready, saying why" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: quota exceeded" >/dev/null
	volsnap take data -n "$NS" --name s1 --no-wait >/dev/null
	wait_for 30 eval '[ -n "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath="{.status.error.message}")" ]'
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy
	assert_status 1
	[[ "$stderr" == *"snapshot s1 is not ready to use"*"quota exceeded"* ]]
	no_pvc copy
}

@test "restore never overwrites an existing PVC" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to data
	assert_status 1
	[[ "$stderr" == *"PVC $NS/data already exists"* ]]
	[ "$(kc get pvc data -n "$NS" -o jsonpath='{.metadata.name}/{.spec.dataSource}')" = data/ ]
}

@test "restore refuses a size below the snapshot's restoreSize" {
	ready_snapshot 2Gi
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --size 1Gi
	assert_status 1
	[[ "$stderr" == *"--size 1Gi is below the snapshot's restoreSize 2Gi"* ]]
	no_pvc copy
}

@test "restore of a volume larger than its claim: the default size is restoreSize, not the claim's" {
	make_pvc data 1Gi
	# The disk is bigger than asked for (as providers round up): 2Gi.
	kc patch pv "$(kc get pvc data -n "$NS" -o jsonpath='{.spec.volumeName}')" \
		-p '{"spec":{"capacity":{"storage":"2Gi"}}}' >/dev/null
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	[ "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.status.restoreSize}')" = 2Gi ]
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --no-wait
	assert_status 0
	[ "$output" = "persistentvolumeclaim/copy created" ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.resources.requests.storage}')" = 2Gi ]
	wait_for 60 pvc_phase_is copy Bound
}

@test "restore refuses a StorageClass of another driver" {
	ready_snapshot
	storage_class "other-$NS" "other-$NS.csi.test"
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --storage-class "other-$NS"
	assert_status 1
	[[ "$stderr" == *"StorageClass other-$NS provisions with other-$NS.csi.test but snapshot s1 was cut by hostpath.csi.k8s.io"* ]]
	no_pvc copy
}

@test "restore refuses a StorageClass that does not exist" {
	ready_snapshot
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --storage-class "none-$NS"
	assert_status 1
	[[ "$stderr" == *"StorageClass none-$NS not found"* ]]
	no_pvc copy
}

@test "restore refuses bad arguments with exit 2" {
	local bad
	for bad in "" "--to Bad_Name" "--to copy --size lots" "--to copy --size -1Gi" "--to copy --access-mode rwo" \
		"--to copy -o wide" "--to copy --dry-run=maybe"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap restore s1 -n "$NS" $bad
		[ "$status" -eq 2 ] || { echo "'$bad': status $status: $stderr" >&2; return 1; }
		[[ "$stderr" == error:* ]]
	done
	no_pvc copy
}

@test "restore --wait with a WaitForFirstConsumer class says so instead of timing out" {
	ready_snapshot
	storage_class "wffc-$NS" hostpath.csi.k8s.io WaitForFirstConsumer
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --storage-class "wffc-$NS" --wait --timeout 60s
	assert_status 0
	[ "$output" = "persistentvolumeclaim/copy created" ]
	[[ "$stderr" == *"will be bound when a pod uses it"*"WaitForFirstConsumer"* ]]
}

@test "restore --wait surfaces the provisioner's warning on timeout" {
	on_real || skip "the provision-error knob is the real bed's"
	ready_snapshot
	storage_class "broken-$NS" hostpath.csi.k8s.io Immediate '"volsnap.test/provision-error": "out of disks"'
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --storage-class "broken-$NS" --wait --timeout 3s
	assert_status 1
	[[ "$stderr" == *"PVC $NS/copy is not Bound yet: ProvisioningFailed"*"out of disks"* ]]
}

@test "restore interrupted (SIGTERM) while waiting: exit 130, the PVC goes on, describe and delete named" {
	on_real || skip "the provision-error knob is the real bed's"
	ready_snapshot
	storage_class "broken-$NS" hostpath.csi.k8s.io Immediate '"volsnap.test/provision-error": "out of disks"'
	kubectl volsnap restore s1 -n "$NS" --to copy --storage-class "broken-$NS" --timeout 60s \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$! rc=0
	wait_for 30 eval 'kc get pvc copy -n "$NS" >/dev/null 2>&1'
	sleep 1
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; return 1; }
	grep -q "interrupted: PVC $NS/copy still exists and the restore goes on without this command" "$BATS_TEST_TMPDIR/err"
	grep -q "kubectl describe pvc copy -n $NS.*kubectl delete pvc copy -n $NS" "$BATS_TEST_TMPDIR/err"
	kc get pvc copy -n "$NS" >/dev/null
}

@test "restore as a user RBAC denies: a clear error, exit 1, nothing created" {
	ready_snapshot
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap restore s1 -n "$NS" --to copy
	assert_status 1
	[[ "$stderr" == error:*orbidden* ]]
	no_pvc copy
}

@test "restore by a user limited to the namespace warns about the cluster objects it cannot read, and restores" {
	ready_snapshot
	grant_alice_namespace get,list,watch,create persistentvolumeclaims,volumesnapshots.snapshot.storage.k8s.io,events
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap restore s1 -n "$NS" --to copy
	assert_status 0
	[[ "$stderr" == *"warning: cannot read VolumeSnapshotContent "*"(forbidden): the checks that need it are skipped"* ]]
	[ "$output" = "persistentvolumeclaim/copy created" ]
	[ "$(kc get pvc copy -n "$NS" -o jsonpath='{.spec.dataSource.name}')" = s1 ]
}
