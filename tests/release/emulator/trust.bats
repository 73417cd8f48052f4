#!/usr/bin/env bats
# Trust without a CA in the kubeconfig (a server with a publicly trusted
# certificate): the static binary searches the system's CA bundles as kubectl
# (Go) does, honours SSL_CERT_FILE, and says what to do when nothing trusts the
# server. Each case runs the static binary in a chroot that holds only the
# binary, a kubeconfig naming no CA and the bundle of one distribution's layout
# (the emulator's CA stands in for a public CA). Needs root for chroot.

load ../../cli/helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "chroot needs root"
	ROOTFS="$BATS_TEST_TMPDIR/rootfs"
	mkdir -p "$ROOTFS"
	cp "$(command -v kubectl-volsnap)" "$ROOTFS/kubectl-volsnap"
	cat >"$ROOTFS/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: public
  cluster: {server: "$VOLSNAP_TEST_URL"}
users:
- name: admin
  user: {token: "$(cat "$VOLSNAP_STATE/admin.token")"}
contexts:
- name: public
  context: {cluster: public, user: admin}
current-context: public
YAML
}

in_root() {
	run env -i /usr/sbin/chroot "$ROOTFS" /kubectl-volsnap --kubeconfig /kubeconfig "$@"
}

bundle_at() {
	mkdir -p "$ROOTFS/$(dirname "$1")"
	cp "$VOLSNAP_STATE/ca.crt" "$ROOTFS/$1"
}

@test "no CA in the kubeconfig: Debian's bundle is trusted" {
	bundle_at etc/ssl/certs/ca-certificates.crt
	in_root list -A
	assert_status 0
}

@test "no CA in the kubeconfig: Fedora and RHEL's bundles are found as kubectl finds them" {
	bundle_at etc/pki/tls/certs/ca-bundle.crt
	in_root list -A
	assert_status 0
	rm -rf "$ROOTFS/etc"
	bundle_at etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
	in_root list -A
	assert_status 0
}

@test "no CA in the kubeconfig: Alpine's bundle is found" {
	bundle_at etc/ssl/cert.pem
	in_root list -A
	assert_status 0
}

@test "SSL_CERT_FILE names the bundle, as for kubectl" {
	bundle_at ca/cluster.pem
	run env -i SSL_CERT_FILE=/ca/cluster.pem /usr/sbin/chroot "$ROOTFS" /kubectl-volsnap --kubeconfig /kubeconfig list -A
	assert_status 0
}

@test "no bundle anywhere: one line that says the kubeconfig has no CA and what to do" {
	in_root list -A
	assert_status 1
	[ "${#lines[@]}" = 1 ]
	assert_output_contains "no certificate-authority and no system CA bundle was found"
	assert_output_contains "--certificate-authority=FILE --embed-certs"
}

@test "a bundle that does not hold the server's CA: the message names the bundle used" {
	mkdir -p "$ROOTFS/etc/ssl/certs"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BATS_TEST_TMPDIR/k" -subj /CN=other -days 1 \
		-out "$ROOTFS/etc/ssl/certs/ca-certificates.crt" 2>/dev/null
	in_root list -A
	assert_status 1
	[ "${#lines[@]}" = 1 ]
	assert_output_contains "the system's bundle /etc/ssl/certs/ca-certificates.crt was used"
}

@test "a CA in the kubeconfig wins over the system's bundle" {
	mkdir -p "$ROOTFS/etc/ssl/certs"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$BATS_TEST_TMPDIR/k" -subj /CN=other -days 1 \
		-out "$ROOTFS/etc/ssl/certs/ca-certificates.crt" 2>/dev/null
	cp "$VOLSNAP_STATE/ca.crt" "$ROOTFS/cluster-ca.crt"
	in_root --certificate-authority /cluster-ca.crt list -A
	assert_status 0
}
