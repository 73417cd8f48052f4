#!/usr/bin/env bats
# The answers the plugin relies on (error codes, reasons, Status details and
# wording, paging metadata, how a watch ends), on this bed, against what the
# real kube-apiserver v1.20.2 answered to the same requests
# (tests/wire/real-v1.20.2.json, recorded with tests/wire/probe.py on the real
# bed). On the real bed this checks the record still holds; on the emulator,
# that the emulator answers as the real server does.

load ../helpers

@test "the bed answers the plugin's requests as the real kube-apiserver v1.20.2 does" {
	python3 "$REPO_ROOT/tests/wire/probe.py" "$VOLSNAP_STATE" >"$BATS_TEST_TMPDIR/probe.json"
	run python3 "$REPO_ROOT/tests/wire/compare.py" "$REPO_ROOT/tests/wire/real-v1.20.2.json" "$BATS_TEST_TMPDIR/probe.json"
	echo "$output" >&2
	[ "$status" -eq 0 ]
}
