#include "sched/run.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap/retention.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int sched_run_preflight(struct sched_run *r, struct kube_error *err)
{
	const char *ns = r->spec->ns;
	struct kube_access q[] = {
	    {.verb = "get", .group = SNAP_GROUP, .resource = "volumesnapshots", .namespace = ns},
	    {.verb = "list", .group = SNAP_GROUP, .resource = "volumesnapshots", .namespace = ns},
	    {.verb = "watch", .group = SNAP_GROUP, .resource = "volumesnapshots", .namespace = ns},
	    {.verb = "create", .group = SNAP_GROUP, .resource = "volumesnapshots", .namespace = ns},
	    {.verb = "delete", .group = SNAP_GROUP, .resource = "volumesnapshots", .namespace = ns},
	    {.verb = "get", .group = "", .resource = "persistentvolumeclaims", .namespace = ns},
	    {.verb = "list", .group = "", .resource = "persistentvolumeclaims", .namespace = ns},
	};
	size_t n = sizeof q / sizeof *q;
	struct kube_error e = {0};
	if (kube_can_i(r->client, q, n, &e) < 0) {
		/* The server cannot say: the calls themselves will. */
		kube_error_clear(&e);
		return 0;
	}
	struct strbuf missing = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!q[i].allowed)
			strbuf_addf(&missing, "%s%s %s", missing.len ? ", " : "", q[i].verb, q[i].resource);
	kube_access_clear(q, n);
	int rc = 0;
	if (missing.len) {
		char *account = sched_account_name(r->spec->name);
		kube_error_set(
		    err, KUBE_ERR_API, 403, "Forbidden", NULL,
		    "the job's identity may not %s in namespace %s; nothing was created; re-create the "
		    "schedule's Role (kubectl volsnap schedule create %s --dry-run=client -o yaml shows it) or "
		    "grant these to ServiceAccount %s",
		    missing.buf, ns, r->spec->name, account);
		free(account);
		rc = -1;
	}
	strbuf_release(&missing);
	return rc;
}

static char *list_path(const struct kube_resource *res, const char *ns)
{
	return kube_path(res, ns, NULL, NULL);
}

/* Creates the snapshot, or finds this schedule's own from an earlier attempt
 * at the same scheduled time. *snap gets the object; *adopted says which. */
static int take(struct sched_run *r, const struct sched_item *it, json_object **snap, bool *adopted, char **why)
{
	struct kube_error err = {0};
	char *path = kube_path(&r->api->snapshots, r->spec->ns, it->snapshot, NULL);
	int rc = -1;
	*adopted = false;
	if (kube_get(r->client, path, snap, &err) == 0) {
		*adopted = true;
	} else if (kube_error_is_not_found(&err)) {
		kube_error_clear(&err);
		json_object *m = sched_snapshot_manifest(r->api->version, r->spec, it->pvc, it->snapshot);
		char *coll = list_path(&r->api->snapshots, r->spec->ns);
		int c = kube_create_once(r->client, coll, m, 0, snap, &err);
		free(coll);
		json_object_put(m);
		/* Another pod of the same run won the race: read what it made. */
		if (c < 0 && kube_error_is_conflict(&err)) {
			kube_error_clear(&err);
			c = kube_get(r->client, path, snap, &err);
			*adopted = true;
		}
		if (c < 0) {
			*why = xasprintf("creating snapshot %s: %s", it->snapshot, err.message ? err.message : "?");
			goto out;
		}
	} else {
		*why = xasprintf("reading snapshot %s: %s", it->snapshot, err.message ? err.message : "?");
		goto out;
	}
	if (*adopted && !sched_snapshot_is_ours(*snap, r->spec->name, it->pvc)) {
		*why = xasprintf("snapshot %s exists and is not this schedule's snapshot of %s; nothing was changed",
				 it->snapshot, it->pvc);
		json_object_put(*snap);
		*snap = NULL;
		goto out;
	}
	rc = 0;
out:
	kube_error_clear(&err);
	free(path);
	return rc;
}

static int wait_ready(struct sched_run *r, const struct sched_item *it, int64_t deadline_ms, char **why)
{
	int64_t left = deadline_ms - (int64_t)time(NULL) * 1000;
	if (left < 1000)
		left = 1000;
	char *what = xasprintf("snapshot %s/%s", r->spec->ns, it->snapshot);
	struct kube_error err = {0};
	json_object *last = NULL;
	char *broken = NULL;
	enum wait_outcome o = wait_for(r->client, &r->api->snapshots, r->spec->ns, it->snapshot,
				       wait_check_snapshot_ready, left, false, what, &last, &broken, &err);
	int rc = o == WAIT_OK ? 0 : -1;
	if (o == WAIT_FAILED)
		*why = xasprintf("snapshot %s failed: %s", it->snapshot, broken ? broken : "?");
	else if (o == WAIT_TIMEOUT)
		*why = xasprintf("snapshot %s is not ready within the run's --timeout: %s", it->snapshot,
				 snap_error_message(last) ? snap_error_message(last) : "still in progress");
	else if (o == WAIT_DELETED)
		*why = xasprintf("snapshot %s was deleted while waiting for it", it->snapshot);
	else if (o == WAIT_ERROR)
		*why = xasprintf("waiting for snapshot %s: %s", it->snapshot, err.message ? err.message : "?");
	kube_error_clear(&err);
	json_object_put(last);
	free(broken);
	free(what);
	return rc;
}

/* This schedule's snapshots of one PVC, pruned by plan_prune's rules. */
static int prune(struct sched_run *r, const struct sched_item *it, json_object *all_pvcs, int *deleted, char **why)
{
	struct kube_error err = {0};
	char *sel = xasprintf("%s=%s", SCHED_LABEL, r->spec->name);
	struct kube_list_opts lo = {.label_selector = sel};
	char *coll = list_path(&r->api->snapshots, r->spec->ns);
	json_object *items = NULL, *mine = json_object_new_array();
	int rc = kube_list_all(r->client, coll, &lo, &items, &err);
	free(sel);
	if (rc < 0) {
		*why = xasprintf("listing snapshots to prune (nothing deleted): %s", err.message ? err.message : "?");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *s = json_object_array_get_idx(items, i);
		if (sched_snapshot_is_ours(s, r->spec->name, it->pvc))
			json_object_array_add(mine, json_object_get(s));
	}
	struct prune_policy policy = {r->spec->keep_last, r->spec->keep_within_ms, false};
	struct prune_plan plan;
	struct prune_item item, *p = &item;
	plan_prune(mine, all_pvcs, (int64_t)time(NULL), &policy, &plan);
	while (!plan.error && prune_plan_next(&plan, p) > 0) {
		if (p->action != PRUNE_DELETE)
			continue;
		struct kube_delete_opts o = {.uid = p->uid, .resource_version = p->resource_version};
		char *path = kube_path(&r->api->snapshots, p->namespace, p->name, NULL);
		if (kube_delete(r->client, path, &o, NULL, &err) == 0)
			(*deleted)++;
		else if (!kube_error_is_conflict(&err) && !kube_error_is_not_found(&err) && !*why)
			*why = xasprintf("deleting snapshot %s: %s", p->name, err.message ? err.message : "?");
		kube_error_clear(&err);
		free(path);
	}
	if (plan.error && !*why) /* a temporary file failed: the rest of the plan is left */
		*why = xasprintf("reading the prune plan: %s", plan.error);
	prune_plan_clear(&plan);
	rc = *why ? -1 : 0;
out:
	kube_error_clear(&err);
	json_object_put(items);
	json_object_put(mine);
	free(coll);
	return rc;
}

static void run_one(struct sched_run *r, const struct sched_item *it, json_object *all_pvcs, int64_t deadline_ms)
{
	char *why = NULL;
	json_object *snap = NULL;
	bool adopted = false;
	int deleted = 0;
	time_t start = time(NULL);
	if (it->state != SCHED_TAKE) {
		why = xstrdup(it->why);
	} else if (take(r, it, &snap, &adopted, &why) == 0) {
		if (!snap_is_ready(snap) && wait_ready(r, it, deadline_ms, &why) == 0)
			why = NULL;
		if (!why)
			prune(r, it, all_pvcs, &deleted, &why);
	}
	if (why) {
		fprintf(r->out, "PVC %s: FAILED: %s\n", it->pvc, why);
		r->failed++;
	} else {
		fprintf(r->out, "PVC %s: snapshot %s ready%s (%lds); %d old snapshot%s pruned\n", it->pvc, it->snapshot,
			adopted ? " (found from an earlier attempt)" : "", (long)(time(NULL) - start), deleted,
			deleted == 1 ? "" : "s");
		r->ok++;
	}
	fflush(r->out);
	json_object_put(snap);
	free(why);
}

int sched_run_all(struct sched_run *r, struct kube_error *err)
{
	int64_t deadline_ms = (int64_t)time(NULL) * 1000 + r->spec->timeout_ms;
	char *path = list_path(&KUBE_PVCS, r->spec->ns);
	json_object *all = NULL, *selected = NULL;
	int rc = kube_list_all(r->client, path, NULL, &all, err);
	if (rc == 0 && r->spec->selector) {
		struct kube_list_opts lo = {.label_selector = r->spec->selector};
		rc = kube_list_all(r->client, path, &lo, &selected, err);
	}
	free(path);
	if (rc < 0) {
		kube_error_prefix(err, "listing PVCs in %s (nothing was created)", r->spec->ns);
		goto out;
	}
	struct sched_plan plan;
	sched_plan_run(r->spec, selected ? selected : all, r->scheduled, &plan);
	if (!plan.n)
		fprintf(r->out, "no PVC matches %s in namespace %s: nothing to do\n", r->spec->selector, r->spec->ns);
	for (size_t i = 0; i < plan.n; i++)
		run_one(r, &plan.items[i], all, deadline_ms);
	sched_plan_clear(&plan);
out:
	json_object_put(all);
	json_object_put(selected);
	return rc;
}

int sched_read_all(struct kube_client *c, int minor, const char *ns, json_object **cronjobs, json_object **jobs,
		   struct kube_error *err)
{
	struct kube_resource cj = sched_cronjob_resource(minor);
	struct kube_list_opts lo = {.label_selector = SNAP_LABEL_MANAGED_BY "=" SNAP_MANAGED_BY "," SCHED_LABEL};
	char *path = kube_path(&cj, ns, NULL, NULL);
	*cronjobs = *jobs = NULL;
	int rc = kube_list_all(c, path, &lo, cronjobs, err);
	free(path);
	if (rc < 0) {
		kube_error_prefix(err, "listing schedules (CronJobs)");
		return -1;
	}
	path = kube_path(&SCHED_JOBS, ns, NULL, NULL);
	rc = kube_list_all(c, path, &lo, jobs, err);
	free(path);
	if (rc < 0) {
		kube_error_prefix(err, "listing the schedules' Jobs");
		json_object_put(*cronjobs);
		*cronjobs = NULL;
	}
	return rc;
}
