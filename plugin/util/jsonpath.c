#include "util/jsonpath.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Borrowed nodes of one step of a selection. */
struct nodes {
	json_object **v;
	size_t n, alloc;
};

static void nodes_add(struct nodes *ns, json_object *o)
{
	if (!o)
		return;
	if (ns->n == ns->alloc) {
		ns->alloc = ns->alloc ? ns->alloc * 2 : 8;
		ns->v = xrealloc(ns->v, ns->alloc * sizeof *ns->v);
	}
	ns->v[ns->n++] = o;
}

static void add_children(struct nodes *next, json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			nodes_add(next, json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val)
		{
			(void)key;
			nodes_add(next, val);
		}
	}
}

static void add_field(struct nodes *next, json_object *o, const char *name)
{
	json_object *v = NULL;
	if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, name, &v))
		nodes_add(next, v);
}

static void add_index(struct nodes *next, json_object *o, long i)
{
	if (!json_object_is_type(o, json_type_array))
		return;
	long n = (long)json_object_array_length(o);
	if (i < 0)
		i += n;
	if (i >= 0 && i < n)
		nodes_add(next, json_object_array_get_idx(o, (size_t)i));
}

/* A field name up to an unescaped '.' or '['; '\.' is a dot inside the name. */
static char *read_name(const char **p)
{
	struct strbuf sb = STRBUF_INIT;
	const char *s = *p;
	while (*s && *s != '.' && *s != '[') {
		if (*s == '\\' && s[1])
			s++;
		strbuf_addch(&sb, *s++);
	}
	*p = s;
	return strbuf_detach(&sb);
}

enum step_kind { STEP_FIELD, STEP_INDEX, STEP_ALL };
struct step {
	enum step_kind kind;
	char *name;
	long index;
};

static bool fail(char **why, const char *expr, const char *what)
{
	*why = xasprintf("JSONPath \"%s\": %s", expr, what);
	return false;
}

/* Reads one bracket step ("[*]", "[0]", "['a.b']") at *p. */
static bool read_bracket(const char **p, struct step *st, const char *expr, char **why)
{
	const char *s = *p + 1;
	if (*s == '*' && s[1] == ']') {
		st->kind = STEP_ALL;
		*p = s + 2;
		return true;
	}
	if (*s == '\'' || *s == '"') {
		const char *end = strchr(s + 1, *s);
		if (!end || end[1] != ']')
			return fail(why, expr, "unterminated quoted name");
		st->kind = STEP_FIELD;
		st->name = xstrndup(s + 1, (size_t)(end - s - 1));
		*p = end + 2;
		return true;
	}
	char *e = NULL;
	long i = strtol(s, &e, 10);
	if (e != s && *e == ']') {
		st->kind = STEP_INDEX;
		st->index = i;
		*p = e + 1;
		return true;
	}
	return fail(why, expr, "filters and slices are not supported; use [N], [*] or ['name']");
}

static bool read_step(const char **p, struct step *st, const char *expr, char **why)
{
	memset(st, 0, sizeof *st);
	if (**p == '[')
		return read_bracket(p, st, expr, why);
	if (**p == '.')
		(*p)++;
	if (**p == '.')
		return fail(why, expr, "recursive descent (..) is not supported");
	if (**p == '*') {
		st->kind = STEP_ALL;
		(*p)++;
		return true;
	}
	if (!**p || **p == '[')
		return **p ? read_bracket(p, st, expr, why) : true; /* "." alone: the node itself */
	st->kind = STEP_FIELD;
	st->name = read_name(p);
	return true;
}

static bool select_nodes(json_object *root, const char *expr, struct nodes *cur, char **why)
{
	const char *p = expr;
	while (*p == ' ')
		p++;
	if (*p == '$')
		p++;
	nodes_add(cur, root);
	while (*p && *p != ' ') {
		struct step st;
		const char *before = p;
		if (!read_step(&p, &st, expr, why))
			return false;
		if (p == before)
			return fail(why, expr, "cannot be read");
		struct nodes next = {0};
		for (size_t i = 0; i < cur->n; i++) {
			if (st.kind == STEP_ALL)
				add_children(&next, cur->v[i]);
			else if (st.kind == STEP_INDEX)
				add_index(&next, cur->v[i], st.index);
			else if (st.name)
				add_field(&next, cur->v[i], st.name);
			else
				nodes_add(&next, cur->v[i]);
		}
		free(st.name);
		free(cur->v);
		*cur = next;
	}
	while (*p == ' ')
		p++;
	return *p ? fail(why, expr, "unexpected text after the path") : true;
}

bool jsonpath_select(json_object *root, const char *expr, json_object **out, char **why)
{
	struct nodes cur = {0};
	bool ok = select_nodes(root, expr, &cur, why);
	if (ok) {
		if (!*out)
			*out = json_object_new_array();
		for (size_t i = 0; i < cur.n; i++)
			json_object_array_add(*out, json_object_get(cur.v[i]));
	}
	free(cur.v);
	return ok;
}

void jsonpath_text(struct strbuf *sb, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		strbuf_addstr(sb, json_object_get_string(v));
	else
		strbuf_addstr(
		    sb, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- templates ----------------------------------------------------------- */

/* The '}' closing the action that starts at s ('{'), skipping quoted text. */
static const char *action_end(const char *s)
{
	char quote = 0;
	for (s++; *s; s++) {
		if (quote) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '}') {
			return s;
		}
	}
	return NULL;
}

static bool is_action(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);
	while (s < end && *s == ' ')
		s++;
	return (size_t)(end - s) >= n && !strncmp(s, word, n) && (s + n == end || s[n] == ' ');
}

/* The "{end}" that closes a range whose body starts at s; NULL when missing. */
static const char *range_end(const char *s, const char **after)
{
	int depth = 1;
	while ((s = strchr(s, '{'))) {
		const char *e = action_end(s);
		if (!e)
			return NULL;
		if (is_action(s + 1, e, "range"))
			depth++;
		else if (is_action(s + 1, e, "end") && --depth == 0) {
			*after = e + 1;
			return s;
		}
		s = e + 1;
	}
	return NULL;
}

static void add_literal(struct strbuf *sb, const char *s, const char *end)
{
	char q = *s++;
	for (; s < end && *s != q; s++) {
		if (*s == '\\' && s + 1 < end) {
			s++;
			strbuf_addch(sb, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s);
		} else {
			strbuf_addch(sb, *s);
		}
	}
}

static bool render(json_object *root, const char *t, const char *tend, struct strbuf *sb, const char *whole,
		   char **why);

static bool render_range(json_object *root, const char *expr, const char *body, const char *body_end, struct strbuf *sb,
			 const char *whole, char **why)
{
	json_object *sel = NULL;
	bool ok = jsonpath_select(root, expr, &sel, why);
	/* A range over one array walks its elements, as kubectl's does. */
	if (ok && json_object_array_length(sel) == 1 &&
	    json_object_is_type(json_object_array_get_idx(sel, 0), json_type_array)) {
		json_object *inner = json_object_get(json_object_array_get_idx(sel, 0));
		json_object_put(sel);
		sel = inner;
	}
	for (size_t i = 0; ok && i < json_object_array_length(sel); i++)
		ok = render(json_object_array_get_idx(sel, i), body, body_end, sb, whole, why);
	json_object_put(sel);
	return ok;
}

static bool render_action(json_object *root, const char *a, const char *aend, struct strbuf *sb, char **why)
{
	while (a < aend && *a == ' ')
		a++;
	if (a < aend && (*a == '"' || *a == '\'')) {
		add_literal(sb, a, aend);
		return true;
	}
	char *expr = xstrndup(a, (size_t)(aend - a));
	json_object *sel = NULL;
	bool ok = jsonpath_select(root, expr, &sel, why);
	for (size_t i = 0; ok && i < json_object_array_length(sel); i++) {
		if (i)
			strbuf_addch(sb, ' ');
		jsonpath_text(sb, json_object_array_get_idx(sel, i));
	}
	json_object_put(sel);
	free(expr);
	return ok;
}

static bool render(json_object *root, const char *t, const char *tend, struct strbuf *sb, const char *whole, char **why)
{
	while (t < tend) {
		const char *open = memchr(t, '{', (size_t)(tend - t));
		if (!open) {
			strbuf_add(sb, t, (size_t)(tend - t));
			break;
		}
		strbuf_add(sb, t, (size_t)(open - t));
		const char *close = action_end(open);
		if (!close || close >= tend)
			return fail(why, whole, "unclosed {");
		if (is_action(open + 1, close, "range")) {
			const char *after = NULL, *end = range_end(close + 1, &after);
			if (!end || end > tend)
				return fail(why, whole, "{range} without {end}");
			char *expr = xstrndup(open + 7, (size_t)(close - open - 7));
			bool ok = render_range(root, expr, close + 1, end, sb, whole, why);
			free(expr);
			if (!ok)
				return false;
			t = after;
			continue;
		}
		if (is_action(open + 1, close, "end"))
			return fail(why, whole, "{end} without {range}");
		if (!render_action(root, open + 1, close, sb, why))
			return false;
		t = close + 1;
	}
	return true;
}

bool jsonpath_render(json_object *root, const char *tmpl, struct strbuf *sb, char **why)
{
	return render(root, tmpl, tmpl + strlen(tmpl), sb, tmpl, why);
}

bool jsonpath_check(const char *tmpl, char **why)
{
	struct strbuf sb = STRBUF_INIT;
	json_object *empty = json_object_new_object();
	bool ok = jsonpath_render(empty, tmpl, &sb, why);
	json_object_put(empty);
	strbuf_release(&sb);
	return ok;
}
