#!/usr/bin/env bats
# Writes that are idempotent by design and waits that outlive transient
# failures (issue 9 items 8-11), through the emulator's fault injection. Each
# test checks the server's state afterwards: what exists, how often.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

DAY=86400

setup() {
	emulator_only
	new_ns
	emulator_ctl clear-faults >/dev/null
	emulator_ctl clear-requests >/dev/null
}

teardown() {
	emulator_ctl clear-faults >/dev/null
	show_stderr
}

one_error_line() { [ "$(printf '%s\n' "$stderr" | grep -c '^error: ')" -eq 1 ]; }
watches_at_least() { [ "$(requests_matching GET "namespaces/$NS/volumesnapshots\\?.*watch=1")" -ge "$1" ]; }
count_snapshots() { kc get volumesnapshots -n "$NS" -o name | grep -c . || true; }

@test "take: the create's answer is lost after the server made it; take goes on, one snapshot, marked as its own" {
	make_pvc data
	emulator_ctl faults "{\"method\":\"POST\",\"path\":\"namespaces/$NS/volumesnapshots\",\"reset_after\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait --timeout 60s
	assert_status 0
	[[ "$output" == *"/s1 created"* ]]
	[[ "$stderr" != *"already exists"* ]]
	# Sent once: no re-send by libcurl, none needed by the plugin (the read found it).
	[ "$(requests_matching POST "namespaces/$NS/volumesnapshots")" = 1 ]
	[ "$(count_snapshots)" = 1 ]
	[ -n "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.metadata.annotations.volsnap\.io/request-id}')" ]
	snapshot_ready s1
}

@test "take: a create reset before it reached the server is sent again; one snapshot" {
	make_pvc data
	emulator_ctl faults "{\"method\":\"POST\",\"path\":\"namespaces/$NS/volumesnapshots\",\"reset\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap take data -n "$NS" --name s1 --no-wait
	assert_status 0
	[ "$(requests_matching POST "namespaces/$NS/volumesnapshots")" = 2 ]
	[ "$(count_snapshots)" = 1 ]
}

@test "take: a name held by another's snapshot is still refused, whatever the faults" {
	make_pvc data
	make_snaps data s1
	run --separate-stderr volsnap take data -n "$NS" --name s1 --no-wait
	assert_status 1
	one_error_line
	[[ "$stderr" == *"snapshot $NS/s1 already exists"* ]]
}

@test "restore: the create's answer is lost after the PVC was made; restore goes on, one PVC" {
	make_pvc data
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null 2>&1
	emulator_ctl clear-requests >/dev/null
	emulator_ctl faults "{\"method\":\"POST\",\"path\":\"namespaces/$NS/persistentvolumeclaims\",\"reset_after\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap restore s1 -n "$NS" --to copy --wait --timeout 60s
	assert_status 0
	[[ "$stderr" != *"already exists"* ]]
	[ "$(requests_matching POST "namespaces/$NS/persistentvolumeclaims")" = 1 ]
	wait_for 30 pvc_phase_is copy Bound
}

@test "prune: a deletion whose answer was lost counts as done; no 'changed since the plan'" {
	seed_snaps s1:data:$((3 * DAY)) s2:data:$((2 * DAY)) s3:data:$DAY
	emulator_ctl faults "{\"method\":\"DELETE\",\"path\":\"namespaces/$NS/volumesnapshots/s1\",\"reset_after\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	[[ "$stderr" != *"changed"* ]]
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "Pruned: 2 deleted, 1 kept, 0 skipped, 0 failed." ]
	[ "$(requests_matching DELETE "namespaces/$NS/volumesnapshots/s1")" = 1 ]
	wait_for 30 snapshot_gone s1
	wait_for 30 snapshot_gone s2
	snapshot_alive s3
}

@test "delete: a deletion reset on the way is sent again and reported once" {
	seed_snaps s1:data:$DAY s2:data:60
	emulator_ctl faults "{\"method\":\"DELETE\",\"path\":\"namespaces/$NS/volumesnapshots/s1\",\"reset\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap delete s1 -n "$NS" --yes
	assert_status 0
	[ "$output" = 'volumesnapshot.snapshot.storage.k8s.io "s1" deleted' ]
	[ "$(requests_matching DELETE "namespaces/$NS/volumesnapshots/s1")" = 2 ]
	wait_for 30 snapshot_gone s1
	snapshot_alive s2
}

@test "delete: a failure is one error line; the count is not a second error" {
	run --separate-stderr volsnap delete nope -n "$NS" --yes
	assert_status 1
	one_error_line
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
}

@test "take --wait: 500s and 503s on the wait's list and watch are retried until the snapshot is ready" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/never-ready=true >/dev/null
	emulator_ctl faults "[{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\\\\?.*limit=\",\"status\":503,\"times\":2},
		{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\\\\?.*watch=1\",\"status\":500,\"times\":2}]" >/dev/null
	(
		kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 60s >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
		echo $? >"$BATS_TEST_TMPDIR/rc"
	) &
	# Both failing watches were answered (the log holds a request once it
	# ended): the wait goes on to a third, which sees the change below.
	wait_for 30 watches_at_least 2
	kc patch volumesnapshot s1 -n "$NS" --subresource=status --type=merge -p '{"status":{"readyToUse":true}}' >/dev/null
	wait_for 60 test -s "$BATS_TEST_TMPDIR/rc"
	[ "$(cat "$BATS_TEST_TMPDIR/rc")" = 0 ] || { cat "$BATS_TEST_TMPDIR/err" >&2; false; }
	[ "$(requests_matching GET "namespaces/$NS/volumesnapshots\\?.*limit=")" -ge 3 ]
	wait_for 20 watches_at_least 3
	[ "$(count_snapshots)" = 1 ]
}

@test "take --wait --timeout bounds the wait's first list too" {
	make_pvc data
	emulator_ctl faults "{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\\\\?.*fieldSelector\",\"latency_ms\":20000}" >/dev/null
	start=$SECONDS
	run --separate-stderr volsnap take data -n "$NS" --name s1 --wait --timeout 3s
	assert_status 1
	[ $((SECONDS - start)) -lt 12 ]
	one_error_line
	[[ "$stderr" == *"not ready after 3s"* ]] || { echo "$stderr" >&2; false; }
}

@test "server text reaches the terminal without escape sequences, and a long Status message is cut" {
	long=$(head -c 3000 /dev/zero | tr '\0' x)
	body="{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":422,\"reason\":\"Invalid\",\"message\":\"bad \\u001b]0;pwned\\u0007\\u001b[2J $long\"}"
	emulator_ctl faults "$(python3 -c 'import json,sys; print(json.dumps({"method":"GET","path":sys.argv[1],"status":422,"body":sys.argv[2],"content_type":"application/json"}))' "namespaces/$NS/volumesnapshots" "$body")" >/dev/null
	run --separate-stderr volsnap list -n "$NS"
	assert_status 1
	one_error_line
	[[ "$stderr" == *"bad ?]0;pwned??[2J xxx"* ]] || { echo "$stderr" >&2; false; }
	! printf '%s' "$stderr" | grep -q $'\x1b'
	[ "${#stderr}" -lt 1300 ]
}
