#!/usr/bin/env bats
# list: snapshots as `kubectl get` shows them, streamed page by page.

bats_require_minimum_version 1.5.0
load ../helpers
load ../snapshots

setup() {
	new_ns
}

teardown() {
	[ -z "${CONTENT:-}" ] || kc delete volumesnapshotcontent "$CONTENT" --wait=false >/dev/null 2>&1 || true
	show_stderr
}

# The column where header word $2 starts in the first line of $1.
column_of() {
	local header
	header=$(printf '%s\n' "$1" | head -n 1)
	header=${header%%"$2"*}
	echo "${#header}"
}

# py EXPR: evaluates a Python expression over `doc`, the JSON (or YAML) on stdin.
py_json() { python3 -c "import json,sys; doc=json.load(sys.stdin); print($1)"; }
py_yaml() { python3 -c "import yaml,sys; doc=yaml.safe_load(sys.stdin); print($1)"; }

@test "list in an empty namespace says so on stderr and exits 0" {
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	[ -z "$output" ]
	[ "$stderr" = "No resources found in $NS namespace." ]
}

@test "list shows NAME PVC READY SIZE CLASS AGE in aligned columns" {
	make_pvc data
	make_snaps data data-1 data-2
	wait_for 60 all_ready data-1 data-2
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "NAME PVC READY SIZE CLASS AGE" ]
	printf '%s\n' "$output" | grep -Eq '^data-1 +data +true +1Gi +csi-hostpath-snapclass +[0-9]+[smh]$'
	printf '%s\n' "$output" | grep -Eq '^data-2 +data +true +1Gi +csi-hostpath-snapclass +[0-9]+[smh]$'
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	# Every row's PVC cell starts under the PVC header.
	local col
	col=$(column_of "$output" PVC)
	printf '%s\n' "$output" | tail -n +2 | while IFS= read -r line; do
		[ "${line:$col:4}" = data ]
	done
}

@test "list shows a snapshot that is not ready as false" {
	make_pvc data
	make_snaps --class volsnap-test-missing data stuck
	run volsnap list -n "$NS"
	assert_status 0
	printf '%s\n' "$output" | grep -Eq '^stuck +data +false +<none> +volsnap-test-missing '
}

@test "list -A adds the NAMESPACE column and spans namespaces" {
	make_pvc data
	make_snaps data a-snap
	local first=$NS
	new_ns
	make_pvc data
	make_snaps data b-snap
	run --separate-stderr volsnap list -A
	assert_status 0
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "NAMESPACE NAME PVC READY SIZE CLASS AGE" ]
	printf '%s\n' "$output" | grep -Eq "^$first +a-snap +data "
	printf '%s\n' "$output" | grep -Eq "^$NS +b-snap +data "
	run volsnap list -A -n "$first"
	assert_status 2
}

@test "list -l filters with a label selector" {
	make_pvc data
	make_snaps data mine
	make_snaps --unmanaged data theirs
	run volsnap list -n "$NS" -l app.kubernetes.io/managed-by=kubectl-volsnap
	assert_status 0
	assert_output_contains mine
	refute_output_contains theirs
	run volsnap list -n "$NS" -l 'app.kubernetes.io/managed-by!=kubectl-volsnap'
	assert_output_contains theirs
	refute_output_contains mine
	run --separate-stderr volsnap list -n "$NS" -l nothing=here
	assert_status 0
	[ "$stderr" = "No resources found in $NS namespace." ]
}

@test "list PVC shows that PVC's snapshots, made by the plugin or not" {
	make_pvc data
	make_pvc logs
	make_snaps data data-mine
	make_snaps --unmanaged data data-theirs
	make_snaps logs logs-mine
	run volsnap list data -n "$NS"
	assert_status 0
	assert_output_contains data-mine
	assert_output_contains data-theirs
	refute_output_contains logs-mine
	run --separate-stderr volsnap list nosuchpvc -n "$NS"
	assert_status 0
	[ "$stderr" = "No resources found in $NS namespace." ]
}

@test "list -o name prints kind/name lines" {
	make_pvc data
	make_snaps data s1 s2
	run --separate-stderr volsnap list -n "$NS" -o name
	assert_status 0
	[ "$output" = "volumesnapshot.snapshot.storage.k8s.io/s1
volumesnapshot.snapshot.storage.k8s.io/s2" ]
}

@test "list -o json prints a List of the snapshots" {
	make_pvc data
	make_snaps data s1 s2
	run --separate-stderr volsnap list -n "$NS" -o json
	assert_status 0
	[ "$(printf '%s' "$output" | py_json 'doc["kind"]')" = List ]
	[ "$(printf '%s' "$output" | py_json '",".join(i["metadata"]["name"] for i in doc["items"])')" = s1,s2 ]
	[ "$(printf '%s' "$output" | py_json 'doc["items"][0]["spec"]["source"]["persistentVolumeClaimName"]')" = data ]
}

@test "list -o json on nothing prints an empty List, no message" {
	run --separate-stderr volsnap list -n "$NS" -o json
	assert_status 0
	[ -z "$stderr" ]
	[ "$(printf '%s' "$output" | py_json 'len(doc["items"])')" = 0 ]
}

@test "list -o yaml prints a List of the snapshots" {
	make_pvc data
	make_snaps data s1 s2
	run --separate-stderr volsnap list -n "$NS" -o yaml
	assert_status 0
	[ "$(printf '%s' "$output" | py_yaml 'doc["kind"]')" = List ]
	[ "$(printf '%s' "$output" | py_yaml '",".join(i["metadata"]["name"] for i in doc["items"])')" = s1,s2 ]
	run volsnap list -n "$NS" -o yaml -l nothing=here
	[ "$(printf '%s' "$output" | py_yaml 'len(doc["items"])')" = 0 ]
}

@test "list -o wide adds CONTENT, DRIVER, DELETION POLICY and ERROR" {
	make_pvc data
	make_snaps data good
	make_snaps --class volsnap-test-missing data bad
	wait_for 60 all_ready good
	wait_for 30 eval '[ -n "$(kc get volumesnapshot bad -n "$NS" -o jsonpath={.status.error.message})" ]'
	run --separate-stderr volsnap list -n "$NS" -o wide
	assert_status 0
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = \
		"NAME PVC READY SIZE CLASS AGE CONTENT DRIVER DELETION POLICY ERROR" ]
	printf '%s\n' "$output" | grep -Eq '^good +data +true +1Gi +csi-hostpath-snapclass +[0-9]+[smh] +snapcontent-[0-9a-f-]+ +hostpath.csi.k8s.io +Delete +<none>$'
	# No content yet, and a class that does not exist: nothing to tell of it.
	printf '%s\n' "$output" | grep -Eq '^bad +data +false +<none> +volsnap-test-missing +[0-9]+[smh] +<none> +<none> +<none> +.*volsnap-test-missing.* not found'
}

@test "list -o wide takes DRIVER and DELETION POLICY of a pre-provisioned snapshot from its content" {
	CONTENT="pre-$NS"
	kc_create <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotContent
metadata: {name: $CONTENT}
spec:
  driver: hostpath.csi.k8s.io
  deletionPolicy: Retain
  source: {snapshotHandle: handle-$NS}
  volumeSnapshotRef: {name: pre, namespace: $NS}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: pre, namespace: $NS}
spec:
  source: {volumeSnapshotContentName: $CONTENT}
YAML
	run --separate-stderr volsnap list -n "$NS" -o wide
	assert_status 0
	printf '%s\n' "$output" | grep -Eq "^pre +<none> +(true|false) +[^ ]+ +<none> +[0-9]+[smh] +$CONTENT +hostpath.csi.k8s.io +Retain +"
}

@test "list pages through more snapshots than one page (--chunk-size)" {
	make_pvc data
	local names=() i
	for i in $(seq -w 1 30); do names+=("s$i"); done
	make_snaps data "${names[@]}"
	run --separate-stderr volsnap list -n "$NS" --chunk-size 10 -v=6
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -c '^s[0-9]')" -eq 30 ]
	[ "$(printf '%s\n' "$output" | grep -c '^NAME ')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | sed -n 2p | cut -d' ' -f1)" = s01 ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | cut -d' ' -f1)" = s30 ]
	# Three pages: each request asks for 10, the later ones with a continue token.
	local pages
	pages=$(printf '%s\n' "$stderr" | grep -c "GET .*/namespaces/$NS/volumesnapshots?.*limit=10")
	[ "$pages" -ge 3 ]
	printf '%s\n' "$stderr" | grep -q "GET .*/volumesnapshots?.*continue="
}

@test "list with one object a page loses no page and keeps the server's order" {
	make_pvc data
	local names=() i want
	for i in $(seq -w 1 40); do names+=("s$i"); done
	make_snaps data "${names[@]}"
	want=$(kc get volumesnapshots -n "$NS" -o name | sed 's#^[^/]*/##')
	# One object a page: forty requests, each continuing the last; every
	# object must come out, in the server's order.
	for i in 1 2 3 4 5; do
		run --separate-stderr volsnap list -n "$NS" --chunk-size 1 -o name
		assert_status 0
		[ "$(printf '%s\n' "$output" | sed 's#^[^/]*/##')" = "$want" ]
		run --separate-stderr volsnap list -n "$NS" --chunk-size 1 --no-headers --sort-by .metadata.name
		assert_status 0
		[ "$(printf '%s\n' "$output" | cut -d' ' -f1)" = "$want" ]
	done
}

@test "list keeps its column widths from page to page (--chunk-size 3)" {
	make_pvc data
	make_pvc d
	# The first page holds the longest names; later pages' short ones must not shift columns.
	make_snaps data a-rather-long-snapshot-name-1 a-rather-long-snapshot-name-2 a-rather-long-snapshot-name-3
	make_snaps d b1 b2 b3 b4
	run --separate-stderr volsnap list -n "$NS" --chunk-size 3
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 8 ]
	local name col
	for name in PVC READY CLASS AGE; do
		col=$(column_of "$output" "$name")
		printf '%s\n' "$output" | tail -n +2 | while IFS= read -r line; do
			[ "${line:$((col - 1)):1}" = " " ] && [ "${line:$col:1}" != " " ] ||
				{ echo "$name column shifted: $line" >&2; return 1; }
		done
	done
}

# old_and_new: snapshot "b-old", then a second later "a-new" (name order is the reverse).
old_and_new() {
	make_snaps data b-old
	sleep 1.1
	make_snaps data a-new
}

@test "list orders by creation time by default, oldest first, and --sort-by by a field" {
	old_and_new
	run --separate-stderr volsnap list -n "$NS"
	assert_status 0
	[ "$(printf '%s\n' "$output" | tail -n +2 | cut -d' ' -f1 | tr '\n' ' ')" = "b-old a-new " ]
	run --separate-stderr volsnap list -n "$NS" --sort-by .metadata.name
	assert_status 0
	[ "$(printf '%s\n' "$output" | tail -n +2 | cut -d' ' -f1 | tr '\n' ' ')" = "a-new b-old " ]
	run --separate-stderr volsnap list -n "$NS" --sort-by '{.metadata.creationTimestamp}' -o name
	assert_status 0
	[ "$output" = "volumesnapshot.snapshot.storage.k8s.io/b-old
volumesnapshot.snapshot.storage.k8s.io/a-new" ]
	run --separate-stderr volsnap list -n "$NS" --sort-by .metadata.name -o json
	[ "$(printf '%s' "$output" | py_json '",".join(i["metadata"]["name"] for i in doc["items"])')" = a-new,b-old ]
}

@test "list --no-headers and --show-labels" {
	make_snaps data s1
	run --separate-stderr volsnap list -n "$NS" --no-headers
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[[ "$output" == s1\ * ]]
	run --separate-stderr volsnap list -n "$NS" --show-labels
	assert_status 0
	[ "$(printf '%s\n' "$output" | head -n 1 | tr -s ' ')" = "NAME PVC READY SIZE CLASS AGE LABELS" ]
	printf '%s\n' "$output" | grep -Eq '^s1 .* app.kubernetes.io/managed-by=kubectl-volsnap,volsnap.io/source-pvc=data$'
}

@test "list -o custom-columns and -o jsonpath, as kubectl get" {
	old_and_new
	run --separate-stderr volsnap list -n "$NS" -o custom-columns='NAME:.metadata.name,SOURCE:{.spec.source.persistentVolumeClaimName},X:.metadata.nothing'
	assert_status 0
	[ "$output" = "NAME    SOURCE   X
b-old   data     <none>
a-new   data     <none>" ]
	run --separate-stderr volsnap list -n "$NS" -o jsonpath='{range .items[*]}{.metadata.name}:{.spec.source.persistentVolumeClaimName}{"\n"}{end}'
	assert_status 0
	[ "$output" = "b-old:data
a-new:data" ]
	run --separate-stderr volsnap list -n "$NS" -o 'jsonpath={.items[*].metadata.name}' --sort-by .metadata.name
	[ "$output" = "a-new b-old" ]
	run --separate-stderr volsnap list -n "$NS" -o 'jsonpath={.items[?(@.x)]}'
	assert_status 2
	[[ "$stderr" == *"filters and slices are not supported"* ]]
	run --separate-stderr volsnap list -n "$NS" -o custom-columns=NAME
	assert_status 2
	[[ "$stderr" == *"expected HEADER:JSONPATH"* ]]
}

@test "list -w prints the list, then each change as it happens" {
	make_snaps data s1
	timeout 8 kubectl volsnap list -n "$NS" -w >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	wait_for 10 grep -q '^s1 ' "$BATS_TEST_TMPDIR/out"
	make_snaps data s2
	wait_for 10 grep -q '^s2 ' "$BATS_TEST_TMPDIR/out"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	[ "$(grep -c '^NAME ' "$BATS_TEST_TMPDIR/out")" -eq 1 ]
}

@test "list rejects bad usage with exit 2" {
	run volsnap list a b
	assert_status 2
	assert_output_contains "too many arguments"
	run volsnap list -o table
	assert_status 2
	assert_output_contains 'unknown output format "table": use one of'
	run volsnap list --sort-by '.a..b'
	assert_status 2
	assert_output_contains "--sort-by"
	run volsnap list --chunk-size 0
	assert_status 2
	assert_output_contains "--chunk-size"
	run volsnap list Not_A_Name
	assert_status 2
	assert_output_contains "invalid PVC name"
}

@test "-o json and -o yaml leave managedFields out unless --show-managed-fields, as kubectl" {
	make_pvc data
	make_snaps data data-1
	# The server records who wrote the object; the test means nothing without it.
	[ -n "$(kc get volumesnapshot data-1 -n "$NS" --show-managed-fields -o jsonpath='{.metadata.managedFields[0].manager}')" ]
	run --separate-stderr volsnap list -n "$NS" -o json
	assert_status 0
	[ "$(printf '%s' "$output" | py_json "len(doc['items']), 'managedFields' in doc['items'][0]['metadata']")" = "1 False" ]
	run --separate-stderr volsnap list -n "$NS" -o yaml --show-managed-fields
	assert_status 0
	[ "$(printf '%s' "$output" | py_yaml "doc['items'][0]['metadata']['managedFields'][0]['manager'] != ''")" = True ]
	run --separate-stderr volsnap describe data-1 -n "$NS" -o yaml
	assert_status 0
	[ "$(printf '%s' "$output" | py_yaml "'managedFields' in str(doc)")" = False ]
	run --separate-stderr volsnap describe data-1 -n "$NS" -o json --show-managed-fields
	assert_status 0
	[ "$(printf '%s' "$output" | grep -c managedFields)" -ge 1 ]
}
