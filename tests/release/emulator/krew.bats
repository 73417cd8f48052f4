#!/usr/bin/env bats
# The krew release (`make dist`, run by tests/run.sh before this suite): the
# rendered manifest passes krew's and krew-index's rules, the archive is
# reproducible, and it installs the way krew installs it and works.

load ../../cli/helpers

setup() {
	TAG="v$(cat "$REPO_ROOT/VERSION")"
	MANIFEST="$VOLSNAP_DIST/krew-manifest.yaml"
	ARCHIVE="$VOLSNAP_DIST/kubectl-volsnap_${TAG}_linux_amd64.tar.gz"
	ARCHIVE_ARM64="$VOLSNAP_DIST/kubectl-volsnap_${TAG}_linux_arm64.tar.gz"
	[ -f "$MANIFEST" ] && [ -f "$ARCHIVE" ] && [ -f "$ARCHIVE_ARM64" ] || {
		echo "no $MANIFEST or $ARCHIVE: run make dist (tests/run.sh does)" >&2
		return 1
	}
}

# Validates a manifest as plugins/volsnap.yaml of a krew index (the name must
# equal the file name there).
validate() {
	mkdir -p "$BATS_TEST_TMPDIR/plugins"
	cp "$1" "$BATS_TEST_TMPDIR/plugins/volsnap.yaml"
	python3 "$REPO_ROOT/release/krew-manifest.py" validate "$BATS_TEST_TMPDIR/plugins/volsnap.yaml" "$VOLSNAP_DIST"
}

@test "the rendered krew manifest passes krew's rules, with the release tag's uri and the archive's sha256" {
	run validate "$MANIFEST"
	assert_status 0
	[ "$output" = "" ]
	local sha
	sha=$(sha256sum "$ARCHIVE" | cut -d' ' -f1)
	grep -q "sha256: \"$sha\"" "$MANIFEST"
	grep -q "uri: https://github.com/kubectl-volsnap/kubectl-volsnap/releases/download/$TAG/kubectl-volsnap_${TAG}_linux_amd64.tar.gz" "$MANIFEST"
	grep -q "version: \"$TAG\"" "$MANIFEST"
	refute_output_contains "{{"
	run grep -c '{{' "$MANIFEST"
	[ "$output" = 0 ]
}

@test "the archive holds the static binary, LICENSE and the completion helper, owned by 0:0 at one fixed time" {
	run tar -tvzf "$ARCHIVE"
	assert_status 0
	[ "${#lines[@]}" = 3 ]
	[ "$(tar -tzf "$ARCHIVE" | tr '\n' ' ')" = "LICENSE kubectl-volsnap kubectl_complete-volsnap " ]
	[ "$(printf '%s\n' "${lines[@]}" | awk '{print $2}' | sort -u)" = "0/0" ]
	[ "$(printf '%s\n' "${lines[@]}" | awk '{print $4, $5}' | sort -u | wc -l)" = 1 ]
	tar -xzf "$ARCHIVE" -C "$BATS_TEST_TMPDIR" kubectl-volsnap LICENSE
	file -b "$BATS_TEST_TMPDIR/kubectl-volsnap" | grep -q 'statically linked'
	cmp "$BATS_TEST_TMPDIR/LICENSE" "$REPO_ROOT/LICENSE"
	grep -q 'Apache License' "$BATS_TEST_TMPDIR/LICENSE"
}

@test "building the release again gives the same binary and the same archive, byte for byte" {
	local before after
	# Twice here: the time inside is the last commit's, which may have moved
	# since tests/run.sh built dist/.
	run make -s -C "$REPO_ROOT" dist
	assert_status 0
	before=$(sha256sum "$ARCHIVE" "$ARCHIVE_ARM64" | cut -d' ' -f1)
	run make -s -C "$REPO_ROOT" dist
	assert_status 0
	after=$(sha256sum "$ARCHIVE" "$ARCHIVE_ARM64" | cut -d' ' -f1)
	[ "$before" = "$after" ]
	run validate "$MANIFEST"
	assert_status 0
	# The binary from fresh objects, built beside the release's one.
	VOLSNAP_STATIC_OUT="$BATS_TEST_TMPDIR/again" VOLSNAP_STATIC_BUILD="$BATS_TEST_TMPDIR/obj" \
		run "$REPO_ROOT/release/static.sh"
	assert_status 0
	cmp "$BATS_TEST_TMPDIR/again" "$VOLSNAP_DIST/kubectl-volsnap-linux-amd64"
}

@test "the manifest lists linux/amd64 and linux/arm64 only, each with its own archive" {
	run python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); print(" ".join("%s/%s=%s" % (p["selector"]["matchLabels"]["os"], p["selector"]["matchLabels"]["arch"], p["uri"].rsplit("/", 1)[1]) for p in d["spec"]["platforms"]))' "$MANIFEST"
	assert_status 0
	[ "$output" = "linux/amd64=kubectl-volsnap_${TAG}_linux_amd64.tar.gz linux/arm64=kubectl-volsnap_${TAG}_linux_arm64.tar.gz" ]
	grep -q "sha256: \"$(sha256sum "$ARCHIVE_ARM64" | cut -d' ' -f1)\"" "$MANIFEST"
}

@test "the arm64 archive holds a static aarch64 binary that runs under qemu-user: version --client and doctor" {
	[ "$(tar -tzf "$ARCHIVE_ARM64" | tr '\n' ' ')" = "LICENSE kubectl-volsnap kubectl_complete-volsnap " ]
	tar -xzf "$ARCHIVE_ARM64" -C "$BATS_TEST_TMPDIR" kubectl-volsnap
	file -b "$BATS_TEST_TMPDIR/kubectl-volsnap" | grep -q 'ARM aarch64.*statically linked'
	run qemu-aarch64 "$BATS_TEST_TMPDIR/kubectl-volsnap" version --client
	assert_status 0
	[ "$output" = "Client Version: ${TAG#v}" ]
	run qemu-aarch64 "$BATS_TEST_TMPDIR/kubectl-volsnap" doctor
	assert_output_contains " passed, "
	[ "$status" = 0 ] || [ "$status" = 4 ]
}

@test "the validator rejects what krew-index would" {
	local m="$BATS_TEST_TMPDIR/bad.yaml"
	sed 's/^  shortDescription: .*/  shortDescription: Check, take, restore and prune all of the CSI volume snapshots/' "$MANIFEST" >"$m"
	run validate "$m"
	assert_status 1
	assert_output_contains "shortDescription is 62 characters"
	sed 's/^    sha256: .*/    sha256: "0000000000000000000000000000000000000000000000000000000000000000"/' "$MANIFEST" >"$m"
	run validate "$m"
	assert_status 1
	assert_output_contains "is not the archive's"
	sed 's/^  description: |$/  description: |\n    kubectl volsnap take data-db-0/' "$MANIFEST" >"$m"
	run validate "$m"
	assert_status 1
	assert_output_contains "looks like a usage example"
	sed 's/matchLabels: {os: linux, arch: amd64}/matchLabels: {os: linux}/' "$MANIFEST" >"$m"
	python3 - "$m" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
doc["spec"]["platforms"].append(dict(doc["spec"]["platforms"][0], selector={"matchLabels": {"os": "linux", "arch": "amd64"}}))
yaml.safe_dump(doc, open(sys.argv[1], "w"))
PY
	run validate "$m"
	assert_status 1
	assert_output_contains "overlaps platform 1 on linux/amd64"
	sed 's/^    bin: kubectl-volsnap/    bin: kubectl-snap/; s/^  version: .*/  version: "0.1"/' "$MANIFEST" >"$m"
	run validate "$m"
	assert_status 1
	assert_output_contains "bin kubectl-snap is not in the installed files"
	assert_output_contains "is not semver"
}

@test "installed the way krew installs it, the plugin runs version --client, doctor, and completion from krew's bin" {
	local root="$BATS_TEST_TMPDIR/krew" store
	store="$root/store/volsnap/$TAG"
	mkdir -p "$store" "$root/bin"
	# krew: extract into the store, apply files (all "to: ."), link bin into bin/.
	tar -xzf "$ARCHIVE" -C "$store"
	ln -s "$store/kubectl-volsnap" "$root/bin/kubectl-volsnap"
	export PATH="$root/bin:$PATH"
	[ "$(command -v kubectl-volsnap)" = "$root/bin/kubectl-volsnap" ]
	run kubectl volsnap version --client
	assert_status 0
	[ "$output" = "Client Version: ${TAG#v}" ]
	run kubectl volsnap doctor
	assert_output_contains " passed, "
	[ "$status" = 0 ] || [ "$status" = 4 ]
	# The helper goes beside the plugin kubectl finds: krew's bin folder.
	run kubectl volsnap completion install
	assert_status 0
	assert_output_contains "wrote $root/bin/kubectl_complete-volsnap"
	[ -x "$root/bin/kubectl_complete-volsnap" ]
	run kubectl __complete volsnap vers
	assert_output_contains "version	Print the plugin's version"
}
