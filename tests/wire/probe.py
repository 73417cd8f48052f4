#!/usr/bin/python3
"""probe.py STATE_DIR: sends the requests whose answers kubectl-volsnap relies on
(errors it tells apart by code and reason, list paging, watch endings) to the
test bed in STATE_DIR and prints their shapes as JSON: per probe the HTTP code
and the body with names, uids, resourceVersions and tokens replaced by
placeholders. The same requests on the emulator and on the real kube-apiserver
must print the same shapes (tests/wire/compare.py; tests/cli/common/wire.bats).
"""
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.request

STATE = sys.argv[1]
SERVER = open(os.path.join(STATE, "server")).read().strip()
CTX = ssl.create_default_context(cafile=os.path.join(STATE, "ca.crt"))
ADMIN = open(os.path.join(STATE, "admin.token")).read().strip()
ALICE = re.search(r"token: *(\S+)", open(os.path.join(STATE, "denied.kubeconfig")).read()).group(1)
NS = "wire-%x" % (int(time.time() * 1000) % 0xFFFFFF)
SNAPS = "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots" % NS
PVCS = "/api/v1/namespaces/%s/persistentvolumeclaims" % NS
subst = {NS: "<ns>"}  # literal value -> placeholder


def request(method, path, body=None, token=ADMIN, ctype="application/json"):
    """(code, parsed body or text) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(SERVER + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=60) as r:
            code, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        code, raw = e.code, e.read()
    text = raw.decode()
    try:
        return code, json.loads(text)
    except ValueError:
        return code, text


def learn(obj):
    """Remembers an object's uid and resourceVersion as placeholders."""
    md = obj.get("metadata") or {}
    if md.get("uid"):
        subst[md["uid"]] = "<uid>"
    if md.get("resourceVersion"):
        subst[md["resourceVersion"]] = "<rv>"
    return obj


def norm_text(s):
    for k in sorted(subst, key=len, reverse=True):
        s = s.replace(k, subst[k])
    # Numbers left over are resourceVersions the probe did not see (the server's current one).
    return re.sub(r"\b\d{2,}\b", "<n>", s)


def shape(v):
    """A Status (or any JSON) with the variable parts replaced."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items())}
    if isinstance(v, list):
        return [shape(x) for x in v]
    if isinstance(v, str):
        return norm_text(v)
    return v


def status_probe(method, path, body=None, token=ADMIN, ctype="application/json"):
    code, b = request(method, path, body, token, ctype)
    return {"code": code, "body": shape(b)}


def snapshot(name, **spec):
    return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": name}, "spec": spec or {"source": {"persistentVolumeClaimName": "nope"}}}


def watch_events(path, timeout_s):
    """Event types (and ERROR bodies) of a watch until the server ends it."""
    req = urllib.request.Request(SERVER + path)
    req.add_header("Authorization", "Bearer " + ADMIN)
    req.add_header("Accept", "application/json")
    out = []
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=timeout_s + 30) as r:
            code = r.status
            for line in r:
                if not line.strip():
                    continue
                ev = json.loads(line)
                out.append(ev["type"] if ev["type"] != "ERROR" else {"ERROR": shape(ev["object"])})
    except urllib.error.HTTPError as e:
        return {"code": e.code, "body": shape(json.loads(e.read().decode() or "null"))}
    return {"code": code, "events": out}


def main():
    probes = {}
    code, ns = request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                      "metadata": {"name": NS}})
    assert code == 201, (code, ns)
    try:
        code, s1 = request("POST", SNAPS, snapshot("s1"))
        assert code == 201, (code, s1)
        learn(s1)
        subst["s1"] = "<name>"
        probes["get a missing snapshot"] = status_probe("GET", SNAPS + "/missing")
        probes["get a missing PVC"] = status_probe("GET", PVCS + "/missing")
        probes["delete a missing snapshot"] = status_probe("DELETE", SNAPS + "/missing")
        probes["create a snapshot that exists"] = status_probe("POST", SNAPS, snapshot("s1"))
        # A schema violation both enforce (the real v1.20 has no CEL rules).
        probes["create a snapshot without spec.source"] = status_probe(
            "POST", SNAPS, dict(snapshot("bad"), spec={}))
        probes["create with a name that is not valid"] = status_probe("POST", SNAPS, snapshot("Bad_Name"))
        stale = "00000000-0000-0000-0000-000000000000"
        subst[stale] = "<stale-uid>"
        probes["delete with a stale uid precondition"] = status_probe(
            "DELETE", SNAPS + "/s1", {"kind": "DeleteOptions", "apiVersion": "v1",
                                      "preconditions": {"uid": stale}})
        probes["delete with a stale resourceVersion precondition"] = status_probe(
            "DELETE", SNAPS + "/s1", {"kind": "DeleteOptions", "apiVersion": "v1",
                                      "preconditions": {"resourceVersion": "1"}})
        probes["get a snapshot as a user RBAC denies"] = status_probe("GET", SNAPS + "/s1", token=ALICE)
        probes["list snapshots as a user RBAC denies"] = status_probe("GET", SNAPS, token=ALICE)
        probes["list PVs as a user RBAC denies"] = status_probe("GET", "/api/v1/persistentvolumes", token=ALICE)
        probes["merge-patch a missing snapshot"] = status_probe(
            "PATCH", SNAPS + "/missing", {"metadata": {"labels": {"a": "b"}}}, ctype="application/merge-patch+json")
        code, s2 = request("POST", SNAPS, snapshot("s2"))
        assert code == 201, (code, s2)
        subst["s2"] = "<name2>"
        code, page = request("GET", SNAPS + "?limit=1")
        md = page.get("metadata", {}) if isinstance(page, dict) else {}
        probes["list with limit=1 of two"] = {"code": code, "kind": page.get("kind"),
                                              "metadata keys": sorted(md),
                                              "remainingItemCount": md.get("remainingItemCount"),
                                              "items": len(page.get("items") or [])}
        if md.get("continue"):
            code, rest = request("GET", SNAPS + "?limit=1&continue=" + md["continue"])
            rmd = rest.get("metadata", {})
            probes["the second page"] = {"code": code, "metadata keys": sorted(rmd),
                                         "items": len(rest.get("items") or [])}
        probes["list with a continue token that is not valid"] = status_probe("GET", SNAPS + "?limit=1&continue=x")
        code, empty = request("GET", PVCS)
        rv = empty["metadata"]["resourceVersion"]
        probes["watch until timeoutSeconds with bookmarks allowed"] = watch_events(
            PVCS + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=" + rv, 3)
    finally:
        request("DELETE", "/api/v1/namespaces/" + NS)
    json.dump(probes, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
