#!/usr/bin/env bats
# take / restore / describe where only the emulator can stage the cluster: an
# old v1beta1-only server, no snapshot CRDs, no snapshot controller, expiring
# watches, and the request log (to prove waiting is a watch, not polling).

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	emulator_only
	EMU=""
}

teardown() {
	[ -z "$EMU" ] || "$REPO_ROOT/tests/apiserver/stop.sh" "$EMU" >/dev/null 2>&1 || true
}

# own_emulator PROFILE [CONFIG-JSON]: a private emulator, so changing its knobs
# cannot disturb other suites; KUBECONFIG points at it from here on.
own_emulator() {
	EMU="$BATS_TEST_TMPDIR/emu"
	"$REPO_ROOT/tests/apiserver/start.sh" "$EMU" "$1.yaml" >"$BATS_TEST_TMPDIR/start.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/start.log" >&2
		return 1
	}
	export KUBECONFIG="$EMU/admin.kubeconfig"
	[ -z "${2:-}" ] || "$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" config "$2" >/dev/null
	NS=default # the emulator is private to the test
}

pvc() {
	kubectl create --validate=false -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NS}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  resources: {requests: {storage: 1Gi}}
YAML
	local i
	for i in $(seq 100); do
		[ "$(kubectl get pvc "$1" -n "$NS" -o jsonpath='{.status.phase}')" = Bound ] && return 0
		sleep 0.1
	done
	return 1
}

@test "take and restore on a cluster that serves only snapshot.storage.k8s.io/v1beta1" {
	own_emulator old-v1beta1
	pvc data
	run --separate-stderr kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 30s -o json
	assert_status 0
	[ "$(jq -r .apiVersion <<<"$output")" = snapshot.storage.k8s.io/v1beta1 ]
	[ "$(jq -r .status.readyToUse <<<"$output")" = true ]
	run --separate-stderr kubectl volsnap restore s1 -n "$NS" --to copy --wait --timeout 30s
	assert_status 0
	[ "$(kubectl get pvc copy -n "$NS" -o jsonpath='{.status.phase}')" = Bound ]
	run --separate-stderr kubectl volsnap describe s1 -n "$NS"
	assert_status 0
	assert_output_contains "Verdict:           ready to use"
}

@test "take without the snapshot CRDs says so and points to doctor, creating nothing" {
	own_emulator empty
	run --separate-stderr kubectl volsnap take data -n "$NS"
	assert_status 1
	[[ "$stderr" == *"snapshot CRDs"*"not installed"* ]]
	[[ "$stderr" == *"kubectl volsnap doctor"* ]]
	# The request log: reads only, no write was sent.
	"$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" requests >"$BATS_TEST_TMPDIR/requests.json"
	[ "$(python3 -c 'import json,sys; print(sum(r["method"] != "GET" for r in json.load(open(sys.argv[1]))["requests"]))' \
		"$BATS_TEST_TMPDIR/requests.json")" -eq 0 ]
}

@test "take --timeout without a snapshot controller names the missing controller" {
	own_emulator generic '{"snapshot_controller": false}'
	pvc data
	run --separate-stderr kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 2s
	assert_status 1
	[[ "$stderr" == "error: snapshot $NS/s1 is not ready after 2s: waiting for the snapshot controller"* ]]
	run --separate-stderr kubectl volsnap describe s1 -n "$NS" -o json
	assert_status 0
	[ "$(jq -r .verdict.ready <<<"$output")" = false ]
}

@test "take keeps waiting across an expired watch (410) and succeeds" {
	own_emulator generic '{"snapshot_ready_delay_ms": 2500}'
	pvc data
	kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 30s >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	sleep 1
	"$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" watch-expire >/dev/null
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; return 1; }
	[ "$(kubectl get volumesnapshot s1 -n "$NS" -o jsonpath='{.status.readyToUse}')" = true ]
}

@test "take waits with one watch, not by polling the snapshot" {
	own_emulator generic '{"snapshot_ready_delay_ms": 1500}'
	pvc data
	"$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" clear-requests >/dev/null
	run --separate-stderr kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 30s -v 6
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; return 1; }
	# The plugin's own request log shows the watch (the emulator logs a watch
	# only when its stream ends cleanly).
	[[ "$stderr" == *"/volumesnapshots?watch=1"*"fieldSelector=metadata.name%3Ds1"* ]]
	local log="$BATS_TEST_TMPDIR/requests.json" snap_reads
	"$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" requests >"$log"
	snap_reads=$(jq '[.requests[] | select(.method == "GET" and (.path | test("/volumesnapshots")) and (.path | test("watch=") | not))] | length' "$log")
	# One list to start the watch from; 1.5 s of polling would show many reads.
	[ "$snap_reads" -le 1 ] || { jq -c '.requests[]' "$log" >&2; return 1; }
}
