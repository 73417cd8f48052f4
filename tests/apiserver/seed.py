#!/usr/bin/python3
"""Generate bound, ready VolumeSnapshots (+ their VolumeSnapshotContents, PVCs) for benchmarks.

    seed.py N [--namespaces K] [--prefix snap-] [--class csi-hostpath-snapclass]
            [--driver hostpath.csi.k8s.io] [--no-contents]  > objects.json
    ctl.sh STATE_DIR objects objects.json

Objects are spread round-robin over namespaces bench-0..bench-(K-1) (created too), every
snapshot points at a content named snapcontent-<uid> that points back, like the snapshot
controller leaves them; each namespace gets one Bound PVC "data" with its PV.
"""
import argparse
import json
import sys
import time
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--namespaces", type=int, default=1)
    ap.add_argument("--prefix", default="snap-")
    ap.add_argument("--class", dest="cls", default="csi-hostpath-snapclass")
    ap.add_argument("--driver", default="hostpath.csi.k8s.io")
    ap.add_argument("--no-contents", action="store_true")
    a = ap.parse_args()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ns_names = ["bench-%d" % i for i in range(a.namespaces)]
    out = []
    for ns in ns_names:
        pvc_uid = str(uuid.uuid4())
        pv = "pvc-" + pvc_uid
        out.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        out.append({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv},
                    "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                             "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": "data",
                                          "namespace": ns, "uid": pvc_uid},
                             "csi": {"driver": a.driver, "volumeHandle": str(uuid.uuid4())},
                             "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "csi-hostpath-sc"},
                    "status": {"phase": "Bound"}})
        out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data", "namespace": ns, "uid": pvc_uid},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                             "storageClassName": "csi-hostpath-sc", "volumeName": pv},
                    "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}})
    for i in range(a.n):
        ns = ns_names[i % len(ns_names)]
        uid = str(uuid.uuid4())
        cname = "snapcontent-" + uid
        name = "%s%05d" % (a.prefix, i)
        out.append({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                    "metadata": {"name": name, "namespace": ns, "uid": uid,
                                 "labels": {"volsnap.test/bench": "true", "bench/mod10": str(i % 10)},
                                 "finalizers": ["snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection",
                                                "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"]},
                    "spec": {"source": {"persistentVolumeClaimName": "data"}, "volumeSnapshotClassName": a.cls},
                    "status": {"boundVolumeSnapshotContentName": cname, "creationTime": now, "readyToUse": True,
                               "restoreSize": "1Gi"}})
        if not a.no_contents:
            out.append({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
                        "metadata": {"name": cname,
                                     "finalizers": ["snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"]},
                        "spec": {"deletionPolicy": "Delete", "driver": a.driver,
                                 "source": {"volumeHandle": "vol-" + ns}, "volumeSnapshotClassName": a.cls,
                                 "volumeSnapshotRef": {"apiVersion": "snapshot.storage.k8s.io/v1",
                                                       "kind": "VolumeSnapshot", "name": name, "namespace": ns,
                                                       "uid": uid}},
                        "status": {"creationTime": time.time_ns(), "readyToUse": True, "restoreSize": 1073741824,
                                   "snapshotHandle": str(uuid.uuid4())}})
    json.dump(out, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
