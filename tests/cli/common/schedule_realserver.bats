#!/usr/bin/env bats
# schedule on the real kube-apiserver v1.20.2, whose controller-manager runs
# the CronJob and Job controllers. Pods never run there (no kubelet), so the
# job's command line is run here, outside a pod, with the ServiceAccount's own
# identity: a TokenRequest token in a service-account folder and the in-cluster
# environment (KUBERNETES_SERVICE_HOST/PORT, VOLSNAP_SERVICEACCOUNT_DIR).

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	on_real || skip "needs the real server's CronJob controller and TokenRequest API"
	new_ns
}

teardown() {
	show_stderr
}

cronjob_job() { kc get jobs -n "$NS" -l volsnap.io/schedule="$1" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null; }

# as_service_account SCHEDULE JOB ARGS...: the container's command line, in
# the in-cluster mode, with the schedule's ServiceAccount token.
as_service_account() {
	local s=$1 job=$2 dir="$BATS_TEST_TMPDIR/sa-$1" url port
	shift 2
	if [ ! -s "$dir/token" ]; then
		mkdir -p "$dir"
		kc create token "volsnap-$s" -n "$NS" --duration 10m >"$dir/token"
		cp "$VOLSNAP_STATE/ca.crt" "$dir/ca.crt"
		printf '%s' "$NS" >"$dir/namespace"
	fi
	url=$(cat "$VOLSNAP_STATE/server")
	port=${url##*:}
	env -u KUBECONFIG HOME="$BATS_TEST_TMPDIR" KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$port" \
		VOLSNAP_SERVICEACCOUNT_DIR="$dir" VOLSNAP_JOB_NAME="$job" kubectl-volsnap "$@"
}

@test "real server: a */1 schedule gets a Job whose pod runs run-job with the ServiceAccount; its run works with that identity" {
	make_pvc data
	run --separate-stderr volsnap schedule create every -n "$NS" --pvc data --cron '*/1 * * * *' --keep-last 2 --image example.org/volsnap:test
	assert_status 0
	[ "$(kc get cronjobs.v1beta1.batch every -n "$NS" -o jsonpath='{.apiVersion}')" = batch/v1beta1 ]
	wait_for 75 eval '[ -n "$(cronjob_job every)" ]'
	local job tmpl
	job=$(cronjob_job every)
	tmpl=$(kc get job "$job" -n "$NS" -o json)
	[ "$(jq -r .spec.template.spec.serviceAccountName <<<"$tmpl")" = volsnap-every ]
	[ "$(jq -r '.spec.template.spec.containers[0].image' <<<"$tmpl")" = example.org/volsnap:test ]
	[ "$(jq -c '.spec.template.spec.containers[0].args' <<<"$tmpl")" = '["schedule","run-job","every","--pvc","data","--keep-last","2","--class","csi-hostpath-snapclass","--timeout","10m"]' ]
	[ "$(jq -c '.spec.template.spec.containers[0].securityContext' <<<"$tmpl")" = '{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true,"runAsNonRoot":true}' ]
	[ "$(jq -c '.spec.template.spec.securityContext' <<<"$tmpl")" = '{"runAsGroup":65532,"runAsNonRoot":true,"runAsUser":65532,"seccompProfile":{"type":"RuntimeDefault"}}' ]
	[ "$(jq -r '.spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath' <<<"$tmpl")" = "metadata.labels['job-name']" ]
	# The Job's pods carry the label the downward API reads.
	[ "$(jq -r '.spec.template.metadata.labels["job-name"]' <<<"$tmpl")" = "$job" ]
	[ "$(jq -r .spec.backoffLimit <<<"$tmpl")" = 2 ]
	(($(jq -r .spec.activeDeadlineSeconds <<<"$tmpl") > 600))

	local -a args
	mapfile -t args < <(jq -r '.spec.template.spec.containers[0].args[]' <<<"$tmpl")
	run --separate-stderr as_service_account every "$job" "${args[@]}"
	assert_status 0
	[[ "$output" == "PVC data: snapshot data-"*" ready"* ]]
	local snap=${output#PVC data: snapshot }
	snap=${snap%% *}
	snapshot_ready "$snap"
	# The same scheduled time again: the run finds its own snapshot.
	run --separate-stderr as_service_account every "$job" "${args[@]}"
	assert_status 0
	assert_output_contains 'found from an earlier attempt'
	[ "$(snaps_of every)" = "$snap" ]
	volsnap schedule suspend every -n "$NS" >/dev/null
}

@test "real server: several runs as the ServiceAccount keep exactly N ready snapshots, never the failed ones" {
	make_pvc data
	make_pvc bad
	kc annotate pvc bad -n "$NS" volsnap.test/snapshot-error='rpc error: code = ResourceExhausted desc = quota exceeded' >/dev/null
	volsnap schedule create yearly -n "$NS" --pvc data --pvc bad --cron '@yearly' --keep-last 2 >/dev/null
	local m=29000000 i
	for i in 0 1 2 3; do
		run --separate-stderr as_service_account yearly "yearly-$((m + i))" schedule run-job yearly --pvc data --pvc bad --keep-last 2 --class csi-hostpath-snapclass --timeout 1m
		assert_status 1
		[[ "$output" == *'PVC bad: FAILED: snapshot bad-'*'quota exceeded'*'PVC data: snapshot data-'*' ready'* ]]
	done
	[ "$(snaps_of yearly | grep -c '^data-')" = 2 ]
	snapshot_ready "data-$(date -u -d @$(((m + 3) * 60)) +%Y%m%d%H%M)"
	snapshot_ready "data-$(date -u -d @$(((m + 2) * 60)) +%Y%m%d%H%M)"
	# The failed ones stay for a person to see; none was deleted in their place.
	[ "$(snaps_of yearly | grep -c '^bad-')" = 4 ]
}

@test "real server: with a Role missing one verb the run fails clearly and creates nothing" {
	make_pvc data
	volsnap schedule create weak -n "$NS" --pvc data --cron '@yearly' --keep-last 2 >/dev/null
	kc patch role volsnap-weak -n "$NS" --type json -p '[{"op":"replace","path":"/rules/0/verbs","value":["get","list","create","delete"]}]' >/dev/null
	run --separate-stderr as_service_account weak weak-29000000 schedule run-job weak --pvc data --keep-last 2 --class csi-hostpath-snapclass --timeout 30s
	assert_status 1
	[[ "$stderr" == *'may not watch volumesnapshots in namespace '"$NS"'; nothing was created'* ]]
	[ -z "$(snaps_of weak)" ]
}
