#!/usr/bin/env bats
# Inputs found by fuzzing (issue 9 items 2, 4, 5), through the commands users
# run: out-of-range durations are usage errors, and -o yaml of odd labels and
# annotations prints YAML that reads back.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

@test "--keep-within 1e300 is a usage error and nothing is deleted" {
	make_pvc data
	make_snaps data s1 s2
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --keep-within 1e300 --yes
	assert_status 2
	[[ "$stderr" == *'invalid value "1e300" for --keep-within'* ]] || { echo "$stderr" >&2; false; }
	snapshot_alive s1
	snapshot_alive s2
}

@test "--timeout 1e300 is a usage error, not 'must not be negative'" {
	run --separate-stderr volsnap take data -n "$NS" --timeout 1e300
	assert_status 2
	[[ "$stderr" == *'invalid value "1e300" for --timeout'* ]] || { echo "$stderr" >&2; false; }
	[ -z "$(kc get volumesnapshots -n "$NS" -o name)" ]
}

@test "list -o yaml with a long digit run in a label key and line separators in an annotation reads back" {
	make_pvc data
	make_snaps data s1
	kc label volumesnapshot s1 -n "$NS" a1999999999999999999999=x a2=y >/dev/null
	kc annotate volumesnapshot s1 -n "$NS" "note=one$(printf '\u2028')two$(printf '\u0085')three" >/dev/null
	run --separate-stderr volsnap list -n "$NS" -o yaml
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.yaml"
	python3 - "$BATS_TEST_TMPDIR/out.yaml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
md = doc["items"][0]["metadata"]
assert md["annotations"]["note"] == "one\u2028two\u0085three", md["annotations"]
assert md["labels"]["a1999999999999999999999"] == "x"
PY
}
