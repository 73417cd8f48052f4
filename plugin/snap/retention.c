#include "snap/retention.h"

#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

const char *prune_action_name(enum prune_action a)
{
	switch (a) {
	case PRUNE_KEEP:
		return "KEEP";
	case PRUNE_DELETE:
		return "DELETE";
	case PRUNE_SKIP:
		return "SKIP";
	}
	return "?";
}

/* Label keys contain dots, which jget reads as path separators. */
static const char *label(json_object *obj, const char *key)
{
	json_object *labels = jget(obj, "metadata.labels"), *v = NULL;
	if (!json_object_is_type(labels, json_type_object) || !json_object_object_get_ex(labels, key, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* A missing string sorts first, so pre-provisioned snapshots lead their namespace. */
static int str_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Does ref (a dataSource or dataSourceRef) point at the snapshot ns/name?
 * dataSourceRef may name another namespace (CrossNamespaceVolumeDataSource). */
static bool refers_to(json_object *ref, const char *pvc_ns, const char *ns, const char *name)
{
	if (!ref || !str_eq(jstr(ref, "kind"), "VolumeSnapshot") || !str_eq(jstr(ref, "apiGroup"), SNAP_GROUP))
		return false;
	return str_eq(jstr(ref, "name"), name) && str_eq(jstr_or(ref, "namespace", pvc_ns), ns);
}

/* The first PVC not yet Bound that restores from the snapshot ns/name, or NULL. */
static json_object *restoring_pvc(json_object *pvcs, const char *ns, const char *name)
{
	size_t n = json_object_is_type(pvcs, json_type_array) ? json_object_array_length(pvcs) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *pvc = json_object_array_get_idx(pvcs, i);
		const char *phase = jstr(pvc, "status.phase");
		/* Bound: the restore is done. Lost: it was bound once. Anything
		 * else (Pending, or no status yet) may still read the snapshot. */
		if (str_eq(phase, "Bound") || str_eq(phase, "Lost"))
			continue;
		const char *pvc_ns = jstr(pvc, "metadata.namespace");
		if (refers_to(jget(pvc, "spec.dataSource"), pvc_ns, ns, name) ||
		    refers_to(jget(pvc, "spec.dataSourceRef"), pvc_ns, ns, name))
			return pvc;
	}
	return NULL;
}

bool snapshot_restoring_pvc(json_object *pvcs, const char *ns, const char *name, const char **pvc_name)
{
	json_object *pvc = restoring_pvc(pvcs, ns, name);
	if (pvc && pvc_name)
		*pvc_name = jstr(pvc, "metadata.name");
	return pvc != NULL;
}

void prune_plan_add(struct prune_plan *plan, json_object *snap)
{
	static const char *const paths[] = {"metadata.namespace",
					    "metadata.name",
					    "spec.source.persistentVolumeClaimName",
					    "metadata.uid",
					    "metadata.resourceVersion",
					    "metadata.creationTimestamp"};
	enum { N_PATHS = sizeof paths / sizeof *paths };
	const char *src[N_PATHS];
	const char **dst[N_PATHS];
	size_t len = 0;

	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 64;
		plan->items = xrealloc(plan->items, plan->cap * sizeof *plan->items);
	}
	struct prune_item *it = &plan->items[plan->n++];
	memset(it, 0, sizeof *it);
	dst[0] = &it->namespace, dst[1] = &it->name, dst[2] = &it->pvc;
	dst[3] = &it->uid, dst[4] = &it->resource_version, dst[5] = &it->created;
	for (size_t i = 0; i < N_PATHS; i++) {
		src[i] = jstr(snap, paths[i]);
		len += src[i] ? strlen(src[i]) + 1 : 0;
	}
	char *p = it->strings = xmalloc(len ? len : 1);
	for (size_t i = 0; i < N_PATHS; i++) {
		if (!src[i])
			continue;
		size_t n = strlen(src[i]) + 1;
		*dst[i] = memcpy(p, src[i], n);
		p += n;
	}
	it->has_created_at = it->created && time_parse_rfc3339(it->created, &it->created_at);
	it->deleting = jget(snap, "metadata.deletionTimestamp") != NULL;
	it->managed = str_eq(label(snap, SNAP_LABEL_MANAGED_BY), SNAP_MANAGED_BY);
	it->ready = snap_is_ready(snap);
	it->pinned = str_eq(label(snap, "volsnap.io/keep"), "true");
}

/* Newest first; equal timestamps (one-second precision) fall back to the name,
 * which for the plugin's "<pvc>-<yyyymmddhhmmss>" names is also the time order.
 * Snapshots of unknown age go last. */
static int cmp_items(const void *pa, const void *pb)
{
	const struct prune_item *a = pa, *b = pb;
	int c = str_cmp(a->namespace, b->namespace);
	if (!c)
		c = str_cmp(a->pvc, b->pvc);
	if (!c && a->has_created_at != b->has_created_at)
		c = a->has_created_at ? -1 : 1;
	if (!c && a->created_at != b->created_at)
		c = a->created_at > b->created_at ? -1 : 1;
	if (!c)
		c = -str_cmp(a->name, b->name);
	return c;
}

static void verdict(struct prune_item *it, enum prune_action action, char *reason)
{
	it->action = action;
	it->reason = reason;
}

/* The rules that apply before age matters. Returns false when none did. */
static bool decide_by_state(struct prune_item *it, const struct prune_policy *policy)
{
	if (it->deleting)
		verdict(it, PRUNE_SKIP, xstrdup("already being deleted"));
	else if (!policy->include_unmanaged && !it->managed)
		verdict(it, PRUNE_SKIP, xstrdup("not made by kubectl-volsnap (--include-unmanaged to prune it)"));
	else if (it->pinned)
		verdict(it, PRUNE_KEEP, xstrdup("pinned by " SNAP_LABEL_KEEP "=true"));
	else if (!it->pvc)
		verdict(it, PRUNE_KEEP, xstrdup("pre-provisioned, no source PVC"));
	else if (!it->ready)
		verdict(it, PRUNE_KEEP, xstrdup("not ready (in progress or failed)"));
	else if (!it->has_created_at)
		verdict(it, PRUNE_KEEP, xstrdup("no creationTimestamp, age unknown"));
	else
		return false;
	return true;
}

/* The window as the user would write it ("7d", "1h30m"): exact, unlike the
 * rounded AGE style of duration_human. */
static char *human_ms(int64_t ms)
{
	static const struct {
		char unit;
		int64_t ms;
	} units[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (ms >= units[i].ms) {
			strbuf_addf(&sb, "%lld%c", (long long)(ms / units[i].ms), units[i].unit);
			ms %= units[i].ms;
		}
	}
	if (ms || !sb.len)
		strbuf_addf(&sb, "%lldms", (long long)ms);
	return strbuf_detach(&sb);
}

/* A ready snapshot of known age, rank 0 being the newest ready of its PVC. */
static void decide_by_age(struct prune_item *it, long rank, int64_t now, const struct prune_policy *policy,
			  json_object *pvcs)
{
	long keep_last = policy->keep_last < 1 ? 1 : policy->keep_last;
	int64_t within = policy->keep_within_ms;
	const char *restoring = NULL;

	if (rank == 0) {
		verdict(it, PRUNE_KEEP, xstrdup("newest ready snapshot"));
	} else if (rank < keep_last) {
		verdict(it, PRUNE_KEEP, xasprintf("one of the %ld newest ready", keep_last));
	} else if (within > 0 && (now - it->created_at) * 1000 < within) {
		char *d = human_ms(within);
		verdict(it, PRUNE_KEEP, xasprintf("newer than %s", d));
		free(d);
	} else if (snapshot_restoring_pvc(pvcs, it->namespace, it->name, &restoring)) {
		verdict(it, PRUNE_KEEP, xasprintf("data source of PVC %s, which is not yet Bound", restoring));
	} else if (within > 0) {
		char *d = human_ms(within);
		verdict(it, PRUNE_DELETE, xasprintf("older than the %ld newest ready and than %s", keep_last, d));
		free(d);
	} else {
		verdict(it, PRUNE_DELETE, xasprintf("older than the %ld newest ready", keep_last));
	}
}

static void count(struct prune_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		switch (plan->items[i].action) {
		case PRUNE_KEEP:
			plan->n_keep++;
			break;
		case PRUNE_DELETE:
			plan->n_delete++;
			break;
		case PRUNE_SKIP:
			plan->n_skip++;
			break;
		}
	}
}

void plan_prune(json_object *snapshots, json_object *pvcs, int64_t now, const struct prune_policy *policy,
		struct prune_plan *plan)
{
	size_t n = json_object_is_type(snapshots, json_type_array) ? json_object_array_length(snapshots) : 0;
	memset(plan, 0, sizeof *plan);
	for (size_t i = 0; i < n; i++)
		prune_plan_add(plan, json_object_array_get_idx(snapshots, i));
	prune_plan_decide(plan, pvcs, now, policy);
}

void prune_plan_decide(struct prune_plan *plan, json_object *pvcs, int64_t now, const struct prune_policy *policy)
{
	if (plan->n)
		qsort(plan->items, plan->n, sizeof *plan->items, cmp_items);

	long rank = 0;
	for (size_t i = 0; i < plan->n; i++) {
		struct prune_item *it = &plan->items[i];
		/* Sorted, so a new group starts where namespace or PVC change. */
		if (i == 0 || str_cmp(it->namespace, it[-1].namespace) || str_cmp(it->pvc, it[-1].pvc))
			rank = 0;
		if (!decide_by_state(it, policy))
			decide_by_age(it, rank++, now, policy, pvcs);
	}
	count(plan);
}

size_t prune_plan_recheck(struct prune_plan *plan, json_object *pvcs)
{
	size_t turned = 0;
	for (size_t i = 0; i < plan->n; i++) {
		struct prune_item *it = &plan->items[i];
		json_object *pvc;
		if (it->action != PRUNE_DELETE || !(pvc = restoring_pvc(pvcs, it->namespace, it->name)))
			continue;
		free(it->reason);
		verdict(it, PRUNE_SKIP,
			xasprintf("now the data source of pending PVC %s/%s: kept",
				  jstr_or(pvc, "metadata.namespace", "?"), jstr_or(pvc, "metadata.name", "?")));
		it->rechecked = true;
		plan->n_delete--;
		plan->n_skip++;
		turned++;
	}
	return turned;
}

void prune_plan_clear(struct prune_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->items[i].reason);
		free(plan->items[i].strings);
	}
	free(plan->items);
	memset(plan, 0, sizeof *plan);
}
