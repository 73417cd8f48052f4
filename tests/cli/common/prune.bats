#!/usr/bin/env bats
# prune: the source document's "delete old snapshots", with its safety rules.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

teardown() {
	show_stderr
}

# plan_row SNAPSHOT ACTION REASON: the plan (in $output) has that row.
plan_row() {
	printf '%s\n' "$output" | grep -Eq "^[a-z0-9-]+ +$1 +[0-9]+[smhd] +$2 +$3\$" || {
		echo "no plan row: $1 $2 $3 in:" >&2
		echo "$output" >&2
		return 1
	}
}

# Three ready snapshots of a Bound PVC "data", oldest first.
three_ready() {
	make_pvc data
	make_snaps data s1 s2 s3
	wait_for 60 all_ready s1 s2 s3
}

@test "prune needs --keep-last of at least 1 (exit 2)" {
	run volsnap prune -n "$NS" --dry-run
	assert_status 2
	assert_output_contains "--keep-last N is required, with N at least 1"
	run volsnap prune -n "$NS" --keep-last 0 --dry-run
	assert_status 2
	assert_output_contains "the newest ready snapshot of a PVC is always kept"
	# Given, so not "required": it says what is wrong with the value.
	assert_output_contains "--keep-last 0 would keep nothing"
	refute_output_contains "required"
	run volsnap prune -n "$NS" --keep-last 1 --keep-within soon --dry-run
	assert_status 2
	assert_output_contains 'invalid value "soon" for --keep-within'
	run volsnap prune a b --keep-last 1 --dry-run
	assert_status 2
	assert_output_contains "too many arguments: b"
	assert_output_contains "give at most one PVC"
}

@test "prune needs --yes (or --dry-run) when stdin is not a terminal; nothing is deleted" {
	three_ready
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 </dev/null
	assert_status 2
	[[ "$stderr" == *"stdin is not a terminal"* ]]
	[[ "$stderr" == *"--dry-run"* ]]
	snapshot_alive s1
	snapshot_alive s2
}

@test "prune --dry-run prints the plan with a reason per snapshot and deletes nothing" {
	three_ready
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --dry-run
	assert_status 0
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "PVC SNAPSHOT AGE ACTION REASON" ]
	plan_row s3 KEEP "newest ready snapshot"
	plan_row s2 DELETE "older than the 1 newest ready"
	plan_row s1 DELETE "older than the 1 newest ready"
	# Grouped by PVC, newest first.
	[ "$(printf '%s\n' "$output" | sed -n '2,4p' | awk '{print $2}' | tr '\n' ' ')" = "s3 s2 s1 " ]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Dry run: would delete 2, keep 1, skip 0; nothing deleted." ]
	snapshot_alive s1
	snapshot_alive s2
	snapshot_alive s3
}

@test "prune --dry-run with --yes still deletes nothing" {
	three_ready
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --dry-run --yes
	assert_status 0
	plan_row s1 DELETE "older than the 1 newest ready"
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Dry run: would delete 2, keep 1, skip 0; nothing deleted." ]
	[[ "$output" != *'" deleted'* ]]
	snapshot_alive s1
	snapshot_alive s2
	snapshot_alive s3
}

@test "prune --yes deletes what the plan says and keeps the newest ready" {
	three_ready
	run --separate-stderr volsnap prune -n "$NS" --keep-last 2 --yes
	assert_status 0
	plan_row s3 KEEP "newest ready snapshot"
	plan_row s2 KEEP "one of the 2 newest ready"
	plan_row s1 DELETE "older than the 2 newest ready"
	[[ "$output" == *'volumesnapshot.snapshot.storage.k8s.io "s1" deleted'* ]]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 1 deleted, 2 kept, 0 skipped, 0 failed." ]
	wait_for 30 snapshot_gone s1
	snapshot_alive s2
	snapshot_alive s3
}

@test "prune --yes over two PVCs of one namespace keeps each PVC's newest ready snapshot" {
	make_pvc data
	make_pvc logs
	make_snaps data d1 d2 d3
	make_snaps logs l1 l2
	wait_for 60 all_ready d1 d2 d3 l1 l2
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row d3 KEEP "newest ready snapshot"
	plan_row d2 DELETE "older than the 1 newest ready"
	plan_row d1 DELETE "older than the 1 newest ready"
	plan_row l2 KEEP "newest ready snapshot"
	plan_row l1 DELETE "older than the 1 newest ready"
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 3 deleted, 2 kept, 0 skipped, 0 failed." ]
	wait_for 30 snapshot_gone d1
	wait_for 30 snapshot_gone d2
	wait_for 30 snapshot_gone l1
	snapshot_alive d3
	snapshot_alive l2
}

@test "prune on a terminal asks first; answering no deletes nothing (exit 1)" {
	three_ready
	run --separate-stderr on_tty n kubectl volsnap prune -n "$NS" --keep-last 1
	assert_status 1
	plan_row s1 DELETE "older than the 1 newest ready"
	[[ "$stderr" == *"Delete 2 snapshots? [y/N]: "* ]]
	[[ "$stderr" == *"error: not confirmed: nothing deleted"* ]]
	[[ "$stderr" == *"on_tty: asked 1" ]]
	[[ "$output" != *deleted* ]]
	snapshot_alive s1
	snapshot_alive s2
	snapshot_alive s3
}

@test "prune on a terminal deletes the plan's snapshots once the user answers yes" {
	three_ready
	run --separate-stderr on_tty y kubectl volsnap prune -n "$NS" --keep-last 1
	assert_status 0
	[[ "$stderr" == *"Delete 2 snapshots? [y/N]: "* ]]
	[[ "$stderr" == *"on_tty: asked 1" ]]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 2 deleted, 1 kept, 0 skipped, 0 failed." ]
	wait_for 30 snapshot_gone s1
	wait_for 30 snapshot_gone s2
	snapshot_alive s3
}

@test "prune leaves snapshots it did not make, unless --include-unmanaged" {
	# Names in creation order: snapshots made within the same second are
	# ordered by name.
	make_pvc data
	make_snaps --unmanaged data t1-theirs t2-theirs
	make_snaps data t3-mine
	wait_for 60 all_ready t1-theirs t2-theirs t3-mine
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row t1-theirs SKIP "not made by kubectl-volsnap \(--include-unmanaged to prune it\)"
	plan_row t3-mine KEEP "newest ready snapshot"
	assert_output_contains "Nothing to delete: 1 kept, 2 skipped."
	snapshot_alive t1-theirs
	run volsnap prune -n "$NS" --keep-last 1 --include-unmanaged --yes
	assert_status 0
	plan_row t3-mine KEEP "newest ready snapshot"
	plan_row t2-theirs DELETE "older than the 1 newest ready"
	plan_row t1-theirs DELETE "older than the 1 newest ready"
	wait_for 30 snapshot_gone t1-theirs
	wait_for 30 snapshot_gone t2-theirs
}

@test "prune never deletes a snapshot that is not ready" {
	make_pvc data
	make_snaps data s1 s2
	wait_for 60 all_ready s1 s2
	make_snaps --class volsnap-test-missing data stuck
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row stuck KEEP "not ready \(in progress or failed\)"
	plan_row s2 KEEP "newest ready snapshot"
	plan_row s1 DELETE "older than the 1 newest ready"
	snapshot_alive stuck
}

@test "prune keeps a PVC's only, unready, snapshots" {
	make_pvc data
	make_snaps --class volsnap-test-missing data stuck-1 stuck-2
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row stuck-1 KEEP "not ready \(in progress or failed\)"
	plan_row stuck-2 KEEP "not ready \(in progress or failed\)"
	assert_output_contains "Nothing to delete: 2 kept, 0 skipped."
}

@test "prune keeps a snapshot that a PVC not yet Bound restores from" {
	three_ready
	restoring_pvc restore s1
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row s1 KEEP "data source of PVC restore, which is not yet Bound"
	plan_row s2 DELETE "older than the 1 newest ready"
	wait_for 30 snapshot_gone s2
	snapshot_alive s1
}

@test "prune --keep-within keeps every ready snapshot newer than the window" {
	three_ready
	run volsnap prune -n "$NS" --keep-last 1 --keep-within 1h --yes
	assert_status 0
	plan_row s2 KEEP "newer than 1h"
	plan_row s1 KEEP "newer than 1h"
	assert_output_contains "Nothing to delete: 3 kept, 0 skipped."
}

@test "prune PVC touches only that PVC's snapshots" {
	three_ready
	make_pvc logs
	make_snaps logs l1 l2
	wait_for 60 all_ready l1 l2
	run volsnap prune logs -n "$NS" --keep-last 1 --dry-run
	assert_status 0
	plan_row l2 KEEP "newest ready snapshot"
	plan_row l1 DELETE "older than the 1 newest ready"
	refute_output_contains s1
}

@test "prune -A groups by namespace and PVC" {
	make_pvc data
	make_snaps data a1 a2
	local first=$NS
	new_ns
	make_pvc data
	make_snaps data b1 b2
	wait_for 60 all_ready b1 b2
	NS=$first wait_for 60 all_ready a1 a2
	run --separate-stderr volsnap prune -A --keep-last 1 --dry-run
	assert_status 0
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "NAMESPACE PVC SNAPSHOT AGE ACTION REASON" ]
	printf '%s\n' "$output" | grep -Eq "^$first +data +a2 +[0-9]+[smh] +KEEP +newest ready snapshot$"
	printf '%s\n' "$output" | grep -Eq "^$first +data +a1 +[0-9]+[smh] +DELETE "
	printf '%s\n' "$output" | grep -Eq "^$NS +data +b2 +[0-9]+[smh] +KEEP +newest ready snapshot$"
	printf '%s\n' "$output" | grep -Eq "^$NS +data +b1 +[0-9]+[smh] +DELETE "
}

@test "prune in an empty namespace says so and exits 0" {
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	[ "$stderr" = "No snapshots found in $NS namespace." ]
}
