#!/usr/bin/env bats
# Shell completion through kubectl itself: `kubectl __complete volsnap ...` runs
# the kubectl_complete-volsnap helper that `kubectl volsnap completion install`
# writes, which asks `kubectl-volsnap __complete` (cobra's protocol: one
# candidate per line, then ":<directive>").

load ../helpers

setup() {
	HELPER_DIR="$BATS_TEST_TMPDIR/completion-bin"
	mkdir -p "$HELPER_DIR"
	volsnap completion install "$HELPER_DIR" >/dev/null
	export PATH="$HELPER_DIR:$PATH"
}

# The candidates of `kubectl __complete volsnap ARGS...`, one per line, without
# descriptions; the directive line is checked and dropped.
complete_words() {
	local out
	out=$(kubectl __complete volsnap "$@" 2>/dev/null) || return 1
	[ "$(printf '%s\n' "$out" | tail -n1)" = ":4" ] || {
		echo "unexpected directive in: $out" >&2
		return 1
	}
	printf '%s\n' "$out" | sed '$d' | cut -f1
}

@test "completion install writes an executable kubectl_complete-volsnap that kubectl runs" {
	[ -x "$HELPER_DIR/kubectl_complete-volsnap" ]
	run kubectl __complete volsnap ""
	assert_status 0
	assert_output_contains "take	Snapshot a PVC"
	assert_output_contains "restore	"
	assert_output_contains "completion	"
	refute_output_contains "__complete"
	[ "$(printf '%s\n' "$output" | grep -c '^:4$')" = 1 ]
}

@test "commands, flags and -o values of the command typed" {
	run complete_words pr
	assert_status 0
	[ "$output" = prune ]
	run complete_words take --cl
	[ "$output" = $'--cluster\n--client-certificate\n--client-key\n--class' ]
	run complete_words take --w
	[ "$output" = $'--wait\n--wait-bound' ]
	run complete_words list -o ""
	[ "$output" = $'wide\njson\nyaml\nname\njsonpath=\ncustom-columns=' ]
	run complete_words doctor --output=j
	[ "$output" = json ]
	run complete_words take --dry-run=
	[ "$output" = $'client\nserver' ]
	run complete_words restore snap --access-mode ReadWriteO
	[ "$output" = $'ReadWriteOnce\nReadWriteOncePod' ]
	run complete_words setup gardener-a
	[ "$output" = $'gardener-aws\ngardener-azure' ]
	run complete_words completion ""
	[ "$output" = $'bash\nzsh\nfish\ninstall' ]
}

@test "PVC names for take, prune and restore --replace; snapshot names for describe, restore and delete" {
	new_ns
	make_pvc data-a
	make_pvc data-b
	make_pvc other
	for snap in data-a-1 data-a-2; do
		kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: $snap, namespace: $NS}
spec:
  volumeSnapshotClassName: csi-hostpath-snapclass
  source: {persistentVolumeClaimName: data-a}
YAML
	done
	run complete_words take -n "$NS" data-
	[ "$output" = $'data-a\ndata-b' ]
	run complete_words --namespace="$NS" prune ""
	[ "$output" = $'data-a\ndata-b\nother' ]
	run complete_words -n "$NS" restore data-a-1 --replace d
	[ "$output" = $'data-a\ndata-b' ]
	run complete_words -n "$NS" describe data-a-
	[ "$output" = $'data-a-1\ndata-a-2' ]
	run complete_words restore -n "$NS" ""
	[ "$output" = $'data-a-1\ndata-a-2' ]
	run complete_words delete -n "$NS" data-a-1 data
	[ "$output" = $'data-a-1\ndata-a-2' ]
	# The namespace of the context when -n is not given: none of these there.
	run complete_words describe data-a-
	[ "$output" = "" ]
	# Still all there: completion only reads.
	[ "$(kc get volumesnapshots -n "$NS" -o name | wc -l)" = 2 ]
}

@test "--class, -n and --context values come from the cluster and the kubeconfig" {
	new_ns
	run complete_words take x --class csi-
	assert_output_contains "csi-hostpath-snapclass"
	run complete_words -n "$NS"
	assert_status 0
	[ "$output" = "$NS" ]
	run complete_words restore x --storage-class csi-hostpath-
	[ "$output" = csi-hostpath-sc ]
	local ctx
	ctx=$(kc config current-context)
	run complete_words --context ""
	[ "$output" = "$ctx" ]
	run complete_words --kubeconfig "$VOLSNAP_STATE/denied.kubeconfig" --context ""
	[ "$output" = "$(kubectl --kubeconfig "$VOLSNAP_STATE/denied.kubeconfig" config current-context)" ]
}

@test "a cluster that cannot be reached or read gives no candidates, no error, and does not hang" {
	local t0=$SECONDS
	run kubectl __complete volsnap --server https://127.0.0.1:1 --insecure-skip-tls-verify take ""
	assert_status 0
	[ "$output" = ":4" ] || [ "$(printf '%s\n' "$output" | grep -v '^\[Debug\]\|^Completion ended' | tr -d '\n')" = ":4" ]
	[ $((SECONDS - t0)) -lt 10 ]
	# A user the server denies everything: silent too.
	run complete_words --kubeconfig "$VOLSNAP_STATE/denied.kubeconfig" -n default describe ""
	assert_status 0
	[ "$output" = "" ]
}

@test "completion bash|zsh|fish print scripts; the bash one completes kubectl-volsnap typed by its own name" {
	run volsnap completion bash
	assert_status 0
	assert_output_contains "complete -F _kubectl_volsnap kubectl-volsnap"
	run volsnap completion zsh
	assert_output_contains "#compdef kubectl-volsnap"
	run volsnap completion fish
	assert_output_contains "complete -c kubectl-volsnap"
	run bash -c 'source <(kubectl volsnap completion bash)
		compopt() { :; }
		COMP_WORDS=(kubectl-volsnap ver); COMP_CWORD=1
		_kubectl_volsnap; printf "%s\n" "${COMPREPLY[@]}"'
	assert_status 0
	[ "$output" = version ]
	run bash -n <(volsnap completion bash)
	assert_status 0
}

@test "completion: a bad shell or an unwritable folder is a one-line error" {
	run volsnap completion tcsh
	assert_status 2
	assert_output_contains "error: unknown shell"
	[ "${#lines[@]}" = 1 ]
	run volsnap completion
	assert_status 2
	assert_output_contains "which shell?"
	run volsnap completion install "$BATS_TEST_TMPDIR/no/such/dir"
	assert_status 1
	assert_output_contains "cannot write $BATS_TEST_TMPDIR/no/such/dir/kubectl_complete-volsnap"
	[ "${#lines[@]}" = 1 ]
}
