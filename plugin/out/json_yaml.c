/* -o json and -o yaml, as kubectl prints them, including a List streamed item
 * by item so that a paged list never holds every item in memory. */
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "util/yaml.h"

static void indent(FILE *f, int level)
{
	for (int i = 0; i < level; i++)
		fputs("    ", f);
}

static void print_scalar(FILE *f, json_object *v)
{
	fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), f);
}

/* Go's json.MarshalIndent with four spaces, which kubectl -o json uses. */
static void print_json(FILE *f, json_object *v, int level)
{
	if (json_object_is_type(v, json_type_object)) {
		if (json_object_object_length(v) == 0) {
			fputs("{}", f);
			return;
		}
		fputs("{\n", f);
		int i = 0, n = json_object_object_length(v);
		json_object_object_foreach(v, key, val)
		{
			indent(f, level + 1);
			json_object *k = json_object_new_string(key);
			print_scalar(f, k);
			json_object_put(k);
			fputs(": ", f);
			print_json(f, val, level + 1);
			fputs(++i < n ? ",\n" : "\n", f);
		}
		indent(f, level);
		fputc('}', f);
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		if (!n) {
			fputs("[]", f);
			return;
		}
		fputs("[\n", f);
		for (size_t i = 0; i < n; i++) {
			indent(f, level + 1);
			print_json(f, json_object_array_get_idx(v, i), level + 1);
			fputs(i + 1 < n ? ",\n" : "\n", f);
		}
		indent(f, level);
		fputc(']', f);
	} else if (!v) {
		fputs("null", f);
	} else {
		print_scalar(f, v);
	}
}

bool out_show_managed_fields;

/* Objects are printed once and dropped, so the field is removed in place
 * rather than printed around. Nested objects too: describe prints the
 * snapshot, its content and its events inside one document. */
static void drop_managed_fields(json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0, n = json_object_array_length(v); i < n; i++)
			drop_managed_fields(json_object_array_get_idx(v, i));
		return;
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	json_object *meta;
	if (json_object_object_get_ex(v, "metadata", &meta) && json_object_is_type(meta, json_type_object))
		json_object_object_del(meta, "managedFields");
	json_object_object_foreach(v, key, child)
	{
		if (strcmp(key, "metadata"))
			drop_managed_fields(child);
	}
}

static json_object *without_managed_fields(json_object *obj)
{
	if (!out_show_managed_fields)
		drop_managed_fields(obj);
	return obj;
}

void out_json(FILE *f, json_object *obj)
{
	print_json(f, without_managed_fields(obj), 0);
	fputc('\n', f);
}

void out_yaml(FILE *f, json_object *obj)
{
	json_to_yaml(f, without_managed_fields(obj));
}

struct out_list_stream {
	FILE *f;
	enum out_format fmt;
	int n;
};

struct out_list_stream *out_list_begin(FILE *f, enum out_format fmt)
{
	struct out_list_stream *s = calloc(1, sizeof *s);
	if (!s)
		abort();
	s->f = f;
	s->fmt = fmt;
	if (fmt == OUT_JSON)
		fputs("{\n    \"apiVersion\": \"v1\",\n    \"items\": [", f);
	else
		fputs("apiVersion: v1\nitems:", f);
	return s;
}

/* An item of a YAML list: "- " before the first line, two spaces before the rest. */
static void print_yaml_item(FILE *f, json_object *item)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		abort();
	json_to_yaml(mem, item);
	fclose(mem);
	bool first = true;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		fputs(first ? "- " : "  ", f);
		fwrite(line, 1, n, f);
		fputc('\n', f);
		first = false;
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
}

void out_list_item(struct out_list_stream *s, json_object *item)
{
	if (s->fmt == OUT_JSON) {
		fputs(s->n ? ",\n        " : "\n        ", s->f);
		print_json(s->f, without_managed_fields(item), 2);
	} else {
		if (!s->n)
			fputc('\n', s->f);
		print_yaml_item(s->f, without_managed_fields(item));
	}
	s->n++;
}

void out_list_end(struct out_list_stream *s)
{
	if (s->fmt == OUT_JSON) {
		fputs(s->n ? "\n    ],\n" : "],\n", s->f);
		fputs("    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
		      s->f);
	} else {
		fputs(s->n ? "" : " []\n", s->f);
		fputs("kind: List\nmetadata:\n  resourceVersion: \"\"\n", s->f);
	}
	free(s);
}

void out_created(FILE *f, enum out_format fmt, json_object *obj, const char *resource, const char *fallback_name,
		 const char *suffix)
{
	json_object *name_obj = NULL;
	json_object *meta = NULL;
	const char *name = fallback_name;
	if (json_object_object_get_ex(obj, "metadata", &meta) && json_object_object_get_ex(meta, "name", &name_obj))
		name = json_object_get_string(name_obj);
	if (fmt == OUT_JSON)
		out_json(f, obj);
	else if (fmt == OUT_YAML)
		out_yaml(f, obj);
	else if (fmt == OUT_NAME)
		fprintf(f, "%s/%s\n", resource, name);
	else
		fprintf(f, "%s/%s created%s\n", resource, name, suffix);
	fflush(f);
}
