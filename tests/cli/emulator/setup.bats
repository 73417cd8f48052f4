#!/usr/bin/env bats
# setup: steps from providers/ with what doctor found done, and the classes
# the plugin creates itself. Runs on its own emulator (generic profile) since
# it deletes and creates VolumeSnapshotClasses.
load ../helpers

setup_file() {
	export SETUP_STATE="$BATS_FILE_TMPDIR/emu"
	"$REPO_ROOT/tests/apiserver/start.sh" "$SETUP_STATE" generic.yaml >"$BATS_FILE_TMPDIR/start.log" 2>&1
}

teardown_file() {
	"$REPO_ROOT/tests/apiserver/stop.sh" "$SETUP_STATE" >/dev/null 2>&1 || true
}

own() { kubectl --kubeconfig "$SETUP_STATE/admin.kubeconfig" "$@"; }
setup_cmd() { KUBECONFIG="$SETUP_STATE/admin.kubeconfig" kubectl volsnap setup "$@"; }

@test "setup on a ready cluster: every step done, nothing to create" {
	run setup_cmd
	assert_status 0
	assert_output_contains "Snapshots on Generic Kubernetes, Kubernetes v1.31.4"
	assert_output_contains "1. [done] Install the VolumeSnapshot CRDs"
	assert_output_contains "2. [done] Install the snapshot-controller"
	assert_output_contains "verify: kubectl"
	refute_output_contains "[todo]"
	run setup_cmd -o yaml
	assert_status 0
	[ -z "$output" ]
}

@test "setup proposes a default VolumeSnapshotClass for a driver without one, and --apply creates it" {
	own delete volumesnapshotclass csi-hostpath-snapclass
	run setup_cmd
	assert_output_contains "[todo] Install a CSI driver with snapshot support and create a VolumeSnapshotClass"
	assert_output_contains "create VolumeSnapshotClass hostpath-snapclass (default) for hostpath.csi.k8s.io"
	run setup_cmd -o yaml
	assert_status 0
	assert_output_contains "kind: VolumeSnapshotClass"
	assert_output_contains "driver: hostpath.csi.k8s.io"
	assert_output_contains "snapshot.storage.kubernetes.io/is-default-class"
	# Not a terminal and no --yes: refuse rather than change the cluster.
	run setup_cmd --apply </dev/null
	assert_status 2
	assert_output_contains "--yes"
	run own get volumesnapshotclass hostpath-snapclass -o name
	[ "$status" -eq 1 ]
	[[ "$output" == "Error from server (NotFound): "* ]]
	run setup_cmd --apply --yes
	assert_status 0
	assert_output_contains "volumesnapshotclass.snapshot.storage.k8s.io/hostpath-snapclass created"
	[ "$(own get volumesnapshotclass hostpath-snapclass -o jsonpath='{.driver}')" = hostpath.csi.k8s.io ]
	KUBECONFIG="$SETUP_STATE/admin.kubeconfig" run kubectl volsnap doctor --check snapshot-classes
	assert_status 0
}

@test "setup annotates the only class of a driver that has no default" {
	own annotate volumesnapshotclass hostpath-snapclass snapshot.storage.kubernetes.io/is-default-class- || true
	run setup_cmd
	assert_output_contains "mark VolumeSnapshotClass hostpath-snapclass the default for hostpath.csi.k8s.io"
	run setup_cmd --apply --yes
	assert_status 0
	assert_output_contains "hostpath-snapclass annotated"
	[ "$(own get volumesnapshotclass hostpath-snapclass -o jsonpath='{.metadata.annotations.snapshot\.storage\.kubernetes\.io/is-default-class}')" = true ]
}

@test "setup for a named provider prints that provider's steps" {
	run setup_cmd gardener-azure
	assert_status 0
	assert_output_contains "Gardener on Azure"
	run setup_cmd nope
	assert_status 2
	assert_output_contains 'unknown provider "nope"'
	run setup_cmd -o json
	assert_status 2
}
