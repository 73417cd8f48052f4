#!/usr/bin/env bats
# export/import: a ready snapshot into another namespace through an archive,
# and every bad archive refused with nothing created (read back afterwards).

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	new_ns
	SRC=$NS
	new_ns
	DST=$NS
	NS=$SRC
	WORKDIR="$BATS_TEST_TMPDIR"
	CLEANUP=()
}

teardown() {
	local o
	for o in "${CLEANUP[@]}"; do kc delete "$o" --wait=false >/dev/null 2>&1 || true; done
}

# A ready snapshot s1 of a 2Gi PVC "data" in $SRC, exported to $WORKDIR/s1.tar.gz.
exported() {
	make_pvc data 2Gi
	volsnap take data -n "$SRC" --name s1 --wait --timeout 60s >/dev/null
	volsnap export s1 -n "$SRC" -o "$WORKDIR/s1.tar.gz" 2>/dev/null >/dev/null
}

# Nothing was imported into $DST: no snapshot, no PVC, no content pointing there.
# Each read must itself succeed.
nothing_in_dst() {
	local vs pvc contents
	vs=$(kc get volumesnapshots -n "$DST" -o name) || return 1
	pvc=$(kc get pvc -n "$DST" -o name) || return 1
	contents=$(kc get volumesnapshotcontents -o jsonpath='{range .items[*]}{.spec.volumeSnapshotRef.namespace}{"\n"}{end}') || return 1
	[ -z "$vs" ] && [ -z "$pvc" ] && ! grep -qx "$DST" <<<"$contents"
}

# tamper IN OUT MODE: a copy of an export archive, damaged one way.
tamper() {
	python3 - "$@" <<'PY'
import gzip, hashlib, io, json, sys, tarfile
src, dst, mode = sys.argv[1:4]
members = {}
with tarfile.open(src, "r:gz") as t:
    for m in t.getmembers():
        members[m.name] = t.extractfile(m).read()
man = json.loads(members["manifest.json"])
def reshas():
    for f in man["files"]:
        f["size"] = len(members[f["path"]]); f["sha256"] = hashlib.sha256(members[f["path"]]).hexdigest()
extra = []
if mode == "missing":
    del members["snapshots/s1/content.json"]
elif mode == "sha":
    members["snapshots/s1/content.json"] = members["snapshots/s1/content.json"].replace(b"hostpath", b"hostpatH")
elif mode == "version":
    man["format"] = "volsnap.io/export/v2"
elif mode.startswith("driver="):
    c = json.loads(members["snapshots/s1/content.json"]); c["spec"]["driver"] = mode[7:]
    members["snapshots/s1/content.json"] = json.dumps(c).encode(); reshas()
elif mode in ("absolute", "dotdot", "symlink", "oversize"):
    info = tarfile.TarInfo({"absolute": "/tmp/volsnap-evil", "dotdot": "../volsnap-evil",
                            "symlink": "snapshots/s1/link", "oversize": "snapshots/s1/big"}[mode])
    data = b"x" * (5 << 20) if mode == "oversize" else b"evil"
    if mode == "symlink":
        info.type, info.linkname, data = tarfile.SYMTYPE, "/etc/passwd", b""
    info.size = len(data)
    extra.append((info, data))
if mode != "version" and not mode.startswith("driver="):
    pass
members["manifest.json"] = json.dumps(man).encode()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    for name, data in sorted(members.items()):
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
    for info, data in extra:
        t.addfile(info, io.BytesIO(data))
raw = buf.getvalue()
if mode == "notgzip":
    out = raw
else:
    out = gzip.compress(raw)
    if mode == "truncated":
        out = out[: len(out) // 2]
open(dst, "wb").write(out)
PY
}

@test "export, import into another namespace: ready, and restore from it gives a Bound PVC" {
	exported
	run --separate-stderr volsnap import "$WORKDIR/s1.tar.gz" -n "$DST" --timeout 60s
	assert_status 0
	assert_output_contains "volumesnapshot.snapshot.storage.k8s.io/s1 imported"
	NS=$DST snapshot_ready s1
	content=$(kc get volumesnapshot s1 -n "$DST" -o jsonpath='{.status.boundVolumeSnapshotContentName}')
	CLEANUP+=("volumesnapshotcontent/$content")
	[ "$(kc get volumesnapshot s1 -n "$DST" -o jsonpath='{.spec.source.volumeSnapshotContentName}')" = "$content" ]
	[ "$(kc get volumesnapshotcontent "$content" -o jsonpath='{.spec.deletionPolicy}')" = Retain ]
	[ "$(kc get volumesnapshotcontent "$content" -o jsonpath='{.spec.driver}')" = hostpath.csi.k8s.io ]
	src_handle=$(kc get volumesnapshotcontent "$(kc get volumesnapshot s1 -n "$SRC" -o jsonpath='{.status.boundVolumeSnapshotContentName}')" -o jsonpath='{.status.snapshotHandle}')
	[ "$(kc get volumesnapshotcontent "$content" -o jsonpath='{.spec.source.snapshotHandle}')" = "$src_handle" ]
	[ "$(kc get volumesnapshotcontent "$content" -o jsonpath='{.spec.volumeSnapshotRef.namespace}/{.spec.volumeSnapshotRef.name}')" = "$DST/s1" ]

	run --separate-stderr volsnap restore s1 -n "$DST" --to copy --wait --timeout 60s
	assert_status 0
	NS=$DST pvc_phase_is copy Bound
	[ "$(kc get pvc copy -n "$DST" -o jsonpath='{.spec.resources.requests.storage}')" = 2Gi ]
}

@test "export -o - | import - --restore-to: the cross-namespace restore in one pipe" {
	make_pvc data 1Gi
	volsnap take data -n "$SRC" --name s1 --wait --timeout 60s >/dev/null
	run --separate-stderr bash -c "kubectl volsnap export s1 -n $SRC -o - | kubectl volsnap import - -n $DST --name moved --restore-to data --timeout 60s"
	assert_status 0
	assert_output_contains "volumesnapshot.snapshot.storage.k8s.io/moved imported"
	assert_output_contains "persistentvolumeclaim/data created"
	CLEANUP+=("volumesnapshotcontent/$(kc get volumesnapshot moved -n "$DST" -o jsonpath='{.status.boundVolumeSnapshotContentName}')")
	NS=$DST snapshot_ready moved
	NS=$DST pvc_phase_is data Bound
	[ "$(kc get pvc data -n "$DST" -o jsonpath='{.spec.dataSource.name}')" = moved ]
}

@test "export writes manifest.json with the source cluster and a sha256 per file, and warns on Delete" {
	make_pvc data 1Gi
	volsnap take data -n "$SRC" --name s1 --wait --timeout 60s >/dev/null
	run --separate-stderr volsnap export s1 -n "$SRC" -o "$WORKDIR/s1.tar.gz"
	assert_status 0
	[ "$output" = "exported 1 snapshot to $WORKDIR/s1.tar.gz" ]
	[[ "$stderr" == *"deletionPolicy is Delete"* ]]
	run tar tzf "$WORKDIR/s1.tar.gz"
	[ "${lines[0]}" = manifest.json ]
	assert_output_contains snapshots/s1/content.json
	assert_output_contains snapshots/s1/snapshot.json
	assert_output_contains snapshots/s1/pvc.json
	ksuid=$(kc get namespace kube-system -o jsonpath='{.metadata.uid}')
	tar xzf "$WORKDIR/s1.tar.gz" -C "$WORKDIR" manifest.json snapshots
	python3 - "$WORKDIR" "$ksuid" "$SRC" <<'PY'
import hashlib, json, os, sys
d, uid, ns = sys.argv[1:]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["format"] == "volsnap.io/export/v1", m
assert m["source"]["clusterID"] == uid and m["source"]["server"].startswith("https://"), m
assert m["source"]["version"] and m["source"]["provider"], m
assert m["namespace"] == ns and m["snapshots"] == ["s1"], m
for f in m["files"]:
    assert hashlib.sha256(open(os.path.join(d, f["path"]), "rb").read()).hexdigest() == f["sha256"], f
c = json.load(open(os.path.join(d, "snapshots/s1/content.json")))
assert c["spec"]["driver"] == "hostpath.csi.k8s.io" and c["spec"]["source"]["snapshotHandle"], c
assert c["spec"]["deletionPolicy"] == "Delete" and c["status"]["restoreSize"] == 1 << 30, c
PY
	# mode 0600, fixed mtime
	run tar tvzf "$WORKDIR/s1.tar.gz"
	[[ "${lines[0]}" == "-rw------- 0/0 "*" 2000-01-01 00:00 manifest.json" ]]
}

@test "export refuses a snapshot that is not ready and writes nothing" {
	make_pvc data
	kc annotate pvc data -n "$SRC" volsnap.test/never-ready=true >/dev/null
	volsnap take data -n "$SRC" --name s1 --no-wait >/dev/null
	run --separate-stderr volsnap export s1 -n "$SRC" -o "$WORKDIR/out.tar.gz"
	assert_status 1
	[[ "$stderr" == "error: snapshot s1 is not ready to use"*"nothing was written"* ]]
	[ ! -e "$WORKDIR/out.tar.gz" ]
	run --separate-stderr volsnap export nope -n "$SRC" -o "$WORKDIR/out.tar.gz"
	assert_status 1
	[[ "$stderr" == "error: snapshot $SRC/nope not found; nothing was written"* ]]
	[ ! -e "$WORKDIR/out.tar.gz" ]
}

@test "import --dry-run checks everything, prints the objects and creates nothing" {
	exported
	run --separate-stderr volsnap import "$WORKDIR/s1.tar.gz" -n "$DST" --dry-run --restore-to copy
	assert_status 0
	assert_output_contains "kind: VolumeSnapshotContent"
	assert_output_contains "deletionPolicy: Retain"
	assert_output_contains "volumeSnapshotContentName: imported-$DST-s1-"
	assert_output_contains "kind: PersistentVolumeClaim"
	nothing_in_dst
}

@test "import refuses each bad archive with one line and creates nothing" {
	exported
	local mode expect
	while IFS='|' read -r mode expect; do
		tamper "$WORKDIR/s1.tar.gz" "$WORKDIR/bad.tar.gz" "$mode"
		run --separate-stderr volsnap import "$WORKDIR/bad.tar.gz" -n "$DST"
		echo "mode $mode: $stderr"
		assert_status 1
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "error: "*"$expect"*"nothing was created"* ]]
		nothing_in_dst
	done <<'CASES'
notgzip|is not gzip-compressed: export writes a .tar.gz
truncated|damaged or truncated
missing|member snapshots/s1/content.json is missing
sha|does not match its sha256
version|unknown format version volsnap.io/export/v2
absolute|absolute or ".." path
dotdot|absolute or ".." path
symlink|is a symbolic link
oversize|over the limit
driver=none.csi.example.com|no CSIDriver none.csi.example.com
CASES
	run --separate-stderr bash -c "head -c 100 /dev/urandom | kubectl volsnap import - -n $DST"
	assert_status 1
	[[ "$stderr" == "error: stdin is not gzip-compressed"*"nothing was created"* ]]
	nothing_in_dst
}

@test "import refuses a driver without a StorageClass, and a name already taken, creating nothing" {
	exported
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: nosc.csi.example.com}
spec: {attachRequired: false}
YAML
	CLEANUP+=(csidriver/nosc.csi.example.com)
	tamper "$WORKDIR/s1.tar.gz" "$WORKDIR/nosc.tar.gz" driver=nosc.csi.example.com
	run --separate-stderr volsnap import "$WORKDIR/nosc.tar.gz" -n "$DST"
	assert_status 1
	[[ "$stderr" == "error: this cluster has no StorageClass with provisioner nosc.csi.example.com"*"nothing was created"* ]]
	nothing_in_dst

	kc create -n "$DST" -f - >/dev/null <<YAML
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: s1}
spec: {source: {persistentVolumeClaimName: elsewhere}}
YAML
	run --separate-stderr volsnap import "$WORKDIR/s1.tar.gz" -n "$DST"
	assert_status 1
	[[ "$stderr" == "error: snapshot $DST/s1 already exists; nothing was created; choose another --name"* ]]
	[ "$(kc get volumesnapshots -n "$DST" -o name)" = volumesnapshot.snapshot.storage.k8s.io/s1 ]
	! kc get volumesnapshotcontents -o jsonpath='{range .items[*]}{.spec.volumeSnapshotRef.namespace}{"\n"}{end}' | grep -qx "$DST"
	! kc get pvc -n "$DST" -o name | grep -q .
}

@test "import usage errors: no file, a terminal on stdin, --name with a bad name" {
	run --separate-stderr volsnap import -n "$DST"
	assert_status 2
	[[ "$stderr" == "error: which archive? (- reads stdin)"* ]]
	run --separate-stderr volsnap import x.tar.gz --name 'Bad_Name' -n "$DST"
	assert_status 2
	run --separate-stderr volsnap export s1 -n "$SRC"
	assert_status 2
	[[ "$stderr" == "error: -o FILE.tar.gz is required"* ]]
}
