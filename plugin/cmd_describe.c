/* kubectl volsnap describe: one snapshot with its content, events and a
 * verdict line: ready, or why not and what to do. The reads are independent,
 * so the second round goes out at once (kube_call_many). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct describe {
	const char *name, *ns, *output;
	enum out_format fmt;
	struct snap_api api;
	json_object *snap, *content, *snap_events, *content_events, *pvc; /* owned */
};

/* ---- reading -------------------------------------------------------------- */

static int read_snapshot(struct cmd_ctx *ctx, struct kube_client *c, struct describe *d)
{
	struct kube_error err = {0};
	char *path = kube_path(&d->api.snapshots, d->ns, d->name, NULL);
	int rc = kube_get(c, path, &d->snap, &err);
	free(path);
	if (rc == 0)
		return EXIT_OK;
	if (kube_error_is_not_found(&err)) {
		kube_error_clear(&err);
		return cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap list shows the snapshots",
				"snapshot %s/%s not found", d->ns, d->name);
	}
	return cmd_fail_kube(ctx, &err, "reading snapshot %s/%s", d->ns, d->name);
}

static json_object *take_result(struct kube_call *call)
{
	json_object *r = NULL;
	if (call->rc == 0) {
		r = call->result;
		call->result = NULL;
	}
	kube_error_clear(&call->err);
	json_object_put(call->result);
	return r;
}

static json_object *items_of(json_object *list)
{
	json_object *items = json_object_get(jget(list, "items"));
	json_object_put(list);
	return items;
}

/* The events about one object: a LIST path with an escaped field selector. */
static char *events_path(const char *ns, const char *kind, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *base = kube_path(&KUBE_EVENTS, ns, NULL, NULL);
	char *sel = xasprintf("involvedObject.name=%s,involvedObject.kind=%s", name, kind);
	strbuf_addf(&sb, "%s?fieldSelector=", base);
	strbuf_add_urlencoded(&sb, sel);
	free(sel);
	free(base);
	return strbuf_detach(&sb);
}

static void add_call(struct kube_call *calls, size_t *n, const char *method, char *path)
{
	calls[*n] = (struct kube_call){.method = method, .path = path};
	(*n)++;
}

/* Content, source PVC and the events of both objects, in parallel. Each is
 * optional: what cannot be read (gone, or hidden by RBAC) is left out. */
static void read_related(struct kube_client *c, struct describe *d)
{
	const char *cname = jstr(d->snap, "status.boundVolumeSnapshotContentName");
	const char *pvc = jstr(d->snap, "spec.source.persistentVolumeClaimName");
	struct kube_call calls[4];
	size_t n = 0;
	add_call(calls, &n, "LIST", events_path(d->ns, "VolumeSnapshot", d->name));
	if (pvc)
		add_call(calls, &n, "GET", kube_path(&KUBE_PVCS, d->ns, pvc, NULL));
	if (cname) {
		/* Events of cluster objects are recorded in "default". */
		add_call(calls, &n, "LIST", events_path("default", "VolumeSnapshotContent", cname));
		add_call(calls, &n, "GET", kube_path(&d->api.contents, NULL, cname, NULL));
	}
	struct kube_error err = {0};
	if (kube_call_many(c, calls, n, &err) < 0) {
		kube_error_clear(&err);
		for (size_t i = 0; i < n; i++)
			calls[i].rc = -1, calls[i].result = NULL;
	}
	size_t i = 0;
	d->snap_events = items_of(take_result(&calls[i++]));
	if (pvc)
		d->pvc = take_result(&calls[i++]);
	if (cname) {
		d->content_events = items_of(take_result(&calls[i++]));
		d->content = take_result(&calls[i++]);
	}
	for (i = 0; i < n; i++)
		free((char *)calls[i].path);
}

/* ---- printing ------------------------------------------------------------- */

static const char *or_none(const char *s)
{
	return s && *s ? s : "<none>";
}

static void print_events(const char *title, json_object *events)
{
	size_t n = json_object_is_type(events, json_type_array) ? json_object_array_length(events) : 0;
	printf("%s:", title);
	if (!n) {
		printf("%*s<none>\n", (int)(19 - strlen(title) - 1), "");
		return;
	}
	printf("\n");
	static const char *const headers[] = {"  TYPE", "REASON", "AGE", "FROM", "MESSAGE"};
	struct out_table *t = out_table_new(stdout, headers, 5);
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		const char *ts = jstr(ev, "lastTimestamp");
		char *age = out_age(ts ? ts : jstr_or(ev, "eventTime", jstr(ev, "metadata.creationTimestamp")));
		char *type = xasprintf("  %s", jstr_or(ev, "type", ""));
		const char *from = jstr_or(ev, "source.component", jstr_or(ev, "reportingComponent", ""));
		const char *cells[] = {type, jstr_or(ev, "reason", ""), age, from, jstr_or(ev, "message", "")};
		out_table_row(t, cells);
		free(age);
		free(type);
	}
	out_table_flush(t);
	out_table_free(t);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* kubectl describe's map lines: "Labels:            k=v", the rest aligned
 * below, sorted by key. */
static void print_map(const char *title, json_object *map)
{
	size_t n = json_object_is_type(map, json_type_object) ? (size_t)json_object_object_length(map) : 0, i = 0;
	printf("%-19s", title);
	if (!n) {
		printf("<none>\n");
		return;
	}
	const char **keys = xcalloc(n, sizeof *keys);
	json_object_object_foreach(map, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, n, sizeof *keys, key_cmp);
	for (i = 0; i < n; i++) {
		/* Keys hold dots, so not jstr's dotted paths. */
		json_object *v = json_object_object_get(map, keys[i]);
		printf("%*s%s=%s\n", i ? 19 : 0, "", keys[i],
		       json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
	}
	free(keys);
}

static char *restore_size_text(json_object *snap)
{
	json_object *v = jget(snap, "status.restoreSize");
	return xstrdup(v ? json_object_get_string(v) : "<none>");
}

static void print_text(struct describe *d, const struct snap_verdict *v)
{
	json_object *s = d->snap, *c = d->content;
	const char *pvc = jstr(s, "spec.source.persistentVolumeClaimName");
	char *size = restore_size_text(s);
	bool ready = false;
	printf("Name:              %s\n", d->name);
	printf("Namespace:         %s\n", d->ns);
	print_map("Labels:", jget(s, "metadata.labels"));
	print_map("Annotations:", jget(s, "metadata.annotations"));
	if (pvc)
		printf("Source PVC:        %s (%s)\n", pvc,
		       d->pvc ? jstr_or(d->pvc, "status.phase", "Pending") : "not found");
	else
		printf("Source Content:    %s\n", or_none(jstr(s, "spec.source.volumeSnapshotContentName")));
	printf("Snapshot Class:    %s\n", or_none(jstr(s, "spec.volumeSnapshotClassName")));
	printf("Content:           %s\n", or_none(jstr(s, "status.boundVolumeSnapshotContentName")));
	if (c) {
		printf("  Driver:          %s\n", or_none(jstr(c, "spec.driver")));
		printf("  Snapshot Handle: %s\n", or_none(jstr(c, "status.snapshotHandle")));
		printf("  Deletion Policy: %s\n", or_none(jstr(c, "spec.deletionPolicy")));
	}
	printf("Status:\n");
	printf("  Ready To Use:    %s\n",
	       jbool(s, "status.readyToUse", &ready) ? (ready ? "true" : "false") : "<none>");
	printf("  Creation Time:   %s\n", or_none(jstr(s, "status.creationTime")));
	printf("  Restore Size:    %s\n", size);
	printf("  Error:           %s\n", or_none(jstr(s, "status.error.message")));
	print_events("Events", d->snap_events);
	if (c)
		print_events("Content Events", d->content_events);
	printf("Verdict:           %s\n", v->text);
	free(size);
}

static void print_object(struct describe *d, const struct snap_verdict *v)
{
	json_object *o = json_object_new_object(), *events = json_object_new_array();
	json_object *lists[] = {d->snap_events, d->content_events};
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && i < json_object_array_length(lists[l]); i++)
			json_object_array_add(events, json_object_get(json_object_array_get_idx(lists[l], i)));
	json_object_object_add(o, "snapshot", json_object_get(d->snap));
	json_object_object_add(o, "content", json_object_get(d->content));
	json_object_object_add(o, "events", events);
	json_object *verdict = json_object_new_object();
	json_object_object_add(verdict, "ready", json_object_new_boolean(v->ready));
	json_object_object_add(verdict, "text", json_object_new_string(v->text));
	json_object_object_add(o, "verdict", verdict);
	if (d->fmt == OUT_JSON)
		out_json(stdout, o);
	else
		out_yaml(stdout, o);
	json_object_put(o);
}

/* ---- the command ---------------------------------------------------------- */

static int describe(struct cmd_ctx *ctx, struct kube_client *c, struct describe *d)
{
	struct kube_error err = {0};
	if (snap_api_discover(c, &d->api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	int rc = read_snapshot(ctx, c, d);
	if (rc)
		return rc;
	read_related(c, d);
	json_object *pvcs = NULL;
	if (jstr(d->snap, "metadata.deletionTimestamp")) {
		/* Best effort: the PVC a deletion waits for, to name it. */
		char *path = kube_path(&KUBE_PVCS, d->ns, NULL, NULL);
		if (kube_list_all(c, path, NULL, &pvcs, &err) < 0)
			kube_error_clear(&err);
		free(path);
	}
	struct snap_facts f = {.snapshot = d->snap,
			       .restoring_pvc = snap_restoring_pvc(pvcs, d->name),
			       .content = d->content,
			       .snap_events = d->snap_events,
			       .content_events = d->content_events,
			       .pvc = d->pvc,
			       .now = (int64_t)time(NULL)};
	struct snap_verdict v = {0};
	snap_verdict(&f, &v);
	if (d->fmt == OUT_TEXT)
		print_text(d, &v);
	else
		print_object(d, &v);
	snap_verdict_clear(&v);
	json_object_put(pvcs);
	return EXIT_OK;
}

static int run_describe(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct describe d = {0};
	struct option options[] = {
	    OPT_STRING('o', "output", &d.output, "FORMAT", "json or yaml: {snapshot, content, events, verdict}"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP)
		rc = EXIT_OK;
	else if (rc != OPTS_OK)
		; /* recorded by opts_parse */
	else if (nargs != 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap describe SNAPSHOT",
			      nargs ? "describe one snapshot at a time" : "which snapshot?");
	else if (cmd_check_name(ctx, "snapshot name", args[0]))
		rc = EXIT_USAGE;
	else if (!out_parse_format(d.output, allowed, &d.fmt))
		rc = cmd_fail_output(ctx, d.output, "json|yaml");
	else {
		d.name = args[0];
		struct kube_client *c = cmd_client(ctx);
		if (c) {
			d.ns = cmd_namespace(ctx);
			rc = describe(ctx, c, &d);
		} else {
			rc = cmd_failed(ctx);
		}
	}
	snap_api_clear(&d.api);
	json_object_put(d.snap);
	json_object_put(d.content);
	json_object_put(d.snap_events);
	json_object_put(d.content_events);
	json_object_put(d.pvc);
	free(args);
	return rc;
}

const struct command cmd_describe = {
    .name = "describe",
    .summary = "Show a snapshot, its content and events, and why it is or is not ready",
    .usage = "describe SNAPSHOT [-o json|yaml]",
    .help = "Shows the snapshot's source PVC, class, content (driver, snapshot handle, deletion\n"
	    "policy), status and the events of the snapshot and its content, and ends with a\n"
	    "verdict: ready, or why not and what to do.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap describe data-db-0-20250601100000 -n shop\n"
	    "\n"
	    "  # For scripts: {snapshot, content, events, verdict}\n"
	    "  kubectl volsnap describe snap1 -o json\n",
    .run = run_describe,
};
