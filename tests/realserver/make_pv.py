#!/usr/bin/python3
"""Pre-create a CSI PersistentVolume so that the real PV controller (kube-controller-manager)
binds an ordinary PVC to it.  Importable (make_pv(...)) or a CLI:

  make_pv.py STATE_DIR NAME --driver hostpath.csi.k8s.io --storage-class csi-sc --capacity 1Gi \
      [--claim NAMESPACE/PVC] [--volume-handle H] [--reclaim Delete|Retain] \
      [--access-mode ReadWriteOnce] [--volume-mode Filesystem|Block] [--no-csi] [--wait-bound SECONDS]

With --claim the PV is pre-bound (claimRef; with the PVC's uid when the PVC already exists).
Without it the PV controller matches it to a PVC by class, size and access mode.
--reclaim Delete (default) also sets pv.kubernetes.io/provisioned-by=<driver> so the fake
provisioner in snapshot_controller.py deletes the PV once released (as external-provisioner would).
--no-csi makes a hostPath PV instead (for the "PV not CSI" error path).
"""
import argparse
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kubeclient import ApiError, Kube  # noqa: E402


def make_pv(kube, name, driver, storage_class, capacity="1Gi", claim=None, volume_handle=None,
            reclaim="Delete", access_mode="ReadWriteOnce", volume_mode="Filesystem", csi=True):
    pv = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {}},
        "spec": {
            "capacity": {"storage": capacity},
            "accessModes": [access_mode],
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": storage_class,
            "volumeMode": volume_mode,
        },
    }
    if csi:
        pv["spec"]["csi"] = {"driver": driver, "volumeHandle": volume_handle or "vol-%s" % uuid.uuid4()}
        if reclaim == "Delete":
            pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] = driver
    else:
        pv["spec"]["hostPath"] = {"path": "/tmp/volsnap-fake/%s" % name}
    if claim:
        ns, pvc_name = claim.split("/", 1)
        ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": pvc_name}
        pvc = kube.get_or_none("/api/v1/namespaces/%s/persistentvolumeclaims/%s" % (ns, pvc_name))
        if pvc is not None:
            ref["uid"] = pvc["metadata"]["uid"]
        pv["spec"]["claimRef"] = ref
    return kube.create("/api/v1/persistentvolumes", pv)


def wait_bound(kube, name, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        pv = kube.get("/api/v1/persistentvolumes/%s" % name)
        if (pv.get("status") or {}).get("phase") == "Bound":
            return pv
        time.sleep(0.2)
    raise SystemExit("make_pv: PV %s not Bound after %ss (phase %s)"
                     % (name, seconds, (pv.get("status") or {}).get("phase")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("state_dir")
    ap.add_argument("name")
    ap.add_argument("--driver", default="hostpath.csi.k8s.io")
    ap.add_argument("--storage-class", required=True)
    ap.add_argument("--capacity", default="1Gi")
    ap.add_argument("--claim")
    ap.add_argument("--volume-handle")
    ap.add_argument("--reclaim", default="Delete", choices=["Delete", "Retain"])
    ap.add_argument("--access-mode", default="ReadWriteOnce")
    ap.add_argument("--volume-mode", default="Filesystem")
    ap.add_argument("--no-csi", action="store_true")
    ap.add_argument("--wait-bound", type=float, default=0)
    a = ap.parse_args()
    kube = Kube(os.path.join(a.state_dir, "admin.kubeconfig"))
    try:
        make_pv(kube, a.name, a.driver, a.storage_class, a.capacity, a.claim, a.volume_handle,
                a.reclaim, a.access_mode, a.volume_mode, not a.no_csi)
    except ApiError as e:
        raise SystemExit("make_pv: %s" % e)
    if a.wait_bound:
        wait_bound(kube, a.name, a.wait_bound)
    print("persistentvolume/%s created" % a.name)


if __name__ == "__main__":
    main()
