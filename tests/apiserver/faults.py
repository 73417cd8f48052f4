"""Fault and latency injection, per route, driven by POST /__emulator/faults.

A rule: {"method": "GET", "path": "<regex on path+query>", "status": 429, "retry_after": 1,
"times": 2, "body": "...", "reset": true, "latency_ms": 50, "watch_reset_after": N,
"watch_split": true, "watch_merge": true}.
Rules are tried in order; the first whose method/path match and that has uses left applies.
"""
import re
import threading
import time

from errors import (ApiError, dumps, internal_error, service_unavailable, timeout_504,
                    too_many_requests_text)


class Rule:
    def __init__(self, spec):
        self.spec = spec
        self.method = (spec.get("method") or "").upper() or None
        self.path = re.compile(spec["path"]) if spec.get("path") else None
        self.times = spec.get("times")          # None = forever
        self.latency_ms = spec.get("latency_ms")
        self.hits = 0

    def matches(self, method, path):
        if self.method and self.method != method:
            return False
        if self.path and not self.path.search(path):
            return False
        return self.times is None or self.hits < self.times


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault rule must be a JSON object")
        if spec.get("path"):
            re.compile(spec["path"])
        with self.lock:
            self.rules.append(Rule(spec))

    def clear(self):
        with self.lock:
            self.rules = []

    def list(self):
        with self.lock:
            return [dict(r.spec, hits=r.hits) for r in self.rules]

    def pick(self, method, path):
        """Returns (latency seconds, rule with an action or None), consuming one use."""
        latency = 0.0
        action = None
        with self.lock:
            for r in self.rules:
                if not r.matches(method, path):
                    continue
                is_latency_only = r.latency_ms is not None and not any(
                    k in r.spec for k in ("status", "reset", "reset_after", "watch_reset_after", "watch_split", "watch_merge", "body"))
                if is_latency_only:
                    latency += r.latency_ms / 1000.0
                    r.hits += 1 if r.times is not None else 0
                    continue
                if action is None:
                    r.hits += 1
                    action = r
                    if r.latency_ms:
                        latency += r.latency_ms / 1000.0
        return latency, action


def error_for(rule):
    """The ApiError a status rule answers with (faithful wire shapes of api.md §3.2)."""
    s = rule.spec
    code = int(s.get("status", 500))
    ra = s.get("retry_after")
    headers = {"Retry-After": str(ra)} if ra is not None else {}
    if "body" in s:
        body = s["body"] if isinstance(s["body"], str) else dumps(s["body"]) + "\n"
        ct = s.get("content_type") or ("application/json" if body.lstrip().startswith("{")
                                       else "text/plain; charset=utf-8")
        return ApiError(code, "", "", raw=body, content_type=ct, headers=headers)
    if code == 429:
        e = too_many_requests_text(ra if ra is not None else 1)
        return e
    if code == 504:
        e = timeout_504()
    elif code == 503:
        e = service_unavailable(s.get("message") or "the server is currently unable to handle the request")
    elif code == 500:
        e = internal_error(s.get("message") or "injected fault")
    elif code == 409:
        e = ApiError(409, "Conflict", s.get("message") or "injected conflict")
    else:
        e = ApiError(code, s.get("reason", ""), s.get("message") or "injected fault")
    if ra is not None:
        e.headers.update(headers)
        if e.raw is None:
            e.details = dict(e.details or {}, retryAfterSeconds=int(ra))
    return e


def sleep(seconds):
    if seconds > 0:
        time.sleep(seconds)
