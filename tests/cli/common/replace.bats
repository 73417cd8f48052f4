#!/usr/bin/env bats
# restore --replace: a PVC brought back to a snapshot in place, behind a safety
# snapshot and a retained PV; every refusal leaves the cluster as it was; a run
# stopped after any step is completed by --resume without repeating a step.
# Workloads need the real bed's controller-manager (Deployment, ReplicaSet,
# StatefulSet controllers); pods stay Pending there without a scheduler.

bats_require_minimum_version 1.5.0
load ../helpers
load ../replace

setup() {
	new_ns
	WATCHERS=()
	EVENTS="$BATS_TEST_TMPDIR/events"
	: >"$EVENTS"
}

teardown() {
	local p
	for p in "${WATCHERS[@]}"; do kill "$p" 2>/dev/null || true; done
}

# What a refusal leaves: the same PVC on the same PV, the PV's policy and
# annotations untouched, no safety snapshot.
unchanged() {
	local pvc=${1:-data}
	[ "$(get pvc "$pvc" -n "$NS" -o jsonpath='{.metadata.uid}/{.spec.volumeName}')" = "$OLD_UID/$OLD_PV" ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}/{.metadata.annotations.volsnap\.io/replace-state}')" = Delete/ ]
	[ "$(count volumesnapshot -n "$NS" -l volsnap.io/pre-restore-of)" -eq 0 ]
}

# The old data can still be reached: the old PVC on its PV, or the PV retained.
data_reachable() {
	local uid policy
	policy=$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')
	uid=$(kc get pvc data -n "$NS" -o jsonpath='{.metadata.uid}' 2>/dev/null || true)
	[ "$policy" = Retain ] || [ "$uid" = "$OLD_UID" ]
}

# The replaced PVC: a new object, from the snapshot, the user's metadata kept.
replaced() {
	local pvc=${1:-data}
	[ "$(get pvc "$pvc" -n "$NS" -o jsonpath='{.spec.dataSource.kind}/{.spec.dataSource.name}')" = VolumeSnapshot/s1 ]
	[ "$(get pvc "$pvc" -n "$NS" -o jsonpath='{.metadata.uid}')" != "$OLD_UID" ]
	[ "$(get pvc "$pvc" -n "$NS" -o jsonpath='{.metadata.labels.app}/{.metadata.annotations.team}')" = db/storage ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ]
	get pv "$OLD_PV" -o jsonpath='{.metadata.annotations.volsnap\.io/replace-state}' | grep -q '"oldReclaimPolicy":"Delete"'
	[ "$(count volumesnapshot -n "$NS" -l "volsnap.io/pre-restore-of=$pvc,volsnap.io/keep=true")" -eq 1 ]
	wait_for 60 pvc_phase_is "$pvc" Bound
}

# watch_events RESOURCE [ARGS...]: appends "RV TYPE RESOURCE NAME UID STATE" lines
# to $EVENTS from a watch, STATE being a PV's reclaim policy, a workload's
# replicas or a snapshot's readyToUse. One etcd orders every resourceVersion.
watch_events() {
	local res=$1
	shift
	# kubectl itself in the background (not the kc function's subshell), so
	# teardown's kill ends the watch and bats is not left waiting on it.
	kubectl --kubeconfig "$VOLSNAP_STATE/admin.kubeconfig" get "$res" "$@" -w --output-watch-events \
		-o jsonpath="{.object.metadata.resourceVersion} {.type} $res {.object.metadata.name} {.object.metadata.uid} \
{.object.spec.persistentVolumeReclaimPolicy}{.object.spec.replicas}{.object.status.readyToUse}{\"\\n\"}" \
		</dev/null >>"$EVENTS" 2>/dev/null 3>&- &
	WATCHERS+=($!)
}

# first_rv REGEX [AFTER_RV]: the first resourceVersion (after AFTER_RV) whose event matches.
first_rv() {
	sort -n "$EVENTS" | awk -v re="$1" -v after="${2:-0}" '$1 > after+0 && $0 ~ re { print $1; exit }'
}

seen() { [ -n "$(first_rv "$1")" ]; }

# in_order REGEX...: each event happened, after the one before.
in_order() {
	local rv=0 next re
	for re in "$@"; do
		next=$(first_rv "$re" "$rv")
		if [ -z "$next" ]; then
			echo "no event /$re/ after resourceVersion $rv; events:" >&2
			sort -n "$EVENTS" >&2
			return 1
		fi
		rv=$next
	done
}

# The pods of the workloads: "scheduled" on a node that does not exist, so the
# pvc-protection controller counts them as using the PVC (it ignores pods
# without a node); grace 0 lets the controllers delete them without a kubelet.
pod_spec() {
	cat <<YAML
    metadata: {labels: {app: $1}}
    spec:
      nodeName: volsnap-test-node
      terminationGracePeriodSeconds: 0
      automountServiceAccountToken: false
      containers: [{name: c, image: volsnap.test/none}]
      volumes: [{name: d, persistentVolumeClaim: {claimName: $2}}]
YAML
}

deployment() { # NAME PVC
	kc_create <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1, namespace: $NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: $1}}
  template:
$(pod_spec "$1" "$2")
YAML
}

statefulset() { # NAME (its claim template is "data": PVC data-NAME-0)
	kc_create <<YAML
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: $1, namespace: $NS}
spec:
  replicas: 1
  serviceName: $1
  selector: {matchLabels: {app: $1}}
  template:
$(pod_spec "$1" "data-$1-0" | sed 's/      volumes:.*//')
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: csi-hostpath-sc, resources: {requests: {storage: 1Gi}}}
YAML
}

pods_of() { count pods -n "$NS" -l "app=$1"; }
has_pods() { [ "$(pods_of "$1")" -eq "$2" ]; }
needs_controllers() { on_real || skip "needs the real controller-manager's workload controllers"; }

# A pod the API accepts (the real bed checks the ServiceAccount exists).
bare_pod() { # NAME PVC [OWNER_REFERENCES_FLOW]
	on_real && wait_for 60 kc get serviceaccount default -n "$NS"
	kc_create <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, namespace: $NS, ownerReferences: ${3:-[]}}
spec:
  automountServiceAccountToken: false
  containers: [{name: c, image: volsnap.test/none}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: $2}}]
YAML
}

@test "replace: an unused PVC restored in place, in order: safety snapshot, Retain, delete, create" {
	data_and_snapshot
	watch_events pv "$OLD_PV"
	watch_events pvc -n "$NS"
	watch_events volumesnapshots -n "$NS"
	sleep 1
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --timeout 60s
	assert_status 0
	assert_output_contains "Restore snapshot s1 into PVC $NS/data in place"
	assert_output_contains "old volume: PV $OLD_PV, kept with reclaim policy Retain (it was Delete)"
	assert_output_contains "kubectl patch pv $OLD_PV -p"
	replaced
	# The new PVC records the finished replace.
	get pvc data -n "$NS" -o jsonpath='{.metadata.annotations.volsnap\.io/replace-state}' |
		grep -q '"done":\["safety-snapshot","retain","delete","create"\]'
	local new_uid
	new_uid=$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')
	wait_for 30 seen "ADDED pvc data $new_uid"
	in_order "volumesnapshots data-pre-restore-[0-9]+ .* true$" "MODIFIED pv $OLD_PV .* Retain$" \
		"DELETED pvc data $OLD_UID" "ADDED pvc data $new_uid"
}

@test "replace --dry-run prints the plan and changes nothing" {
	data_and_snapshot
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --dry-run
	assert_status 0
	assert_output_contains "1. safety-snapshot: take safety snapshot data-pre-restore-"
	assert_output_contains "2. retain: set PV $OLD_PV's reclaim policy Delete -> Retain"
	assert_output_contains "4. create: create PVC data from snapshot s1"
	unchanged
}

@test "replace refuses without --yes when stdin is not a terminal, and bad flag mixes, exit 2" {
	data_and_snapshot
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" </dev/null
	assert_status 2
	[[ "$stderr" == *"without confirmation: stdin is not a terminal; add --yes"* ]]
	local bad
	for bad in "--replace data --to x" "--replace data --size 2Gi" "--replace Bad_Name" "--to x --scale-down" \
		"--replace data --dry-run=server"; do
		# shellcheck disable=SC2086
		run --separate-stderr volsnap restore s1 -n "$NS" $bad --yes
		[ "$status" -eq 2 ] || { echo "'$bad': status $status: $stderr" >&2; return 1; }
	done
	unchanged
}

@test "replace refuses a PVC in use without --scale-down; nothing changed" {
	data_and_snapshot
	bare_pod user data
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes
	assert_status 1
	[[ "$stderr" == *"PVC $NS/data is in use by pod user; pass --scale-down"*"nothing was changed"* ]]
	unchanged
	get pod user -n "$NS" -o name >/dev/null
}

@test "replace refuses a bare pod or a DaemonSet as user without --force; nothing changed" {
	data_and_snapshot
	bare_pod lonely data
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --scale-down
	assert_status 1
	[[ "$stderr" == *"pod lonely is a bare pod (no controller)"*"pass --force"*"nothing was changed"* ]]
	unchanged
	kc delete pod lonely -n "$NS" --wait=true >/dev/null
	kc_create <<YAML
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: $NS}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: volsnap.test/none}]}
YAML
	local ds_uid
	ds_uid=$(get daemonset agent -n "$NS" -o jsonpath='{.metadata.uid}')
	bare_pod agent-x data "[{apiVersion: apps/v1, kind: DaemonSet, name: agent, uid: $ds_uid, controller: true}]"
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --scale-down
	assert_status 1
	[[ "$stderr" == *"pod agent-x is run by DaemonSet agent, which cannot be scaled to 0"*"pass --force"* ]]
	unchanged
}

@test "replace refuses a snapshot of another PVC without --force, and another driver even with it" {
	data_and_snapshot
	OTHER_CLASS="other-$NS"
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $OTHER_CLASS}
provisioner: $OTHER_CLASS.csi.test
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: $OTHER_CLASS.csi.test}
spec: {attachRequired: false}
YAML
	make_pvc second 1Gi "$OTHER_CLASS"
	local uid2 pv2
	uid2=$(get pvc second -n "$NS" -o jsonpath='{.metadata.uid}')
	pv2=$(get pvc second -n "$NS" -o jsonpath='{.spec.volumeName}')
	run --separate-stderr volsnap restore s1 --replace second -n "$NS" --yes
	assert_status 1
	[[ "$stderr" == *"snapshot s1 was taken of PVC data, not second; pass --force"*"nothing was changed"* ]]
	run --separate-stderr volsnap restore s1 --replace second -n "$NS" --yes --force
	assert_status 1
	[[ "$stderr" == *"StorageClass $OTHER_CLASS of PVC second provisions with $OTHER_CLASS.csi.test but snapshot s1 was cut by hostpath.csi.k8s.io"* ]]
	[ "$(get pvc second -n "$NS" -o jsonpath='{.metadata.uid}')" = "$uid2" ]
	[ "$(get pv "$pv2" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Delete ]
	unchanged
	kc delete storageclass "$OTHER_CLASS" >/dev/null
	kc delete csidriver "$OTHER_CLASS.csi.test" >/dev/null
}

@test "replace refuses a snapshot that is not ready; nothing changed" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: quota exceeded" >/dev/null
	volsnap take data -n "$NS" --name s1 --no-wait >/dev/null
	wait_for 30 eval '[ -n "$(kc get volumesnapshot s1 -n "$NS" -o jsonpath="{.status.error.message}")" ]'
	OLD_UID=$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')
	OLD_PV=$(get pvc data -n "$NS" -o jsonpath='{.spec.volumeName}')
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes
	assert_status 1
	[[ "$stderr" == *"snapshot s1 is not ready to use"*"nothing was changed"* ]]
	unchanged
}

@test "replace stops when the safety snapshot fails: nothing else changed, the message says where the data is" {
	data_and_snapshot
	kc annotate pvc data -n "$NS" volsnap.test/snapshot-error="rpc error: quota exceeded" >/dev/null
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --timeout 60s
	assert_status 1
	[[ "$stderr" == *"safety snapshot $NS/data-pre-restore-"*"failed:"*"quota exceeded"* ]]
	[[ "$stderr" == *"stopped before step safety-snapshot (done: none); the old data is in PVC data and its PV $OLD_PV, unchanged"* ]]
	[ "$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}/{.spec.volumeName}')" = "$OLD_UID/$OLD_PV" ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Delete ]
}

@test "replace stopped after each step: --resume completes it, never repeating a step, data always reachable" {
	local step steps=(safety-snapshot retain delete create) done_before
	for step in "${steps[@]}"; do
		new_ns
		data_and_snapshot
		VOLSNAP_TEST_STOP_AFTER=$step run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --timeout 60s
		assert_status 1
		[[ "$stderr" == *"stopped after step $step"*"the old data is in"*"continue with: kubectl volsnap restore s1 --replace data -n $NS --resume"* ]]
		data_reachable
		if [ "$step" != create ]; then
			# A new run refuses: the replace is in progress.
			run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes
			assert_status 1
			[[ "$stderr" == *"is in progress (done: "*"--resume"* ]]
			run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume --timeout 60s
			assert_status 0
			assert_output_contains "Resume the replace of PVC $NS/data from snapshot s1"
			for done_before in "${steps[@]}"; do
				[[ "$stderr" != *"step $done_before ..."* ]]
				[ "$done_before" = "$step" ] && break
			done
		fi
		replaced
		run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume
		assert_status 0
		assert_output_contains "is complete; nothing to resume"
	done
}

@test "replace --no-safety-snapshot skips the snapshot and still retains the old PV" {
	data_and_snapshot
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --no-safety-snapshot --timeout 60s
	assert_status 0
	refute_output_contains "safety-snapshot"
	[ "$(count volumesnapshot -n "$NS" -l volsnap.io/pre-restore-of)" -eq 0 ]
	[ "$(get pvc data -n "$NS" -o jsonpath='{.spec.dataSource.name}')" = s1 ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ]
}

@test "replace --scale-down --force with a bare pod: waits until its user removes it, never deletes it" {
	data_and_snapshot
	bare_pod lonely data
	(
		# The user stops the pod once the run waits for it.
		for _ in $(seq 1 100); do
			[ -n "$(kc get pv "$OLD_PV" -o jsonpath='{.metadata.annotations.volsnap\.io/replace-state}' 2>/dev/null |
				grep -o '"retain"\]')" ] && break
			sleep 0.2
		done
		kc delete pod lonely -n "$NS" --wait=false >/dev/null 2>&1
	) 3>&- &
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --scale-down --force --timeout 60s
	assert_status 0
	assert_output_contains "waited for until gone (--force): lonely (pod lonely is a bare pod (no controller))"
	[[ "$stderr" == *"waiting until no pod mounts PVC $NS/data"* ]]
	replaced
	run kc get pod lonely -n "$NS"
	[ "$status" -ne 0 ]
}

@test "replace --resume with nothing recorded says so" {
	data_and_snapshot
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume
	assert_status 1
	[[ "$stderr" == *"nothing to resume: no replace of PVC $NS/data is recorded"* ]]
	unchanged
}

@test "replace --scale-down: a Deployment's PVC, scaled to 0 and back in order" {
	needs_controllers
	data_and_snapshot
	deployment web data
	wait_for 60 has_pods web 1
	watch_events pv "$OLD_PV"
	watch_events pvc -n "$NS"
	watch_events volumesnapshots -n "$NS"
	watch_events deployments -n "$NS"
	watch_events pods -n "$NS"
	sleep 1
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --scale-down --timeout 60s
	assert_status 0
	assert_output_contains "pod web-"
	assert_output_contains "Deployment web scales it"
	assert_output_contains "scale-down: record replicas on the PVC, scale Deployment web 1 -> 0"
	replaced
	[ "$(get deployment web -n "$NS" -o jsonpath='{.spec.replicas}')" = 1 ]
	wait_for 60 has_pods web 1
	local new_uid
	new_uid=$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')
	wait_for 30 seen "MODIFIED deployments web .* 1$"
	in_order "volumesnapshots data-pre-restore-[0-9]+ .* true$" "MODIFIED pv $OLD_PV .* Retain$" \
		"MODIFIED deployments web .* 0$" "DELETED pods web-" "DELETED pvc data $OLD_UID" "ADDED pvc data $new_uid" \
		"MODIFIED deployments web .* 1$" "ADDED pods web-"
}

@test "replace --scale-down: a StatefulSet's PVC exists again before the StatefulSet scales up" {
	needs_controllers
	data_and_snapshot data-db-0
	statefulset db
	wait_for 60 has_pods db 1
	watch_events pvc -n "$NS"
	watch_events statefulsets -n "$NS"
	watch_events pods -n "$NS"
	sleep 1
	run --separate-stderr volsnap restore s1 --replace data-db-0 -n "$NS" --yes --scale-down --timeout 60s
	assert_status 0
	assert_output_contains "StatefulSet db scales it"
	replaced data-db-0
	[ "$(get statefulset db -n "$NS" -o jsonpath='{.spec.replicas}')" = 1 ]
	wait_for 60 has_pods db 1
	local new_uid
	new_uid=$(get pvc data-db-0 -n "$NS" -o jsonpath='{.metadata.uid}')
	wait_for 30 seen "ADDED pods db-0"
	in_order "MODIFIED statefulsets db .* 0$" "DELETED pods db-0" "DELETED pvc data-db-0 $OLD_UID" \
		"ADDED pvc data-db-0 $new_uid" "MODIFIED statefulsets db .* 1$" "ADDED pods db-0"
	# The restarted pod mounts the restored PVC, and no other PVC was made.
	[ "$(count pvc -n "$NS")" -eq 1 ]
}

@test "replace --scale-down stopped after each step: --resume completes it and the Deployment is back" {
	needs_controllers
	local step
	for step in safety-snapshot retain scale-down delete create scale-up; do
		new_ns
		data_and_snapshot
		deployment web data
		wait_for 60 has_pods web 1
		VOLSNAP_TEST_STOP_AFTER=$step run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes \
			--scale-down --timeout 60s
		assert_status 1
		[[ "$stderr" == *"stopped after step $step"* ]]
		data_reachable
		run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume --timeout 60s
		assert_status 0
		replaced
		# The recorded replicas (1), not the 0 a repeated scale-down would have read.
		[ "$(get deployment web -n "$NS" -o jsonpath='{.spec.replicas}')" = 1 ]
	done
}
