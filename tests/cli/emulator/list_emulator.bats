#!/usr/bin/env bats
# list where the emulator's request log and fault injection show how it reads:
# paged with kubectl's default page size, the classes read once for -o wide,
# and what a failure on a later page looks like.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	emulator_only
	new_ns
}

teardown() {
	emulator_ctl clear-faults >/dev/null
	show_stderr
}

# seed_many N: N ready snapshots s00001... of PVC data.
seed_many() {
	local specs=() i
	for ((i = 1; i <= $1; i++)); do specs+=("$(printf 's%05d:data:%d' "$i" $((100000 - i)))"); done
	seed_snaps "${specs[@]}"
}

@test "list reads 500 snapshots per request by default and prints them all" {
	seed_many 1200
	emulator_ctl clear-requests >/dev/null
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c '^s[0-9]')" -eq 1200 ]
	[ "$(requests_matching GET "/namespaces/$NS/volumesnapshots\\?.*limit=500")" -eq 3 ]
	[ "$(requests_matching GET "/namespaces/$NS/volumesnapshots\\?.*continue=")" -eq 2 ]
}

@test "list -o wide reads the classes once and no content at all" {
	seed_many 30
	emulator_ctl clear-requests >/dev/null
	run --separate-stderr volsnap list -n "$NS" -o wide --chunk-size 10
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c ' hostpath.csi.k8s.io  *Delete ')" -eq 30 ]
	[ "$(requests_matching GET "/volumesnapshotclasses")" -eq 1 ]
	[ "$(requests_matching GET "/volumesnapshotcontents")" -eq 0 ]
}

@test "list -o wide without the right to read classes still lists, marking them unknown" {
	seed_many 2
	emulator_ctl faults '{"method": "GET", "path": "/volumesnapshotclasses", "status": 403, "reason": "Forbidden",
		"message": "classes are secret"}' >/dev/null
	run --separate-stderr volsnap list -n "$NS" -o wide
	assert_status 0
	[[ "$stderr" == "warning: cannot read VolumeSnapshotClasses ("*"classes are secret): DRIVER and DELETION POLICY unknown" ]]
	printf '%s\n' "$output" | grep -Eq '^s00001 .* <unknown> +<unknown> +<none>$'
}

@test "a failing later page: the rows so far, then one error line, exit 1" {
	seed_many 5
	emulator_ctl faults "{\"method\": \"GET\", \"path\": \"/namespaces/$NS/volumesnapshots\\\\?.*continue=\",
		\"status\": 410, \"reason\": \"Expired\", \"message\": \"The provided continue parameter is too old\"}" >/dev/null
	run --separate-stderr volsnap list -n "$NS" --chunk-size 2
	assert_status 1
	[ "$(printf '%s\n' "$output" | grep -c '^s[0-9]')" -eq 2 ]
	[[ "$stderr" == "error: listing snapshots: "*"too old"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "list -A over several namespaces streams each page as it comes" {
	seed_many 3
	local first=$NS
	new_ns
	seed_many 3
	run --separate-stderr volsnap list -A --chunk-size 1 -o name
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c '^volumesnapshot.snapshot.storage.k8s.io/s0000[123]$')" -ge 6 ]
	NS=$first
	run --separate-stderr volsnap list -n "$first" -o name
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
}

@test "list shows a restoreSize sent as a number of bytes as a quantity" {
	emulator_ctl objects - >/dev/null <<JSON
{"items": [{"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
  "metadata": {"name": "bytes", "namespace": "$NS"},
  "spec": {"source": {"persistentVolumeClaimName": "data"}},
  "status": {"readyToUse": true, "restoreSize": 3221225472}}]}
JSON
	run volsnap list -n "$NS"
	assert_status 0
	printf '%s\n' "$output" | grep -Eq '^bytes +data +true +3Gi +<none> '
}

@test "list on a cluster without the snapshot CRDs says so, exit 1" {
	local emu="$BATS_TEST_TMPDIR/emu"
	mkdir -p "$BATS_TEST_TMPDIR/no-crds"
	"$REPO_ROOT/tests/apiserver/start.sh" "$emu" empty.yaml --crds "$BATS_TEST_TMPDIR/no-crds" >/dev/null 2>&1
	KUBECONFIG="$emu/admin.kubeconfig" run --separate-stderr volsnap list
	"$REPO_ROOT/tests/apiserver/stop.sh" "$emu" >/dev/null 2>&1
	assert_status 1
	[[ "$stderr" == "error: the snapshot CRDs (snapshot.storage.k8s.io) are not installed in this cluster; "* ]]
	# The hint says what to run, not "install" once more.
	[ "$(grep -o install <<<"$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"kubectl volsnap setup"* ]]
}
