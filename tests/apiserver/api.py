"""Resource semantics: create/get/list/watch/update/patch/delete (api.md §4-§5).

Handlers receive the HTTP handler `h` only to read the body/query and to write
the answer; all Kubernetes rules live here.
"""
import base64
import binascii
import copy
import json
import queue
import random
import select
import threading
import time

import yaml

import errors
import protobuf
import tables
from errors import ApiError, dumps, new_uid, now_rfc3339
from labelsel import parse_field_selector, parse_label_selector
from patch import PatchError, json_patch, merge_patch
from resources import add_extra, build_registry, serve_cronjobs_by_version
from store import Store, key_after
from validation import Validator, validate_metadata_types, validate_name

CRD_PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json",
                   "application/apply-patch+yaml"]
BUILTIN_PATCH_TYPES = CRD_PATCH_TYPES[:2] + ["application/strategic-merge-patch+json",
                                              "application/apply-patch+yaml"]
GEN_CHARS = "bcdfghjklmnpqrstvwxz2456789"
CORE_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"]


_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def go_base64_error(tok):
    """Go's base64.RawURLEncoding error for tok ("illegal base64 data at input
    byte N"), or None when Go would decode it."""
    for i, ch in enumerate(tok):
        if ch not in _B64URL:
            return "illegal base64 data at input byte %d" % i
    if len(tok) % 4 == 1:
        return "illegal base64 data at input byte %d" % (len(tok) - 1)
    return None


def sort_keys(obj):
    """CRD objects are unstructured maps: Go writes their keys sorted."""
    if isinstance(obj, dict):
        return {k: sort_keys(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sort_keys(x) for x in obj]
    return obj


class Api:
    def __init__(self, emu, crd_dir):
        self.emu = emu
        prof = emu.prof
        self.reg = build_registry(crd_dir, prof["served"])
        add_extra(self.reg, prof.get("served_groups"), prof.get("extra_resources"))
        self.store = Store(int(prof.get("watch_history", 1000)))
        minor = int("".join(c for c in str(prof["version"].get("minor", "0")) if c.isdigit()) or 0)
        serve_cronjobs_by_version(self.reg, minor, prof.get("cronjob_versions"))
        self.validator_new_wording = minor >= 35
        self.bookmark_interval = prof.get("bookmark_interval_ms", 60000) / 1000.0
        self.seeding = threading.local()
        self.controllers = None
        self._install_crd_objects()
        for ns in CORE_NAMESPACES:
            self.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}])
        self.seed([{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "cluster-admin",
                                 "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
                    "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                              {"nonResourceURLs": ["*"], "verbs": ["*"]}]}])
        self.seed(prof.get("objects") or [])

    # -- helpers -------------------------------------------------------------
    def rt_of(self, api_version, kind):
        group, _, version = api_version.rpartition("/")
        for rt in self.reg.types:
            if rt.group == group and rt.kind == kind:
                return rt
        return None

    def key(self, rt, ns, name):
        return (ns or "", name) if rt.namespaced else ("", name)

    def _install_crd_objects(self):
        crt = self.reg.by_gr.get(("apiextensions.k8s.io", "customresourcedefinitions"))
        for crd in self.reg.crds:
            obj = copy.deepcopy(crd)
            names = obj["spec"]["names"]
            obj["status"] = {"acceptedNames": names, "storedVersions": [
                v["name"] for v in obj["spec"]["versions"] if v.get("storage")],
                "conditions": [{"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                                "message": "the initial names have been accepted",
                                "lastTransitionTime": now_rfc3339()}]}
            self._store_new(crt, obj)

    def _store_new(self, rt, obj, typ="ADDED"):
        md = obj.setdefault("metadata", {})
        md.setdefault("uid", new_uid())
        md.setdefault("creationTimestamp", now_rfc3339())
        if rt.generation:
            md.setdefault("generation", 1)
        with self.store.lock:
            md["resourceVersion"] = str(self.store.next_rv())
            if rt.crd is not None:
                obj = sort_keys(obj)
            return self.store.put(rt.gr, self.key(rt, md.get("namespace"), md["name"]), obj, typ)

    def seed(self, items):
        """Store objects as given (status kept), bypassing validation and controllers."""
        n = 0
        self.seeding.on = True
        try:
            for o in items:
                if not isinstance(o, dict) or "kind" not in o or "apiVersion" not in o:
                    raise errors.bad_request("seed object needs apiVersion and kind: %r" % (o,))
                rt = self.rt_of(o["apiVersion"], o["kind"])
                if rt is None:
                    raise errors.bad_request("unknown kind %s %s" % (o["apiVersion"], o["kind"]))
                o = copy.deepcopy(o)
                o["apiVersion"] = rt.api_version()
                md = o.setdefault("metadata", {})
                if not md.get("name"):
                    md["name"] = md.get("generateName", "obj-") + "".join(
                        random.choice(GEN_CHARS) for _ in range(5))
                if rt.namespaced:
                    md.setdefault("namespace", "default")
                else:
                    md.pop("namespace", None)
                self._builtin_defaults(rt, o, seeding=True)
                self._store_new(rt, o)
                n += 1
        finally:
            self.seeding.on = False
        return n

    def is_seeding(self):
        return getattr(self.seeding, "on", False)

    def configure(self, cfg):
        if "watch_history" in cfg:
            self.store.set_history_size(int(cfg["watch_history"]))
        if "bookmark_interval_ms" in cfg:
            self.bookmark_interval = int(cfg["bookmark_interval_ms"]) / 1000.0
        if self.controllers:
            self.controllers.configure(cfg)

    def config_view(self):
        v = {"watch_history": self.store.history_size,
             "bookmark_interval_ms": int(self.bookmark_interval * 1000),
             "resourceVersion": str(self.store.rv)}
        if self.controllers:
            v.update(self.controllers.config_view())
        return v

    def start_controllers(self):
        import controllers
        self.controllers = controllers.Controllers(self, self.emu.prof)
        self.controllers.start()

    def signal_watches(self, what):
        ws = self.store.all_watchers()
        for w in ws:
            w.push(what)
        return len(ws)

    def out(self, rt, version, obj):
        """Object as seen at the requested version."""
        if version == rt.storage_version or rt.crd is None:
            return obj
        o = dict(obj)
        o["apiVersion"] = rt.api_version(version)
        return o

    def obj_json(self, rt, version, key, obj, cached):
        if version != rt.storage_version and rt.crd is not None:
            return dumps(self.out(rt, version, obj))
        j = cached.get(key) if cached is not None else None
        if j is None:
            j = dumps(obj)
        return j

    def read_obj(self, h, rt, version):
        raw = h.read_body()
        ctype = (h.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype == "application/vnd.kubernetes.protobuf" and rt.crd is None:
            try:
                return protobuf.decode(raw)
            except ValueError:
                pass                    # kinds whose protobuf is not emulated: 415 below
        if ctype not in ("application/json", "application/yaml", "text/yaml", "application/x-yaml", "*/*", ""):
            # protobuf (beyond RBAC) and CBOR are not emulated: answer like a server refusing the type
            accepted = ["application/json", "application/yaml"] if rt.crd is not None else \
                ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
            raise errors.unsupported_media(accepted)
        try:
            if "yaml" in ctype:
                body = yaml.safe_load(raw.decode() or "null")
            else:
                body = json.loads(raw.decode() or "null")
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as e:
            raise errors.bad_request("couldn't get version/kind; json parse error: %s" % e)
        if not isinstance(body, dict):
            raise errors.bad_request("Object 'Kind' is missing in '%s'" % raw.decode(errors="replace")[:200])
        return body

    def check_gvk(self, rt, version, body):
        want = rt.api_version(version)
        av = body.get("apiVersion")
        if av is None:
            body["apiVersion"] = want
        elif av != want:
            raise errors.bad_request("the API version in the data (%s) does not match the expected API "
                                     "version (%s)" % (av, want))
        k = body.get("kind")
        if k is None:
            body["kind"] = rt.kind
        elif k != rt.kind:
            raise errors.bad_request("the kind in the data (%s) does not match the expected kind (%s)"
                                     % (k, rt.kind))
        if not isinstance(body.get("metadata", {}), dict):
            raise errors.bad_request("metadata must be an object")
        body.setdefault("metadata", {})

    def dry_run(self, h):
        v = h.query.get("dryRun")
        if v is None or v == "":
            return False
        if v != "All":
            raise errors.invalid("CreateOptions", "meta.k8s.io", "", [errors.fe_not_supported(
                "dryRun", [v], ["All"])])
        return True

    # -- entry ---------------------------------------------------------------
    def handle(self, h, method, rt, version, ns, name, sub, verb):
        if rt.namespaced and ns is None and name is not None:
            raise errors.page_not_found()
        if not rt.namespaced and ns is not None:
            raise errors.page_not_found()
        if sub == "log" and rt.gr == ("", "pods") and method == "GET" and name:
            return self.pod_log(h, rt, ns, name)
        if sub is not None and (sub != "status" or not rt.status
                                or (rt.crd is not None and version not in rt.sub_status_versions)):
            if rt.crd is not None:
                raise errors.not_found(rt.group, rt.plural, name)
            raise errors.page_not_found()
        if rt.is_create_only():
            if method != "POST":
                raise errors.method_not_allowed_builtin()
            return self.review(h, rt)
        if rt.gr == ("apiextensions.k8s.io", "customresourcedefinitions") and method not in ("GET",):
            raise errors.method_not_allowed_builtin()
        if method in ("GET", "HEAD"):
            if name is None:
                if verb == "watch":
                    return self.watch(h, rt, version, ns)
                return self.list(h, rt, version, ns)
            return self.get(h, rt, version, ns, name)
        if method == "POST":
            if name is not None:
                raise errors.method_not_allowed_builtin() if rt.crd is None else \
                    errors.method_not_supported("create", rt.group, rt.plural)
            return self.create(h, rt, version, ns)
        if method == "PUT" and name:
            return self.update(h, rt, version, ns, name, sub)
        if method == "PATCH" and name:
            return self.patch(h, rt, version, ns, name, sub)
        if method == "DELETE":
            if name:
                return self.delete(h, rt, version, ns, name)
            return self.delete_collection(h, rt, version, ns)
        raise errors.method_not_allowed_builtin()

    # -- GET -----------------------------------------------------------------
    def wants_table(self, h):
        return "as=Table" in (h.headers.get("Accept") or "")

    def pod_log(self, h, rt, ns, name):
        """GET pods/NAME/log: no containers run here, so a pod's log is the text of its
        volsnap.test/log annotation (a test knob), cut to limitBytes."""
        obj = self.store.get(rt.gr, self.key(rt, ns, name))
        if obj is None:
            raise errors.not_found("", "pods", name)
        text = ((obj["metadata"].get("annotations") or {}).get("volsnap.test/log") or "").encode()
        limit = h.query.get("limitBytes")
        if limit:
            text = text[:int(limit)]
        h.send(200, text, "text/plain")
        return None

    def get(self, h, rt, version, ns, name):
        obj, j = self.store.get_json(rt.gr, self.key(rt, ns, name))
        if obj is None:
            raise errors.not_found(rt.group, rt.plural, name)
        if self.wants_table(h):
            t = tables.build_table(rt, version, [self.out(rt, version, obj)],
                                   {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                   h.query.get("includeObject", "Metadata"))
            return h.send_json(200, t)
        if version != rt.storage_version and rt.crd is not None:
            j = dumps(self.out(rt, version, obj))
        h.send(200, j + "\n")

    # -- LIST ----------------------------------------------------------------
    def _selectors(self, h, rt):
        lsel = parse_label_selector(h.query.get("labelSelector"))
        fpred, feq = parse_field_selector(h.query.get("fieldSelector"), rt.field_labels)
        return lsel, fpred, feq

    def _encode_continue(self, rv, start):
        d = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start + "\u0000"},
                       separators=(",", ":"))
        return base64.urlsafe_b64encode(d.encode()).decode().rstrip("=")

    def _decode_continue(self, tok):
        bad = go_base64_error(tok)
        if bad:
            raise errors.bad_request("invalid continue token: continue key is not valid: " + bad)
        try:
            pad = "=" * (-len(tok) % 4)
            raw = base64.urlsafe_b64decode(tok + pad)
            d = json.loads(raw)
        except (binascii.Error, ValueError) as e:
            raise errors.bad_request("invalid continue token: continue key is not valid: %s" % e)
        if not isinstance(d, dict) or d.get("v") != "meta.k8s.io/v1":
            raise errors.bad_request("invalid continue token: continue key is not valid: server does not "
                                     "recognize this encoded version")
        rv, start = d.get("rv"), d.get("start")
        if not isinstance(rv, int) or not isinstance(start, str) or rv == 0:
            raise errors.bad_request("invalid continue token: continue key is not valid: incorrect encoded "
                                     "start resourceVersion (version meta.k8s.io/v1)")
        return rv, start.rstrip("\u0000")

    def _keystr(self, rt, ns, key):
        # key relative to the list prefix, like etcd keys under /registry/<group>/<plural>/[ns/]
        if rt.namespaced and not ns:
            return key[0] + "/" + key[1]
        return key[1]

    def _strkey(self, rt, ns, s):
        if rt.namespaced and not ns:
            a, _, b = s.partition("/")
            return (a, b)
        return (ns or "", s)

    def list(self, h, rt, version, ns):
        q = h.query
        lsel, fpred, feq = self._selectors(h, rt)
        if "sendInitialEvents" in q:
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.fe_forbidden(
                "sendInitialEvents", "sendInitialEvents is forbidden for list")])
        rvm = q.get("resourceVersionMatch")
        rv_param = q.get("resourceVersion")
        cont = q.get("continue") or ""
        if rvm and not rv_param:
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.fe_forbidden(
                "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is "
                "provided")])
        if rvm and cont:
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.fe_forbidden(
                "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided")])
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise errors.bad_request("invalid limit: %s" % q.get("limit"))
        cur = self.store.rv
        at_rv = cur
        start = None
        if cont:
            tok_rv, start_s = self._decode_continue(cont)
            start = self._strkey(rt, ns, start_s)
            if tok_rv > 0:
                at_rv = tok_rv
        elif rv_param not in (None, "", "0"):
            try:
                want = int(rv_param)
            except ValueError:
                raise errors.bad_request("invalid resource version: %s" % rv_param)
            if want > cur:
                raise ApiError(504, "Timeout", "Timeout: Too large resource version: %d, current: %d"
                               % (want, cur), {"causes": [{"reason": "ResourceVersionTooLarge",
                                                           "message": "Too large resource version"}],
                                               "retryAfterSeconds": 1}, headers={"Retry-After": "1"})
            if rvm == "Exact" or (rvm is None and limit > 0):
                at_rv = want
        snap = self.store.snapshot_at(rt.gr, at_rv)
        if snap is None:
            if cont:
                next_tok = self._encode_continue(-1, self._keystr(rt, ns, start))
                raise errors.expired(
                    "The provided continue parameter is too old to display a consistent list result. You "
                    "can start a new list without the continue parameter, or use the continue token in "
                    "this response to retrieve the remainder of the results. Continuing with the provided "
                    "token results in an inconsistent list - objects that were created, modified, or "
                    "deleted between the time the first chunk was returned and now may show up in the "
                    "list.", next_tok)
            raise errors.expired("The resourceVersion for the provided list is too old.")
        keys, objs, cached = snap
        if rt.namespaced and ns:
            lo = key_after(keys, (ns, ""))
            hi = key_after(keys, (ns + "\u0000", ""))
        else:
            lo, hi = 0, len(keys)
        if start is not None:
            # continue tokens carry the last returned key + "\0": resume strictly after it
            lo = max(lo, key_after(keys, (start[0], start[1] + "\u0000")))
        name_eq = feq.get("metadata.name")
        items = []
        i = lo
        last_key = None
        while i < hi:
            k = keys[i]
            i += 1
            if name_eq is not None and k[1] != name_eq:
                continue
            o = objs.get(k)
            if o is None:           # removed while we iterate the live bucket
                continue
            if fpred and not fpred(o):
                continue
            if lsel and not lsel((o.get("metadata") or {}).get("labels")):
                continue
            items.append((k, o))
            last_key = k
            if limit and len(items) >= limit:
                break
        more = limit and i < hi and len(items) >= limit
        rv_out = str(at_rv if at_rv > 0 else cur)
        meta = {}
        if more:
            meta["continue"] = self._encode_continue(at_rv if at_rv > 0 else cur,
                                                     self._keystr(rt, ns, last_key))
            if not lsel and not fpred:
                meta["remainingItemCount"] = sum(1 for _ in range(i, hi))
        elif rt.crd is not None:
            meta["continue"] = ""
        meta["resourceVersion"] = rv_out
        if self.wants_table(h):
            t = tables.build_table(rt, version, [self.out(rt, version, o) for _, o in items],
                                   {"resourceVersion": rv_out, **({"continue": meta["continue"]}
                                                                  if meta.get("continue") else {})},
                                   q.get("includeObject", "Metadata"))
            return h.send_json(200, t)
        parts = []
        strip = rt.crd is None
        for k, o in items:
            if strip:
                o2 = {kk: vv for kk, vv in o.items() if kk not in ("apiVersion", "kind")}
                parts.append(dumps(o2))
            else:
                c = cached if (cached is not None and objs is not None) else None
                parts.append(self.obj_json(rt, version, k, o, c if c is not None and
                                           self.store.get(rt.gr, k) is o else None))
        if rt.crd is not None:
            md = {"continue": meta["continue"]}
            if "remainingItemCount" in meta:
                md["remainingItemCount"] = meta["remainingItemCount"]
            md["resourceVersion"] = rv_out
            head = '{"apiVersion":"%s","items":[' % rt.api_version(version)
            tail = '],"kind":"%s","metadata":%s}\n' % (rt.list_kind, dumps(md))
        else:
            md = {"resourceVersion": rv_out}
            if "continue" in meta:
                md["continue"] = meta["continue"]
            if "remainingItemCount" in meta:
                md["remainingItemCount"] = meta["remainingItemCount"]
            head = '{"kind":"%s","apiVersion":"%s","metadata":%s,"items":[' % (
                rt.list_kind, rt.api_version(version), dumps(md))
            tail = "]}\n"
        h.send(200, head + ",".join(parts) + tail)

    # -- WATCH ---------------------------------------------------------------
    def watch(self, h, rt, version, ns):
        q = h.query
        lsel, fpred, feq = self._selectors(h, rt)
        rv_param = q.get("resourceVersion")
        send_initial = q.get("sendInitialEvents")
        allow_bm = q.get("allowWatchBookmarks") not in (None, "", "0", "false")
        if send_initial is not None:
            errs = []
            if q.get("resourceVersionMatch") != "NotOlderThan":
                errs.append(errors.fe_forbidden("resourceVersionMatch", "sendInitialEvents requires setting "
                                                "resourceVersionMatch to NotOlderThan"))
            if not allow_bm and send_initial == "true":
                errs.append(errors.fe_forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set "
                                                "to true when sendInitialEvents is specified"))
            if errs:
                raise errors.invalid("ListOptions", "meta.k8s.io", "", errs)
        elif q.get("resourceVersionMatch"):
            raise errors.invalid("ListOptions", "meta.k8s.io", "", [errors.fe_forbidden(
                "resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless "
                "sendInitialEvents is provided")])
        initial = send_initial == "true" or (send_initial is None and rv_param in (None, "", "0"))
        since = None
        if not initial or (send_initial == "true" and rv_param not in (None, "", "0")):
            try:
                since = int(rv_param) if rv_param not in (None, "", "0") else self.store.rv
            except ValueError:
                raise errors.bad_request("invalid resource version: %s" % rv_param)
        try:
            timeout = float(q.get("timeoutSeconds")) if q.get("timeoutSeconds") else random.uniform(1800, 3600)
        except ValueError:
            raise errors.bad_request("invalid timeoutSeconds")
        if since is not None and since > self.store.rv:
            # the watch cache waits up to 3 s for a future RV, then fails the watch
            time.sleep(min(3.0, max(0.0, float(q.get("timeoutSeconds") or 3))))
            if since > self.store.rv:
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Transfer-Encoding", "chunked")
                h.end_headers()
                h.status_sent = 200
                line = dumps({"type": "ERROR", "object": {
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Timeout: Too large resource version: %d, current: %d" % (since, self.store.rv),
                    "reason": "Timeout", "details": {"causes": [{"reason": "ResourceVersionTooLarge",
                                                                 "message": "Too large resource version"}],
                                                     "retryAfterSeconds": 1}, "code": 504}}) + "\n"
                data = line.encode()
                h.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
                return
        if initial:
            w, backlog, expired = self.store.watch(rt.gr, None, True)
        else:
            w, backlog, expired = self.store.watch(rt.gr, since, False)

        name_eq = feq.get("metadata.name")

        def match(o):
            if o is None:
                return False
            md = o.get("metadata") or {}
            if rt.namespaced and ns and md.get("namespace") != ns:
                return False
            if name_eq is not None and md.get("name") != name_eq:
                return False
            if fpred and not fpred(o):
                return False
            if lsel and not lsel(md.get("labels")):
                return False
            return True

        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Cache-Control", "no-cache, private")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.status_sent = 200
        wfile = h.wfile
        reset_after = getattr(h, "watch_reset_after", None)
        sent = [0]

        split = getattr(h, "watch_split", False)   # fault knobs to exercise client parsers:
        merge = getattr(h, "watch_merge", False)   # events cut across chunks / several per chunk
        buf = []

        def flush_out():
            if not buf:
                return
            data = "".join(buf).encode()
            del buf[:]
            pieces = [data]
            if split and len(data) > 3:
                a, b = len(data) // 3, 2 * len(data) // 3
                pieces = [data[:a], data[a:b], data[b:]]
            for p in pieces:
                wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
                wfile.flush()

        def write(line):
            buf.append(line)
            sent[0] += 1
            if reset_after is not None and sent[0] >= int(reset_after):
                flush_out()
                raise _Reset()
            if not merge:
                flush_out()

        as_table = self.wants_table(h)
        include = q.get("includeObject", "Metadata")

        def ev_line(typ, o, oj=None):
            if as_table and typ != "BOOKMARK":
                # kubectl get -w asks for Table events: one row per event
                oj = dumps(tables.build_table(rt, version, [self.out(rt, version, o)],
                                              {"resourceVersion": o["metadata"].get("resourceVersion", "")},
                                              include))
            elif oj is None or (version != rt.storage_version and rt.crd is not None):
                oj = dumps(self.out(rt, version, o))
            return '{"type":"%s","object":%s}\n' % (typ, oj)

        def bookmark(annotate=False):
            md = {"resourceVersion": str(self.store.rv)}
            if annotate:
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            return ev_line("BOOKMARK", {"kind": rt.kind, "apiVersion": rt.api_version(version),
                                        "metadata": md})

        def deliver(ev):
            if ev.type == "MODIFIED":
                a, b = match(ev.old), match(ev.obj)
                if a and b:
                    return write(ev_line("MODIFIED", ev.obj, ev.obj_json()))
                if b:
                    return write(ev_line("ADDED", ev.obj, ev.obj_json()))
                if a:
                    return write(ev_line("DELETED", ev.obj, ev.obj_json()))
                return None
            if match(ev.obj):
                write(ev_line(ev.type, ev.obj, ev.obj_json()))

        try:
            if expired:
                write(dumps({"type": "ERROR", "object": {
                    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "too old resource version: %d (%d)" % (since, self.store.bucket(rt.gr).evicted_upto),
                    "reason": "Expired", "code": 410}}) + "\n")
                flush_out()
                return self._end_chunked(h)
            for ev in backlog:
                deliver(ev)
            if send_initial == "true":
                write(bookmark(annotate=True))
            flush_out()
            deadline = time.monotonic() + timeout
            next_bm = time.monotonic() + self.bookmark_interval
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
                wait = min(deadline - now, 5.0)     # wake up now and then to notice a gone client
                if allow_bm:
                    wait = min(wait, max(0.0, next_bm - now))
                try:
                    item = w.q.get(timeout=max(0.01, wait))
                except queue.Empty:
                    if _client_gone(h.connection):
                        h.close_connection = True
                        return
                    if allow_bm and time.monotonic() >= next_bm:
                        write(bookmark())
                        next_bm = time.monotonic() + self.bookmark_interval
                    flush_out()
                    continue
                if item == "expire":
                    write(dumps({"type": "ERROR", "object": {
                        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "The resourceVersion for the provided watch is too old.",
                        "reason": "Expired", "code": 410}}) + "\n")
                    flush_out()
                    break
                if item == "close":
                    break
                deliver(item)
                if w.q.empty():
                    flush_out()
            # No bookmark at the timeout: kube-apiserver v1.20 ends the stream without one.
            flush_out()
            self._end_chunked(h)
        except _Reset:
            h.reset_connection()
        except (OSError, ValueError):
            h.close_connection = True
        finally:
            self.store.unwatch(w) if w is not None else None

    def _end_chunked(self, h):
        try:
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    # -- CREATE --------------------------------------------------------------
    def check_namespace(self, rt, ns):
        if not rt.namespaced:
            return
        nso = self.store.get(("", "namespaces"), ("", ns))
        if nso is None:
            raise errors.not_found("", "namespaces", ns)
        if (nso.get("status") or {}).get("phase") == "Terminating" or nso["metadata"].get("deletionTimestamp"):
            raise errors.forbidden_msg(rt.group, rt.plural, None,
                                       "unable to create new content in namespace %s because it is being "
                                       "terminated" % ns,
                                       [{"reason": "NamespaceTerminating",
                                         "message": "namespace %s is being terminated" % ns,
                                         "field": "metadata.namespace"}])

    def validate_object(self, rt, version, obj, old=None, h=None):
        """Schema + CEL validation for CRDs, metadata checks for all. Returns Warning texts.

        Unknown fields are pruned; fieldValidation=Strict turns them into a 400 (decoding
        happens before validation on a real server, so it wins over a 422).
        """
        md = obj["metadata"]
        name = md.get("name") or ""
        errs = validate_metadata_types(md)
        pruned = []
        if rt.crd is not None:
            schema = rt.schemas.get(version) or {}
            v = Validator(self.validator_new_wording)
            ferrs, pruned = v.validate(schema, obj, old)
            errs.extend(ferrs)
        fv = (h.query.get("fieldValidation") if h is not None else None) or "Warn"
        if fv not in ("Ignore", "Warn", "Strict"):
            raise errors.bad_request("invalid fieldValidation: %s" % fv)
        if pruned and fv == "Strict":
            raise errors.bad_request("strict decoding error: " + ", ".join(
                'unknown field "%s"' % p for p in pruned))
        if errs:
            raise errors.invalid(rt.kind, rt.group, name, errs)
        return ['unknown field "%s"' % p for p in pruned] if fv == "Warn" else []

    def create(self, h, rt, version, ns):
        body = self.read_obj(h, rt, version)
        dry = self.dry_run(h)
        self.check_gvk(rt, version, body)
        md = body["metadata"]
        if rt.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        for f in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "generation", "managedFields", "selfLink"):
            md.pop(f, None)
        md["creationTimestamp"] = now_rfc3339()
        if rt.status:
            body.pop("status", None)
        if not md.get("name") and not md.get("generateName"):
            raise errors.invalid(rt.kind, rt.group, "", [errors.fe_required(
                "metadata.name", "name or generateName is required")])
        generated = not md.get("name")
        self.check_namespace(rt, ns)
        self._builtin_defaults(rt, body)
        warnings = self.validate_object(rt, version, body, None, h)
        self._builtin_validate(rt, body)
        with self.store.lock:
            for attempt in range(8 if generated else 1):
                if generated:
                    md["name"] = md["generateName"][:58] + "".join(random.choice(GEN_CHARS) for _ in range(5))
                ne = validate_name(md["name"], label=rt.plural == "namespaces")
                if ne:
                    raise errors.invalid(rt.kind, rt.group, md["name"], ne)
                key = self.key(rt, ns, md["name"])
                if self.store.get(rt.gr, key) is None:
                    break
            else:
                raise errors.already_exists(rt.group, rt.plural, md["name"], generated=generated)
            if self.store.get(rt.gr, key) is not None:
                raise errors.already_exists(rt.group, rt.plural, md["name"], generated=generated)
            md["uid"] = new_uid()
            if rt.generation:
                md["generation"] = 1
            body["apiVersion"] = rt.api_version()
            md["managedFields"] = self._managed_fields(h, body)
            if dry:
                out = sort_keys(body) if rt.crd is not None else body
            else:
                md["resourceVersion"] = str(self.store.next_rv())
                out = self.store.put(rt.gr, key, sort_keys(body) if rt.crd is not None else body, "ADDED")
        hdr = {"Warning": ['299 - "%s"' % w.replace('"', '\\"') for w in warnings]} if warnings else None
        h.send_json(201, self.out(rt, version, out), hdr)

    @staticmethod
    def _managed_fields(h, body):
        """The entry the real server's field manager records on create (its size is what
        `-o json|yaml` output carries unless managedFields are left out)."""
        agent = (h.headers.get("User-Agent") or "unknown") if h is not None else "unknown"
        manager = (h.query.get("fieldManager") if h is not None else None) or agent.split("/")[0]
        fields = {"f:metadata": {"f:labels": {".": {}}} if body["metadata"].get("labels") else {}}
        if isinstance(body.get("spec"), dict):
            fields["f:spec"] = {".": {}, **{"f:" + k: {} for k in sorted(body["spec"])}}
        return [{"apiVersion": body["apiVersion"], "fieldsType": "FieldsV1", "fieldsV1": fields,
                 "manager": manager, "operation": "Update", "time": now_rfc3339()}]

    def _builtin_defaults(self, rt, obj, seeding=False):
        """Defaulting/admission the real server does for the built-ins we care about."""
        md = obj["metadata"]
        if rt.gr == ("", "namespaces"):
            md.setdefault("labels", {})["kubernetes.io/metadata.name"] = md["name"]
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj.setdefault("status", {}).setdefault("phase", "Active")
        elif rt.gr == ("", "persistentvolumeclaims"):
            spec = obj.setdefault("spec", {})
            if not seeding and "storageClassName" not in spec:
                # DefaultStorageClass admission plugin
                d = self.default_storage_class()
                if d:
                    spec["storageClassName"] = d
            spec.setdefault("volumeMode", "Filesystem")
            if not seeding:
                self._pvc_datasources(spec)
            obj.setdefault("status", {}).setdefault("phase", "Pending")
        elif rt.gr == ("", "persistentvolumes"):
            spec = obj.setdefault("spec", {})
            spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
            spec.setdefault("volumeMode", "Filesystem")
            obj.setdefault("status", {}).setdefault("phase", "Pending")
        elif rt.gr == ("storage.k8s.io", "storageclasses"):
            obj.setdefault("reclaimPolicy", "Delete")
            obj.setdefault("volumeBindingMode", "Immediate")

    def _pvc_datasources(self, spec):
        """EnforceDataSourceBackwardsCompatibility + NormalizeDataSources (api.md §6.6)."""
        ds, dsr = spec.get("dataSource"), spec.get("dataSourceRef")
        if ds and not dsr:
            ok = (ds.get("kind") == "PersistentVolumeClaim" and not ds.get("apiGroup")) or \
                 (ds.get("kind") == "VolumeSnapshot" and ds.get("apiGroup") == "snapshot.storage.k8s.io")
            if not ok:
                spec.pop("dataSource", None)
                return
            spec["dataSourceRef"] = dict(ds)
        elif dsr and not ds and not dsr.get("namespace"):
            spec["dataSource"] = dict(dsr)

    def _builtin_validate(self, rt, obj):
        if rt.gr == ("", "persistentvolumeclaims"):
            spec = obj.get("spec") or {}
            ds, dsr = spec.get("dataSource"), spec.get("dataSourceRef")
            errs = []
            if ds and dsr and {k: v for k, v in ds.items()} != {k: v for k, v in dsr.items()
                                                                 if k != "namespace"}:
                errs.append(errors.fe_invalid("spec", "dataSource", "must match dataSourceRef"))
            if not spec.get("accessModes"):
                errs.append(errors.fe_required("spec.accessModes"))
            req = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
            if req is None:
                errs.append(errors.fe_required("spec.resources[storage]"))
            if errs:
                raise errors.invalid(rt.kind, rt.group, obj["metadata"].get("name", ""), errs)

    def default_storage_class(self):
        for _, sc in self.store.items(("storage.k8s.io", "storageclasses")):
            ann = sc["metadata"].get("annotations") or {}
            if ann.get("storageclass.kubernetes.io/is-default-class") == "true":
                return sc["metadata"]["name"]
        return None

    # -- UPDATE / PATCH ------------------------------------------------------
    def update(self, h, rt, version, ns, name, sub):
        body = self.read_obj(h, rt, version)
        dry = self.dry_run(h)
        self.check_gvk(rt, version, body)
        md = body["metadata"]
        if md.get("name") and md["name"] != name:
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                     % (md["name"], name))
        md["name"] = name
        if rt.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
            md["namespace"] = ns
        if rt.crd is not None and not md.get("resourceVersion"):
            raise errors.invalid(rt.kind, rt.group, name, [errors.fe_invalid(
                "metadata.resourceVersion", 0, "must be specified for an update")])
        code, out = self.apply_update(rt, version, self.key(rt, ns, name), body, sub, dry, name, h)
        h.send_json(code, self.out(rt, version, out))

    def patch(self, h, rt, version, ns, name, sub):
        ctype = (h.headers.get("Content-Type") or "").split(";")[0].strip()
        accepted = CRD_PATCH_TYPES if rt.crd is not None else BUILTIN_PATCH_TYPES
        if ctype not in accepted:
            raise errors.unsupported_media(accepted)
        raw = h.read_body()
        dry = self.dry_run(h)
        if h.query.get("force") and ctype != "application/apply-patch+yaml":
            raise errors.invalid("PatchOptions", "meta.k8s.io", "", [errors.fe_forbidden(
                "force", "may not be specified for non-apply patch")])
        try:
            if ctype == "application/apply-patch+yaml":
                p = yaml.safe_load(raw.decode() or "null")
            else:
                p = json.loads(raw.decode() or "null")
        except (ValueError, yaml.YAMLError, UnicodeDecodeError) as e:
            raise errors.bad_request("error decoding patch: %s" % e)
        key = self.key(rt, ns, name)
        with self.store.lock:   # patch and write atomically: a patch without an RV never conflicts
            cur = self.store.get(rt.gr, key)
            if ctype == "application/apply-patch+yaml":
                if not h.query.get("fieldManager"):
                    raise errors.invalid("PatchOptions", "meta.k8s.io", "", [errors.fe_required(
                        "fieldManager", "is required for apply patch")])
                if not isinstance(p, dict):
                    raise errors.bad_request("error decoding patch: apply patch must be an object")
                if cur is None:
                    if sub:
                        raise errors.not_found(rt.group, rt.plural, name)
                    p.setdefault("metadata", {})["name"] = name
                    if rt.namespaced:
                        p["metadata"]["namespace"] = ns
                    return self._create_obj(h, rt, version, ns, p, dry)
            if cur is None:
                raise errors.not_found(rt.group, rt.plural, name)
            base = self.out(rt, version, cur)
            try:
                if ctype == "application/json-patch+json":
                    new = json_patch(base, p)
                else:
                    if not isinstance(p, dict):
                        raise errors.bad_request("error decoding patch: patch must be a JSON object")
                    new = merge_patch(base, p)
            except PatchError:
                raise errors.invalid_generic()
            if not isinstance(new, dict) or not isinstance(new.get("metadata"), dict):
                raise errors.invalid_generic()
            if new["metadata"].get("name") != name:
                raise errors.bad_request("the name of the object (%s) does not match the name on the URL "
                                         "(%s)" % (new["metadata"].get("name"), name))
            self.check_gvk(rt, version, new)
            code, out = self.apply_update(rt, version, key, new, sub, dry, name, h)
        h.send_json(code, self.out(rt, version, out))

    def _create_obj(self, h, rt, version, ns, body, dry):
        """Apply-patch creating an object: reuse create() by faking the body."""
        class _H:
            pass
        fake = _H()
        fake.query = h.query
        fake.headers = {"Content-Type": "application/json"}
        fake.read_body = lambda: json.dumps(body).encode()
        fake.send_json = h.send_json
        self.create(fake, rt, version, ns)

    def apply_update(self, rt, version, key, new, sub, dry, name, h=None):
        with self.store.lock:
            old = self.store.get(rt.gr, key)
            if old is None:
                raise errors.not_found(rt.group, rt.plural, name)
            omd = old["metadata"]
            md = new["metadata"]
            if md.get("resourceVersion") and md["resourceVersion"] != omd["resourceVersion"]:
                raise errors.conflict(rt.group, rt.plural, name)
            if md.get("uid") and md["uid"] != omd["uid"]:
                raise errors.conflict(rt.group, rt.plural, name, "Precondition failed: UID in precondition: "
                                      "%s, UID in object meta: %s" % (md["uid"], omd["uid"]))
            if rt.status and sub == "status":
                merged = copy.deepcopy(old)
                if "status" in new:
                    merged["status"] = new["status"]
                else:
                    merged.pop("status", None)
                new = merged
            else:
                new = copy.deepcopy(new)
                if rt.status:
                    if "status" in old:
                        new["status"] = copy.deepcopy(old["status"])
                    else:
                        new.pop("status", None)
                md = new["metadata"]
                for f in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                          "generation", "namespace"):
                    if f in omd:
                        md[f] = omd[f]
                    else:
                        md.pop(f, None)
                md.pop("managedFields", None)
                if "managedFields" in omd:
                    md["managedFields"] = omd["managedFields"]
            md = new["metadata"]
            md["resourceVersion"] = omd["resourceVersion"]
            new["apiVersion"] = rt.api_version()
            errs = validate_metadata_types(md)
            if omd.get("deletionTimestamp"):
                added = [f for f in md.get("finalizers") or [] if f not in (omd.get("finalizers") or [])]
                if added:
                    errs.append(errors.fe_forbidden(
                        "metadata.finalizers", "no new finalizers can be added if the object is being "
                        "deleted, found new finalizers []string{%s}" % ", ".join('"%s"' % a for a in added)))
            if errs:
                raise errors.invalid(rt.kind, rt.group, name, errs)
            self.validate_object(rt, version, new, old, h)
            if rt.gr == ("", "persistentvolumeclaims") and sub != "status":
                self._pvc_immutable(rt, old, new, name)
            if rt.generation and sub != "status":
                strip = lambda o: {k: v for k, v in o.items() if k not in ("metadata", "status")}  # noqa
                if strip(new) != strip(old):
                    md["generation"] = omd.get("generation", 1) + 1
            if rt.crd is not None:
                new = sort_keys(new)
            if new == old:
                return 200, old                         # no-op: same RV, no event
            if dry:
                return 200, new
            if omd.get("deletionTimestamp") and not md.get("finalizers"):
                rv = self.store.next_rv()
                self.store.remove(rt.gr, key, rv)
                return 200, new                         # the object as submitted; watchers see DELETED
            new["metadata"]["resourceVersion"] = str(self.store.next_rv())
            return 200, self.store.put(rt.gr, key, new, "MODIFIED")

    def _pvc_immutable(self, rt, old, new, name):
        os_, ns_ = dict(old.get("spec") or {}), dict(new.get("spec") or {})
        for s in (os_, ns_):
            s.pop("resources", None)
            s.pop("volumeAttributesClassName", None)
        if os_.get("volumeName") in (None, "") :
            ns_.pop("volumeName", None)
            os_.pop("volumeName", None)
        if os_ != ns_:
            raise errors.invalid(rt.kind, rt.group, name, [errors.fe_forbidden(
                "spec", "spec is immutable after creation except resources.requests and "
                "volumeAttributesClassName for bound claims")])

    # -- DELETE --------------------------------------------------------------
    def _delete_options(self, h):
        raw = h.read_body()
        opts = {}
        if raw.strip():
            try:
                opts = json.loads(raw)
            except ValueError as e:
                raise errors.bad_request("error decoding DeleteOptions: %s" % e)
            if not isinstance(opts, dict):
                raise errors.bad_request("DeleteOptions must be an object")
        for k in ("propagationPolicy", "gracePeriodSeconds"):
            if k in h.query:
                opts[k] = h.query[k]
        if "dryRun" in h.query:
            opts["dryRun"] = [h.query["dryRun"]]
        pp = opts.get("propagationPolicy")
        if pp is not None and pp not in ("Orphan", "Background", "Foreground"):
            raise errors.invalid("DeleteOptions", "meta.k8s.io", "", [errors.fe_not_supported(
                "propagationPolicy", pp, ["Foreground", "Background", "Orphan", "nil"])])
        dr = opts.get("dryRun") or []
        if any(d != "All" for d in dr):
            raise errors.invalid("DeleteOptions", "meta.k8s.io", "", [errors.fe_not_supported(
                "dryRun", dr, ["All"])])
        return opts

    def delete(self, h, rt, version, ns, name):
        opts = self._delete_options(h)
        code, out = self.delete_obj(rt, self.key(rt, ns, name), name, opts)
        h.send_json(code, out if out.get("kind") == "Status" else self.out(rt, version, out))

    def delete_obj(self, rt, key, name, opts=None):
        opts = opts or {}
        dry = bool(opts.get("dryRun"))
        with self.store.lock:
            old = self.store.get(rt.gr, key)
            if old is None:
                raise errors.not_found(rt.group, rt.plural, name)
            omd = old["metadata"]
            pre = opts.get("preconditions") or {}
            # rest.BeforeDelete checks these and names the Kind, not the
            # resource: 'on VolumeSnapshot.snapshot.storage.k8s.io', details.kind VolumeSnapshot.
            if pre.get("uid") and pre["uid"] != omd["uid"]:
                raise errors.conflict(rt.group, rt.kind, name,
                                      "the UID in the precondition (%s) does not match the UID in record "
                                      "(%s). The object might have been deleted and then recreated"
                                      % (pre["uid"], omd["uid"]))
            if pre.get("resourceVersion") and pre["resourceVersion"] != omd["resourceVersion"]:
                raise errors.conflict(rt.group, rt.kind, name,
                                      "the ResourceVersion in the precondition (%s) does not match the "
                                      "ResourceVersion in record (%s). The object might have been modified"
                                      % (pre["resourceVersion"], omd["resourceVersion"]))
            graceful = rt.gr == ("", "namespaces") or omd.get("finalizers")
            if graceful:
                if omd.get("deletionTimestamp"):
                    return 200, old
                new = copy.deepcopy(old)
                md = new["metadata"]
                md["deletionTimestamp"] = now_rfc3339()
                md["deletionGracePeriodSeconds"] = 0
                if rt.generation:
                    md["generation"] = omd.get("generation", 1) + 1
                if rt.gr == ("", "namespaces"):
                    new.setdefault("status", {})["phase"] = "Terminating"
                if rt.crd is not None:
                    new = sort_keys(new)
                if dry:
                    return 200, new
                new["metadata"]["resourceVersion"] = str(self.store.next_rv())
                return 200, self.store.put(rt.gr, key, new, "MODIFIED")
            if dry:
                last = old
            else:
                last = self.store.remove(rt.gr, key, self.store.next_rv())
        if rt.crd is not None:
            return 200, errors.success_status(rt.group, rt.plural, name, omd["uid"])
        return 200, last

    def delete_collection(self, h, rt, version, ns):
        opts = self._delete_options(h)
        lsel, fpred, feq = self._selectors(h, rt)
        deleted = []
        for k, o in self.store.items(rt.gr):
            if rt.namespaced and ns and k[0] != ns:
                continue
            if feq.get("metadata.name") and k[1] != feq["metadata.name"]:
                continue
            if fpred and not fpred(o):
                continue
            if lsel and not lsel(o["metadata"].get("labels")):
                continue
            try:
                _, out = self.delete_obj(rt, k, k[1], opts)
                deleted.append(o)
            except ApiError:
                continue
        h.send_json(200, {"apiVersion": rt.api_version(version), "items": deleted, "kind": rt.list_kind,
                          "metadata": {"continue": "", "resourceVersion": str(self.store.rv)}})

    # -- reviews ------------------------------------------------------------
    def review(self, h, rt):
        body = self.read_obj(h, rt, rt.storage_version)
        user = h.user
        spec = body.get("spec") or {}
        if rt.kind == "SelfSubjectAccessReview":
            ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
            if bool(ra) == bool(nra):
                raise errors.invalid(rt.kind, rt.group, "", [errors.fe_invalid(
                    "spec.resourceAttributes", ra, "exactly one of nonResourceAttributes or "
                    "resourceAttributes must be specified")])
            if ra:
                ok = self.emu.allowed(user, ra.get("verb", ""), ra.get("group", ""), ra.get("resource", ""),
                                      ra.get("subresource") or None, ra.get("namespace", ""),
                                      ra.get("name", ""))
            else:
                ok = "system:masters" in user["groups"] or user["name"] != "system:anonymous" and \
                    nra.get("verb") == "get"
            status = {"allowed": bool(ok)}
            if ok and "system:masters" in user["groups"]:
                status["reason"] = ('RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole '
                                    '"cluster-admin" to Group "system:masters"')
            elif ok:
                status["reason"] = 'RBAC: allowed by ClusterRoleBinding "volsnap-test" of ClusterRole ' \
                                   '"volsnap-test" to User "%s"' % user["name"]
            return h.send_json(201, {"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {},
                                     "spec": spec, "status": status})
        if not spec.get("namespace"):
            raise errors.bad_request("no namespace on request")
        rules = [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                  "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}]
        if "system:masters" in user["groups"]:
            rules.append({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
        for r in self.emu.rules_for(user):
            if r.get("namespaces") and spec["namespace"] not in r["namespaces"]:
                continue
            rr = {"verbs": r.get("verbs") or [], "apiGroups": r.get("apiGroups") or [],
                  "resources": r.get("resources") or []}
            if r.get("resourceNames"):
                rr["resourceNames"] = r["resourceNames"]
            rules.append(rr)
        nonres = [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz",
                                                         "/livez", "/openapi", "/openapi/*", "/readyz",
                                                         "/version", "/version/"]}]
        if "system:masters" in user["groups"]:
            nonres.append({"verbs": ["*"], "nonResourceURLs": ["*"]})
        h.send_json(201, {"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {}, "spec": {},
                          "status": {"resourceRules": rules, "nonResourceRules": nonres,
                                     "incomplete": False}})


class _Reset(Exception):
    pass


def _client_gone(conn):
    """A watch client never sends anything: readable means EOF or TLS close_notify."""
    try:
        r, _, _ = select.select([conn], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(r)
