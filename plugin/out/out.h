/* Output for people and programs: aligned tables like `kubectl get`, JSON and
 * YAML like `-o json|yaml`, ages, colour, and progress lines on a terminal. */
#ifndef VOLSNAP_OUT_H
#define VOLSNAP_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

enum out_format { OUT_TEXT = 0, OUT_WIDE, OUT_JSON, OUT_YAML, OUT_NAME };
#define OUT_ALLOW(f) (1u << (f))

/* kubectl's --show-managed-fields: false (the default) leaves metadata.managedFields
 * out of every object printed as JSON or YAML, as `kubectl get -o yaml` does. */
extern bool out_show_managed_fields;

/* Parses -o's value; "" or NULL is OUT_TEXT. false when s is not one of the
 * allowed formats. */
bool out_parse_format(const char *s, unsigned allowed, enum out_format *f);
/* "text|json|yaml" style list of the allowed names, for error messages (static). */
const char *out_format_names(unsigned allowed);

/* A table printed with columns aligned (3 spaces apart, as kubectl). Rows are
 * held until out_table_flush, so a paged list flushes once per page; the
 * first flush fixes the column widths for the rest of the stream (kubectl's
 * way), so columns do not shift from one page to the next. Held rows beyond a
 * few MB wait in a temporary file (util/spill.h): memory stays flat. */
struct out_table;
struct out_table *out_table_new(FILE *f, const char *const *headers, int ncols);
/* Adds a row of ncols strings (copied; NULL prints as "<none>"). */
void out_table_row(struct out_table *t, const char *const *cells);
/* The same with a sort key (copied, may be NULL): out_table_flush prints the
 * held rows by key (out_key_cmp), rows of equal keys (or none) as they came. */
void out_table_row_keyed(struct out_table *t, const char *const *cells, const char *key);
/* --sort-by's order: quantities ("2Gi" > "512Mi") by value, else by text; NULL first. */
int out_key_cmp(const char *a, const char *b);
/* Keyed records, as held rows and sorted lists keep them (util/spill.h): a byte
 * saying whether a key follows, the key with its NUL, then the record's body.
 * out_keyed_cmp orders them by key (a spill_cmp_fn); out_keyed_body skips the key. */
struct strbuf;
void out_keyed_begin(struct strbuf *sb, const char *key); /* starts a record: the key part */
int out_keyed_cmp(const void *a, size_t alen, const void *b, size_t blen);
const char *out_keyed_body(const void *rec);
/* Prints held rows; the header is printed before the first row ever printed. */
void out_table_flush(struct out_table *t);
/* NULL, or why rows were lost (the temporary file failed): the caller fails. */
const char *out_table_error(const struct out_table *t);
/* --no-headers: rows only. */
void out_table_set_no_headers(struct out_table *t, bool no_headers);
int out_table_rows_printed(const struct out_table *t);
void out_table_free(struct out_table *t);

/* -o custom-columns=HEADER:JSONPATH,... (kubectl's form; "{.a}" or ".a"). */
struct out_columns {
	int n;
	char **headers, **exprs;
};
/* false with *why (caller frees) when spec is not HEADER:PATH[,...] with valid paths. */
bool out_columns_parse(const char *spec, struct out_columns *cols, char **why);
void out_columns_clear(struct out_columns *cols);
/* What a JSONPath selects in obj as one cell ("a,b" for several), or NULL when
 * nothing (caller frees). Also the key of --sort-by. */
char *out_select_text(json_object *obj, const char *expr);
/* --show-labels: "k=v,k2=v2" sorted by key, NULL when there are none (caller frees). */
char *out_labels_text(json_object *labels);

/* JSON as kubectl prints it (4-space indentation, trailing newline). */
void out_json(FILE *f, json_object *obj);
/* YAML as kubectl prints it. */
void out_yaml(FILE *f, json_object *obj);
/* A List printed item by item so a paged list never holds all items. */
struct out_list_stream;
struct out_list_stream *out_list_begin(FILE *f, enum out_format fmt);
void out_list_item(struct out_list_stream *s, json_object *item);
void out_list_end(struct out_list_stream *s);

/* What kubectl prints after creating an object: -o json|yaml the object,
 * -o name "resource/name", else "resource/name created<suffix>" (suffix such
 * as " (dry run)"). resource is kubectl's "volumesnapshot.snapshot.storage.k8s.io";
 * the name comes from obj, else fallback_name. */
void out_created(FILE *f, enum out_format fmt, json_object *obj, const char *resource, const char *fallback_name,
		 const char *suffix);

/* kubectl's AGE column from a creationTimestamp ("<unknown>" when absent). Caller frees. */
char *out_age(const char *rfc3339_timestamp);

/* Colour: codes only when enabled. */
const char *out_color(bool enabled, const char *which); /* "red", "green", "yellow", "bold", "reset" */

/* Progress while waiting. On a terminal: one line rewritten in place. Off a
 * terminal (CI logs): a plain line every 15 s (VOLSNAP_PROGRESS_INTERVAL_SECONDS),
 * so the log shows life without filling up. Lines read "WHAT (12s): phrase". */
struct out_progress;
struct out_progress *out_progress_start(FILE *f, bool is_tty, const char *what);
void out_progress_update(struct out_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Erases the terminal line, prints final_line (may be NULL) and frees p. */
void out_progress_end(struct out_progress *p, const char *final_line);
/* Ends the terminal line where it is (after ^C, say), keeping it, and frees p. */
void out_progress_break(struct out_progress *p);

#endif
