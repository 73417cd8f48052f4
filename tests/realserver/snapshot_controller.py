#!/usr/bin/python3
"""Stand-in for external-snapshotter (snapshot-controller + csi-snapshotter sidecar) and for
external-provisioner's restore path, against a real kube-apiserver.  Test bed only.

Follows /work/shared/facts/api.md section 6.4 (happy path), 6.5 (errors and deletion) and 6.6
(restore).  The CSI driver named by a PV's spec.csi.driver is treated as present.  Knobs
(annotations on the VolumeSnapshotClass or the source PVC, env vars) are in README.md.

Usage: snapshot_controller.py --kubeconfig ADMIN_KUBECONFIG [--ready-file FILE]
"""
import argparse
import datetime
import heapq
import json
import os
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kubeclient import ApiError, Kube  # noqa: E402

GROUP = "snapshot.storage.k8s.io"
API = "/apis/%s/v1" % GROUP
FIN_AS_SOURCE = "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection"
FIN_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"
FIN_CONTENT = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"
FIN_PVC = "snapshot.storage.kubernetes.io/pvc-as-source-protection"
ANN_DEFAULT = "snapshot.storage.kubernetes.io/is-default-class"
ANN_BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
# Test knobs (see README.md)
K_ERROR = "volsnap.test/snapshot-error"
K_NEVER_READY = "volsnap.test/never-ready"
K_DELAY = "volsnap.test/snapshot-delay-ms"
K_RESTORE_SIZE = "volsnap.test/restore-size"
K_PROVISION_ERROR = "volsnap.test/provision-error"
K_AUTO_PROVISION = "volsnap.test/auto-provision"

NOT_BOUND = "the PVC %s is not yet bound to a PV, will not attempt to take a snapshot"
DELAY_MS = int(os.environ.get("VOLSNAP_FAKE_SNAPSHOT_DELAY_MS", "300"))
RETRY_MAX = int(os.environ.get("VOLSNAP_FAKE_RETRY_MAX_MS", "5000")) / 1000.0
RETRY_UNBOUND = os.environ.get("VOLSNAP_FAKE_RETRY_UNBOUND", "0") == "1"

kube = None


def log(msg, *args):
    sys.stdout.write("%s %s\n" % (datetime.datetime.utcnow().strftime("%H:%M:%S.%f")[:-3],
                                  msg % args if args else msg))
    sys.stdout.flush()


def now_rfc3339():
    return datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z"


# ---------------------------------------------------------------------------------------------
# quantities

_SUFFIX = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
           "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18,
           "m": None, "": 1}


def parse_quantity(q):
    """Bytes (int, rounded up) of a Kubernetes quantity string such as 1Gi, 500M, 1e3, 1073741824."""
    if isinstance(q, (int, float)):
        return int(q)
    m = re.fullmatch(r"\s*([+-]?[0-9.]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?\s*", q)
    if not m:
        raise ValueError("bad quantity %r" % q)
    from decimal import Decimal, ROUND_CEILING
    num = Decimal(m.group(1))
    if m.group(2):
        num = num.scaleb(int(m.group(2)))
    suf = m.group(3) or ""
    num = num / 1000 if suf == "m" else num * _SUFFIX[suf]
    return int(num.to_integral_value(rounding=ROUND_CEILING))


def format_binary_si(n):
    """resource.NewQuantity(n, BinarySI).String(): largest binary suffix dividing n exactly."""
    for suf, mult in (("Ei", 2 ** 60), ("Pi", 2 ** 50), ("Ti", 2 ** 40), ("Gi", 2 ** 30),
                      ("Mi", 2 ** 20), ("Ki", 2 ** 10)):
        if n and n % mult == 0:
            return "%d%s" % (n // mult, suf)
    return str(n)


# ---------------------------------------------------------------------------------------------
# work queue: keys with due times; each key at most once in the queue

class Queue:
    def __init__(self):
        self.cv = threading.Condition()
        self.heap = []
        self.due = {}

    def add(self, key, delay=0.0):
        t = time.monotonic() + delay
        with self.cv:
            if key in self.due and self.due[key] <= t:
                return
            self.due[key] = t
            heapq.heappush(self.heap, (t, key))
            self.cv.notify()

    def get(self):
        with self.cv:
            while True:
                while self.heap and self.due.get(self.heap[0][1]) != self.heap[0][0]:
                    heapq.heappop(self.heap)  # stale entry
                if self.heap:
                    t, key = self.heap[0]
                    wait = t - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self.heap)
                        del self.due[key]
                        return key
                    self.cv.wait(wait)
                else:
                    self.cv.wait()


queue = Queue()
failures = {}        # key -> consecutive failures (backoff)
content_born = {}    # content name -> monotonic time its fake CSI snapshot was "started"
emitted = set()      # (uid, reason, message) of events that must not repeat


def backoff(key):
    n = failures.get(key, 0)
    failures[key] = n + 1
    return min(0.25 * (2 ** n), RETRY_MAX)


# ---------------------------------------------------------------------------------------------
# watches

def watch_loop(kind, path, ready_evt):
    """list + watch with resourceVersion; resume after disconnects; relist on 410 Gone."""
    rv = None
    while True:
        try:
            if rv is None:
                lst = kube.get(path)
                rv = lst["metadata"]["resourceVersion"]
                for item in lst.get("items", []):
                    enqueue(kind, item)
                ready_evt.set()
            for ev in kube.watch(path, rv):
                typ, obj = ev.get("type"), ev.get("object", {})
                if typ == "ERROR":
                    if obj.get("code") == 410:
                        log("watch %s: 410 Gone, relisting", kind)
                        rv = None
                        break
                    raise RuntimeError("watch error %s" % json.dumps(obj))
                rv = obj.get("metadata", {}).get("resourceVersion", rv)
                if typ != "BOOKMARK":
                    enqueue(kind, obj)
        except ApiError as e:
            if e.code == 410:
                log("watch %s: 410 Gone, relisting", kind)
                rv = None
                continue
            log("watch %s: %s; retrying", kind, e)
            time.sleep(0.5)
        except Exception as e:  # transport errors: resume from the last resourceVersion
            log("watch %s: %s: %s; resuming", kind, type(e).__name__, e)
            time.sleep(0.5)


def enqueue(kind, obj):
    md = obj.get("metadata", {})
    queue.add((kind, md.get("namespace", ""), md["name"]))


# ---------------------------------------------------------------------------------------------
# helpers

def vs_path(ns, name=""):
    return "%s/namespaces/%s/volumesnapshots/%s" % (API, ns, name)


def vsc_path(name=""):
    return "%s/volumesnapshotcontents/%s" % (API, name)


def pvc_path(ns, name=""):
    return "/api/v1/namespaces/%s/persistentvolumeclaims/%s" % (ns, name)


def pv_path(name=""):
    return "/api/v1/persistentvolumes/%s" % name


def event(obj, etype, reason, message, component="snapshot-controller", once_key=None):
    md = obj["metadata"]
    if once_key is not None:
        k = (md.get("uid"), reason, message, once_key)
        if k in emitted:
            return
        emitted.add(k)
    ns = md.get("namespace") or "default"
    ts = now_rfc3339()
    ev = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "%s.%x" % (md["name"], time.time_ns()), "namespace": ns},
        "involvedObject": {"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"),
                           "name": md["name"], "namespace": md.get("namespace", ""),
                           "uid": md.get("uid"), "resourceVersion": md.get("resourceVersion")},
        "reason": reason, "message": message, "type": etype,
        "source": {"component": component},
        "firstTimestamp": ts, "lastTimestamp": ts, "count": 1,
    }
    if not md.get("namespace"):
        del ev["involvedObject"]["namespace"]
    try:
        kube.create("/api/v1/namespaces/%s/events" % ns, ev)
    except ApiError as e:
        log("event %s/%s failed: %s", ns, reason, e)
    log("event %s %s %s/%s: %s", etype, reason, md.get("namespace", ""), md["name"], message)


def update_finalizers(path, add=(), remove=()):
    """GET + PUT until no conflict.  Returns the updated object (or None if gone)."""
    for _ in range(10):
        obj = kube.get_or_none(path)
        if obj is None:
            return None
        fins = list(obj["metadata"].get("finalizers") or [])
        new = [f for f in fins if f not in remove] + [f for f in add if f not in fins]
        if new == fins:
            return obj
        obj["metadata"]["finalizers"] = new
        try:
            return kube.put(path, obj)
        except ApiError as e:
            if e.code == 409:
                continue
            if e.code == 404:
                return None
            raise
    raise RuntimeError("update_finalizers %s: too many conflicts" % path)


def put_status(path, mutate):
    """GET, apply mutate(status dict) -> bool changed, PUT /status; retry on conflict."""
    for _ in range(10):
        obj = kube.get_or_none(path)
        if obj is None:
            return None
        st = obj.setdefault("status", {})
        if not mutate(st):
            return obj
        try:
            return kube.put(path + "/status", obj)
        except ApiError as e:
            if e.code == 409:
                continue
            raise
    raise RuntimeError("put_status %s: too many conflicts" % path)


def snapshot_error(vs, reason, message, set_ready_false):
    """updateSnapshotErrorStatusWithEvent: status.error + Warning event, deduplicated on message."""
    cur = (vs.get("status") or {}).get("error") or {}
    if cur.get("message") == message:
        return

    def mut(st):
        st["error"] = {"message": message, "time": now_rfc3339()}
        if set_ready_false:
            st["readyToUse"] = False
        return True
    put_status(vs_path(vs["metadata"]["namespace"], vs["metadata"]["name"]), mut)
    event(vs, "Warning", reason, message)


def knob(name, *objs):
    for o in objs:
        if o is None:
            continue
        v = ((o.get("metadata") or {}).get("annotations") or {}).get(name)
        if v is not None:
            return v
    return None


def pvc_bound_pv(pvc):
    """(pv, None) or (None, error-text) following getVolumeFromVolumeSnapshot."""
    name = pvc["metadata"]["name"]
    vol = (pvc.get("spec") or {}).get("volumeName")
    if (pvc.get("status") or {}).get("phase") != "Bound" or not vol:
        return None, NOT_BOUND % name
    pv = kube.get_or_none(pv_path(vol))
    if pv is None:
        return None, "failed to retrieve PV %s from the API server: %s" % (vol, go_q('persistentvolumes "%s" not found' % vol))
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    if ref.get("uid") != pvc["metadata"]["uid"]:
        return None, NOT_BOUND % name
    return pv, None


def go_q(s):
    """Go %q of a plain string."""
    return json.dumps(s)


# ---------------------------------------------------------------------------------------------
# VolumeSnapshot

def sync_snapshot(ns, name):
    vs = kube.get_or_none(vs_path(ns, name))
    if vs is None:
        return None
    vs.setdefault("apiVersion", GROUP + "/v1")
    vs.setdefault("kind", "VolumeSnapshot")
    md, spec = vs["metadata"], vs.get("spec") or {}
    st = vs.get("status") or {}
    if md.get("deletionTimestamp"):
        return delete_snapshot(vs)
    err = (st.get("error") or {}).get("message", "")
    if "is not yet bound to a PV, will not attempt to take a snapshot" in err and not RETRY_UNBOUND:
        return None  # terminal: the seed document's "fails with no retries"
    src = spec.get("source") or {}
    if st.get("readyToUse") and st.get("boundVolumeSnapshotContentName") and \
            all(f in (md.get("finalizers") or []) for f in (FIN_AS_SOURCE,)):
        return None  # steady state
    if bool(src.get("volumeSnapshotContentName")) == bool(src.get("persistentVolumeClaimName")):
        # only reachable without the CRD's CEL rules, i.e. on v1.20
        snapshot_error(vs, "SnapshotValidationError",
                       "Exactly one of PersistentVolumeClaimName and VolumeSnapshotContentName should be specified", True)
        return None
    if src.get("volumeSnapshotContentName"):
        return sync_preprovisioned(vs)
    pvc_name = src["persistentVolumeClaimName"]

    # 1. class resolution
    cls_name = spec.get("volumeSnapshotClassName")
    if cls_name:
        cls = kube.get_or_none("%s/volumesnapshotclasses/%s" % (API, cls_name))
        if cls is None:
            snapshot_error(vs, "GetSnapshotClassFailed",
                           "Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io %s not found"
                           % go_q(cls_name), False)
            return "retry"
    else:
        pvc = kube.get_or_none(pvc_path(ns, pvc_name))
        fail = "Failed to set default snapshot class with error "
        if pvc is None:
            snapshot_error(vs, "SetDefaultSnapshotClassFailed", fail + "failed to retrieve PVC %s from the lister: %s"
                           % (pvc_name, go_q('persistentvolumeclaim "%s" not found' % pvc_name)), False)
            return "retry"
        pv, why = pvc_bound_pv(pvc)
        if pv is None:
            snapshot_error(vs, "SetDefaultSnapshotClassFailed", fail + why, False)
            return "retry"
        csi = (pv.get("spec") or {}).get("csi")
        if not csi:
            snapshot_error(vs, "SetDefaultSnapshotClassFailed", fail + "snapshotting non-CSI volumes is not supported, snapshot:%s/%s"
                           % (ns, name), False)
            return "retry"
        classes = kube.get("%s/volumesnapshotclasses" % API).get("items", [])
        defaults = [c for c in classes if c.get("driver") == csi.get("driver")
                    and ((c["metadata"].get("annotations") or {}).get(ANN_DEFAULT) == "true")]
        if not defaults:
            snapshot_error(vs, "SetDefaultSnapshotClassFailed", fail + "cannot find default snapshot class", False)
            return "retry"
        if len(defaults) > 1:
            snapshot_error(vs, "SetDefaultSnapshotClassFailed", fail + "%d default snapshot classes were found" % len(defaults), False)
            return "retry"
        cls = defaults[0]
        cls_name = cls["metadata"]["name"]
        vs = kube.merge_patch(vs_path(ns, name), {"spec": {"volumeSnapshotClassName": cls_name}})
        log("snapshot %s/%s: default class %s", ns, name, cls_name)

    # 2. finalizer on the snapshot
    if FIN_AS_SOURCE not in (vs["metadata"].get("finalizers") or []):
        vs = update_finalizers(vs_path(ns, name), add=[FIN_AS_SOURCE])
        if vs is None:
            return None
    vs.setdefault("apiVersion", GROUP + "/v1")
    vs.setdefault("kind", "VolumeSnapshot")
    st = vs.get("status") or {}
    content_name = st.get("boundVolumeSnapshotContentName") or "snapcontent-%s" % vs["metadata"]["uid"]
    content = kube.get_or_none(vsc_path(content_name))

    pvc = kube.get_or_none(pvc_path(ns, pvc_name))
    if content is None:
        # 3.-5. source checks, PVC finalizer, content creation
        fail = "Failed to create snapshot content with error "
        if pvc is None:
            snapshot_error(vs, "SnapshotContentCreationFailed",
                           fail + "snapshot controller failed to update %s on API server: cannot get claim from snapshot" % name, True)
            return "retry"
        pv, why = pvc_bound_pv(pvc)
        if pv is None:
            snapshot_error(vs, "SnapshotContentCreationFailed",
                           fail + "failed to get input parameters to create snapshot %s: %s" % (name, go_q(why)), True)
            return "retry"
        csi = (pv.get("spec") or {}).get("csi")
        if not csi:
            snapshot_error(vs, "SnapshotContentCreationFailed",
                           fail + "cannot find CSI PersistentVolumeSource for volume %s" % pv["metadata"]["name"], True)
            return "retry"
        update_finalizers(pvc_path(ns, pvc_name), add=[FIN_PVC])
        content = {
            "apiVersion": GROUP + "/v1", "kind": "VolumeSnapshotContent",
            "metadata": {"name": content_name, "finalizers": [FIN_CONTENT]},
            "spec": {
                "deletionPolicy": cls["deletionPolicy"], "driver": cls["driver"],
                "source": {"volumeHandle": csi["volumeHandle"]},
                "volumeSnapshotClassName": cls_name,
                "volumeSnapshotRef": {"apiVersion": GROUP + "/v1", "kind": "VolumeSnapshot",
                                      "name": name, "namespace": ns, "uid": vs["metadata"]["uid"],
                                      "resourceVersion": vs["metadata"]["resourceVersion"]},
            },
        }
        if pv["spec"].get("volumeMode"):
            content["spec"]["sourceVolumeMode"] = pv["spec"]["volumeMode"]
        try:
            content = kube.create(vsc_path(), content)
        except ApiError as e:
            if e.code != 409:
                event(vs, "Warning", "CreateSnapshotContentFailed",
                      "Error creating volume snapshot content object for snapshot %s/%s: %s." % (ns, name, e.status.get("message", e)))
                return "retry"
            content = kube.get(vsc_path(content_name))
        content_born.setdefault(content_name, time.monotonic())
        event(vs, "Normal", "CreatingSnapshot",
              "Waiting for a snapshot %s/%s to be created by the CSI driver." % (ns, name), once_key="create")

    # 6.-7. bind
    if st.get("boundVolumeSnapshotContentName") != content_name:
        def bind(s):
            s["boundVolumeSnapshotContentName"] = content_name
            s.setdefault("readyToUse", False)
            return True
        vs = put_status(vs_path(ns, name), bind)
        if vs is None:
            return None
    if content["spec"].get("deletionPolicy") == "Delete" and FIN_BOUND not in (vs["metadata"].get("finalizers") or []):
        vs = update_finalizers(vs_path(ns, name), add=[FIN_BOUND])
        if vs is None:
            return None
    vs.setdefault("apiVersion", GROUP + "/v1")
    vs.setdefault("kind", "VolumeSnapshot")

    # 8. fake csi-snapshotter sidecar fills content status
    res = fake_sidecar(content, pvc, cls if cls_name else None)
    if isinstance(res, float):
        return res
    content = res
    # 9. copy content status to the snapshot
    return copy_status(vs, content, pvc_name)


def fake_sidecar(content, pvc, cls):
    """Returns the content (status filled) or a float delay to requeue after."""
    cst = content.get("status") or {}
    if cst.get("readyToUse") or (cst.get("error") and cst.get("snapshotHandle") is None):
        return content
    if cls is None:
        cls = kube.get_or_none("%s/volumesnapshotclasses/%s" % (API, content["spec"].get("volumeSnapshotClassName", "")))
    delay = knob(K_DELAY, pvc, cls)
    delay = (int(delay) if delay is not None else DELAY_MS) / 1000.0
    born = content_born.setdefault(content["metadata"]["name"], time.monotonic())
    left = born + delay - time.monotonic()
    if left > 0:
        return left
    handle = content["spec"]["source"].get("volumeHandle", "")
    err = knob(K_ERROR, pvc, cls)
    if err is not None:
        msg = "Failed to check and update snapshot content: failed to take snapshot of the volume %s: %s" % (handle, go_q(err))

        def mut(s):
            if (s.get("error") or {}).get("message") == msg:
                return False
            s["error"] = {"message": msg, "time": now_rfc3339()}
            s["readyToUse"] = False
            return True
        content = put_status(vsc_path(content["metadata"]["name"]), mut)
        content.setdefault("apiVersion", GROUP + "/v1")
        content.setdefault("kind", "VolumeSnapshotContent")
        event(content, "Warning", "SnapshotCreationFailed", "Failed to create snapshot: " + msg[len("Failed to check and update snapshot content: "):],
              component="csi-snapshotter " + content["spec"]["driver"], once_key="csi")
        return content
    never = knob(K_NEVER_READY, pvc, cls) == "true"
    size = knob(K_RESTORE_SIZE, pvc, cls)
    if size is None:
        pv = kube.get_or_none(pv_path((pvc or {}).get("spec", {}).get("volumeName") or "-"))
        size = ((pv or {}).get("spec", {}).get("capacity") or {}).get("storage", "0")
    size = parse_quantity(size)

    def mut2(s):
        if s.get("snapshotHandle") and bool(s.get("readyToUse")) == (not never):
            return False
        s.setdefault("snapshotHandle", str(uuid.uuid4()))
        s.setdefault("creationTime", time.time_ns())
        s["restoreSize"] = size
        s["readyToUse"] = not never
        return True
    return put_status(vsc_path(content["metadata"]["name"]), mut2)


def copy_status(vs, content, pvc_name):
    ns, name = vs["metadata"]["namespace"], vs["metadata"]["name"]
    cst = content.get("status") or {}
    before = vs.get("status") or {}
    events = []

    def mut(s):
        changed = False
        if cst.get("creationTime") and not s.get("creationTime"):
            s["creationTime"] = datetime.datetime.utcfromtimestamp(cst["creationTime"] // 10 ** 9).isoformat() + "Z"
            events.append(("SnapshotCreated", "Snapshot %s/%s was successfully created by the CSI driver." % (ns, name)))
            changed = True
        if cst.get("restoreSize") is not None and not parse_quantity(s.get("restoreSize") or 0):
            s["restoreSize"] = format_binary_si(cst["restoreSize"])
            changed = True
        ready = bool(cst.get("readyToUse"))
        if s.get("readyToUse") != ready:
            s["readyToUse"] = ready
            changed = True
            if ready:
                events.append(("SnapshotReady", "Snapshot %s/%s is ready to use." % (ns, name)))
        if cst.get("error") and s.get("error") != cst["error"]:
            s["error"] = cst["error"]
            changed = True
        if ready and s.get("error"):
            del s["error"]
            changed = True
        return changed
    new = put_status(vs_path(ns, name), mut)
    if new is None:
        return None
    for reason, msg in events:
        event(vs, "Normal", reason, msg, once_key="status")
    if cst.get("readyToUse") or cst.get("error"):
        if pvc_name:
            update_finalizers(pvc_path(ns, pvc_name), remove=[FIN_PVC])
    if not before.get("readyToUse") and cst.get("readyToUse"):
        log("snapshot %s/%s ready (%s)", ns, name, content["metadata"]["name"])
        # wake up restores waiting for this snapshot
        for pvc in kube.get(pvc_path(ns)).get("items", []):
            ds = pvc["spec"].get("dataSourceRef") or pvc["spec"].get("dataSource") or {}
            if ds.get("kind") == "VolumeSnapshot" and ds.get("name") == name:
                queue.add(("pvc", ns, pvc["metadata"]["name"]))
    return None


def sync_preprovisioned(vs):
    ns, name = vs["metadata"]["namespace"], vs["metadata"]["name"]
    cname = vs["spec"]["source"]["volumeSnapshotContentName"]
    content = kube.get_or_none(vsc_path(cname))
    if content is None:
        snapshot_error(vs, "SnapshotContentMissing", "VolumeSnapshotContent is missing", True)
        return "retry"
    ref = content["spec"].get("volumeSnapshotRef") or {}
    if ref.get("name") != name or ref.get("namespace") != ns:
        snapshot_error(vs, "SnapshotContentMisbound",
                       "VolumeSnapshotContent %s is bound to a different snapshot" % cname, True)
        return "retry"
    if ref.get("uid") and ref["uid"] != vs["metadata"]["uid"]:
        snapshot_error(vs, "SnapshotContentMisbound",
                       "VolumeSnapshotContent %s is bound to a different snapshot" % cname, True)
        return "retry"
    if FIN_AS_SOURCE not in (vs["metadata"].get("finalizers") or []):
        vs = update_finalizers(vs_path(ns, name), add=[FIN_AS_SOURCE])
    if not ref.get("uid"):
        ref["uid"] = vs["metadata"]["uid"]
        content["spec"]["volumeSnapshotRef"] = ref
        content = kube.put(vsc_path(cname), content)
    if FIN_CONTENT not in (content["metadata"].get("finalizers") or []):
        content = update_finalizers(vsc_path(cname), add=[FIN_CONTENT])
    if (vs.get("status") or {}).get("boundVolumeSnapshotContentName") != cname:
        def bind(s):
            s["boundVolumeSnapshotContentName"] = cname
            s.setdefault("readyToUse", False)
            return True
        vs = put_status(vs_path(ns, name), bind)
    if content["spec"].get("deletionPolicy") == "Delete":
        vs = update_finalizers(vs_path(ns, name), add=[FIN_BOUND])
    vs.setdefault("apiVersion", GROUP + "/v1")
    vs.setdefault("kind", "VolumeSnapshot")
    cst = content.get("status") or {}
    if not cst.get("readyToUse") and content["spec"]["source"].get("snapshotHandle"):
        # fake sidecar: ListSnapshots finds the pre-existing snapshot
        size = knob(K_RESTORE_SIZE, content)
        if size is None:
            # ListSnapshots reports the storage snapshot's size: the one another content with the
            # same handle recorded (the source of an import).
            handle = content["spec"]["source"]["snapshotHandle"]
            for other in kube.get(vsc_path()).get("items", []):
                ost = other.get("status") or {}
                if ost.get("snapshotHandle") == handle and ost.get("restoreSize") is not None:
                    size = str(ost["restoreSize"])
                    break

        def mut(s):
            s["snapshotHandle"] = content["spec"]["source"]["snapshotHandle"]
            s.setdefault("creationTime", time.time_ns())
            if size is not None:
                s["restoreSize"] = parse_quantity(size)
            s["readyToUse"] = True
            return True
        content = put_status(vsc_path(cname), mut)
    return copy_status(vs, content, None)


def delete_snapshot(vs):
    md = vs["metadata"]
    ns, name = md["namespace"], md["name"]
    fins = md.get("finalizers") or []
    if FIN_AS_SOURCE not in fins and FIN_BOUND not in fins:
        return None
    # A Pending PVC restoring from this snapshot blocks deletion.
    for pvc in kube.get(pvc_path(ns)).get("items", []):
        ds = pvc["spec"].get("dataSourceRef") or pvc["spec"].get("dataSource") or {}
        if ds.get("kind") == "VolumeSnapshot" and ds.get("name") == name and \
                (pvc.get("status") or {}).get("phase") == "Pending":
            event(vs, "Warning", "SnapshotDeletePending", "Snapshot is being used to restore a PVC", once_key="del")
            return "retry"
    cname = (vs.get("status") or {}).get("boundVolumeSnapshotContentName")
    if not cname and not (vs["spec"].get("source") or {}).get("volumeSnapshotContentName"):
        cname = "snapcontent-%s" % md["uid"]
    content = kube.get_or_none(vsc_path(cname)) if cname else None
    if content is not None:
        ref = content["spec"].get("volumeSnapshotRef") or {}
        if ref.get("uid") in (None, md["uid"]):
            anns = content["metadata"].setdefault("annotations", {})
            if anns.get(ANN_BEING_DELETED) != "yes":
                anns[ANN_BEING_DELETED] = "yes"
                try:
                    content = kube.put(vsc_path(cname), content)
                except ApiError as e:
                    if e.code in (404, 409):
                        return "retry"
                    raise
            if content["spec"].get("deletionPolicy") == "Delete":
                kube.delete(vsc_path(cname))
                queue.add(("vsc", "", cname))
    src_pvc = (vs["spec"].get("source") or {}).get("persistentVolumeClaimName")
    if src_pvc:
        update_finalizers(pvc_path(ns, src_pvc), remove=[FIN_PVC])
    update_finalizers(vs_path(ns, name), remove=[FIN_AS_SOURCE, FIN_BOUND])
    log("snapshot %s/%s: finalizers removed (content %s, policy %s)", ns, name, cname,
        content and content["spec"].get("deletionPolicy"))
    return None


# ---------------------------------------------------------------------------------------------
# VolumeSnapshotContent: finalizer removal when deleted (fake sidecar DeleteSnapshot)

def sync_content(name):
    c = kube.get_or_none(vsc_path(name))
    if c is None or not c["metadata"].get("deletionTimestamp"):
        return None
    if FIN_CONTENT not in (c["metadata"].get("finalizers") or []):
        return None
    ref = c["spec"].get("volumeSnapshotRef") or {}
    vs = kube.get_or_none(vs_path(ref.get("namespace", "-"), ref.get("name", "-"))) if ref.get("name") else None
    if vs is not None and vs["metadata"]["uid"] == ref.get("uid") and not vs["metadata"].get("deletionTimestamp") \
            and (vs.get("status") or {}).get("boundVolumeSnapshotContentName") == name:
        return None  # still bound to a live snapshot: keep the finalizer
    update_finalizers(vsc_path(name), remove=[FIN_CONTENT])
    content_born.pop(name, None)
    log("content %s: finalizer removed", name)
    return None


# ---------------------------------------------------------------------------------------------
# provisioner: restore from snapshot (and optional auto-provisioning)

def sync_pvc(ns, name):
    pvc = kube.get_or_none(pvc_path(ns, name))
    if pvc is None:
        return None
    pvc.setdefault("apiVersion", "v1")
    pvc.setdefault("kind", "PersistentVolumeClaim")
    spec = pvc.get("spec") or {}
    if (pvc.get("status") or {}).get("phase") != "Pending" or spec.get("volumeName") or pvc["metadata"].get("deletionTimestamp"):
        return None
    sc_name = spec.get("storageClassName")
    if not sc_name:
        return None
    sc = kube.get_or_none("/apis/storage.k8s.io/v1/storageclasses/%s" % sc_name)
    if sc is None or sc.get("provisioner", "kubernetes.io/").startswith("kubernetes.io/"):
        return None
    driver = sc["provisioner"]
    ds = spec.get("dataSourceRef") or spec.get("dataSource") or {}
    is_restore = ds.get("kind") == "VolumeSnapshot" and ds.get("apiGroup") == GROUP
    anns = sc["metadata"].get("annotations") or {}
    if not is_restore and anns.get(K_AUTO_PROVISION) != "true":
        return None
    component = "%s_volsnap-fake-provisioner" % driver
    event(pvc, "Normal", "Provisioning", 'External provisioner is provisioning volume for claim "%s/%s"' % (ns, name),
          component=component, once_key="prov")
    req = parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage", "0"))

    def failed(reason):
        event(pvc, "Warning", "ProvisioningFailed", 'failed to provision volume with StorageClass "%s": %s' % (sc_name, reason),
              component=component, once_key="fail")
        return "retry"

    forced = knob(K_PROVISION_ERROR, pvc, sc)
    if forced is not None:
        return failed(forced)
    if is_restore:
        sname = ds.get("name", "")
        pre = "error getting handle for DataSource Type VolumeSnapshot by Name %s: " % sname
        vs = kube.get_or_none(vs_path(ns, sname))
        if vs is None:
            return failed(pre + "error getting snapshot %s from api server: %s"
                          % (sname, 'volumesnapshots.snapshot.storage.k8s.io "%s" not found' % sname))
        if vs["metadata"].get("deletionTimestamp"):
            return failed(pre + "snapshot %s is being deleted" % sname)
        vst = vs.get("status") or {}
        cname = vst.get("boundVolumeSnapshotContentName")
        if not cname:
            return failed(pre + "snapshot %s not bound" % sname)
        content = kube.get_or_none(vsc_path(cname))
        if content is None:
            return failed(pre + "error getting snapshotcontent %s for snapshot %s/%s from api server: %s"
                          % (cname, ns, sname, 'volumesnapshotcontents.snapshot.storage.k8s.io "%s" not found' % cname))
        ref = content["spec"].get("volumeSnapshotRef") or {}
        if ref.get("name") != sname or ref.get("namespace") != ns or (ref.get("uid") and ref["uid"] != vs["metadata"]["uid"]):
            return failed(pre + "snapshotcontent %s for snapshot %s is bound to a different snapshot" % (cname, sname))
        if content["spec"].get("driver") != driver:
            return failed(pre + "snapshotcontent %s for snapshot %s is not handled by CSI driver of StorageClass %s"
                          % (cname, sname, sc_name))
        if not vst.get("readyToUse"):
            return failed(pre + "snapshot %s is not Ready" % sname)
        if not (content.get("status") or {}).get("snapshotHandle"):
            return failed(pre + "snapshot handle %s is not available" % sname)
        rs = parse_quantity(vst.get("restoreSize") or 0)
        if req < rs:
            return failed(pre + "requested volume size %d is less than the size %d for the source snapshot %s"
                          % (req, rs, sname))
    pv_name = "pvc-%s" % pvc["metadata"]["uid"]
    pv = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": pv_name, "annotations": {ANN_PROVISIONED_BY: driver}},
        "spec": {
            "capacity": {"storage": spec["resources"]["requests"]["storage"]},
            "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
            "storageClassName": sc_name,
            "volumeMode": spec.get("volumeMode", "Filesystem"),
            "csi": {"driver": driver, "volumeHandle": str(uuid.uuid4()),
                    "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": "volsnap-fake"}},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": name,
                         "uid": pvc["metadata"]["uid"], "resourceVersion": pvc["metadata"]["resourceVersion"]},
        },
    }
    if sc.get("mountOptions"):
        pv["spec"]["mountOptions"] = sc["mountOptions"]
    try:
        kube.create(pv_path(), pv)
    except ApiError as e:
        if e.code != 409:
            return failed("error creating PV: %s" % e)
    event(pvc, "Normal", "ProvisioningSucceeded", "Successfully provisioned volume %s" % pv_name,
          component=component, once_key="ok")
    return None


def sync_pv(name):
    """Fake external-provisioner deleter: Released PVs with reclaimPolicy Delete we provisioned."""
    pv = kube.get_or_none(pv_path(name))
    if pv is None:
        return None
    if (pv.get("status") or {}).get("phase") not in ("Released", "Failed"):
        return None
    if pv["spec"].get("persistentVolumeReclaimPolicy") != "Delete" or not pv["spec"].get("csi"):
        return None
    if (pv["metadata"].get("annotations") or {}).get(ANN_PROVISIONED_BY) != pv["spec"]["csi"]["driver"]:
        return None
    kube.delete(pv_path(name))
    log("pv %s: deleted (reclaimPolicy Delete)", name)
    return None


# ---------------------------------------------------------------------------------------------

def worker():
    while True:
        key = queue.get()
        kind, ns, name = key
        try:
            if kind == "vs":
                res = sync_snapshot(ns, name)
            elif kind == "vsc":
                res = sync_content(name)
            elif kind == "pvc":
                res = sync_pvc(ns, name)
            elif kind == "pv":
                res = sync_pv(name)
            else:
                res = None
        except Exception as e:  # noqa: BLE001 - keep the loop alive, retry with backoff
            log("sync %s %s/%s failed: %s: %s", kind, ns, name, type(e).__name__, e)
            res = "retry"
        if res == "retry":
            queue.add(key, backoff(key))
        elif isinstance(res, float):
            queue.add(key, res)
        else:
            failures.pop(key, None)


def main():
    global kube
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    kube = Kube(args.kubeconfig)
    watches = [("vs", API + "/volumesnapshots"), ("vsc", API + "/volumesnapshotcontents"),
               ("pvc", "/api/v1/persistentvolumeclaims"), ("pv", "/api/v1/persistentvolumes")]
    evts = []
    for kind, path in watches:
        e = threading.Event()
        evts.append(e)
        threading.Thread(target=watch_loop, args=(kind, path, e), daemon=True, name="watch-" + kind).start()
    for e in evts:
        if not e.wait(90):
            sys.exit("snapshot_controller: initial list timed out")
    log("snapshot controller started (delay %dms)", DELAY_MS)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    worker()


if __name__ == "__main__":
    main()
