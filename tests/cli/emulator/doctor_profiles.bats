#!/usr/bin/env bats
# doctor against every cluster profile of the emulator: `doctor -A -o json`
# must equal tests/doctor-expected/<profile>.json (cluster.server, the random
# port, is blanked). The expected files are written by reviewing each report
# against ../shared/facts/providers.md, not by recording: a missing file fails.
# VOLSNAP_DOCTOR_RECORD=1 writes the actual reports next to the expected ones
# as <profile>.actual.json to help that review.
load ../helpers

EXPECTED="$REPO_ROOT/tests/doctor-expected"

normalize() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); d["cluster"]["server"]="<server>"; print(json.dumps(d, indent=4))'
}

# The exit status must agree with the report's summary.
exit_for() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(3 if s["fail"] else 4 if s["warn"] else 0)' "$1"
}

doctor_on_profile() {
	local profile=$1 dir="$BATS_TEST_TMPDIR/emu-$1" rc=0
	"$REPO_ROOT/tests/apiserver/start.sh" "$dir" "$profile.yaml" >"$BATS_TEST_TMPDIR/start-$profile.log" 2>&1 || {
		echo "cannot start the emulator with $profile" >&2
		cat "$BATS_TEST_TMPDIR/start-$profile.log" >&2
		return 1
	}
	KUBECONFIG="$dir/admin.kubeconfig" kubectl volsnap doctor -A -o json >"$BATS_TEST_TMPDIR/$profile.raw" || rc=$?
	"$REPO_ROOT/tests/apiserver/stop.sh" "$dir" >/dev/null 2>&1
	normalize <"$BATS_TEST_TMPDIR/$profile.raw" >"$BATS_TEST_TMPDIR/$profile.json" || return 1
	[ "$rc" = "$(exit_for "$BATS_TEST_TMPDIR/$profile.json")" ] || {
		echo "$profile: exit $rc does not match the summary" >&2
		return 1
	}
}

# Each profile gets its own emulator; a few run at once (starting one mostly waits).
run_all_profiles() {
	local p jobs=0
	for p in "$REPO_ROOT"/tests/apiserver/clusters/*.yaml; do
		(doctor_on_profile "$(basename "$p" .yaml)" 2>"$BATS_TEST_TMPDIR/$(basename "$p" .yaml).err"
		 echo $? >"$BATS_TEST_TMPDIR/$(basename "$p" .yaml).rc") &
		jobs=$((jobs + 1))
		if [ "$jobs" -ge "${VOLSNAP_DOCTOR_PARALLEL:-4}" ]; then
			wait -n || true
			jobs=$((jobs - 1))
		fi
	done
	wait || true
}

@test "doctor -A -o json matches the reviewed report for every cluster profile" {
	local failed=0 p profile
	run_all_profiles
	for p in "$REPO_ROOT"/tests/apiserver/clusters/*.yaml; do
		profile=$(basename "$p" .yaml)
		if [ "$(cat "$BATS_TEST_TMPDIR/$profile.rc" 2>/dev/null)" != 0 ]; then
			cat "$BATS_TEST_TMPDIR/$profile.err" >&2
			failed=1
			continue
		fi
		[ "${VOLSNAP_DOCTOR_RECORD:-}" = 1 ] && cp "$BATS_TEST_TMPDIR/$profile.json" "$EXPECTED/$profile.actual.json"
		if [ ! -f "$EXPECTED/$profile.json" ]; then
			echo "$profile: no tests/doctor-expected/$profile.json (review the report and write it)" >&2
			failed=1
		elif ! diff -u "$EXPECTED/$profile.json" "$BATS_TEST_TMPDIR/$profile.json" >&2; then
			echo "$profile: the report differs from tests/doctor-expected/$profile.json" >&2
			failed=1
		fi
	done
	[ "$failed" = 0 ]
}
