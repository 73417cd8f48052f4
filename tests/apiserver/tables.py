"""meta.k8s.io/v1 Table responses, so plain `kubectl get` prints like on a real server.

CRDs use their additionalPrinterColumns (apiextensions tableconvertor); a few
built-ins get their real columns; everything else gets NAME/AGE.
"""
import calendar
import functools
import time

NAME_COL = {"name": "Name", "type": "string", "format": "name",
            "description": "Name must be unique within a namespace. Is required when creating "
                           "resources, although some resources may allow a client to request the "
                           "generation of an appropriate name automatically. Name is primarily "
                           "intended for creation idempotence and configuration definition. Cannot "
                           "be updated. More info: https://kubernetes.io/docs/concepts/overview/"
                           "working-with-objects/names#names", "priority": 0}
AGE_COL = {"name": "Age", "type": "string", "format": "",
           "description": "CreationTimestamp is a timestamp representing the server time when this "
                          "object was created.", "priority": 0}


def human_duration(secs):
    """apimachinery util/duration.HumanDuration."""
    s = int(secs)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    minutes = s // 60
    if minutes < 10:
        r = s % 60
        return "%dm" % minutes if r == 0 else "%dm%ds" % (minutes, r)
    if minutes < 180:
        return "%dm" % minutes
    hours = s // 3600
    if hours < 8:
        m = minutes % 60
        return "%dh" % hours if m == 0 else "%dh%dm" % (hours, m)
    if hours < 48:
        return "%dh" % hours
    if hours < 24 * 8:
        h = hours % 24
        return "%dd" % (hours // 24) if h == 0 else "%dd%dh" % (hours // 24, h)
    if hours < 24 * 365 * 2:
        return "%dd" % (hours // 24)
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        y = hours // 24 // 365
        return "%dy" % y if dy == 0 else "%dy%dd" % (y, dy)
    return "%dy" % (hours // 24 // 365)


@functools.lru_cache(maxsize=65536)
def _epoch(ts):
    try:
        return calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None


def age(ts):
    if not ts or not isinstance(ts, str):
        return "<unknown>"
    t = _epoch(ts)
    if t is None:
        return "<unknown>"
    return human_duration(time.time() - t)


def _jsonpath(obj, path):
    cur = obj
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _pvc_cells(o):
    st = o.get("status") or {}
    sp = o.get("spec") or {}
    cap = (st.get("capacity") or {}).get("storage", "")
    modes = ",".join({"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                      "ReadWriteOncePod": "RWOP"}.get(m, m) for m in st.get("accessModes") or [])
    return [st.get("phase", ""), sp.get("volumeName", ""), cap, modes, sp.get("storageClassName", ""),
            sp.get("volumeAttributesClassName") or "<unset>"]


def _pv_cells(o):
    st = o.get("status") or {}
    sp = o.get("spec") or {}
    modes = ",".join({"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
                      "ReadWriteOncePod": "RWOP"}.get(m, m) for m in sp.get("accessModes") or [])
    cr = sp.get("claimRef") or {}
    claim = "%s/%s" % (cr.get("namespace", ""), cr.get("name", "")) if cr else ""
    return [(sp.get("capacity") or {}).get("storage", ""), modes,
            sp.get("persistentVolumeReclaimPolicy", ""), st.get("phase", ""), claim,
            sp.get("storageClassName", ""), sp.get("volumeAttributesClassName") or "<unset>",
            st.get("reason", "")]


def _sc_cells(o):
    return [o.get("provisioner", ""), o.get("reclaimPolicy", "Delete"),
            o.get("volumeBindingMode", "Immediate"), bool(o.get("allowVolumeExpansion", False))]


def _s(name, t="string"):
    return {"name": name, "type": t, "format": "", "description": "", "priority": 0}


BUILTIN_COLUMNS = {
    ("", "persistentvolumeclaims"): ([_s("Status"), _s("Volume"), _s("Capacity"), _s("Access Modes"),
                                      _s("StorageClass"), _s("VolumeAttributesClass")], _pvc_cells),
    ("", "persistentvolumes"): ([_s("Capacity"), _s("Access Modes"), _s("Reclaim Policy"), _s("Status"),
                                 _s("Claim"), _s("StorageClass"), _s("VolumeAttributesClass"),
                                 _s("Reason")], _pv_cells),
    ("storage.k8s.io", "storageclasses"): ([_s("Provisioner"), _s("ReclaimPolicy"),
                                            _s("VolumeBindingMode"), _s("AllowVolumeExpansion",
                                                                        "boolean")], _sc_cells),
}


def _default_name(rt, o):
    """StorageClass names show '(default)' like the server-side printer does it."""
    md = o.get("metadata") or {}
    ann = md.get("annotations") or {}
    if rt.plural == "storageclasses" and (ann.get("storageclass.kubernetes.io/is-default-class") == "true"
                                          or ann.get("storageclass.beta.kubernetes.io/is-default-class")
                                          == "true"):
        return md.get("name", "") + " (default)"
    return md.get("name", "")


def _event_cells(o):
    io = o.get("involvedObject") or {}
    src = o.get("source") or {}
    source = src.get("component", "")
    if src.get("host"):
        source += ", " + src["host"]
    last = o.get("lastTimestamp") or o.get("eventTime") or o["metadata"].get("creationTimestamp")
    first = o.get("firstTimestamp") or o.get("eventTime") or o["metadata"].get("creationTimestamp")
    return [age(last), o.get("type", ""), o.get("reason", ""),
            "%s/%s" % ((io.get("kind") or "").lower(), io.get("name", "")), io.get("fieldPath", ""),
            source, (o.get("message") or "").strip(), age(first), str(o.get("count", 1)),
            o["metadata"].get("name", "")]


EVENT_COLUMNS = [_s("Last Seen"), _s("Type"), _s("Reason"), _s("Object"), dict(_s("Subobject"), priority=1),
                 dict(_s("Source"), priority=1), _s("Message"), dict(_s("First Seen"), priority=1),
                 dict(_s("Count"), priority=1), dict(_s("Name"), priority=1)]


def build_table(rt, version, objs, list_meta, include="Metadata"):
    if rt.gr == ("", "events"):
        cols = [dict(c) for c in EVENT_COLUMNS]
        cells = _event_cells
    elif rt.crd is not None:
        pcs = rt.printer_columns.get(version) or []
        cols = [dict(NAME_COL)]
        for pc in pcs:
            cols.append({"name": pc["name"], "type": pc["type"], "format": pc.get("format", ""),
                         "description": pc.get("description", ""), "priority": pc.get("priority", 0)})
        if not pcs:
            cols.append(dict(AGE_COL))

        def cells(o):
            out = [o["metadata"].get("name", "")]
            for pc in pcs:
                v = _jsonpath(o, pc["jsonPath"])
                if v is None:
                    out.append(None)
                elif pc["type"] == "date":
                    out.append(age(v) if isinstance(v, str) else None)
                elif pc["type"] == "integer" and isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(int(v))
                elif pc["type"] == "boolean" and isinstance(v, bool):
                    out.append(v)
                elif pc["type"] in ("string",) and not isinstance(v, (dict, list)):
                    out.append(v if isinstance(v, str) else str(v).lower() if isinstance(v, bool)
                               else str(v))
                else:
                    out.append(v)
            if not pcs:
                out.append(age(o["metadata"].get("creationTimestamp")))
            return out
    elif rt.gr in BUILTIN_COLUMNS:
        extra, fn = BUILTIN_COLUMNS[rt.gr]
        cols = [dict(NAME_COL)] + [dict(c) for c in extra] + [dict(AGE_COL)]

        def cells(o):
            return [_default_name(rt, o)] + fn(o) + [age(o["metadata"].get("creationTimestamp"))]
    else:
        cols = [dict(NAME_COL), dict(AGE_COL)]

        def cells(o):
            return [o["metadata"].get("name", ""), age(o["metadata"].get("creationTimestamp"))]

    rows = []
    for o in objs:
        row = {"cells": cells(o)}
        if include == "Object":
            row["object"] = o
        elif include != "None":
            md = dict(o["metadata"])
            md.pop("managedFields", None)
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": md}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta,
            "columnDefinitions": cols, "rows": rows}
