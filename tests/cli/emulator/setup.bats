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
	assert_output_contains "Snapshots on Generic Kubernetes, Kubernetes v1.31.4: ready (3 of 3 steps done)"
	assert_output_contains "1. [done] Install the VolumeSnapshot CRDs"
	assert_output_contains "2. [done] Install the snapshot-controller"
	assert_output_contains "verify: kubectl"
	refute_output_contains "[todo]"
	# Nothing to create: a comment, never an empty stream for `| kubectl apply -f -`.
	run setup_cmd -o yaml
	assert_status 0
	assert_output_contains "# kubectl volsnap setup: nothing for the plugin to create"
	[ "$(echo "$output" | grep -vc '^#')" = 0 ]
}

@test "setup: a step is done only when its own verify would pass, and the headline counts steps done" {
	# The Gardener Azure steps on this (generic) cluster: there is no managed class "default".
	run setup_cmd gardener-azure
	assert_status 0
	assert_output_contains "Snapshots on Gardener on Azure, Kubernetes v1.31.4: not ready (0 of 1 steps done)"
	assert_output_contains "[todo] Check the managed VolumeSnapshotClass `default`"
	assert_output_contains "volumesnapshotclass default not found"
	refute_output_contains "[done]"
	own get volumesnapshotclass default >/dev/null 2>&1 && return 1
	# The AKS step names csi-azuredisk-vsc: done only once that class exists.
	run setup_cmd aks
	assert_output_contains "[todo] Create the VolumeSnapshotClass csi-azuredisk-vsc (volumesnapshotclass csi-azuredisk-vsc not found)"
	refute_output_contains ": ready"
}

@test "setup: a step whose state cannot be read is unknown with the reason, never todo" {
	own create clusterrole setup-reader --verb=get,list --resource=nodes,storageclasses,csinodes,persistentvolumes,configmaps,volumesnapshotclasses.snapshot.storage.k8s.io >/dev/null
	own create clusterrolebinding setup-reader --clusterrole=setup-reader --user=alice >/dev/null
	KUBECONFIG="$SETUP_STATE/denied.kubeconfig" run kubectl volsnap setup
	own delete clusterrolebinding setup-reader >/dev/null
	own delete clusterrole setup-reader >/dev/null
	assert_status 0
	# alice cannot list Deployments or CSIDrivers: the cluster has both, so not "todo".
	assert_output_contains "[?] Install the snapshot-controller"
	assert_output_contains "cannot read deployments: forbidden"
	assert_output_contains "[?] Install a CSI driver with snapshot support"
	assert_output_contains "cannot read csidrivers: forbidden"
	refute_output_contains "[todo]"
	assert_output_contains ": not known ("
}

@test "setup proposes a default VolumeSnapshotClass for a driver without one, and --apply creates it" {
	own delete volumesnapshotclass csi-hostpath-snapclass
	run setup_cmd
	assert_output_contains ": not ready (2 of 3 steps done)"
	assert_output_contains "[todo] Install a CSI driver with snapshot support and create a VolumeSnapshotClass"
	assert_output_contains "create VolumeSnapshotClass csi-hostpath-snapclass (default) for hostpath.csi.k8s.io"
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
	assert_output_contains "volumesnapshotclass.snapshot.storage.k8s.io/csi-hostpath-snapclass created"
	[ "$(own get volumesnapshotclass csi-hostpath-snapclass -o jsonpath='{.driver}')" = hostpath.csi.k8s.io ]
	KUBECONFIG="$SETUP_STATE/admin.kubeconfig" run kubectl volsnap doctor --check snapshot-classes
	assert_status 0
}

@test "setup annotates the only class of a driver that has no default" {
	own annotate volumesnapshotclass csi-hostpath-snapclass snapshot.storage.kubernetes.io/is-default-class- || true
	run setup_cmd
	assert_output_contains "mark VolumeSnapshotClass csi-hostpath-snapclass the default for hostpath.csi.k8s.io"
	run setup_cmd --apply --yes
	assert_status 0
	assert_output_contains "csi-hostpath-snapclass annotated"
	[ "$(own get volumesnapshotclass csi-hostpath-snapclass -o jsonpath='{.metadata.annotations.snapshot\.storage\.kubernetes\.io/is-default-class}')" = true ]
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

@test "setup --apply refuses a VolumeSnapshotClass it cannot make valid, and fills in what the StorageClass tells" {
	own create -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: rook-ceph.cephfs.csi.ceph.com}
spec: {attachRequired: true}
YAML
	run setup_cmd
	assert_output_contains "cannot create a valid VolumeSnapshotClass csi-cephfsplugin-snapclass for rook-ceph.cephfs.csi.ceph.com: fill in clusterID"
	assert_output_contains "clusterID: <clusterID>"
	run setup_cmd --apply --yes
	assert_status 1
	assert_output_contains "nothing changed"
	own get volumesnapshotclass csi-cephfsplugin-snapclass >/dev/null 2>&1 && return 1
	# A StorageClass of the driver carries the values: now the class is valid.
	own create -f - >/dev/null <<'YAML'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: rook-cephfs}
provisioner: rook-ceph.cephfs.csi.ceph.com
parameters:
  clusterID: rook-ceph
  fsName: myfs
  csi.storage.k8s.io/provisioner-secret-name: rook-csi-cephfs-provisioner
  csi.storage.k8s.io/provisioner-secret-namespace: rook-ceph
YAML
	run setup_cmd --apply --yes
	own delete storageclass rook-cephfs >/dev/null
	own delete csidriver rook-ceph.cephfs.csi.ceph.com >/dev/null
	assert_status 0
	assert_output_contains "volumesnapshotclass.snapshot.storage.k8s.io/csi-cephfsplugin-snapclass created"
	[ "$(own get volumesnapshotclass csi-cephfsplugin-snapclass -o jsonpath='{.parameters.clusterID}')" = rook-ceph ]
	[ "$(own get volumesnapshotclass csi-cephfsplugin-snapclass -o jsonpath='{.parameters.csi\.storage\.k8s\.io/snapshotter-secret-name}')" = rook-csi-cephfs-provisioner ]
	own delete volumesnapshotclass csi-cephfsplugin-snapclass >/dev/null
}
