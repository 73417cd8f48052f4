#!/usr/bin/env bats
# bundle: a support archive about snapshots, checked member by member; never a
# Secret or a token; the same cluster twice gives the same bytes.

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	new_ns
	OUT="$BATS_TEST_TMPDIR"
}

# PVC data (Bound), ready snapshot s1, a Secret, and a pod mounting data whose
# env and last-applied-configuration carry a password.
seed() {
	make_pvc data
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	kc create secret generic db-creds -n "$NS" --from-literal=password=s3cr3t-value-42 >/dev/null
	! on_real || wait_for 30 kc get serviceaccount default -n "$NS" >/dev/null 2>&1
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: $NS}
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: busybox
    env:
    - {name: DB_PASSWORD, value: hunter2-pass}
    - {name: DB_URL, value: "postgres://app:hunter2-uri@db:5432/x"}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
YAML
}

# extract FILE DIR: the archive's members under DIR.
extract() {
	mkdir -p "$2"
	tar xzf "$1" -C "$2"
}

@test "bundle -n: the members, their contents, index.json, no Secret, no token, redactions recorded" {
	seed
	run --separate-stderr volsnap bundle -n "$NS" -o "$OUT/b.tar.gz"
	assert_status 0
	[[ "$output" == "wrote $OUT/b.tar.gz: "*" files, 0 reads failed (errors.json)" ]]
	run tar tzf "$OUT/b.tar.gz"
	expected="cluster/csidrivers.json
cluster/csinodes.json
cluster/customresourcedefinitions.json
cluster/persistentvolumes.json
cluster/storageclasses.json
cluster/volumesnapshotclasses.json
cluster/volumesnapshotcontents.json
doctor.json
errors.json
index.json
logs/NOTE.txt
namespaces/$NS/events.json
namespaces/$NS/persistentvolumeclaims.json
namespaces/$NS/pods.json
namespaces/$NS/volumesnapshots.json
redactions.json
version.json"
	# csinodes.json only exists when a node registered drivers
	diff <(grep -v csinodes <<<"$output") <(grep -v csinodes <<<"$expected")
	run tar tvzf "$OUT/b.tar.gz"
	! grep -v -- '-rw------- 0/0 .* 2000-01-01 00:00 ' <<<"$output"

	extract "$OUT/b.tar.gz" "$OUT/x"
	content=$(kc get volumesnapshot s1 -n "$NS" -o jsonpath='{.status.boundVolumeSnapshotContentName}')
	pv=$(kc get pvc data -n "$NS" -o jsonpath='{.spec.volumeName}')
	ksuid=$(kc get namespace kube-system -o jsonpath='{.metadata.uid}')
	python3 - "$OUT/x" "$NS" "$content" "$pv" "$ksuid" <<'PY'
import hashlib, json, os, sys
d, ns, content, pv, ksuid = sys.argv[1:]
def load(p): return json.load(open(os.path.join(d, p)))
def names(p): return [i["metadata"]["name"] for i in load(p)["items"]]
idx = load("index.json")
assert idx["format"] == "volsnap.io/bundle/v1" and "createdAt" not in idx, idx
assert idx["source"]["clusterID"] == ksuid, idx
listed = {f["path"] for f in idx["files"]}
on_disk = {os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs} - {"index.json"}
assert listed == on_disk, (listed ^ on_disk)
for f in idx["files"]:
    data = open(os.path.join(d, f["path"]), "rb").read()
    assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"], f
assert load("doctor.json")["kind"] == "DoctorReport"
assert load("version.json")["server"]["gitVersion"]
assert load("errors.json") == [], load("errors.json")
assert names("namespaces/%s/volumesnapshots.json" % ns) == ["s1"]
assert names("namespaces/%s/persistentvolumeclaims.json" % ns) == ["data"]
assert names("namespaces/%s/pods.json" % ns) == ["app"]
assert content in names("cluster/volumesnapshotcontents.json")
assert all(c["spec"]["volumeSnapshotRef"]["namespace"] == ns for c in load("cluster/volumesnapshotcontents.json")["items"])
assert names("cluster/persistentvolumes.json") == [pv], names("cluster/persistentvolumes.json")
assert "csi-hostpath-snapclass" in names("cluster/volumesnapshotclasses.json")
assert "csi-hostpath-sc" in names("cluster/storageclasses.json")
assert "hostpath.csi.k8s.io" in names("cluster/csidrivers.json")
crds = {c["name"]: c for c in load("cluster/customresourcedefinitions.json")["items"]}
assert crds["volumesnapshots.snapshot.storage.k8s.io"]["versions"][0]["served"] is not None, crds
kinds = {e["involvedObject"]["kind"] for e in load("namespaces/%s/events.json" % ns)["items"]}
assert "VolumeSnapshot" in kinds, kinds
assert kinds <= {"VolumeSnapshot", "PersistentVolumeClaim", "VolumeSnapshotContent"}, kinds
pod = load("namespaces/%s/pods.json" % ns)["items"][0]
env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
assert env == {"DB_PASSWORD": "***HIDDEN***", "DB_URL": "***HIDDEN***"}, env
red = load("redactions.json")["namespaces/%s/pods.json" % ns]
assert red["env-value"] == 2 and red["last-applied-configuration"] == 1, red
PY
	# Nothing secret anywhere: no Secret object, no password, no token.
	! grep -rq '"kind": *"Secret"' "$OUT/x"
	! grep -rq -e hunter2 -e s3cr3t -e "$(printf s3cr3t-value-42 | base64)" -e db-creds "$OUT/x"
	! grep -rqF "$(cat "$VOLSNAP_STATE/admin.token")" "$OUT/x"
}

@test "bundle: the same cluster twice gives the same sha256; -o - streams it" {
	seed
	volsnap bundle -n "$NS" -o "$OUT/1.tar.gz" >/dev/null
	volsnap bundle -n "$NS" -o "$OUT/2.tar.gz" >/dev/null
	[ "$(sha256sum <"$OUT/1.tar.gz")" = "$(sha256sum <"$OUT/2.tar.gz")" ]
	volsnap bundle -n "$NS" -o - >"$OUT/3.tar.gz"
	[ "$(sha256sum <"$OUT/1.tar.gz")" = "$(sha256sum <"$OUT/3.tar.gz")" ]
}

@test "bundle --redact-names: no namespace or PVC name left, in paths or contents" {
	seed
	run --separate-stderr volsnap bundle -n "$NS" --redact-names -o "$OUT/r.tar.gz"
	assert_status 0
	extract "$OUT/r.tar.gz" "$OUT/r"
	! tar tzf "$OUT/r.tar.gz" | grep -q -e "$NS"
	tar tzf "$OUT/r.tar.gz" | grep -q '^namespaces/ns-[0-9a-f]\{10\}/volumesnapshots.json$'
	! grep -rqw -e "$NS" -e data "$OUT/r"
	grep -q '"names"' "$OUT/r/redactions.json"
}

@test "bundle as a user who may read one namespace: forbidden reads are entries of errors.json" {
	seed
	grant_alice_namespace get,list persistentvolumeclaims,volumesnapshots.snapshot.storage.k8s.io,events,pods
	run --separate-stderr env KUBECONFIG="$VOLSNAP_STATE/denied.kubeconfig" kubectl volsnap bundle -n "$NS" -o "$OUT/a.tar.gz"
	assert_status 0
	extract "$OUT/a.tar.gz" "$OUT/a"
	python3 - "$OUT/a" "$NS" <<'PY'
import json, os, sys
d, ns = sys.argv[1:]
errs = json.load(open(os.path.join(d, "errors.json")))
assert errs and all(e["code"] == 403 and e["reason"] == "Forbidden" for e in errs), errs
assert any("csidrivers" in e["path"] for e in errs), errs
assert [i["metadata"]["name"] for i in json.load(open(os.path.join(d, "namespaces", ns, "volumesnapshots.json")))["items"]] == ["s1"]
PY
}

@test "bundle usage errors" {
	run --separate-stderr volsnap bundle extra
	assert_status 2
	[[ "$stderr" == "error: bundle takes no arguments: extra"* ]]
	run --separate-stderr volsnap bundle --since 0s -n "$NS"
	assert_status 2
	[[ "$stderr" == "error: --since must be positive"* ]]
}
