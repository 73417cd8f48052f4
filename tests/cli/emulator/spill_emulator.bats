#!/usr/bin/env bats
# list's table and prune's plan beyond their memory budget: held in a
# temporary file (util/spill), with the same output and the same deletions as
# in memory. VOLSNAP_SPILL_BUDGET (bytes) makes the budget a few hundred
# bytes, so a few hundred snapshots take many runs.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	emulator_only "seeding hundreds of snapshots"
	new_ns
}

teardown() {
	show_stderr
}

TINY=300

# A mix over three PVCs: ages with ties (equal creation times keep the
# server's order), unready, unmanaged and pre-made snapshots.
seed_mix() {
	local specs=() i flags
	for ((i = 1; i <= 240; i++)); do
		flags=""
		((i % 11 == 0)) && flags=":unready"
		((i % 13 == 0)) && flags=":unmanaged"
		specs+=("$(printf 's%03d:pvc%d:%d%s' "$i" $((i % 3)) $((100000 - (i / 4) * 60)) "$flags")")
	done
	seed_snaps "${specs[@]}"
}

# same_beyond_budget ARGS: `list -n $NS ARGS` prints the same with a tiny
# budget (spilled to a temporary file) as in memory, and names all 240.
same_beyond_budget() {
	# shellcheck disable=SC2086 # ARGS are words
	run --separate-stderr volsnap list -n "$NS" $1
	assert_status 0
	local in_memory=$output
	[ "$(printf '%s\n' "$output" | grep -c 's[0-9][0-9][0-9]')" -ge 240 ]
	# shellcheck disable=SC2086
	VOLSNAP_SPILL_BUDGET=$TINY run --separate-stderr volsnap list -n "$NS" $1
	assert_status 0
	[ "$output" = "$in_memory" ] || {
		diff <(echo "$in_memory") <(echo "$output") >&2
		return 1
	}
}

@test "list beyond the budget prints byte for byte what it prints in memory" {
	seed_mix
	local args
	for args in "" "-o wide" "--sort-by .spec.source.persistentVolumeClaimName" "--no-headers --show-labels"; do
		same_beyond_budget "$args"
		[ "$(printf '%s\n' "$output" | grep -c '^s[0-9]')" -eq 240 ]
	done
}

@test "with no usable temporary directory everything stays in memory, said at -v=4" {
	# valgrind makes its own files in $TMPDIR before the plugin starts
	[ "${VOLSNAP_VALGRIND:-0}" != 1 ] || skip "valgrind itself needs a usable TMPDIR"
	seed_mix
	run --separate-stderr volsnap list -n "$NS"
	local in_memory=$output
	TMPDIR=/nonexistent/volsnap-test VOLSNAP_SPILL_BUDGET=$TINY run --separate-stderr volsnap list -n "$NS" -v=4
	assert_status 0
	[ "$output" = "$in_memory" ]
	[[ "$stderr" == *"spill: cannot make a temporary file /nonexistent/volsnap-test/"*": holding everything in memory"* ]]
}

@test "prune beyond the budget plans and deletes exactly what it does in memory" {
	seed_mix
	run --separate-stderr volsnap prune -n "$NS" --keep-last 5 --dry-run
	assert_status 0
	local plan=$output
	VOLSNAP_SPILL_BUDGET=$TINY run --separate-stderr volsnap prune -n "$NS" --keep-last 5 --dry-run
	assert_status 0
	[ "$output" = "$plan" ]
	local doomed
	doomed=$(printf '%s\n' "$plan" | awk '$4 == "DELETE" { print $2 }' | sort)
	[ "$(printf '%s\n' "$doomed" | grep -c .)" -gt 150 ]

	VOLSNAP_SPILL_BUDGET=$TINY run --separate-stderr volsnap prune -n "$NS" --keep-last 5 --yes
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c ' deleted$')" -eq "$(printf '%s\n' "$doomed" | grep -c .)" ]
	# The server's state: every snapshot the plan kept or skipped, nothing else.
	run --separate-stderr kc get volumesnapshots -n "$NS" -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}'
	assert_status 0
	local left
	left=$(printf '%s\n' "$output" | grep . | sort)
	[ "$(printf '%s\n' "$left" | grep -c .)" -eq $((240 - $(printf '%s\n' "$doomed" | grep -c .))) ]
	[ -z "$(comm -12 <(echo "$left") <(echo "$doomed"))" ]
}

@test "prune whose temporary file cannot grow deletes nothing: one error line, exit 1" {
	seed_mix
	# The file size limit stands for a full disk. The plugin is run without
	# kubectl in between, so the ignored SIGXFSZ reaches it (Go would reset it).
	run --separate-stderr bash -c "ulimit -f 8; trap '' XFSZ; VOLSNAP_SPILL_BUDGET=$TINY \
		kubectl-volsnap prune -n '$NS' --keep-last 5 --yes"
	assert_status 1
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == "error: making the plan: writing a temporary file: File too large (nothing deleted)" ]]
	run --separate-stderr kc get volumesnapshots -n "$NS" -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}'
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 240 ]
}

@test "list --sort-by with -o json, yaml or name beyond the budget prints what it prints in memory" {
	seed_mix
	local args
	for args in "-o json --sort-by .spec.source.persistentVolumeClaimName" "-o yaml --sort-by .status.restoreSize" \
		"-o name --sort-by .metadata.creationTimestamp"; do
		same_beyond_budget "$args"
	done
	# The order is the field's: pvc0's snapshots, then pvc1's, then pvc2's.
	run --separate-stderr volsnap list -n "$NS" -o json --sort-by .spec.source.persistentVolumeClaimName
	[ "$(printf '%s\n' "$output" | grep '"persistentVolumeClaimName"' | uniq | tr -d ' ,')" = \
		"$(printf '"persistentVolumeClaimName":"pvc%d"\n' 0 1 2)" ]
}

@test "list --sort-by -o json whose temporary file cannot grow: one error line, exit 1, no partial list" {
	seed_mix
	run --separate-stderr bash -c "ulimit -f 8; trap '' XFSZ; VOLSNAP_SPILL_BUDGET=$TINY \
		kubectl-volsnap list -n '$NS' -o json --sort-by .metadata.name"
	assert_status 1
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == "error: sorting snapshots: writing a temporary file: File too large"* ]]
	[[ "$stderr" == *"TMPDIR"* ]]
	[ -z "$output" ]
}
