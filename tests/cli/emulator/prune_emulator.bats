#!/usr/bin/env bats
# prune where only the emulator can stage it: snapshots days old, ties, ones
# being deleted, failing reads (nothing may be deleted then), a snapshot
# changed between plan and deletion, a restore started between plan and
# deletion, and a deletion that fails.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

DAY=86400

setup() {
	emulator_only
	new_ns
}

teardown() {
	emulator_ctl clear-faults >/dev/null
	show_stderr
}

plan_row() {
	printf '%s\n' "$output" | grep -Eq "^[a-z0-9-]+ +$1 +[0-9a-z]+ +$2 +$3\$" || {
		echo "no plan row: $1 $2 $3 in:" >&2
		echo "$output" >&2
		return 1
	}
}

@test "prune --keep-within keeps ready snapshots newer than the window and deletes the rest" {
	seed_snaps d10:data:$((10 * DAY)) d5:data:$((5 * DAY)) d1:data:$DAY h1:data:3600
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --keep-within 3d --yes
	assert_status 0
	plan_row h1 KEEP "newest ready snapshot"
	plan_row d1 KEEP "newer than 3d"
	plan_row d5 DELETE "older than the 1 newest ready and than 3d"
	plan_row d10 DELETE "older than the 1 newest ready and than 3d"
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 2 deleted, 2 kept, 0 skipped, 0 failed." ]
	snapshot_gone d5
	snapshot_gone d10
	snapshot_alive d1
}

@test "prune orders equal creation times by name" {
	seed_snaps tie-b:data:$DAY tie-c:data:$DAY tie-a:data:$DAY
	run volsnap prune -n "$NS" --keep-last 1 --dry-run
	assert_status 0
	plan_row tie-c KEEP "newest ready snapshot"
	plan_row tie-b DELETE "older than the 1 newest ready"
	plan_row tie-a DELETE "older than the 1 newest ready"
}

@test "prune skips a snapshot already being deleted; the next ready one is kept" {
	seed_snaps going:data:60:deleting next:data:$DAY old:data:$((2 * DAY))
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row going SKIP "already being deleted"
	plan_row next KEEP "newest ready snapshot"
	plan_row old DELETE "older than the 1 newest ready"
	[ "$(requests_matching DELETE "/namespaces/$NS/volumesnapshots/going")" -eq 0 ]
}

@test "prune keeps a PVC's unready snapshots whatever their age" {
	seed_snaps failed:data:$((30 * DAY)):unready ok:data:$DAY
	run volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	plan_row failed KEEP "not ready \(in progress or failed\)"
	assert_output_contains "Nothing to delete: 2 kept, 0 skipped."
}

@test "a later page of snapshots failing means nothing is deleted" {
	seed_snaps s1:data:$((6 * DAY)) s2:data:$((5 * DAY)) s3:data:$((4 * DAY)) s4:data:$((3 * DAY)) \
		s5:data:$((2 * DAY)) s6:data:$DAY
	emulator_ctl faults "{\"method\": \"GET\", \"path\": \"/namespaces/$NS/volumesnapshots\\\\?.*continue=\",
		\"status\": 410, \"reason\": \"Expired\", \"message\": \"The provided continue parameter is too old\"}" >/dev/null
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --chunk-size 2 --yes
	assert_status 1
	[[ "$stderr" == *"error: listing snapshots (nothing deleted): "*"too old"* ]]
	[ -z "$output" ]
	[ "$(requests_matching DELETE "/namespaces/$NS/volumesnapshots/")" -eq 0 ]
	snapshot_alive s1
}

@test "failing to read the PVCs means nothing is deleted" {
	seed_snaps s1:data:$((2 * DAY)) s2:data:$DAY
	emulator_ctl faults "{\"method\": \"GET\", \"path\": \"/api/v1/namespaces/$NS/persistentvolumeclaims\",
		\"status\": 403, \"reason\": \"Forbidden\", \"message\": \"no PVCs for you\"}" >/dev/null
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 1
	[[ "$stderr" == *"error: listing PVCs (nothing deleted): no PVCs for you"* ]]
	[ "$(requests_matching DELETE "/namespaces/$NS/volumesnapshots/")" -eq 0 ]
	snapshot_alive s1
}

@test "a snapshot changed after the plan was made is skipped, not deleted" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY
	# The first deletion (s2, the newer of the two) waits 4 s at the server:
	# time to change s2 after the plan was printed.
	emulator_ctl faults "{\"method\": \"DELETE\", \"path\": \"/namespaces/$NS/volumesnapshots/s2\",
		\"latency_ms\": 4000, \"times\": 1}" >/dev/null
	volsnap prune -n "$NS" --keep-last 1 --yes >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	wait_for 20 grep -q 'Delete\|DELETE' "$BATS_TEST_TMPDIR/out"
	# curl rather than kubectl: it must land well inside the 4 s.
	curl -sSf --cacert "$VOLSNAP_STATE/ca.crt" -H "Authorization: Bearer $(cat "$VOLSNAP_STATE/admin.token")" \
		-X PATCH -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"touched":"yes"}}}' \
		"$(cat "$VOLSNAP_STATE/server")/apis/snapshot.storage.k8s.io/v1/namespaces/$NS/volumesnapshots/s2" >/dev/null
	local rc=0
	wait "$pid" || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	[ "$rc" -eq 0 ]
	[[ "$stderr" == *"skipped $NS/s2: changed since the plan was made"* ]]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 1 deleted, 1 kept, 1 skipped, 0 failed." ]
	snapshot_alive s2
	snapshot_gone s1
}

# api PATH [CURL ARGS...]: one request as the admin. curl rather than kubectl:
# the tests below must land well inside a latency window.
api() {
	local path=$1
	shift
	curl -sSf --cacert "$VOLSNAP_STATE/ca.crt" -H "Authorization: Bearer $(cat "$VOLSNAP_STATE/admin.token")" \
		"$@" "$(cat "$VOLSNAP_STATE/server")$path"
}

# prune_in_background ARGS...: runs prune with ARGS, output in $BATS_TEST_TMPDIR/{out,err};
# returns once the plan is printed (prune is then past its first PVC list). Sets PRUNE_PID.
prune_in_background() {
	volsnap prune "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	PRUNE_PID=$!
	wait_for 20 grep -q DELETE "$BATS_TEST_TMPDIR/out"
}

# prune_finished: waits for it; sets rc, output, stderr.
prune_finished() {
	rc=0
	wait "$PRUNE_PID" || rc=$?
	output=$(cat "$BATS_TEST_TMPDIR/out")
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
}

@test "a PVC that starts restoring from a snapshot after the plan was made keeps it" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY
	# Every PVC list waits 3 s at the server before it reads the store: the
	# plan is made from the first, and the restoring PVC is created while
	# the list made right before deleting waits, after the plan was printed.
	emulator_ctl faults "{\"method\": \"GET\", \"path\": \"/api/v1/namespaces/$NS/persistentvolumeclaims\",
		\"latency_ms\": 3000}" >/dev/null
	prune_in_background -n "$NS" --keep-last 1 --yes
	api "/api/v1/namespaces/$NS/persistentvolumeclaims" -X POST -H 'Content-Type: application/json' -d '{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "restore"},
		"spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "volsnap-test-no-such-class",
			"resources": {"requests": {"storage": "1Gi"}},
			"dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": "s1"}}}' \
		>/dev/null
	prune_finished
	[ "$rc" -eq 0 ]
	# The plan as printed still said DELETE: the PVC did not exist then.
	plan_row s1 DELETE "older than the 1 newest ready"
	[[ "$stderr" == *"skipped $NS/s1: now the data source of pending PVC $NS/restore: kept"* ]]
	[[ "$output" == *'volumesnapshot.snapshot.storage.k8s.io "s2" deleted'* ]]
	[[ "$output" != *'"s1" deleted'* ]]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 1 deleted, 1 kept, 1 skipped, 0 failed." ]
	[ "$(requests_matching GET "/namespaces/$NS/persistentvolumeclaims")" -eq 2 ]
	[ "$(requests_matching DELETE "/namespaces/$NS/volumesnapshots/s1")" -eq 0 ]
	snapshot_alive s1
	snapshot_gone s2
	snapshot_alive s3
}

@test "failing to read the PVCs again before deleting means nothing is deleted" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY
	# alice may prune in $NS through a RoleBinding, revoked while the list
	# made right before deleting waits (the server authorizes after the latency).
	kc create role pruner -n "$NS" --verb=list,delete --resource=volumesnapshots.snapshot.storage.k8s.io \
		--verb=list --resource=persistentvolumeclaims >/dev/null
	kc create rolebinding pruner -n "$NS" --role=pruner --user=alice >/dev/null
	emulator_ctl faults "{\"method\": \"GET\", \"path\": \"/api/v1/namespaces/$NS/persistentvolumeclaims\",
		\"latency_ms\": 3000}" >/dev/null
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" prune_in_background -n "$NS" --keep-last 1 --yes
	api "/apis/rbac.authorization.k8s.io/v1/namespaces/$NS/rolebindings/pruner" -X DELETE >/dev/null
	prune_finished
	[ "$rc" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -c '^error: ')" -eq 1 ]
	[[ "$stderr" == *"error: listing PVCs again before deleting (nothing deleted): "*forbidden* ]]
	[[ "$output" != *"deleted"* ]]
	[ "$(requests_matching GET "/namespaces/$NS/persistentvolumeclaims")" -eq 2 ]
	[ "$(requests_matching DELETE "/namespaces/$NS/volumesnapshots/")" -eq 0 ]
	snapshot_alive s1
	snapshot_alive s2
}

@test "a failed deletion is reported, the others still go, exit 1" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY
	emulator_ctl faults "{\"method\": \"DELETE\", \"path\": \"/namespaces/$NS/volumesnapshots/s2\",
		\"status\": 500, \"message\": \"etcd is on fire\"}" >/dev/null
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 1
	[[ "$stderr" == *"error: deleting snapshot $NS/s2: "*"etcd is on fire"* ]]
	# One error line for the one failure; the summary line counts it.
	[ "$(printf '%s\n' "$stderr" | grep -c '^error: ')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 1 deleted, 1 kept, 0 skipped, 1 failed." ]
	snapshot_gone s1
	snapshot_alive s2
}

@test "prune reads the cluster with two lists, whatever the number of snapshots" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY s4:other:$DAY s5:other:60
	emulator_ctl clear-requests >/dev/null
	run volsnap prune -n "$NS" --keep-last 1 --dry-run
	assert_status 0
	[ "$(requests_matching GET "/namespaces/$NS/volumesnapshots\\?")" -eq 1 ]
	[ "$(requests_matching GET "/namespaces/$NS/persistentvolumeclaims")" -eq 1 ]
	[ "$(requests_matching GET "/volumesnapshots/")" -eq 0 ]
}
