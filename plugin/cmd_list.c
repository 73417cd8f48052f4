/* kubectl volsnap list: the snapshots of a namespace (or all), read page by
 * page. Tables are sorted (by creation time unless --sort-by) and hold only
 * their rows; -o name/json/yaml stream each page as it comes unless sorted,
 * and sorted hold each snapshot as JSON text, in a temporary file beyond a
 * few MB (util/spill.h), so memory stays flat. Only a jsonpath template holds
 * the objects: it may ask for any of them at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/jsonpath.h"
#include "util/quantity.h"
#include "util/spill.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LIST_DEFAULT_CHUNK 500 /* kubectl's --chunk-size default */
#define LIST_MAX_COLS 12
#define LIST_DEFAULT_SORT ".metadata.creationTimestamp"

enum list_shape { SHAPE_TABLE, SHAPE_NAME, SHAPE_STREAM, SHAPE_JSONPATH };

struct list_run {
	enum out_format fmt;
	enum list_shape shape;
	bool all_ns, show_labels, no_headers, watching;
	const char *sort_by;	   /* a JSONPath, or NULL: tables by creation time, others as served */
	const char *jsonpath;	   /* -o jsonpath=TEMPLATE */
	struct out_columns custom; /* -o custom-columns=... (n > 0) */
	json_object *held;	   /* -o jsonpath: every item, for the template */
	struct spill *sorted;	   /* --sort-by with name/json/yaml: keyed JSON texts (out_keyed_cmp) */
	const char *pvc;	   /* show only snapshots of this PVC, or NULL */
	json_object *classes;	   /* -o wide: the VolumeSnapshotClasses, NULL when unreadable */
	struct kube_client *client;
	const struct snap_api *api;
	const char *kind; /* -o name: "volumesnapshot.snapshot.storage.k8s.io" */
	struct out_table *table;
	struct out_list_stream *stream;
	long shown;
};

static json_object *find_class(json_object *classes, const char *name)
{
	size_t n = classes ? json_object_array_length(classes) : 0;
	for (size_t i = 0; name && i < n; i++) {
		json_object *c = json_object_array_get_idx(classes, i);
		const char *cn = jstr(c, "metadata.name");
		if (cn && !strcmp(cn, name))
			return c;
	}
	return NULL;
}

/* The content of a snapshot without a known class, or NULL when it cannot be read. */
static json_object *read_content(struct list_run *r, const char *name)
{
	struct kube_error err = {0};
	json_object *content = NULL;
	char *path = kube_path(&r->api->contents, NULL, name, NULL);
	if (kube_get(r->client, path, &content, &err) < 0) {
		kube_error_clear(&err);
		content = NULL;
	}
	free(path);
	return content;
}

static int table_headers(const struct list_run *r, const char **h)
{
	static const char *const base[] = {"NAME", "PVC", "READY", "SIZE", "CLASS", "AGE"};
	static const char *const wide[] = {"CONTENT", "DRIVER", "DELETION POLICY", "ERROR"};
	int n = 0;
	if (r->custom.n) {
		for (int i = 0; i < r->custom.n; i++)
			h[n++] = r->custom.headers[i];
		return n;
	}
	if (r->all_ns)
		h[n++] = "NAMESPACE";
	for (size_t i = 0; i < sizeof base / sizeof *base; i++)
		h[n++] = base[i];
	for (size_t i = 0; r->fmt == OUT_WIDE && i < sizeof wide / sizeof *wide; i++)
		h[n++] = wide[i];
	if (r->show_labels)
		h[n++] = "LABELS";
	return n;
}

/* -o custom-columns: one cell per column, "<none>" where a path selects nothing. */
static void add_custom_row(struct list_run *r, json_object *s, const char *key)
{
	char **cells = xcalloc((size_t)r->custom.n, sizeof *cells);
	for (int i = 0; i < r->custom.n; i++)
		cells[i] = out_select_text(s, r->custom.exprs[i]);
	out_table_row_keyed(r->table, (const char *const *)cells, key);
	for (int i = 0; i < r->custom.n; i++)
		free(cells[i]);
	free(cells);
}

static void add_row(struct list_run *r, json_object *s, const char *key)
{
	const char *cells[LIST_MAX_COLS];
	const char *klass = jstr(s, "spec.volumeSnapshotClassName");
	char *age = out_age(jstr(s, "metadata.creationTimestamp"));
	char *size = snap_restore_size(s);
	int n = 0;

	if (r->all_ns)
		cells[n++] = jstr(s, "metadata.namespace");
	cells[n++] = jstr(s, "metadata.name");
	cells[n++] = jstr(s, "spec.source.persistentVolumeClaimName");
	cells[n++] = snap_is_ready(s) ? "true" : "false";
	cells[n++] = size;
	cells[n++] = klass;
	cells[n++] = age;
	json_object *content = NULL;
	if (r->fmt == OUT_WIDE) {
		/* From the class, read once, rather than one content read per row;
		 * a snapshot without a known class (pre-provisioned, or its class
		 * deleted) gets them from its content, as describe does. */
		json_object *c = find_class(r->classes, klass);
		const char *unknown = r->classes ? NULL : "<unknown>";
		const char *cname = jstr(s, "status.boundVolumeSnapshotContentName");
		if (!cname)
			cname = jstr(s, "spec.source.volumeSnapshotContentName");
		if (!c && cname)
			content = read_content(r, cname);
		cells[n++] = cname;
		cells[n++] = c ? jstr(c, "driver") : content ? jstr(content, "spec.driver") : unknown;
		cells[n++] = c ? jstr(c, "deletionPolicy") : content ? jstr(content, "spec.deletionPolicy") : unknown;
		cells[n++] = jstr(s, "status.error.message");
	}
	char *labels = r->show_labels ? out_labels_text(jget(s, "metadata.labels")) : NULL;
	if (r->show_labels)
		cells[n++] = labels;
	out_table_row_keyed(r->table, cells, key);
	json_object_put(content);
	free(labels);
	free(age);
	free(size);
}

/* One snapshot as the output shape prints it (during a watch: at once). */
static void emit(struct list_run *r, json_object *s)
{
	if (r->shape == SHAPE_TABLE) {
		char *key = r->watching ? NULL : out_select_text(s, r->sort_by ? r->sort_by : LIST_DEFAULT_SORT);
		if (r->custom.n)
			add_custom_row(r, s, key);
		else
			add_row(r, s, key);
		free(key);
	} else if (r->shape == SHAPE_NAME) {
		printf("%s/%s\n", r->kind, jstr_or(s, "metadata.name", ""));
	} else if (r->watching && r->shape == SHAPE_JSONPATH) {
		struct strbuf sb = STRBUF_INIT;
		char *why = NULL;
		if (jsonpath_render(s, r->jsonpath, &sb, &why))
			fputs(sb.buf, stdout);
		free(why);
		strbuf_release(&sb);
	} else if (r->watching) {
		if (r->fmt == OUT_YAML)
			fputs("---\n", stdout);
		r->fmt == OUT_YAML ? out_yaml(stdout, s) : out_json(stdout, s);
	} else {
		out_list_item(r->stream, s);
	}
}

static bool wanted(const struct list_run *r, json_object *s)
{
	/* spec.source is the truth for every snapshot, whoever made it; the
	 * plugin's source-pvc label is missing on others' snapshots. */
	const char *pvc = r->pvc ? jstr(s, "spec.source.persistentVolumeClaimName") : NULL;
	return !r->pvc || (pvc && !strcmp(pvc, r->pvc));
}

/* --sort-by with name/json/yaml: the snapshot as one keyed record of JSON
 * text. A temporary file that failed is reported when printing (spill_error). */
static void hold_sorted(struct list_run *r, json_object *s)
{
	struct strbuf sb = STRBUF_INIT;
	char *key = out_select_text(s, r->sort_by);
	const char *text = json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN);
	out_keyed_begin(&sb, key);
	strbuf_add(&sb, text, strlen(text) + 1);
	spill_add(r->sorted, sb.buf, sb.len);
	strbuf_release(&sb);
	free(key);
}

static int on_item(json_object *s, void *ud)
{
	struct list_run *r = ud;
	if (!wanted(r, s))
		return 0;
	r->shown++;
	if (r->held)
		json_object_array_add(r->held, json_object_get(s));
	else if (r->sorted)
		hold_sorted(r, s);
	else
		emit(r, s);
	return 0;
}

static int on_page(void *ud)
{
	/* Tables are sorted, so printed once all pages are in; streams go now. */
	(void)ud;
	fflush(stdout);
	return 0;
}

/* ---- sorting held items ---------------------------------------------------- */

struct keyed {
	json_object *item;
	char *key;
	size_t pos;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = out_key_cmp(x->key, y->key);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void sort_held(json_object *held, const char *expr)
{
	size_t n = json_object_array_length(held);
	struct keyed *k = xcalloc(n ? n : 1, sizeof *k);
	for (size_t i = 0; i < n; i++) {
		k[i].item = json_object_get(json_object_array_get_idx(held, i));
		k[i].key = out_select_text(k[i].item, expr);
		k[i].pos = i;
	}
	qsort(k, n, sizeof *k, keyed_cmp);
	for (size_t i = 0; i < n; i++) {
		json_object_array_put_idx(held, i, k[i].item);
		free(k[i].key);
	}
	free(k);
}

/* Prints the sorted records, each parsed back as it is printed. */
static int print_sorted(struct cmd_ctx *ctx, struct list_run *r)
{
	const void *rec;
	size_t len;
	int more = spill_error(r->sorted) ? -1 : 1; /* a held record was lost: print none */
	if (more > 0 && r->shape == SHAPE_STREAM)
		r->stream = out_list_begin(stdout, r->fmt);
	while (more > 0 && (more = spill_next(r->sorted, &rec, &len)) > 0) {
		json_object *s = json_tokener_parse(out_keyed_body(rec));
		if (!s)
			return cmd_fail(ctx, EXIT_FAILED, NULL,
					"sorting snapshots: a held snapshot does not parse back");
		emit(r, s);
		json_object_put(s);
	}
	if (more < 0)
		return cmd_fail(ctx, EXIT_FAILED, "set TMPDIR to a folder with space, or list without --sort-by",
				"sorting snapshots: %s", spill_error(r->sorted));
	return EXIT_OK;
}

/* -o jsonpath: everything as one List, oldest first unless --sort-by, as the table. */
static int print_held(struct cmd_ctx *ctx, struct list_run *r)
{
	sort_held(r->held, r->sort_by ? r->sort_by : LIST_DEFAULT_SORT);
	json_object *list = json_object_new_object();
	json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(list, "kind", json_object_new_string("List"));
	json_object_object_add(list, "items", json_object_get(r->held));
	struct strbuf sb = STRBUF_INIT;
	char *why = NULL;
	int rc = EXIT_OK;
	if (jsonpath_render(list, r->jsonpath, &sb, &why))
		fputs(sb.buf, stdout);
	else
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why);
	free(why);
	strbuf_release(&sb);
	json_object_put(list);
	return rc;
}

/* -o wide only. A user who may not read cluster-scoped classes still gets the
 * list, with the class-derived columns marked unknown. */
static void load_classes(struct cmd_ctx *ctx, const struct snap_api *api, struct list_run *r)
{
	struct kube_error err = {0};
	char *path = kube_path(&api->classes, NULL, NULL, NULL);
	if (kube_list_all(cmd_client(ctx), path, NULL, &r->classes, &err) < 0) {
		fprintf(stderr, "warning: cannot read VolumeSnapshotClasses (%s): DRIVER and DELETION POLICY unknown\n",
			err.message ? err.message : "unknown error");
		kube_error_clear(&err);
	}
	free(path);
}

static int on_event(const char *type, json_object *s, void *ud)
{
	struct list_run *r = ud;
	(void)type;
	if (!wanted(r, s))
		return 0;
	emit(r, s);
	if (r->table)
		out_table_flush(r->table);
	fflush(stdout);
	return 0;
}

/* -w: after the list, every change as it happens (until ^C), as kubectl get -w. */
static int watch_on(struct cmd_ctx *ctx, struct list_run *r, const char *path, const struct kube_list_opts *lo,
		    const char *rv)
{
	struct kube_error err = {0};
	struct kube_watch_opts wo = {.label_selector = lo->label_selector, .resource_version = rv};
	r->watching = true;
	if (kube_watch(cmd_client(ctx), path, &wo, on_event, r, &err) < 0)
		return cmd_fail_kube(ctx, &err, "watching snapshots");
	return EXIT_OK;
}

static void no_resources(const struct list_run *r, const char *ns)
{
	if (r->all_ns)
		fprintf(stderr, "No resources found\n");
	else
		fprintf(stderr, "No resources found in %s namespace.\n", ns);
}

static int list_snapshots(struct cmd_ctx *ctx, const struct snap_api *api, struct list_run *r, const char *ns,
			  const struct kube_list_opts *lo, bool watch)
{
	struct kube_error err = {0};
	char *path = kube_path(&api->snapshots, r->all_ns ? NULL : ns, NULL, NULL), *rv = NULL;
	const char *h[LIST_MAX_COLS + 1];
	const char **hp = r->custom.n ? xcalloc((size_t)r->custom.n, sizeof *hp) : h;
	int rc = EXIT_OK;

	if (r->shape == SHAPE_STREAM && !r->sort_by)
		r->stream = out_list_begin(stdout, r->fmt);
	else if (r->shape == SHAPE_TABLE) {
		r->table = out_table_new(stdout, hp, table_headers(r, hp));
		out_table_set_no_headers(r->table, r->no_headers);
	}
	if (r->shape == SHAPE_JSONPATH)
		r->held = json_object_new_array();
	else if (r->sort_by && r->shape != SHAPE_TABLE)
		r->sorted = spill_new(out_keyed_cmp);
	if (kube_list_each(cmd_client(ctx), path, lo, on_item, r, &rv, &err) < 0)
		rc = cmd_fail_kube(ctx, &err, "listing snapshots");
	if (r->held && rc == EXIT_OK)
		rc = print_held(ctx, r);
	if (r->sorted && rc == EXIT_OK)
		rc = print_sorted(ctx, r);
	if (r->stream)
		out_list_end(r->stream);
	if (r->table) {
		out_table_flush(r->table);
		if (rc == EXIT_OK && out_table_error(r->table))
			rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", out_table_error(r->table));
	}
	if (rc == EXIT_OK && !r->shown && r->shape != SHAPE_STREAM && r->shape != SHAPE_JSONPATH)
		no_resources(r, ns);
	fflush(stdout);
	if (rc == EXIT_OK && watch)
		rc = watch_on(ctx, r, path, lo, rv);
	out_table_free(r->table);
	json_object_put(r->held);
	spill_free(r->sorted);
	if (hp != h)
		free(hp);
	free(rv);
	free(path);
	return rc;
}

/* -o: a format name, jsonpath=TEMPLATE or custom-columns=SPEC. */
static int parse_output(struct cmd_ctx *ctx, struct list_run *r, const char *output)
{
	unsigned allowed =
	    OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_WIDE) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML) | OUT_ALLOW(OUT_NAME);
	char *why = NULL;
	int rc = EXIT_OK;
	if (output && !strncmp(output, "jsonpath=", 9)) {
		r->shape = SHAPE_JSONPATH;
		r->jsonpath = output + 9;
		if (!jsonpath_check(r->jsonpath, &why))
			rc = cmd_fail(ctx, EXIT_USAGE, NULL, "-o %s", why);
	} else if (output && !strncmp(output, "custom-columns=", 15)) {
		r->shape = SHAPE_TABLE;
		if (!out_columns_parse(output + 15, &r->custom, &why))
			rc = cmd_fail(ctx, EXIT_USAGE, NULL, "-o %s", why);
	} else if (!out_parse_format(output, allowed, &r->fmt)) {
		rc = cmd_fail_output(ctx, output, "wide|json|yaml|name|jsonpath=...|custom-columns=...");
	} else {
		r->shape = r->fmt == OUT_NAME			      ? SHAPE_NAME
			   : r->fmt == OUT_JSON || r->fmt == OUT_YAML ? SHAPE_STREAM
								      : SHAPE_TABLE;
	}
	free(why);
	return rc;
}

/* --sort-by: one path, "{.a}" or ".a"; *path is it without braces (owned). */
static int parse_sort_by(struct cmd_ctx *ctx, const char *spec, char **path)
{
	size_t n = strlen(spec);
	*path = n >= 2 && spec[0] == '{' && spec[n - 1] == '}' ? xstrndup(spec + 1, n - 2) : xstrdup(spec);
	json_object *probe = json_object_new_object(), *sel = NULL;
	char *why = NULL;
	int rc = EXIT_OK;
	if (!jsonpath_select(probe, *path, &sel, &why))
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--sort-by %s", why);
	json_object_put(probe);
	json_object_put(sel);
	free(why);
	return rc;
}

static int run_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *output = NULL, *selector = NULL, *sort_by = NULL;
	long chunk = LIST_DEFAULT_CHUNK;
	int no_headers = 0, show_labels = 0, watch = 0;
	struct option options[] = {
	    OPT_STRING('l', "selector", &selector, "SELECTOR", "label selector (k=v, k!=v, k in (a,b), ...)"),
	    OPT_STRING('o', "output", &output, "FORMAT",
		       "wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=HEADER:PATH,..."),
	    OPT_STRING(0, "sort-by", &sort_by, "JSONPATH",
		       "order by this field, e.g. .metadata.name (default: creation time)"),
	    OPT_BOOL(0, "no-headers", &no_headers, "no header line"),
	    OPT_BOOL(0, "show-labels", &show_labels, "add a LABELS column"),
	    OPT_BOOL('w', "watch", &watch, "after the list, print changes as they happen (until ^C)"),
	    OPT_INT(0, "chunk-size", &chunk, "N", "snapshots per request (paging), as kubectl's --chunk-size"),
	    OPT_END(),
	};
	struct list_run r = {.all_ns = ctx->g.all_namespaces, .kind = "volumesnapshot." SNAP_GROUP};
	struct snap_api api = {0};
	struct kube_error err = {0};
	char **args = NULL, *sort_path = NULL;
	int nargs = 0, rc = opts_parse(ctx, options, argc, argv, &nargs, &args);

	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	if (nargs > 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "give at most one PVC", "too many arguments: %s", args[1]);
	else if (nargs == 1 && cmd_check_name(ctx, "PVC name", args[0]))
		rc = EXIT_USAGE;
	else if (chunk < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--chunk-size must be at least 1");
	else
		rc = parse_output(ctx, &r, output);
	if (rc == EXIT_OK && sort_by)
		rc = parse_sort_by(ctx, sort_by, &sort_path);
	if (rc != EXIT_OK)
		goto out;
	r.pvc = nargs ? args[0] : NULL;
	r.sort_by = sort_path;
	r.no_headers = no_headers > 0;
	r.show_labels = show_labels > 0;
	if (!cmd_client(ctx)) {
		rc = cmd_failed(ctx);
		goto out;
	}
	if (snap_api_discover(ctx->client, &api, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, NULL);
		goto out;
	}
	r.client = ctx->client;
	r.api = &api;
	if (r.fmt == OUT_WIDE)
		load_classes(ctx, &api, &r);
	struct kube_list_opts lo = {.label_selector = selector, .limit = chunk, .on_page = on_page};
	rc = list_snapshots(ctx, &api, &r, cmd_namespace(ctx), &lo, watch > 0);
out:
	free(sort_path);
	out_columns_clear(&r.custom);
	json_object_put(r.classes);
	snap_api_clear(&api);
	free(args);
	return rc;
}

const struct command cmd_list = {
    .name = "list",
    .summary = "List volume snapshots, page by page",
    .usage = "list [PVC] [-n NS | -A] [-l SELECTOR] [-o wide|json|yaml|name|jsonpath=...|custom-columns=...] "
	     "[--sort-by JSONPATH] [--no-headers] [--show-labels] [-w] [--chunk-size N]",
    .help = "Lists VolumeSnapshots like `kubectl get volumesnapshots`, with the source PVC, readiness,\n"
	    "restore size, class and age, oldest first (--sort-by orders by another field). Given a\n"
	    "PVC, shows only snapshots taken from it (by spec.source, so snapshots made by other\n"
	    "tools are included). `-o wide` adds the bound content, the class's driver and deletion\n"
	    "policy (the content's for a snapshot without a class, such as a pre-provisioned one),\n"
	    "and the error reported by the driver. Snapshots are read --chunk-size at a time;\n"
	    "-o name, json and yaml print each page as it arrives (unless --sort-by). -w then\n"
	    "prints every change until interrupted.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap list\n"
	    "  kubectl volsnap list data -n shop -o wide\n"
	    "  kubectl volsnap list -A -l app.kubernetes.io/managed-by=kubectl-volsnap -o name\n"
	    "  kubectl volsnap list --sort-by .status.restoreSize --show-labels\n"
	    "  kubectl volsnap list -o custom-columns=NAME:.metadata.name,READY:.status.readyToUse\n"
	    "  kubectl volsnap list -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_list,
};
