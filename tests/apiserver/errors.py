"""metav1.Status bodies, byte-faithful to shared/facts/api.md §3.

Every error the emulator answers goes through ApiError so that the HTTP code,
reason, details and message are built in one place, like apimachinery's
pkg/api/errors does.
"""
import json
import time
import uuid


def dumps(obj):
    """Compact JSON the way Go's encoding/json writes it (HTML-escaped < > &)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    if "<" in s or ">" in s or "&" in s:
        s = s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return s


def now_rfc3339(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if t is None else t))


def new_uid():
    return str(uuid.uuid4())


def group_resource(group, plural):
    """GroupResource.String(): core resources have no group suffix."""
    return plural + "." + group if group else plural


class ApiError(Exception):
    """An error answered as a Status object (or a raw body for the non-JSON variants)."""

    def __init__(self, code, reason, message, details=None, metadata=None,
                 headers=None, raw=None, content_type=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.metadata = metadata or {}
        self.headers = headers or {}
        self.raw = raw                  # non-Status body (text 404/429, kind-less 504)
        self.content_type = content_type

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": self.metadata,
              "status": "Failure", "message": self.message, "reason": self.reason}
        if self.details is not None:
            st["details"] = self.details
        st["code"] = self.code
        return st

    def body(self):
        if self.raw is not None:
            return self.raw
        return dumps(self.status()) + "\n"


def _details(group, plural, name=None, **extra):
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = plural
    d.update(extra)
    return d


def not_found(group, plural, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (group_resource(group, plural), name),
                    _details(group, plural, name))


def page_not_found():
    """What the delegation chain answers for an unknown group/resource/CRD (api.md §2.7)."""
    return ApiError(404, "NotFound", "404 page not found", raw="404 page not found\n",
                    content_type="text/plain; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff"})


def already_exists(group, plural, name, generated=False):
    msg = '%s "%s" already exists' % (group_resource(group, plural), name)
    if generated:
        msg += ", the server was not able to generate a unique name for the object"
        return ApiError(409, "AlreadyExists", msg,
                        _details(group, plural, name, retryAfterSeconds=1),
                        headers={"Retry-After": "1"})
    return ApiError(409, "AlreadyExists", msg, _details(group, plural, name))


def conflict(group, plural, name, why=None):
    why = why or ("the object has been modified; please apply your changes to the latest "
                  "version and try again")
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": %s'
                    % (group_resource(group, plural), name, why), _details(group, plural, name))


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def unauthorized():
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden_resource(user, verb, group, plural, sub, ns, name):
    res = plural + ("/" + sub if sub else "")
    if ns:
        scope = 'in the namespace "%s"' % ns
    else:
        scope = "at the cluster scope"
    why = 'User "%s" cannot %s resource "%s" in API group "%s" %s' % (user, verb, res, group, scope)
    gr = group_resource(group, plural)
    if name:
        msg = '%s "%s" is forbidden: %s' % (gr, name, why)
    else:
        msg = "%s is forbidden: %s" % (gr, why)
    return ApiError(403, "Forbidden", msg, _details(group, plural, name))


def forbidden_path(user, verb, path):
    return ApiError(403, "Forbidden", 'forbidden: User "%s" cannot %s path "%s"' % (user, verb, path), {})


def forbidden_msg(group, plural, name, why, causes=None):
    gr = group_resource(group, plural)
    msg = ('%s "%s" is forbidden: %s' % (gr, name, why)) if name else ("%s is forbidden: %s" % (gr, why))
    d = _details(group, plural, name)
    if causes:
        d["causes"] = causes
    return ApiError(403, "Forbidden", msg, d)


class FieldError:
    """field.Error: a path, a type (cause reason) and the ErrorBody text."""

    def __init__(self, field, reason, body):
        self.field = field
        self.reason = reason
        self.body = body

    def text(self):
        return "%s: %s" % (self.field, self.body)

    def cause(self):
        return {"reason": self.reason, "message": self.body, "field": self.field}


def fmt_value(v):
    """How field.Error prints a value: strings quoted, null as null, numbers plain."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return dumps(v)


def fe_required(field, detail=""):
    return FieldError(field, "FieldValueRequired", "Required value" + (": " + detail if detail else ""))


def fe_invalid(field, value, detail=""):
    return FieldError(field, "FieldValueInvalid",
                      "Invalid value: %s%s" % (fmt_value(value), (": " + detail) if detail else ""))


def fe_invalid_novalue(field, detail):
    return FieldError(field, "FieldValueInvalid", "Invalid value: " + detail)


def fe_not_supported(field, value, allowed):
    return FieldError(field, "FieldValueNotSupported", "Unsupported value: %s: supported values: %s"
                      % (fmt_value(value), ", ".join(json.dumps(a) for a in allowed)))


def fe_forbidden(field, detail):
    return FieldError(field, "FieldValueForbidden", "Forbidden: " + detail)


def fe_type(field, actual, expected):
    return FieldError(field, "FieldValueTypeInvalid",
                      'Invalid value: "%s": %s in body must be of type %s: "%s"'
                      % (actual, field, expected, actual))


def invalid(kind, group, name, errs):
    """422 Invalid with an aggregated message (one error, or [e1, e2])."""
    texts = [e.text() for e in errs]
    agg = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qual = kind + "." + group if group else kind
    d = {}
    if name:
        d["name"] = name
    if group:
        d["group"] = group
    d["kind"] = kind
    d["causes"] = [e.cause() for e in errs]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s' % (qual, name, agg), d)


def invalid_generic():
    """JSON-patch failures: 422 with the generic message, no details."""
    return ApiError(422, "Invalid", "the server rejected our request due to an error in our request")


def method_not_supported(verb, group, plural):
    return ApiError(405, "MethodNotAllowed", '%s is not supported on resources of kind "%s"'
                    % (verb, group_resource(group, plural)), {"group": group, "kind": plural} if group
                    else {"kind": plural})


def method_not_allowed_builtin():
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource", {})


def unsupported_media(types):
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types include: "
                    + ", ".join(types))


def expired(message, cont=None):
    md = {"continue": cont} if cont else {}
    return ApiError(410, "Expired", message, metadata=md)


def too_many_requests_text(retry_after=1):
    return ApiError(429, "TooManyRequests", "Too many requests, please try again later.",
                    raw="Too many requests, please try again later.\n",
                    content_type="text/plain; charset=utf-8",
                    headers={"Retry-After": str(retry_after), "X-Content-Type-Options": "nosniff"})


def timeout_504():
    body = {"metadata": {}, "status": "Failure",
            "message": "Timeout: request did not complete within the allotted timeout",
            "reason": "Timeout", "details": {}, "code": 504}
    return ApiError(504, "Timeout", body["message"], raw=dumps(body) + "\n")


def internal_error(err):
    return ApiError(500, "InternalError", "Internal error occurred: %s" % err,
                    {"causes": [{"message": str(err)}]})


def service_unavailable(message="the server is currently unable to handle the request"):
    return ApiError(503, "ServiceUnavailable", message)


def success_status(group, plural, name, uid):
    d = _details(group, plural, name)
    d["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": d}
