/* kubectl volsnap restore: a new PVC with the snapshot as its dataSource (the
 * source document's restore manifest), with class, access modes, volume mode
 * and size taken from the source PVC, and every case the provisioner would
 * refuse only later, with a Pending PVC, refused here before anything exists. */
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/restore.h"
#include "snap/snap.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#define PVC_KIND_NAME "persistentvolumeclaim"
#define DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

struct restore {
	const char *snapshot, *to, *storage_class, *size, *output, *dry_run;
	struct strlist access_modes;
	int wait;
	int64_t timeout_ms;
	const char *ns;
	enum out_format fmt;
	bool dry_client, dry_server;
	struct snap_api api;
	/* read from the cluster; owned */
	json_object *snap, *content, *source_pvc, *sc;
};

static int validate(struct cmd_ctx *ctx, struct restore *r, int nargs, char **args)
{
	const char *usage = "usage: kubectl volsnap restore SNAPSHOT --to PVC [flags]";
	if (nargs != 1)
		return cmd_fail(ctx, EXIT_USAGE, usage, nargs ? "restore one snapshot at a time" : "which snapshot?");
	r->snapshot = args[0];
	if (!snap_valid_name(r->snapshot))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "\"%s\" is not a valid snapshot name", r->snapshot);
	if (!r->to)
		return cmd_fail(ctx, EXIT_USAGE, usage, "--to PVC is required: the name of the new PVC");
	if (!snap_valid_name(r->to))
		return cmd_fail(ctx, EXIT_USAGE, NULL,
				"--to \"%s\" is not a valid PVC name: lowercase letters, digits, '-' and '.'", r->to);
	if (r->storage_class && !snap_valid_name(r->storage_class))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--storage-class \"%s\" is not a valid name", r->storage_class);
	int64_t bytes = 0;
	if (r->size && (!quantity_parse(r->size, &bytes) || bytes <= 0))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--size \"%s\" is not a positive quantity (e.g. 10Gi)", r->size);
	for (size_t i = 0; i < r->access_modes.n; i++)
		if (!restore_valid_access_mode(r->access_modes.items[i]))
			return cmd_fail(ctx, EXIT_USAGE, NULL,
					"--access-mode %s: use ReadWriteOnce, ReadOnlyMany, ReadWriteMany or "
					"ReadWriteOncePod",
					r->access_modes.items[i]);
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_NAME) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	if (!out_parse_format(r->output, allowed, &r->fmt))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "-o %s is not supported here; use one of %s", r->output,
				out_format_names(allowed & ~OUT_ALLOW(OUT_TEXT)));
	if (r->dry_run) {
		r->dry_client = !strcmp(r->dry_run, "client");
		r->dry_server = !strcmp(r->dry_run, "server");
		if (!r->dry_client && !r->dry_server && strcmp(r->dry_run, "none"))
			return cmd_fail(ctx, EXIT_USAGE, NULL, "--dry-run=%s: use client, server or none", r->dry_run);
	}
	if (r->timeout_ms < 0)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--timeout must not be negative");
	return EXIT_OK;
}

/* GET path into *obj; *obj NULL (and no error) when absent or, if
 * allow_forbidden, hidden by RBAC. */
static int read_obj(struct cmd_ctx *ctx, struct kube_client *c, char *path, bool allow_forbidden,
		    json_object **obj, const char *what)
{
	struct kube_error err = {0};
	int rc = kube_get(c, path, obj, &err);
	free(path);
	if (rc == 0)
		return EXIT_OK;
	*obj = NULL;
	if (kube_error_is_not_found(&err) || (allow_forbidden && kube_error_is_forbidden(&err))) {
		if (kube_error_is_forbidden(&err))
			fprintf(stderr, "warning: cannot read %s (forbidden): its checks are skipped\n", what);
		kube_error_clear(&err);
		return EXIT_OK;
	}
	return cmd_fail_kube(ctx, &err, "reading %s", what);
}

static int read_snapshot(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	char *what = xasprintf("snapshot %s/%s", r->ns, r->snapshot);
	int rc = read_obj(ctx, c, kube_path(&r->api.snapshots, r->ns, r->snapshot, NULL), false, &r->snap, what);
	if (!rc && !r->snap)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap list shows the snapshots", "%s not found; nothing was created",
			      what);
	char *why = rc ? NULL : restore_check_snapshot(r->snap);
	if (why)
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
	free(why);
	free(what);
	return rc;
}

static int check_target_absent(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	json_object *existing = NULL;
	char *what = xasprintf("PVC %s/%s", r->ns, r->to);
	int rc = read_obj(ctx, c, kube_path(&KUBE_PVCS, r->ns, r->to, NULL), false, &existing, what);
	if (!rc && existing)
		rc = cmd_fail(ctx, EXIT_FAILED, "choose another --to name",
			      "%s already exists; restore never overwrites a PVC, nothing was created", what);
	json_object_put(existing);
	free(what);
	return rc;
}

/* The class to use: --storage-class, the source PVC's, or one of the driver's. */
static int read_class(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r, const char **name)
{
	const char *driver = jstr(r->content, "spec.driver");
	*name = r->storage_class ? r->storage_class : jstr(r->source_pvc, "spec.storageClassName");
	if ((!*name || !**name) && driver) {
		json_object *classes = NULL;
		struct kube_error err = {0};
		char *path = kube_path(&KUBE_STORAGECLASSES, NULL, NULL, NULL), *why = NULL;
		int rc = kube_list_all(c, path, NULL, &classes, &err);
		free(path);
		if (rc < 0)
			return cmd_fail_kube(ctx, &err, "listing StorageClasses to restore %s", r->snapshot);
		*name = restore_pick_class(NULL, classes, driver, &why);
		/* The pick points into classes: keep our own copy in r->sc below. */
		rc = *name ? EXIT_OK : cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
		if (*name)
			*name = r->storage_class = jstr(r->sc = json_object_get(classes), "") ? NULL : *name;
		free(why);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}
