/* kubectl volsnap delete: deletes snapshots after reading each one, so the
 * user learns what else goes (the storage snapshot, under a Delete policy) and
 * a restore in progress is never broken. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "opts.h"
#include "snap/retention.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

struct del_run {
	struct cmd_ctx *ctx;
	struct kube_client *client;
	struct snap_api api;
	const char *ns;
	json_object *pvcs;    /* the namespace's PVCs, for the restore check */
	json_object *targets; /* snapshots read and found deletable, in argument order */
	int failed;
};

/* A failure for one name: printed now, the others still go ahead (as kubectl
 * delete does); the command's closing error counts them. */
static void name_failed(struct del_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void name_failed(struct del_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	r->failed++;
}

static void name_failed_kube(struct del_run *r, struct kube_error *err, const char *what, const char *name)
{
	name_failed(r, "%s %s: %s%s%s", what, name, err->message ? err->message : "unknown error",
		    err->hint ? "; " : "", err->hint ? err->hint : "");
	kube_error_clear(err);
}

/* What deleting does to the storage: the bound content's deletionPolicy decides. */
static void warn_policy(struct del_run *r, json_object *snap, const char *name)
{
	const char *content = jstr(snap, "status.boundVolumeSnapshotContentName");
	struct kube_error err = {0};
	json_object *c = NULL;
	if (!content)
		return;
	char *path = kube_path(&r->api.contents, NULL, content, NULL);
	if (kube_get(r->client, path, &c, &err) < 0) {
		fprintf(stderr,
			"warning: snapshot %s: cannot read its content %s (%s): the storage snapshot may be "
			"destroyed too\n",
			name, content, err.message ? err.message : "unknown error");
		kube_error_clear(&err);
	} else if (!strcmp(jstr_or(c, "spec.deletionPolicy", ""), "Retain")) {
		fprintf(stderr,
			"snapshot %s: deletion policy Retain: the content %s and the storage snapshot are kept\n", name,
			content);
	} else {
		fprintf(
		    stderr,
		    "warning: snapshot %s: deletion policy %s: the storage snapshot is destroyed too (content %s)\n",
		    name, jstr_or(c, "spec.deletionPolicy", "unknown"), content);
	}
	json_object_put(c);
	free(path);
}

/* Reads one snapshot and decides whether it may go. */
static void check_one(struct del_run *r, const char *name)
{
	struct kube_error err = {0};
	json_object *snap = NULL;
	const char *pvc = NULL;
	char *path = kube_path(&r->api.snapshots, r->ns, name, NULL);

	if (kube_get(r->client, path, &snap, &err) < 0) {
		if (kube_error_is_not_found(&err)) {
			name_failed(r, "snapshot %s not found in namespace %s", name, r->ns);
			kube_error_clear(&err);
		} else {
			name_failed_kube(r, &err, "reading snapshot", name);
		}
	} else if (snapshot_restoring_pvc(r->pvcs, r->ns, name, &pvc)) {
		name_failed(r,
			    "snapshot %s is the data source of PVC %s, which is not yet Bound: deleting it would break "
			    "that restore; wait until the PVC is Bound, or delete the PVC first",
			    name, pvc);
	} else if (jget(snap, "metadata.deletionTimestamp")) {
		fprintf(stderr, "snapshot %s is already being deleted\n", name);
	} else {
		warn_policy(r, snap, name);
		json_object_array_add(r->targets, json_object_get(snap));
	}
	json_object_put(snap);
	free(path);
}

/* The uid precondition makes sure the snapshot deleted is the one read and
 * warned about, not one re-created under the same name since. */
static void delete_one(struct del_run *r, json_object *snap)
{
	const char *name = jstr(snap, "metadata.name");
	struct kube_delete_opts o = {.uid = jstr(snap, "metadata.uid")};
	struct kube_error err = {0};
	char *path = kube_path(&r->api.snapshots, r->ns, name, NULL);

	if (kube_delete_once(r->client, path, &o, &err) == 0) {
		printf("volumesnapshot.%s \"%s\" deleted\n", SNAP_GROUP, name);
	} else if (kube_error_is_not_found(&err)) {
		fprintf(stderr, "snapshot %s was already gone\n", name);
		kube_error_clear(&err);
	} else if (kube_error_is_conflict(&err)) {
		name_failed(r, "snapshot %s was replaced since it was read: not deleted", name);
		kube_error_clear(&err);
	} else {
		name_failed_kube(r, &err, "deleting snapshot", name);
	}
	free(path);
}

static int confirm(struct del_run *r, bool yes)
{
	size_t n = json_object_array_length(r->targets);
	if (yes || !n)
		return EXIT_OK;
	char *q = xasprintf("Delete %zu snapshot%s in namespace %s?", n, n == 1 ? "" : "s", r->ns);
	bool ok = cmd_confirm(r->ctx, q);
	free(q);
	return ok ? EXIT_OK : cmd_fail(r->ctx, EXIT_FAILED, NULL, "not confirmed: nothing deleted");
}

static int delete_all(struct del_run *r, int nargs, char **args, bool yes)
{
	struct kube_error err = {0};
	char *path = kube_path(&KUBE_PVCS, r->ns, NULL, NULL);
	int rc = EXIT_OK;

	/* Without the PVCs there is no telling whether a restore depends on a
	 * snapshot: refuse rather than guess. */
	if (kube_list_all(r->client, path, NULL, &r->pvcs, &err) < 0)
		rc = cmd_fail_kube(r->ctx, &err, "reading the PVCs of namespace %s (nothing deleted)", r->ns);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	for (int i = 0; i < nargs; i++)
		check_one(r, args[i]);
	rc = confirm(r, yes);
	if (rc != EXIT_OK)
		return rc;
	for (size_t i = 0; i < json_object_array_length(r->targets); i++)
		delete_one(r, json_object_array_get_idx(r->targets, i));
	/* Each failure had its error line: the summary is a count, not another error. */
	if (r->failed && nargs > 1)
		fprintf(stderr, "%d of %d snapshots not deleted\n", r->failed, nargs);
	return r->failed ? EXIT_FAILED : EXIT_OK;
}

static int run_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
	int yes = 0;
	struct option options[] = {
	    OPT_BOOL('y', "yes", &yes, "delete without asking (required when stdin is not a terminal)"),
	    OPT_END(),
	};
	struct del_run r = {.ctx = ctx};
	struct kube_error err = {0};
	char **args = NULL;
	int nargs = 0, rc = opts_parse(ctx, options, argc, argv, &nargs, &args);

	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	if (nargs < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "kubectl volsnap list shows them", "name the snapshots to delete");
	for (int i = 0; rc == EXIT_OK && i < nargs; i++)
		rc = cmd_check_name(ctx, "snapshot name", args[i]);
	if (rc == EXIT_OK && !yes && !ctx->stdin_tty)
		rc = cmd_fail(ctx, EXIT_USAGE, "add --yes to delete without a prompt",
			      "not deleting without confirmation: stdin is not a terminal");
	if (rc != EXIT_OK)
		goto out;
	r.client = cmd_client(ctx);
	if (!r.client) {
		rc = cmd_failed(ctx);
		goto out;
	}
	if (snap_api_discover(r.client, &r.api, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, NULL);
		goto out;
	}
	r.ns = cmd_namespace(ctx);
	r.targets = json_object_new_array();
	rc = delete_all(&r, nargs, args, yes);
out:
	json_object_put(r.pvcs);
	json_object_put(r.targets);
	snap_api_clear(&r.api);
	free(args);
	return rc;
}

const struct command cmd_delete = {
    .name = "delete",
    .summary = "Delete snapshots, saying what else goes with them",
    .usage = "delete SNAPSHOT... [-n NS] [--yes]",
    .help = "Reads each snapshot first. Warns when its content's deletion policy is Delete (the\n"
	    "storage snapshot is destroyed too; Retain keeps it). Refuses a snapshot that a PVC not yet\n"
	    "Bound restores from: deleting it would break that restore. Asks before deleting on a\n"
	    "terminal; needs --yes otherwise. Deletes only the snapshot that was read (uid\n"
	    "precondition). A missing snapshot is an error for that name; the others are still deleted.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap delete data-20240501100000\n"
	    "  kubectl volsnap delete -n shop snap-a snap-b --yes\n",
    .run = run_delete,
};
