#!/usr/bin/env bats
# The transport's promises, end to end through kubectl and the emulator's fault
# injection: what is retried, what is not, and that a failed request changes
# nothing. (Unit tests check the same rules against a scripted server.)

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
	emulator_ctl clear-faults >/dev/null
	emulator_ctl clear-requests >/dev/null
}

teardown() {
	emulator_ctl clear-faults >/dev/null
}

@test "a 429 with Retry-After is retried after the wait the server asked for, and the list succeeds" {
	emulator_ctl faults "{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\",\"status\":429,\"retry_after\":1,\"times\":2}" >/dev/null
	start=$SECONDS
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	[ "$stderr" = "No resources found in $NS namespace." ]
	[ $((SECONDS - start)) -ge 2 ]
	[ "$(requests_matching GET "namespaces/$NS/volumesnapshots")" = 3 ]
}

@test "a connection reset on a read is retried" {
	emulator_ctl faults "{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\",\"reset\":true,\"times\":1}" >/dev/null
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	# The reset request (logged with status 0) and its retry.
	[ "$(requests_matching GET "namespaces/$NS/volumesnapshots")" = 2 ]
}

@test "a 503 on the create is not retried: one POST, one error line, nothing created" {
	make_pvc data
	emulator_ctl faults "{\"method\":\"POST\",\"path\":\"namespaces/$NS/volumesnapshots\",\"status\":503}" >/dev/null
	run --separate-stderr volsnap take data -n "$NS" --name s1 --no-wait
	assert_status 1
	[ "$(printf '%s\n' "$stderr" | grep -c '^error: ')" = 1 ]
	[[ "$stderr" == "error: creating snapshot $NS/s1: the server is currently unable to handle the request"* ]] ||
		{ show_stderr; false; }
	[ "$(requests_matching POST "namespaces/$NS/volumesnapshots")" = 1 ]
	emulator_ctl clear-faults >/dev/null
	no_snapshots
}

@test "--request-timeout ends a slow request with a clear error, exit 1" {
	emulator_ctl faults "{\"method\":\"GET\",\"path\":\"namespaces/$NS/volumesnapshots\",\"latency_ms\":4000}" >/dev/null
	start=$SECONDS
	run --separate-stderr volsnap list -n "$NS" --request-timeout=1s
	assert_status 1
	[[ "$stderr" == error:* ]]
	[[ "$stderr" == *"--request-timeout"* ]] || { show_stderr; false; }
	[ $((SECONDS - start)) -lt 30 ]
}

@test "take --wait survives its watch expiring (410) and still sees the snapshot ready" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/never-ready=true >/dev/null
	TMP=$(mktemp -d)
	(
		kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 60s >"$TMP/out" 2>"$TMP/err"
		echo $? >"$TMP/rc"
	) &
	wait_for 30 kc get volumesnapshot s1 -n "$NS"
	sleep 1
	emulator_ctl watch-expire >/dev/null
	sleep 1
	kc patch volumesnapshot s1 -n "$NS" --subresource=status --type=merge -p '{"status":{"readyToUse":true}}' >/dev/null
	wait_for 60 test -s "$TMP/rc"
	[ "$(cat "$TMP/rc")" = 0 ] || { cat "$TMP/err" >&2; false; }
	# The expired watch made the plugin list again: two lists of that one snapshot.
	[ "$(requests_matching GET "namespaces/$NS/volumesnapshots\\?.*fieldSelector=metadata.name%3Ds1" )" -ge 2 ]
	rm -rf "$TMP"
}
