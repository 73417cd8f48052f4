#!/usr/bin/env bats
# bundle logs/: the snapshot controller's and the CSI sidecars' logs, redacted
# line by line. The emulator serves a pod's log from its volsnap.test/log
# annotation (no containers run on either bed).

bats_require_minimum_version 1.5.0
load ../helpers

setup() {
	emulator_only "pod logs from the volsnap.test/log annotation"
	new_ns
	OUT="$BATS_TEST_TMPDIR"
}

teardown() {
	kc delete pod --all -n "$NS" --wait=false >/dev/null 2>&1 || true
}

@test "bundle collects the controller's and csi-snapshotter's logs, tokens and credentials masked" {
	kc create -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: snapshot-controller-0
  namespace: $NS
  labels: {app.kubernetes.io/name: snapshot-controller}
  annotations:
    volsnap.test/log: |
      I1130 started snapshot controller
      E1130 request with Authorization: Bearer sekrit-token-123 failed
      I1130 token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl seen
      I1130 backend https://admin:pa55word@backup.example/x
spec:
  containers:
  - {name: snapshot-controller, image: registry.k8s.io/sig-storage/snapshot-controller:v8.0.1}
---
apiVersion: v1
kind: Pod
metadata:
  name: csi-hostpath-0
  namespace: $NS
  annotations: {volsnap.test/log: "I1130 CreateSnapshot ok\n"}
spec:
  containers:
  - {name: hostpath, image: registry.k8s.io/sig-storage/hostpathplugin:v1.14.0}
  - {name: csi-snapshotter, image: registry.k8s.io/sig-storage/csi-snapshotter:v8.0.1}
YAML
	run --separate-stderr volsnap bundle -n "$NS" --since 2h -o "$OUT/b.tar.gz"
	assert_status 0
	run tar tzf "$OUT/b.tar.gz"
	assert_output_contains "logs/$NS/snapshot-controller-0/snapshot-controller.log"
	assert_output_contains "logs/$NS/csi-hostpath-0/csi-snapshotter.log"
	refute_output_contains "logs/$NS/csi-hostpath-0/hostpath.log"
	refute_output_contains "logs/NOTE.txt"
	log=$(tar xzf "$OUT/b.tar.gz" -O "logs/$NS/snapshot-controller-0/snapshot-controller.log")
	[ "$log" = "I1130 started snapshot controller
E1130 request with Authorization: Bearer ***HIDDEN*** failed
I1130 token ***HIDDEN*** seen
I1130 backend https://***HIDDEN***@backup.example/x" ]
	[ "$(tar xzf "$OUT/b.tar.gz" -O "logs/$NS/csi-hostpath-0/csi-snapshotter.log")" = "I1130 CreateSnapshot ok" ]
	tar xzf "$OUT/b.tar.gz" -O redactions.json | python3 -c '
import json, sys
r = json.load(sys.stdin)["logs/'"$NS"'/snapshot-controller-0/snapshot-controller.log"]
assert r == {"bearer-token": 1, "jwt": 1, "uri-credentials": 1}, r'
	# The request asked for the window and a byte limit.
	emulator_ctl requests | python3 -c '
import json, sys
paths = [r["path"] for r in json.load(sys.stdin)["requests"]]
assert any(p.endswith("/pods/snapshot-controller-0/log?container=snapshot-controller&sinceSeconds=7200&limitBytes=1048576")
           for p in paths), [p for p in paths if "/log" in p]'
}
