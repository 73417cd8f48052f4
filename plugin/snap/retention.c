#include "snap/retention.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/spill.h"
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

/* ---- items as records --------------------------------------------------- */

enum { N_STR = 6 };
enum { F_CREATED = 1, F_DELETING = 2, F_MANAGED = 4, F_READY = 8, F_PINNED = 16, F_RECHECKED = 32 };

/* A record: this head, the six strings (NUL-terminated; length 0 is NULL),
 * then the reason (NUL-terminated, when reason_len). */
struct rec_head {
	int64_t created_at;
	uint32_t len[N_STR];
	uint32_t reason_len;
	uint8_t action, flags;
};

static const char **str_field(struct prune_item *it, int i)
{
	const char **f[N_STR] = {&it->namespace, &it->name, &it->pvc, &it->uid, &it->resource_version, &it->created};
	return f[i];
}

static void pack(struct prune_item *it, bool with_reason, struct strbuf *sb)
{
	struct rec_head h = {.created_at = it->created_at, .action = (uint8_t)it->action};
	h.flags = (it->has_created_at ? F_CREATED : 0) | (it->deleting ? F_DELETING : 0) |
		  (it->managed ? F_MANAGED : 0) | (it->ready ? F_READY : 0) | (it->pinned ? F_PINNED : 0) |
		  (it->rechecked ? F_RECHECKED : 0);
	for (int i = 0; i < N_STR; i++)
		h.len[i] = *str_field(it, i) ? (uint32_t)strlen(*str_field(it, i)) + 1 : 0;
	h.reason_len = with_reason ? (uint32_t)strlen(it->reason) + 1 : 0;
	strbuf_reset(sb);
	strbuf_add(sb, &h, sizeof h);
	for (int i = 0; i < N_STR; i++)
		strbuf_add(sb, *str_field(it, i) ? *str_field(it, i) : "", h.len[i]);
	strbuf_add(sb, it->reason, h.reason_len);
}

static void unpack(const void *rec, struct prune_item *it, bool with_reason)
{
	struct rec_head h;
	const char *p = (const char *)rec + sizeof h;
	memcpy(&h, rec, sizeof h);
	for (int i = 0; i < N_STR; i++) {
		*str_field(it, i) = h.len[i] ? p : NULL;
		p += h.len[i];
	}
	it->created_at = h.created_at;
	it->has_created_at = h.flags & F_CREATED;
	it->deleting = h.flags & F_DELETING;
	it->managed = h.flags & F_MANAGED;
	it->ready = h.flags & F_READY;
	it->pinned = h.flags & F_PINNED;
	it->rechecked = h.flags & F_RECHECKED;
	it->action = (enum prune_action)h.action;
	if (with_reason) {
		size_t n = h.reason_len ? h.reason_len - 1 : 0;
		memcpy(it->reason, p, n < PRUNE_REASON_MAX ? n : PRUNE_REASON_MAX - 1);
		it->reason[n < PRUNE_REASON_MAX ? n : PRUNE_REASON_MAX - 1] = 0;
	}
}

static int cmp_items(const struct prune_item *a, const struct prune_item *b);

static int cmp_records(const void *ra, size_t alen, const void *rb, size_t blen)
{
	struct prune_item a, b;
	(void)alen, (void)blen;
	unpack(ra, &a, false);
	unpack(rb, &b, false);
	return cmp_items(&a, &b);
}

static void fail_plan(struct prune_plan *plan, const struct spill *s)
{
	if (!plan->error)
		plan->error = xstrdup(spill_error(s));
}

void prune_plan_add(struct prune_plan *plan, json_object *snap)
{
	static const char *const paths[] = {"metadata.namespace",
					    "metadata.name",
					    "spec.source.persistentVolumeClaimName",
					    "metadata.uid",
					    "metadata.resourceVersion",
					    "metadata.creationTimestamp"};
	struct prune_item item = {0}, *it = &item;
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < N_STR; i++)
		*str_field(it, i) = jstr(snap, paths[i]);
	it->has_created_at = it->created && time_parse_rfc3339(it->created, &it->created_at);
	it->deleting = jget(snap, "metadata.deletionTimestamp") != NULL;
	it->managed = str_eq(label(snap, SNAP_LABEL_MANAGED_BY), SNAP_MANAGED_BY);
	it->ready = snap_is_ready(snap);
	it->pinned = str_eq(label(snap, "volsnap.io/keep"), "true");
	if (!plan->added)
		plan->added = spill_new(cmp_records);
	pack(it, false, &sb);
	if (spill_add(plan->added, sb.buf, sb.len) < 0)
		fail_plan(plan, plan->added);
	plan->n++;
	strbuf_release(&sb);
}

/* Newest first; equal timestamps (one-second precision) fall back to the name,
 * which for the plugin's "<pvc>-<yyyymmddhhmmss>" names is also the time order.
 * Snapshots of unknown age go last. */
static int cmp_items(const struct prune_item *a, const struct prune_item *b)
{
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

__attribute__((format(printf, 3, 4))) static void verdict(struct prune_item *it, enum prune_action action,
							  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	it->action = action;
	vsnprintf(it->reason, sizeof it->reason, fmt, ap);
	va_end(ap);
}

/* The rules that apply before age matters. Returns false when none did. */
static bool decide_by_state(struct prune_item *it, const struct prune_policy *policy)
{
	if (it->deleting)
		verdict(it, PRUNE_SKIP, "already being deleted");
	else if (!policy->include_unmanaged && !it->managed)
		verdict(it, PRUNE_SKIP, "not made by kubectl-volsnap (--include-unmanaged to prune it)");
	else if (it->pinned)
		verdict(it, PRUNE_KEEP, "pinned by " SNAP_LABEL_KEEP "=true");
	else if (!it->pvc)
		verdict(it, PRUNE_KEEP, "pre-provisioned, no source PVC");
	else if (!it->ready)
		verdict(it, PRUNE_KEEP, "not ready (in progress or failed)");
	else if (!it->has_created_at)
		verdict(it, PRUNE_KEEP, "no creationTimestamp, age unknown");
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
		verdict(it, PRUNE_KEEP, "newest ready snapshot");
	} else if (rank < keep_last) {
		verdict(it, PRUNE_KEEP, "one of the %ld newest ready", keep_last);
	} else if (within > 0 && (now - it->created_at) * 1000 < within) {
		char *d = human_ms(within);
		verdict(it, PRUNE_KEEP, "newer than %s", d);
		free(d);
	} else if (snapshot_restoring_pvc(pvcs, it->namespace, it->name, &restoring)) {
		verdict(it, PRUNE_KEEP, "data source of PVC %s, which is not yet Bound", restoring);
	} else if (within > 0) {
		char *d = human_ms(within);
		verdict(it, PRUNE_DELETE, "older than the %ld newest ready and than %s", keep_last, d);
		free(d);
	} else {
		verdict(it, PRUNE_DELETE, "older than the %ld newest ready", keep_last);
	}
}

static void count(struct prune_plan *plan, enum prune_action a, int by)
{
	size_t *n = a == PRUNE_KEEP ? &plan->n_keep : a == PRUNE_DELETE ? &plan->n_delete : &plan->n_skip;
	*n += (size_t)by;
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

/* One decided item to the store the plan is read from. */
static void store(struct prune_plan *plan, struct spill *to, struct prune_item *it, struct strbuf *sb)
{
	pack(it, true, sb);
	if (spill_add(to, sb->buf, sb->len) < 0)
		fail_plan(plan, to);
}

int prune_plan_decide(struct prune_plan *plan, json_object *pvcs, int64_t now, const struct prune_policy *policy)
{
	struct prune_item item, *it = &item;
	struct strbuf sb = STRBUF_INIT;
	char *prev_ns = NULL, *prev_pvc = NULL;
	const void *rec;
	size_t len;
	long rank = 0;
	bool first = true;
	int rc = 0;

	spill_free(plan->decided);
	plan->decided = spill_new(NULL);
	plan->n_keep = plan->n_delete = plan->n_skip = 0;
	/* Sorted, so a group is a run of one namespace and PVC, ranked as it goes. */
	while (plan->added && !plan->error && (rc = spill_next(plan->added, &rec, &len)) > 0) {
		unpack(rec, it, false);
		if (first || str_cmp(it->namespace, prev_ns) || str_cmp(it->pvc, prev_pvc)) {
			rank = 0;
			free(prev_ns);
			free(prev_pvc);
			prev_ns = xstrdup_or_null(it->namespace);
			prev_pvc = xstrdup_or_null(it->pvc);
		}
		first = false;
		if (!decide_by_state(it, policy))
			decide_by_age(it, rank++, now, policy, pvcs);
		count(plan, it->action, 1);
		store(plan, plan->decided, it, &sb);
	}
	if (rc < 0)
		fail_plan(plan, plan->added);
	spill_free(plan->added);
	plan->added = NULL;
	free(prev_ns);
	free(prev_pvc);
	strbuf_release(&sb);
	return plan->error ? -1 : 0;
}

int prune_plan_next(struct prune_plan *plan, struct prune_item *it)
{
	const void *rec;
	size_t len;
	if (plan->error)
		return -1;
	int rc = plan->decided ? spill_next(plan->decided, &rec, &len) : 0;
	if (rc < 0)
		fail_plan(plan, plan->decided);
	else if (rc > 0)
		unpack(rec, it, true);
	return rc;
}

void prune_plan_rewind(struct prune_plan *plan)
{
	if (plan->decided)
		spill_rewind(plan->decided);
}

size_t prune_plan_recheck(struct prune_plan *plan, json_object *pvcs)
{
	struct prune_item item, *it = &item;
	struct strbuf sb = STRBUF_INIT;
	struct spill *next;
	size_t turned = 0;
	int rc;

	if (!plan->decided) /* nothing decided, nothing to turn */
		return 0;
	next = spill_new(NULL);
	prune_plan_rewind(plan);
	while ((rc = prune_plan_next(plan, it)) > 0) {
		json_object *pvc;
		if (it->action != PRUNE_DELETE || !(pvc = restoring_pvc(pvcs, it->namespace, it->name))) {
			store(plan, next, it, &sb);
			continue;
		}
		verdict(it, PRUNE_SKIP, "now the data source of pending PVC %s/%s: kept",
			jstr_or(pvc, "metadata.namespace", "?"), jstr_or(pvc, "metadata.name", "?"));
		it->rechecked = true;
		count(plan, PRUNE_DELETE, -1);
		count(plan, PRUNE_SKIP, 1);
		turned++;
		store(plan, next, it, &sb);
	}
	strbuf_release(&sb);
	spill_free(plan->decided);
	plan->decided = next;
	prune_plan_rewind(plan);
	return plan->error ? 0 : turned;
}

void prune_plan_clear(struct prune_plan *plan)
{
	spill_free(plan->added);
	spill_free(plan->decided);
	free(plan->error);
	memset(plan, 0, sizeof *plan);
}
