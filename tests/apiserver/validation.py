"""OpenAPI v3 structural-schema validation, pruning, and the snapshot CRDs' CEL rules.

The CEL rules are not evaluated by a CEL engine: each rule text found in the
CRDs is mapped to a hand-written Python predicate (RULES below). A rule text
not in the table is ignored (and logged once), so a CRD update shows up loudly.
"""
import re
import sys

from errors import (fe_forbidden, fe_invalid, fe_invalid_novalue, fe_not_supported, fe_required,
                    fe_type)

_MISSING = object()


def _has(obj, field):
    return isinstance(obj, dict) and field in obj


def _rule_transition_eq(self, old):
    return self == old


RULES = {
    "self == oldSelf": _rule_transition_eq,
    "size(self) > 0": lambda self, old: len(self) > 0,
    "has(self.name) && has(self.__namespace__)":
        lambda self, old: _has(self, "name") and _has(self, "namespace"),
}


def _rule_fn(rule):
    if rule in RULES:
        return RULES[rule]
    m = re.match(r"^!has\(oldSelf\.(\w+)\) \|\| has\(self\.(\w+)\)$", rule)
    if m and m.group(1) == m.group(2):
        f = m.group(1)
        return lambda self, old: not _has(old, f) or _has(self, f)
    m = re.match(r"^\(has\(self\.(\w+)\) && !has\(self\.(\w+)\)\) \|\| "
                 r"\(!has\(self\.(\w+)\) && has\(self\.(\w+)\)\)$", rule)
    if m:
        a, b = m.group(1), m.group(2)
        return lambda self, old: _has(self, a) != _has(self, b)
    return None


def _uses_old(rule):
    return "oldSelf" in rule


_warned = set()

QUANTITY = re.compile(r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
                      r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")


def _type_name(v):
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


class Validator:
    """Validates and prunes one object against one version's openAPIV3Schema."""

    def __init__(self, new_cel_wording=False):
        self.new_cel_wording = new_cel_wording   # servers >= 1.35 print values, not types

    def validate(self, schema, obj, old=None):
        """Prunes obj in place. Returns (field errors, pruned field paths)."""
        self.errs = []
        self.pruned = []
        self.cel = []
        body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
        top = dict(schema)
        props = dict(top.get("properties") or {})
        for k in ("apiVersion", "kind", "metadata"):
            props.pop(k, None)
        top["properties"] = props
        top_old = _MISSING if old is None else {
            k: v for k, v in old.items() if k not in ("apiVersion", "kind", "metadata")}
        self._walk(top, body, "", top_old)
        for k in list(obj):
            if k not in ("apiVersion", "kind", "metadata") and k not in body:
                del obj[k]
        obj.update(body)
        self.errs.sort(key=lambda e: e.field)
        blocking = [e for e in self.errs if e.reason in (
            "FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong",
            "FieldValueTooMany", "FieldValueTypeInvalid")]
        errs = list(self.errs)
        if blocking:
            if self.cel:
                errs.append(fe_invalid_novalue(
                    "<nil>", "null: some validation rules were not checked because the object was "
                    "invalid; correct the existing errors to complete validation"))
        else:
            errs.extend(self._run_cel())
        return errs, self.pruned

    def _walk(self, s, v, path, old):
        if v is None and s.get("nullable"):
            return
        if s.get("x-kubernetes-int-or-string"):
            if not isinstance(v, (int, str)) or isinstance(v, bool):
                self.errs.append(fe_type(path, _type_name(v), "integer,string"))
                return
        else:
            t = s.get("type")
            ok = True
            if t == "object":
                ok = isinstance(v, dict)
            elif t == "array":
                ok = isinstance(v, list)
            elif t == "string":
                ok = isinstance(v, str)
            elif t == "integer":
                ok = isinstance(v, int) and not isinstance(v, bool)
                if not ok and isinstance(v, float) and v.is_integer():
                    ok = True
            elif t == "number":
                ok = isinstance(v, (int, float)) and not isinstance(v, bool)
            elif t == "boolean":
                ok = isinstance(v, bool)
            if not ok:
                self.errs.append(fe_type(path, _type_name(v), t))
                return
        if "enum" in s and v not in s["enum"]:
            self.errs.append(fe_not_supported(path, v, s["enum"]))
        if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
            self.errs.append(fe_invalid(path, v, "%s in body should match '%s'" % (path, s["pattern"])))
        if isinstance(v, (int, float)) and not isinstance(v, bool) and "minimum" in s:
            if v < s["minimum"]:
                self.errs.append(fe_invalid(path, v, "%s in body should be greater than or equal to %s"
                                            % (path, s["minimum"])))
        if isinstance(v, str) and s.get("format") == "date-time":
            if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", v):
                self.errs.append(fe_invalid(path, v, "%s in body must be of type date-time: %s"
                                            % (path, _json(v))))
        for r in s.get("x-kubernetes-validations") or []:
            self.cel.append((r, s, v, old, path))
        if isinstance(v, dict):
            props = s.get("properties")
            if props is not None or not s.get("x-kubernetes-preserve-unknown-fields"):
                props = props or {}
                addl = s.get("additionalProperties")
                for k in list(v):
                    sub = props.get(k)
                    if sub is None and isinstance(addl, dict):
                        sub = addl
                    child = (path + "." + k) if path else k
                    if sub is None:
                        if not s.get("x-kubernetes-preserve-unknown-fields"):
                            self.pruned.append(child)
                            del v[k]
                        continue
                    o = old.get(k, _MISSING) if isinstance(old, dict) else _MISSING
                    self._walk(sub, v[k], child, o)
            for req in s.get("required") or []:
                if req not in v:
                    self.errs.append(fe_required((path + "." + req) if path else req))
        elif isinstance(v, list) and "items" in s:
            for i, item in enumerate(v):
                self._walk(s["items"], item, "%s[%d]" % (path, i), _MISSING)

    def _run_cel(self):
        out = []
        for r, s, v, old, path in self.cel:
            rule = r["rule"]
            fn = _rule_fn(rule)
            if fn is None:
                if rule not in _warned:
                    _warned.add(rule)
                    print("emulator: CEL rule not implemented, ignored: %s" % rule, file=sys.stderr)
                continue
            if _uses_old(rule) and old is _MISSING:
                continue            # transition rules run only on update, when the old value exists
            if old is _MISSING:
                old = None
            try:
                ok = fn(v, old)
            except Exception:
                ok = False
            if ok:
                continue
            msg = r.get("message") or ("failed rule: %s" % rule)
            field = r.get("fieldPath") and (path + r["fieldPath"]) or path
            if r.get("reason") == "FieldValueForbidden":
                out.append(fe_forbidden(field, msg))
                continue
            if self.new_cel_wording:
                if isinstance(v, (dict, list)):
                    out.append(fe_invalid_novalue(field, msg))
                else:
                    out.append(fe_invalid(field, v, msg))
            else:
                out.append(fe_invalid(field, s.get("type") or "object", msg))
        return out


def _json(v):
    import json
    return json.dumps(v)


# -- object metadata --------------------------------------------------------
_DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUB_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
           "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
           "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
             "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
             "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")


def validate_name(name, label=False):
    errs = []
    if label:
        if len(name) > 63:
            errs.append(fe_invalid("metadata.name", name, "must be no more than 63 characters"))
        if not _DNS1123_LABEL.match(name):
            errs.append(fe_invalid("metadata.name", name, LABEL_MSG))
    else:
        if len(name) > 253:
            errs.append(fe_invalid("metadata.name", name, "must be no more than 253 characters"))
        if not _DNS1123_SUB.match(name):
            errs.append(fe_invalid("metadata.name", name, SUB_MSG))
    return errs


def validate_metadata_types(md):
    """Labels/annotations must be string maps; finalizers a string list."""
    errs = []
    for f in ("labels", "annotations"):
        m = md.get(f)
        if m is None:
            continue
        if not isinstance(m, dict):
            errs.append(fe_type("metadata." + f, _type_name(m), "object"))
            continue
        for k, v in m.items():
            if not isinstance(v, str):
                errs.append(fe_type("metadata.%s.%s" % (f, k), _type_name(v), "string"))
    fz = md.get("finalizers")
    if fz is not None and (not isinstance(fz, list) or not all(isinstance(x, str) for x in fz)):
        errs.append(fe_type("metadata.finalizers", _type_name(fz), "array"))
    return errs


# -- quantities -------------------------------------------------------------
_SUFFIX = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5,
           "Ei": 1024 ** 6, "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9,
           "T": 1e12, "P": 1e15, "E": 1e18}


def quantity_bytes(q):
    """Quantity -> integer bytes (rounded up like Quantity.Value()); None if invalid."""
    if isinstance(q, bool):
        return None
    if isinstance(q, (int, float)):
        return int(q)
    if not isinstance(q, str) or not QUANTITY.match(q):
        return None
    m = re.match(r"^([+-]?[0-9.]+)([eE][+-]?[0-9.]+|[KMGTPE]i|[numkMGTPE])?$", q)
    if not m:
        return None
    num = float(m.group(1))
    suf = m.group(2) or ""
    if suf[:1] in ("e", "E"):
        val = num * (10 ** float(suf[1:]))
    else:
        val = num * _SUFFIX[suf]
    import math
    return int(math.ceil(val - 1e-9))


def format_binary_si(n):
    """resource.NewQuantity(n, BinarySI).String()."""
    if n == 0:
        return "0"
    for suf, mult in (("Ei", 1024 ** 6), ("Pi", 1024 ** 5), ("Ti", 1024 ** 4), ("Gi", 1024 ** 3),
                      ("Mi", 1024 ** 2), ("Ki", 1024)):
        if n % mult == 0:
            return "%d%s" % (n // mult, suf)
    return str(n)
