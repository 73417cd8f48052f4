#!/usr/bin/env bats
# make demo against a cluster (KUBECONFIG set): unique names, everything it
# made deleted again, runnable twice, plain text into a pipe.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	new_ns
}

@test "the demo on a cluster cleans up, can run again, and writes no escape codes into a pipe" {
	make_pvc data
	local i
	for i in 1 2; do
		run env DEMO_PVC=data DEMO_NAMESPACE="$NS" TERM=xterm "$REPO_ROOT/tests/demo.sh"
		[ "$status" -eq 0 ] || { echo "run $i: $output" >&2; return 1; }
		[[ "$output" != *$'\e'* ]]
		[[ "$output" == *"Cleaning up what the demo made:"* ]]
	done
	# Only the PVC the user named is left: no snapshot, no restored PVC (a disk).
	wait_for 60 eval '[ -z "$(kc get volumesnapshots -n "$NS" -o name)" ]'
	wait_for 60 eval '[ "$(kc get pvc -n "$NS" -o name)" = persistentvolumeclaim/data ]'
}

@test "the demo with DEMO_KEEP=1 keeps what it made and prints the exact commands to delete it" {
	make_pvc data
	run env DEMO_PVC=data DEMO_NAMESPACE="$NS" DEMO_KEEP=1 "$REPO_ROOT/tests/demo.sh"
	assert_status 0
	local cmds
	cmds=$(printf '%s\n' "$output" | sed -n '/delete it with:/,$p' | tail -n +2)
	[ "$(printf '%s\n' "$cmds" | wc -l)" -eq 2 ]
	[ "$(kc get volumesnapshots -n "$NS" -o name | wc -l)" -eq 1 ]
	# The printed commands work as given.
	local c
	while IFS= read -r c; do eval "$c" >/dev/null; done <<<"$cmds"
	wait_for 60 eval '[ -z "$(kc get volumesnapshots -n "$NS" -o name)" ]'
	wait_for 60 eval '[ "$(kc get pvc -n "$NS" -o name)" = persistentvolumeclaim/data ]'
}
