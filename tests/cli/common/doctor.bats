#!/usr/bin/env bats
# doctor on both test beds: the healthy shape (CRDs, a CSIDriver, a default
# class) and broken shapes made by changing one thing. The real server has no
# snapshot-controller Deployment (its controller is a plain process), so there
# doctor must warn "no snapshot controller visible" rather than fail.
bats_require_minimum_version 1.5.0
load ../helpers

SNAPCLASS_YAML='apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: csi-hostpath-snapclass
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
driver: hostpath.csi.k8s.io
deletionPolicy: Delete'

teardown() {
	# The broken-shape tests delete the shared class; put it back for the others.
	kc get volumesnapshotclass csi-hostpath-snapclass >/dev/null 2>&1 || echo "$SNAPCLASS_YAML" | kc_create
}

result_of() { # JSON report on stdin, check ID -> result
	python3 -c 'import json,sys; print(next(c["result"] for c in json.load(sys.stdin)["checks"] if c["id"]==sys.argv[1]))' "$1"
}

@test "doctor on the healthy shape: CRDs, driver and classes pass" {
	new_ns
	run volsnap doctor -n "$NS"
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ]
	assert_output_contains "✓ Snapshot CRDs: v1 served"
	assert_output_contains "✓ CSI drivers: hostpath.csi.k8s.io"
	assert_output_contains "✓ StorageClasses: default csi-hostpath-sc is CSI (hostpath.csi.k8s.io)"
	assert_output_contains "✓ VolumeSnapshotClasses: hostpath.csi.k8s.io: default csi-hostpath-snapclass (deletionPolicy Delete)"
	assert_output_contains "✓ Permissions: all 13 permissions"
	assert_output_contains "i PersistentVolumeClaims: no PVCs in $NS"
	assert_output_contains "passed,"
}

@test "doctor says what it sees of the snapshot controller on each bed" {
	run volsnap doctor --check snapshot-controller -o json
	if on_real; then
		# A controller process outside any Deployment: visible to nobody, so warn.
		assert_status 4
		[ "$(echo "$output" | result_of snapshot-controller)" = warn ]
		assert_output_contains "no snapshot controller visible"
		assert_output_contains "deploy/kubernetes/snapshot-controller?ref="
	else
		assert_status 0
		[ "$(echo "$output" | result_of snapshot-controller)" = pass ]
	fi
}

@test "doctor fails with the command to run when the VolumeSnapshotClass is deleted" {
	kc delete volumesnapshotclass csi-hostpath-snapclass
	run volsnap doctor --check snapshot-classes
	assert_status 3
	assert_output_contains "✗ VolumeSnapshotClasses: hostpath.csi.k8s.io has no VolumeSnapshotClass"
	assert_output_contains "kubectl volsnap setup --apply"
	assert_output_contains '"driver":"hostpath.csi.k8s.io"'
	assert_output_contains "docs: https://kubernetes.io/docs/concepts/storage/volume-snapshot-classes/"
}

@test "doctor warns about an unbound PVC, as the source document's troubleshooting says" {
	new_ns
	make_pending_pvc waiting 1Gi no-such-class
	run volsnap doctor -n "$NS" --check pvcs
	assert_status 4
	assert_output_contains "! PersistentVolumeClaims: $NS/waiting is Pending, not bound: a snapshot of it fails until it is bound"
	assert_output_contains "kubectl get pvc -n $NS -w"
}

@test "doctor passes a bound CSI PVC and fails a --pvc that does not exist" {
	new_ns
	make_pvc data
	run volsnap doctor -n "$NS" --check pvcs --pvc data
	assert_status 0
	assert_output_contains "✓ PersistentVolumeClaims: 1 of 1 PVC can be snapshotted"
	run volsnap doctor -n "$NS" --check pvcs --pvc nope
	assert_status 3
	assert_output_contains "PVC nope not found in $NS"
}

@test "doctor --check runs the check and its dependencies only" {
	run volsnap doctor --check snapshot-classes -o json
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ]
	ids=$(echo "$output" | python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["checks"]))')
	[ "$ids" = "server-version snapshot-crds csi-drivers snapshot-classes" ]
}

@test "doctor -o json follows the documented schema, -o yaml is the same report" {
	run --separate-stderr volsnap doctor -o json
	# The healthy shape: no check fails (the real bed warns: no controller Deployment).
	[ "$status" -eq 0 ] || [ "$status" -eq 4 ]
	local json_status=$status json=$output
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert list(d) == ["apiVersion", "kind", "cluster", "provider", "snapshotAPI", "checks", "summary"], list(d)
assert d["apiVersion"] == "volsnap.io/v1" and d["kind"] == "DoctorReport"
assert list(d["cluster"]) == ["server", "version"] and list(d["provider"]) == ["id", "name", "evidence"]
assert d["snapshotAPI"]["preferred"] == "v1" and "v1" in d["snapshotAPI"]["served"]
for c in d["checks"]:
    assert list(c) == ["id", "title", "result", "message", "remediation", "docs", "needs"], list(c)
    assert c["result"] in ("pass", "warn", "fail", "skip", "info")
assert list(d["summary"]) == ["pass", "warn", "fail", "skip", "info"]
s = d["summary"]
assert int(sys.argv[2]) == (3 if s["fail"] else 4 if s["warn"] else 0), (sys.argv[2], s)
' "$output" "$status"
	run --separate-stderr volsnap doctor -o yaml
	[ "$status" -eq "$json_status" ]
	printf '%s\n' "$output" | grep -qx 'kind: DoctorReport'
	# The same report, value for value and type for type (a string "true" stays a string).
	python3 -c '
import json, sys, yaml
y, j = yaml.safe_load(sys.argv[1]), json.loads(sys.argv[2])
assert y == j, (y, j)
' "$output" "$json"
}

@test "doctor as a user RBAC denies everything: skips what it cannot read, fails permissions" {
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" run kubectl volsnap doctor -n default
	assert_status 3
	assert_output_contains "forbidden"
	assert_output_contains "✗ Permissions: cannot create, get, watch, list, delete volumesnapshots"
	assert_output_contains "ask your cluster admin to grant: create volumesnapshots.snapshot.storage.k8s.io"
	refute_output_contains "Segmentation"
}

@test "doctor without colour when NO_COLOR is set, even on a terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	NO_COLOR=1 run script -qec "kubectl volsnap doctor --check server-version" /dev/null
	refute_output_contains $'\033['
	assert_output_contains "✓ Server version"
}

@test "doctor colours its marks on a terminal when NO_COLOR is unset" {
	command -v script >/dev/null || skip "script(1) not installed"
	run env -u NO_COLOR script -qec "kubectl volsnap doctor --check server-version" /dev/null
	assert_output_contains $'\033['
}

@test "doctor --list-checks needs no cluster" {
	KUBECONFIG=/nonexistent run kubectl volsnap doctor --list-checks
	assert_status 0
	assert_output_contains "snapshot-classes"
	assert_output_contains "snapshot-crds,csi-drivers"
}

@test "doctor --check with an unknown ID is a usage error listing the valid IDs" {
	run volsnap doctor --check nope
	assert_status 2
	assert_output_contains 'unknown check "nope"'
	assert_output_contains "server-version, provider-issues, snapshot-crds"
}

@test "doctor -o with a bad format and an unknown --provider are usage errors" {
	run volsnap doctor -o table
	assert_status 2
	assert_output_contains "unknown output format"
	run volsnap doctor --provider nope
	assert_status 2
	assert_output_contains 'unknown provider "nope"'
}

@test "doctor on an unreachable cluster: exit 1 with one clear error" {
	cat >"$BATS_TEST_TMPDIR/kc" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: x, user: u}}]
current-context: c
YAML
	KUBECONFIG="$BATS_TEST_TMPDIR/kc" run kubectl volsnap doctor
	assert_status 1
	assert_output_contains "cannot read the cluster"
	[ "$(echo "$output" | grep -c .)" -le 2 ]
}
