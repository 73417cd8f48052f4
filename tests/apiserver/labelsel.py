"""Label selectors (full syntax of k8s.io/apimachinery/pkg/labels) and field selectors."""
import re

from errors import bad_request

_KEY = r"[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?"


def _split_top(s):
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_label_selector(s):
    """Returns a predicate on a labels dict; raises a 400 on bad syntax."""
    if s is None or s.strip() == "":
        return None
    reqs = []
    for part in _split_top(s):
        p = part.strip()
        if not p:
            raise bad_request("unable to parse requirement: found '', expected: identifier")
        m = re.match(r"^(%s)\s+(in|notin)\s+\((.*)\)$" % _KEY, p)
        if m:
            vals = {v.strip() for v in m.group(4).split(",")}
            reqs.append((m.group(1), m.group(3), vals))
            continue
        m = re.match(r"^!\s*(%s)$" % _KEY, p)
        if m:
            reqs.append((m.group(1), "!", None))
            continue
        m = re.match(r"^(%s)\s*(==|!=|=|>|<)\s*([-A-Za-z0-9_.]*)$" % _KEY, p)
        if m:
            reqs.append((m.group(1), m.group(3), m.group(4)))
            continue
        m = re.match(r"^(%s)$" % _KEY, p)
        if m:
            reqs.append((m.group(1), "exists", None))
            continue
        raise bad_request("unable to parse requirement: invalid label selector: %s" % p)

    def pred(labels):
        labels = labels or {}
        for k, op, v in reqs:
            has = k in labels
            val = labels.get(k)
            if op in ("=", "=="):
                if not has or val != v:
                    return False
            elif op == "!=":
                if has and val == v:
                    return False
            elif op == "in":
                if not has or val not in v:
                    return False
            elif op == "notin":
                if has and val in v:
                    return False
            elif op == "exists":
                if not has:
                    return False
            elif op == "!":
                if has:
                    return False
            elif op in (">", "<"):
                try:
                    a, b = int(val), int(v)
                except (TypeError, ValueError):
                    return False
                if not (a > b if op == ">" else a < b):
                    return False
        return True
    return pred


def _get_path(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, dict):
        # "source" on events means source.component
        return cur.get("component", "")
    return str(cur)


def parse_field_selector(s, allowed):
    """Returns (predicate, {field: value} of equality terms) or (None, {})."""
    if s is None or s.strip() == "":
        return None, {}
    reqs = []
    eq = {}
    for part in s.split(","):
        p = part.strip()
        if not p:
            continue
        m = re.match(r"^([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)$", p)
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, p))
        field, op, val = m.group(1), m.group(2), m.group(3)
        if field not in allowed:
            raise bad_request("field label not supported: %s" % field)
        if op != "!=":
            eq[field] = val
        reqs.append((field, op != "!=", val))

    def pred(obj):
        for field, want_eq, val in reqs:
            got = _get_path(obj, field)
            if (got == val) != want_eq:
                return False
        return True
    return pred, eq
