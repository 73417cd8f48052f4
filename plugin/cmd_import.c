/* kubectl volsnap import: snapshots from an export archive into this
 * namespace, as new pre-provisioned contents and snapshots bound to them.
 * Everything is checked (the archive, then the target) before the first
 * object is created (plugin/archive/transfer.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/archive.h"
#include "archive/transfer.h"
#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/restore.h"
#include "snap/snap.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/xalloc.h"

#define DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

struct import {
	const char *file;
	struct import_opts o;
	int dry_run, wait;
	int64_t timeout_ms;
	struct snap_api api;
	struct arc_members members;
	struct import_doc doc;
	struct import_target target;
	struct import_plan plan;
};

static int validate(struct cmd_ctx *ctx, struct import *im, int nargs, char **args)
{
	if (nargs != 1)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap import FILE|- [-n NS]",
				nargs ? "import one archive at a time" : "which archive? (- reads stdin)");
	im->file = args[0];
	if (im->o.name && !snap_valid_name(im->o.name))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--name \"%s\" is not a valid snapshot name", im->o.name);
	if (im->o.klass && !snap_valid_name(im->o.klass))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--class \"%s\" is not a valid name", im->o.klass);
	if (im->o.restore_to && !snap_valid_name(im->o.restore_to))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--restore-to \"%s\" is not a valid PVC name", im->o.restore_to);
	if (im->timeout_ms < 0)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--timeout must not be negative");
	if (!strcmp(im->file, "-") && ctx->stdin_tty)
		return cmd_fail(ctx, EXIT_USAGE,
				"pipe an archive in: kubectl volsnap export S -o - | kubectl volsnap "
				"import -",
				"import - reads the archive from stdin, which is a terminal");
	return EXIT_OK;
}

static int read_archive(struct cmd_ctx *ctx, struct import *im)
{
	bool std = !strcmp(im->file, "-");
	int fd = std ? STDIN_FILENO : open(im->file, O_RDONLY);
	char *why = NULL;
	if (fd < 0)
		return cmd_fail(ctx, EXIT_FAILED, NULL, "cannot read %s: %s", im->file, strerror(errno));
	int rc = arc_read_fd(fd, std ? "stdin" : im->file, &arc_import_limits, &im->members, &why);
	if (!std)
		close(fd);
	if (rc == 0 && import_parse(&im->members, &im->doc, &why) < 0) {
		char *inner = why;
		why = xasprintf("%s: %s", std ? "stdin" : im->file, inner);
		free(inner);
		rc = -1;
	}
	if (rc == 0)
		return EXIT_OK;
	rc = cmd_fail(ctx, EXIT_FAILED, "use an archive written by 'kubectl volsnap export'", "%s; nothing was created",
		      why);
	free(why);
	return rc;
}

/* A LIST the checks use; NULL when it cannot be read (the plan warns). */
static json_object *list_or_null(struct kube_client *c, const struct kube_resource *r)
{
	struct kube_error err = {0};
	json_object *items = NULL;
	char *path = kube_path(r, NULL, NULL, NULL);
	if (kube_list_all(c, path, NULL, &items, &err) < 0)
		items = NULL;
	kube_error_clear(&err);
	free(path);
	return items;
}

static int read_target(struct cmd_ctx *ctx, struct kube_client *c, struct import *im)
{
	json_object *ns = NULL;
	char *path = kube_path(&KUBE_NAMESPACES, NULL, im->o.ns, NULL);
	char *what = xasprintf("namespace %s", im->o.ns);
	bool forbidden = false;
	int rc = cmd_get_optional(ctx, c, path, what, true, &ns, &forbidden);
	free(path);
	if (!rc && !ns && !forbidden)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl create namespace makes it",
			      "%s not found; nothing was created", what);
	json_object_put(ns);
	free(what);
	if (rc)
		return rc;
	im->target.csidrivers = list_or_null(c, &KUBE_CSIDRIVERS);
	im->target.storage_classes = list_or_null(c, &KUBE_STORAGECLASSES);
	im->target.snapshot_classes = list_or_null(c, &im->api.classes);
	im->target.nodes = list_or_null(c, &KUBE_NODES);
	return EXIT_OK;
}

/* Name collisions on the target: nothing the plan creates may exist already. */
static int check_absent(struct cmd_ctx *ctx, struct kube_client *c, const struct kube_resource *r, const char *ns,
			const char *name, const char *kind, const char *hint)
{
	json_object *obj = NULL;
	char *path = kube_path(r, ns, name, NULL);
	char *what = ns ? xasprintf("%s %s/%s", kind, ns, name) : xasprintf("%s %s", kind, name);
	int rc = cmd_get_optional(ctx, c, path, what, false, &obj, NULL);
	if (!rc && obj)
		rc = cmd_fail(ctx, EXIT_FAILED, hint, "%s already exists; nothing was created", what);
	json_object_put(obj);
	free(what);
	free(path);
	return rc;
}

static int check_collisions(struct cmd_ctx *ctx, struct kube_client *c, struct import *im)
{
	int rc = EXIT_OK;
	for (size_t i = 0; !rc && i < im->plan.n; i++) {
		const struct import_item *it = &im->plan.items[i];
		rc = check_absent(ctx, c, &im->api.snapshots, im->o.ns, it->name, "snapshot", "choose another --name");
		if (!rc)
			rc = check_absent(
			    ctx, c, &im->api.contents, NULL, it->content_name, "VolumeSnapshotContent",
			    "an earlier import left it (it is Retain); delete it or choose another --name");
		if (!rc && it->pvc)
			rc = check_absent(ctx, c, &KUBE_PVCS, im->o.ns, im->o.restore_to, "PVC",
					  "choose another --restore-to name");
	}
	return rc;
}

static void print_plan(const struct import *im)
{
	for (size_t i = 0; i < im->plan.n; i++) {
		const struct import_item *it = &im->plan.items[i];
		json_object *objs[] = {it->content, it->snapshot, it->pvc};
		for (size_t k = 0; k < 3; k++)
			if (objs[k]) {
				printf("---\n");
				out_yaml(stdout, objs[k]);
			}
	}
}

static int create(struct cmd_ctx *ctx, struct kube_client *c, const struct kube_resource *r, const char *ns,
		  json_object *obj, const char *what)
{
	struct kube_error err = {0};
	char *path = kube_path(r, ns, NULL, NULL);
	int rc = kube_create_once(c, path, obj, 0, NULL, &err);
	free(path);
	return rc == 0 ? EXIT_OK : cmd_fail_kube(ctx, &err, "creating %s", what);
}

static int wait_ready(struct cmd_ctx *ctx, struct kube_client *c, struct import *im, const struct import_item *it)
{
	char *what = xasprintf("snapshot %s/%s", im->o.ns, it->name), *why = NULL;
	struct kube_error err = {0};
	json_object *last = NULL;
	enum wait_outcome out = wait_for(c, &im->api.snapshots, im->o.ns, it->name, wait_check_snapshot_ready,
					 im->timeout_ms, ctx->stderr_tty, what, &last, &why, &err);
	int rc = EXIT_OK;
	if (out == WAIT_ERROR)
		rc = cmd_fail_kube(ctx, &err, "waiting for %s", what);
	else if (out == WAIT_FAILED)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap describe says more", "%s: %s", what, why);
	else if (out == WAIT_DELETED)
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s was deleted while waiting for it", what);
	else if (out == WAIT_TIMEOUT)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap describe says why; --timeout sets how long to wait",
			      "%s is not ready yet: %s", what, snap_error_message(last));
	json_object_put(last);
	free(why);
	free(what);
	return rc;
}

static int restore_to(struct cmd_ctx *ctx, struct kube_client *c, struct import *im, const struct import_item *it)
{
	char *what = xasprintf("PVC %s/%s", im->o.ns, im->o.restore_to);
	int rc = create(ctx, c, &KUBE_PVCS, im->o.ns, it->pvc, what);
	if (!rc)
		printf("persistentvolumeclaim/%s created\n", im->o.restore_to);
	const char *sc = jstr(it->pvc, "spec.storageClassName");
	json_object *klass = NULL;
	for (size_t i = 0; sc && im->target.storage_classes && i < json_object_array_length(im->target.storage_classes);
	     i++)
		if (!strcmp(jstr_or(json_object_array_get_idx(im->target.storage_classes, i), "metadata.name", ""), sc))
			klass = json_object_array_get_idx(im->target.storage_classes, i);
	if (!rc && im->wait && restore_binds_on_first_consumer(klass)) {
		fprintf(stderr, "%s will be bound when a pod uses it (StorageClass %s binds on first consumer)\n", what,
			sc);
	} else if (!rc && im->wait) {
		struct kube_error err = {0};
		char *why = NULL;
		enum wait_outcome out = wait_for(c, &KUBE_PVCS, im->o.ns, im->o.restore_to, wait_check_pvc_bound,
						 im->timeout_ms, ctx->stderr_tty, what, NULL, &why, &err);
		if (out == WAIT_ERROR)
			rc = cmd_fail_kube(ctx, &err, "waiting for %s", what);
		else if (out != WAIT_OK)
			rc = cmd_fail(ctx, EXIT_FAILED, "kubectl describe pvc shows why", "%s is not Bound: %s", what,
				      why ? why : "timed out");
		free(why);
	}
	free(what);
	return rc;
}

static int apply(struct cmd_ctx *ctx, struct kube_client *c, struct import *im)
{
	for (size_t i = 0; i < im->plan.n; i++) {
		const struct import_item *it = &im->plan.items[i];
		char *what = xasprintf("VolumeSnapshotContent %s", it->content_name);
		int rc = create(ctx, c, &im->api.contents, NULL, it->content, what);
		free(what);
		if (rc)
			return rc;
		what = xasprintf("snapshot %s/%s", im->o.ns, it->name);
		rc = create(ctx, c, &im->api.snapshots, im->o.ns, it->snapshot, what);
		free(what);
		if (rc) {
			/* Take back the content made for it, so a failed import leaves nothing behind. */
			struct kube_error err = {0};
			char *path = kube_path(&im->api.contents, NULL, it->content_name, NULL);
			kube_delete(c, path, NULL, NULL, &err);
			kube_error_clear(&err);
			free(path);
			return rc;
		}
		printf("volumesnapshot.snapshot.storage.k8s.io/%s imported (content %s)\n", it->name, it->content_name);
		if (im->wait && (rc = wait_ready(ctx, c, im, it)))
			return rc;
		if (it->pvc && (rc = restore_to(ctx, c, im, it)))
			return rc;
	}
	return EXIT_OK;
}

static int import(struct cmd_ctx *ctx, struct kube_client *c, struct import *im)
{
	struct kube_error err = {0};
	char *why = NULL;
	if (snap_api_discover(c, &im->api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	im->o.api_version = im->api.version;
	int rc = read_target(ctx, c, im);
	if (rc)
		return rc;
	if (import_plan(&im->doc, &im->o, &im->target, &im->plan, &why) < 0) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
		free(why);
		return rc;
	}
	if ((rc = check_collisions(ctx, c, im)))
		return rc;
	for (size_t i = 0; i < im->plan.warnings.n; i++)
		fprintf(stderr, "warning: %s\n", im->plan.warnings.items[i]);
	if (im->dry_run > 0) {
		print_plan(im);
		fprintf(stderr, "dry run: the objects above would be created; nothing was\n");
		return EXIT_OK;
	}
	return apply(ctx, c, im);
}

static void import_clear(struct import *im)
{
	import_plan_clear(&im->plan);
	import_doc_clear(&im->doc);
	arc_members_clear(&im->members);
	json_object_put(im->target.csidrivers);
	json_object_put(im->target.storage_classes);
	json_object_put(im->target.snapshot_classes);
	json_object_put(im->target.nodes);
	snap_api_clear(&im->api);
}

static int run_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct import im = {.dry_run = -1, .wait = 1, .timeout_ms = DEFAULT_TIMEOUT_MS};
	struct option options[] = {
	    OPT_STRING(0, "name", &im.o.name, "NAME", "name of the imported snapshot (default: the source's)"),
	    OPT_STRING(0, "class", &im.o.klass, "CLASS",
		       "VolumeSnapshotClass to name (default: none, as "
		       "pre-provisioned snapshots need none)"),
	    OPT_STRING(0, "restore-to", &im.o.restore_to, "PVC", "also create this PVC from the imported snapshot"),
	    OPT_BOOL(0, "dry-run", &im.dry_run, "check everything and print the objects; create nothing"),
	    OPT_BOOL(0, "wait", &im.wait, "wait until the snapshot is ready (and the PVC bound) (default true)"),
	    OPT_DURATION(0, "timeout", &im.timeout_ms, "DURATION", "how long to wait (default 5m; 0 = no limit)"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		rc = EXIT_OK;
	} else if (rc == OPTS_OK && !(rc = validate(ctx, &im, nargs, args)) && !(rc = read_archive(ctx, &im))) {
		struct kube_client *c = cmd_client(ctx);
		if (c) {
			im.o.ns = cmd_namespace(ctx);
			rc = import(ctx, c, &im);
		} else {
			rc = cmd_failed(ctx);
		}
	}
	import_clear(&im);
	free(args);
	return rc;
}

const struct command cmd_import = {
    .name = "import",
    .summary = "Create snapshots in this namespace from an export archive",
    .usage =
	"import FILE|- [-n NS] [--name N] [--class C] [--restore-to PVC] [--dry-run] [--wait|--no-wait] [--timeout 5m]",
    .help = "Checks the archive (gzip, complete, every file's sha256, a known format version, no\n"
	    "absolute or '..' paths, no links, no oversize members) and the target (the CSI driver and\n"
	    "a StorageClass of it exist, no name is taken; zones and regions are compared) before it\n"
	    "creates anything. Then, per snapshot, it creates a new VolumeSnapshotContent\n"
	    "(deletionPolicy Retain, the same snapshotHandle and driver, sourceVolumeMode) and a\n"
	    "VolumeSnapshot bound to it, and waits until it is ready. --restore-to also creates a\n"
	    "PVC from it, shaped like the source PVC. Deleting the imported snapshot leaves the\n"
	    "storage snapshot alone (Retain); the source cluster owns it.\n"
	    "\n"
	    "Examples:\n"
	    "  # Cross-namespace restore\n"
	    "  kubectl volsnap export data-db-0-20250601 -n shop -o - | kubectl volsnap import - -n staging\n"
	    "\n"
	    "  # See what would be created\n"
	    "  kubectl volsnap import shop-snapshots.tar.gz -n staging --dry-run\n"
	    "\n"
	    "  # Import and restore into a new PVC\n"
	    "  kubectl volsnap import snap.tar.gz -n staging --restore-to data-db-0\n",
    .run = run_import,
};
