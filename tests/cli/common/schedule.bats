#!/usr/bin/env bats
# schedule: the source document's periodic snapshot CronJob, done right. The
# job's run is exercised here with the admin's identity (run-job, as the
# CronJob's container runs it); schedule_realserver.bats runs it with the
# ServiceAccount's own token against the real server's controllers.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

teardown() {
	show_stderr
}

# What a schedule leaves in $NS: "kind/name" lines of the plugin's objects.
schedule_objects() {
	kc get serviceaccounts,roles,rolebindings,jobs -n "$NS" -l app.kubernetes.io/managed-by=kubectl-volsnap -o name
	local v=cronjobs.v1.batch
	on_real && v=cronjobs.v1beta1.batch
	kc get "$v" -n "$NS" -l app.kubernetes.io/managed-by=kubectl-volsnap -o name
}

# run_job SCHEDULE MINUTE ARGS...: the CronJob container's command line for the
# Job "SCHEDULE-MINUTE" (minutes since 1970, as the controller names Jobs).
run_job() {
	local s=$1 m=$2
	shift 2
	VOLSNAP_JOB_NAME="$s-$m" volsnap schedule run-job "$s" -n "$NS" "$@"
}


@test "schedule create refuses bad input before anything is created (exit 2)" {
	make_pvc data
	local long
	long=$(printf 'a%.0s' $(seq 53))
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '0 3 * *' --keep-last 3
	assert_status 2
	[[ "$stderr" == *'has 4 fields, expected exactly 5'* ]]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron 'CRON_TZ=Europe/Berlin 0 3 * * *' --keep-last 3
	assert_status 2
	[[ "$stderr" == *'TZ=/CRON_TZ= prefix is refused'*'--time-zone'* ]]
	run --separate-stderr volsnap schedule create "$long" -n "$NS" --pvc data --cron '0 3 * * *' --keep-last 3
	assert_status 2
	[[ "$stderr" == *'53 characters, at most 52'* ]]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --cron '0 3 * * *' --keep-last 3
	assert_status 2
	[[ "$stderr" == *'give the PVCs with --pvc'*'not neither'* ]]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '0 3 * * *'
	assert_status 2
	[[ "$stderr" == *'--keep-last N is required'* ]]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '0 3 * * *' --keep-last 3 --time-zone Mars/Base
	assert_status 2
	[[ "$stderr" == *'not a known time zone'* ]]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc nope --cron '0 3 * * *' --keep-last 3
	assert_status 1
	[[ "$stderr" == *'PVC '"$NS"'/nope not found'* ]]
	run schedule_objects
	assert_status 0
	[ -z "$output" ]
}

@test "schedule create makes a ServiceAccount, a minimal Role, a RoleBinding and a CronJob, all labelled" {
	make_pvc data
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '0 3 * * *' --keep-last 3
	assert_status 0
	[[ "$output" == *'serviceaccount/volsnap-nightly created'*'role.rbac.authorization.k8s.io/volsnap-nightly created'*'rolebinding.rbac.authorization.k8s.io/volsnap-nightly created'*'cronjob.batch/nightly created'* ]]
	[ "$(kc get role volsnap-nightly -n "$NS" -o jsonpath='{.rules[0].resources[0]}:{.rules[0].verbs}')" = 'volumesnapshots:["get","list","watch","create","delete"]' ]
	[ "$(kc get role volsnap-nightly -n "$NS" -o jsonpath='{.rules[1].resources[0]}:{.rules[1].verbs}')" = 'persistentvolumeclaims:["get","list"]' ]
	[ "$(kc get rolebinding volsnap-nightly -n "$NS" -o jsonpath='{.subjects[0].name}/{.roleRef.name}')" = volsnap-nightly/volsnap-nightly ]
	local v=cronjobs.v1.batch
	on_real && v=cronjobs.v1beta1.batch
	[ "$(kc get "$v" nightly -n "$NS" -o jsonpath='{.metadata.labels.volsnap\.io/schedule}/{.spec.concurrencyPolicy}/{.spec.jobTemplate.spec.template.spec.serviceAccountName}')" = nightly/Forbid/volsnap-nightly ]
	# The class was resolved now and pinned in the job's arguments.
	[[ "$(kc get "$v" nightly -n "$NS" -o jsonpath='{.spec.jobTemplate.spec.template.spec.containers[0].args}')" == *'"--class","csi-hostpath-snapclass"'* ]]
	# A second create changes nothing.
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '0 4 * * *' --keep-last 3
	assert_status 1
	[[ "$stderr" == *'already exists'* ]]
	[ "$(kc get "$v" nightly -n "$NS" -o jsonpath='{.spec.schedule}')" = '0 3 * * *' ]
}

@test "schedule create --dry-run=client -o yaml creates nothing and the server accepts its output" {
	make_pvc data
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '@daily' --keep-last 3 --dry-run=client -o yaml
	assert_status 0
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/nightly.yaml"
	run schedule_objects
	[ -z "$output" ]
	run kc apply --dry-run=server -f "$BATS_TEST_TMPDIR/nightly.yaml"
	assert_status 0
	assert_output_contains 'cronjob.batch/nightly created (server dry run)'
	run schedule_objects
	[ -z "$output" ]
	run --separate-stderr volsnap schedule create nightly -n "$NS" --pvc data --cron '@daily' --keep-last 3 --dry-run=server
	assert_status 0
	assert_output_contains 'cronjob.batch/nightly created (server dry run)'
	run schedule_objects
	[ -z "$output" ]
}

@test "the job's run: one snapshot per scheduled time, kept to N ready, a retry finds its own" {
	make_pvc data
	volsnap schedule create hourly -n "$NS" --pvc data --cron '@hourly' --keep-last 2 >/dev/null
	local m=29000000 i
	for i in 0 1 2 3; do
		run --separate-stderr run_job hourly $((m + i * 60)) --pvc data --keep-last 2 --class csi-hostpath-snapclass --timeout 1m
		assert_status 0
	done
	[[ "$output" == "PVC data: snapshot data-$(date -u -d @$(((m + 180) * 60)) +%Y%m%d%H%M) ready"*'1 old snapshot pruned' ]]
	[ "$(snaps_of hourly | wc -l)" = 2 ]
	# The same scheduled time again (a retried pod): no second snapshot.
	run --separate-stderr run_job hourly $((m + 180)) --pvc data --keep-last 2 --class csi-hostpath-snapclass --timeout 1m
	assert_status 0
	assert_output_contains 'found from an earlier attempt'
	[ "$(snaps_of hourly | wc -l)" = 2 ]
	[ "$(snaps_of hourly | tail -n 1)" = "data-$(date -u -d @$(((m + 180) * 60)) +%Y%m%d%H%M)" ]
}

@test "the job's run: failed snapshots never count and are never the ones kept; an unbound PVC fails alone" {
	make_pvc data
	make_pvc bad
	kc annotate pvc bad -n "$NS" volsnap.test/snapshot-error='rpc error: code = Internal desc = disk gone' >/dev/null
	make_pending_pvc later
	volsnap schedule create s -n "$NS" --pvc data --pvc bad --pvc later --cron '@hourly' --keep-last 1 --class csi-hostpath-snapclass >/dev/null 2>&1
	local m=29000000
	run --separate-stderr run_job s $m --pvc bad --pvc data --pvc later --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	assert_status 1
	[ "$(printf '%s\n' "$output" | wc -l)" = 3 ]
	[[ "$(printf '%s\n' "$output" | sed -n 1p)" == 'PVC bad: FAILED: snapshot bad-'*' failed: '*'disk gone'* ]]
	[[ "$(printf '%s\n' "$output" | sed -n 2p)" == 'PVC data: snapshot data-'*' ready'* ]]
	[[ "$(printf '%s\n' "$output" | sed -n 3p)" == 'PVC later: FAILED: PVC is Pending, not Bound'* ]]
	[[ "$stderr" == *'2 of 3 PVCs failed'* ]]
	run_job s $((m + 60)) --pvc data --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	run_job s $((m + 120)) --pvc data --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	# One ready snapshot of data (the newest), and bad's failed one is left for a person to see.
	[ "$(snaps_of s | grep -c '^data-')" = 1 ]
	snapshot_ready "data-$(date -u -d @$(((m + 120) * 60)) +%Y%m%d%H%M)"
	[ "$(snaps_of s | grep -c '^bad-')" = 1 ]
}

@test "the job's run: a selector resolves PVCs at run time; volsnap.io/keep=true pins a snapshot" {
	make_pvc a
	kc label pvc a -n "$NS" app=db >/dev/null
	volsnap schedule create db -n "$NS" -l app=db --cron '@hourly' --keep-last 1 >/dev/null
	make_pvc b
	kc label pvc b -n "$NS" app=db >/dev/null
	local m=29000000
	run --separate-stderr run_job db $m -l app=db --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	assert_status 0
	[[ "$output" == 'PVC a: snapshot'*'PVC b: snapshot'* ]]
	kc label volumesnapshot "a-$(date -u -d @$((m * 60)) +%Y%m%d%H%M)" -n "$NS" volsnap.io/keep=true >/dev/null
	run_job db $((m + 60)) -l app=db --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	run_job db $((m + 120)) -l app=db --keep-last 1 --class csi-hostpath-snapclass --timeout 30s
	[ "$(snaps_of db | grep -c '^a-')" = 2 ]
	snapshot_alive "a-$(date -u -d @$((m * 60)) +%Y%m%d%H%M)"
	[ "$(snaps_of db | grep -c '^b-')" = 1 ]
}

@test "run-job outside a Job says what is missing (exit 2)" {
	run --separate-stderr volsnap schedule run-job s -n "$NS" --pvc data --keep-last 1
	assert_status 2
	[[ "$stderr" == *'VOLSNAP_JOB_NAME (the Job'"'"'s name) is not set'* ]]
}

@test "schedule list, describe, suspend, resume, run and delete" {
	make_pvc data
	volsnap schedule create nightly -n "$NS" --pvc data --cron '0 3 * * *' --keep-last 3 >/dev/null
	run_job nightly 29000000 --pvc data --keep-last 3 --class csi-hostpath-snapclass --timeout 30s >/dev/null
	run --separate-stderr volsnap schedule list -n "$NS"
	assert_status 0
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "NAME PVCS CRON KEEP SUSPENDED LAST RUN LAST SUCCESS NEXT RUN" ]
	[[ "$(printf '%s\n' "$output" | sed -n 2p | tr -s ' ')" == 'nightly data 0 3 * * * 3 false '* ]]
	run --separate-stderr volsnap schedule suspend nightly -n "$NS"
	assert_status 0
	assert_output_contains 'schedule nightly suspended'
	run --separate-stderr volsnap schedule describe nightly -n "$NS"
	assert_status 0
	assert_output_contains 'Suspended:     true'
	assert_output_contains "data-$(date -u -d @$((29000000 * 60)) +%Y%m%d%H%M)"
	assert_output_contains 'Verdict:       PAUSED'
	volsnap schedule resume nightly -n "$NS" >/dev/null
	run --separate-stderr volsnap schedule run nightly -n "$NS"
	assert_status 0
	[[ "$output" == 'job.batch/nightly-'*' created' ]]
	local job=${output#job.batch/}
	job=${job% created}
	[ "$(kc get job "$job" -n "$NS" -o jsonpath='{.metadata.labels.volsnap\.io/schedule}/{.spec.template.spec.serviceAccountName}')" = nightly/volsnap-nightly ]
	run --separate-stderr volsnap schedule delete nightly -n "$NS"
	assert_status 0
	assert_output_contains 'snapshots of schedule nightly kept'
	run schedule_objects
	[[ "$output" != *cronjob* && "$output" != *role* && "$output" != *serviceaccount* ]]
	[ "$(snaps_of nightly | wc -l)" = 1 ]
	run --separate-stderr volsnap schedule describe nightly -n "$NS"
	assert_status 1
	[[ "$stderr" == *"schedule $NS/nightly not found"* ]]
}

@test "schedule delete --delete-snapshots removes its snapshots but not pinned ones" {
	make_pvc data
	volsnap schedule create s -n "$NS" --pvc data --cron '@daily' --keep-last 3 >/dev/null
	run_job s 29000000 --pvc data --keep-last 3 --class csi-hostpath-snapclass --timeout 30s >/dev/null
	run_job s 29000060 --pvc data --keep-last 3 --class csi-hostpath-snapclass --timeout 30s >/dev/null
	local pinned="data-$(date -u -d @$((29000000 * 60)) +%Y%m%d%H%M)"
	kc label volumesnapshot "$pinned" -n "$NS" volsnap.io/keep=true >/dev/null
	run --separate-stderr volsnap schedule delete s -n "$NS" --delete-snapshots </dev/null
	assert_status 2
	[ "$(snaps_of s | wc -l)" = 2 ]
	run --separate-stderr volsnap schedule delete s -n "$NS" --delete-snapshots --yes
	assert_status 0
	assert_output_contains "$pinned kept (pinned by volsnap.io/keep=true)"
	wait_for 30 eval '[ "$(snaps_of s)" = "$pinned" ]'
}

@test "status: a verdict per PVC and the object-backup line; exit 3 unless all are OK" {
	make_pvc covered
	make_pvc bare
	volsnap schedule create s -n "$NS" --pvc covered --cron '@hourly' --keep-last 3 >/dev/null
	run_job s 29000000 --pvc covered --keep-last 3 --class csi-hostpath-snapclass --timeout 30s >/dev/null
	run --separate-stderr volsnap status -n "$NS"
	assert_status 3
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "PVC SCHEDULE NEWEST READY LAST RUN VERDICT" ]
	[[ "$(printf '%s\n' "$output" | grep '^bare ' | tr -s ' ')" == 'bare <none> <none> - UNPROTECTED' ]]
	[[ "$(printf '%s\n' "$output" | grep '^covered ' | tr -s ' ')" == 'covered s '*' OK' ]]
	assert_output_contains 'Cluster objects: nothing visible backs them up'
	[[ "$stderr" == *'1 of 2 PVCs are not OK'* ]]
	run --separate-stderr volsnap status -n "$NS" -l app!=x -o json
	assert_status 3
	[ "$(jq -r '.items[] | .pvc + "=" + .verdict' <<<"$output" | sort | tr '\n' ' ')" = "bare=UNPROTECTED covered=OK " ]
	volsnap schedule suspend s -n "$NS" >/dev/null
	run --separate-stderr volsnap status -n "$NS" -o wide
	assert_status 3
	[[ "$(printf '%s\n' "$output" | grep '^covered ')" == *'PAUSED'*'schedule s is suspended'* ]]
	kc delete pvc bare -n "$NS" --wait=false >/dev/null
	volsnap schedule resume s -n "$NS" >/dev/null
	wait_for 30 eval '! kc get pvc bare -n "$NS" >/dev/null 2>&1'
	run --separate-stderr volsnap status -n "$NS"
	assert_status 0
}

@test "prune keeps a snapshot pinned by volsnap.io/keep=true, and it does not count among the N newest" {
	make_pvc data
	make_snaps data s1 s2 s3
	wait_for 60 all_ready s1 s2 s3
	kc label volumesnapshot s1 -n "$NS" volsnap.io/keep=true >/dev/null
	run --separate-stderr volsnap prune -n "$NS" --keep-last 1 --yes
	assert_status 0
	[[ "$(printf '%s\n' "$output" | grep ' s1 ' | tr -s ' ')" == *'KEEP pinned by volsnap.io/keep=true' ]]
	[[ "$output" == *'volumesnapshot.snapshot.storage.k8s.io "s2" deleted'* ]]
	wait_for 30 snapshot_gone s2
	snapshot_alive s1
	snapshot_alive s3
}
