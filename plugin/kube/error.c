/* struct kube_error: made where the cause is known, read by commands.
 * Answers become errors here so every caller maps them the same way. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#define PLAIN_MESSAGE_MAX 200 /* a plain-text answer's first line */

void kube_error_clear(struct kube_error *err)
{
	free(err->reason);
	free(err->message);
	free(err->hint);
	if (err->status)
		json_object_put(err->status);
	memset(err, 0, sizeof *err);
}

void kube_error_set(struct kube_error *err, enum kube_err_kind kind, long http_code, const char *reason,
		    const char *hint, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	kube_error_clear(err);
	err->kind = kind;
	err->http_code = http_code;
	err->reason = xstrdup_or_null(reason);
	err->hint = xstrdup_or_null(hint);
	err->message = msg;
}

void kube_error_prefix(struct kube_error *err, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	what = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = xasprintf("%s: %s", what, err->message ? err->message : "unknown error");
	free(what);
	free(err->message);
	err->message = msg;
}

bool kube_error_is_not_found(const struct kube_error *err)
{
	/* Only a Status says the object is absent; text 404s are NOT_INSTALLED. */
	return err->kind == KUBE_ERR_API && err->http_code == 404 && err->status;
}

bool kube_error_is_forbidden(const struct kube_error *err)
{
	return err->kind == KUBE_ERR_API && err->http_code == 403;
}

bool kube_error_is_conflict(const struct kube_error *err)
{
	return err->kind == KUBE_ERR_API && err->http_code == 409;
}

void kube_error_move(struct kube_error *dst, struct kube_error *src)
{
	kube_error_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof *src);
}

/* What an API path names, for messages: /api/v1/namespaces/NS/pods/NAME or
 * /apis/G/V/RESOURCE. Fields point into the owned segment list. */
struct api_path {
	struct strlist segs;
	const char *group; /* "" for the core group, NULL when not an API path */
	const char *version;
	const char *resource;
	bool has_name;
	bool watch;
};

static void api_path_parse(struct api_path *ap, const char *path)
{
	size_t qlen = strcspn(path, "?");
	char *p = xstrndup(path, qlen);
	size_t rest;

	memset(ap, 0, sizeof *ap);
	ap->watch = strstr(path + qlen, "watch=1") || strstr(path + qlen, "watch=true");
	for (char *save = NULL, *s = strtok_r(p, "/", &save); s; s = strtok_r(NULL, "/", &save))
		strlist_push(&ap->segs, s);
	free(p);
	char **sg = ap->segs.items;
	if (ap->segs.n >= 2 && !strcmp(sg[0], "api")) {
		ap->group = "";
		ap->version = sg[1];
		rest = 2;
	} else if (ap->segs.n >= 2 && !strcmp(sg[0], "apis")) {
		ap->group = sg[1];
		ap->version = ap->segs.n >= 3 ? sg[2] : NULL;
		rest = 3;
	} else {
		return;
	}
	if (ap->segs.n <= rest)
		return;
	size_t r = rest;
	if (!strcmp(sg[rest], "namespaces") && ap->segs.n > rest + 2)
		r = rest + 2;
	ap->resource = sg[r];
	ap->has_name = ap->segs.n > r + 1;
}

static const char *verb_of(const char *method, const struct api_path *ap)
{
	if (!strcmp(method, "GET"))
		return ap->watch ? "watch" : ap->has_name ? "get" : "list";
	if (!strcmp(method, "POST"))
		return "create";
	if (!strcmp(method, "PATCH"))
		return "patch";
	if (!strcmp(method, "PUT"))
		return "update";
	if (!strcmp(method, "DELETE"))
		return ap->has_name ? "delete" : "deletecollection";
	return method;
}

/* "volumesnapshots.snapshot.storage.k8s.io", or "pods" for the core group. */
static char *group_resource(const struct api_path *ap)
{
	if (!ap->resource)
		return NULL;
	if (!ap->group || !*ap->group)
		return xstrdup(ap->resource);
	return xasprintf("%s.%s", ap->resource, ap->group);
}

static char *not_served_message(const struct api_path *ap)
{
	if (!ap->version)
		return xasprintf("the server does not serve the API group %s", ap->group);
	const char *slash = *ap->group ? "/" : "";
	if (!ap->resource)
		return xasprintf("the server does not serve %s%s%s", ap->group, slash, ap->version);
	return xasprintf("the server does not serve %s%s%s %s", ap->group, slash, ap->version, ap->resource);
}

/* The reason client-go synthesises for answers without a Status
 * (apimachinery NewGenericServerResponse). */
static const char *generic_reason(long code, const char *method)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 409:
		return !strcmp(method, "POST") ? "AlreadyExists" : "Conflict";
	case 410:
		return "Gone";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return code >= 500 ? "InternalError" : NULL;
	}
}

static char *hint_for(long code, const char *method, const struct api_path *ap)
{
	if (code == 401)
		return xstrdup("check your credentials (token expired? run the exec plugin / re-login)");
	if (code == 403) {
		char *gr = group_resource(ap);
		char *h = xasprintf("ask an administrator for RBAC permission to %s %s", verb_of(method, ap),
				    gr ? gr : "this path");
		free(gr);
		return h;
	}
	if (code == 429 || code == 503)
		return xstrdup("the server is overloaded; try again later");
	if (code == 504)
		return xstrdup("raise --request-timeout");
	return NULL;
}

/* The length of the valid UTF-8 sequence at p (at most left bytes), 0 when
 * there is none; C1 controls (U+0080-U+009F) count as invalid: terminals
 * obey them as they obey ESC. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xC2 && p[0] <= 0xDF	  ? 2
		   : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
		   : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
						  : 0;
	if (!n || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (n == 2 && p[0] == 0xC2 && p[1] < 0xA0)
		return 0;
	if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, surrogate */
	if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
		return 0;
	return n;
}

char *kube_clean_text(const char *s, size_t len, size_t max)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end && sb.len < max) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (sb.len && sb.buf[sb.len - 1] != ' ')
				strbuf_addch(&sb, ' ');
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addch(&sb, '?'); /* ESC and friends: the text, never the terminal's commands */
			p++;
		} else if (*p < 0x80) {
			strbuf_addch(&sb, (char)*p++);
		} else {
			size_t n = utf8_len(p, (size_t)(end - p));
			if (sb.len + n > max)
				break; /* a character is never cut in half */
			if (n) {
				strbuf_add(&sb, (const char *)p, n);
				p += n;
			} else {
				/* A C1 control is one '?', as ESC is. */
				bool c1 = p[0] == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] < 0xA0;
				strbuf_addch(&sb, '?');
				p += c1 ? 2 : 1;
			}
		}
	}
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	if (p < end)
		strbuf_addstr(&sb, "...");
	return strbuf_detach(&sb);
}

static char *first_line(const char *body, size_t len)
{
	while (len && strchr(" \t\r\n", *body)) {
		body++;
		len--;
	}
	size_t n = 0;
	while (n < len && body[n] != '\n' && body[n] != '\r')
		n++;
	/* An HTML error page is not a message. */
	return kube_clean_text(body, n, PLAIN_MESSAGE_MAX);
}

/* By Content-Type (Appendix A), or by shape when a proxy dropped the header:
 * "404 page not found" never parses as an object. */
static bool is_json(const char *content_type, const char *body, size_t len)
{
	if (content_type && !strncmp(content_type, "application/json", 16))
		return true;
	return !content_type && len && body[0] == '{';
}

void kube_error_from_response(struct kube_error *err, const char *method, const char *path, long code,
			      const char *content_type, const char *body, size_t len)
{
	struct api_path ap;
	json_object *obj = is_json(content_type, body, len) ? jparse(body, len) : NULL;

	api_path_parse(&ap, path);
	kube_error_clear(err);
	err->http_code = code;
	err->hint = hint_for(code, method, &ap);
	if (obj && !strcmp(jstr_or(obj, "kind", ""), "Status")) {
		err->kind = KUBE_ERR_API;
		const char *reason = jstr(obj, "reason");
		const char *msg = jstr_or(obj, "message", "the server reported an error");
		err->reason = reason ? kube_clean_text(reason, strlen(reason), STATUS_REASON_MAX) : NULL;
		err->message = kube_clean_text(msg, strlen(msg), STATUS_MESSAGE_MAX);
		err->status = obj;
		obj = NULL;
	} else if (code == 404 && !obj && ap.group) {
		/* A missing object is a JSON Status; plain text means nothing serves the path. */
		err->kind = KUBE_ERR_NOT_INSTALLED;
		err->reason = xstrdup("NotFound");
		err->message = not_served_message(&ap);
		free(err->hint);
		err->hint = xstrdup("install the CRDs or the add-on that serves this API");
	} else {
		err->kind = KUBE_ERR_API;
		err->reason = xstrdup_or_null(generic_reason(code, method));
		char *line = first_line(body, len);
		err->message = *line ? line : xasprintf("the server answered HTTP %ld", code);
		if (!*line)
			free(line);
	}
	if (obj)
		json_object_put(obj);
	strlist_clear(&ap.segs);
}

void kube_error_from_curl(struct kube_error *err, CURLcode rc, const char *detail, const char *url,
			  const char *untrusted_hint)
{
	const char *what = detail && *detail ? detail : curl_easy_strerror(rc);
	const char *hint = NULL;
	enum kube_err_kind kind = KUBE_ERR_TRANSPORT;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		hint = "is the server URL right? (the kubeconfig's cluster server)";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		hint = untrusted_hint
			   ? untrusted_hint
			   : "the server's certificate is not trusted by certificate-authority of the kubeconfig; "
			     "never disable verification in production";
		/* A trusted certificate issued for another name is not the CA's fault. */
		if (strstr(what, "subject name") || strstr(what, "does not match"))
			hint = "the server's certificate is not issued for this host name: use a name it names "
			       "(--tls-server-name, or tls-server-name in the kubeconfig)";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		kind = KUBE_ERR_TIMEOUT;
		hint = "raise --request-timeout";
		break;
	default:
		break;
	}
	kube_error_set(err, kind, 0, NULL, hint, "%s: %s", url, what);
}
