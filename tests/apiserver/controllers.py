"""The controllers the emulator plays: PV binder/provisioner, snapshot controller + CSI
sidecar (external-snapshotter's sequence, api.md §6.4-§6.6), namespace cleanup.

One worker thread drains a delayed work queue fed by store events. Every write goes
through Api.apply_update with the resourceVersion that was read, so a concurrent
client write makes the controller re-read and retry, like a real controller.
"""
import copy
import heapq
import threading
import time
import traceback
import uuid

from errors import ApiError, now_rfc3339
from validation import format_binary_si, quantity_bytes

SNAP = "snapshot.storage.k8s.io"
F_SOURCE = "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection"
F_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"
F_CONTENT = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"
F_PVC = "snapshot.storage.kubernetes.io/pvc-as-source-protection"
A_DEFAULT = "snapshot.storage.kubernetes.io/is-default-class"
A_BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted"
A_ERROR = "volsnap.test/snapshot-error"
A_NEVER = "volsnap.test/never-ready"
A_STAY = "volsnap.test/stay-pending"
INTREE = {"kubernetes.io/aws-ebs": ("awsElasticBlockStore", "volumeID"),
          "kubernetes.io/gce-pd": ("gcePersistentDisk", "pdName"),
          "kubernetes.io/azure-disk": ("azureDisk", "diskName"),
          "kubernetes.io/cinder": ("cinder", "volumeID"),
          "kubernetes.io/vsphere-volume": ("vsphereVolume", "volumePath")}


class Controllers:
    def __init__(self, api, prof):
        self.api = api
        self.store = api.store
        reg = api.reg
        self.rt_vs = reg.by_gr.get((SNAP, "volumesnapshots"))
        self.rt_vsc = reg.by_gr.get((SNAP, "volumesnapshotcontents"))
        self.rt_class = reg.by_gr.get((SNAP, "volumesnapshotclasses"))
        self.rt_pvc = reg.by_gr[("", "persistentvolumeclaims")]
        self.rt_pv = reg.by_gr[("", "persistentvolumes")]
        self.rt_ns = reg.by_gr[("", "namespaces")]
        self.rt_ev = reg.by_gr[("", "events")]
        self.snapshot = bool(prof.get("snapshot_controller")) and self.rt_vs is not None \
            and self.rt_vsc is not None and self.rt_class is not None
        self.binder = bool(prof.get("pv_binder", True))
        self.delay = prof.get("snapshot_ready_delay_ms", 200) / 1000.0
        self.cv = threading.Condition()
        self.heap = []
        self.pending = {}                 # item -> due time
        self.waiting_vs = set()           # VS keys waiting for something else to change
        self.waiting_pvc = set()          # PVC keys waiting (restore source not ready, ...)
        self.emitted = set()              # (uid, reason, message): events are emitted once
        self.seq = 0
        self.store.listeners.append(self.on_event)

    # -- plumbing ------------------------------------------------------------
    def configure(self, cfg):
        if "snapshot_ready_delay_ms" in cfg:
            self.delay = int(cfg["snapshot_ready_delay_ms"]) / 1000.0
        if "snapshot_controller" in cfg:
            self.snapshot = bool(cfg["snapshot_controller"]) and self.rt_vs is not None
        if "pv_binder" in cfg:
            self.binder = bool(cfg["pv_binder"])
        self.resync()

    def config_view(self):
        return {"snapshot_ready_delay_ms": int(self.delay * 1000), "snapshot_controller": self.snapshot,
                "pv_binder": self.binder}

    def start(self):
        threading.Thread(target=self._run, name="controllers", daemon=True).start()
        self.resync()

    def resync(self):
        for k, _ in self.store.items(self.rt_pvc.gr):
            self.enqueue(("pvc", k))
        if self.rt_vs is not None:
            for k, o in self.store.items(self.rt_vs.gr):
                st = o.get("status") or {}
                if not st.get("readyToUse") or o["metadata"].get("deletionTimestamp"):
                    self.enqueue(("vs", k))

    def enqueue(self, item, delay=0.0):
        due = time.monotonic() + delay
        with self.cv:
            cur = self.pending.get(item)
            if cur is not None and cur <= due:
                return
            self.pending[item] = due
            self.seq += 1
            heapq.heappush(self.heap, (due, self.seq, item))
            self.cv.notify()

    def _run(self):
        while True:
            with self.cv:
                while True:
                    now = time.monotonic()
                    if self.heap and self.heap[0][0] <= now:
                        due, _, item = heapq.heappop(self.heap)
                        if self.pending.get(item) != due:
                            continue            # superseded by an earlier entry
                        del self.pending[item]
                        break
                    self.cv.wait(timeout=(self.heap[0][0] - now) if self.heap else 1.0)
            try:
                self.process(item)
            except ApiError as e:
                if e.code in (404, 409):
                    self.enqueue(item, 0.02)    # raced with a client write: re-read and retry
                else:
                    traceback.print_exc()
            except Exception:
                traceback.print_exc()

    def on_event(self, gr, ev):
        """Called under the store lock for every write: only enqueue here."""
        if self.api.is_seeding():
            return
        key = ev.key
        if gr == self.rt_pvc.gr:
            self.enqueue(("pvc", key))
            if ev.type == "DELETED":
                self.enqueue(("pvc-gone", key, (ev.obj.get("spec") or {}).get("volumeName") or ""))
            for k in list(self.waiting_vs):
                if k[0] == key[0]:
                    self.enqueue(("vs", k))
        elif self.rt_vs is not None and gr == self.rt_vs.gr:
            if ev.type != "DELETED":
                self.enqueue(("vs", key))
            for k in list(self.waiting_pvc):
                if k[0] == key[0]:
                    self.enqueue(("pvc", k))
        elif self.rt_vsc is not None and gr == self.rt_vsc.gr:
            self.enqueue(("vsc", key))
            ref = (ev.obj.get("spec") or {}).get("volumeSnapshotRef") or {}
            if ref.get("name"):
                self.enqueue(("vs", (ref.get("namespace", ""), ref["name"])))
        elif self.rt_class is not None and gr == self.rt_class.gr:
            for k in list(self.waiting_vs):
                self.enqueue(("vs", k))
        elif gr in (("storage.k8s.io", "storageclasses"), ("storage.k8s.io", "csidrivers")):
            for k in list(self.waiting_pvc):
                self.enqueue(("pvc", k))
        elif gr == self.rt_ns.gr and ev.type != "DELETED" and ev.obj["metadata"].get("deletionTimestamp"):
            self.enqueue(("ns", key))

    def process(self, item):
        kind = item[0]
        if kind == "pvc" and self.binder:
            self.sync_pvc(item[1])
        elif kind == "pvc-gone":
            self.pvc_gone(item[1], item[2])
        elif kind == "vs" and self.snapshot:
            self.sync_vs(item[1])
        elif kind == "vsc" and self.snapshot:
            self.sync_content(item[1])
        elif kind == "sidecar" and self.snapshot:
            self.sidecar(item[1])
        elif kind == "ns":
            self.sync_namespace(item[1])

    # -- helpers -------------------------------------------------------------
    def get(self, rt, ns, name):
        return self.store.get(rt.gr, self.api.key(rt, ns, name)) if name else None

    def write(self, rt, obj, sub=None):
        md = obj["metadata"]
        return self.api.apply_update(rt, rt.storage_version, self.api.key(rt, md.get("namespace"), md["name"]),
                                     obj, sub, False, md["name"])[1]

    def create(self, rt, obj):
        with self.store.lock:
            md = obj["metadata"]
            if self.store.get(rt.gr, self.api.key(rt, md.get("namespace"), md["name"])) is not None:
                return None                       # AlreadyExists is success for the controller
            return self.api._store_new(rt, obj)

    def event(self, obj, etype, reason, message, component="snapshot-controller"):
        md = obj["metadata"]
        sig = (md.get("uid"), reason, message)
        if sig in self.emitted:
            return
        self.emitted.add(sig)
        ns = md.get("namespace") or "default"
        now = now_rfc3339()
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": "%s.%x" % (md["name"], time.time_ns()), "namespace": ns},
              "involvedObject": {"kind": obj.get("kind"), "namespace": md.get("namespace", ""),
                                 "name": md["name"], "uid": md.get("uid"),
                                 "apiVersion": obj.get("apiVersion"),
                                 "resourceVersion": md.get("resourceVersion")},
              "reason": reason, "message": message, "source": {"component": component},
              "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": etype,
              "eventTime": None, "reportingComponent": component, "reportingInstance": ""}
        if not md.get("namespace"):
            del ev["involvedObject"]["namespace"]
        self.create(self.rt_ev, ev)

    def classes(self):
        return [o for _, o in self.store.items(self.rt_class.gr)]

    def class_annotations(self, name):
        c = self.get(self.rt_class, None, name)
        return (c or {}).get("metadata", {}).get("annotations") or {}

    # -- snapshot controller -------------------------------------------------
    def vs_error(self, vs, reason, message, ready_false):
        """updateSnapshotErrorStatusWithEvent: status.error + Warning event, once per message."""
        key = (vs["metadata"]["namespace"], vs["metadata"]["name"])
        self.waiting_vs.add(key)
        st = vs.get("status") or {}
        if (st.get("error") or {}).get("message") == message:
            return
        new = copy.deepcopy(vs)
        s = new.setdefault("status", {})
        s["error"] = {"message": message, "time": now_rfc3339()}
        if ready_false:
            s["readyToUse"] = False
        self.write(self.rt_vs, new, "status")
        self.event(vs, "Warning", reason, message)

    def sync_vs(self, key):
        vs = self.get(self.rt_vs, key[0], key[1])
        if vs is None:
            self.waiting_vs.discard(key)
            return
        md = vs["metadata"]
        if md.get("deletionTimestamp"):
            return self.vs_delete(vs)
        spec = vs.get("spec") or {}
        st = vs.get("status") or {}
        src = spec.get("source") or {}
        if st.get("boundVolumeSnapshotContentName"):
            return self.vs_from_content(vs)
        if src.get("volumeSnapshotContentName"):
            return self.vs_preprovisioned(vs)
        if not src.get("persistentVolumeClaimName"):
            return self.vs_error(vs, "SnapshotValidationError", "Exactly one of PersistentVolumeClaimName and "
                                 "VolumeSnapshotContentName should be specified", True)
        ns, name = md["namespace"], md["name"]
        pvc_name = src["persistentVolumeClaimName"]
        cls_name = spec.get("volumeSnapshotClassName")
        if cls_name:
            cls = self.get(self.rt_class, None, cls_name)
            if cls is None:
                return self.vs_error(vs, "GetSnapshotClassFailed",
                                     'Failed to get snapshot class with error volumesnapshotclass.%s "%s" not found'
                                     % (SNAP, cls_name), False)
        else:
            pre = "Failed to set default snapshot class with error "
            pvc = self.get(self.rt_pvc, ns, pvc_name)
            if pvc is None:
                return self.vs_error(vs, "SetDefaultSnapshotClassFailed", pre + 'failed to retrieve PVC %s from '
                                     'the lister: "persistentvolumeclaim \\"%s\\" not found"' % (pvc_name, pvc_name),
                                     False)
            pv = self._bound_pv(pvc)
            if pv is None:
                return self.vs_error(vs, "SetDefaultSnapshotClassFailed", pre + "the PVC %s is not yet bound to "
                                     "a PV, will not attempt to take a snapshot" % pvc_name, False)
            csi = (pv.get("spec") or {}).get("csi")
            if not csi:
                return self.vs_error(vs, "SetDefaultSnapshotClassFailed",
                                     pre + "snapshotting non-CSI volumes is not supported", False)
            defaults = [c for c in self.classes()
                        if (c["metadata"].get("annotations") or {}).get(A_DEFAULT) == "true"
                        and c.get("driver") == csi.get("driver")]
            if not defaults:
                return self.vs_error(vs, "SetDefaultSnapshotClassFailed",
                                     pre + "cannot find default snapshot class", False)
            if len(defaults) > 1:
                return self.vs_error(vs, "SetDefaultSnapshotClassFailed",
                                     pre + "%d default snapshot classes were found" % len(defaults), False)
            new = copy.deepcopy(vs)
            new["spec"]["volumeSnapshotClassName"] = defaults[0]["metadata"]["name"]
            self.write(self.rt_vs, new)               # the controller writes spec (SetDefaultSnapshotClass)
            return
        if F_SOURCE not in (md.get("finalizers") or []):
            new = copy.deepcopy(vs)
            new["metadata"].setdefault("finalizers", []).append(F_SOURCE)
            self.write(self.rt_vs, new)
            return
        pre = "Failed to create snapshot content with error "
        pvc = self.get(self.rt_pvc, ns, pvc_name)
        if pvc is None:
            return self.vs_error(vs, "SnapshotContentCreationFailed", pre + "snapshot controller failed to update "
                                 "%s on API server: cannot get claim from snapshot" % name, True)
        if F_PVC not in (pvc["metadata"].get("finalizers") or []) and not pvc["metadata"].get("deletionTimestamp"):
            newp = copy.deepcopy(pvc)
            newp["metadata"].setdefault("finalizers", []).append(F_PVC)
            self.write(self.rt_pvc, newp)
        pv = self._bound_pv(pvc)
        if pv is None:
            return self.vs_error(vs, "SnapshotContentCreationFailed", pre + 'failed to get input parameters to '
                                 'create snapshot %s: "the PVC %s is not yet bound to a PV, will not attempt to '
                                 'take a snapshot"' % (name, pvc_name), True)
        csi = (pv.get("spec") or {}).get("csi")
        if not csi:
            return self.vs_error(vs, "SnapshotContentCreationFailed", pre + 'failed to get input parameters to '
                                 'create snapshot %s: "cannot find CSI PersistentVolumeSource for volume %s"'
                                 % (name, pv["metadata"]["name"]), True)
        cls = self.get(self.rt_class, None, cls_name)
        cname = "snapcontent-" + md["uid"]
        content = {"apiVersion": self.rt_vsc.api_version(), "kind": "VolumeSnapshotContent",
                   "metadata": {"name": cname, "finalizers": [F_CONTENT]},
                   "spec": {"deletionPolicy": cls.get("deletionPolicy", "Delete"), "driver": cls.get("driver"),
                            "source": {"volumeHandle": csi.get("volumeHandle")},
                            "sourceVolumeMode": (pvc.get("spec") or {}).get("volumeMode", "Filesystem"),
                            "volumeSnapshotClassName": cls_name,
                            "volumeSnapshotRef": {"apiVersion": vs["apiVersion"], "kind": "VolumeSnapshot",
                                                  "name": name, "namespace": ns, "uid": md["uid"],
                                                  "resourceVersion": md["resourceVersion"]}}}
        if self.create(self.rt_vsc, content) is not None:
            self.event(vs, "Normal", "CreatingSnapshot", "Waiting for a snapshot %s/%s to be created by the "
                       "CSI driver." % (ns, name))
            self.enqueue(("sidecar", cname), self.delay)
        new = copy.deepcopy(vs)
        new.setdefault("status", {}).update({"boundVolumeSnapshotContentName": cname, "readyToUse": False})
        vs = self.write(self.rt_vs, new, "status")
        self._ensure_bound_finalizer(vs, cls.get("deletionPolicy"))

    def _ensure_bound_finalizer(self, vs, policy):
        """checkandAddSnapshotFinalizers: as-source always, bound-protection for Delete contents."""
        fz = list(vs["metadata"].get("finalizers") or [])
        if vs["metadata"].get("deletionTimestamp"):
            return vs
        want = [F_SOURCE] + ([F_BOUND] if policy == "Delete" else [])
        missing = [f for f in want if f not in fz]
        if missing:
            new = copy.deepcopy(vs)
            new["metadata"]["finalizers"] = fz + missing
            return self.write(self.rt_vs, new)
        return vs

    def _bound_pv(self, pvc):
        if (pvc.get("status") or {}).get("phase") != "Bound":
            return None
        pv = self.get(self.rt_pv, None, (pvc.get("spec") or {}).get("volumeName"))
        if pv is None:
            return None
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref.get("name") != pvc["metadata"]["name"] or ref.get("namespace") != pvc["metadata"]["namespace"]:
            return None
        return pv

    def vs_preprovisioned(self, vs):
        md = vs["metadata"]
        cname = vs["spec"]["source"]["volumeSnapshotContentName"]
        c = self.get(self.rt_vsc, None, cname)
        if c is None:
            return self.vs_error(vs, "SnapshotContentMissing", "VolumeSnapshotContent is missing", True)
        ref = (c.get("spec") or {}).get("volumeSnapshotRef") or {}
        if ref.get("name") != md["name"] or ref.get("namespace") != md["namespace"] or \
                (ref.get("uid") and ref["uid"] != md["uid"]):
            return self.vs_error(vs, "SnapshotContentMisbound", "VolumeSnapshotContent is not bound to the "
                                 "VolumeSnapshot correctly", True)
        if F_SOURCE not in (md.get("finalizers") or []):
            new = copy.deepcopy(vs)
            new["metadata"].setdefault("finalizers", []).append(F_SOURCE)
            self.write(self.rt_vs, new)
            return
        if not ref.get("uid"):
            newc = copy.deepcopy(c)
            newc["spec"]["volumeSnapshotRef"]["uid"] = md["uid"]
            if F_CONTENT not in (newc["metadata"].get("finalizers") or []):
                newc["metadata"].setdefault("finalizers", []).append(F_CONTENT)
            self.write(self.rt_vsc, newc)
            self.enqueue(("sidecar", cname), self.delay)
        new = copy.deepcopy(vs)
        new.setdefault("status", {}).update({"boundVolumeSnapshotContentName": cname,
                                             "readyToUse": bool((c.get("status") or {}).get("readyToUse"))})
        vs = self.write(self.rt_vs, new, "status")
        self._ensure_bound_finalizer(vs, c["spec"].get("deletionPolicy"))

    def vs_from_content(self, vs):
        """Copy the content's status into the snapshot (updateSnapshotStatus)."""
        md = vs["metadata"]
        key = (md["namespace"], md["name"])
        cname = vs["status"]["boundVolumeSnapshotContentName"]
        c = self.get(self.rt_vsc, None, cname)
        if c is None:
            return self.vs_error(vs, "SnapshotContentMissing", "VolumeSnapshotContent is missing", True)
        cs = c.get("status") or {}
        st = vs.get("status") or {}
        new_st = copy.deepcopy(st)
        events = []
        if cs.get("error"):
            new_st["error"] = cs["error"]
            new_st["readyToUse"] = False
        if cs.get("creationTime") and not st.get("creationTime"):
            new_st["creationTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(cs["creationTime"] / 1e9))
            events.append(("SnapshotCreated", "Snapshot %s/%s was successfully created by the CSI driver."
                           % key))
        if cs.get("readyToUse") and not st.get("readyToUse"):
            new_st["readyToUse"] = True
            new_st.pop("error", None)
            events.append(("SnapshotReady", "Snapshot %s/%s is ready to use." % key))
        if cs.get("restoreSize") is not None and not st.get("restoreSize"):
            new_st["restoreSize"] = format_binary_si(int(cs["restoreSize"]))
        if new_st != st:
            new = copy.deepcopy(vs)
            new["status"] = new_st
            vs = self.write(self.rt_vs, new, "status")
        for reason, msg in events:
            self.event(vs, "Normal", reason, msg)
        vs = self._ensure_bound_finalizer(vs, c["spec"].get("deletionPolicy"))
        if new_st.get("readyToUse") or new_st.get("error"):
            self.waiting_vs.discard(key)
            self._release_pvc(vs)

    def _release_pvc(self, vs):
        """Drop pvc-as-source-protection once no unfinished snapshot uses the PVC."""
        pvc_name = ((vs.get("spec") or {}).get("source") or {}).get("persistentVolumeClaimName")
        ns = vs["metadata"]["namespace"]
        pvc = self.get(self.rt_pvc, ns, pvc_name)
        if pvc is None or F_PVC not in (pvc["metadata"].get("finalizers") or []):
            return
        for k, o in self.store.items(self.rt_vs.gr):
            if k[0] != ns or k[1] == vs["metadata"]["name"] or o["metadata"].get("deletionTimestamp"):
                continue
            s = o.get("status") or {}
            if ((o.get("spec") or {}).get("source") or {}).get("persistentVolumeClaimName") == pvc_name and \
                    s.get("boundVolumeSnapshotContentName") and not s.get("readyToUse") and not s.get("error"):
                return
        new = copy.deepcopy(pvc)
        new["metadata"]["finalizers"] = [f for f in new["metadata"]["finalizers"] if f != F_PVC]
        self.write(self.rt_pvc, new)

    def vs_delete(self, vs):
        md = vs["metadata"]
        ns, name = md["namespace"], md["name"]
        for _, p in self.store.items(self.rt_pvc.gr):
            if p["metadata"]["namespace"] != ns or (p.get("status") or {}).get("phase") != "Pending":
                continue
            ds = (p.get("spec") or {}).get("dataSource") or {}
            if ds.get("kind") == "VolumeSnapshot" and ds.get("name") == name:
                self.waiting_vs.add((ns, name))
                self.event(vs, "Warning", "SnapshotDeletePending", "Snapshot is being used to restore a PVC")
                return
        cname = (vs.get("status") or {}).get("boundVolumeSnapshotContentName") or \
            ((vs.get("spec") or {}).get("source") or {}).get("volumeSnapshotContentName")
        c = self.get(self.rt_vsc, None, cname)
        if c is not None and ((c["spec"].get("volumeSnapshotRef") or {}).get("uid") in (None, md["uid"])):
            ann = c["metadata"].get("annotations") or {}
            if ann.get(A_BEING_DELETED) != "yes":
                newc = copy.deepcopy(c)
                newc["metadata"].setdefault("annotations", {})[A_BEING_DELETED] = "yes"
                c = self.write(self.rt_vsc, newc)
            if c["spec"].get("deletionPolicy") == "Delete" and not c["metadata"].get("deletionTimestamp"):
                self.api.delete_obj(self.rt_vsc, ("", cname), cname)
        fz = md.get("finalizers") or []
        if F_SOURCE in fz or F_BOUND in fz:
            new = copy.deepcopy(vs)
            new["metadata"]["finalizers"] = [f for f in fz if f not in (F_SOURCE, F_BOUND)]
            self.write(self.rt_vs, new)
        self.waiting_vs.discard((ns, name))
        self._release_pvc(vs)
        if cname:
            self.enqueue(("vsc", ("", cname)), 0.01)

    def sync_content(self, key):
        c = self.get(self.rt_vsc, None, key[1])
        if c is None:
            return
        ref = (c.get("spec") or {}).get("volumeSnapshotRef") or {}
        vs = self.get(self.rt_vs, ref.get("namespace"), ref.get("name"))
        vs_alive = vs is not None and (not ref.get("uid") or vs["metadata"]["uid"] == ref["uid"])
        fz = c["metadata"].get("finalizers") or []
        if c["metadata"].get("deletionTimestamp"):
            if vs_alive and not vs["metadata"].get("deletionTimestamp") and F_CONTENT in fz:
                return                            # still bound: the finalizer holds it
            if F_CONTENT in fz:                   # the sidecar deleted the snapshot handle
                new = copy.deepcopy(c)
                new["metadata"]["finalizers"] = [f for f in fz if f != F_CONTENT]
                self.write(self.rt_vsc, new)
            return
        if not vs_alive and ref.get("uid"):
            if c["spec"].get("deletionPolicy") == "Delete":
                self.api.delete_obj(self.rt_vsc, key, key[1])
            elif F_CONTENT in fz:
                new = copy.deepcopy(c)
                new["metadata"]["finalizers"] = [f for f in fz if f != F_CONTENT]
                self.write(self.rt_vsc, new)

    def sidecar(self, cname):
        """csi-snapshotter: CreateSnapshot (or ListSnapshots for pre-provisioned) for the content."""
        c = self.get(self.rt_vsc, None, cname)
        if c is None or c["metadata"].get("deletionTimestamp"):
            return
        cs = c.get("status") or {}
        if cs.get("readyToUse"):
            return
        spec = c.get("spec") or {}
        ref = spec.get("volumeSnapshotRef") or {}
        src = spec.get("source") or {}
        anns = dict(self.class_annotations(spec.get("volumeSnapshotClassName")))
        vs = self.get(self.rt_vs, ref.get("namespace"), ref.get("name"))
        pvc = None
        if vs is not None:
            anns.update(vs["metadata"].get("annotations") or {})
            pvc_name = ((vs.get("spec") or {}).get("source") or {}).get("persistentVolumeClaimName")
            pvc = self.get(self.rt_pvc, ref.get("namespace"), pvc_name)
            if pvc is not None:
                anns.update(pvc["metadata"].get("annotations") or {})
        new = copy.deepcopy(c)
        st = new.setdefault("status", {})
        if anns.get(A_ERROR):
            # csi-snapshotter: updateContentErrorStatusWithEvent wraps the CSI error
            msg = 'Failed to create snapshot: failed to take snapshot of the volume %s: "%s"' % (
                src.get("volumeHandle") or src.get("snapshotHandle"), anns[A_ERROR].replace('"', '\\"'))
            st["error"] = {"message": msg, "time": now_rfc3339()}
            st["readyToUse"] = False
            c = self.write(self.rt_vsc, new, "status")
            self.event(c, "Warning", "SnapshotCreationFailed", msg, "csi-snapshotter " + spec.get("driver", ""))
            return
        size = None
        if pvc is not None:
            pv = self.get(self.rt_pv, None, (pvc.get("spec") or {}).get("volumeName"))
            q = ((pv or {}).get("spec") or {}).get("capacity", {}).get("storage") or \
                ((pvc.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
            size = quantity_bytes(q) if q is not None else None
        if size is None and src.get("snapshotHandle"):
            # ListSnapshots of a pre-provisioned handle reports the storage snapshot's size:
            # the size recorded by another content with the same handle (an import's source).
            for _, o in self.store.items(self.rt_vsc.gr):
                ost = o.get("status") or {}
                if ost.get("snapshotHandle") == src["snapshotHandle"] and ost.get("restoreSize") is not None:
                    size = ost["restoreSize"]
                    break
        st["snapshotHandle"] = src.get("snapshotHandle") or str(uuid.uuid4())
        st["creationTime"] = time.time_ns()
        if size is not None:
            st["restoreSize"] = size
        st["readyToUse"] = anns.get(A_NEVER) != "true"
        st.pop("error", None)
        self.write(self.rt_vsc, new, "status")

    # -- PV binder / external-provisioner -----------------------------------
    def sync_pvc(self, key):
        pvc = self.get(self.rt_pvc, key[0], key[1])
        if pvc is None:
            self.waiting_pvc.discard(key)
            return
        md = pvc["metadata"]
        spec = pvc.get("spec") or {}
        if md.get("deletionTimestamp"):
            return
        if (pvc.get("status") or {}).get("phase") == "Bound" or spec.get("volumeName"):
            self.waiting_pvc.discard(key)
            return
        if (md.get("annotations") or {}).get(A_STAY) == "true":
            return
        sc_name = spec.get("storageClassName")
        if not sc_name:
            self.waiting_pvc.add(key)
            return self.event(pvc, "Normal", "FailedBinding", "no persistent volumes available for this claim "
                              "and no storage class is set", "persistentvolume-controller")
        sc = self.get(self.api.reg.by_gr[("storage.k8s.io", "storageclasses")], None, sc_name)
        if sc is None:
            self.waiting_pvc.add(key)
            return self.event(pvc, "Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "%s" not found'
                              % sc_name, "persistentvolume-controller")
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            self.waiting_pvc.add(key)
            return self.event(pvc, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created "
                              "before binding", "persistentvolume-controller")
        prov = sc.get("provisioner", "")
        drivers = {o["metadata"]["name"] for _, o in self.store.items(("storage.k8s.io", "csidrivers"))}
        comp = "%s_%s" % (prov, "volsnap-emulator")
        if prov in drivers:
            ds = spec.get("dataSource") or {}
            if ds.get("kind") == "VolumeSnapshot" and ds.get("apiGroup") == SNAP:
                why = self._restore_check(pvc, sc, ds.get("name"))
                if why:
                    self.waiting_pvc.add(key)
                    return self.event(pvc, "Warning", "ProvisioningFailed",
                                      'failed to provision volume with StorageClass "%s": error getting handle '
                                      "for DataSource Type VolumeSnapshot by Name %s: %s"
                                      % (sc_name, ds.get("name"), why), comp)
            self.event(pvc, "Normal", "Provisioning", 'External provisioner is provisioning volume for claim '
                       '"%s/%s"' % key, comp)
            source = ("csi", {"driver": prov, "volumeHandle": str(uuid.uuid4()), "fsType": "ext4",
                              "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity":
                                                   "1700000000000-1234-" + prov}})
        elif prov in INTREE:
            field, idf = INTREE[prov]
            source = (field, {idf: "vol-" + uuid.uuid4().hex[:17], "fsType": "ext4"})
        else:
            self.waiting_pvc.add(key)
            return self.event(pvc, "Normal", "ExternalProvisioning", 'Waiting for a volume to be created either by '
                              'the external provisioner "%s" or manually by the system administrator. If volume '
                              'creation is delayed, please verify that the provisioner is running and correctly '
                              'registered.' % prov, "persistentvolume-controller")
        self.waiting_pvc.discard(key)
        self._provision(pvc, sc, prov, source, comp)

    def _restore_check(self, pvc, sc, name):
        ns = pvc["metadata"]["namespace"]
        if self.rt_vs is None:
            return 'error getting snapshot %s from api server: the server could not find the requested resource' \
                % name
        vs = self.get(self.rt_vs, ns, name)
        if vs is None:
            return 'error getting snapshot %s from api server: volumesnapshots.%s "%s" not found' % (name, SNAP, name)
        if vs["metadata"].get("deletionTimestamp"):
            return "snapshot %s is being deleted" % name
        st = vs.get("status") or {}
        cname = st.get("boundVolumeSnapshotContentName")
        if not cname:
            return "snapshot %s not bound" % name
        c = self.get(self.rt_vsc, None, cname)
        if c is None:
            return 'error getting snapshotcontent %s for snapshot %s/%s from api server: volumesnapshotcontents.%s ' \
                   '"%s" not found' % (cname, ns, name, SNAP, cname)
        ref = c["spec"].get("volumeSnapshotRef") or {}
        if ref.get("name") != name or ref.get("namespace") != ns:
            return "snapshotcontent %s for snapshot %s is bound to a different snapshot" % (cname, name)
        if c["spec"].get("driver") != sc.get("provisioner"):
            return "snapshotcontent %s for snapshot %s is not handled by CSI driver of StorageClass %s" % (
                cname, name, sc["metadata"]["name"])
        if not st.get("readyToUse"):
            return "snapshot %s is not Ready" % name
        if not (c.get("status") or {}).get("snapshotHandle"):
            return "snapshot handle %s is not available" % cname
        req = quantity_bytes(((pvc.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage"))
        rs = quantity_bytes(st.get("restoreSize")) if st.get("restoreSize") is not None else None
        if req is not None and rs is not None and req < rs:
            return "requested volume size %d is less than the size %d for the source snapshot %s" % (req, rs, name)
        return None

    def _provision(self, pvc, sc, prov, source, comp):
        md = pvc["metadata"]
        spec = pvc.get("spec") or {}
        pv_name = "pvc-" + md["uid"]
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": {"name": pv_name, "annotations": {"pv.kubernetes.io/provisioned-by": prov}},
              "spec": {"accessModes": spec.get("accessModes") or ["ReadWriteOnce"], "capacity": {"storage": size},
                       "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": md["name"],
                                    "namespace": md["namespace"], "uid": md["uid"],
                                    "resourceVersion": md["resourceVersion"]},
                       source[0]: source[1],
                       "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                       "storageClassName": sc["metadata"]["name"],
                       "volumeMode": spec.get("volumeMode", "Filesystem")},
              "status": {"phase": "Bound"}}
        if self.get(self.rt_pv, None, pv_name) is None:
            self.create(self.rt_pv, pv)
        new = copy.deepcopy(pvc)
        ann = new["metadata"].setdefault("annotations", {})
        ann.update({"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                    "volume.beta.kubernetes.io/storage-provisioner": prov,
                    "volume.kubernetes.io/storage-provisioner": prov})
        new["spec"]["volumeName"] = pv_name
        cur = self.write(self.rt_pvc, new)
        new = copy.deepcopy(cur)
        new["status"] = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                         "capacity": {"storage": size}}
        cur = self.write(self.rt_pvc, new, "status")
        self.event(cur, "Normal", "ProvisioningSucceeded", "Successfully provisioned volume %s" % pv_name, comp)

    def pvc_gone(self, key, pv_name):
        pv = self.get(self.rt_pv, None, pv_name)
        if pv is None:
            return
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if (ref.get("namespace"), ref.get("name")) != key:
            return
        if pv["spec"].get("persistentVolumeReclaimPolicy") == "Delete":
            try:
                self.api.delete_obj(self.rt_pv, ("", pv_name), pv_name)
            except ApiError:
                pass
        else:
            new = copy.deepcopy(pv)
            new.setdefault("status", {})["phase"] = "Released"
            self.write(self.rt_pv, new, "status")

    # -- namespace controller ------------------------------------------------
    def sync_namespace(self, key):
        ns = key[1]
        nso = self.get(self.rt_ns, None, ns)
        if nso is None or not nso["metadata"].get("deletionTimestamp"):
            return
        left = 0
        for rt in self.api.reg.types:
            if not rt.namespaced or rt.is_create_only():
                continue
            for k, o in self.store.items(rt.gr):
                if k[0] != ns:
                    continue
                left += 1
                if not o["metadata"].get("deletionTimestamp"):
                    try:
                        self.api.delete_obj(rt, k, k[1])
                    except ApiError:
                        pass
        if left:
            self.enqueue(("ns", key), 0.1)
            return
        with self.store.lock:
            if self.store.get(self.rt_ns.gr, ("", ns)) is not None:
                self.store.remove(self.rt_ns.gr, ("", ns), self.store.next_rv())

