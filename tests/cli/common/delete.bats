#!/usr/bin/env bats
# delete: confirmation, what happens to the storage, and refusals.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

teardown() {
	show_stderr
}

@test "delete needs --yes when stdin is not a terminal (exit 2, nothing deleted)" {
	make_pvc data
	make_snaps data s1
	run --separate-stderr volsnap delete s1 -n "$NS" </dev/null
	assert_status 2
	[[ "$stderr" == *"stdin is not a terminal"* ]]
	[[ "$stderr" == *"--yes"* ]]
	snapshot_alive s1
}

@test "delete on a terminal asks first; answering no deletes nothing (exit 1)" {
	make_pvc data
	make_snaps data s1 s2
	wait_for 60 all_ready s1 s2
	run --separate-stderr on_tty n kubectl volsnap delete s1 s2 -n "$NS"
	assert_status 1
	[[ "$stderr" == *"Delete 2 snapshots in namespace $NS? [y/N]: "* ]]
	[[ "$stderr" == *"error: not confirmed: nothing deleted"* ]]
	[[ "$stderr" == *"on_tty: asked 1" ]]
	[ -z "$output" ]
	snapshot_alive s1
	snapshot_alive s2
}

@test "delete on a terminal deletes once the user answers yes" {
	make_pvc data
	make_snaps data s1 s2
	wait_for 60 all_ready s1 s2
	run --separate-stderr on_tty y kubectl volsnap delete s1 -n "$NS"
	assert_status 0
	[[ "$stderr" == *"Delete 1 snapshot in namespace $NS? [y/N]: "* ]]
	[[ "$stderr" == *"on_tty: asked 1" ]]
	[ "$output" = 'volumesnapshot.snapshot.storage.k8s.io "s1" deleted' ]
	wait_for 30 snapshot_gone s1
	snapshot_alive s2
}

@test "delete --yes deletes and warns that Delete destroys the storage snapshot" {
	make_pvc data
	make_snaps data s1
	wait_for 60 all_ready s1
	run --separate-stderr volsnap delete s1 -n "$NS" --yes
	assert_status 0
	[ "$output" = 'volumesnapshot.snapshot.storage.k8s.io "s1" deleted' ]
	[[ "$stderr" == *"warning: snapshot s1: deletion policy Delete: the storage snapshot is destroyed too"* ]]
	wait_for 30 snapshot_gone s1
}

@test "delete says a Retain policy keeps the storage snapshot" {
	kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: volsnap-test-retain}
driver: hostpath.csi.k8s.io
deletionPolicy: Retain
YAML
	make_pvc data
	make_snaps --class volsnap-test-retain data kept
	wait_for 60 all_ready kept
	run --separate-stderr volsnap delete kept -n "$NS" --yes
	assert_status 0
	[[ "$stderr" == *"deletion policy Retain: the content snapcontent-"*"and the storage snapshot are kept"* ]]
	[[ "$stderr" != *warning* ]]
	wait_for 30 snapshot_gone kept
}

@test "delete of an unbound snapshot deletes it without a policy note" {
	make_pvc data
	make_snaps --class volsnap-test-missing data stuck
	run --separate-stderr volsnap delete stuck -n "$NS" --yes
	assert_status 0
	[ "$output" = 'volumesnapshot.snapshot.storage.k8s.io "stuck" deleted' ]
	[ -z "$stderr" ]
	wait_for 30 snapshot_gone stuck
}

@test "a missing snapshot is an error for that name; the others are still deleted (exit 1)" {
	make_pvc data
	make_snaps data s1 s2
	run --separate-stderr volsnap delete nope s1 s2 -n "$NS" --yes
	assert_status 1
	[[ "$stderr" == *"error: snapshot nope not found in namespace $NS"* ]]
	[[ "$stderr" == *"1 of 3 snapshots not deleted"* ]]
	# One error line for the one failure; the count is not a second error.
	[ "$(printf '%s\n' "$stderr" | grep -c '^error: ')" -eq 1 ]
	[[ "$output" == *'"s1" deleted'* ]]
	[[ "$output" == *'"s2" deleted'* ]]
	wait_for 30 snapshot_gone s1
	wait_for 30 snapshot_gone s2
}

@test "delete refuses a snapshot that a PVC not yet Bound restores from" {
	make_pvc data
	make_snaps data src other
	wait_for 60 all_ready src other
	restoring_pvc restore src
	run --separate-stderr volsnap delete src other -n "$NS" --yes
	assert_status 1
	[[ "$stderr" == *"error: snapshot src is the data source of PVC restore, which is not yet Bound"* ]]
	[[ "$output" != *'"src" deleted'* ]]
	[[ "$output" == *'"other" deleted'* ]]
	snapshot_alive src
}

@test "delete rejects bad usage with exit 2" {
	run volsnap delete --yes
	assert_status 2
	assert_output_contains "name the snapshots to delete"
	run volsnap delete Bad_Name --yes
	assert_status 2
	assert_output_contains "invalid snapshot name: Bad_Name"
}
