#!/usr/bin/python3
"""kube-apiserver emulator for kubectl-volsnap tests (see README.md).

Run through start.sh. Layout: server.py (HTTP, TLS, authentication, authorization, routing,
control API), api.py (CRUD/list/watch semantics), store.py (objects, resourceVersions, watch
history), resources.py (built-in table, CRD loading), discovery.py, validation.py (OpenAPI
schema + CEL rules), labelsel.py, patch.py, tables.py, controllers.py, faults.py, profiles.py,
protobuf.py (RBAC bodies only), errors.py (Status bodies).
"""
import argparse
import collections
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import api  # noqa: E402
import discovery  # noqa: E402
import errors  # noqa: E402
import faults  # noqa: E402
import profiles  # noqa: E402
from errors import ApiError, dumps  # noqa: E402

NONRESOURCE_PUBLIC = ("/version", "/version/", "/healthz", "/livez", "/readyz")


class Emulator:
    """Everything a request handler needs; one instance per process."""

    def __init__(self, args):
        self.args = args
        self.prof = profiles.load(args.profile)
        self.tokens = {}
        self.admin_token = open(os.path.join(args.state, "admin.token")).read().strip()
        self.tokens[self.admin_token] = {"name": "admin", "groups": ["system:masters",
                                                                     "system:authenticated"]}
        alice = os.path.join(args.state, "alice.token")
        if os.path.exists(alice):
            self.tokens[open(alice).read().strip()] = {"name": "alice", "groups": ["system:authenticated"],
                                                       "rules": []}
        for u in self.prof.get("users") or []:
            self.tokens[u["token"]] = {"name": u["name"], "groups": list(u.get("groups") or []) +
                                       ["system:authenticated"], "rules": u.get("rules") or []}
        self.reject_all_tokens = False
        self.faults = faults.Faults()
        self.requests = collections.deque(maxlen=200000)
        self.req_lock = threading.Lock()
        self.req_seq = 0
        self.api = api.Api(self, args.crds)
        self.disc = discovery.Discovery(self.api.reg, self.prof)

    def log_request(self, method, path, status, user, agent, started):
        with self.req_lock:
            self.req_seq += 1
            now = time.time()
            self.requests.append({"seq": self.req_seq, "method": method, "path": path,
                                  "status": status, "user": user, "user_agent": agent, "time": now,
                                  "duration_ms": round((now - started) * 1000, 1)})

    # -- authorization ------------------------------------------------------
    def rules_for(self, user):
        """The user's allow-list plus what Roles/ClusterRoles bound to it grant (RBAC objects
        are evaluated, so tests can grant rights with kubectl like on a real server)."""
        rules = list(user.get("rules") or [])
        store = self.api.store
        rbac = "rbac.authorization.k8s.io"

        def subject_matches(subj):
            kind, name = subj.get("kind"), subj.get("name")
            if kind == "User":
                return name == user["name"]
            if kind == "Group":
                return name in user.get("groups", [])
            if kind == "ServiceAccount":
                return user["name"] == "system:serviceaccount:%s:%s" % (subj.get("namespace"), name)
            return False

        def role_rules(ref, ns):
            if ref.get("kind") == "ClusterRole":
                role = store.get((rbac, "clusterroles"), ("", ref.get("name")))
            else:
                role = store.get((rbac, "roles"), (ns, ref.get("name")))
            return (role or {}).get("rules") or []

        for (key, b) in store.items((rbac, "clusterrolebindings")):
            if any(subject_matches(sj) for sj in b.get("subjects") or []):
                rules.extend(role_rules(b.get("roleRef") or {}, ""))
        for (key, b) in store.items((rbac, "rolebindings")):
            if any(subject_matches(sj) for sj in b.get("subjects") or []):
                rules.extend(dict(r, namespaces=[key[0]]) for r in role_rules(b.get("roleRef") or {}, key[0]))
        return rules

    def allowed(self, user, verb, group, resource, sub, ns, name):
        if "system:masters" in user.get("groups", []):
            return True
        res = resource + ("/" + sub if sub else "")
        for r in self.rules_for(user):
            if not _match(r.get("verbs"), verb):
                continue
            if not _match(r.get("apiGroups"), group):
                continue
            if not (_match(r.get("resources"), res) or (not sub and _match(r.get("resources"), resource))):
                continue
            if r.get("namespaces") and ns not in r["namespaces"] and "*" not in r["namespaces"]:
                continue
            if r.get("resourceNames") and name not in r["resourceNames"]:
                continue
            return True
        return False


def _match(lst, v):
    return lst is not None and ("*" in lst or v in lst)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "volsnap-emulator"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet: requests are in /__emulator/requests
        pass

    # -- plumbing -----------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def read_body(self):
        """The request body, read once (errors are answered only after it was drained,
        or the rest of it would be parsed as the next request on this connection)."""
        if getattr(self, "_body", None) is None:
            self._body = self._read_body()
        return self._body

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                out += self.rfile.read(size)
                self.rfile.readline()
            return out
        return b""

    def send(self, code, body, content_type="application/json", headers=None):
        if getattr(self, "reset_after", False):
            # The request was carried out; its answer is lost (fault "reset_after").
            self.reset_after = False
            self.reset_connection()
            self.status_sent = code
            return
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            for one in (v if isinstance(v, list) else [v]):   # e.g. one Warning header per warning
                self.send_header(k, one)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status_sent = code

    def send_json(self, code, obj, headers=None, content_type="application/json"):
        self.send(code, dumps(obj) + "\n", content_type, headers)

    def send_error_obj(self, e):
        ct = e.content_type or "application/json"
        self.send(e.code, e.body(), ct, e.headers)

    def reset_connection(self):
        """Close the TCP connection without an answer (RST), for retry tests."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            raw = self.connection
            if isinstance(raw, ssl.SSLSocket):
                raw = socket.socket(fileno=os.dup(raw.fileno()))
                self.connection.close()
            raw.close()
        except OSError:
            pass
        self.close_connection = True
        self.status_sent = 0

    def authenticate(self):
        """The requesting user, or the one it impersonates (Impersonate-User/-Group headers),
        as the real server's impersonation filter does: the requester needs the impersonate verb
        on users and on each group."""
        user = self._authenticate()
        name = self.headers.get("Impersonate-User")
        groups = self.headers.get_all("Impersonate-Group") or []
        if name is None:
            if groups:
                raise ApiError(500, "InternalError", "Internal error occurred: requested %s without "
                               "impersonating a user" % groups)
            return user
        emu = self.server.emu
        for kind, value in [("users", name)] + [("groups", g) for g in groups]:
            if not emu.allowed(user, "impersonate", "", kind, None, None, value):
                raise ApiError(403, "Forbidden", '%s "%s" is forbidden: User "%s" cannot impersonate resource '
                               '"%s" in API group "" at the cluster scope' % (kind, value, user["name"], kind), {})
        rules = next((dict(u).get("rules") or [] for u in emu.tokens.values() if u["name"] == name), [])
        return {"name": name, "groups": list(groups) + ["system:authenticated"], "rules": rules}

    def _authenticate(self):
        emu = self.server.emu
        auth = self.headers.get("Authorization")
        if auth is not None:
            # bearertoken.go: exactly "Bearer <token>", scheme case-insensitive, else ignored
            parts = auth.split(" ")
            if len(parts) == 2 and parts[0].lower() == "bearer" and parts[1]:
                if emu.reject_all_tokens:
                    raise errors.unauthorized()
                u = emu.tokens.get(parts[1])
                if u is None:
                    raise errors.unauthorized()
                return u
        cert = None
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            cert = None
        if cert:
            cn, orgs = None, []
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
                    elif k == "organizationName":
                        orgs.append(v)
            if cn:
                return {"name": cn, "groups": orgs + ["system:authenticated"], "rules": []}
        return {"name": "system:anonymous", "groups": ["system:unauthenticated"], "rules": []}

    def _dispatch(self, method):
        emu = self.server.emu
        started = time.time()
        self.status_sent = 0
        self.user = None
        self._body = None
        self.watch_reset_after = None       # per request: the handler lives as long as the connection
        self.watch_split = self.watch_merge = False
        self.reset_after = False
        try:
            self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        raw_path = self.path
        url = urllib.parse.urlsplit(raw_path)
        path = url.path
        self.query = {}
        for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True):
            self.query.setdefault(k, v)
        try:
            if not path.startswith("/__emulator/"):
                latency, rule = emu.faults.pick(method, raw_path)
                faults.sleep(latency)
                if rule is not None:
                    if rule.spec.get("reset"):
                        self.read_body()
                        self.reset_connection()
                        return
                    if "status" in rule.spec or "body" in rule.spec:
                        self.read_body()
                        raise faults.error_for(rule)
                    self.reset_after = bool(rule.spec.get("reset_after"))
                    self.watch_reset_after = rule.spec.get("watch_reset_after")
                    self.watch_split = bool(rule.spec.get("watch_split"))
                    self.watch_merge = bool(rule.spec.get("watch_merge"))
            self.user = self.authenticate()
            if path.startswith("/__emulator/"):
                if self.user["name"] != "admin":
                    raise errors.forbidden_path(self.user["name"], method.lower(), path)
                self.control(method, path)
                return
            self.route(method, path)
        except ApiError as e:
            self.send_error_obj(e)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # never crash on bad input: answer a Status
            traceback.print_exc()
            try:
                self.send_error_obj(errors.internal_error(e))
            except OSError:
                self.close_connection = True
        finally:
            if not path.startswith("/__emulator/"):
                emu.log_request(method, raw_path, self.status_sent,
                                self.user["name"] if self.user else None,
                                self.headers.get("User-Agent"), started)

    # -- routing ------------------------------------------------------------
    def route(self, method, path):
        emu = self.server.emu
        user = self.user
        if path in NONRESOURCE_PUBLIC:
            if path.startswith("/version"):
                return self.send_json(200, emu.disc.version())
            return self.send(200, "ok", "text/plain; charset=utf-8")
        parts = [p for p in path.split("/") if p]
        is_resource = (len(parts) >= 3 and parts[0] == "api") or (len(parts) >= 4 and parts[0] == "apis")
        if not is_resource:
            if user["name"] == "system:anonymous":
                raise errors.forbidden_path(user["name"], method.lower(), path)
            if method not in ("GET", "HEAD"):
                raise errors.method_not_allowed_builtin()
            return self.serve_discovery(path, parts)
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        ns = None
        if rest[0] == "namespaces" and len(rest) > 1:
            ns = rest[1]
            if len(rest) > 2 and rest[2] not in ("status", "finalize"):
                rest = rest[2:]
        resource = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = "/".join(rest[2:]) if len(rest) > 2 else None
        if resource == "namespaces" and ns is not None and rest[0] == "namespaces":
            name, ns = ns, None
            ns_scope_name = name
        else:
            ns_scope_name = None
        watch = _truthy(self.query.get("watch"))
        if method == "GET":
            verb = "get" if name else ("watch" if watch else "list")
        elif method == "POST":
            verb = "create"
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        elif method == "DELETE":
            verb = "delete" if name else "deletecollection"
        else:
            verb = method.lower()
        authz_ns = ns if ns is not None else (ns_scope_name or "")
        # system:basic-user: every authenticated user may review its own access
        self_review = group == "authorization.k8s.io" and verb == "create" and resource in (
            "selfsubjectaccessreviews", "selfsubjectrulesreviews") and user["name"] != "system:anonymous"
        if not self_review and not emu.allowed(user, verb, group, resource, sub, authz_ns, name or ""):
            raise errors.forbidden_resource(user["name"], verb, group, resource, sub, authz_ns, name)
        rt = emu.api.reg.lookup(group, version, resource)
        if rt is None:
            raise errors.page_not_found()
        emu.api.handle(self, method, rt, version, ns, name, sub, verb)

    def serve_discovery(self, path, parts):
        emu = self.server.emu
        if parts[:2] == ["openapi", "v3"]:
            doc = emu.disc.openapi_v3(parts)
            if doc is None:
                raise errors.page_not_found()
            return self.send_json(200, doc)
        accept = self.headers.get("Accept") or ""
        doc, ctype = emu.disc.serve(parts, accept)
        if doc is None:
            raise errors.page_not_found()
        if ctype != "application/json":
            # aggregated discovery: ETag / If-None-Match -> 304 (api.md §2.5)
            etag = emu.disc.etag(doc)
            hdr = {"ETag": etag, "Vary": "Accept"}
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                for k, v in hdr.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.status_sent = 304
                return
            return self.send(200, dumps(doc) + "\n", ctype, hdr)
        self.send_json(200, doc, content_type=ctype)

    # -- control API (/__emulator/) ------------------------------------------
    def control(self, method, path):
        emu = self.server.emu
        what = path[len("/__emulator/"):].strip("/")
        body = self.read_body()
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError as e:
            raise errors.bad_request("invalid JSON: %s" % e)
        if what == "faults":
            if method == "POST":
                rules = data if isinstance(data, list) else [data]
                try:
                    for r in rules:
                        emu.faults.add(r)
                except (ValueError, KeyError, TypeError) as e:
                    raise errors.bad_request("bad fault rule: %s" % e)
                return self.send_json(201, {"faults": emu.faults.list()})
            if method == "DELETE":
                emu.faults.clear()
                return self.send_json(200, {"faults": []})
            return self.send_json(200, {"faults": emu.faults.list()})
        if what == "watch-expire" and method == "POST":
            n = emu.api.signal_watches("expire")
            return self.send_json(200, {"watches": n})
        if what == "close-watches" and method == "POST":
            n = emu.api.signal_watches("close")
            return self.send_json(200, {"watches": n})
        if what == "objects" and method == "POST":
            items = data.get("items") if isinstance(data, dict) else data
            if not isinstance(items, list):
                raise errors.bad_request("expected a JSON list of objects or {\"items\": [...]}")
            n = emu.api.seed(items)
            return self.send_json(201, {"created": n, "resourceVersion": str(emu.api.store.rv)})
        if what == "requests":
            if method == "DELETE":
                with emu.req_lock:
                    emu.requests.clear()
                return self.send_json(200, {"requests": []})
            since = int(self.query.get("since") or 0)
            with emu.req_lock:
                reqs = [r for r in emu.requests if r["seq"] > since]
            return self.send_json(200, {"requests": reqs})
        if what == "config" and method == "POST":
            emu.api.configure(data or {})
            if "reject_tokens" in (data or {}):
                emu.reject_all_tokens = bool(data["reject_tokens"])
            return self.send_json(200, emu.api.config_view())
        if what == "config":
            return self.send_json(200, emu.api.config_view())
        raise errors.page_not_found()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass


def _truthy(v):
    return v is not None and v not in ("0", "false")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, emu, ctx):
        self.emu = emu
        self.ctx = ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # TLS handshake in the connection's own thread, so a slow client never blocks accept().
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--state", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--crds", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    emu = Emulator(args)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(args.state, "pki", "server.crt"),
                        os.path.join(args.state, "pki", "server.key"))
    ctx.load_verify_locations(os.path.join(args.state, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])
    srv = Server(("127.0.0.1", args.port), emu, ctx)
    port = srv.server_address[1]
    emu.api.start_controllers()
    tmp = os.path.join(args.state, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, os.path.join(args.state, "port"))
    random.seed()
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
