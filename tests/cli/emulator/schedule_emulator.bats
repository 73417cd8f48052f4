#!/usr/bin/env bats
# schedule and status where only the emulator can stage the cluster: servers
# of 1.20 (batch/v1beta1 CronJobs), 1.24 (no spec.timeZone), 1.27 and current,
# an old snapshot API, and Jobs/snapshots seeded with the age and outcome a
# verdict needs.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	emulator_only
	EMU=""
}

teardown() {
	[ -z "$EMU" ] || "$REPO_ROOT/tests/apiserver/stop.sh" "$EMU" >/dev/null 2>&1 || true
}

# own_emulator VERSION|PROFILE: a private emulator; a version (1.20) means the
# generic profile reporting that version.
own_emulator() {
	EMU="$BATS_TEST_TMPDIR/emu"
	local profile="$1.yaml"
	if [[ "$1" == 1.* ]]; then
		profile="$BATS_TEST_TMPDIR/generic-$1.yaml"
		printf 'include: %s\nversion: {gitVersion: v%s.9}\n' "$REPO_ROOT/tests/apiserver/clusters/generic.yaml" "$1" >"$profile"
	fi
	"$REPO_ROOT/tests/apiserver/start.sh" "$EMU" "$profile" >"$BATS_TEST_TMPDIR/start.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/start.log" >&2
		return 1
	}
	export KUBECONFIG="$EMU/admin.kubeconfig"
	NS=default
}

seed() { "$REPO_ROOT/tests/apiserver/ctl.sh" "$EMU" objects - >/dev/null; }

pvc() {
	kubectl create --validate=false -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NS}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: csi-hostpath-sc
  resources: {requests: {storage: 1Gi}}
YAML
	wait_for 10 bound "$1"
}

bound() { [ "$(kubectl get pvc "$1" -n "$NS" -o jsonpath='{.status.phase}')" = Bound ]; }

no_schedule_objects() {
	[ -z "$(kubectl get serviceaccounts,roles,rolebindings -n "$NS" -l app.kubernetes.io/managed-by=kubectl-volsnap -o name)" ]
}

create_on() {
	own_emulator "$1"
	pvc data
	run --separate-stderr kubectl volsnap schedule create nightly --pvc data --cron '0 3 * * *' --keep-last 3 --time-zone Europe/Berlin
}

@test "1.20: batch/v1beta1 CronJob; --time-zone refused before anything is created" {
	create_on 1.20
	assert_status 2
	[[ "$stderr" == *'--time-zone needs Kubernetes 1.25 or newer (CronJob spec.timeZone); this server is 1.20'* ]]
	no_schedule_objects
	run --separate-stderr kubectl volsnap schedule create nightly --pvc data --cron '0 3 * * *' --keep-last 3
	assert_status 0
	[ "$(kubectl get cronjobs.v1beta1.batch nightly -o jsonpath='{.apiVersion}')" = batch/v1beta1 ]
	run kubectl get cronjobs.v1.batch nightly
	[ "$status" -ne 0 ]
	run --separate-stderr kubectl volsnap schedule list
	assert_status 0
	assert_output_contains 'nightly'
}

@test "1.24: batch/v1 CronJob; --time-zone refused (spec.timeZone is 1.25+)" {
	create_on 1.24
	assert_status 2
	no_schedule_objects
	run --separate-stderr kubectl volsnap schedule create nightly --pvc data --cron '0 3 * * *' --keep-last 3
	assert_status 0
	[ "$(kubectl get cronjobs.v1.batch nightly -o jsonpath='{.apiVersion}/{.spec.timeZone}')" = batch/v1/ ]
}

@test "1.27: batch/v1 CronJob with spec.timeZone" {
	create_on 1.27
	assert_status 0
	[ "$(kubectl get cronjobs.v1.batch nightly -o jsonpath='{.apiVersion}/{.spec.timeZone}/{.spec.schedule}')" = 'batch/v1/Europe/Berlin/0 3 * * *' ]
}

@test "current: batch/v1 CronJob with spec.timeZone" {
	create_on generic
	assert_status 0
	[ "$(kubectl get cronjobs.v1.batch nightly -o jsonpath='{.spec.timeZone}')" = Europe/Berlin ]
	run --separate-stderr kubectl volsnap schedule describe nightly
	assert_status 0
	assert_output_contains 'Cron:          0 3 * * * (Europe/Berlin)'
}

@test "a server serving only snapshot.storage.k8s.io/v1beta1: the run's snapshots use it" {
	own_emulator old-v1beta1
	pvc data
	kubectl volsnap schedule create s --pvc data --cron '@daily' --keep-last 1 >/dev/null
	run --separate-stderr env VOLSNAP_JOB_NAME=s-29000000 kubectl volsnap schedule run-job s --pvc data --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	assert_status 0
	[ "$(kubectl get volumesnapshots.v1beta1.snapshot.storage.k8s.io -l volsnap.io/schedule=s -o jsonpath='{.items[0].apiVersion}')" = snapshot.storage.k8s.io/v1beta1 ]
}

# A schedule whose CronJob is old (created three days ago), made from the
# plugin's own dry-run output, and PVC data's ready snapshot of a given age.
old_schedule() {
	local name=$1 cron=$2 ago=$3
	kubectl volsnap schedule create "$name" --pvc data --cron "$cron" --keep-last 3 --dry-run=client -o json |
		jq --arg t "$(date -u -d '3 days ago' +%Y-%m-%dT%H:%M:%SZ)" '.items |= map(.metadata.creationTimestamp = $t)' | seed
	[ -z "$ago" ] || seed <<JSON
[{"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
  "metadata": {"name": "data-$name", "namespace": "$NS", "creationTimestamp": "$(date -u -d "$ago" +%Y-%m-%dT%H:%M:%SZ)",
               "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/schedule": "$name"}},
  "spec": {"source": {"persistentVolumeClaimName": "data"}}, "status": {"readyToUse": true}}]
JSON
}

job() {
	seed <<JSON
[{"apiVersion": "batch/v1", "kind": "Job",
  "metadata": {"name": "$1-29000000", "namespace": "$NS", "creationTimestamp": "$(date -u -d '10 minutes ago' +%Y-%m-%dT%H:%M:%SZ)",
               "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/schedule": "$1"}},
  "spec": {"template": {"spec": {"containers": [{"name": "volsnap", "image": "x"}], "restartPolicy": "Never"}}},
  "status": {"startTime": "$(date -u -d '10 minutes ago' +%Y-%m-%dT%H:%M:%SZ)", "conditions": [{"type": "$2", "status": "True"}]}}]
JSON
}

verdict_of() { kubectl volsnap status -o json | jq -r --arg p "$1" '.items[] | select(.pvc == $p) | .verdict + ": " + .reason'; }

@test "status verdicts: OK, STALE, FAILING, PAUSED, UNPROTECTED" {
	own_emulator generic
	pvc data
	old_schedule hourly '@hourly' '30 minutes ago'
	run --separate-stderr verdict_of data
	[[ "$output" == 'OK: newest ready snapshot is 30m old' ]]
	kubectl delete volumesnapshot data-hourly >/dev/null
	old_schedule hourly2 '@hourly' '5 hours ago'
	kubectl volsnap schedule delete hourly >/dev/null
	run --separate-stderr verdict_of data
	[[ "$output" == 'STALE: newest ready snapshot is 5h old, more than twice the period of hourly2 (60m)' ]]
	job hourly2 Failed
	run --separate-stderr verdict_of data
	[[ "$output" == 'FAILING: the last run of schedule hourly2 failed (Job hourly2-29000000)'* ]]
	kubectl volsnap schedule suspend hourly2 >/dev/null
	run --separate-stderr verdict_of data
	[[ "$output" == 'PAUSED: schedule hourly2 is suspended'* ]]
	kubectl volsnap schedule delete hourly2 --delete-snapshots --yes >/dev/null
	run --separate-stderr verdict_of data
	[[ "$output" == 'UNPROTECTED: no schedule and no ready snapshot'* ]]
	run --separate-stderr kubectl volsnap status
	assert_status 3
}

@test "status names what backs up the cluster's objects: Gardener, Velero, or nothing" {
	own_emulator gardener-aws-1.31
	run --separate-stderr kubectl volsnap status
	assert_output_contains 'Cluster objects: Gardener backs up etcd (a full snapshot daily, a delta every 5 minutes)'
}

ago() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

@test "doctor's schedules check: suspended, late, missed starts, a TZ prefix, a batch/v1beta1 manifest" {
	own_emulator generic
	pvc data
	run --separate-stderr kubectl volsnap doctor --check schedules -o json
	assert_status 0
	[ "$(jq -r '.checks[] | select(.id == "schedules") | .result' <<<"$output")" = info ]
	kubectl volsnap schedule create paused --pvc data --cron '@daily' --keep-last 1 >/dev/null
	kubectl volsnap schedule suspend paused >/dev/null
	old_schedule late '@hourly' ''
	seed <<JSON
[{"apiVersion": "batch/v1", "kind": "Job",
  "metadata": {"name": "late-29000000", "namespace": "$NS", "creationTimestamp": "$(ago '5 hours ago')",
               "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/schedule": "late"}},
  "spec": {"template": {"spec": {"containers": [{"name": "volsnap", "image": "x"}], "restartPolicy": "Never"}}},
  "status": {"startTime": "$(ago '5 hours ago')", "completionTime": "$(ago '5 hours ago')", "succeeded": 1,
             "conditions": [{"type": "Complete", "status": "True"}]}},
 {"apiVersion": "batch/v1", "kind": "CronJob",
  "metadata": {"name": "volume-snapshotter", "namespace": "$NS", "creationTimestamp": "$(ago '1 hour ago')",
               "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"batch/v1beta1\",\"kind\":\"CronJob\"}"}},
  "spec": {"schedule": "CRON_TZ=Europe/Berlin @hourly",
           "jobTemplate": {"spec": {"template": {"spec": {"serviceAccountName": "volume-snapshotter",
              "containers": [{"name": "job", "image": "alpine-kubectl", "command": ["kubectl", "apply", "-f", "volumesnapshot.yaml"]}]}}}}}},
 {"apiVersion": "v1", "kind": "Event",
  "metadata": {"name": "late.1", "namespace": "$NS"},
  "involvedObject": {"kind": "CronJob", "namespace": "$NS", "name": "late", "apiVersion": "batch/v1"},
  "reason": "TooManyMissedTimes", "type": "Warning",
  "message": "too many missed start times: 101. Set or decrease .spec.startingDeadlineSeconds or check clock skew"}]
JSON
	run --separate-stderr kubectl volsnap doctor --check schedules -o json
	assert_status 3
	local msg
	msg=$(jq -r '.checks[] | select(.id == "schedules") | .result + ": " + .message' <<<"$output")
	[[ "$msg" == fail:* ]]
	[[ "$msg" == *"schedule default/paused is suspended"* ]]
	[[ "$msg" == *"schedule default/late last succeeded 5h ago, longer than its period (60m)"* ]]
	[[ "$msg" == *"schedule default/late: TooManyMissedTimes: too many missed start times: 101"* ]]
	[[ "$msg" == *"CronJob default/volume-snapshotter sets its time zone with a prefix"* ]]
	[[ "$msg" == *"CronJob default/volume-snapshotter was applied as batch/v1beta1, which Kubernetes 1.31 no longer serves"* ]]
	[[ "$(jq -r '.checks[] | select(.id == "schedules") | .remediation[]' <<<"$output")" == *"kubectl volsnap schedule resume NAME"* ]]
}
