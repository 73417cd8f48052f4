#!/usr/bin/env bats
# restore --replace where only the emulator can show it: a volume still attached
# (VolumeAttachment) and a node-bound WaitForFirstConsumer class.

bats_require_minimum_version 1.5.0
load ../helpers
load ../replace

setup() {
	emulator_only "VolumeAttachments and seeded node-bound PVCs"
	new_ns
	CLEANUP=()
}

teardown() {
	local o
	for o in "${CLEANUP[@]}"; do kc delete "$o" --wait=false >/dev/null 2>&1 || true; done
}

attach() { # NAME PV
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: $1}
spec: {attacher: hostpath.csi.k8s.io, nodeName: node-1, source: {persistentVolumeName: $2}}
YAML
	CLEANUP+=("volumeattachment/$1")
}

# seq_of METHOD REGEX USER_AGENT_PREFIX: the request log's sequence number of the first match.
seq_of() {
	emulator_ctl requests | python3 -c '
import json, re, sys
m, rx, ua = sys.argv[1], re.compile(sys.argv[2]), sys.argv[3]
for r in json.load(sys.stdin)["requests"]:
    if r["method"] == m and rx.search(r["path"]) and r.get("user_agent", "").startswith(ua):
        print(r["seq"]); break' "$@"
}

@test "replace waits for the volume's VolumeAttachment to go before deleting the PVC; --resume after a timeout" {
	data_and_snapshot
	attach "va-$NS" "$OLD_PV"
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --timeout 2s
	assert_status 1
	[[ "$stderr" == *"VolumeAttachments of PV $OLD_PV still there after --timeout: va-$NS"* ]]
	[[ "$stderr" == *"stopped before step delete (done: safety-snapshot, retain)"*"PV $OLD_PV (reclaim policy Retain)"* ]]
	[[ "$stderr" == *"continue with: kubectl volsnap restore s1 --replace data -n $NS --resume"* ]]
	# Still the old PVC, its PV retained.
	[ "$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')" = "$OLD_UID" ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ]

	# Detached while a resumed run waits: the PVC is deleted only after.
	emulator_ctl clear-requests >/dev/null
	(
		sleep 2
		kc delete volumeattachment "va-$NS" >/dev/null
	) 3>&- &
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume --timeout 30s
	assert_status 0
	[ "$(get pvc data -n "$NS" -o jsonpath='{.spec.dataSource.name}')" = s1 ]
	[ "$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')" != "$OLD_UID" ]
	local detached deleted
	detached=$(seq_of DELETE "/volumeattachments/va-$NS" kubectl)
	deleted=$(seq_of DELETE "/namespaces/$NS/persistentvolumeclaims/data" kubectl-volsnap)
	[ -n "$detached" ] && [ -n "$deleted" ] && [ "$detached" -lt "$deleted" ]
	# The safety snapshot was not taken twice.
	[ "$(count volumesnapshot -n "$NS" -l volsnap.io/pre-restore-of=data)" -eq 1 ]
}

@test "replace of a PVC bound on a node by a WaitForFirstConsumer class: selected-node carried, not waited for" {
	kc_create <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: wffc-$NS}
provisioner: hostpath.csi.k8s.io
volumeBindingMode: WaitForFirstConsumer
YAML
	CLEANUP+=("storageclass/wffc-$NS")
	python3 - "$NS" <<'PY' | emulator_ctl objects - >/dev/null
import json, sys
ns = sys.argv[1]
pv = {"apiVersion": "v1", "kind": "PersistentVolume",
      "metadata": {"name": "pv-" + ns, "annotations": {"pv.kubernetes.io/provisioned-by": "hostpath.csi.k8s.io"}},
      "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
               "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "wffc-" + ns, "volumeMode": "Filesystem",
               "claimRef": {"namespace": ns, "name": "data", "uid": "uid-" + ns},
               "csi": {"driver": "hostpath.csi.k8s.io", "volumeHandle": "vol-" + ns}},
      "status": {"phase": "Bound"}}
pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
       "metadata": {"name": "data", "namespace": ns, "uid": "uid-" + ns,
                    "annotations": {"volume.kubernetes.io/selected-node": "node-1",
                                    "pv.kubernetes.io/bind-completed": "yes",
                                    "volume.kubernetes.io/storage-provisioner": "hostpath.csi.k8s.io"}},
       "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "wffc-" + ns, "volumeMode": "Filesystem",
                "resources": {"requests": {"storage": "1Gi"}}, "volumeName": "pv-" + ns},
       "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}}
print(json.dumps({"items": [pv, pvc]}))
PY
	CLEANUP+=("pv/pv-$NS")
	volsnap take data -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --timeout 30s
	assert_status 0
	assert_output_contains "then leave it Pending: its class binds on first consumer"
	[[ "$stderr" == *"PVC $NS/data will be bound when a pod uses it"*"WaitForFirstConsumer"* ]]
	[ "$(get pvc data -n "$NS" -o jsonpath='{.metadata.annotations.volume\.kubernetes\.io/selected-node}')" = node-1 ]
	[ "$(get pvc data -n "$NS" -o jsonpath='{.spec.dataSource.name}/{.spec.storageClassName}/{.status.phase}')" = "s1/wffc-$NS/Pending" ]
	[ -z "$(get pvc data -n "$NS" -o jsonpath='{.metadata.annotations.pv\.kubernetes\.io/bind-completed}')" ]
	[ "$(get pv "pv-$NS" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ]
}

@test "replace interrupted with Ctrl-C while it waits: says where it stopped, --resume finishes it" {
	data_and_snapshot
	attach "va-$NS" "$OLD_PV"
	local err="$BATS_TEST_TMPDIR/err" pid rc=0
	kubectl-volsnap restore s1 --replace data -n "$NS" --yes --timeout 60s </dev/null >/dev/null 2>"$err" 3>&- &
	pid=$!
	wait_for 60 grep -q "waiting until PV $OLD_PV is detached" "$err"
	kill -INT "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q "interrupted: the replace of PVC $NS/data is recorded on PV $OLD_PV; the steps done so far stay done; continue with: kubectl volsnap restore s1 --replace data -n $NS --resume" "$err"
	[ "$(get pvc data -n "$NS" -o jsonpath='{.metadata.uid}')" = "$OLD_UID" ]
	[ "$(get pv "$OLD_PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}')" = Retain ]
	kc delete volumeattachment "va-$NS" >/dev/null
	run --separate-stderr volsnap restore s1 --replace data -n "$NS" --yes --resume --timeout 60s
	assert_status 0
	[ "$(get pvc data -n "$NS" -o jsonpath='{.spec.dataSource.name}')" = s1 ]
}
