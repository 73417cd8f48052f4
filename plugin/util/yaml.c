/* YAML <-> json-c with libyaml.
 *
 * Reading walks libyaml's event stream recursively. Plain scalars are typed
 * with the YAML 1.2 core schema (what Kubernetes effectively gives kubeconfigs
 * and manifests); anchors are kept in a small table and aliases are expanded
 * by deep copy, with a node budget so an alias bomb cannot eat memory.
 *
 * Writing mimics kubectl -o yaml (sigs.k8s.io/yaml -> go-yaml v2): sorted keys,
 * 2-space indent, sequences under a key at the key's indent, strings that
 * would read back as another type double-quoted, strings that cannot be plain
 * single-quoted, multi-line strings as literal blocks.
 */
#include "util/yaml.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* Budget of values created, aliases included: far above any kubeconfig or
 * manifest, far below what a "billion laughs" document would need. */
#define YAML_MAX_NODES 1000000
#define YAML_MAX_DEPTH 512

struct anchor {
	char *name;
	json_object *val;
};

struct reader {
	yaml_parser_t parser;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;
	char *errmsg;
};

/* ---- reading ------------------------------------------------------------ */

static void reader_fail(struct reader *r, const yaml_mark_t *mark, const char *problem)
{
	if (r->errmsg)
		return;
	r->errmsg = xasprintf("line %zu, column %zu: %s", mark->line + 1, mark->column + 1, problem);
}

/* libyaml's context ("while parsing a block mapping") adds little for a user:
 * the problem and its position are what they need to fix the file. */
static void reader_parser_fail(struct reader *r)
{
	reader_fail(r, &r->parser.problem_mark, r->parser.problem ? r->parser.problem : "invalid YAML");
}

static bool next_event(struct reader *r, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&r->parser, ev)) {
		reader_parser_fail(r);
		return false;
	}
	return true;
}

static bool count_node(struct reader *r, const yaml_mark_t *mark)
{
	if (++r->nodes > YAML_MAX_NODES) {
		reader_fail(r, mark, "document too large (too many values or alias expansions)");
		return false;
	}
	return true;
}

static bool all_match(const char *s, size_t n, const char *set)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

static bool is_core_int(const char *s, int *base, const char **digits)
{
	const char *p = s;
	if (p[0] == '0' && p[1] == 'o' && all_match(p + 2, strlen(p + 2), "01234567")) {
		*base = 8;
		*digits = p + 2;
		return true;
	}
	if (p[0] == '0' && p[1] == 'x' && all_match(p + 2, strlen(p + 2), "0123456789abcdefABCDEF")) {
		*base = 16;
		*digits = p + 2;
		return true;
	}
	if (*p == '-' || *p == '+')
		p++;
	if (!all_match(p, strlen(p), "0123456789"))
		return false;
	*base = 10;
	*digits = s;
	return true;
}

static bool is_core_float(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	size_t before = strspn(p, "0123456789");
	p += before;
	size_t after = 0;
	if (*p == '.') {
		p++;
		after = strspn(p, "0123456789");
		p += after;
	}
	if (before == 0 && after == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		size_t exp = strspn(p, "0123456789");
		if (exp == 0)
			return false;
		p += exp;
	}
	return *p == '\0';
}

static bool word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static const char *const core_true[] = {"true", "True", "TRUE", NULL};
static const char *const core_false[] = {"false", "False", "FALSE", NULL};
static const char *const core_null[] = {"", "~", "null", "Null", "NULL", NULL};

/* A plain scalar as the YAML 1.2 core schema types it. ".inf"/".nan" stay
 * strings: JSON cannot carry them and no Kubernetes field wants them. */
static json_object *plain_scalar(const char *s)
{
	int base;
	const char *digits;
	if (word_in(s, core_null))
		return NULL;
	if (word_in(s, core_true))
		return json_object_new_boolean(1);
	if (word_in(s, core_false))
		return json_object_new_boolean(0);
	if (is_core_int(s, &base, &digits)) {
		errno = 0;
		char *end;
		long long v = strtoll(digits, &end, base);
		if (errno == 0 && *end == '\0')
			return json_object_new_int64(v);
		errno = 0;
		unsigned long long u = strtoull(digits, &end, base);
		if (errno == 0 && *end == '\0' && *digits != '-')
			return json_object_new_uint64(u);
		/* Too big for int64: keep the magnitude as a float, as Go's
		 * yaml->json conversion does for out-of-range integers. */
		return json_object_new_double(strtod(s, NULL));
	}
	if (is_core_float(s))
		return json_object_new_double(strtod(s, NULL));
	return json_object_new_string(s);
}

static json_object *scalar_value(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	if (tag && strcmp(tag, YAML_STR_TAG) == 0)
		return json_object_new_string_len(s, (int)ev->data.scalar.length);
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE && !tag)
		return json_object_new_string_len(s, (int)ev->data.scalar.length);
	/* Plain, or quoted with an explicit non-str tag such as !!int "3". */
	return plain_scalar(s);
}

static void remember_anchor(struct reader *r, const yaml_char_t *anchor, json_object *val)
{
	if (!anchor)
		return;
	for (size_t i = 0; i < r->nanchors; i++) {
		if (strcmp(r->anchors[i].name, (const char *)anchor) == 0) {
			/* A redefined anchor replaces the old one for later aliases. */
			json_object_put(r->anchors[i].val);
			r->anchors[i].val = json_object_get(val);
			return;
		}
	}
	r->anchors = xrealloc(r->anchors, (r->nanchors + 1) * sizeof(*r->anchors));
	r->anchors[r->nanchors].name = xstrdup((const char *)anchor);
	r->anchors[r->nanchors].val = json_object_get(val);
	r->nanchors++;
}

static size_t count_values(json_object *v)
{
	size_t n = 1;
	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, child)
		{
			(void)key;
			n += count_values(child);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			n += count_values(json_object_array_get_idx(v, i));
	}
	return n;
}

/* An alias gets its own deep copy so callers may modify the tree freely. */
static int resolve_alias(struct reader *r, const yaml_event_t *ev, json_object **out)
{
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = 0; i < r->nanchors; i++) {
		if (strcmp(r->anchors[i].name, name) != 0)
			continue;
		json_object *src = r->anchors[i].val;
		r->nodes += count_values(src);
		if (!count_node(r, &ev->start_mark))
			return -1;
		*out = NULL;
		if (src && json_object_deep_copy(src, out, NULL) != 0) {
			reader_fail(r, &ev->start_mark, "cannot copy aliased value");
			return -1;
		}
		return 0;
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "unknown anchor '%s' referenced", name);
	reader_fail(r, &ev->start_mark, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int parse_node(struct reader *r, yaml_event_t *ev, int depth, json_object **out);

/* "<<: *base" (or a list of them) copies keys the mapping does not set itself. */
static int merge_into(struct reader *r, json_object *map, json_object *src, const yaml_mark_t *mark)
{
	if (json_object_is_type(src, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(src); i++)
			if (merge_into(r, map, json_object_array_get_idx(src, i), mark) < 0)
				return -1;
		return 0;
	}
	if (!json_object_is_type(src, json_type_object)) {
		reader_fail(r, mark, "map merge requires a mapping or a list of mappings");
		return -1;
	}
	json_object_object_foreach(src, key, val)
	{
		if (!json_object_object_get_ex(map, key, NULL))
			json_object_object_add(map, key, json_object_get(val));
	}
	return 0;
}

static int parse_mapping_pair(struct reader *r, yaml_event_t *kev, int depth, json_object *map)
{
	int rc = -1;
	yaml_event_t vev;
	json_object *val = NULL;
	if (kev->type != YAML_SCALAR_EVENT) {
		/* JSON objects have string keys only; a mapping or list as a key has
		 * no JSON form, so it is an error rather than something lossy. */
		reader_fail(r, &kev->start_mark, "mapping keys must be scalars");
		return -1;
	}
	const char *key = (const char *)kev->data.scalar.value;
	bool merge = kev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(key, "<<") == 0;
	if (!next_event(r, &vev))
		return -1;
	if (parse_node(r, &vev, depth + 1, &val) < 0)
		goto out;
	if (merge) {
		rc = merge_into(r, map, val, &kev->start_mark);
		goto out;
	}
	/* Later duplicates win, as with Go's decoder into a map. */
	json_object_object_add(map, key, val);
	val = NULL;
	rc = 0;
out:
	json_object_put(val);
	yaml_event_delete(&vev);
	return rc;
}

static int parse_mapping(struct reader *r, const yaml_event_t *start, int depth, json_object **out)
{
	json_object *map = json_object_new_object();
	remember_anchor(r, start->data.mapping_start.anchor, map);
	for (;;) {
		yaml_event_t kev;
		if (!next_event(r, &kev))
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		int rc = parse_mapping_pair(r, &kev, depth, map);
		yaml_event_delete(&kev);
		if (rc < 0)
			goto fail;
	}
	*out = map;
	return 0;
fail:
	json_object_put(map);
	return -1;
}

static int parse_sequence(struct reader *r, const yaml_event_t *start, int depth, json_object **out)
{
	json_object *arr = json_object_new_array();
	remember_anchor(r, start->data.sequence_start.anchor, arr);
	for (;;) {
		yaml_event_t ev;
		json_object *item = NULL;
		if (!next_event(r, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		int rc = parse_node(r, &ev, depth + 1, &item);
		yaml_event_delete(&ev);
		if (rc < 0)
			goto fail;
		json_object_array_add(arr, item);
	}
	*out = arr;
	return 0;
fail:
	json_object_put(arr);
	return -1;
}

static int parse_node(struct reader *r, yaml_event_t *ev, int depth, json_object **out)
{
	*out = NULL;
	if (depth > YAML_MAX_DEPTH) {
		reader_fail(r, &ev->start_mark, "document nested too deeply");
		return -1;
	}
	if (!count_node(r, &ev->start_mark))
		return -1;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = scalar_value(ev);
		remember_anchor(r, ev->data.scalar.anchor, *out);
		return 0;
	case YAML_ALIAS_EVENT:
		return resolve_alias(r, ev, out);
	case YAML_MAPPING_START_EVENT:
		return parse_mapping(r, ev, depth, out);
	case YAML_SEQUENCE_START_EVENT:
		return parse_sequence(r, ev, depth, out);
	default:
		reader_fail(r, &ev->start_mark, "unexpected YAML event");
		return -1;
	}
}

/* Skips STREAM-START and returns the first DOCUMENT-START's root node. */
static int parse_first_document(struct reader *r, json_object **out)
{
	int rc = -1;
	yaml_event_t ev;
	bool have_ev = false;
	*out = NULL;
	for (;;) {
		if (!next_event(r, &ev))
			goto out;
		have_ev = true;
		if (ev.type == YAML_STREAM_END_EVENT) {
			rc = 0; /* no document at all */
			goto out;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			have_ev = false;
			break;
		}
		yaml_event_delete(&ev);
		have_ev = false;
	}
	if (!next_event(r, &ev))
		goto out;
	have_ev = true;
	rc = parse_node(r, &ev, 0, out);
out:
	if (have_ev)
		yaml_event_delete(&ev);
	return rc;
}

int yaml_to_json(const char *buf, size_t len, json_object **out, char **errmsg)
{
	struct reader r;
	memset(&r, 0, sizeof(r));
	*out = NULL;
	*errmsg = NULL;
	if (!yaml_parser_initialize(&r.parser)) {
		*errmsg = xstrdup("cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)buf, len);
	json_object *root = NULL;
	int rc = parse_first_document(&r, &root);
	if (rc == 0) {
		*out = root;
	} else {
		json_object_put(root);
		*errmsg = r.errmsg ? r.errmsg : xstrdup("invalid YAML");
		r.errmsg = NULL;
	}
	for (size_t i = 0; i < r.nanchors; i++) {
		free(r.anchors[i].name);
		json_object_put(r.anchors[i].val);
	}
	free(r.anchors);
	free(r.errmsg);
	yaml_parser_delete(&r.parser);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* go-yaml v2 (YAML 1.1 resolver) words that read back as bool, null, float
 * or a merge key, space-separated with a space at both ends for lookups. */
static const char v11_words[] = " ~ null Null NULL y Y yes Yes YES n N no No NO true True TRUE false False FALSE"
				" on On ON off Off OFF .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF"
				" .nan .NaN .NAN << ";

static bool is_v11_word(const char *s)
{
	size_t n = strlen(s);
	for (const char *p = strstr(v11_words, s); p; p = strstr(p + 1, s))
		if (p[-1] == ' ' && p[n] == ' ')
			return true;
	return false;
}

/* Go's strconv.ParseInt(s, 0, 64) after go-yaml strips underscores. */
static bool v11_is_int(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return all_match(p + 2, strlen(p + 2), "0123456789abcdefABCDEF_");
	if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		return all_match(p + 2, strlen(p + 2), "01_");
	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		return all_match(p + 2, strlen(p + 2), "01234567_");
	return all_match(p, strlen(p), "0123456789_") && strspn(p, "_") == 0;
}

/* go-yaml's sexagesimal float ("1:20"), which YAML 1.1 readers take as a number. */
static bool v11_is_base60(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	p += strspn(p, "0123456789_");
	if (*p != ':')
		return false;
	while (*p == ':') {
		p++;
		size_t n = strspn(p, "0123456789");
		if (n == 0 || n > 2 || (n == 2 && *p > '5'))
			return false;
		p += n;
	}
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789_");
	return *p == '\0';
}

static size_t digits_at(const char *p)
{
	return strspn(p, "0123456789");
}

/* go-yaml resolves "2006-1-2" and "2006-1-2T15:04:05Z"-like plain scalars as
 * timestamps, which is why kubectl prints creationTimestamp quoted. */
static bool v11_is_timestamp(const char *s)
{
	const char *p = s;
	if (digits_at(p) != 4 || p[4] != '-')
		return false;
	p += 5;
	size_t n = digits_at(p);
	if (n < 1 || n > 2 || p[n] != '-')
		return false;
	p += n + 1;
	n = digits_at(p);
	if (n < 1 || n > 2)
		return false;
	p += n;
	if (*p == '\0')
		return true;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	n = digits_at(p);
	return n >= 1 && n <= 2 && p[n] == ':';
}

static bool reads_as_non_string(const char *s)
{
	if (*s == '\0' || (!strchr(s, ' ') && is_v11_word(s)))
		return true;
	char *stripped = xstrdup(s);
	size_t j = 0;
	for (size_t i = 0; s[i]; i++)
		if (s[i] != '_')
			stripped[j++] = s[i];
	stripped[j] = '\0';
	bool num = v11_is_int(s) || (*stripped && is_core_float(stripped));
	free(stripped);
	return num || v11_is_base60(s) || v11_is_timestamp(s);
}

/* The length of the UTF-8 sequence at p and its code point, or 0 when the
 * bytes are not valid UTF-8 (overlong, surrogate, cut short). */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
	size_t n;
	uint32_t c;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2;
		c = p[0] & 0x1F;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3;
		c = p[0] & 0x0F;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		c = (c << 6) | (p[i] & 0x3F);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* Code points a YAML reader does not take raw inside a scalar: libyaml's
 * is_printable set inverted, plus the line breaks NEL, LS and PS (which
 * readers fold as newlines) and the BOM. The line feed is the callers'. */
static bool needs_escape(uint32_t c)
{
	if (c == '\n')
		return false;
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))
		return true;
	return c == 0x2028 || c == 0x2029 || c == 0xFEFF || (c >= 0xD800 && c <= 0xDFFF) || c == 0xFFFE || c == 0xFFFF;
}

static bool has_special_chars(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (!n || needs_escape(c))
			return true;
		p += n;
	}
	return false;
}

static bool blank_or_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n';
}

/* libyaml's emitter analysis for block-context plain scalars. */
static bool plain_allowed(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	if (strncmp(s, "---", 3) == 0 || strncmp(s, "...", 3) == 0)
		return false;
	if (strchr("#,[]{}&*!|>'\"%@`", s[0]))
		return false;
	if (strchr("?:-", s[0]) && blank_or_end(s[1]))
		return false;
	for (size_t i = 1; i < len; i++) {
		if (s[i] == ':' && blank_or_end(s[i + 1]))
			return false;
		if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return false;
	}
	return true;
}

/* Double-quoted with YAML escapes; len bytes, so an embedded NUL survives. */
static void write_double_quoted(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	fputc('"', f);
	while (p < end) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);
		if (!n || p + n > end) {
			/* Not UTF-8: YAML cannot carry the byte; \xNN keeps it visible. */
			fprintf(f, "\\x%02X", *p++);
			continue;
		}
		p += n;
		switch (c) {
		case 0:
			fputs("\\0", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case 0x1b:
			fputs("\\e", f);
			break;
		case 0x85:
			fputs("\\N", f);
			break;
		case 0x2028:
			fputs("\\L", f);
			break;
		case 0x2029:
			fputs("\\P", f);
			break;
		default:
			if (c <= 0xff && needs_escape(c))
				fprintf(f, "\\x%02X", (unsigned)c);
			else if (needs_escape(c))
				fprintf(f, "\\u%04X", (unsigned)c);
			else
				fwrite(p - n, 1, n, f);
		}
	}
	fputc('"', f);
}

static void write_single_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void write_indent(FILE *f, int indent)
{
	for (int i = 0; i < indent; i++)
		fputc(' ', f);
}

/* A literal block: "|" plus chomping ("-" no final newline, "+" several) and an
 * indentation digit when the text itself starts with a space or newline. */
static void write_literal(FILE *f, const char *s, int indent)
{
	size_t len = strlen(s);
	fputc('|', f);
	if (s[0] == ' ' || s[0] == '\n')
		fputc('2', f);
	if (s[len - 1] != '\n')
		fputc('-', f);
	else if (len == 1 || s[len - 2] == '\n')
		fputc('+', f);
	fputc('\n', f);
	const char *line = s;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > 0) {
			write_indent(f, indent);
			fwrite(line, 1, n, f);
		}
		fputc('\n', f);
		if (!nl)
			break;
		line = nl + 1;
	}
}

static bool literal_allowed(const char *s)
{
	size_t len = strlen(s);
	if (has_special_chars(s) || s[len - 1] == ' ')
		return false;
	/* A space right before a line break cannot survive a block scalar. */
	return strstr(s, " \n") == NULL;
}

/* Writes a scalar string of len bytes; returns true when it wrote a literal
 * block (which already ends its line). */
static bool write_string(FILE *f, const char *s, size_t len, int block_indent, bool is_key)
{
	if (memchr(s, '\0', len)) {
		write_double_quoted(f, s, len);
		return false;
	}
	if (strchr(s, '\n') && !is_key && literal_allowed(s)) {
		write_literal(f, s, block_indent);
		return true;
	}
	if (strchr(s, '\n') || has_special_chars(s) || reads_as_non_string(s))
		write_double_quoted(f, s, len);
	else if (plain_allowed(s))
		fputs(s, f);
	else
		write_single_quoted(f, s);
	return false;
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64), which go-yaml uses: the shortest
 * digits that round-trip, in exponent form when the exponent is < -4 or >= 6. */
static void write_float(FILE *f, double v)
{
	if (isnan(v)) {
		fputs(".nan", f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? ".inf" : "-.inf", f);
		return;
	}
	char buf[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	int exp = atoi(strchr(buf, 'e') + 1);
	if (exp >= -4 && exp < 6) {
		int decimals = prec - 1 - exp;
		snprintf(buf, sizeof(buf), "%.*f", decimals > 0 ? decimals : 0, v);
	}
	fputs(buf, f);
}

static int write_value(FILE *f, json_object *v, int indent, bool in_seq);

static bool key_letter(unsigned char c)
{
	return isalpha(c) || c >= 0x80; /* multi-byte UTF-8 counts as letters */
}

static bool key_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The value of the digit run at a[i], with go-yaml's rule that a run after
 * non-zero digits counts as already non-zero (so "a10" vs "a010" behave).
 * Go's int wraps on long runs; unsigned arithmetic wraps the same way
 * without C's signed-overflow undefined behaviour. */
static int64_t key_number(const unsigned char *a, size_t i, bool other_zero, size_t *end)
{
	uint64_t n = 0;
	if (a[i] == '0' || other_zero) {
		for (size_t j = i; j-- > 0 && key_digit(a[j]);) {
			if (a[j] != '0') {
				n = 1;
				break;
			}
		}
	}
	for (*end = i; key_digit(a[*end]); (*end)++)
		n = n * 10 + (uint64_t)(a[*end] - '0');
	return (int64_t)n;
}

/* go-yaml v2's keyList.Less for string keys, which decides kubectl's key
 * order: non-letters before letters, digit runs compared as numbers. */
static int cmp_keys(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa;
	const unsigned char *b = *(const unsigned char *const *)pb;
	size_t i;
	for (i = 0; a[i] && b[i]; i++) {
		if (a[i] == b[i])
			continue;
		bool al = key_letter(a[i]), bl = key_letter(b[i]);
		if (al && bl)
			return a[i] < b[i] ? -1 : 1;
		if (al || bl)
			return bl ? -1 : 1;
		size_t ae, be;
		bool zero = a[i] == '0' || b[i] == '0';
		int64_t an = key_number(a, i, zero, &ae), bn = key_number(b, i, zero, &be);
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ae != be)
			return ae < be ? -1 : 1;
		return a[i] < b[i] ? -1 : 1;
	}
	return a[i] ? 1 : (b[i] ? -1 : 0);
}

static bool is_empty_container(json_object *v)
{
	if (json_object_is_type(v, json_type_object))
		return json_object_object_length(v) == 0;
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) == 0;
	return false;
}

/* Writes what follows "key:" or "- ": a scalar on the same line, or a block
 * starting on the next line. */
static int write_child(FILE *f, json_object *v, int indent, bool after_dash)
{
	if (json_object_is_type(v, json_type_object) && !is_empty_container(v)) {
		if (after_dash)
			return write_value(f, v, indent + 2, true);
		fputc('\n', f);
		return write_value(f, v, indent + 2, false);
	}
	if (json_object_is_type(v, json_type_array) && !is_empty_container(v)) {
		if (after_dash)
			return write_value(f, v, indent + 2, true);
		/* go-yaml puts a mapping's sequence at the key's own indent. */
		fputc('\n', f);
		return write_value(f, v, indent, false);
	}
	fputc(' ', f);
	return write_value(f, v, indent + 2, false);
}

static int write_object(FILE *f, json_object *v, int indent, bool in_seq)
{
	size_t n = (size_t)json_object_object_length(v);
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	size_t i = 0;
	json_object_object_foreach(v, key, val)
	{
		(void)val;
		keys[i++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_keys);
	for (i = 0; i < n; i++) {
		/* The first key of a sequence item shares the "- " line. */
		if (!(in_seq && i == 0))
			write_indent(f, indent);
		write_string(f, keys[i], strlen(keys[i]), indent, true);
		fputc(':', f);
		if (write_child(f, json_object_object_get(v, keys[i]), indent, false) < 0) {
			free(keys);
			return -1;
		}
	}
	free(keys);
	return 0;
}

static int write_array(FILE *f, json_object *v, int indent, bool in_seq)
{
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		if (!(in_seq && i == 0))
			write_indent(f, indent);
		fputc('-', f);
		json_object *item = json_object_array_get_idx(v, i);
		if ((json_object_is_type(item, json_type_object) || json_object_is_type(item, json_type_array)) &&
		    !is_empty_container(item)) {
			fputc(' ', f);
			if (write_value(f, item, indent + 2, true) < 0)
				return -1;
		} else if (write_child(f, item, indent, true) < 0) {
			return -1;
		}
	}
	return 0;
}

/* in_seq: the cursor sits right after "- ", so the first line needs no indent. */
static int write_value(FILE *f, json_object *v, int indent, bool in_seq)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs("null\n", f);
		return 0;
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "true\n" : "false\n", f);
		return 0;
	case json_type_int:
		/* json-c keeps integers above INT64_MAX as uint64. */
		if (json_object_get_int64(v) == INT64_MAX)
			fprintf(f, "%" PRIu64 "\n", json_object_get_uint64(v));
		else
			fprintf(f, "%" PRId64 "\n", json_object_get_int64(v));
		return 0;
	case json_type_double:
		/* A number too big for a double (1e999) keeps the server's own digits
		 * when json-c kept them, rather than turning into .inf. */
		if (!isfinite(json_object_get_double(v)) && json_object_get_userdata(v))
			fputs(json_object_to_json_string(v), f);
		else
			write_float(f, json_object_get_double(v));
		fputc('\n', f);
		return 0;
	case json_type_string:
		/* A document that is only a block scalar still indents it. */
		if (!write_string(f, json_object_get_string(v), (size_t)json_object_get_string_len(v),
				  indent ? indent : 2, false))
			fputc('\n', f);
		return 0;
	case json_type_object:
		if (is_empty_container(v)) {
			fputs("{}\n", f);
			return 0;
		}
		return write_object(f, v, indent, in_seq);
	case json_type_array:
		if (is_empty_container(v)) {
			fputs("[]\n", f);
			return 0;
		}
		return write_array(f, v, indent, in_seq);
	}
	return -1;
}

int json_to_yaml(FILE *f, json_object *obj)
{
	if (write_value(f, obj, 0, false) < 0)
		return -1;
	return ferror(f) ? -1 : 0;
}
