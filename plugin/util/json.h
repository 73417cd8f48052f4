/* Small readers for json-c objects by dotted path ("metadata.name",
 * "status.readyToUse"). They return borrowed values and never allocate. */
#ifndef VOLSNAP_JSON_H
#define VOLSNAP_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

json_object *jget(json_object *obj, const char *path);
/* The string at path, or NULL when absent or not a string. */
const char *jstr(json_object *obj, const char *path);
/* The string under key (which may hold dots, as label and annotation keys do)
 * of the object at path: jstr_key(o, "metadata.annotations", "a.b/c"). */
const char *jstr_key(json_object *obj, const char *path, const char *key);
/* The string at path, or def. */
const char *jstr_or(json_object *obj, const char *path, const char *def);
/* true and *out set when path holds a boolean. */
bool jbool(json_object *obj, const char *path, bool *out);
/* true and *out set when path holds an integer (or an integer in a string). */
bool jint64(json_object *obj, const char *path, int64_t *out);
/* Sets path to val (takes the reference), creating intermediate objects. */
void jset(json_object *obj, const char *path, json_object *val);
/* Copies the value at path from src to dst (a new reference), when src has one. */
void jcopy(json_object *dst, json_object *src, const char *path);
/* Compact, stable text of obj (caller frees). */
char *jdump(json_object *obj);
/* Nesting json-c allows: managedFields nest deeper than its default 32, and
 * every parser of server answers (single objects and watch streams) uses this. */
#define JSON_MAX_DEPTH 128
/* Parses a whole buffer; NULL when it is not one JSON value (only white
 * space may follow it; a NUL byte is not white space). */
json_object *jparse(const char *buf, size_t len);

#endif
