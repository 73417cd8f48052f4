#!/usr/bin/env bats
# The transport's failure messages (issue 8 item 7): a server that never
# answers and a refused port are said plainly and soon, in one line.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	[ -n "${LISTENER:-}" ] && kill "$LISTENER" 2>/dev/null
	rm -rf "$TMP"
}

# A port that accepts TCP connections and never says a word (a firewall that
# drops, a VPN that is down): its number goes to $TMP/port.
silent_port() {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(120)' >"$TMP/port" &
	LISTENER=$!
	wait_for 10 test -s "$TMP/port"
}

@test "a server that never answers: 'did not answer' within --request-timeout, one line, exit 1" {
	silent_port
	start=$SECONDS
	run --separate-stderr volsnap list --server "https://127.0.0.1:$(cat "$TMP/port")" --request-timeout 2s
	assert_status 1
	[ $((SECONDS - start)) -lt 10 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == "error: "*"the server did not answer"*"is it reachable (VPN, firewall)?"* ]] ||
		{ echo "$stderr" >&2; false; }
	[[ "$stderr" != *"raise --request-timeout"* ]]
}

@test "a refused connection is retried briefly and said to be refused" {
	# Port 1 on the loopback: nothing listens there.
	start=$SECONDS
	run --separate-stderr volsnap list --server https://127.0.0.1:1
	assert_status 1
	[ $((SECONDS - start)) -lt 5 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == "error: "*"connection refused (tried 3 times)"*"is the server running"* ]] ||
		{ echo "$stderr" >&2; false; }
}
