"""RFC 7386 merge patch and RFC 6902 JSON patch on plain dicts."""
import copy


class PatchError(Exception):
    pass


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _unescape(tok):
    return tok.replace("~1", "/").replace("~0", "~")


def _parts(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid path %r" % path)
    return [_unescape(p) for p in path[1:].split("/")]


def _resolve(doc, parts):
    """Returns (container, last token) for the parent of the target."""
    cur = doc
    for p in parts[:-1]:
        if isinstance(cur, dict):
            if p not in cur:
                raise PatchError("missing path")
            cur = cur[p]
        elif isinstance(cur, list):
            try:
                cur = cur[int(p)]
            except (ValueError, IndexError):
                raise PatchError("bad index")
        else:
            raise PatchError("not a container")
    return cur, parts[-1]


def _get(doc, path):
    parts = _parts(path)
    if not parts:
        return doc
    c, last = _resolve(doc, parts)
    if isinstance(c, dict):
        if last not in c:
            raise PatchError("missing value")
        return c[last]
    if isinstance(c, list):
        try:
            i = int(last)
        except ValueError:
            raise PatchError("bad index")
        if i < 0 or i >= len(c):
            raise PatchError("index out of range")
        return c[i]
    raise PatchError("not a container")


def _add(doc, path, value):
    parts = _parts(path)
    if not parts:
        return value
    c, last = _resolve(doc, parts)
    if isinstance(c, dict):
        c[last] = value
    elif isinstance(c, list):
        if last == "-":
            c.append(value)
        else:
            try:
                i = int(last)
            except ValueError:
                raise PatchError("bad index")
            if i < 0 or i > len(c):
                raise PatchError("index out of range")
            c.insert(i, value)
    else:
        raise PatchError("not a container")
    return doc


def _remove(doc, path):
    parts = _parts(path)
    if not parts:
        raise PatchError("cannot remove root")
    c, last = _resolve(doc, parts)
    if isinstance(c, dict):
        if last not in c:
            raise PatchError("missing value")
        return c.pop(last)
    if isinstance(c, list):
        try:
            i = int(last)
            return c.pop(i)
        except (ValueError, IndexError):
            raise PatchError("bad index")
    raise PatchError("not a container")


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise PatchError("json patch must be a list")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise PatchError("bad operation")
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            parts = _parts(path)
            if not parts:
                doc = copy.deepcopy(op.get("value"))
            else:
                c, last = _resolve(doc, parts)
                if isinstance(c, list):
                    c[int(last)] = copy.deepcopy(op.get("value"))
                else:
                    c[last] = copy.deepcopy(op.get("value"))
        elif kind == "move":
            v = _remove(doc, op["from"])
            doc = _add(doc, path, v)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError("test failed")
        else:
            raise PatchError("unknown op %s" % kind)
    return doc
