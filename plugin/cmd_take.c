/* kubectl volsnap take: snapshot one PVC, checking first everything the
 * snapshot controller would otherwise fail on silently (an unbound PVC, a
 * volume that is not CSI, no or several default classes), then following the
 * snapshot with a watch until it is ready. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#define SNAP_KIND_NAME "volumesnapshot.snapshot.storage.k8s.io"
#define DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

struct take {
	/* flags */
	const char *name, *klass, *output, *dry_run;
	struct strlist labels;
	int wait, wait_bound;
	int64_t timeout_ms;
	/* derived */
	const char *pvc, *ns;
	enum out_format fmt;
	bool dry_client, dry_server;
	char *snap_name;
	struct strlist valid_labels; /* "key=value", checked */
	struct snap_api api;
};

static int validate_labels(struct cmd_ctx *ctx, struct take *t)
{
	for (size_t i = 0; i < t->labels.n; i++) {
		/* -l a=b,c=d as kubectl's selectors read; values cannot hold commas. */
		char *copy = xstrdup(t->labels.items[i]), *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *k = NULL, *v = NULL, *why = NULL;
			if (!snap_parse_label(kv, &k, &v, &why)) {
				int rc = cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why);
				free(why);
				free(copy);
				return rc;
			}
			strlist_take(&t->valid_labels, xasprintf("%s=%s", k, v));
			free(k);
			free(v);
		}
		free(copy);
	}
	return EXIT_OK;
}

static int validate(struct cmd_ctx *ctx, struct take *t, int nargs, char **args)
{
	if (nargs == 0)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap take PVC [flags]", "which PVC? name one");
	if (nargs > 1)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap take PVC [flags]",
				"take snapshots one PVC at a time; got %d arguments", nargs);
	t->pvc = args[0];
	if (cmd_check_name(ctx, "PVC name", t->pvc) || (t->name && cmd_check_name(ctx, "--name", t->name)) ||
	    (t->klass && cmd_check_name(ctx, "--class name", t->klass)))
		return EXIT_USAGE;
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_NAME) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	if (!out_parse_format(t->output, allowed, &t->fmt))
		return cmd_fail_output(ctx, t->output, out_format_names(allowed & ~OUT_ALLOW(OUT_TEXT)));
	if (t->dry_run) {
		t->dry_client = !strcmp(t->dry_run, "client");
		t->dry_server = !strcmp(t->dry_run, "server");
		if (!t->dry_client && !t->dry_server && strcmp(t->dry_run, "none"))
			return cmd_fail(ctx, EXIT_USAGE, NULL, "--dry-run=%s: use client, server or none", t->dry_run);
	}
	if (t->timeout_ms < 0)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--timeout must not be negative");
	return validate_labels(ctx, t);
}

/* ---- the source PVC ------------------------------------------------------- */

static int get_pvc(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, json_object **pvc)
{
	struct kube_error err = {0};
	char *path = kube_path(&KUBE_PVCS, t->ns, t->pvc, NULL);
	int rc = kube_get(c, path, pvc, &err);
	free(path);
	if (rc == 0)
		return EXIT_OK;
	if (kube_error_is_not_found(&err)) {
		kube_error_clear(&err);
		return cmd_fail(ctx, EXIT_FAILED, NULL, "PVC %s/%s not found; kubectl get pvc -n %s lists them", t->ns,
				t->pvc, t->ns);
	}
	return cmd_fail_kube(ctx, &err, "reading PVC %s/%s", t->ns, t->pvc);
}

/* --wait-bound: the source document's fix for the unbound-PVC trap, done by
 * the tool: follow the PVC until it is Bound, then snapshot it. */
static int wait_bound(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, json_object **pvc)
{
	char *what = xasprintf("PVC %s/%s", t->ns, t->pvc), *why = NULL;
	struct kube_error err = {0};
	json_object *last = NULL;
	enum wait_outcome out = wait_for(c, &KUBE_PVCS, t->ns, t->pvc, wait_check_pvc_bound, t->timeout_ms,
					 ctx->stderr_tty, what, &last, &why, &err);
	free(what);
	int rc = EXIT_OK;
	if (out == WAIT_OK) {
		json_object_put(*pvc);
		*pvc = last;
		return EXIT_OK;
	}
	json_object_put(last);
	if (out == WAIT_ERROR)
		rc = cmd_fail_kube(ctx, &err, "waiting for PVC %s/%s to be bound", t->ns, t->pvc);
	else if (out == WAIT_FAILED)
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
	else if (out == WAIT_DELETED)
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "PVC %s/%s was deleted while waiting for it to be bound", t->ns,
			      t->pvc);
	else if (out == WAIT_INTERRUPTED)
		rc =
		    cmd_fail(ctx, EXIT_INTERRUPTED, NULL,
			     "interrupted while waiting for PVC %s/%s to be bound; nothing was created", t->ns, t->pvc);
	else
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl describe pvc shows why it does not bind",
			      "PVC %s/%s is still not Bound; nothing was created", t->ns, t->pvc);
	free(why);
	return rc;
}

/* A refusal before anything is created; frees why. */
static int refuse(struct cmd_ctx *ctx, char *why)
{
	int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
	free(why);
	return rc;
}

/* The CSI driver of the PVC's volume (*driver owned), or *driver NULL when RBAC
 * hides the volume: then the controller's own checks are all that is left. */
static int source_driver(struct cmd_ctx *ctx, struct kube_client *c, json_object *pvc, char **driver)
{
	const char *pvname = jstr_or(pvc, "spec.volumeName", "");
	json_object *pv = NULL;
	bool forbidden = false;
	/* Before the volume is read: RBAC may hide the volume, never the claim's phase. */
	char *why = snap_pvc_unbound(pvc);
	*driver = NULL;
	if (why)
		return refuse(ctx, why);
	if (*pvname) {
		char *path = kube_path(&KUBE_PVS, NULL, pvname, NULL);
		char *what = xasprintf("PersistentVolume %s", pvname);
		int rc = cmd_get_optional(ctx, c, path, what, true, &pv, &forbidden);
		free(path);
		free(what);
		if (rc)
			return rc;
	}
	if (forbidden)
		return EXIT_OK;
	const char *d = snap_source_driver(pvc, pv, &why);
	if (d)
		*driver = xstrdup(d);
	json_object_put(pv);
	return d ? EXIT_OK : refuse(ctx, why);
}

/* ---- the class ------------------------------------------------------------ */

static int resolve_class(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, const char *driver, char **klass)
{
	struct kube_error err = {0};
	json_object *classes = NULL;
	*klass = NULL;
	if (!driver) {
		/* Unknown driver: the controller resolves the default itself. */
		*klass = xstrdup_or_null(t->klass);
		return EXIT_OK;
	}
	char *path = kube_path(&t->api.classes, NULL, NULL, NULL);
	int rc = kube_list_all(c, path, NULL, &classes, &err);
	free(path);
	if (rc < 0 && kube_error_is_forbidden(&err)) {
		kube_error_clear(&err);
		fprintf(stderr, "warning: cannot list VolumeSnapshotClasses (forbidden): the class is not checked\n");
		*klass = xstrdup_or_null(t->klass);
		return EXIT_OK;
	}
	if (rc < 0)
		return cmd_fail_kube(ctx, &err, "listing VolumeSnapshotClasses");
	char *why = NULL;
	json_object *cls = snap_resolve_class(classes, driver, t->klass, &why);
	if (cls)
		*klass = xstrdup(jstr_or(cls, "metadata.name", ""));
	json_object_put(classes);
	if (!cls) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
		free(why);
		return rc;
	}
	return EXIT_OK;
}

/* ---- waiting -------------------------------------------------------------- */

/* One line on why the snapshot is not ready, from its status and the Warning
 * events of it and its content. */
static char *not_ready_cause(struct kube_client *c, struct take *t, json_object *snap)
{
	json_object *content = NULL, *sev = NULL, *cev = NULL;
	const char *cname = jstr(snap, "status.boundVolumeSnapshotContentName");
	struct kube_error err = {0};
	if (cname) {
		char *path = kube_path(&t->api.contents, NULL, cname, NULL);
		if (kube_get(c, path, &content, &err) < 0)
			kube_error_clear(&err);
		free(path);
		cev = wait_events(c, NULL, "VolumeSnapshotContent", cname);
	}
	sev = wait_events(c, t->ns, "VolumeSnapshot", t->snap_name);
	struct snap_facts f = {.snapshot = snap,
			       .content = content,
			       .snap_events = sev,
			       .content_events = cev,
			       .now = (int64_t)time(NULL)};
	struct snap_verdict v = {0};
	snap_verdict(&f, &v);
	json_object_put(content);
	json_object_put(sev);
	json_object_put(cev);
	return v.text;
}

/* "snapshot ns/x is not ready after 5m: <cause>" or, when the controller gave
 * up, "snapshot ns/x failed: <cause>". */
static int fail_not_ready(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, const char *what,
			  json_object *snap, bool timed_out)
{
	char *cause = not_ready_cause(c, t, snap);
	const char *text = cause;
	/* The verdict speaks of a snapshot in general; here the subject is named. */
	if (!strncmp(text, "not ready yet: ", 15))
		text += 15;
	else if (!strncmp(text, "not ready: ", 11))
		text += 11;
	int rc;
	if (timed_out) {
		char *after = duration_human(t->timeout_ms / 1000);
		rc = cmd_fail(ctx, EXIT_FAILED, "--timeout sets how long to wait", "%s is not ready after %s: %s", what,
			      after, text);
		free(after);
	} else {
		/* The controller does not retry: the object stays, failed, until deleted. */
		char *hint = xasprintf("the failed VolumeSnapshot is still there: kubectl volsnap delete %s -n %s "
				       "removes it",
				       t->snap_name, t->ns);
		rc = cmd_fail(ctx, EXIT_FAILED, hint, "%s failed: %s", what, text);
		free(hint);
	}
	free(cause);
	return rc;
}

/* ^C while waiting: the snapshot is the controller's to finish; say how to
 * look at it or get rid of it. */
static int interrupted(struct cmd_ctx *ctx, const struct take *t, const char *what)
{
	char *hint = xasprintf("kubectl volsnap describe %s -n %s shows how it goes; kubectl volsnap delete %s -n %s "
			       "removes it",
			       t->snap_name, t->ns, t->snap_name, t->ns);
	int rc = cmd_fail(ctx, EXIT_INTERRUPTED, hint,
			  "interrupted: %s still exists and the snapshot goes on without this command", what);
	free(hint);
	return rc;
}

static int wait_ready(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, json_object **snap)
{
	char *what = xasprintf("snapshot %s/%s", t->ns, t->snap_name), *why = NULL;
	struct kube_error err = {0};
	json_object *last = NULL;
	enum wait_outcome out = wait_for(c, &t->api.snapshots, t->ns, t->snap_name, wait_check_snapshot_ready,
					 t->timeout_ms, ctx->stderr_tty, what, &last, &why, &err);
	int rc = EXIT_OK;
	if (out == WAIT_OK) {
		json_object_put(*snap);
		*snap = last;
		last = NULL;
	} else if (out == WAIT_ERROR) {
		rc = cmd_fail_kube(ctx, &err, "waiting for %s", what);
	} else if (out == WAIT_DELETED) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s was deleted while waiting for it to be ready", what);
	} else if (out == WAIT_INTERRUPTED) {
		rc = interrupted(ctx, t, what);
	} else {
		rc = fail_not_ready(ctx, c, t, what, last ? last : *snap, out == WAIT_TIMEOUT);
	}
	json_object_put(last);
	free(why);
	free(what);
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

static int check_and_build(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, json_object **manifest)
{
	json_object *pvc = NULL;
	char *driver = NULL, *klass = NULL;
	int rc = get_pvc(ctx, c, t, &pvc);
	if (!rc && t->wait_bound > 0 && strcmp(jstr_or(pvc, "status.phase", ""), "Bound"))
		rc = wait_bound(ctx, c, t, &pvc);
	if (!rc)
		rc = source_driver(ctx, c, pvc, &driver);
	if (!rc)
		rc = resolve_class(ctx, c, t, driver, &klass);
	if (!rc)
		*manifest = snap_manifest(&t->api, t->ns, t->snap_name, t->pvc, klass, &t->valid_labels);
	json_object_put(pvc);
	free(driver);
	free(klass);
	return rc;
}

/* Random bits for a name suffix: /dev/urandom, else the clock and pid. */
static uint32_t random_u32(void)
{
	uint32_t r = 0;
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f || fread(&r, sizeof r, 1, f) != 1)
		r = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)clock();
	if (f)
		fclose(f);
	return r;
}

#define NAME_ATTEMPTS 5

static int create(struct cmd_ctx *ctx, struct kube_client *c, struct take *t, json_object *manifest,
		  json_object **created)
{
	struct kube_error err = {0};
	char *path = kube_path(&t->api.snapshots, t->ns, NULL, NULL);
	int rc = -1;
	/* The default name is the PVC and the second: a second take of the same
	 * PVC in that second gets a short suffix instead of failing. */
	for (int attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
		rc = kube_create_once(c, path, manifest, t->dry_server ? KUBE_DRY_RUN : 0, created, &err);
		if (rc == 0 || t->name || !kube_error_is_conflict(&err))
			break;
		kube_error_clear(&err);
		free(t->snap_name);
		t->snap_name = snap_unique_name(t->pvc, time(NULL), random_u32());
		json_object_object_add(json_object_object_get(manifest, "metadata"), "name",
				       json_object_new_string(t->snap_name));
	}
	free(path);
	if (rc == 0)
		return EXIT_OK;
	if (kube_error_is_conflict(&err)) {
		kube_error_clear(&err);
		return cmd_fail(ctx, EXIT_FAILED, "pass another --name", "snapshot %s/%s already exists", t->ns,
				t->snap_name);
	}
	return cmd_fail_kube(ctx, &err, "creating snapshot %s/%s", t->ns, t->snap_name);
}

static int take(struct cmd_ctx *ctx, struct kube_client *c, struct take *t)
{
	struct kube_error err = {0};
	json_object *manifest = NULL, *snap = NULL;
	if (snap_api_discover(c, &t->api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	int rc = check_and_build(ctx, c, t, &manifest);
	if (rc)
		return rc;
	if (t->dry_client) {
		out_created(stdout, t->fmt, manifest, SNAP_KIND_NAME, t->snap_name, " (dry run)");
		json_object_put(manifest);
		return EXIT_OK;
	}
	rc = create(ctx, c, t, manifest, &snap);
	json_object_put(manifest);
	if (rc)
		return rc;
	bool wait = t->wait > 0 && !t->dry_server;
	/* Name the snapshot at once so a failed wait still says what exists;
	 * the object formats print its final state. */
	if (t->fmt == OUT_TEXT || t->fmt == OUT_NAME || !wait)
		out_created(stdout, t->fmt, snap, SNAP_KIND_NAME, t->snap_name,
			    t->dry_server ? " (server dry run)" : "");
	if (wait) {
		rc = wait_ready(ctx, c, t, &snap);
		if (!rc && (t->fmt == OUT_JSON || t->fmt == OUT_YAML))
			out_created(stdout, t->fmt, snap, SNAP_KIND_NAME, t->snap_name, "");
	}
	json_object_put(snap);
	return rc;
}

static int run_take(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct take t = {.wait = -1, .wait_bound = -1, .timeout_ms = DEFAULT_TIMEOUT_MS};
	struct option options[] = {
	    OPT_STRING(0, "name", &t.name, "NAME",
		       "name of the snapshot (default: PVC-yyyymmddhhmmss, UTC; a short suffix if taken)"),
	    OPT_STRING(0, "class", &t.klass, "CLASS", "VolumeSnapshotClass (default: the driver's default class)"),
	    OPT_LIST('l', "label", &t.labels, "KEY=VALUE", "add a label (repeatable)"),
	    OPT_BOOL(0, "wait", &t.wait, "wait until the snapshot is ready (default; --no-wait returns once created)"),
	    OPT_BOOL(0, "wait-bound", &t.wait_bound, "wait for an unbound PVC to be bound before taking it"),
	    OPT_DURATION(0, "timeout", &t.timeout_ms, "DURATION", "how long to wait (default 5m; 0 = no limit)"),
	    OPT_STRING('o', "output", &t.output, "FORMAT", "name, json or yaml"),
	    OPT_OPTARG(0, "dry-run", &t.dry_run, "MODE", "client",
		       "client: print what would be created, send nothing; server: let the server validate it"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		rc = EXIT_OK;
		goto out;
	}
	if (rc == OPTS_OK)
		rc = validate(ctx, &t, nargs, args);
	if (rc)
		goto out;
	if (t.wait < 0)
		t.wait = 1; /* in scripts too: `take x && restore x` needs x ready */
	t.snap_name = t.name ? xstrdup(t.name) : snap_default_name(t.pvc, time(NULL));
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		rc = cmd_failed(ctx);
		goto out;
	}
	t.ns = cmd_namespace(ctx);
	rc = take(ctx, c, &t);
out:
	snap_api_clear(&t.api);
	strlist_clear(&t.labels);
	strlist_clear(&t.valid_labels);
	free(t.snap_name);
	free(args);
	return rc;
}

const struct command cmd_take = {
    .name = "take",
    .summary = "Snapshot a PVC, checking first that the snapshot can succeed",
    .usage = "take PVC [--name NAME] [--class CLASS] [-l KEY=VALUE]... [--wait|--no-wait] [--wait-bound] "
	     "[--timeout 5m] [-o name|json|yaml] [--dry-run=client|server]",
    .help = "Creates a VolumeSnapshot of PVC in the current namespace (-n to choose).\n"
	    "\n"
	    "Before creating anything it checks what the snapshot controller would otherwise fail on,\n"
	    "often without retrying: the PVC is Bound, its volume is a CSI volume, and a\n"
	    "VolumeSnapshotClass for that driver resolves (--class, or the driver's single default).\n"
	    "Then it waits until the snapshot is ready to use, following it with a watch, and ends\n"
	    "with \"snapshot NS/NAME is ready to use\"; on failure it says why in one line and exits 1.\n"
	    "It waits in scripts and CI too (a plain progress line every 15 s when stderr is not a\n"
	    "terminal); --no-wait returns once the snapshot is created. Interrupted (^C) while\n"
	    "waiting, it exits 130 and the snapshot goes on.\n"
	    "\n"
	    "Examples:\n"
	    "  # Snapshot a PVC and wait until it is ready\n"
	    "  kubectl volsnap take data-db-0 -n shop\n"
	    "\n"
	    "  # Create the snapshot and return at once\n"
	    "  kubectl volsnap take data-db-0 -n shop --no-wait\n"
	    "\n"
	    "  # A PVC that was just created: wait for it to be bound first\n"
	    "  kubectl volsnap take data-db-0 --wait-bound --timeout 10m\n"
	    "\n"
	    "  # The manifest for GitOps, without creating anything\n"
	    "  kubectl volsnap take data-db-0 --class csi-hostpath-snapclass --dry-run=client -o yaml\n",
    .run = run_take,
};
