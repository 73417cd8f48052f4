#!/usr/bin/env bats
# kubectl's global flags kubectl users type: impersonation (--as, --as-group),
# a client certificate on the command line, and --tls-server-name.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

teardown() {
	show_stderr
}

@test "--as impersonates a user: the server judges alice's rights, not the admin's" {
	make_snaps --unmanaged data s1
	run --separate-stderr volsnap list -n "$NS" --as alice
	assert_status 1
	[[ "$stderr" == error:*orbidden* ]]
	[[ "$stderr" == *'"alice"'* ]]
	# The admin itself still lists.
	run --separate-stderr volsnap list -n "$NS" -o name
	assert_status 0
	[ "$output" = volumesnapshot.snapshot.storage.k8s.io/s1 ]
}

@test "--as with --as-group (repeatable) acts with the groups' rights" {
	make_snaps --unmanaged data s1
	run --separate-stderr volsnap list -n "$NS" --as alice --as-group team --as-group system:masters -o name
	assert_status 0
	[ "$output" = volumesnapshot.snapshot.storage.k8s.io/s1 ]
}

@test "--as-group without --as is refused before any request" {
	run --separate-stderr volsnap list -n "$NS" --as-group system:masters
	assert_status 2
	[[ "$stderr" == "error: --as-group needs --as"* ]]
}

# A kubeconfig with the server and CA but no credentials, and the admin's
# client certificate and key as files ($BATS_TEST_TMPDIR/{nocreds,crt,key}).
split_cert_kubeconfig() {
	python3 - "$VOLSNAP_STATE/cert.kubeconfig" "$BATS_TEST_TMPDIR" <<'PY'
import base64, sys, yaml
cfg, out = yaml.safe_load(open(sys.argv[1])), sys.argv[2]
user = cfg["users"][0]["user"]
open(out + "/crt", "wb").write(base64.b64decode(user.pop("client-certificate-data")))
open(out + "/key", "wb").write(base64.b64decode(user.pop("client-key-data")))
cfg["users"][0]["user"] = {}
yaml.safe_dump(cfg, open(out + "/nocreds", "w"))
PY
}

@test "--client-certificate and --client-key authenticate with a certificate given as files" {
	make_snaps --unmanaged data s1
	split_cert_kubeconfig
	run --separate-stderr volsnap list -n "$NS" -o name --kubeconfig "$BATS_TEST_TMPDIR/nocreds" \
		--client-certificate "$BATS_TEST_TMPDIR/crt" --client-key "$BATS_TEST_TMPDIR/key"
	assert_status 0
	[ "$output" = volumesnapshot.snapshot.storage.k8s.io/s1 ]
	# Without them the same kubeconfig is anonymous.
	run --separate-stderr volsnap list -n "$NS" -o name --kubeconfig "$BATS_TEST_TMPDIR/nocreds"
	assert_status 1
}

@test "--tls-server-name verifies the server's certificate against that name" {
	# The server's certificate names 127.0.0.1 and localhost.
	run --separate-stderr volsnap version -o json --tls-server-name localhost
	assert_status 0
	run --separate-stderr volsnap version -o json --tls-server-name wrong.example
	assert_status 1
	[[ "$stderr" == *wrong.example* ]]
	# A name mismatch is not blamed on the CA, and the context is said once.
	[[ "$stderr" == *"not issued for this host name"*"--tls-server-name"* ]]
	[[ "$stderr" != *certificate-authority* ]]
	[ "$(grep -oE "server('s)? version" <<<"$stderr" | wc -l)" -eq 1 ]
}

@test "-n is checked as a namespace name before any request, with the rules" {
	local cmd
	for cmd in "list" "take data" "describe s1" "restore s1 --to copy" "prune --keep-last 1" "delete s1 --yes"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap $cmd -n ../x
		[ "$status" -eq 2 ] || { echo "$cmd: status $status: $stderr" >&2; return 1; }
		[ "$stderr" = "error: invalid namespace: ../x (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)" ]
	done
	run --separate-stderr volsnap list -n "$(printf 'n%.0s' $(seq 64))"
	assert_status 2
	[[ "$stderr" == *"at most 63 characters"* ]]
}

@test "every bad object name is refused with the rules and the length limit" {
	local cmd
	for cmd in "take Bad_Name" "take data --name Bad_Name" "take data --class Bad_Name" "list Bad_Name" \
		"describe Bad_Name" "restore Bad_Name --to copy" "restore s1 --to Bad_Name" \
		"restore s1 --to copy --storage-class Bad_Name" "delete Bad_Name --yes" "prune Bad_Name --keep-last 1"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap $cmd -n "$NS"
		[ "$status" -eq 2 ] || { echo "$cmd: status $status: $stderr" >&2; return 1; }
		[[ "$stderr" == "error: invalid "*"Bad_Name ("*"at most 253 characters)" ]] ||
			{ echo "$cmd: $stderr" >&2; return 1; }
	done
}
