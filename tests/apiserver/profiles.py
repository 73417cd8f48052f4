"""Cluster profiles (tests/apiserver/clusters/*.yaml): see README.md for the format."""
import os

import yaml

DEFAULT_VERSION = {
    "major": "1", "minor": "31", "gitVersion": "v1.31.4",
    "gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b", "gitTreeState": "clean",
    "buildDate": "2024-12-10T00:00:00Z", "goVersion": "go1.22.10", "compiler": "gc",
    "platform": "linux/amd64",
}

SNAPSHOT_CRDS = ["volumesnapshots.snapshot.storage.k8s.io",
                 "volumesnapshotcontents.snapshot.storage.k8s.io",
                 "volumesnapshotclasses.snapshot.storage.k8s.io"]


def _load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f) or {}


def load(path):
    prof = _load_yaml(path)
    inc = prof.pop("include", None)
    if inc:
        base = load(os.path.join(os.path.dirname(os.path.abspath(path)), inc))
        objs = (base.get("objects") or []) + (prof.pop("objects", None) or [])
        users = (base.get("users") or []) + (prof.pop("users", None) or [])
        base.update(prof)
        base["objects"] = objs
        base["users"] = users
        prof = base
    ver = dict(DEFAULT_VERSION)
    ver.update(prof.get("version") or {})
    gv = ver["gitVersion"].lstrip("v").split(".")
    if "major" not in (prof.get("version") or {}) and len(gv) >= 2:
        ver["major"] = gv[0]
    if "minor" not in (prof.get("version") or {}) and len(gv) >= 2:
        ver["minor"] = gv[1]
    minor = int("".join(c for c in ver["minor"] if c.isdigit()) or 0)
    if minor >= 33:
        ver.setdefault("emulationMajor", ver["major"])
        ver.setdefault("emulationMinor", ver["minor"])
        ver.setdefault("minCompatibilityMajor", ver["major"])
        ver.setdefault("minCompatibilityMinor", str(minor - 1))
    order = ["major", "minor", "emulationMajor", "emulationMinor", "minCompatibilityMajor",
             "minCompatibilityMinor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion",
             "compiler", "platform"]
    prof["version"] = {k: ver[k] for k in order if k in ver}
    # served versions per CRD name or group; "file" = as in the CRD file, [] = not installed
    served = {}
    snap = prof.get("snapshot_api", ["v1"])
    if snap in (None, "none"):
        snap = []
    if isinstance(snap, str):
        snap = [snap]
    for n in SNAPSHOT_CRDS:
        served[n] = list(snap)
    gsnap = prof.get("group_snapshot_api", [])
    if isinstance(gsnap, str):
        gsnap = [] if gsnap == "none" else [gsnap]
    served["groupsnapshot.storage.k8s.io"] = list(gsnap or [])
    for n in prof.get("snapshot_crds_missing") or []:  # one CRD deleted while the others stay
        served[n] = []
    prof["served"] = served
    prof.setdefault("snapshot_controller", bool(snap))
    prof.setdefault("pv_binder", True)
    prof.setdefault("snapshot_ready_delay_ms", 200)
    prof.setdefault("watch_history", 1000)
    return prof
