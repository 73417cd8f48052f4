/* kubectl volsnap restore: a new PVC with the snapshot as its dataSource (the
 * source document's restore manifest), with class, access modes, volume mode
 * and size taken from the source PVC, and every case the provisioner would
 * refuse only later, with a Pending PVC, refused here before anything exists. */
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "replace/run.h"
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
	char *class_name; /* the StorageClass chosen, NULL = the cluster's default */
	/* --replace PVC: in place (plugin/replace/) */
	const char *replace;
	int scale_down, no_safety, force, yes, resume;
};

/* restore SNAPSHOT --replace PVC: its own flags, checked here, run by plugin/replace/. */
static int run_replace(struct cmd_ctx *ctx, struct restore *r, int nargs, char **args)
{
	if (nargs != 1)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap restore SNAPSHOT --replace PVC [flags]",
				nargs ? "restore one snapshot at a time" : "which snapshot?");
	if (!snap_valid_name(args[0]) || !snap_valid_name(r->replace))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "\"%s\" is not a valid name",
				snap_valid_name(args[0]) ? r->replace : args[0]);
	if (r->to || r->storage_class || r->size || r->access_modes.n || r->output)
		return cmd_fail(ctx, EXIT_USAGE, NULL,
				"--replace keeps the PVC's own name, class, size, access modes and output; drop --to, "
				"--storage-class, --size, --access-mode and -o");
	if (r->dry_run && strcmp(r->dry_run, "client") && strcmp(r->dry_run, "none"))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--replace --dry-run prints the plan: use --dry-run alone");
	bool dry = r->dry_run && !strcmp(r->dry_run, "client");
	if (r->timeout_ms < 0)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--timeout must not be negative");
	if (!dry && r->yes <= 0 && !ctx->stdin_tty)
		return cmd_fail(ctx, EXIT_USAGE, "add --yes to replace without a prompt",
				"not replacing PVC %s without confirmation: stdin is not a terminal", r->replace);
	struct kube_client *c = cmd_client(ctx);
	if (!c)
		return cmd_failed(ctx);
	struct replace_opts o = {.snapshot = args[0],
				 .pvc = r->replace,
				 .ns = cmd_namespace(ctx),
				 .scale_down = r->scale_down > 0,
				 .no_safety = r->no_safety > 0,
				 .force = r->force > 0,
				 .dry_run = dry,
				 .yes = r->yes > 0,
				 .resume = r->resume > 0,
				 .timeout_ms = r->timeout_ms};
	return replace_run(ctx, c, &o);
}

static int validate(struct cmd_ctx *ctx, struct restore *r, int nargs, char **args)
{
	const char *usage = "usage: kubectl volsnap restore SNAPSHOT --to PVC [flags]";
	if (nargs != 1)
		return cmd_fail(ctx, EXIT_USAGE, usage, nargs ? "restore one snapshot at a time" : "which snapshot?");
	r->snapshot = args[0];
	if (cmd_check_name(ctx, "snapshot name", r->snapshot))
		return EXIT_USAGE;
	if (!r->to)
		return cmd_fail(ctx, EXIT_USAGE, usage, "--to PVC is required: the name of the new PVC");
	if (cmd_check_name(ctx, "--to PVC name", r->to))
		return EXIT_USAGE;
	if (r->storage_class && cmd_check_name(ctx, "--storage-class name", r->storage_class))
		return EXIT_USAGE;
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
		return cmd_fail_output(ctx, r->output, out_format_names(allowed & ~OUT_ALLOW(OUT_TEXT)));
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

/* cmd_get_optional for a path made by kube_path, which it frees. */
static int read_obj(struct cmd_ctx *ctx, struct kube_client *c, char *path, bool allow_forbidden, json_object **obj,
		    const char *what, bool *forbidden)
{
	int rc = cmd_get_optional(ctx, c, path, what, allow_forbidden, obj, forbidden);
	free(path);
	return rc;
}

static int read_snapshot(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	char *what = xasprintf("snapshot %s/%s", r->ns, r->snapshot);
	char *path = kube_path(&r->api.snapshots, r->ns, r->snapshot, NULL);
	int rc = read_obj(ctx, c, path, false, &r->snap, what, NULL);
	if (!rc && !r->snap)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap list shows the snapshots",
			      "%s not found; nothing was created", what);
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
	int rc = read_obj(ctx, c, kube_path(&KUBE_PVCS, r->ns, r->to, NULL), false, &existing, what, NULL);
	if (!rc && existing)
		rc = cmd_fail(ctx, EXIT_FAILED, "choose another --to name",
			      "%s already exists and restore never overwrites a PVC; nothing was created", what);
	json_object_put(existing);
	free(what);
	return rc;
}

/* The content (for its driver) and the source PVC (for defaults); both may be
 * gone or hidden, which only skips what they would tell. */
static int read_sources(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	const char *cname = jstr(r->snap, "status.boundVolumeSnapshotContentName");
	const char *pvc = jstr(r->snap, "spec.source.persistentVolumeClaimName");
	char *what = xasprintf("VolumeSnapshotContent %s", cname);
	int rc = read_obj(ctx, c, kube_path(&r->api.contents, NULL, cname, NULL), true, &r->content, what, NULL);
	free(what);
	if (rc || !pvc)
		return rc;
	what = xasprintf("PVC %s/%s", r->ns, pvc);
	rc = read_obj(ctx, c, kube_path(&KUBE_PVCS, r->ns, pvc, NULL), true, &r->source_pvc, what, NULL);
	free(what);
	return rc;
}

static int pick_class(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r, const char *driver)
{
	json_object *classes = NULL;
	struct kube_error err = {0};
	char *path = kube_path(&KUBE_STORAGECLASSES, NULL, NULL, NULL), *why = NULL;
	int rc = kube_list_all(c, path, NULL, &classes, &err);
	free(path);
	if (rc < 0)
		return cmd_fail_kube(ctx, &err, "listing StorageClasses for driver %s", driver);
	const char *name = restore_pick_class(NULL, classes, driver, &why);
	r->class_name = xstrdup_or_null(name);
	json_object_put(classes);
	rc = name ? EXIT_OK : cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
	free(why);
	return rc;
}

/* The class to use: --storage-class, the source PVC's, else the driver's. */
static int read_class(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	const char *driver = jstr(r->content, "spec.driver");
	const char *name = r->storage_class ? r->storage_class : jstr(r->source_pvc, "spec.storageClassName");
	int rc = EXIT_OK;
	if (name && *name)
		r->class_name = xstrdup(name);
	else if (driver)
		rc = pick_class(ctx, c, r, driver);
	if (rc || !r->class_name)
		return rc;
	bool forbidden = false;
	char *what = xasprintf("StorageClass %s", r->class_name);
	rc = read_obj(ctx, c, kube_path(&KUBE_STORAGECLASSES, NULL, r->class_name, NULL), true, &r->sc, what,
		      &forbidden);
	if (!rc && !r->sc && !forbidden)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl get storageclass lists them",
			      "%s not found; nothing was created", what);
	free(what);
	return rc;
}

static int build(struct cmd_ctx *ctx, struct restore *r, json_object **pvc)
{
	struct restore_input in = {
	    .ns = r->ns,
	    .target = r->to,
	    .snapshot = r->snap,
	    .content = r->content,
	    .source_pvc = r->source_pvc,
	    .storage_class = r->sc,
	    .storage_class_name = r->class_name,
	    .size = r->size,
	    .access_modes = &r->access_modes,
	};
	char *why = NULL;
	*pvc = restore_manifest(&in, &why);
	if (*pvc)
		return EXIT_OK;
	int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
	free(why);
	return rc;
}

/* The provisioner's Warning events on the PVC, which say why it stays Pending. */
static char *pending_cause(struct kube_client *c, struct restore *r)
{
	json_object *events = wait_events(c, r->ns, "PersistentVolumeClaim", r->to);
	json_object *w = snap_latest_warning(events);
	char *cause = w ? xasprintf("%s: %s", jstr_or(w, "reason", "Warning"), jstr_or(w, "message", ""))
			: xstrdup("no events from a provisioner: is the CSI driver's provisioner running?");
	json_object_put(events);
	return cause;
}

static int wait_bound(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r, json_object **pvc)
{
	char *what = xasprintf("PVC %s/%s", r->ns, r->to), *why = NULL;
	struct kube_error err = {0};
	json_object *last = NULL;
	enum wait_outcome out = wait_for(c, &KUBE_PVCS, r->ns, r->to, wait_check_pvc_bound, r->timeout_ms,
					 ctx->stderr_tty, what, &last, &why, &err);
	int rc = EXIT_OK;
	if (out == WAIT_OK) {
		json_object_put(*pvc);
		*pvc = json_object_get(last);
	} else if (out == WAIT_ERROR) {
		rc = cmd_fail_kube(ctx, &err, "waiting for %s", what);
	} else if (out == WAIT_DELETED) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s was deleted while waiting for it to be bound", what);
	} else if (out == WAIT_FAILED) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", why);
	} else if (out == WAIT_INTERRUPTED) {
		char *hint = xasprintf("kubectl describe pvc %s -n %s shows how it goes; kubectl delete pvc %s -n %s "
				       "removes it",
				       r->to, r->ns, r->to, r->ns);
		rc = cmd_fail(ctx, EXIT_INTERRUPTED, hint,
			      "interrupted: %s still exists and the restore goes on without this command", what);
		free(hint);
	} else {
		char *cause = pending_cause(c, r);
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl describe pvc shows more; --timeout sets how long to wait",
			      "%s is not Bound yet: %s", what, cause);
		free(cause);
	}
	json_object_put(last);
	free(why);
	free(what);
	return rc;
}

static int create(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r, json_object *manifest,
		  json_object **created)
{
	struct kube_error err = {0};
	char *path = kube_path(&KUBE_PVCS, r->ns, NULL, NULL);
	int rc = kube_create_once(c, path, manifest, r->dry_server ? KUBE_DRY_RUN : 0, created, &err);
	free(path);
	if (rc == 0)
		return EXIT_OK;
	if (kube_error_is_conflict(&err)) {
		kube_error_clear(&err);
		return cmd_fail(ctx, EXIT_FAILED, "choose another --to name", "PVC %s/%s already exists", r->ns, r->to);
	}
	return cmd_fail_kube(ctx, &err, "creating PVC %s/%s", r->ns, r->to);
}

/* After creation: wait for Bound, unless the class binds only when a pod uses
 * the PVC, in which case waiting could only time out. */
static int after_create(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r, json_object **pvc)
{
	bool wait = r->wait > 0 && !r->dry_server;
	if (r->fmt == OUT_TEXT || r->fmt == OUT_NAME || !wait)
		out_created(stdout, r->fmt, *pvc, PVC_KIND_NAME, r->to, r->dry_server ? " (server dry run)" : "");
	if (!wait)
		return EXIT_OK;
	if (restore_binds_on_first_consumer(r->sc)) {
		fprintf(stderr,
			"PVC %s/%s will be bound when a pod uses it: StorageClass %s binds on first consumer "
			"(volumeBindingMode WaitForFirstConsumer), so there is nothing to wait for\n",
			r->ns, r->to, r->class_name);
		if (r->fmt == OUT_JSON || r->fmt == OUT_YAML)
			out_created(stdout, r->fmt, *pvc, PVC_KIND_NAME, r->to, "");
		return EXIT_OK;
	}
	int rc = wait_bound(ctx, c, r, pvc);
	if (!rc && (r->fmt == OUT_JSON || r->fmt == OUT_YAML))
		out_created(stdout, r->fmt, *pvc, PVC_KIND_NAME, r->to, "");
	return rc;
}

static int restore(struct cmd_ctx *ctx, struct kube_client *c, struct restore *r)
{
	struct kube_error err = {0};
	json_object *manifest = NULL, *pvc = NULL;
	if (snap_api_discover(c, &r->api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	int rc = read_snapshot(ctx, c, r);
	if (!rc)
		rc = check_target_absent(ctx, c, r);
	if (!rc)
		rc = read_sources(ctx, c, r);
	if (!rc)
		rc = read_class(ctx, c, r);
	if (!rc)
		rc = build(ctx, r, &manifest);
	if (rc)
		return rc;
	if (r->dry_client) {
		out_created(stdout, r->fmt, manifest, PVC_KIND_NAME, r->to, " (dry run)");
		json_object_put(manifest);
		return EXIT_OK;
	}
	rc = create(ctx, c, r, manifest, &pvc);
	json_object_put(manifest);
	if (!rc)
		rc = after_create(ctx, c, r, &pvc);
	json_object_put(pvc);
	return rc;
}

static void restore_clear(struct restore *r)
{
	snap_api_clear(&r->api);
	strlist_clear(&r->access_modes);
	json_object_put(r->snap);
	json_object_put(r->content);
	json_object_put(r->source_pvc);
	json_object_put(r->sc);
	free(r->class_name);
}

static int run_restore(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct restore r = {.wait = -1,
			    .timeout_ms = DEFAULT_TIMEOUT_MS,
			    .scale_down = -1,
			    .no_safety = -1,
			    .force = -1,
			    .yes = -1,
			    .resume = -1};
	struct option options[] = {
	    OPT_STRING(0, "to", &r.to, "PVC", "name of the new PVC (required)"),
	    OPT_STRING(0, "storage-class", &r.storage_class, "CLASS",
		       "StorageClass (default: the source PVC's, else the driver's default)"),
	    OPT_STRING(0, "size", &r.size, "QUANTITY",
		       "requested size (default: the source PVC's, at least restoreSize)"),
	    OPT_LIST(0, "access-mode", &r.access_modes, "MODE", "access mode (repeatable; default: the source PVC's)"),
	    OPT_BOOL(0, "wait", &r.wait, "wait until the PVC is bound (default; --no-wait returns once created)"),
	    OPT_DURATION(0, "timeout", &r.timeout_ms, "DURATION", "how long to wait (default 5m; 0 = no limit)"),
	    OPT_STRING('o', "output", &r.output, "FORMAT", "name, json or yaml"),
	    OPT_OPTARG(0, "dry-run", &r.dry_run, "MODE", "client",
		       "client: print the PVC, send nothing; server: let the server validate it"),
	    OPT_STRING(0, "replace", &r.replace, "PVC", "restore in place: replace this PVC (see below)"),
	    OPT_BOOL(0, "scale-down", &r.scale_down, "with --replace: scale the PVC's users to 0 and back"),
	    OPT_BOOL(0, "no-safety-snapshot", &r.no_safety, "with --replace: skip the snapshot of the current data"),
	    OPT_BOOL(0, "force", &r.force,
		     "with --replace: accept a DaemonSet or bare pod user, or another PVC's snapshot"),
	    OPT_BOOL(0, "yes", &r.yes, "with --replace: do not ask (required when stdin is not a terminal)"),
	    OPT_BOOL(0, "resume", &r.resume,
		     "with --replace: continue a replace that stopped, at its first step not done"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP)
		rc = EXIT_OK;
	else if (rc == OPTS_OK && r.replace)
		rc = run_replace(ctx, &r, nargs, args);
	else if (rc == OPTS_OK &&
		 (r.scale_down >= 0 || r.no_safety >= 0 || r.force >= 0 || r.yes >= 0 || r.resume >= 0))
		rc = cmd_fail(ctx, EXIT_USAGE, NULL,
			      "--scale-down, --no-safety-snapshot, --force, --yes and --resume go with --replace PVC");
	else if (rc == OPTS_OK && !(rc = validate(ctx, &r, nargs, args))) {
		if (r.wait < 0)
			r.wait = 1; /* in scripts too: the next step needs the PVC Bound */
		struct kube_client *c = cmd_client(ctx);
		if (c) {
			r.ns = cmd_namespace(ctx);
			rc = restore(ctx, c, &r);
		} else {
			rc = cmd_failed(ctx);
		}
	}
	restore_clear(&r);
	free(args);
	return rc;
}

const struct command cmd_restore = {
    .name = "restore",
    .summary = "Create a new PVC from a snapshot, or bring a PVC back to one in place",
    .usage = "restore SNAPSHOT --to PVC [--storage-class CLASS] [--size QUANTITY] [--access-mode MODE]... "
	     "[--wait|--no-wait] [--timeout 5m] [-o name|json|yaml] [--dry-run=client|server]\n"
	     "       restore SNAPSHOT --replace PVC [--scale-down] [--no-safety-snapshot] [--force] [--timeout 5m] "
	     "[--dry-run] [--yes] [--resume]",
    .help = "Creates PVC with the snapshot as its dataSource, in the snapshot's namespace.\n"
	    "\n"
	    "Class, access modes, volume mode and size default to the source PVC's when it still\n"
	    "exists; the size is never below the snapshot's restoreSize. It refuses, creating\n"
	    "nothing, when the snapshot is not ready, the PVC exists, the class belongs to another\n"
	    "CSI driver than the snapshot, or --size is below restoreSize. Then it follows the PVC\n"
	    "until it is Bound and ends with \"PVC NS/NAME is Bound\" (in scripts too; --no-wait\n"
	    "returns once it is created); a class that binds on first consumer is reported, not\n"
	    "waited for. Interrupted (^C) while waiting, it exits 130 and the restore goes on.\n"
	    "\n"
	    "--replace PVC restores in place (CSI has no revert, so the PVC is replaced), printing the\n"
	    "plan first: a safety snapshot of the PVC, waited on until ready and pinned\n"
	    "(volsnap.io/keep=true); its PV set to Retain; with --scale-down its Deployments and\n"
	    "StatefulSets scaled to 0 (replicas recorded) and their pods waited on until gone, never\n"
	    "force-deleted; the PVC deleted once its VolumeAttachments are gone; recreated with the same\n"
	    "name, class, modes and metadata from the snapshot; owners scaled back. The old PV is kept\n"
	    "and its name printed with the command that deletes it. It refuses, changing nothing, a\n"
	    "PVC in use without --scale-down, a DaemonSet or bare pod user or another PVC's snapshot\n"
	    "without --force, an unready snapshot, another driver or volume mode. Each step is\n"
	    "recorded on the PV and PVC (volsnap.io/replace-state): a stopped run says where the old\n"
	    "data is, and --resume continues at the first step not done. Asks on a terminal; --yes\n"
	    "otherwise.\n"
	    "\n"
	    "Examples:\n"
	    "  # Restore into a new PVC and wait until it is bound\n"
	    "  kubectl volsnap restore data-db-0-20250601100000 --to data-db-0-restored\n"
	    "\n"
	    "  # A bigger volume, in another class of the same driver\n"
	    "  kubectl volsnap restore snap1 --to big --size 20Gi --storage-class fast-csi\n"
	    "\n"
	    "  # Bring PVC data-db-0 back to a snapshot in place, stopping its StatefulSet meanwhile\n"
	    "  kubectl volsnap restore data-db-0-20250601100000 --replace data-db-0 --scale-down\n"
	    "\n"
	    "  # The manifest only\n"
	    "  kubectl volsnap restore snap1 --to copy --dry-run=client -o yaml\n",
    .run = run_restore,
};
