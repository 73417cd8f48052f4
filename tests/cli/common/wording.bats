#!/usr/bin/env bats
# kubectl's habits in the small: bare invocation, "did you mean", one wording
# for a bad -o, version -o json as kubectl's, and no escape codes on a dumb terminal.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	new_ns
}

@test "bare kubectl volsnap prints the help and exits 0, as kubectl does" {
	run --separate-stderr volsnap
	assert_status 0
	assert_output_contains "Usage:"
	assert_output_contains "take"
}

@test "an unknown command suggests the nearest one" {
	run --separate-stderr volsnap tkae data
	assert_status 2
	[[ "$stderr" == 'error: unknown command "tkae" for "kubectl volsnap"; did you mean "take"?'* ]]
	run --separate-stderr volsnap desc s1
	assert_status 2
	[[ "$stderr" == *'did you mean "describe"?'* ]]
	run --separate-stderr volsnap frobnicate
	assert_status 2
	[[ "$stderr" != *"did you mean"* ]]
}

@test "a bad -o has one wording in every command" {
	local cmd
	for cmd in "take data" "restore s1 --to c" "list" "describe s1" "version"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap $cmd -n "$NS" -o bogus
		[ "$status" -eq 2 ] || { echo "$cmd: $status $stderr" >&2; return 1; }
		[[ "$stderr" == 'error: unknown output format "bogus": use one of '* ]] || { echo "$cmd: $stderr" >&2; return 1; }
	done
}

@test "version -o json gives major and minor as strings, as kubectl does" {
	run --separate-stderr volsnap version -o json
	assert_status 0
	[ "$(jq -r '.serverVersion.major | type' <<<"$output")" = string ]
	[ "$(jq -r '.serverVersion.minor | type' <<<"$output")" = string ]
	[ "$(jq -r .serverVersion.major <<<"$output")" = 1 ]
}

# on_tty TERM CMD: CMD's output as seen on a terminal of that TERM (colours allowed).
on_tty() {
	local term=$1
	shift
	env -u NO_COLOR TERM="$term" script -qec "$*" /dev/null
}

@test "TERM=dumb: no colours and no line rewriting, even on a terminal" {
	run on_tty xterm kubectl volsnap doctor -n "$NS"
	[[ "$output" == *$'\e['* ]] # a capable terminal gets colours
	run on_tty dumb kubectl volsnap doctor -n "$NS"
	[[ "$output" != *$'\e'* ]]
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/never-ready=true >/dev/null
	run on_tty dumb VOLSNAP_PROGRESS_INTERVAL_SECONDS=1 kubectl volsnap take data -n "$NS" --name s1 --timeout 3s
	[[ "$output" != *$'\e'* ]]
	[[ "$output" == *"snapshot $NS/s1 ("*"s): "* ]]
}
