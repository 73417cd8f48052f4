#!/usr/bin/env bats
# describe: what a snapshot is made of, and the verdict on why it is (not) ready.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

@test "describe a ready snapshot: source, class, content, events, verdict" {
	make_pvc data
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	run --separate-stderr volsnap describe s1 -n "$NS"
	assert_status 0
	assert_output_contains "Source PVC:        data (Bound)"
	assert_output_contains "Snapshot Class:    csi-hostpath-snapclass"
	assert_output_contains "Driver:          hostpath.csi.k8s.io"
	assert_output_contains "Deletion Policy: Delete"
	assert_output_contains "Ready To Use:    true"
	assert_output_contains "Restore Size:    1Gi"
	assert_output_contains "Events:"
	[[ "$output" == *$'\nVerdict:           ready to use' ]]
}

@test "describe -o json dumps snapshot, content, events and verdict" {
	make_pvc data
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	run --separate-stderr volsnap describe s1 -n "$NS" -o json
	assert_status 0
	[ "$(jq -r .snapshot.metadata.name <<<"$output")" = s1 ]
	[ "$(jq -r .content.spec.driver <<<"$output")" = hostpath.csi.k8s.io ]
	[ "$(jq -r '.events | type' <<<"$output")" = array ]
	[ "$(jq -r .verdict.ready <<<"$output")" = true ]
}

@test "describe gives the driver's error as the verdict" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: quota exceeded" >/dev/null
	volsnap take data -n "$NS" --name s1 --no-wait >/dev/null
	wait_for 30 eval '[ -n "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath="{.status.error.message}")" ]'
	run --separate-stderr volsnap describe s1 -n "$NS"
	assert_status 0
	[[ "$output" == *"Verdict:           not ready: "*"quota exceeded"* ]]
	# And what to do about it, not only the error.
	[[ "$output" == *"Verdict:           "*"delete this snapshot and take a new one"* ]]
}

@test "describe shows Labels and Annotations, as kubectl describe" {
	make_pvc data
	volsnap take data -n "$NS" --name s1 -l team=db --no-wait >/dev/null
	kc annotate volumesnapshot s1 -n "$NS" note=hello >/dev/null
	run --separate-stderr volsnap describe s1 -n "$NS"
	assert_status 0
	[[ "$output" == *$'\nLabels:            app.kubernetes.io/managed-by=kubectl-volsnap\n                   team=db\n                   volsnap.io/source-pvc=data\n'* ]]
	[[ "$output" == *$'\nAnnotations:       note=hello\n'* ]]
}

@test "describe of a snapshot being deleted names the PVC that holds it" {
	make_pvc data
	volsnap take data -n "$NS" --name s1 --timeout 60s >/dev/null
	restoring_pvc copy s1
	kc delete volumesnapshot s1 -n "$NS" --wait=false >/dev/null
	wait_for 30 eval '[ -n "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath="{.metadata.deletionTimestamp}")" ]'
	run --separate-stderr volsnap describe s1 -n "$NS"
	assert_status 0
	[[ "$output" == *"Verdict:           being deleted: waiting until PVC copy, which restores from it, is bound"* ]]
	snapshot_exists s1
}

@test "describe explains a snapshot of an unbound PVC (made without the plugin)" {
	kc_create <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: $NS, annotations: {volsnap.test/stay-pending: "true"}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  resources: {requests: {storage: 1Gi}}
YAML
	kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s1, namespace: $NS}
spec: {source: {persistentVolumeClaimName: data}}
YAML
	run --separate-stderr volsnap describe s1 -n "$NS"
	assert_status 0
	assert_output_contains "Source PVC:        data (Pending)"
	[[ "$output" == *"Verdict:           not ready: "*"--wait-bound"* ]]
}

@test "describe of a missing snapshot fails" {
	run --separate-stderr volsnap describe nope -n "$NS"
	assert_status 1
	[[ "$stderr" == "error: snapshot $NS/nope not found"* ]]
}

@test "describe refuses bad arguments with exit 2" {
	run --separate-stderr volsnap describe -n "$NS"
	assert_status 2
	run --separate-stderr volsnap describe a b -n "$NS"
	assert_status 2
	run --separate-stderr volsnap describe s1 -n "$NS" -o wide
	assert_status 2
}

@test "take, restore and describe --help show usage and examples, exit 0" {
	local c
	for c in take restore describe; do
		run --separate-stderr volsnap "$c" --help
		[ "$status" -eq 0 ] || { echo "$c --help: status $status: $stderr" >&2; return 1; }
		[[ "$output" == *"kubectl volsnap $c "* ]]
		[[ "$output" == *"Examples:"* ]]
	done
}
