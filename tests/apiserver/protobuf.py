"""A minimal decoder for the Kubernetes protobuf envelope, for the few built-in kinds that
kubectl sends as protobuf (`kubectl create rolebinding|clusterrolebinding` use the typed
RBAC client). Field numbers are from k8s.io/api's generated.proto files."""

MAGIC = b"k8s\x00"


def _fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            ln, i = _varint(buf, i)
            v, i = buf[i:i + ln], i + ln
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, v


def _varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


# schema: field number -> (json name, kind) with kind "s" string, "s*" repeated string,
# "map" map<string,string>, or a nested schema (dict) / [schema] for repeated messages
OBJECT_META = {1: ("name", "s"), 2: ("generateName", "s"), 3: ("namespace", "s"),
               11: ("labels", "map"), 12: ("annotations", "map"), 14: ("finalizers", "s*")}
SUBJECT = {1: ("kind", "s"), 2: ("apiGroup", "s"), 3: ("name", "s"), 4: ("namespace", "s")}
ROLE_REF = {1: ("apiGroup", "s"), 2: ("kind", "s"), 3: ("name", "s")}
POLICY_RULE = {1: ("verbs", "s*"), 2: ("apiGroups", "s*"), 3: ("resources", "s*"),
               4: ("resourceNames", "s*"), 5: ("nonResourceURLs", "s*")}
BINDING = {1: ("metadata", OBJECT_META), 2: ("subjects", [SUBJECT]), 3: ("roleRef", ROLE_REF)}
ROLE = {1: ("metadata", OBJECT_META), 2: ("rules", [POLICY_RULE])}
SCHEMAS = {("rbac.authorization.k8s.io/v1", "RoleBinding"): BINDING,
           ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): BINDING,
           ("rbac.authorization.k8s.io/v1", "Role"): ROLE,
           ("rbac.authorization.k8s.io/v1", "ClusterRole"): ROLE}


def _decode(buf, schema):
    out = {}
    for num, wt, v in _fields(buf):
        if num not in schema:
            continue
        name, kind = schema[num]
        if kind == "s":
            if v:
                out[name] = v.decode()
        elif kind == "s*":
            out.setdefault(name, []).append(v.decode())
        elif kind == "map":
            entry = {f: val.decode() for f, _, val in _fields(v)}
            out.setdefault(name, {})[entry.get(1, "")] = entry.get(2, "")
        elif isinstance(kind, list):
            out.setdefault(name, []).append(_decode(v, kind[0]))
        else:
            out[name] = _decode(v, kind)
    return out


def decode(raw):
    """Envelope bytes -> JSON-like dict; ValueError when not decodable here."""
    if not raw.startswith(MAGIC):
        raise ValueError("missing protobuf magic")
    type_meta, body = {}, b""
    for num, wt, v in _fields(raw[len(MAGIC):]):
        if num == 1:
            type_meta = {f: val.decode() for f, _, val in _fields(v)}
        elif num == 2:
            body = v
    api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
    schema = SCHEMAS.get((api_version, kind))
    if schema is None:
        raise ValueError("protobuf decoding of %s %s is not emulated" % (api_version, kind))
    obj = {"apiVersion": api_version, "kind": kind}
    obj.update(_decode(body, schema))
    obj.setdefault("metadata", {})
    return obj
