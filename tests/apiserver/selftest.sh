#!/bin/bash
# Self-test of the API-server emulator: starts it, drives it with the real kubectl and curl
# through the important paths, prints "N passed, N failed", stops it.
# Usage: tests/apiserver/selftest.sh [-v]     (-v prints the output of failed checks)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERBOSE=${1:-}
WORK=$(mktemp -d /tmp/volsnap-emu-selftest.XXXXXX)
S=$WORK/generic
PASS=0
FAIL=0
FAILED=()
cleanup() {
	for d in "$WORK"/*/; do [ -f "$d/pids" ] && "$HERE/stop.sh" "$d" >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# check TITLE CMD...: runs CMD in a subshell; exit 0 = pass.
check() {
	local title=$1 out rc t0
	shift
	t0=$(date +%s%N)
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		PASS=$((PASS + 1))
		echo "ok   - $title ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	else
		FAIL=$((FAIL + 1))
		FAILED+=("$title")
		echo "FAIL - $title"
		[ -n "$VERBOSE" ] && printf '%s\n' "$out" | sed 's/^/       /' | head -30
	fi
}

K() { KUBECONFIG=$S/admin.kubeconfig kubectl "$@"; }
api() { # api METHOD PATH [curl args...] -> body (status in $WORK/code)
	local m=$1 p=$2
	shift 2
	curl -sS --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" -X "$m" \
		-o "$WORK/body" -w '%{http_code}' "$@" "$(cat "$S/server")$p" >"$WORK/code"
	cat "$WORK/body"
}
code() { cat "$WORK/code"; }
# jget PATH EXPR: evaluate a Python expression on the JSON at PATH (bound to d); cheaper than kubectl
jget() { api GET "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
EV=/api/v1/namespaces/default/events
ctl() { "$HERE/ctl.sh" "$S" "$@"; }
VS=/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots
same() { # same EXPECTED ACTUAL
	if [ "$1" != "$2" ]; then
		printf 'expected: %s\n     got: %s\n' "$1" "$2"
		return 1
	fi
}

# ---------------------------------------------------------------- start
check "start.sh writes the state files" bash -c "
	'$HERE/start.sh' '$S' >/dev/null &&
	for f in admin.kubeconfig denied.kubeconfig cert.kubeconfig ca.crt admin.token server pids env; do
		[ -s '$S/'\$f ] || { echo missing \$f; exit 1; }; done &&
	grep -q 'export VOLSNAP_TEST_SERVER=emulator' '$S/env' && grep -q \"VOLSNAP_TEST_URL=\$(cat '$S/server')\" '$S/env'"
[ -s "$S/server" ] || { echo "0 passed, 1 failed"; exit 1; }

check "kubectl version reports the profile's server version" bash -c \
	"KUBECONFIG='$S/admin.kubeconfig' kubectl version 2>/dev/null | grep -q 'Server Version: v1.31.4'"
check "kubectl api-resources lists the snapshot CRDs" bash -c \
	"KUBECONFIG='$S/admin.kubeconfig' kubectl api-resources | grep -Eq '^volumesnapshots +vs +snapshot.storage.k8s.io/v1 +true +VolumeSnapshot'"
check "discovery /apis/snapshot.storage.k8s.io matches api.md" bash -c "
	body=\$(curl -sS --cacert '$S/ca.crt' -H 'Authorization: Bearer $(cat "$S/admin.token")' \$(cat '$S/server')/apis/snapshot.storage.k8s.io)
	[ \"\$body\" = '{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\",\"name\":\"snapshot.storage.k8s.io\",\"versions\":[{\"groupVersion\":\"snapshot.storage.k8s.io/v1\",\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":\"snapshot.storage.k8s.io/v1\",\"version\":\"v1\"}}' ]"

# ---------------------------------------------------------------- controllers
cat >"$WORK/pvc.yaml" <<'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
EOF
cat >"$WORK/vs.yaml" <<'EOF'
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap1, namespace: default}
spec:
  source: {persistentVolumeClaimName: data}
EOF
t_bind() {
	K create -f "$WORK/pvc.yaml" &&
		K wait --for=jsonpath='{.status.phase}'=Bound pvc/data --timeout=10s &&
		pv=$(jget /api/v1/namespaces/default/persistentvolumeclaims/data 'd["spec"]["volumeName"]') &&
		same hostpath.csi.k8s.io "$(jget "/api/v1/persistentvolumes/$pv" 'd["spec"]["csi"]["driver"]')"
}
check "PV binder: an Immediate CSI PVC gets a CSI PV and binds" t_bind

t_snapshot() {
	K create -f "$WORK/vs.yaml" &&
		K wait --for=jsonpath='{.status.readyToUse}'=true vs/snap1 --timeout=10s &&
		uid=$(jget "$VS/snap1" 'd["metadata"]["uid"]') &&
		same "csi-hostpath-snapclass snapcontent-$uid 2Gi" \
			"$(jget "$VS/snap1" 'd["spec"]["volumeSnapshotClassName"], d["status"]["boundVolumeSnapshotContentName"], d["status"]["restoreSize"]' | tr -d "(),'")" &&
		same "Delete hostpath.csi.k8s.io 2147483648 True" \
			"$(jget "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/snapcontent-$uid" 'd["spec"]["deletionPolicy"], d["spec"]["driver"], d["status"]["restoreSize"], d["status"]["readyToUse"]' | tr -d "(),'")" &&
		same "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection snapshot.storage.kubernetes.io/volumesnapshot-bound-protection" \
			"$(jget "$VS/snap1" '" ".join(d["metadata"]["finalizers"])')" &&
		jget "$EV?fieldSelector=involvedObject.name%3Dsnap1" '" ".join(i["reason"] for i in d["items"])' | grep -q 'CreatingSnapshot SnapshotCreated SnapshotReady'
}
check "snapshot controller: default class, content, finalizers, ready, events" t_snapshot

t_table() {
	out=$(K get vs -A) &&
		printf '%s\n' "$out" | head -1 | grep -Eq '^NAMESPACE +NAME +READYTOUSE +SOURCEPVC +SOURCESNAPSHOTCONTENT +RESTORESIZE +SNAPSHOTCLASS +SNAPSHOTCONTENT +CREATIONTIME +AGE$' &&
		printf '%s\n' "$out" | grep -Eq '^default +snap1 +true +data +2Gi +csi-hostpath-snapclass +snapcontent-'
}
check "plain kubectl get vs -A prints the CRD's printer columns" t_table

t_restore() {
	cat >"$WORK/restore.yaml" <<'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: too-small, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap1}
EOF
	K create -f "$WORK/restore.yaml" &&
		K wait --for=jsonpath='{.status.phase}'=Bound pvc/restored --timeout=10s &&
		same snap1 "$(jget /api/v1/namespaces/default/persistentvolumeclaims/restored 'd["spec"]["dataSourceRef"]["name"]')" &&
		sleep 0.3 && same Pending "$(jget /api/v1/namespaces/default/persistentvolumeclaims/too-small 'd["status"]["phase"]')" &&
		jget "$EV?fieldSelector=involvedObject.name%3Dtoo-small" '" ".join(i["message"] for i in d["items"])' |
		grep -qF 'failed to provision volume with StorageClass "csi-hostpath-sc": error getting handle for DataSource Type VolumeSnapshot by Name snap1: requested volume size 1073741824 is less than the size 2147483648 for the source snapshot snap1'
}
check "restore: PVC from a ready snapshot binds; a smaller one stays Pending with the event" t_restore

t_unbound() {
	K apply -f - >/dev/null <<'EOF' || return 1
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pending, namespace: default, annotations: {volsnap.test/stay-pending: "true"}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap-unbound, namespace: default}
spec:
  volumeSnapshotClassName: csi-hostpath-snapclass
  source: {persistentVolumeClaimName: pending}
EOF
	K wait --for=jsonpath='{.status.error.message}' vs/snap-unbound --timeout=10s &&
		same 'Failed to create snapshot content with error failed to get input parameters to create snapshot snap-unbound: "the PVC pending is not yet bound to a PV, will not attempt to take a snapshot" false' \
			"$(jget "$VS/snap-unbound" 'd["status"]["error"]["message"] + " " + str(d["status"]["readyToUse"]).lower()')" &&
		jget "$EV?fieldSelector=involvedObject.name%3Dsnap-unbound,type%3DWarning" '" ".join(i["reason"] for i in d["items"])' | grep -q SnapshotContentCreationFailed
}
check "unbound PVC: status.error and Warning SnapshotContentCreationFailed" t_unbound

t_csi_error() {
	K annotate pvc data volsnap.test/snapshot-error='rpc error: code = Internal desc = disk busy' >/dev/null &&
		K create -f - >/dev/null <<'EOF' &&
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap-err, namespace: default}
spec:
  source: {persistentVolumeClaimName: data}
EOF
		K wait --for=jsonpath='{.status.error.message}' vs/snap-err --timeout=10s &&
		jget "$VS/snap-err" 'd["status"]["error"]["message"]' |
		grep -qx 'Failed to create snapshot: failed to take snapshot of the volume [-0-9a-f]*: "rpc error: code = Internal desc = disk busy"' &&
		K annotate pvc data volsnap.test/snapshot-error- >/dev/null
}
check "knob volsnap.test/snapshot-error makes the snapshot fail with that error" t_csi_error

t_delete() {
	uid=$(jget "$VS/snap1" 'd["metadata"]["uid"]') &&
		K delete pvc restored too-small --wait=false >/dev/null && sleep 0.2 &&
		K delete vs snap1 --timeout=10s >/dev/null &&
		api GET "$VS/snap1" >/dev/null && same 404 "$(code)" &&
		for _ in $(seq 1 50); do api GET "/apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents/snapcontent-$uid" >/dev/null; [ "$(code)" = 404 ] && break; sleep 0.1; done &&
		same 404 "$(code)"
}
check "delete: finalizers removed by the controller, content deleted (Delete policy)" t_delete

# ---------------------------------------------------------------- exact Status bodies
t_422() {
	body=$(api POST "$VS" -H 'Content-Type: application/json' -d '{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"snap1"},"spec":{"source":{"persistentVolumeClaimName":"a","volumeSnapshotContentName":"b"}}}')
	same 422 "$(code)" &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"VolumeSnapshot.snapshot.storage.k8s.io \"snap1\" is invalid: spec.source: Invalid value: \"object\": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set","reason":"Invalid","details":{"name":"snap1","group":"snapshot.storage.k8s.io","kind":"VolumeSnapshot","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"object\": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set","field":"spec.source"}]},"code":422}' "$body"
}
check "422 Invalid from a CEL rule (exact body of api.md §3.2)" t_422

t_422_schema() {
	body=$(api POST /apis/snapshot.storage.k8s.io/v1/volumesnapshotcontents -H 'Content-Type: application/json' -d '{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshotContent","metadata":{"name":"c1"},"spec":{"deletionPolicy":"Keep","source":{"volumeHandle":"h"},"volumeSnapshotRef":{"name":"a","namespace":"b"}}}')
	same 422 "$(code)" &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"VolumeSnapshotContent.snapshot.storage.k8s.io \"c1\" is invalid: [spec.deletionPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Retain\", spec.driver: Required value, \u003cnil\u003e: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]","reason":"Invalid","details":{"name":"c1","group":"snapshot.storage.k8s.io","kind":"VolumeSnapshotContent","causes":[{"reason":"FieldValueNotSupported","message":"Unsupported value: \"Keep\": supported values: \"Delete\", \"Retain\"","field":"spec.deletionPolicy"},{"reason":"FieldValueRequired","message":"Required value","field":"spec.driver"},{"reason":"FieldValueInvalid","message":"Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation","field":"\u003cnil\u003e"}]},"code":422}' "$body"
}
check "422 Invalid from the OpenAPI schema (enum, required, blocked CEL)" t_422_schema

t_409_404() {
	api POST "$VS" -H 'Content-Type: application/json' -d '{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"snap-err"},"spec":{"source":{"persistentVolumeClaimName":"a"}}}' >"$WORK/b1"
	same 409 "$(code)" &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"volumesnapshots.snapshot.storage.k8s.io \"snap-err\" already exists","reason":"AlreadyExists","details":{"name":"snap-err","group":"snapshot.storage.k8s.io","kind":"volumesnapshots"},"code":409}' "$(cat "$WORK/b1")" &&
		body=$(api GET "$VS/nope") && same 404 "$(code)" &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"volumesnapshots.snapshot.storage.k8s.io \"nope\" not found","reason":"NotFound","details":{"name":"nope","group":"snapshot.storage.k8s.io","kind":"volumesnapshots"},"code":404}' "$body" &&
		body=$(api GET /apis/nothere.example.com/v1/things) && same 404 "$(code)" && same "404 page not found" "$body"
}
check "409 AlreadyExists, 404 NotFound Status, plain-text 404 for an unknown group" t_409_404

t_conflict() {
	rv=$(jget "$VS/snap-err" 'd["metadata"]["resourceVersion"]') &&
		K label vs snap-err x=y >/dev/null &&
		body=$(api PATCH "$VS/snap-err" -H 'Content-Type: application/merge-patch+json' -d "{\"metadata\":{\"resourceVersion\":\"$rv\",\"labels\":{\"z\":\"1\"}}}") &&
		same 409 "$(code)" && printf '%s' "$body" | grep -q '"reason":"Conflict"' &&
		body=$(api PATCH "$VS/snap-err" -H 'Content-Type: application/strategic-merge-patch+json' -d '{}') && same 415 "$(code)"
}
check "409 Conflict on a stale resourceVersion; 415 for strategic merge on a CRD" t_conflict

t_status_split() {
	K patch vs snap-err --type=merge --subresource=status -p '{"status":{"restoreSize":"3Gi"},"spec":{"volumeSnapshotClassName":"other"}}' >/dev/null &&
		same "3Gi csi-hostpath-snapclass" "$(jget "$VS/snap-err" 'd["status"]["restoreSize"] + " " + d["spec"]["volumeSnapshotClassName"]')" &&
		K patch vs snap-err --type=merge -p '{"status":{"restoreSize":"9Gi"}}' >/dev/null &&
		same "3Gi" "$(jget "$VS/snap-err" 'd["status"]["restoreSize"]')"
}
check "status subresource split (kubectl patch --subresource=status)" t_status_split

t_auth() {
	body=$(curl -sS --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/alice.token")" "$(cat "$S/server")$VS")
	same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"volumesnapshots.snapshot.storage.k8s.io is forbidden: User \"alice\" cannot list resource \"volumesnapshots\" in API group \"snapshot.storage.k8s.io\" in the namespace \"default\"","reason":"Forbidden","details":{"group":"snapshot.storage.k8s.io","kind":"volumesnapshots"},"code":403}' "$body" &&
		body=$(curl -sS --cacert "$S/ca.crt" -H "Authorization: Bearer wrong" "$(cat "$S/server")/apis") &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}' "$body" &&
		body=$(curl -sS --cacert "$S/ca.crt" "$(cat "$S/server")/apis") &&
		same '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/apis\"","reason":"Forbidden","details":{},"code":403}' "$body" &&
		KUBECONFIG=$S/cert.kubeconfig kubectl get vs snap-err >/dev/null &&
		same no "$(KUBECONFIG=$S/denied.kubeconfig kubectl auth can-i create volumesnapshots 2>/dev/null)" &&
		same yes "$(K auth can-i create volumesnapshots)"
}
check "403 (alice), 401 (bad token), 403 anonymous, client cert, SSAR" t_auth

t_rbac() {
	K create role vs-reader --verb=get,list,watch --resource=volumesnapshots.snapshot.storage.k8s.io >/dev/null &&
		K create rolebinding alice-vs --role=vs-reader --user=alice >/dev/null &&
		KUBECONFIG=$S/denied.kubeconfig kubectl get vs >/dev/null &&
		same no "$(KUBECONFIG=$S/denied.kubeconfig kubectl auth can-i create volumesnapshots 2>/dev/null)" &&
		K delete rolebinding alice-vs >/dev/null &&
		! KUBECONFIG=$S/denied.kubeconfig kubectl get vs >/dev/null 2>&1
}
check "RBAC objects are evaluated: a RoleBinding (sent as protobuf) grants alice list" t_rbac

# ---------------------------------------------------------------- paging
t_paging() {
	python3 -c '
import json
print(json.dumps([{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bulk"}}]+[{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"s-%04d"%i,"namespace":"bulk","labels":{"mod":str(i%2)}},"spec":{"source":{"persistentVolumeClaimName":"p"}},"status":{"readyToUse":True}} for i in range(1200)]))' >"$WORK/bulk.json" &&
		ctl objects "$WORK/bulk.json" >/dev/null &&
		P=/apis/snapshot.storage.k8s.io/v1/namespaces/bulk/volumesnapshots &&
		api GET "$P?limit=500" >"$WORK/p1" && same 200 "$(code)" &&
		python3 - "$WORK/p1" <<'EOF' &&
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["items"]) == 500, len(d["items"])
assert d["metadata"]["continue"], d["metadata"]
assert d["metadata"]["remainingItemCount"] == 700, d["metadata"]
EOF
		tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["continue"])' "$WORK/p1") &&
		K label vs -n bulk s-0000 touched=yes >/dev/null &&
		api GET "$P?limit=500&continue=$tok" >"$WORK/p2" &&
		python3 - "$WORK/p2" "$WORK/p1" <<'EOF' &&
import json, sys
d = json.load(open(sys.argv[1])); p1 = json.load(open(sys.argv[2]))
assert d["items"][0]["metadata"]["name"] == "s-0500", d["items"][0]["metadata"]["name"]
assert d["metadata"]["resourceVersion"] == p1["metadata"]["resourceVersion"]  # consistent snapshot
EOF
		same 1200 "$(K get vs -n bulk --chunk-size=250 --no-headers | wc -l)" &&
		same 600 "$(K get vs -n bulk -l 'mod in (1)' --no-headers | wc -l)" &&
		api GET "$P?limit=5&continue=garbage" >/dev/null && same 400 "$(code)"
}
check "LIST paging: limit/continue, remainingItemCount, consistent pages, selectors, 400" t_paging

t_410_continue() {
	P=/apis/snapshot.storage.k8s.io/v1/namespaces/bulk/volumesnapshots
	tok=$(api GET "$P?limit=10" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["continue"])') &&
		ctl config '{"watch_history":2}' >/dev/null &&
		for i in 1 2 3; do K label vs -n bulk s-0001 n=$i --overwrite >/dev/null || return 1; done &&
		body=$(api GET "$P?limit=10&continue=$tok") && same 410 "$(code)" &&
		printf '%s' "$body" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d["reason"]=="Expired" and d["code"]==410 and d["metadata"]["continue"], d' &&
		ctl config '{"watch_history":1000}' >/dev/null
}
check "410 Expired for a continue token older than the history, with a new token" t_410_continue

# ---------------------------------------------------------------- watch
t_watch() {
	rv=$(api GET "$VS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])') &&
		{ curl -sS -N --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
			"$(cat "$S/server")$VS?watch=1&resourceVersion=$rv&timeoutSeconds=60" >"$WORK/watch" &
		  wpid=$!; } &&
		sleep 0.3 && K create -f - >/dev/null <<'EOF' &&
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: watched, namespace: default}
spec:
  volumeSnapshotClassName: csi-hostpath-snapclass
  source: {persistentVolumeClaimName: data}
EOF
		K wait --for=jsonpath='{.status.readyToUse}'=true vs/watched --timeout=10s >/dev/null &&
		K delete vs watched >/dev/null &&
		for _ in $(seq 1 100); do grep -q '"type":"DELETED"' "$WORK/watch" && break; sleep 0.1; done &&
		ctl close-watches >/dev/null && wait "$wpid" &&
		python3 - "$WORK/watch" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
types = [e["type"] for e in ev]
assert types[0] == "ADDED" and types[-1] == "DELETED", types
rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in ev]
assert rvs == sorted(rvs) and len(set(rvs)) == len(rvs), rvs
assert any(e["type"] == "MODIFIED" and e["object"].get("status", {}).get("readyToUse") for e in ev)
EOF
}
check "WATCH: ADDED/MODIFIED/DELETED in order with increasing per-event RVs" t_watch

t_watch_timeout() {
	rv=$(api GET "$VS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])') &&
		t0=$(date +%s) &&
		curl -sS -N --max-time 15 --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
			"$(cat "$S/server")$VS?watch=1&resourceVersion=$rv&timeoutSeconds=1&allowWatchBookmarks=true" >"$WORK/w1" &&
		[ $(($(date +%s) - t0)) -lt 10 ] &&
		[ ! -s "$WORK/w1" ]
}
check "WATCH: clean end at timeoutSeconds, no BOOKMARK at the end (as v1.20)" t_watch_timeout

t_watch_410() {
	ctl config '{"watch_history":3}' >/dev/null &&
		for i in 1 2 3 4; do K label vs snap-err n=$i --overwrite >/dev/null || return 1; done &&
		out=$(curl -sS -N --max-time 5 --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
			"$(cat "$S/server")$VS?watch=1&resourceVersion=2") &&
		ctl config '{"watch_history":1000}' >/dev/null &&
		printf '%s\n' "$out" | grep -q '^{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 2 ([0-9]*)","reason":"Expired","code":410}}$'
}
check "WATCH from a too-old RV: HTTP 200 + one ERROR 410 Expired event" t_watch_410

t_watch_expire() {
	(curl -sS -N --max-time 10 --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
		"$(cat "$S/server")$VS?watch=1&timeoutSeconds=8" >"$WORK/w2" &) &&
		sleep 0.5 && ctl watch-expire >/dev/null && sleep 0.3 &&
		tail -1 "$WORK/w2" | grep -q '"type":"ERROR".*"code":410'
}
check "control: watch-expire ends open watches with ERROR 410" t_watch_expire

t_watch_chunks() {
	ctl faults '{"path":"/api/v1/namespaces\\?watch","watch_split":true,"times":1}' >/dev/null &&
		python3 - "$S" <<'EOF'
import json, socket, ssl, sys
st = sys.argv[1]
ctx = ssl.create_default_context(cafile=st + "/ca.crt")
port = int(open(st + "/port").read())
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1")
tok = open(st + "/admin.token").read().strip()
s.sendall(("GET /api/v1/namespaces?watch=1&timeoutSeconds=1 HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\n\r\n" % tok).encode())
data = b""
while not data.endswith(b"\r\n0\r\n\r\n"):
    d = s.recv(65536)
    if not d:
        break
    data += d
body = data.split(b"\r\n\r\n", 1)[1]
chunks, lines = 0, b""
while True:
    size, body = body.split(b"\r\n", 1)
    n = int(size, 16)
    if n == 0:
        break
    lines += body[:n]
    body = body[n + 2:]
    chunks += 1
events = [json.loads(l) for l in lines.splitlines() if l]
assert len(events) >= 4 and chunks == 3 * len(events), (chunks, len(events))
EOF
}
check "fault watch_split: each watch event arrives in three chunks" t_watch_chunks

# ---------------------------------------------------------------- faults
t_faults() {
	ctl faults '{"method":"GET","path":"/volumesnapshotclasses","status":429,"retry_after":1,"times":1}' >/dev/null &&
		curl -sS -i --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
			"$(cat "$S/server")/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses" >"$WORK/f1" &&
		grep -q '^HTTP/1.1 429' "$WORK/f1" && grep -qi '^Retry-After: 1' "$WORK/f1" &&
		tail -1 "$WORK/f1" | grep -qx 'Too many requests, please try again later.' &&
		ctl faults '{"path":"/volumesnapshotclasses","reset":true,"times":1}' >/dev/null &&
		! curl -sS --cacert "$S/ca.crt" -H "Authorization: Bearer $(cat "$S/admin.token")" \
			"$(cat "$S/server")/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses" >/dev/null 2>&1 &&
		ctl faults '{"path":"/volumesnapshotclasses","status":429,"retry_after":1,"times":2}' >/dev/null &&
		K get vsclass csi-hostpath-snapclass >/dev/null &&
		ctl faults '{"path":"/volumesnapshotclasses","latency_ms":300,"times":1}' >/dev/null &&
		t0=$(date +%s%N) && K get vsclass >/dev/null && t1=$(date +%s%N) && [ $(((t1 - t0) / 1000000)) -ge 300 ] &&
		ctl clear-faults >/dev/null
}
check "faults: text 429 + Retry-After, connection reset, kubectl retries 429, latency" t_faults

t_requests() {
	ctl clear-requests >/dev/null && K get vs -A >/dev/null &&
		ctl requests | python3 -c '
import json,sys; r=json.load(sys.stdin)["requests"]
assert r and all(x["method"] == "GET" for x in r), r
assert any("limit=500" in x["path"] for x in r), [x["path"] for x in r]'
}
check "control: request log shows a read-only, paged kubectl get" t_requests

t_dryrun() {
	body=$(api POST "$VS?dryRun=All" -H 'Content-Type: application/json' -d '{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"generateName":"dry-"},"spec":{"source":{"persistentVolumeClaimName":"a"}}}') &&
		same 201 "$(code)" &&
		printf '%s' "$body" | python3 -c '
import json,sys; d=json.load(sys.stdin); md=d["metadata"]
assert "resourceVersion" not in md and md["name"].startswith("dry-") and md["uid"], md' &&
		api GET "$VS/$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["name"])')" >/dev/null &&
		same 404 "$(code)"
}
check "dryRun=All create: 201, generated name, no resourceVersion, nothing stored" t_dryrun

check "stop.sh stops it (idempotent)" bash -c "
	url=\$(cat '$S/server'); '$HERE/stop.sh' '$S' && '$HERE/stop.sh' '$S' &&
	! curl -sk --max-time 2 \$url/version >/dev/null 2>&1"

# ---------------------------------------------------------------- other profiles
E=$WORK/empty
check "profile empty.yaml: no CRDs -> plain 404, kubectl says no resource type" bash -c "
	'$HERE/start.sh' '$E' empty.yaml >/dev/null &&
	body=\$(curl -sS --cacert '$E/ca.crt' -H \"Authorization: Bearer \$(cat '$E/admin.token')\" \$(cat '$E/server')/apis/snapshot.storage.k8s.io/v1/volumesnapshots) &&
	[ \"\$body\" = '404 page not found' ] &&
	KUBECONFIG='$E/admin.kubeconfig' kubectl get vs 2>&1 | grep -q \"the server doesn't have a resource type\" ;
	rc=\$?; '$HERE/stop.sh' '$E'; exit \$rc"
O=$WORK/old
check "profile old-v1beta1.yaml: v1.18, only v1beta1 served" bash -c "
	'$HERE/start.sh' '$O' old-v1beta1.yaml >/dev/null &&
	KUBECONFIG='$O/admin.kubeconfig' kubectl get vsclass -o jsonpath='{.items[0].apiVersion}' | grep -qx snapshot.storage.k8s.io/v1beta1 &&
	code=\$(curl -sS -o /dev/null -w '%{http_code}' --cacert '$O/ca.crt' -H \"Authorization: Bearer \$(cat '$O/admin.token')\" \$(cat '$O/server')/apis/snapshot.storage.k8s.io/v1/volumesnapshots) &&
	[ \"\$code\" = 404 ] &&
	curl -sS --cacert '$O/ca.crt' \$(cat '$O/server')/version | grep -q '\"gitVersion\":\"v1.18.20\"';
	rc=\$?; '$HERE/stop.sh' '$O'; exit \$rc"

for t in "${FAILED[@]}"; do echo "failed: $t"; done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
