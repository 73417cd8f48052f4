/* kubectl volsnap list: the snapshots of a namespace (or all), streamed page by
 * page so the memory used does not grow with their number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/xalloc.h"

#define LIST_DEFAULT_CHUNK 500 /* kubectl's --chunk-size default */
#define LIST_MAX_COLS 11

struct list_run {
	enum out_format fmt;
	bool all_ns;
	const char *pvc;      /* show only snapshots of this PVC, or NULL */
	json_object *classes; /* -o wide: the VolumeSnapshotClasses, NULL when unreadable */
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
	if (r->all_ns)
		h[n++] = "NAMESPACE";
	for (size_t i = 0; i < sizeof base / sizeof *base; i++)
		h[n++] = base[i];
	for (size_t i = 0; r->fmt == OUT_WIDE && i < sizeof wide / sizeof *wide; i++)
		h[n++] = wide[i];
	return n;
}

static void add_row(struct list_run *r, json_object *s)
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
	out_table_row(r->table, cells);
	json_object_put(content);
	free(age);
	free(size);
}

static int on_item(json_object *s, void *ud)
{
	struct list_run *r = ud;
	/* spec.source is the truth for every snapshot, whoever made it; the
	 * plugin's source-pvc label is missing on others' snapshots. */
	if (r->pvc) {
		const char *pvc = jstr(s, "spec.source.persistentVolumeClaimName");
		if (!pvc || strcmp(pvc, r->pvc))
			return 0;
	}
	r->shown++;
	if (r->stream)
		out_list_item(r->stream, s);
	else if (r->fmt == OUT_NAME)
		printf("%s/%s\n", r->kind, jstr_or(s, "metadata.name", ""));
	else
		add_row(r, s);
	return 0;
}

static int on_page(void *ud)
{
	struct list_run *r = ud;
	if (r->table)
		out_table_flush(r->table);
	fflush(stdout);
	return 0;
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

static int stream_snapshots(struct cmd_ctx *ctx, const struct snap_api *api, struct list_run *r, const char *ns,
			    const struct kube_list_opts *lo)
{
	struct kube_error err = {0};
	char *path = kube_path(&api->snapshots, r->all_ns ? NULL : ns, NULL, NULL);
	const char *h[LIST_MAX_COLS];
	int rc = EXIT_OK;

	if (r->fmt == OUT_JSON || r->fmt == OUT_YAML)
		r->stream = out_list_begin(stdout, r->fmt);
	else if (r->fmt != OUT_NAME)
		r->table = out_table_new(stdout, h, table_headers(r, h));
	if (kube_list_each(cmd_client(ctx), path, lo, on_item, r, NULL, &err) < 0)
		rc = cmd_fail_kube(ctx, &err, "listing snapshots");
	if (r->stream)
		out_list_end(r->stream);
	if (r->table) {
		out_table_flush(r->table);
		out_table_free(r->table);
	}
	if (rc == EXIT_OK && !r->shown && !r->stream) {
		if (r->all_ns)
			fprintf(stderr, "No resources found\n");
		else
			fprintf(stderr, "No resources found in %s namespace.\n", ns);
	}
	free(path);
	return rc;
}

static int run_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *output = NULL, *selector = NULL;
	long chunk = LIST_DEFAULT_CHUNK;
	struct option options[] = {
	    OPT_STRING('l', "selector", &selector, "SELECTOR", "label selector (k=v, k!=v, k in (a,b), ...)"),
	    OPT_STRING('o', "output", &output, "FORMAT", "wide, json, yaml or name"),
	    OPT_INT(0, "chunk-size", &chunk, "N", "snapshots per request (paging), as kubectl's --chunk-size"),
	    OPT_END(),
	};
	unsigned allowed =
	    OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_WIDE) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML) | OUT_ALLOW(OUT_NAME);
	struct list_run r = {.all_ns = ctx->g.all_namespaces, .kind = "volumesnapshot." SNAP_GROUP};
	struct snap_api api = {0};
	struct kube_error err = {0};
	char **args = NULL;
	int nargs = 0, rc = opts_parse(ctx, options, argc, argv, &nargs, &args);

	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	if (nargs > 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "give at most one PVC", "too many arguments: %s", args[1]);
	else if (nargs == 1 && cmd_check_name(ctx, "PVC name", args[0]))
		rc = EXIT_USAGE;
	else if (!out_parse_format(output, allowed, &r.fmt))
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "unknown output format %s (use %s)", output,
			      out_format_names(allowed));
	else if (chunk < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--chunk-size must be at least 1");
	if (rc != EXIT_OK)
		goto out;
	r.pvc = nargs ? args[0] : NULL;
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
	rc = stream_snapshots(ctx, &api, &r, cmd_namespace(ctx), &lo);
out:
	json_object_put(r.classes);
	snap_api_clear(&api);
	free(args);
	return rc;
}

const struct command cmd_list = {
    .name = "list",
    .summary = "List volume snapshots, page by page",
    .usage = "list [PVC] [-n NS | -A] [-l SELECTOR] [-o wide|json|yaml|name] [--chunk-size N]",
    .help = "Lists VolumeSnapshots like `kubectl get volumesnapshots`, with the source PVC, readiness,\n"
	    "restore size, class and age. Given a PVC, shows only snapshots taken from it (by\n"
	    "spec.source, so snapshots made by other tools are included). `-o wide` adds the bound\n"
	    "content, the class's driver and deletion policy (the content's for a snapshot without\n"
	    "a class, such as a pre-provisioned one), and the error reported by the driver.\n"
	    "Snapshots are read --chunk-size at a time and printed as each page arrives.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap list\n"
	    "  kubectl volsnap list data -n shop -o wide\n"
	    "  kubectl volsnap list -A -l app.kubernetes.io/managed-by=kubectl-volsnap -o name\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_list,
};
