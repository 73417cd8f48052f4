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
	kc delete volumesnapshotclass second-default --ignore-not-found >/dev/null 2>&1 || true
	kc -n kube-system delete lease snapshot-controller-leader --ignore-not-found >/dev/null 2>&1 || true
	kc delete clusterrolebinding volsnap-test-alice --ignore-not-found >/dev/null 2>&1 || true
	kc delete clusterrole volsnap-test-alice --ignore-not-found >/dev/null 2>&1 || true
	# The emulator's controller Deployment, when a test hid it.
	if [ -f "$BATS_TEST_TMPDIR/controller.json" ]; then
		kc create -f "$BATS_TEST_TMPDIR/controller.json" >/dev/null 2>&1 || true
		kc -n kube-system patch deployment snapshot-controller --subresource=status --type=merge \
			-p "{\"status\": $(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["status"]))' "$BATS_TEST_TMPDIR/controller.json")}" >/dev/null 2>&1 || true
	fi
}

# Makes the snapshot controller invisible to doctor on both beds: the real bed
# runs it as a plain process already; the emulator's Deployment is saved
# (teardown puts it back) and deleted.
hide_controller() {
	on_real && return 0
	kc -n kube-system get deployment snapshot-controller -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"):
    d["metadata"].pop(k, None)
json.dump(d, sys.stdout)' >"$BATS_TEST_TMPDIR/controller.json"
	kc -n kube-system delete deployment snapshot-controller >/dev/null
	! kc -n kube-system get deployment snapshot-controller >/dev/null 2>&1
}

LEASE_YAML='apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: snapshot-controller-leader, namespace: kube-system}
spec: {holderIdentity: snapshot-controller-0, leaseDurationSeconds: 15}'

check_of() { # JSON report on stdin, check ID, field -> value
	python3 -c 'import json,sys; c=next(c for c in json.load(sys.stdin)["checks"] if c["id"]==sys.argv[1]); v=c[sys.argv[2]]; print("\n".join(v) if isinstance(v, list) else v)' "$1" "$2"
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
	assert_output_contains '✓ StorageClasses: default class "csi-hostpath-sc" is CSI (hostpath.csi.k8s.io)'
	assert_output_contains '✓ VolumeSnapshotClasses: hostpath.csi.k8s.io: default class "csi-hostpath-snapclass" (deletionPolicy Delete)'
	assert_output_contains "✓ Permissions: all 14 permissions for take, list, describe, restore, delete, prune and schedule create"
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
	if on_real; then
		# No controller is visible there: the PVC is fine, the cluster is not known to be.
		assert_status 4
		assert_output_contains "! PersistentVolumeClaims: 1 of 1 PVC can be snapshotted only if a snapshot controller runs"
	else
		assert_status 0
		assert_output_contains "✓ PersistentVolumeClaims: 1 of 1 PVC can be snapshotted"
	fi
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

@test "doctor --check reads discovery and speaks only of what ran" {
	run volsnap doctor --check csi-drivers
	assert_output_contains "Snapshot API: v1"
	refute_output_contains "Snapshot API: not served"
	assert_output_contains "the selected checks"
	refute_output_contains "snapshots should work"
	run volsnap doctor --check csi-drivers -o json
	[ "$(echo "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshotAPI"]["preferred"])')" = v1 ]
}

@test "doctor: a held leader lease on the server outranks the provider's 'no controller' rule" {
	new_ns
	make_pvc data
	hide_controller
	# EKS's era says no snapshot controller runs unless the add-on is installed.
	run volsnap doctor --provider eks -n "$NS" --check snapshot-controller --check pvcs -o json
	assert_status 3
	[ "$(echo "$output" | check_of snapshot-controller result)" = fail ]
	echo "$output" | check_of pvcs message | grep -q "none of the 1 PVC can be snapshotted here: no snapshot controller is installed"
	echo "$LEASE_YAML" | kc_create
	kc -n kube-system get lease snapshot-controller-leader >/dev/null
	run volsnap doctor --provider eks -n "$NS" --check snapshot-controller --check pvcs -o json
	assert_status 0
	echo "$output" | check_of snapshot-controller message | grep -q "leader lease kube-system/snapshot-controller-leader is held"
	[ "$(echo "$output" | check_of pvcs message)" = "1 of 1 PVC can be snapshotted" ]
	[ "$(echo "$output" | check_of provider-issues result)" != fail ]
}

@test "doctor: no PVC 'can be snapshotted' where no snapshot controller runs" {
	new_ns
	make_pvc data
	make_pvc logs
	hide_controller
	run volsnap doctor --provider kind -n "$NS"
	assert_status 3
	assert_output_contains "✗ Snapshot controller: no snapshot controller is installed"
	assert_output_contains "PersistentVolumeClaims: none of the 2 PVCs can be snapshotted here: no snapshot controller is installed"
	refute_output_contains "2 of 2 PVCs can be snapshotted"
	refute_output_contains "snapshots should work"
	run volsnap doctor --provider kind -n "$NS" --pvc data
	assert_status 3
	assert_output_contains "✗ PersistentVolumeClaims: none of the 1 PVC can be snapshotted here"
	# The PVCs are untouched.
	[ "$(kc -n "$NS" get pvc data -o jsonpath='{.status.phase}')" = Bound ]
}

@test "doctor names both default VolumeSnapshotClasses and the exact command, which fixes it" {
	kc_create <<'YAML'
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata:
  name: second-default
  annotations: {snapshot.storage.kubernetes.io/is-default-class: "true"}
driver: hostpath.csi.k8s.io
deletionPolicy: Retain
YAML
	run volsnap doctor --check snapshot-classes
	assert_status 3
	assert_output_contains "✗ VolumeSnapshotClasses: hostpath.csi.k8s.io has 2 default classes (csi-hostpath-snapclass, second-default): snapshots that name no class fail until only one is default"
	assert_output_contains "→ keep \"csi-hostpath-snapclass\" as the default: kubectl annotate volumesnapshotclass second-default snapshot.storage.kubernetes.io/is-default-class=false --overwrite"
	refute_output_contains " NAME "
	refute_output_contains "snapshots should work"
	cmd=$(volsnap doctor --check snapshot-classes -o json | check_of snapshot-classes remediation | sed -n 's/^keep .* as the default: //p')
	[ -n "$cmd" ]
	kc_cmd=${cmd/#kubectl /}
	# shellcheck disable=SC2086 # the printed command, word-split as a shell would
	kc $kc_cmd
	[ "$(kc get volumesnapshotclass second-default -o jsonpath='{.metadata.annotations.snapshot\.storage\.kubernetes\.io/is-default-class}')" = false ]
	run volsnap doctor --check snapshot-classes
	assert_status 0
	assert_output_contains 'default class "csi-hostpath-snapclass"'
}

ALICE_ROLE='apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: volsnap-test-alice}
rules:
- {apiGroups: [""], resources: [nodes, persistentvolumes, persistentvolumeclaims, configmaps, namespaces, events], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [persistentvolumeclaims], verbs: [create]}
- {apiGroups: [storage.k8s.io], resources: [storageclasses, csidrivers, csinodes], verbs: [get, list]}
- {apiGroups: [snapshot.storage.k8s.io], resources: [volumesnapshots, volumesnapshotcontents, volumesnapshotclasses], verbs: [get, list, watch, create, delete]}
- {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get]}'

grant_alice() { # extra rules (YAML lines) appended to ALICE_ROLE
	printf '%s\n%s\n' "$ALICE_ROLE" "${1:-}" | kc_create
	kc create clusterrolebinding volsnap-test-alice --clusterrole=volsnap-test-alice --user=alice >/dev/null
}

@test "doctor asks only what the shipped commands need, naming each command once" {
	grant_alice "- {apiGroups: [apps], resources: [deployments, statefulsets], verbs: [list]}
- {apiGroups: [batch], resources: [cronjobs, jobs], verbs: [list]}"
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" run kubectl volsnap doctor -n default
	# alice may do everything take, list, describe, restore, delete and prune need, but not what
	# schedule create needs: a warning naming that command alone, once.
	assert_output_contains "! Permissions: cannot create cronjobs; create serviceaccounts; create roles; create rolebindings in default (needed by schedule create)"
	assert_output_contains "(needed by schedule create)"
	refute_output_contains "needed by take"
	[ "$(printf '%s\n' "$output" | grep -o 'schedule create' | wc -l)" -ge 1 ]
	assert_status 4
	kc delete clusterrolebinding volsnap-test-alice >/dev/null
	kc delete clusterrole volsnap-test-alice >/dev/null
	# Without delete: prune and delete are each named once.
	printf '%s\n' "$ALICE_ROLE" | sed 's/watch, create, delete\]/watch, create]/' | kc_create
	kc create clusterrolebinding volsnap-test-alice --clusterrole=volsnap-test-alice --user=alice >/dev/null
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" run kubectl volsnap doctor -n default --check permissions
	assert_status 4
	assert_output_contains "! Permissions: cannot delete volumesnapshots; create cronjobs; create serviceaccounts; create roles; create rolebindings in default (needed by delete, prune, schedule create)"
}

@test "doctor: a check that cannot read what it needs is not a pass (exit 1, and says so)" {
	# alice may read everything doctor reads except Deployments and StatefulSets.
	grant_alice
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" run kubectl volsnap doctor -n default
	assert_status 1
	assert_output_contains "- Snapshot controller: cannot read deployments: forbidden"
	assert_output_contains "could not check snapshot-controller"
	refute_output_contains "snapshots should work"
	KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" run kubectl volsnap doctor -n default --check csi-drivers
	# What was selected could all be read.
	if on_real; then [ "$status" -eq 0 ] || [ "$status" -eq 4 ]; else assert_status 0; fi
}
