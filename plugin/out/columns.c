/* -o custom-columns, --show-labels and --sort-by keys, as kubectl get has them. */
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "util/jsonpath.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* "{.a.b}" and ".a.b" are the same path. */
static char *bare_path(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
		s++;
		n -= 2;
	}
	return xstrndup(s, n);
}

bool out_columns_parse(const char *spec, struct out_columns *cols, char **why)
{
	memset(cols, 0, sizeof *cols);
	const char *p = spec;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', n);
		if (!colon || colon == p || colon + 1 == p + n) {
			*why = xasprintf("custom-columns \"%.*s\": expected HEADER:JSONPATH, such as "
					 "NAME:.metadata.name",
					 (int)n, p);
			goto fail;
		}
		char *expr = bare_path(colon + 1, (size_t)(p + n - colon - 1));
		json_object *probe = json_object_new_object(), *sel = NULL;
		bool ok = jsonpath_select(probe, expr, &sel, why);
		json_object_put(probe);
		json_object_put(sel);
		if (!ok) {
			free(expr);
			goto fail;
		}
		cols->headers = xrealloc(cols->headers, (size_t)(cols->n + 1) * sizeof *cols->headers);
		cols->exprs = xrealloc(cols->exprs, (size_t)(cols->n + 1) * sizeof *cols->exprs);
		cols->headers[cols->n] = xstrndup(p, (size_t)(colon - p));
		cols->exprs[cols->n] = expr;
		cols->n++;
		p = end ? end + 1 : NULL;
	}
	if (cols->n)
		return true;
	*why = xstrdup("custom-columns needs at least one HEADER:JSONPATH");
fail:
	out_columns_clear(cols);
	return false;
}

char *out_select_text(json_object *obj, const char *expr)
{
	json_object *sel = NULL;
	char *why = NULL;
	if (!jsonpath_select(obj, expr, &sel, &why) || !json_object_array_length(sel)) {
		free(why);
		json_object_put(sel);
		return NULL;
	}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < json_object_array_length(sel); i++) {
		if (i)
			strbuf_addch(&sb, ',');
		jsonpath_text(&sb, json_object_array_get_idx(sel, i));
	}
	json_object_put(sel);
	return strbuf_detach(&sb);
}

void out_columns_clear(struct out_columns *cols)
{
	for (int i = 0; i < cols->n; i++) {
		free(cols->headers[i]);
		free(cols->exprs[i]);
	}
	free(cols->headers);
	free(cols->exprs);
	memset(cols, 0, sizeof *cols);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *out_labels_text(json_object *labels)
{
	if (!json_object_is_type(labels, json_type_object) || !json_object_object_length(labels))
		return NULL;
	size_t n = (size_t)json_object_object_length(labels), i = 0;
	char **kv = xcalloc(n, sizeof *kv);
	json_object_object_foreach(labels, k, v)
	{
		kv[i++] =
		    xasprintf("%s=%s", k, json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
	}
	qsort(kv, n, sizeof *kv, str_cmp); /* kubectl prints them sorted */
	struct strbuf sb = STRBUF_INIT;
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, kv[i]);
		free(kv[i]);
	}
	free(kv);
	return strbuf_detach(&sb);
}
