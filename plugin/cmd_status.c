/* kubectl volsnap status: is every PVC protected? Each PVC with its newest
 * ready snapshot, the schedules covering it, their last run and a verdict
 * (OK, STALE, FAILING, PAUSED, UNPROTECTED), streamed page by page like
 * `list`; then one line on what protects the cluster's objects. Exit 0 when
 * all are OK, 3 otherwise, so monitoring can call it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "sched/cover.h"
#include "sched/run.h"
#include "sched/sched.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/xalloc.h"

struct status_run {
	enum out_format fmt;
	bool all_ns;
	int64_t now;
	json_object *newest; /* "ns/pvc" -> unix seconds of the newest ready snapshot */
	struct cover_schedule *scheds;
	size_t nscheds;
	struct out_table *table;
	struct out_list_stream *stream;
	long rows, not_ok;
};

static int index_snapshot(json_object *s, void *ud)
{
	struct status_run *r = ud;
	int64_t t = 0;
	const char *pvc = jstr(s, "spec.source.persistentVolumeClaimName");
	if (!pvc || !snap_is_ready(s) || !time_parse_rfc3339(jstr_or(s, "metadata.creationTimestamp", ""), &t))
		return 0;
	char *key = xasprintf("%s/%s", jstr_or(s, "metadata.namespace", ""), pvc);
	json_object *old = NULL;
	if (!json_object_object_get_ex(r->newest, key, &old) || json_object_get_int64(old) < t)
		json_object_object_add(r->newest, key, json_object_new_int64(t));
	free(key);
	return 0;
}

static const char *run_text(const struct cover_schedule *s)
{
	if (s->outcome == COVER_RUN_OK)
		return "succeeded";
	if (s->outcome == COVER_RUN_FAILED)
		return "failed";
	return s->running ? "running" : "none";
}

static int status_row(json_object *pvc, void *ud)
{
	struct status_run *r = ud;
	const char *ns = jstr_or(pvc, "metadata.namespace", ""), *name = jstr_or(pvc, "metadata.name", "");
	char *key = xasprintf("%s/%s", ns, name);
	json_object *t = NULL;
	int64_t newest = json_object_object_get_ex(r->newest, key, &t) ? json_object_get_int64(t) : 0;
	free(key);
	const struct cover_schedule **cov = xcalloc(r->nscheds + 1, sizeof *cov);
	size_t n = 0;
	for (size_t i = 0; i < r->nscheds; i++)
		if (cover_covers(&r->scheds[i], pvc))
			cov[n++] = &r->scheds[i];
	char *why = NULL;
	enum cover_verdict v = cover_decide(newest, cov, n, r->now, &why);
	if (v != COVER_OK)
		r->not_ok++;
	r->rows++;
	char *age = newest ? duration_human(r->now - newest) : xstrdup("<none>");
	const char *sched = n ? cov[0]->name : "<none>";
	const char *last = n ? run_text(cov[0]) : "-";
	if (r->fmt == OUT_JSON || r->fmt == OUT_YAML) {
		json_object *o = json_object_new_object(), *names = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(names, json_object_new_string(cov[i]->name));
		json_object_object_add(o, "namespace", json_object_new_string(ns));
		json_object_object_add(o, "pvc", json_object_new_string(name));
		json_object_object_add(o, "schedules", names);
		json_object_object_add(o, "newestReadyAgeSeconds",
				       newest ? json_object_new_int64(r->now - newest) : NULL);
		json_object_object_add(o, "lastRun", json_object_new_string(last));
		json_object_object_add(o, "verdict", json_object_new_string(cover_verdict_name(v)));
		json_object_object_add(o, "reason", json_object_new_string(why));
		out_list_item(r->stream, o);
		json_object_put(o);
	} else {
		const char *cells[] = {ns, name, sched, age, last, cover_verdict_name(v), why};
		out_table_row(r->table, cells + (r->all_ns ? 0 : 1));
	}
	free(age);
	free(why);
	free(cov);
	return 0;
}

static int status_page(void *ud)
{
	struct status_run *r = ud;
	if (r->table)
		out_table_flush(r->table);
	fflush(stdout);
	return 0;
}

/* Gardener (shoot-info) and Velero (its CRD), read as far as RBAC lets. */
static char *objects_line(struct kube_client *c, int64_t now)
{
	struct kube_error err = {0};
	json_object *cm = NULL, *crd = NULL, *scheds = NULL, *backups = NULL;
	char *path = kube_path(&KUBE_CONFIGMAPS, "kube-system", "shoot-info", NULL);
	if (kube_get(c, path, &cm, &err) < 0)
		kube_error_clear(&err);
	free(path);
	path = kube_path(&KUBE_CRDS, NULL, "schedules.velero.io", NULL);
	if (!cm && kube_get(c, path, &crd, &err) < 0)
		kube_error_clear(&err);
	free(path);
	if (crd) {
		if (kube_list_all(c, "/apis/velero.io/v1/schedules", NULL, &scheds, &err) < 0)
			kube_error_clear(&err);
		if (kube_list_all(c, "/apis/velero.io/v1/backups", NULL, &backups, &err) < 0)
			kube_error_clear(&err);
	}
	char *line = cover_objects_line(cm != NULL, crd != NULL, scheds, backups, now);
	json_object_put(cm);
	json_object_put(crd);
	json_object_put(scheds);
	json_object_put(backups);
	return line;
}

static int status(struct cmd_ctx *ctx, struct status_run *r, const char *selector)
{
	struct kube_error err = {0};
	struct kube_version v = {0};
	struct snap_api api = {0};
	json_object *cjs = NULL, *jobs = NULL;
	struct kube_client *c = cmd_client(ctx);
	int rc = EXIT_OK;
	if (!c)
		return cmd_failed(ctx);
	const char *ns = r->all_ns ? NULL : cmd_namespace(ctx);
	if (kube_server_version(c, &v, &err) < 0 || snap_api_discover(c, &api, &err) < 0 ||
	    sched_read_all(c, v.minor, ns, &cjs, &jobs, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, NULL);
		goto out;
	}
	r->nscheds = json_object_array_length(cjs);
	r->scheds = xcalloc(r->nscheds + 1, sizeof *r->scheds);
	for (size_t i = 0; i < r->nscheds; i++)
		cover_schedule_read(json_object_array_get_idx(cjs, i), jobs, r->now, &r->scheds[i]);
	char *path = kube_path(&api.snapshots, ns, NULL, NULL);
	int lrc = kube_list_each(c, path, NULL, index_snapshot, r, NULL, &err);
	free(path);
	if (lrc < 0) {
		rc = cmd_fail_kube(ctx, &err, "listing snapshots");
		goto out;
	}
	static const char *const headers[] = {"NAMESPACE", "PVC",     "SCHEDULE", "NEWEST READY",
					      "LAST RUN",  "VERDICT", "REASON"};
	int ncols = r->fmt == OUT_WIDE ? 7 : 6;
	if (r->fmt == OUT_JSON || r->fmt == OUT_YAML)
		r->stream = out_list_begin(stdout, r->fmt);
	else
		r->table = out_table_new(stdout, headers + (r->all_ns ? 0 : 1), ncols - (r->all_ns ? 0 : 1));
	struct kube_list_opts lo = {.label_selector = selector, .on_page = status_page};
	path = kube_path(&KUBE_PVCS, ns, NULL, NULL);
	lrc = kube_list_each(c, path, &lo, status_row, r, NULL, &err);
	free(path);
	if (r->stream)
		out_list_end(r->stream);
	if (r->table) {
		out_table_flush(r->table);
		out_table_free(r->table);
	}
	if (lrc < 0) {
		rc = cmd_fail_kube(ctx, &err, "listing PVCs");
		goto out;
	}
	if (!r->rows && !r->stream)
		fprintf(stderr, ns ? "No PVCs found in %s namespace.\n" : "No PVCs found.%s\n", ns ? ns : "");
	char *line = objects_line(c, r->now);
	fprintf(r->stream ? stderr : stdout, "%s\n", line);
	free(line);
	if (r->not_ok)
		rc = cmd_fail(ctx, EXIT_CHECKS_FAILED, "kubectl volsnap schedule describe NAME shows a schedule's runs",
			      "%ld of %ld PVCs are not OK", r->not_ok, r->rows);
out:
	for (size_t i = 0; i < r->nscheds; i++)
		cover_schedule_clear(&r->scheds[i]);
	free(r->scheds);
	json_object_put(cjs);
	json_object_put(jobs);
	kube_version_clear(&v);
	snap_api_clear(&api);
	return rc;
}

static int run_status(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *selector = NULL, *output = NULL;
	struct option options[] = {
	    OPT_STRING('l', "selector", &selector, "SELECTOR", "only the PVCs with these labels"),
	    OPT_STRING('o', "output", &output, "FORMAT", "wide, json or yaml"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	struct status_run r = {.all_ns = ctx->g.all_namespaces, .now = (int64_t)time(NULL)};
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	free(args);
	if (rc == OPTS_HELP)
		return EXIT_OK;
	if (rc)
		return rc;
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_WIDE) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	if (nargs)
		return cmd_fail(ctx, EXIT_USAGE, "-l SELECTOR picks PVCs", "status takes no arguments");
	if ((rc = cmd_parse_output(ctx, output, allowed, &r.fmt)))
		return rc;
	r.newest = json_object_new_object();
	rc = status(ctx, &r, selector);
	json_object_put(r.newest);
	return rc;
}

const struct command cmd_status = {
    .name = "status",
    .summary = "Is every PVC protected? Coverage by schedules, with a verdict",
    .usage = "status [-n NS | -A] [-l SELECTOR] [-o wide|json|yaml]",
    .help = "Every PVC with its newest ready snapshot, the schedule covering it, that schedule's last run\n"
	    "and a verdict: OK; STALE (the newest ready snapshot is older than twice the schedule's\n"
	    "period); FAILING (the last run failed); PAUSED (its schedules are suspended); UNPROTECTED (no\n"
	    "schedule and no ready snapshot in the last 24h). Then one line on what protects the cluster's\n"
	    "objects: Gardener's etcd backups, Velero, or nothing visible. Exit 0 when every PVC is OK,\n"
	    "3 otherwise, so monitoring can call it.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap status -A\n"
	    "  kubectl volsnap status -n shop -l app=db -o json\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_status,
};
