"""Minimal Kubernetes REST client for the real-server test bed (python3 stdlib + PyYAML).

Used by snapshot_controller.py, make_pv.py and start.sh's helpers.  Reads a kubeconfig written
by start.sh (token or client certificate, certificate-authority-data).
"""
import base64
import json
import os
import socket
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import yaml


class ApiError(Exception):
    def __init__(self, code, body, method, path):
        self.code = code
        self.body = body
        self.status = body if isinstance(body, dict) else {}
        msg = (self.status.get("message") or str(body)[:300]).strip()
        super().__init__("%s %s -> %d: %s" % (method, path, code, msg))


class Kube:
    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            cfg = yaml.safe_load(f)
        ctx_name = cfg.get("current-context")
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
        self.server = cluster["server"].rstrip("/")
        self.namespace = ctx.get("namespace", "default")
        self.ctx = ssl.create_default_context(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        self.token = user.get("token")
        if "client-certificate-data" in user:
            # ssl needs files for the client cert/key: write them to a private temp dir.
            d = tempfile.mkdtemp(prefix="kubeclient-")
            crt, key = os.path.join(d, "c.crt"), os.path.join(d, "c.key")
            with open(crt, "wb") as f:
                f.write(base64.b64decode(user["client-certificate-data"]))
            with os.fdopen(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(base64.b64decode(user["client-key-data"]))
            self.ctx.load_cert_chain(crt, key)
            os.unlink(crt)
            os.unlink(key)
            os.rmdir(d)

    def _open(self, method, path, body=None, content_type="application/json", query=None,
              timeout=30):
        url = self.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        headers = {"Accept": "application/json", "User-Agent": "volsnap-realserver-testbed"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        return urllib.request.urlopen(req, context=self.ctx, timeout=timeout)

    def request(self, method, path, body=None, content_type="application/json", query=None,
                timeout=30):
        try:
            with self._open(method, path, body, content_type, query, timeout) as r:
                raw = r.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise ApiError(e.code, parsed, method, path) from None
        return json.loads(raw) if raw else None

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def get_or_none(self, path):
        try:
            return self.get(path)
        except ApiError as e:
            if e.code == 404:
                return None
            raise

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def put(self, path, obj):
        return self.request("PUT", path, obj)

    def merge_patch(self, path, patch):
        return self.request("PATCH", path, patch, "application/merge-patch+json")

    def json_patch(self, path, ops):
        return self.request("PATCH", path, ops, "application/json-patch+json")

    def delete(self, path, ignore_missing=True):
        try:
            return self.request("DELETE", path)
        except ApiError as e:
            if ignore_missing and e.code == 404:
                return None
            raise

    def watch(self, path, resource_version, timeout_seconds=300):
        """Yields watch events (dicts).  Raises ApiError / OSError on transport errors."""
        q = {"watch": "1", "resourceVersion": resource_version, "allowWatchBookmarks": "true",
             "timeoutSeconds": str(timeout_seconds)}
        try:
            r = self._open("GET", path, query=q, timeout=timeout_seconds + 30)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise ApiError(e.code, parsed, "WATCH", path) from None
        with r:
            for line in r:
                line = line.strip()
                if line:
                    yield json.loads(line)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
