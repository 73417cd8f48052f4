/* kubectl volsnap schedule: the source document's periodic snapshot CronJob,
 * done right and without an operator. `create` makes a ServiceAccount, a Role
 * with exactly the rights the run needs, a RoleBinding and a CronJob whose
 * container runs `kubectl-volsnap schedule run-job` in the cluster; the other
 * subcommands list, explain, trigger, pause and remove schedules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "sched/cover.h"
#include "sched/cron.h"
#include "sched/run.h"
#include "sched/sched.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define USAGE_CREATE                                                                                                   \
	"schedule create NAME (--pvc PVC... | -l SELECTOR) --cron EXPR --keep-last N [--keep-within D] "               \
	"[--time-zone TZ] [--class C] [--timeout D] [--image REF] [--dry-run=client|server] [-o yaml|json|name]"

/* ---- server facts ----------------------------------------------------------- */

static int server_minor(struct cmd_ctx *ctx, struct kube_client *c, int *minor)
{
	struct kube_version v = {0};
	struct kube_error err = {0};
	if (kube_server_version(c, &v, &err) < 0)
		return cmd_fail_kube(ctx, &err, "reading the server version");
	*minor = v.minor;
	kube_version_clear(&v);
	return EXIT_OK;
}

/* ---- create ------------------------------------------------------------------ */

struct create {
	struct sched_spec s;
	const char *cron, *tz, *selector, *klass, *image, *output, *dry_run;
	struct strlist pvcs;
	long keep_last;
	int64_t keep_within_ms, timeout_ms;
	enum out_format fmt;
	bool dry_client, dry_server;
	int minor;
};

static int create_validate(struct cmd_ctx *ctx, struct create *cr, int nargs, char **args)
{
	char *why = NULL;
	struct cron_expr e;
	int rc = EXIT_OK;
	if (nargs == 0)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap " USAGE_CREATE, "name the schedule");
	if (nargs > 1)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap " USAGE_CREATE,
				"one schedule name, got %d arguments", nargs);
	if (!sched_valid_name(args[0], &why))
		goto bad;
	if (!cr->pvcs.n == !cr->selector)
		return cmd_fail(ctx, EXIT_USAGE, "a selector also covers PVCs created later",
				"give the PVCs with --pvc (repeatable) or a label selector with -l, not %s",
				cr->selector ? "both" : "neither");
	for (size_t i = 0; i < cr->pvcs.n; i++)
		if (!snap_valid_name(cr->pvcs.items[i]))
			return cmd_fail(ctx, EXIT_USAGE, NULL, "--pvc \"%s\" is not a valid PVC name",
					cr->pvcs.items[i]);
	if (!cr->cron)
		return cmd_fail(ctx, EXIT_USAGE, "for example --cron \"0 3 * * *\" (daily at 03:00)",
				"--cron EXPR is required");
	if (!cron_parse(cr->cron, &e, &why))
		goto bad;
	if (cr->tz && !cron_valid_time_zone(cr->tz, &why))
		goto bad;
	if (cr->keep_last < 1)
		return cmd_fail(ctx, EXIT_USAGE, "the newest ready snapshot of a PVC is always kept",
				"--keep-last N is required, with N at least 1");
	if (cr->timeout_ms <= 0)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--timeout must be positive");
	if (cr->klass && !snap_valid_name(cr->klass))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--class \"%s\" is not a valid class name", cr->klass);
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_NAME) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	if ((rc = cmd_parse_output(ctx, cr->output, allowed, &cr->fmt)))
		return rc;
	return cmd_parse_dry_run(ctx, cr->dry_run, &cr->dry_client, &cr->dry_server);
bad:
	rc = cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why);
	free(why);
	return rc;
}

/* The PVCs the schedule covers now: the named ones (each must exist), or the
 * selector's (possibly none yet). */
static int create_pvcs(struct cmd_ctx *ctx, struct kube_client *c, struct create *cr, json_object **out)
{
	struct kube_error err = {0};
	*out = NULL;
	if (cr->selector) {
		struct kube_list_opts lo = {.label_selector = cr->selector};
		char *path = kube_path(&KUBE_PVCS, cr->s.ns, NULL, NULL);
		int rc = kube_list_all(c, path, &lo, out, &err);
		free(path);
		return rc < 0 ? cmd_fail_kube(ctx, &err, "listing PVCs for -l %s", cr->selector) : EXIT_OK;
	}
	*out = json_object_new_array();
	for (size_t i = 0; i < cr->pvcs.n; i++) {
		json_object *pvc = NULL;
		char *path = kube_path(&KUBE_PVCS, cr->s.ns, cr->pvcs.items[i], NULL);
		int rc = kube_get(c, path, &pvc, &err);
		free(path);
		if (rc < 0 && kube_error_is_not_found(&err)) {
			kube_error_clear(&err);
			return cmd_fail(ctx, EXIT_FAILED, "kubectl get pvc -n NS lists them; nothing was created",
					"PVC %s/%s not found", cr->s.ns, cr->pvcs.items[i]);
		}
		if (rc < 0)
			return cmd_fail_kube(ctx, &err, "reading PVC %s/%s", cr->s.ns, cr->pvcs.items[i]);
		json_object_array_add(*out, pvc);
	}
	return EXIT_OK;
}

/* The CSI drivers of the bound PVCs (an array of distinct strings). Unbound
 * PVCs are warned about: the runs report them until they bind. */
static int create_drivers(struct cmd_ctx *ctx, struct kube_client *c, json_object *pvcs, struct strlist *drivers)
{
	for (size_t i = 0; i < json_object_array_length(pvcs); i++) {
		json_object *pvc = json_object_array_get_idx(pvcs, i), *pv = NULL;
		const char *name = jstr_or(pvc, "metadata.name", "?"), *pvname = jstr(pvc, "spec.volumeName");
		if (strcmp(jstr_or(pvc, "status.phase", ""), "Bound") || !pvname) {
			fprintf(stderr, "warning: PVC %s is not Bound yet: its runs fail until it is\n", name);
			continue;
		}
		char *path = kube_path(&KUBE_PVS, NULL, pvname, NULL), *what = xasprintf("PersistentVolume %s", pvname),
		     *why = NULL;
		bool forbidden = false;
		int rc = cmd_get_optional(ctx, c, path, what, true, &pv, &forbidden);
		free(path);
		free(what);
		if (rc)
			return rc;
		if (forbidden)
			return cmd_fail(ctx, EXIT_FAILED,
					"pass --class to pin the VolumeSnapshotClass; nothing was created",
					"cannot read PersistentVolume %s to find its CSI driver", pvname);
		const char *d = snap_source_driver(pvc, pv, &why);
		if (d && !strlist_contains(drivers, d))
			strlist_push(drivers, d);
		json_object_put(pv);
		if (!d) {
			rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
			free(why);
			return rc;
		}
	}
	return EXIT_OK;
}

/* The class is resolved now and pinned in the schedule, so the job needs no
 * cluster-wide rights. */
static int create_class(struct cmd_ctx *ctx, struct kube_client *c, struct create *cr, const struct snap_api *api)
{
	json_object *pvcs = NULL, *classes = NULL;
	struct strlist drivers = STRLIST_INIT;
	struct kube_error err = {0};
	char *why = NULL;
	int rc = create_pvcs(ctx, c, cr, &pvcs);
	if (!rc)
		rc = create_drivers(ctx, c, pvcs, &drivers);
	if (rc)
		goto out;
	char *path = kube_path(&api->classes, NULL, NULL, NULL);
	int lrc = kube_list_all(c, path, NULL, &classes, &err);
	free(path);
	if (lrc < 0 && kube_error_is_forbidden(&err) && cr->klass) {
		kube_error_clear(&err);
		fprintf(stderr, "warning: cannot list VolumeSnapshotClasses (forbidden): --class %s is not checked\n",
			cr->klass);
		cr->s.klass = xstrdup(cr->klass);
		goto out;
	}
	if (lrc < 0) {
		rc = cmd_fail_kube(ctx, &err, "listing VolumeSnapshotClasses to pin the schedule's class");
		goto out;
	}
	if (drivers.n > 1) {
		rc = cmd_fail(ctx, EXIT_USAGE, "make one schedule per driver",
			      "the PVCs use %zu CSI drivers (%s, %s...) and a schedule pins one class", drivers.n,
			      drivers.items[0], drivers.items[1]);
		goto out;
	}
	json_object *cls = NULL;
	if (drivers.n == 1) {
		cls = snap_resolve_class(classes, drivers.items[0], cr->klass, &why);
	} else {
		/* No bound PVC to learn the driver from: the named class, or the one default. */
		for (size_t i = 0; i < json_object_array_length(classes); i++) {
			json_object *k = json_object_array_get_idx(classes, i);
			const char *n = jstr_or(k, "metadata.name", "");
			json_object *ann = jget(k, "metadata.annotations"), *v = NULL;
			bool def = json_object_is_type(ann, json_type_object) &&
				   json_object_object_get_ex(ann, SNAP_ANNOTATION_DEFAULT_CLASS, &v) &&
				   !strcmp(json_object_get_string(v), "true");
			if (cr->klass ? !strcmp(n, cr->klass) : def) {
				if (cls && !cr->klass) {
					cls = NULL;
					break;
				}
				cls = k;
			}
		}
		if (!cls)
			why = cr->klass
				  ? xasprintf("VolumeSnapshotClass %s not found", cr->klass)
				  : xstrdup("no bound PVC to learn the CSI driver from and not exactly one default "
					    "VolumeSnapshotClass; pass --class");
	}
	if (!cls) {
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was created", why);
		goto out;
	}
	cr->s.klass = xstrdup(jstr_or(cls, "metadata.name", ""));
out:
	free(why);
	strlist_clear(&drivers);
	json_object_put(pvcs);
	json_object_put(classes);
	return rc;
}

static const char *resource_of(json_object *o)
{
	const char *kind = jstr_or(o, "kind", "");
	if (!strcmp(kind, "ServiceAccount"))
		return "serviceaccount";
	if (!strcmp(kind, "Role"))
		return "role.rbac.authorization.k8s.io";
	if (!strcmp(kind, "RoleBinding"))
		return "rolebinding.rbac.authorization.k8s.io";
	return "cronjob.batch";
}

static struct kube_resource resource_for(json_object *o, int minor)
{
	const char *kind = jstr_or(o, "kind", "");
	if (!strcmp(kind, "ServiceAccount"))
		return KUBE_SERVICEACCOUNTS;
	if (!strcmp(kind, "Role"))
		return KUBE_ROLES;
	if (!strcmp(kind, "RoleBinding"))
		return KUBE_ROLEBINDINGS;
	return sched_cronjob_resource(minor);
}

static void print_objects(enum out_format fmt, json_object *objs, const char *suffix)
{
	size_t n = json_object_array_length(objs);
	if (fmt == OUT_JSON) {
		json_object *list = json_object_new_object();
		json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
		json_object_object_add(list, "kind", json_object_new_string("List"));
		json_object_object_add(list, "items", json_object_get(objs));
		out_json(stdout, list);
		json_object_put(list);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(objs, i);
		if (fmt == OUT_YAML && i)
			printf("---\n");
		out_created(stdout, fmt, o, resource_of(o), NULL, suffix);
	}
}

/* Creates the objects in order; on a failure, deletes what this call made. */
static int create_objects(struct cmd_ctx *ctx, struct kube_client *c, struct create *cr, json_object *objs,
			  json_object *created)
{
	size_t n = json_object_array_length(objs), i;
	struct kube_error err = {0};
	int rc = EXIT_OK;
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(objs, i), *made = NULL;
		struct kube_resource r = resource_for(o, cr->minor);
		char *path = kube_path(&r, cr->s.ns, NULL, NULL);
		int c_rc = kube_create_once(c, path, o, cr->dry_server ? KUBE_DRY_RUN : 0, &made, &err);
		free(path);
		if (c_rc == 0) {
			json_object_array_add(created, made);
			continue;
		}
		const char *name = jstr_or(o, "metadata.name", "?");
		if (kube_error_is_conflict(&err)) {
			kube_error_clear(&err);
			rc = cmd_fail(ctx, EXIT_FAILED,
				      "kubectl volsnap schedule delete removes a schedule; or choose another name",
				      "%s %s/%s already exists", jstr_or(o, "kind", "?"), cr->s.ns, name);
		} else {
			rc = cmd_fail_kube(ctx, &err, "creating %s %s/%s", jstr_or(o, "kind", "?"), cr->s.ns, name);
		}
		break;
	}
	if (rc == EXIT_OK || cr->dry_server)
		return rc;
	/* Undo, newest first, so no half schedule stays behind. */
	while (i-- > 0) {
		json_object *o = json_object_array_get_idx(objs, i);
		struct kube_resource r = resource_for(o, cr->minor);
		char *path = kube_path(&r, cr->s.ns, jstr_or(o, "metadata.name", ""), NULL);
		if (kube_delete(c, path, NULL, NULL, &err) < 0)
			fprintf(stderr, "warning: could not remove %s %s after the failure: %s\n",
				jstr_or(o, "kind", "?"), jstr_or(o, "metadata.name", "?"),
				err.message ? err.message : "?");
		kube_error_clear(&err);
		free(path);
	}
	return rc;
}

static int create_run(struct cmd_ctx *ctx, struct create *cr)
{
	struct kube_client *c = cmd_client(ctx);
	struct snap_api api = {0};
	struct kube_error err = {0};
	json_object *objs = NULL, *created = NULL;
	if (!c)
		return cmd_failed(ctx);
	cr->s.ns = xstrdup(cmd_namespace(ctx));
	int rc = server_minor(ctx, c, &cr->minor);
	if (rc)
		return rc;
	if (cr->tz && !sched_time_zone_supported(cr->minor)) {
		return cmd_fail(
		    ctx, EXIT_USAGE,
		    "leave --time-zone out: the schedule then runs in the controller's zone "
		    "(UTC on managed clusters), so write the cron expression in UTC",
		    "--time-zone needs Kubernetes 1.25 or newer (CronJob spec.timeZone); this server is 1.%d",
		    cr->minor);
	}
	if (snap_api_discover(c, &api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	rc = create_class(ctx, c, cr, &api);
	if (rc)
		goto out;
	struct sched_server srv = {.minor = cr->minor, .snap_version = api.version};
	objs = sched_manifests(&cr->s, &srv);
	if (cr->dry_client) {
		print_objects(cr->fmt, objs, " (dry run)");
		goto out;
	}
	created = json_object_new_array();
	rc = create_objects(ctx, c, cr, objs, created);
	if (rc == EXIT_OK)
		print_objects(cr->fmt, created, cr->dry_server ? " (server dry run)" : "");
	if (rc == EXIT_OK && cr->fmt == OUT_TEXT && !cr->dry_server) {
		struct cron_expr e;
		char *why = NULL;
		if (cron_parse(cr->s.cron, &e, &why)) {
			int64_t now = (int64_t)time(NULL), next = cron_next(&e, now, cr->s.time_zone);
			char *in = duration_human(next - now);
			printf("schedule %s: first run in %s; snapshots are named <pvc>-<yyyymmddhhmm>\n", cr->s.name,
			       in);
			free(in);
		}
		free(why);
	}
out:
	json_object_put(objs);
	json_object_put(created);
	snap_api_clear(&api);
	return rc;
}

static int sub_create(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct create cr = {.timeout_ms = SCHED_DEFAULT_TIMEOUT_MS};
	struct option options[] = {
	    OPT_LIST(0, "pvc", &cr.pvcs, "PVC", "a PVC to snapshot (repeatable)"),
	    OPT_STRING('l', "selector", &cr.selector, "SELECTOR", "the PVCs with these labels, resolved at every run"),
	    OPT_STRING(0, "cron", &cr.cron, "EXPR", "when to run: five cron fields or @daily/@hourly/..."),
	    OPT_STRING(0, "time-zone", &cr.tz, "TZ", "IANA zone of --cron (Kubernetes 1.25+; default UTC)"),
	    OPT_INT(0, "keep-last", &cr.keep_last, "N", "keep the N newest ready snapshots of each PVC (N >= 1)"),
	    OPT_DURATION(0, "keep-within", &cr.keep_within_ms, "DURATION", "also keep ready snapshots newer than this"),
	    OPT_STRING(0, "class", &cr.klass, "CLASS",
		       "VolumeSnapshotClass (default: the driver's default, pinned now)"),
	    OPT_DURATION(0, "timeout", &cr.timeout_ms, "DURATION", "how long one run may take (default 10m)"),
	    OPT_STRING(0, "image", &cr.image, "REF", "the job's image (default: this version's plugin image)"),
	    OPT_OPTARG(0, "dry-run", &cr.dry_run, "MODE", "client",
		       "client: print the objects (GitOps), create nothing; server: let the server validate them"),
	    OPT_STRING('o', "output", &cr.output, "FORMAT", "name, json or yaml"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP)
		rc = EXIT_OK;
	else if (rc == OPTS_OK && (rc = create_validate(ctx, &cr, nargs, args)) == EXIT_OK) {
		cr.s.name = xstrdup(args[0]);
		for (size_t i = 0; i < cr.pvcs.n; i++)
			strlist_push(&cr.s.pvcs, cr.pvcs.items[i]);
		cr.s.selector = xstrdup_or_null(cr.selector);
		cr.s.cron = xstrdup(cr.cron);
		cr.s.time_zone = xstrdup_or_null(cr.tz);
		cr.s.keep_last = cr.keep_last;
		cr.s.keep_within_ms = cr.keep_within_ms;
		cr.s.timeout_ms = cr.timeout_ms;
		cr.s.image = cr.image ? xstrdup(cr.image) : sched_default_image();
		rc = create_run(ctx, &cr);
	}
	sched_spec_clear(&cr.s);
	strlist_clear(&cr.pvcs);
	free(args);
	return rc;
}

/* ---- run-job: the CronJob's container ---------------------------------------- */

static int sub_run_job(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct sched_spec s = {.timeout_ms = SCHED_DEFAULT_TIMEOUT_MS};
	const char *selector = NULL, *klass = NULL, *job = getenv(SCHED_JOB_ENV);
	struct strlist pvcs = STRLIST_INIT;
	struct snap_api api = {0};
	struct kube_error err = {0};
	struct option options[] = {
	    OPT_LIST(0, "pvc", &pvcs, "PVC", "a PVC to snapshot (repeatable)"),
	    OPT_STRING('l', "selector", &selector, "SELECTOR", "the PVCs with these labels"),
	    OPT_INT(0, "keep-last", &s.keep_last, "N", "keep the N newest ready snapshots of each PVC"),
	    OPT_DURATION(0, "keep-within", &s.keep_within_ms, "DURATION", "also keep ready snapshots newer than this"),
	    OPT_STRING(0, "class", &klass, "CLASS", "the VolumeSnapshotClass pinned at creation"),
	    OPT_DURATION(0, "timeout", &s.timeout_ms, "DURATION", "how long the whole run may take"),
	    OPT_STRING(0, "job-name", &job, "NAME", "the Job's name (default: $" SCHED_JOB_ENV ")"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int64_t scheduled = 0;
	char *why = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		rc = EXIT_OK;
		goto out;
	}
	if (rc)
		goto out;
	if (nargs != 1 || !sched_valid_name(args[0], &why))
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why ? why : "run-job takes the schedule's name");
	else if (!pvcs.n == !selector)
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "give --pvc or -l (the CronJob's arguments do)");
	else if (s.keep_last < 1)
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--keep-last N is required, with N at least 1");
	else if (!job || !*job)
		rc = cmd_fail(ctx, EXIT_USAGE, "the CronJob sets it from the pod's job-name label",
			      "run-job runs inside the schedule's Job: %s (the Job's name) is not set", SCHED_JOB_ENV);
	else if (!sched_job_time(job, &scheduled))
		rc = cmd_fail(ctx, EXIT_USAGE, "Jobs of a CronJob are named <cronjob>-<minutes since 1970>",
			      "Job name \"%s\" carries no scheduled time", job);
	if (rc)
		goto out;
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		rc = cmd_failed(ctx);
		goto out;
	}
	s.name = xstrdup(args[0]);
	s.ns = xstrdup(cmd_namespace(ctx));
	s.pvcs = pvcs;
	memset(&pvcs, 0, sizeof pvcs);
	s.selector = xstrdup_or_null(selector);
	s.klass = xstrdup_or_null(klass);
	if (snap_api_discover(c, &api, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, NULL);
		goto out;
	}
	struct sched_run r = {.client = c, .api = &api, .spec = &s, .scheduled = scheduled, .out = stdout};
	if (sched_run_preflight(&r, &err) < 0 || sched_run_all(&r, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, "schedule %s", s.name);
		goto out;
	}
	if (r.failed)
		rc = cmd_fail(ctx, EXIT_FAILED, "the lines above say why, per PVC", "%d of %d PVCs failed", r.failed,
			      r.failed + r.ok);
out:
	free(why);
	snap_api_clear(&api);
	strlist_clear(&pvcs);
	sched_spec_clear(&s);
	free(args);
	return rc;
}

/* ---- the others: one schedule by name, or all ------------------------------------ */

struct one {
	struct kube_client *c;
	int minor;
	struct kube_resource cj;
	const char *ns, *name;
	json_object *obj;
};

/* Parses "SUB NAME" with the given extra options and reads the CronJob. */
static int one_load(struct cmd_ctx *ctx, struct one *o, int argc, char **argv, const struct option *options, bool *help)
{
	int nargs = 0;
	char **args = NULL;
	struct kube_error err = {0};
	*help = false;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		*help = true;
		free(args);
		return EXIT_OK;
	}
	if (rc == OPTS_OK && nargs != 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "kubectl volsnap schedule list shows them", "name one schedule");
	if (rc == OPTS_OK)
		o->name = args[0];
	free(args);
	if (rc)
		return rc;
	o->c = cmd_client(ctx);
	if (!o->c)
		return cmd_failed(ctx);
	o->ns = cmd_namespace(ctx);
	if ((rc = server_minor(ctx, o->c, &o->minor)))
		return rc;
	o->cj = sched_cronjob_resource(o->minor);
	char *path = kube_path(&o->cj, o->ns, o->name, NULL);
	int g = kube_get(o->c, path, &o->obj, &err);
	free(path);
	if (g < 0 && kube_error_is_not_found(&err)) {
		kube_error_clear(&err);
		return cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap schedule list shows them",
				"schedule %s/%s not found", o->ns, o->name);
	}
	if (g < 0)
		return cmd_fail_kube(ctx, &err, "reading schedule %s/%s", o->ns, o->name);
	const char *l = NULL;
	json_object *labels = jget(o->obj, "metadata.labels"), *v = NULL;
	if (json_object_is_type(labels, json_type_object) && json_object_object_get_ex(labels, SCHED_LABEL, &v))
		l = json_object_get_string(v);
	if (!l)
		return cmd_fail(ctx, EXIT_FAILED, NULL, "CronJob %s/%s is not a kubectl-volsnap schedule", o->ns,
				o->name);
	return EXIT_OK;
}

static char *past(int64_t t, int64_t now)
{
	if (!t)
		return xstrdup("never");
	char *d = duration_human(now - t), *s = xasprintf("%s ago", d);
	free(d);
	return s;
}

static char *future(int64_t t, int64_t now, bool suspended)
{
	if (suspended)
		return xstrdup("-");
	if (t < 0)
		return xstrdup("never");
	char *d = duration_human(t - now), *s = xasprintf("in %s", d);
	free(d);
	return s;
}

static char *pvcs_text(const struct cover_schedule *s)
{
	if (!s->has_spec)
		return xstrdup("?");
	if (s->spec.selector)
		return xasprintf("-l %s", s->spec.selector);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < s->spec.pvcs.n; i++)
		strbuf_addf(&sb, "%s%s", i ? "," : "", s->spec.pvcs.items[i]);
	return strbuf_detach(&sb);
}

static int sub_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct option options[] = {OPT_END()};
	int nargs = 0, minor = 0;
	char **args = NULL;
	struct kube_error err = {0};
	json_object *cjs = NULL, *jobs = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	free(args);
	if (rc == OPTS_HELP)
		return EXIT_OK;
	if (rc)
		return rc;
	if (nargs)
		return cmd_fail(ctx, EXIT_USAGE, "schedule describe NAME shows one",
				"schedule list takes no arguments");
	struct kube_client *c = cmd_client(ctx);
	if (!c)
		return cmd_failed(ctx);
	const char *ns = ctx->g.all_namespaces ? NULL : cmd_namespace(ctx);
	if ((rc = server_minor(ctx, c, &minor)))
		return rc;
	if (sched_read_all(c, minor, ns, &cjs, &jobs, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	static const char *const headers[] = {"NAMESPACE", "NAME",     "PVCS",	       "CRON",	  "KEEP",
					      "SUSPENDED", "LAST RUN", "LAST SUCCESS", "NEXT RUN"};
	int skip = ns ? 1 : 0;
	struct out_table *t = out_table_new(stdout, headers + skip, 9 - skip);
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < json_object_array_length(cjs); i++) {
		json_object *cj = json_object_array_get_idx(cjs, i);
		struct cover_schedule s;
		cover_schedule_read(cj, jobs, now, &s);
		char *pv = pvcs_text(&s), *keep = s.has_spec ? xasprintf("%ld", s.spec.keep_last) : xstrdup("?");
		char *cron = s.has_spec && s.spec.time_zone ? xasprintf("%s (%s)", s.spec.cron, s.spec.time_zone)
							    : xstrdup(jstr_or(cj, "spec.schedule", "?"));
		char *lr = past(s.last_run, now), *ls = past(s.last_success, now),
		     *nr = future(s.next_run, now, s.suspended);
		const char *cells[] = {jstr(cj, "metadata.namespace"), s.name, pv, cron, keep,
				       s.suspended ? "true" : "false", lr,     ls, nr};
		out_table_row(t, cells + skip);
		free(pv);
		free(keep);
		free(cron);
		free(lr);
		free(ls);
		free(nr);
		cover_schedule_clear(&s);
	}
	out_table_flush(t);
	if (!out_table_rows_printed(t))
		fprintf(stderr, ns ? "No schedules found in %s namespace.\n" : "No schedules found.%s\n", ns ? ns : "");
	out_table_free(t);
	json_object_put(cjs);
	json_object_put(jobs);
	return EXIT_OK;
}

static const char *job_outcome_text(json_object *job)
{
	json_object *conds = jget(job, "status.conditions");
	for (size_t i = 0; json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		if (!strcmp(jstr_or(c, "status", ""), "True") && !strcmp(jstr_or(c, "type", ""), "Complete"))
			return "succeeded";
		if (!strcmp(jstr_or(c, "status", ""), "True") && !strcmp(jstr_or(c, "type", ""), "Failed"))
			return "failed";
	}
	return "running";
}

/* This schedule's snapshots of the namespace (json array, owned), or NULL. */
static json_object *schedule_snapshots(struct cmd_ctx *ctx, struct one *o, const struct snap_api *api)
{
	struct kube_error err = {0};
	char *sel = xasprintf("%s=%s", SCHED_LABEL, o->name);
	struct kube_list_opts lo = {.label_selector = sel};
	char *path = kube_path(&api->snapshots, o->ns, NULL, NULL);
	json_object *items = NULL;
	if (kube_list_all(o->c, path, &lo, &items, &err) < 0)
		cmd_fail_kube(ctx, &err, "listing the snapshots of schedule %s", o->name);
	free(path);
	free(sel);
	return items;
}

static void describe_jobs(json_object *jobs, const char *name, int64_t now)
{
	struct out_table *t;
	static const char *const h[] = {"  JOB", "STARTED", "OUTCOME"};
	t = out_table_new(stdout, h, 3);
	for (size_t i = 0; i < json_object_array_length(jobs); i++) {
		json_object *j = json_object_array_get_idx(jobs, i), *l = jget(j, "metadata.labels"), *v = NULL;
		if (!json_object_is_type(l, json_type_object) || !json_object_object_get_ex(l, SCHED_LABEL, &v) ||
		    strcmp(json_object_get_string(v), name))
			continue;
		int64_t start = 0;
		const char *st = jstr(j, "status.startTime");
		char *ago = st && time_parse_rfc3339(st, &start) ? past(start, now) : xstrdup("not started");
		char *jn = xasprintf("  %s", jstr_or(j, "metadata.name", "?"));
		const char *cells[] = {jn, ago, job_outcome_text(j)};
		out_table_row(t, cells);
		free(ago);
		free(jn);
	}
	out_table_flush(t);
	if (!out_table_rows_printed(t))
		printf("  none yet\n");
	out_table_free(t);
}

static int sub_describe(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct option options[] = {OPT_END()};
	struct one o = {0};
	bool help;
	struct snap_api api = {0};
	struct kube_error err = {0};
	json_object *cjs = NULL, *jobs = NULL, *snaps = NULL;
	struct cover_schedule s = {0};
	int rc = one_load(ctx, &o, argc, argv, options, &help);
	if (rc || help)
		goto out;
	if (snap_api_discover(o.c, &api, &err) < 0 || sched_read_all(o.c, o.minor, o.ns, &cjs, &jobs, &err) < 0) {
		rc = cmd_fail_kube(ctx, &err, NULL);
		goto out;
	}
	if (!(snaps = schedule_snapshots(ctx, &o, &api))) {
		rc = cmd_failed(ctx);
		goto out;
	}
	int64_t now = (int64_t)time(NULL);
	cover_schedule_read(o.obj, jobs, now, &s);
	char *pv = pvcs_text(&s), *lr = past(s.last_run, now), *ls = past(s.last_success, now),
	     *nr = future(s.next_run, now, s.suspended);
	printf("Name:          %s\nNamespace:     %s\nPVCs:          %s\n", o.name, o.ns, pv);
	printf("Cron:          %s (%s)\n", jstr_or(o.obj, "spec.schedule", "?"),
	       jstr_or(o.obj, "spec.timeZone", "controller's time zone, UTC on most clusters"));
	if (s.has_spec) {
		printf("Keep:          the %ld newest ready of each PVC", s.spec.keep_last);
		if (s.spec.keep_within_ms) {
			char *d = duration_human(s.spec.keep_within_ms / 1000);
			printf(", and all newer than %s", d);
			free(d);
		}
		printf("\nClass:         %s\nImage:         %s\n", s.spec.klass ? s.spec.klass : "<driver default>",
		       s.spec.image ? s.spec.image : "?");
	}
	printf("Suspended:     %s\nLast run:      %s\nLast success:  %s\nNext run:      %s\nJobs:\n",
	       s.suspended ? "true" : "false", lr, ls, nr);
	free(pv);
	free(lr);
	free(ls);
	free(nr);
	describe_jobs(jobs, o.name, now);
	printf("Snapshots:\n");
	size_t n = json_object_array_length(snaps);
	int64_t newest = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *sn = json_object_array_get_idx(snaps, i);
		int64_t t = 0;
		char *age = out_age(jstr(sn, "metadata.creationTimestamp"));
		printf("  %-30s %-40s %-6s %s\n", jstr_or(sn, "spec.source.persistentVolumeClaimName", "?"),
		       jstr_or(sn, "metadata.name", "?"), snap_is_ready(sn) ? "ready" : "not ready", age);
		free(age);
		if (snap_is_ready(sn) && time_parse_rfc3339(jstr_or(sn, "metadata.creationTimestamp", ""), &t) &&
		    t > newest)
			newest = t;
	}
	if (!n)
		printf("  none yet\n");
	const struct cover_schedule *list[] = {&s};
	char *why = NULL;
	enum cover_verdict v = cover_decide(newest, list, 1, now, &why);
	printf("Verdict:       %s: %s\n", cover_verdict_name(v), why);
	free(why);
out:
	cover_schedule_clear(&s);
	json_object_put(o.obj);
	json_object_put(cjs);
	json_object_put(jobs);
	json_object_put(snaps);
	snap_api_clear(&api);
	return rc;
}

/* A Job from the CronJob's template now, as `kubectl create job --from=cronjob/`
 * does; named like the controller's Jobs so the run finds its time. */
static int sub_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct option options[] = {OPT_END()};
	struct one o = {0};
	bool help;
	struct kube_error err = {0};
	int rc = one_load(ctx, &o, argc, argv, options, &help);
	if (rc || help)
		goto out;
	int64_t minutes = (int64_t)time(NULL) / 60;
	char *name = xasprintf("%s-%lld", o.name, (long long)minutes);
	json_object *job = json_object_new_object(), *tmpl = jget(o.obj, "spec.jobTemplate");
	json_object_object_add(job, "apiVersion", json_object_new_string("batch/v1"));
	json_object_object_add(job, "kind", json_object_new_string("Job"));
	jset(job, "metadata.name", json_object_new_string(name));
	jset(job, "metadata.namespace", json_object_new_string(o.ns));
	json_object *labels = jget(tmpl, "metadata.labels");
	if (labels)
		jset(job, "metadata.labels", json_object_get(labels));
	json_object *ann = json_object_new_object();
	json_object_object_add(ann, "cronjob.kubernetes.io/instantiate", json_object_new_string("manual"));
	jset(job, "metadata.annotations", ann);
	json_object *owner = json_object_new_object();
	json_object_object_add(owner, "apiVersion", json_object_new_string(jstr_or(o.obj, "apiVersion", "batch/v1")));
	json_object_object_add(owner, "kind", json_object_new_string("CronJob"));
	json_object_object_add(owner, "name", json_object_new_string(o.name));
	json_object_object_add(owner, "uid", json_object_new_string(jstr_or(o.obj, "metadata.uid", "")));
	json_object *owners = json_object_new_array();
	json_object_array_add(owners, owner);
	jset(job, "metadata.ownerReferences", owners);
	jset(job, "spec", json_object_get(jget(tmpl, "spec")));
	char *path = kube_path(&SCHED_JOBS, o.ns, NULL, NULL);
	if (kube_create_once(o.c, path, job, 0, NULL, &err) == 0)
		printf("job.batch/%s created\n", name);
	else if (kube_error_is_conflict(&err)) {
		kube_error_clear(&err);
		rc = cmd_fail(ctx, EXIT_FAILED, "wait a minute and run it again",
			      "Job %s/%s for this minute already exists", o.ns, name);
	} else
		rc = cmd_fail_kube(ctx, &err, "creating Job %s/%s", o.ns, name);
	free(path);
	free(name);
	json_object_put(job);
out:
	json_object_put(o.obj);
	return rc;
}

static int set_suspend(struct cmd_ctx *ctx, int argc, char **argv, bool suspend)
{
	struct option options[] = {OPT_END()};
	struct one o = {0};
	bool help;
	struct kube_error err = {0};
	int rc = one_load(ctx, &o, argc, argv, options, &help);
	if (rc || help)
		goto out;
	json_object *patch = json_object_new_object();
	jset(patch, "spec.suspend", json_object_new_boolean(suspend));
	char *path = kube_path(&o.cj, o.ns, o.name, NULL);
	if (kube_patch(o.c, path, KUBE_PATCH_MERGE, patch, 0, NULL, &err) == 0)
		printf("schedule %s %s\n", o.name, suspend ? "suspended" : "resumed");
	else
		rc = cmd_fail_kube(ctx, &err, "%s schedule %s/%s", suspend ? "suspending" : "resuming", o.ns, o.name);
	free(path);
	json_object_put(patch);
out:
	json_object_put(o.obj);
	return rc;
}

static int sub_suspend(struct cmd_ctx *ctx, int argc, char **argv)
{
	return set_suspend(ctx, argc, argv, true);
}

static int sub_resume(struct cmd_ctx *ctx, int argc, char **argv)
{
	return set_suspend(ctx, argc, argv, false);
}

static void delete_one(struct one *o, const struct kube_resource *r, const char *name, const char *what, int *failed)
{
	struct kube_error err = {0};
	struct kube_delete_opts d = {.propagation = "Background"};
	char *path = kube_path(r, o->ns, name, NULL);
	if (kube_delete(o->c, path, &d, NULL, &err) == 0)
		printf("%s/%s deleted\n", what, name);
	else if (!kube_error_is_not_found(&err)) {
		fprintf(stderr, "error: deleting %s %s/%s: %s\n", what, o->ns, name, err.message ? err.message : "?");
		(*failed)++;
	}
	kube_error_clear(&err);
	free(path);
}

static int sub_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
	int del_snaps = 0, yes = 0, failed = 0;
	struct option options[] = {
	    OPT_BOOL(0, "delete-snapshots", &del_snaps, "also delete the snapshots it made (pinned ones stay)"),
	    OPT_BOOL('y', "yes", &yes, "delete the snapshots without asking"),
	    OPT_END(),
	};
	struct one o = {0};
	bool help;
	struct snap_api api = {0};
	struct kube_error err = {0};
	json_object *snaps = NULL;
	int rc = one_load(ctx, &o, argc, argv, options, &help);
	if (rc || help)
		goto out;
	if (del_snaps) {
		if (snap_api_discover(o.c, &api, &err) < 0) {
			rc = cmd_fail_kube(ctx, &err, NULL);
			goto out;
		}
		if (!(snaps = schedule_snapshots(ctx, &o, &api))) {
			rc = cmd_failed(ctx);
			goto out;
		}
		char *q = xasprintf("Delete schedule %s and its %zu snapshot%s?", o.name,
				    json_object_array_length(snaps), json_object_array_length(snaps) == 1 ? "" : "s");
		bool ok = yes || cmd_confirm(ctx, q);
		free(q);
		if (!ok) {
			rc = cmd_fail(ctx, EXIT_USAGE, "add --yes to delete them without a prompt",
				      "not confirmed: nothing deleted");
			goto out;
		}
	}
	char *account = sched_account_name(o.name);
	delete_one(&o, &o.cj, o.name, "cronjob.batch", &failed);
	delete_one(&o, &KUBE_ROLEBINDINGS, account, "rolebinding.rbac.authorization.k8s.io", &failed);
	delete_one(&o, &KUBE_ROLES, account, "role.rbac.authorization.k8s.io", &failed);
	delete_one(&o, &KUBE_SERVICEACCOUNTS, account, "serviceaccount", &failed);
	free(account);
	for (size_t i = 0; snaps && i < json_object_array_length(snaps); i++) {
		json_object *sn = json_object_array_get_idx(snaps, i), *l = jget(sn, "metadata.labels"), *v = NULL;
		const char *name = jstr_or(sn, "metadata.name", "");
		if (json_object_is_type(l, json_type_object) && json_object_object_get_ex(l, SNAP_LABEL_KEEP, &v) &&
		    !strcmp(json_object_get_string(v), "true")) {
			printf("volumesnapshot.%s/%s kept (pinned by %s=true)\n", SNAP_GROUP, name, SNAP_LABEL_KEEP);
			continue;
		}
		delete_one(&o, &api.snapshots, name, "volumesnapshot." SNAP_GROUP, &failed);
	}
	if (!del_snaps)
		printf("snapshots of schedule %s kept (kubectl volsnap list -l %s=%s)\n", o.name, SCHED_LABEL, o.name);
	if (failed)
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%d deletions failed", failed);
out:
	json_object_put(snaps);
	json_object_put(o.obj);
	snap_api_clear(&api);
	return rc;
}

/* ---- dispatch ---------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*run)(struct cmd_ctx *, int, char **);
} subs[] = {
    {"create", sub_create},   {"list", sub_list},     {"describe", sub_describe}, {"run", sub_run},
    {"suspend", sub_suspend}, {"resume", sub_resume}, {"delete", sub_delete},	  {"run-job", sub_run_job},
};

static int run_schedule(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct option none[] = {OPT_END()};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		opts_print_help(stdout, ctx->cmd, none);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		if (ctx->g.all_namespaces && strcmp(argv[1], "list"))
			return cmd_fail(ctx, EXIT_USAGE, NULL, "'schedule %s' does not take -A/--all-namespaces",
					argv[1]);
		return subs[i].run(ctx, argc - 1, argv + 1);
	}
	return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap schedule --help'", "unknown subcommand \"%s\"", argv[1]);
}

const struct command cmd_schedule = {
    .name = "schedule",
    .summary = "Snapshot PVCs on a schedule: a CronJob with minimal rights",
    .usage = "schedule create|list|describe|run|suspend|resume|delete ...",
    .help = "  " USAGE_CREATE "\n"
	    "  schedule list [-n NS | -A]\n"
	    "  schedule describe NAME\n"
	    "  schedule run NAME                      a Job from the schedule now\n"
	    "  schedule suspend NAME | resume NAME\n"
	    "  schedule delete NAME [--delete-snapshots [--yes]]\n"
	    "\n"
	    "create makes a ServiceAccount, a Role (exactly: volumesnapshots get/list/watch/create/delete,\n"
	    "persistentvolumeclaims get/list, in the namespace only), a RoleBinding and a CronJob, all\n"
	    "labelled app.kubernetes.io/managed-by=kubectl-volsnap and volsnap.io/schedule=NAME. The\n"
	    "CronJob is batch/v1 from Kubernetes 1.21 (batch/v1beta1 below), concurrencyPolicy Forbid,\n"
	    "with a startingDeadlineSeconds, backoffLimit 2, activeDeadlineSeconds above --timeout, and a\n"
	    "pod that passes the \"restricted\" Pod Security level. The class is resolved now and pinned.\n"
	    "Its container runs `kubectl-volsnap schedule run-job NAME ...` (the image's entrypoint is the\n"
	    "plugin) in the cluster: per PVC, a snapshot named <pvc>-<yyyymmddhhmm> from the Job's\n"
	    "scheduled time (a retried run finds its own), a watch until it is ready, then the PVC's\n"
	    "snapshots of this schedule are pruned as `prune` does (volsnap.io/keep=true pins one). One\n"
	    "line per PVC; the run fails when any PVC failed, so the Job history shows it.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap schedule create nightly -n shop --pvc data-db-0 --cron '0 3 * * *' --keep-last 7\n"
	    "  kubectl volsnap schedule create dbs -l app=db --cron '@hourly' --keep-last 24 --keep-within 2d\n"
	    "  kubectl volsnap schedule create nightly --pvc data --cron '0 3 * * *' --keep-last 7 \\\n"
	    "      --dry-run=client -o yaml > nightly.yaml     # for GitOps\n"
	    "  kubectl volsnap schedule list -A\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_schedule,
};
