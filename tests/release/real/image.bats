#!/usr/bin/env bats
# The container image (`make image`, run by tests/run.sh before this suite),
# run as a pod would run it, against the real kube-apiserver: its rootfs holds
# nothing but the binary, the config comes from KUBERNETES_SERVICE_HOST/PORT and
# a service-account token from the TokenRequest API, mounted where the kubelet
# mounts it; the process runs as user 65532 in a chroot of that rootfs, so no
# /etc, no shell, no libraries.

load ../../cli/helpers

setup() {
	TAG="v$(cat "$REPO_ROOT/VERSION")"
	OCI="$VOLSNAP_DIST/oci"
	[ -f "$OCI/index.json" ] || {
		echo "no $OCI: run make image (tests/run.sh does)" >&2
		return 1
	}
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	umoci unpack --image "$OCI:$TAG-linux-amd64" "$BUNDLE" >/dev/null
	ROOTFS="$BUNDLE/rootfs"
}

# A ServiceAccount in $NS and a token for it from the TokenRequest API,
# mounted into the rootfs where the kubelet mounts it.
mount_token() {
	local sa=$1 dir="$ROOTFS/var/run/secrets/kubernetes.io/serviceaccount"
	mkdir -p "$dir"
	kc create token "$sa" -n "$NS" --duration=10m >"$dir/token"
	cp "$VOLSNAP_STATE/ca.crt" "$dir/ca.crt"
	printf '%s' "$NS" >"$dir/namespace"
	chmod -R a+rX "$ROOTFS/var"
}

# Runs the image's entrypoint as the image's user, in a chroot of the rootfs,
# with only the environment a pod gets.
run_pod() {
	local hostport=${VOLSNAP_TEST_URL#https://}
	run env -i "KUBERNETES_SERVICE_HOST=${hostport%:*}" "KUBERNETES_SERVICE_PORT=${hostport##*:}" \
		/usr/sbin/chroot --userspec=65532:65532 "$ROOTFS" /kubectl-volsnap "$@"
}

@test "the image is FROM scratch with only the binary, its entrypoint, user 65532 and OCI labels" {
	run find "$ROOTFS" -mindepth 1
	[ "$output" = "$ROOTFS/kubectl-volsnap" ]
	file -b "$ROOTFS/kubectl-volsnap" | grep -q 'statically linked'
	run python3 - "$BUNDLE/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["process"]
print(c["args"], c["user"]["uid"], c["user"]["gid"])
PY
	[ "$output" = "['/kubectl-volsnap'] 65532 65532" ]
	run skopeo inspect --config "oci:$OCI:$TAG-linux-amd64"
	assert_status 0
	assert_output_contains '"org.opencontainers.image.licenses": "Apache-2.0"'
	assert_output_contains "\"org.opencontainers.image.version\": \"$TAG\""
	assert_output_contains '"org.opencontainers.image.source": "https://github.com/kubectl-volsnap/kubectl-volsnap"'
	# The docker-archive names the release reference.
	run skopeo inspect "docker-archive:$VOLSNAP_DIST/kubectl-volsnap_${TAG}_image_linux_amd64.tar"
	assert_status 0
	run tar -xOf "$VOLSNAP_DIST/kubectl-volsnap_${TAG}_image_linux_amd64.tar" manifest.json
	assert_output_contains "ghcr.io/kubectl-volsnap/kubectl-volsnap:$TAG"
}

@test "the release tag is an image index for linux/amd64 and linux/arm64; the arm64 image's binary runs" {
	run skopeo inspect --raw "oci:$OCI:$TAG"
	assert_status 0
	run python3 -c 'import json,sys; i=json.loads(sys.argv[1]); print(i["mediaType"], sorted((m["platform"]["os"], m["platform"]["architecture"]) for m in i["manifests"]))' "$output"
	[ "$output" = "application/vnd.oci.image.index.v1+json [('linux', 'amd64'), ('linux', 'arm64')]" ]
	run skopeo inspect --config "oci:$OCI:$TAG-linux-arm64"
	assert_output_contains '"architecture": "arm64"'
	umoci unpack --image "$OCI:$TAG-linux-arm64" "$BATS_TEST_TMPDIR/arm64" >/dev/null
	run find "$BATS_TEST_TMPDIR/arm64/rootfs" -mindepth 1
	[ "$output" = "$BATS_TEST_TMPDIR/arm64/rootfs/kubectl-volsnap" ]
	file -b "$BATS_TEST_TMPDIR/arm64/rootfs/kubectl-volsnap" | grep -q 'ARM aarch64.*statically linked'
	run qemu-aarch64 "$BATS_TEST_TMPDIR/arm64/rootfs/kubectl-volsnap" version --client
	assert_status 0
	assert_output_contains "$(cat "$REPO_ROOT/VERSION")"
	run tar -xOf "$VOLSNAP_DIST/kubectl-volsnap_${TAG}_image_linux_arm64.tar" manifest.json
	assert_output_contains "ghcr.io/kubectl-volsnap/kubectl-volsnap:$TAG"
}

@test "in a pod's place, list works with a TokenRequest token of a ServiceAccount bound to a Role" {
	new_ns
	kc create serviceaccount snapper -n "$NS" >/dev/null
	kc create role snapper -n "$NS" --verb=get,list,watch --resource=volumesnapshots.snapshot.storage.k8s.io >/dev/null
	kc create rolebinding snapper -n "$NS" --role=snapper --serviceaccount="$NS:snapper" >/dev/null
	kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: nightly-1, namespace: $NS}
spec:
  volumeSnapshotClassName: csi-hostpath-snapclass
  source: {persistentVolumeClaimName: data}
YAML
	mount_token snapper
	[ ! -e "$ROOTFS/etc" ]
	run_pod list
	assert_status 0
	assert_output_contains "nightly-1"
	run_pod list -o name
	assert_status 0
	[ "$output" = "volumesnapshot.snapshot.storage.k8s.io/nightly-1" ]
	run_pod version --client
	assert_status 0
}

@test "in a pod's place, a ServiceAccount without the Role is refused with a one-line error" {
	new_ns
	kc create serviceaccount nobody -n "$NS" >/dev/null
	mount_token nobody
	run_pod list
	assert_status 1
	assert_output_contains "forbidden"
	assert_output_contains "system:serviceaccount:$NS:nobody"
	[ "${#lines[@]}" = 1 ]
}
