#include "util/json.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

json_object *jget(json_object *obj, const char *path)
{
	const char *p = path;
	while (obj && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[256];
		if (n >= sizeof key || !json_object_is_type(obj, json_type_object))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		json_object *next = NULL;
		if (!json_object_object_get_ex(obj, key, &next))
			return NULL;
		obj = next;
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}

const char *jstr(json_object *obj, const char *path)
{
	json_object *v = jget(obj, path);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *jstr_or(json_object *obj, const char *path, const char *def)
{
	const char *s = jstr(obj, path);
	return s ? s : def;
}

bool jbool(json_object *obj, const char *path, bool *out)
{
	json_object *v = jget(obj, path);
	if (!json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

bool jint64(json_object *obj, const char *path, int64_t *out)
{
	json_object *v = jget(obj, path);
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (errno || end == s || *end)
			return false;
		*out = n;
		return true;
	}
	return false;
}

void jset(json_object *obj, const char *path, json_object *val)
{
	const char *dot = strchr(path, '.');
	if (!dot) {
		json_object_object_add(obj, path, val);
		return;
	}
	char *key = xstrndup(path, (size_t)(dot - path));
	json_object *child = NULL;
	if (!json_object_object_get_ex(obj, key, &child) || !json_object_is_type(child, json_type_object)) {
		child = json_object_new_object();
		json_object_object_add(obj, key, child);
	}
	free(key);
	jset(child, dot + 1, val);
}

const char *jstr_key(json_object *obj, const char *path, const char *key)
{
	json_object *m = jget(obj, path), *v = NULL;
	if (!m || !json_object_is_type(m, json_type_object) || !json_object_object_get_ex(m, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void jcopy(json_object *dst, json_object *src, const char *path)
{
	json_object *v = jget(src, path);
	if (v)
		jset(dst, path, json_object_get(v));
}

char *jdump(json_object *obj)
{
	return xstrdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

json_object *jparse(const char *buf, size_t len)
{
	if (len > INT_MAX)
		return NULL;
	json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (obj && json_tokener_get_error(tok) == json_tokener_success) {
		/* Only trailing white space may follow the value. */
		size_t end = json_tokener_get_parse_end(tok);
		for (; end < len; end++) {
			if (!buf[end] || !strchr(" \t\r\n", buf[end])) {
				json_object_put(obj);
				obj = NULL;
				break;
			}
		}
	} else if (obj) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}
