/* kubectl volsnap prune: the source document's "delete old snapshots" CronJob
 * step, made safe. Everything is read first; plan_prune decides; the plan is
 * printed; only then, and only if every read succeeded, are snapshots deleted,
 * each one only if unchanged since it was read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/retention.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

#define PRUNE_DEFAULT_CHUNK 500

struct prune_run {
	struct cmd_ctx *ctx;
	struct kube_client *client;
	struct snap_api api;
	const char *ns; /* NULL with -A */
	const char *pvc;
	long chunk;
	json_object *pvcs;
	struct prune_plan plan; /* filled page by page: a few hundred bytes a snapshot */
	int deleted, skipped, failed;
};

static int collect(json_object *s, void *ud)
{
	struct prune_run *r = ud;
	const char *pvc = jstr(s, "spec.source.persistentVolumeClaimName");
	if (!r->pvc || (pvc && !strcmp(pvc, r->pvc)))
		prune_plan_add(&r->plan, s);
	return 0;
}

/* Every page of snapshots and the PVCs, or an error: a plan made from part of
 * the picture could delete what a missing page would have kept. */
static int read_cluster(struct prune_run *r)
{
	struct kube_error err = {0};
	struct kube_list_opts lo = {.limit = r->chunk};
	char *path = kube_path(&r->api.snapshots, r->ns, NULL, NULL);
	int rc = EXIT_OK;

	if (kube_list_each(r->client, path, &lo, collect, r, NULL, &err) < 0)
		rc = cmd_fail_kube(r->ctx, &err, "listing snapshots (nothing deleted)");
	free(path);
	if (rc != EXIT_OK)
		return rc;
	path = kube_path(&KUBE_PVCS, r->ns, NULL, NULL);
	if (kube_list_all(r->client, path, &lo, &r->pvcs, &err) < 0)
		rc = cmd_fail_kube(r->ctx, &err, "listing PVCs (nothing deleted)");
	free(path);
	return rc;
}

/* The plan is read back from its store (util/spill.h) at each step: a
 * temporary file failing ends the command before anything is deleted. */
static int plan_failed(struct prune_run *r, const char *what)
{
	return cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s: %s (nothing deleted)", what, r->plan.error);
}

static int print_plan(struct prune_run *r)
{
	static const char *const headers[] = {"NAMESPACE", "PVC", "SNAPSHOT", "AGE", "ACTION", "REASON"};
	/* The namespace column only when it can differ, as kubectl does with -A. */
	int skip = r->ns ? 1 : 0;
	struct out_table *t = out_table_new(stdout, headers + skip, 6 - skip);
	struct prune_item item, *it = &item;
	int got;
	prune_plan_rewind(&r->plan);
	while ((got = prune_plan_next(&r->plan, it)) > 0) {
		char *age = out_age(it->created);
		const char *cells[] = {it->namespace, it->pvc, it->name, age, prune_action_name(it->action),
				       it->reason};
		out_table_row(t, cells + skip);
		free(age);
	}
	int rc = got < 0 ? plan_failed(r, "reading the plan") : EXIT_OK;
	if (rc == EXIT_OK)
		out_table_flush(t);
	if (rc == EXIT_OK && out_table_error(t))
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "printing the plan: %s (nothing deleted)", out_table_error(t));
	out_table_free(t);
	return rc;
}

/* uid and resourceVersion preconditions: a snapshot re-created or changed since
 * the plan was made (say it became a restore's source) is left alone. */
static void delete_item(struct prune_run *r, const struct prune_item *it)
{
	struct kube_delete_opts o = {.uid = it->uid, .resource_version = it->resource_version};
	struct kube_error err = {0};
	char *path = kube_path(&r->api.snapshots, it->namespace, it->name, NULL);

	if (kube_delete_once(r->client, path, &o, &err) == 0) {
		printf("volumesnapshot.%s \"%s\" deleted\n", SNAP_GROUP, it->name);
		r->deleted++;
	} else if (kube_error_is_conflict(&err) || kube_error_is_not_found(&err)) {
		fprintf(stderr, "skipped %s/%s: %s since the plan was made\n", it->namespace, it->name,
			kube_error_is_conflict(&err) ? "changed" : "deleted");
		r->skipped++;
	} else {
		fprintf(stderr, "error: deleting snapshot %s/%s: %s\n", it->namespace, it->name,
			err.message ? err.message : "unknown error");
		r->failed++;
	}
	kube_error_clear(&err);
	free(path);
}

/* The last look before deleting: a PVC created since the plan was made (while
 * the user read it and confirmed) may restore from a snapshot about to go. The
 * PVCs of the scope are listed again (one list: the namespace, or all with -A)
 * and such snapshots are dropped from the deletions. If that list fails,
 * nothing is deleted: never prune on incomplete knowledge. */
static int recheck(struct prune_run *r)
{
	struct kube_error err = {0};
	struct kube_list_opts lo = {.limit = r->chunk};
	json_object *pvcs = NULL;
	char *path = kube_path(&KUBE_PVCS, r->ns, NULL, NULL);
	int rc = EXIT_OK;

	if (kube_list_all(r->client, path, &lo, &pvcs, &err) < 0) {
		rc = cmd_fail_kube(r->ctx, &err, "listing PVCs again before deleting (nothing deleted)");
	} else if (prune_plan_recheck(&r->plan, pvcs)) {
		struct prune_item item, *it = &item;
		while (prune_plan_next(&r->plan, it) > 0)
			if (it->rechecked)
				fprintf(stderr, "skipped %s/%s: %s\n", it->namespace, it->name, it->reason);
	}
	if (rc == EXIT_OK && r->plan.error)
		rc = plan_failed(r, "reading the plan again");
	json_object_put(pvcs);
	free(path);
	return rc;
}

static int execute(struct prune_run *r, bool dry_run, bool yes)
{
	struct prune_plan *p = &r->plan;
	if (dry_run) {
		printf("Dry run: would delete %zu, keep %zu, skip %zu; nothing deleted.\n", p->n_delete, p->n_keep,
		       p->n_skip);
		return EXIT_OK;
	}
	if (!p->n_delete) {
		printf("Nothing to delete: %zu kept, %zu skipped.\n", p->n_keep, p->n_skip);
		return EXIT_OK;
	}
	char *q = xasprintf("Delete %zu snapshot%s?", p->n_delete, p->n_delete == 1 ? "" : "s");
	bool ok = yes || cmd_confirm(r->ctx, q);
	free(q);
	if (!ok)
		return cmd_fail(r->ctx, EXIT_FAILED, NULL, "not confirmed: nothing deleted");
	int rc = recheck(r);
	if (rc != EXIT_OK)
		return rc;
	struct prune_item item;
	prune_plan_rewind(&r->plan);
	while (prune_plan_next(&r->plan, &item) > 0)
		if (item.action == PRUNE_DELETE)
			delete_item(r, &item);
	if (r->plan.error)
		return cmd_fail(r->ctx, EXIT_FAILED, NULL, "reading the plan while deleting: %s (%d deleted)",
				r->plan.error, r->deleted);
	printf("Pruned: %d deleted, %zu kept, %zu skipped, %d failed.\n", r->deleted, p->n_keep,
	       p->n_skip + (size_t)r->skipped, r->failed);
	/* Each failure had its error line and the line above counts them. */
	return r->failed ? EXIT_FAILED : EXIT_OK;
}

static int prune(struct prune_run *r, const struct prune_policy *policy, bool dry_run, bool yes)
{
	struct kube_error err = {0};
	int rc;

	r->client = cmd_client(r->ctx);
	if (!r->client)
		return cmd_failed(r->ctx);
	if (snap_api_discover(r->client, &r->api, &err) < 0)
		return cmd_fail_kube(r->ctx, &err, NULL);
	if (!r->ctx->g.all_namespaces)
		r->ns = cmd_namespace(r->ctx);
	rc = read_cluster(r);
	if (rc != EXIT_OK)
		return rc;
	if (prune_plan_decide(&r->plan, r->pvcs, (int64_t)time(NULL), policy) < 0)
		return plan_failed(r, "making the plan");
	if (!r->plan.n) {
		if (r->ns)
			fprintf(stderr, "No snapshots found in %s namespace.\n", r->ns);
		else
			fprintf(stderr, "No snapshots found\n");
		return EXIT_OK;
	}
	rc = print_plan(r);
	if (rc != EXIT_OK)
		return rc;
	/* The plan is on screen before the question on stderr, even through a pipe. */
	fflush(stdout);
	return execute(r, dry_run, yes);
}

static int run_prune(struct cmd_ctx *ctx, int argc, char **argv)
{
	long keep_last = -1; /* not given */
	int64_t keep_within = 0;
	int dry_run = 0, yes = 0, unmanaged = 0;
	struct prune_run r = {.ctx = ctx, .chunk = PRUNE_DEFAULT_CHUNK};
	struct option options[] = {
	    OPT_INT(0, "keep-last", &keep_last, "N", "keep the N newest ready snapshots of each PVC (N >= 1)"),
	    OPT_DURATION(0, "keep-within", &keep_within, "DURATION", "also keep ready snapshots newer than this (7d)"),
	    OPT_BOOL(0, "dry-run", &dry_run, "print the plan and delete nothing"),
	    OPT_BOOL('y', "yes", &yes, "delete without asking (required when stdin is not a terminal)"),
	    OPT_BOOL(0, "include-unmanaged", &unmanaged, "also prune snapshots kubectl-volsnap did not make"),
	    OPT_INT(0, "chunk-size", &r.chunk, "N", "snapshots per list request"),
	    OPT_END(),
	};
	char **args = NULL;
	int nargs = 0, rc = opts_parse(ctx, options, argc, argv, &nargs, &args);

	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	if (nargs > 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "give at most one PVC", "too many arguments: %s", args[1]);
	else if (nargs == 1 && cmd_check_name(ctx, "PVC name", args[0]))
		rc = EXIT_USAGE;
	else if (keep_last == -1)
		rc = cmd_fail(ctx, EXIT_USAGE, "the newest ready snapshot of a PVC is always kept",
			      "--keep-last N is required, with N at least 1");
	else if (keep_last < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "use --keep-last 1 or more",
			      "--keep-last %ld would keep nothing, but the newest ready snapshot of a PVC is always "
			      "kept",
			      keep_last);
	else if (r.chunk < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--chunk-size must be at least 1");
	else if (!dry_run && !yes && !ctx->stdin_tty)
		rc = cmd_fail(ctx, EXIT_USAGE, "add --yes to delete without a prompt, or --dry-run to see the plan",
			      "not pruning without confirmation: stdin is not a terminal");
	if (rc == EXIT_OK) {
		struct prune_policy policy = {keep_last, keep_within, unmanaged};
		r.pvc = nargs ? args[0] : NULL;
		rc = prune(&r, &policy, dry_run, yes);
	}
	prune_plan_clear(&r.plan);
	json_object_put(r.pvcs);
	snap_api_clear(&r.api);
	free(args);
	return rc;
}

const struct command cmd_prune = {
    .name = "prune",
    .summary = "Delete old snapshots safely, keeping the newest of each PVC",
    .usage = "prune [PVC] [-n NS | -A] --keep-last N [--keep-within DURATION] [--dry-run] [--yes] "
	     "[--include-unmanaged] [--chunk-size N]",
    .help = "Groups snapshots by namespace and source PVC and keeps the --keep-last newest ready ones\n"
	    "of each (and, with --keep-within, every ready one newer than that). Never deletes: the\n"
	    "newest ready snapshot of a PVC, a snapshot not ready yet (in progress or failed), a\n"
	    "snapshot a PVC not yet Bound restores from, a snapshot already being deleted, one pinned\n"
	    "with the label volsnap.io/keep=true (restore --replace pins its safety snapshot), or, without\n"
	    "--include-unmanaged, a snapshot kubectl-volsnap did not make. Prints the plan first;\n"
	    "--dry-run stops there. If any list fails, nothing is deleted. Right before deleting, the\n"
	    "PVCs are read again: a snapshot that became the data source of a PVC not yet Bound since\n"
	    "the plan was made is skipped, as is one changed since then.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap prune data --keep-last 7 --dry-run\n"
	    "  kubectl volsnap prune -A --keep-last 3 --keep-within 7d --yes\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_prune,
};
