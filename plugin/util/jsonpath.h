/* The part of kubectl's JSONPath that `-o jsonpath=`, `-o custom-columns=` and
 * `--sort-by` use: fields (.a.b, with '\.' for a dot inside a key, or
 * ['a.b']), indexes ([0], [-1]), the wildcard ([*] and .*), and, in templates,
 * literal text, {"\n"} and {range EXPR}...{end}. Filters and slices are not
 * supported and say so. */
#ifndef VOLSNAP_JSONPATH_H
#define VOLSNAP_JSONPATH_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/strbuf.h"

/* Every value expr selects under root (borrowed), appended to *out (a json
 * array the caller owns, made when NULL). false with *why (caller frees) when
 * expr is not valid. A path that leads nowhere selects nothing. */
bool jsonpath_select(json_object *root, const char *expr, json_object **out, char **why);

/* kubectl's text of one selected value: strings bare, others as compact JSON. */
void jsonpath_text(struct strbuf *sb, json_object *v);

/* Renders a template ("{.items[*].metadata.name}", "{range .items[*]}{.x}{\"\n\"}{end}")
 * into sb. false with *why (caller frees) when it is not valid. */
bool jsonpath_render(json_object *root, const char *tmpl, struct strbuf *sb, char **why);

/* Checks a template without data (for usage errors before any request). */
bool jsonpath_check(const char *tmpl, char **why);

#endif
