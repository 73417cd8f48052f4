/* Redaction for support bundles, after troubleshoot.sh's default redactors
 * (replicatedhq/troubleshoot pkg/redact): what a bundle must never carry is
 * masked as ***HIDDEN*** and every mask is counted per file and redactor.
 * Secrets themselves are never read, so these catch what leaks elsewhere. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive/archive.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

void arc_redactions_init(struct arc_redactions *r)
{
	r->by_file = json_object_new_object();
}

void arc_redactions_note(struct arc_redactions *r, const char *file, const char *redactor, int count)
{
	if (!r || count <= 0)
		return;
	json_object *f = NULL, *c = NULL;
	if (!json_object_object_get_ex(r->by_file, file, &f)) {
		f = json_object_new_object();
		json_object_object_add(r->by_file, file, f);
	}
	int64_t have = json_object_object_get_ex(f, redactor, &c) ? json_object_get_int64(c) : 0;
	json_object_object_add(f, redactor, json_object_new_int64(have + count));
}

json_object *arc_redactions_json(const struct arc_redactions *r)
{
	return json_object_get(r->by_file);
}

void arc_redactions_clear(struct arc_redactions *r)
{
	json_object_put(r->by_file);
	r->by_file = NULL;
}

static bool b64url(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

static bool token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~+/=", c);
}

/* "eyJ<b64>.<b64>.<b64>": the length of a JWT at p, or 0. */
static size_t jwt_len(const char *p)
{
	if (strncmp(p, "eyJ", 3) != 0)
		return 0;
	size_t i = 3;
	for (int part = 0; part < 3; part++) {
		size_t start = i;
		while (b64url(p[i]))
			i++;
		if (part < 2 && (i == start || p[i] != '.'))
			return 0;
		if (part < 2)
			i++;
	}
	return i;
}

/* At p: "scheme://user:pass@" -> the length of "user:pass", else 0 (p is just after "://"). */
static size_t userinfo_len(const char *p)
{
	size_t i = 0;
	bool colon = false;
	for (; p[i] && !strchr("/?# \t\r\n\"'<>@", p[i]); i++)
		colon |= p[i] == ':';
	return p[i] == '@' && colon && i > 0 ? i : 0;
}

static const char *const secret_keys[] = {"password", "passwd", "pwd", "token", "secret", "apikey", "api_key", NULL};

/* At p: "password=value" (key case-insensitive, at a word start): the key's length. */
static size_t secret_key_len(const char *text, const char *p)
{
	if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		return 0;
	for (const char *const *k = secret_keys; *k; k++) {
		size_t kl = strlen(*k);
		if (!strncasecmp(p, *k, kl) && p[kl] == '=' && p[kl + 1] && !strchr(" \t\r\n&;,\"'", p[kl + 1]))
			return kl + 1;
	}
	return 0;
}

char *arc_redact_text(const char *text, struct arc_redactions *r, const char *file)
{
	struct strbuf sb = STRBUF_INIT;
	int uri = 0, bearer = 0, jwt = 0, kv = 0;
	for (const char *p = text; *p;) {
		size_t n;
		if (p[0] == ':' && p[1] == '/' && p[2] == '/' && (n = userinfo_len(p + 3))) {
			strbuf_addstr(&sb, "://" ARC_HIDDEN);
			p += 3 + n;
			uri++;
		} else if (!strncasecmp(p, "bearer ", 7) && token_char(p[7])) {
			strbuf_add(&sb, p, 7);
			strbuf_addstr(&sb, ARC_HIDDEN);
			for (p += 7; token_char(*p); p++)
				;
			bearer++;
		} else if ((n = jwt_len(p)) && (p == text || !b64url(p[-1]))) {
			strbuf_addstr(&sb, ARC_HIDDEN);
			p += n;
			jwt++;
		} else if ((n = secret_key_len(text, p))) {
			strbuf_add(&sb, p, n);
			strbuf_addstr(&sb, ARC_HIDDEN);
			for (p += n; *p && !strchr(" \t\r\n&;,\"'", *p); p++)
				;
			kv++;
		} else {
			strbuf_addch(&sb, *p++);
		}
	}
	arc_redactions_note(r, file, "uri-credentials", uri);
	arc_redactions_note(r, file, "bearer-token", bearer);
	arc_redactions_note(r, file, "jwt", jwt);
	arc_redactions_note(r, file, "secret-value", kv);
	return strbuf_detach(&sb);
}

static int redact_value(json_object *v, struct arc_redactions *r, const char *file);

/* A new string with v's text masked, or NULL when v is not a string or nothing was masked. */
static json_object *masked_string(json_object *v, struct arc_redactions *r, const char *file)
{
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	char *masked = arc_redact_text(s, r, file);
	json_object *out = strcmp(masked, s) != 0 ? json_object_new_string(masked) : NULL;
	free(masked);
	return out;
}

static int redact_env(json_object *env, struct arc_redactions *r, const char *file)
{
	int n = 0;
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		json_object *e = json_object_array_get_idx(env, i), *val;
		if (json_object_is_type(e, json_type_object) && json_object_object_get_ex(e, "value", &val)) {
			json_object_object_add(e, "value", json_object_new_string(ARC_HIDDEN));
			n++;
		}
	}
	arc_redactions_note(r, file, "env-value", n);
	return n;
}

static int redact_members(json_object *obj, struct arc_redactions *r, const char *file)
{
	int n = 0;
	json_object_object_foreach(obj, key, val)
	{
		if (!strcmp(key, "annotations") && json_object_is_type(val, json_type_object) &&
		    json_object_object_get_ex(val, LAST_APPLIED, NULL)) {
			json_object_object_add(val, LAST_APPLIED, json_object_new_string(ARC_HIDDEN));
			arc_redactions_note(r, file, "last-applied-configuration", 1);
			n++;
		}
		if (!strcmp(key, "env") && json_object_is_type(val, json_type_array))
			n += redact_env(val, r, file);
		json_object *masked = masked_string(val, r, file);
		if (masked) {
			json_object_object_add(obj, key, masked);
			n++;
		} else {
			n += redact_value(val, r, file);
		}
	}
	return n;
}

static int redact_value(json_object *v, struct arc_redactions *r, const char *file)
{
	int n = 0;
	if (json_object_is_type(v, json_type_object)) {
		n = redact_members(v, r, file);
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i), *masked = masked_string(e, r, file);
			if (masked) {
				json_object_array_put_idx(v, i, masked);
				n++;
			} else {
				n += redact_value(e, r, file);
			}
		}
	}
	return n;
}

int arc_redact_object(json_object *obj, struct arc_redactions *r, const char *file)
{
	return redact_value(obj, r, file);
}

char *arc_hash_name(const char *prefix, const char *name)
{
	char sha[ARC_SHA256_HEX];
	arc_sha256_hex(name, strlen(name), sha);
	return xasprintf("%s-%.10s", prefix, sha);
}
