/* plan_prune: every retention and safety rule of `kubectl volsnap prune`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "snap/retention.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/spill.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* 2024-05-10T12:00:00Z */
#define NOW 1715342400
#define HOUR 3600
#define DAY (24 * HOUR)

enum { UNREADY = 0, READY = 1, NO_STATUS = 2 };

static char *stamp(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* A VolumeSnapshot as the server returns it. age < 0: no creationTimestamp. */
static json_object *snap_obj(const char *ns, const char *name, const char *pvc, int64_t age, int state, bool managed)
{
	json_object *o = json_object_new_object();
	jset(o, "metadata.namespace", json_object_new_string(ns));
	jset(o, "metadata.name", json_object_new_string(name));
	char *uid = xasprintf("uid-%s-%s", ns, name);
	jset(o, "metadata.uid", json_object_new_string(uid));
	free(uid);
	jset(o, "metadata.resourceVersion", json_object_new_string("42"));
	if (age >= 0) {
		char *ts = stamp(NOW - age);
		jset(o, "metadata.creationTimestamp", json_object_new_string(ts));
		free(ts);
	}
	json_object *labels = json_object_new_object();
	if (managed)
		json_object_object_add(labels, SNAP_LABEL_MANAGED_BY, json_object_new_string(SNAP_MANAGED_BY));
	jset(o, "metadata.labels", labels);
	if (pvc)
		jset(o, "spec.source.persistentVolumeClaimName", json_object_new_string(pvc));
	else
		jset(o, "spec.source.volumeSnapshotContentName", json_object_new_string("pre-made"));
	if (state != NO_STATUS)
		jset(o, "status.readyToUse", json_object_new_boolean(state == READY));
	return o;
}

static json_object *managed(const char *name, const char *pvc, int64_t age, int state)
{
	return snap_obj("default", name, pvc, age, state, true);
}

/* A PVC restoring from a snapshot (kind VolumeSnapshot) in the given phase. */
static json_object *pvc_obj(const char *ns, const char *name, const char *phase, const char *field, const char *snap)
{
	json_object *o = json_object_new_object();
	jset(o, "metadata.namespace", json_object_new_string(ns));
	jset(o, "metadata.name", json_object_new_string(name));
	if (field) {
		json_object *ref = json_object_new_object();
		json_object_object_add(ref, "apiGroup", json_object_new_string(SNAP_GROUP));
		json_object_object_add(ref, "kind", json_object_new_string("VolumeSnapshot"));
		json_object_object_add(ref, "name", json_object_new_string(snap));
		jset(o, field, ref);
	}
	if (phase)
		jset(o, "status.phase", json_object_new_string(phase));
	return o;
}

/* A json array of the given objects (takes them): array(a, b, c). */
static json_object *array_of(json_object *const *objs, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, objs[i]);
	return a;
}
#define array(...)                                                                                                     \
	array_of((json_object *const[]){__VA_ARGS__},                                                                  \
		 sizeof((json_object *const[]){__VA_ARGS__}) / sizeof(json_object *))

struct fixture {
	json_object *snaps, *pvcs;
	struct prune_policy policy;
	struct prune_plan plan;
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof fx);
	fx.policy.keep_last = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	prune_plan_clear(&fx.plan);
	json_object_put(fx.snaps);
	json_object_put(fx.pvcs);
	return 0;
}

static void run(void)
{
	plan_prune(fx.snaps, fx.pvcs, NOW, &fx.policy, &fx.plan);
}

/* The item read from the plan's store: valid until the next find or read. */
static struct prune_item found;

static const struct prune_item *find_ns(const char *ns, const char *name)
{
	prune_plan_rewind(&fx.plan);
	while (prune_plan_next(&fx.plan, &found) > 0)
		if (!strcmp(found.namespace, ns) && !strcmp(found.name, name))
			return &found;
	fail_msg("%s/%s is not in the plan", ns, name);
	return NULL;
}

static const struct prune_item *find(const char *name)
{
	return find_ns("default", name);
}

static void expect(const char *name, enum prune_action action, const char *reason_part)
{
	const struct prune_item *it = find(name);
	if (it->action != action)
		fail_msg("%s: expected %s, got %s (%s)", name, prune_action_name(action), prune_action_name(it->action),
			 it->reason);
	if (reason_part && !strstr(it->reason, reason_part))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", name, it->reason, reason_part);
}

static void test_empty_and_not_an_array(void **state)
{
	(void)state;
	fx.snaps = json_object_new_array();
	run();
	assert_int_equal(fx.plan.n, 0);
	assert_int_equal(fx.plan.n_delete, 0);
	prune_plan_clear(&fx.plan);
	plan_prune(NULL, NULL, NOW, &fx.policy, &fx.plan);
	assert_int_equal(fx.plan.n, 0);
}

static void test_keep_last_one_deletes_older_ready(void **state)
{
	(void)state;
	fx.snaps = array(managed("a-1", "a", 3 * DAY, READY), managed("a-3", "a", 1 * DAY, READY),
			 managed("a-2", "a", 2 * DAY, READY));
	run();
	expect("a-3", PRUNE_KEEP, "newest ready");
	expect("a-2", PRUNE_DELETE, "older than the 1 newest ready");
	expect("a-1", PRUNE_DELETE, NULL);
	assert_int_equal(fx.plan.n_keep, 1);
	assert_int_equal(fx.plan.n_delete, 2);
	assert_int_equal(fx.plan.n_skip, 0);
}

static void test_keep_last_n(void **state)
{
	(void)state;
	fx.policy.keep_last = 3;
	fx.snaps = array(managed("s1", "a", 5 * HOUR, READY), managed("s2", "a", 4 * HOUR, READY),
			 managed("s3", "a", 3 * HOUR, READY), managed("s4", "a", 2 * HOUR, READY),
			 managed("s5", "a", 1 * HOUR, READY));
	run();
	expect("s5", PRUNE_KEEP, "newest ready");
	expect("s4", PRUNE_KEEP, "one of the 3 newest ready");
	expect("s3", PRUNE_KEEP, "one of the 3 newest ready");
	expect("s2", PRUNE_DELETE, "older than the 3 newest ready");
	expect("s1", PRUNE_DELETE, NULL);
}

static void test_keep_last_more_than_exist(void **state)
{
	(void)state;
	fx.policy.keep_last = 10;
	fx.snaps = array(managed("s1", "a", 2 * HOUR, READY), managed("s2", "a", 1 * HOUR, READY));
	run();
	assert_int_equal(fx.plan.n_keep, 2);
	assert_int_equal(fx.plan.n_delete, 0);
}

/* The command refuses --keep-last 0; the plan still never deletes the newest. */
static void test_keep_last_zero_or_negative_keeps_newest(void **state)
{
	(void)state;
	fx.policy.keep_last = 0;
	fx.snaps = array(managed("old", "a", 2 * DAY, READY), managed("new", "a", 1 * DAY, READY));
	run();
	expect("new", PRUNE_KEEP, "newest ready");
	expect("old", PRUNE_DELETE, "older than the 1 newest ready");
	prune_plan_clear(&fx.plan);
	fx.policy.keep_last = -5;
	run();
	expect("new", PRUNE_KEEP, "newest ready");
}

/* Unready snapshots are kept and do not use up --keep-last. */
static void test_only_ready_count(void **state)
{
	(void)state;
	fx.snaps = array(managed("newest-unready", "a", 1 * HOUR, UNREADY), managed("ready-1", "a", 2 * HOUR, READY),
			 managed("ready-2", "a", 3 * HOUR, READY), managed("old-unready", "a", 9 * DAY, UNREADY));
	run();
	expect("newest-unready", PRUNE_KEEP, "not ready");
	expect("ready-1", PRUNE_KEEP, "newest ready");
	expect("ready-2", PRUNE_DELETE, NULL);
	expect("old-unready", PRUNE_KEEP, "not ready");
}

static void test_pvc_with_only_unready_snapshots(void **state)
{
	(void)state;
	fx.snaps = array(managed("u1", "a", 3 * DAY, UNREADY), managed("u2", "a", 2 * DAY, NO_STATUS),
			 managed("u3", "a", 1 * DAY, UNREADY));
	run();
	assert_int_equal(fx.plan.n_keep, 3);
	assert_int_equal(fx.plan.n_delete, 0);
	expect("u2", PRUNE_KEEP, "not ready");
}

/* A failed snapshot (status.error, readyToUse false) is not deleted by prune:
 * the user should see why it failed first. */
static void test_failed_snapshot_kept(void **state)
{
	(void)state;
	json_object *failed = managed("failed", "a", 5 * DAY, UNREADY);
	jset(failed, "status.error.message", json_object_new_string("driver said no"));
	fx.snaps = array(failed, managed("ok", "a", 1 * DAY, READY));
	run();
	expect("failed", PRUNE_KEEP, "not ready");
	expect("ok", PRUNE_KEEP, "newest ready");
}

static void test_unmanaged_skipped(void **state)
{
	(void)state;
	fx.snaps = array(snap_obj("default", "theirs-old", "a", 9 * DAY, READY, false),
			 snap_obj("default", "theirs-new", "a", 1 * HOUR, READY, false),
			 managed("mine-new", "a", 2 * HOUR, READY), managed("mine-old", "a", 3 * HOUR, READY));
	run();
	expect("theirs-old", PRUNE_SKIP, "not made by kubectl-volsnap");
	expect("theirs-new", PRUNE_SKIP, "--include-unmanaged");
	/* The unmanaged newer snapshot does not count: the plugin's own newest is kept. */
	expect("mine-new", PRUNE_KEEP, "newest ready");
	expect("mine-old", PRUNE_DELETE, NULL);
	assert_int_equal(fx.plan.n_skip, 2);
}

static void test_other_managed_by_value_is_unmanaged(void **state)
{
	(void)state;
	json_object *s = managed("helm", "a", 9 * DAY, READY);
	jset(s, "metadata.labels", json_object_new_object());
	json_object_object_add(jget(s, "metadata.labels"), SNAP_LABEL_MANAGED_BY, json_object_new_string("Helm"));
	json_object *nolabels = managed("bare", "a", 8 * DAY, READY);
	json_object_object_del(jget(nolabels, "metadata"), "labels");
	fx.snaps = array(s, nolabels, managed("mine", "a", 1 * DAY, READY));
	run();
	expect("helm", PRUNE_SKIP, NULL);
	expect("bare", PRUNE_SKIP, NULL);
}

static void test_include_unmanaged(void **state)
{
	(void)state;
	fx.policy.include_unmanaged = true;
	fx.snaps = array(snap_obj("default", "theirs-old", "a", 9 * DAY, READY, false),
			 snap_obj("default", "theirs-new", "a", 1 * HOUR, READY, false),
			 managed("mine", "a", 2 * HOUR, READY));
	run();
	expect("theirs-new", PRUNE_KEEP, "newest ready");
	expect("mine", PRUNE_DELETE, NULL);
	expect("theirs-old", PRUNE_DELETE, NULL);
}

/* restore --replace pins its safety snapshot: prune never takes it. */
static void test_pinned_kept(void **state)
{
	(void)state;
	json_object *pinned = managed("pre-restore", "a", 9 * DAY, READY);
	json_object_object_add(jget(pinned, "metadata.labels"), "volsnap.io/keep", json_object_new_string("true"));
	fx.snaps = array(pinned, managed("old", "a", 8 * DAY, READY), managed("new", "a", 1 * DAY, READY));
	run();
	expect("pre-restore", PRUNE_KEEP, "pinned by volsnap.io/keep=true");
	expect("new", PRUNE_KEEP, "newest ready");
	expect("old", PRUNE_DELETE, NULL);
}

static void test_grouped_by_pvc(void **state)
{
	(void)state;
	fx.snaps = array(managed("a-old", "a", 2 * DAY, READY), managed("b-old", "b", 3 * DAY, READY),
			 managed("a-new", "a", 1 * DAY, READY), managed("b-new", "b", 2 * DAY, READY));
	run();
	expect("a-new", PRUNE_KEEP, "newest ready");
	expect("b-new", PRUNE_KEEP, "newest ready");
	expect("a-old", PRUNE_DELETE, NULL);
	expect("b-old", PRUNE_DELETE, NULL);
}

/* The same PVC name in two namespaces is two PVCs. */
static void test_grouped_by_namespace(void **state)
{
	(void)state;
	fx.snaps = array(snap_obj("ns1", "x-old", "data", 2 * DAY, READY, true),
			 snap_obj("ns2", "x-new", "data", 1 * DAY, READY, true),
			 snap_obj("ns1", "x-new", "data", 1 * HOUR, READY, true),
			 snap_obj("ns2", "x-old", "data", 3 * DAY, READY, true));
	run();
	assert_int_equal(find_ns("ns1", "x-new")->action, PRUNE_KEEP);
	assert_int_equal(find_ns("ns2", "x-new")->action, PRUNE_KEEP);
	assert_int_equal(find_ns("ns1", "x-old")->action, PRUNE_DELETE);
	assert_int_equal(find_ns("ns2", "x-old")->action, PRUNE_DELETE);
}

/* Printed order: namespace, PVC, then newest first. */
static void test_plan_order(void **state)
{
	(void)state;
	fx.snaps = array(snap_obj("ns2", "z", "a", 1 * DAY, READY, true), managed("b-1", "b", 3 * DAY, READY),
			 managed("a-1", "a", 3 * DAY, READY), managed("a-2", "a", 1 * DAY, READY),
			 managed("pre", NULL, 1 * DAY, READY));
	run();
	const char *want[] = {"pre", "a-2", "a-1", "b-1", "z"};
	assert_int_equal(fx.plan.n, 5);
	prune_plan_rewind(&fx.plan);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(prune_plan_next(&fx.plan, &found), 1);
		assert_string_equal(found.name, want[i]);
	}
	assert_string_equal(found.namespace, "ns2");
	assert_int_equal(prune_plan_next(&fx.plan, &found), 0);
}

/* Equal timestamps (one-second precision): the greater name is the newer, and
 * the verdict does not depend on the order the server listed them in. */
static void test_timestamp_ties_ordered_by_name(void **state)
{
	(void)state;
	fx.snaps = array(managed("tie-b", "a", DAY, READY), managed("tie-a", "a", DAY, READY),
			 managed("tie-c", "a", DAY, READY));
	run();
	expect("tie-c", PRUNE_KEEP, "newest ready");
	expect("tie-b", PRUNE_DELETE, NULL);
	expect("tie-a", PRUNE_DELETE, NULL);
	prune_plan_clear(&fx.plan);
	json_object_put(fx.snaps);
	fx.snaps = array(managed("tie-c", "a", DAY, READY), managed("tie-a", "a", DAY, READY),
			 managed("tie-b", "a", DAY, READY));
	run();
	expect("tie-c", PRUNE_KEEP, "newest ready");
	expect("tie-b", PRUNE_DELETE, NULL);
}

/* Age unknown: never deleted, and not ranked (it could be the newest). */
static void test_missing_or_bad_timestamp_kept(void **state)
{
	(void)state;
	json_object *bad = managed("bad-ts", "a", 0, READY);
	jset(bad, "metadata.creationTimestamp", json_object_new_string("yesterday"));
	json_object *null_ts = managed("null-ts", "a", 0, READY);
	jset(null_ts, "metadata.creationTimestamp", NULL);
	fx.snaps = array(managed("no-ts", "a", -1, READY), bad, null_ts, managed("old", "a", 2 * DAY, READY),
			 managed("new", "a", 1 * DAY, READY));
	run();
	expect("no-ts", PRUNE_KEEP, "age unknown");
	expect("bad-ts", PRUNE_KEEP, "age unknown");
	expect("null-ts", PRUNE_KEEP, "age unknown");
	expect("new", PRUNE_KEEP, "newest ready");
	expect("old", PRUNE_DELETE, NULL);
}

static void test_keep_within(void **state)
{
	(void)state;
	fx.policy.keep_within_ms = 2LL * HOUR * 1000;
	fx.snaps = array(managed("h1", "a", 1 * HOUR, READY), managed("h1-30", "a", 90 * 60, READY),
			 managed("h2", "a", 2 * HOUR, READY), managed("h3", "a", 3 * HOUR, READY));
	run();
	expect("h1", PRUNE_KEEP, "newest ready");
	expect("h1-30", PRUNE_KEEP, "newer than 2h");
	/* Exactly as old as the window is not newer than it. */
	expect("h2", PRUNE_DELETE, "older than the 1 newest ready and than 2h");
	expect("h3", PRUNE_DELETE, NULL);
}

/* Both rules keep: --keep-last wins inside the window's old end, --keep-within
 * beyond the count. */
static void test_keep_within_with_keep_last(void **state)
{
	(void)state;
	fx.policy.keep_last = 3;
	fx.policy.keep_within_ms = 7LL * DAY * 1000;
	fx.snaps = array(managed("d1", "a", 1 * DAY, READY), managed("d2", "a", 2 * DAY, READY),
			 managed("d3", "a", 3 * DAY, READY), managed("d5", "a", 5 * DAY, READY),
			 managed("d8", "a", 8 * DAY, READY), managed("d9", "a", 9 * DAY, READY));
	run();
	expect("d1", PRUNE_KEEP, "newest ready");
	expect("d3", PRUNE_KEEP, "one of the 3 newest");
	expect("d5", PRUNE_KEEP, "newer than 7d");
	expect("d8", PRUNE_DELETE, "and than 7d");
	expect("d9", PRUNE_DELETE, NULL);
	/* keep-last reaching past the window. */
	prune_plan_clear(&fx.plan);
	fx.policy.keep_last = 5;
	fx.policy.keep_within_ms = 1LL * DAY * 1000;
	run();
	expect("d8", PRUNE_KEEP, "one of the 5 newest");
	expect("d9", PRUNE_DELETE, "and than 1d");
}

/* The window is named as the user wrote it, not rounded like an AGE. */
static void test_keep_within_reason_is_exact(void **state)
{
	(void)state;
	fx.policy.keep_within_ms = 90LL * 60 * 1000 + 1500;
	fx.snaps = array(managed("new", "a", 60, READY), managed("mid", "a", HOUR, READY),
			 managed("old", "a", 2 * HOUR, READY));
	run();
	expect("mid", PRUNE_KEEP, "newer than 1h30m1s500ms");
	expect("old", PRUNE_DELETE, "and than 1h30m1s500ms");
}

/* A clock ahead of ours makes a snapshot look younger than zero: kept. */
static void test_future_timestamp_within_window(void **state)
{
	(void)state;
	fx.policy.keep_within_ms = 1000;
	fx.snaps = array(managed("now", "a", 0, READY), managed("future", "a", 0, READY));
	char *ts = stamp(NOW + HOUR);
	jset(json_object_array_get_idx(fx.snaps, 1), "metadata.creationTimestamp", json_object_new_string(ts));
	free(ts);
	run();
	expect("future", PRUNE_KEEP, "newest ready");
	expect("now", PRUNE_KEEP, "newer than");
}

static void test_pending_restore_protects(void **state)
{
	(void)state;
	fx.snaps = array(managed("src-old", "a", 3 * DAY, READY), managed("src-mid", "a", 2 * DAY, READY),
			 managed("src-new", "a", 1 * DAY, READY));
	fx.pvcs = array(pvc_obj("default", "restoring", "Pending", "spec.dataSource", "src-old"),
			pvc_obj("default", "restored", "Bound", "spec.dataSource", "src-mid"));
	run();
	expect("src-old", PRUNE_KEEP, "data source of PVC restoring, which is not yet Bound");
	expect("src-mid", PRUNE_DELETE, NULL);
	expect("src-new", PRUNE_KEEP, "newest ready");
}

static void test_restore_protection_variants(void **state)
{
	(void)state;
	json_object *other_kind = pvc_obj("default", "clone", "Pending", "spec.dataSource", "s-kind");
	jset(other_kind, "spec.dataSource.kind", json_object_new_string("PersistentVolumeClaim"));
	json_object *other_group = pvc_obj("default", "grp", "Pending", "spec.dataSource", "s-group");
	jset(other_group, "spec.dataSource.apiGroup", json_object_new_string("example.com"));
	json_object *cross = pvc_obj("elsewhere", "x", "Pending", "spec.dataSourceRef", "s-cross");
	jset(cross, "spec.dataSourceRef.namespace", json_object_new_string("default"));
	fx.pvcs = array(pvc_obj("default", "ref", "Pending", "spec.dataSourceRef", "s-ref"),
			pvc_obj("default", "nophase", NULL, "spec.dataSource", "s-nophase"),
			pvc_obj("default", "lost", "Lost", "spec.dataSource", "s-lost"),
			pvc_obj("other", "otherns", "Pending", "spec.dataSource", "s-otherns"), other_kind, other_group,
			cross);
	fx.snaps = array(managed("newest", "a", 1 * HOUR, READY), managed("s-ref", "a", DAY, READY),
			 managed("s-nophase", "a", DAY, READY), managed("s-lost", "a", DAY, READY),
			 managed("s-otherns", "a", DAY, READY), managed("s-kind", "a", DAY, READY),
			 managed("s-group", "a", DAY, READY), managed("s-cross", "a", DAY, READY));
	run();
	expect("s-ref", PRUNE_KEEP, "PVC ref");
	expect("s-nophase", PRUNE_KEEP, "PVC nophase");
	expect("s-cross", PRUNE_KEEP, "PVC x");
	expect("s-lost", PRUNE_DELETE, NULL);
	expect("s-otherns", PRUNE_DELETE, NULL);
	expect("s-kind", PRUNE_DELETE, NULL);
	expect("s-group", PRUNE_DELETE, NULL);
}

/* A snapshot already being deleted is left alone and does not count: the
 * next ready one becomes the newest kept. */
static void test_being_deleted_skipped(void **state)
{
	(void)state;
	json_object *going = managed("going", "a", 1 * HOUR, READY);
	jset(going, "metadata.deletionTimestamp", json_object_new_string("2024-05-10T11:59:00Z"));
	fx.snaps = array(going, managed("next", "a", 1 * DAY, READY), managed("old", "a", 2 * DAY, READY));
	run();
	expect("going", PRUNE_SKIP, "already being deleted");
	expect("next", PRUNE_KEEP, "newest ready");
	expect("old", PRUNE_DELETE, NULL);
	assert_int_equal(fx.plan.n_skip, 1);
}

static void test_pre_provisioned_kept(void **state)
{
	(void)state;
	fx.snaps = array(managed("imported", NULL, 9 * DAY, READY), managed("imported-2", NULL, 8 * DAY, READY));
	run();
	expect("imported", PRUNE_KEEP, "no source PVC");
	expect("imported-2", PRUNE_KEEP, "no source PVC");
	assert_null(find("imported")->pvc);
}

static void test_item_fields(void **state)
{
	(void)state;
	fx.snaps = array(managed("s", "a", DAY, READY));
	run();
	const struct prune_item *it = find("s");
	assert_string_equal(it->uid, "uid-default-s");
	assert_string_equal(it->resource_version, "42");
	assert_string_equal(it->pvc, "a");
	assert_true(it->has_created_at);
	assert_int_equal(it->created_at, NOW - DAY);
	assert_string_equal(it->created, "2024-05-09T12:00:00Z");
	assert_true(it->ready && it->managed && !it->deleting);
}

/* prune adds each page's items as they arrive and drops the page: the plan
 * must hold its own copies of everything the rules read. */
static void test_items_outlive_their_objects(void **state)
{
	(void)state;
	json_object *snaps = array(managed("old", "a", 3 * DAY, READY), managed("new", "a", DAY, READY));
	memset(&fx.plan, 0, sizeof fx.plan);
	for (size_t i = 0; i < json_object_array_length(snaps); i++)
		prune_plan_add(&fx.plan, json_object_array_get_idx(snaps, i));
	json_object_put(snaps);
	prune_plan_decide(&fx.plan, NULL, NOW, &fx.policy);
	assert_int_equal(fx.plan.n, 2);
	assert_string_equal(find("new")->reason, "newest ready snapshot");
	assert_int_equal(find("old")->action, PRUNE_DELETE);
	assert_string_equal(find("old")->uid, "uid-default-old");
}

static void test_restoring_pvc_direct(void **state)
{
	(void)state;
	fx.pvcs = array(pvc_obj("default", "p", "Pending", "spec.dataSource", "s"),
			pvc_obj("default", "q", NULL, NULL, NULL));
	const char *who = NULL;
	assert_true(snapshot_restoring_pvc(fx.pvcs, "default", "s", &who));
	assert_string_equal(who, "p");
	assert_false(snapshot_restoring_pvc(fx.pvcs, "default", "t", &who));
	assert_false(snapshot_restoring_pvc(fx.pvcs, "other", "s", NULL));
	assert_false(snapshot_restoring_pvc(NULL, "default", "s", NULL));
}

/* PVCs read again before deleting: a deletion whose snapshot is now the data
 * source of a PVC not yet Bound turns SKIP; keeps, skips and Bound restores
 * are left as they were. */
static void test_recheck_drops_new_restore_sources(void **state)
{
	(void)state;
	fx.snaps = array(managed("s1", "a", 4 * DAY, READY), managed("s2", "a", 3 * DAY, READY),
			 managed("s3", "a", 2 * DAY, READY), managed("s4", "a", 1 * DAY, READY));
	run();
	expect("s1", PRUNE_DELETE, NULL);
	expect("s2", PRUNE_DELETE, NULL);
	expect("s3", PRUNE_DELETE, NULL);
	json_object *cross = pvc_obj("elsewhere", "x", "Pending", "spec.dataSourceRef", "s3");
	jset(cross, "spec.dataSourceRef.namespace", json_object_new_string("default"));
	json_object *later = array(pvc_obj("default", "restore", "Pending", "spec.dataSource", "s1"),
				   pvc_obj("default", "done", "Bound", "spec.dataSource", "s2"), cross,
				   pvc_obj("default", "newest", NULL, "spec.dataSource", "s4"));
	assert_int_equal(prune_plan_recheck(&fx.plan, later), 2);
	expect("s1", PRUNE_SKIP, "now the data source of pending PVC default/restore: kept");
	assert_true(find("s1")->rechecked);
	expect("s3", PRUNE_SKIP, "now the data source of pending PVC elsewhere/x: kept");
	expect("s2", PRUNE_DELETE, NULL);
	assert_false(find("s2")->rechecked);
	expect("s4", PRUNE_KEEP, "newest ready");
	assert_false(find("s4")->rechecked);
	assert_int_equal(fx.plan.n_delete, 1);
	assert_int_equal(fx.plan.n_skip, 2);
	assert_int_equal(fx.plan.n_keep, 1);
	/* Nothing new the second time. */
	assert_int_equal(prune_plan_recheck(&fx.plan, later), 0);
	json_object_put(later);
}

static void test_recheck_without_pvcs_changes_nothing(void **state)
{
	(void)state;
	fx.snaps = array(managed("old", "a", 2 * DAY, READY), managed("new", "a", 1 * DAY, READY));
	run();
	json_object *none = json_object_new_array();
	assert_int_equal(prune_plan_recheck(&fx.plan, none), 0);
	assert_int_equal(prune_plan_recheck(&fx.plan, NULL), 0);
	json_object_put(none);
	expect("old", PRUNE_DELETE, NULL);
	assert_int_equal(fx.plan.n_delete, 1);
	struct prune_plan empty = {0};
	assert_int_equal(prune_plan_recheck(&empty, NULL), 0);
}

/* The whole plan as text: one line per item in the plan's order, then the counts. */
static char *plan_text(struct prune_plan *plan)
{
	struct strbuf sb = STRBUF_INIT;
	struct prune_item it;
	prune_plan_rewind(plan);
	while (prune_plan_next(plan, &it) > 0)
		strbuf_addf(&sb, "%s/%s %s %s %s%s\n", it.namespace, it.name, it.pvc ? it.pvc : "-",
			    prune_action_name(it.action), it.reason, it.rechecked ? " (rechecked)" : "");
	assert_null(plan->error);
	strbuf_addf(&sb, "keep %zu delete %zu skip %zu of %zu\n", plan->n_keep, plan->n_delete, plan->n_skip, plan->n);
	return strbuf_detach(&sb);
}

/* Many snapshots of mixed states over namespaces and PVCs, in no order. */
static json_object *many_snapshots(void)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < 1200; i++) {
		int k = (i * 7919) % 1200;
		char *ns = xasprintf("ns%d", k % 3), *name = xasprintf("s%04d", k), *pvc = xasprintf("p%d", k % 7);
		int state = k % 11 == 0 ? UNREADY : k % 13 == 0 ? NO_STATUS : READY;
		/* Every 50th of equal age: ties ordered by name. */
		json_object *o =
		    snap_obj(ns, name, k % 17 == 0 ? NULL : pvc, k % 50 ? (int64_t)k * HOUR : DAY, state, k % 19 != 0);
		if (k % 23 == 0)
			jset(o, "metadata.deletionTimestamp", json_object_new_string("2024-05-10T12:00:00Z"));
		json_object_array_add(a, o);
		free(ns);
		free(name);
		free(pvc);
	}
	return a;
}

/* A plan far over the budget goes through the temporary file: the same
 * decisions, order, counts and recheck as in memory. */
static void test_plan_through_the_temporary_file(void **state)
{
	(void)state;
	fx.snaps = many_snapshots();
	fx.pvcs = array(pvc_obj("ns1", "r", "Pending", "spec.dataSource", "s0256"));
	fx.policy.keep_last = 3;
	fx.policy.keep_within_ms = (int64_t)200 * HOUR * 1000;
	json_object *later = array(pvc_obj("ns2", "late", "Pending", "spec.dataSource", "s0251"),
				   pvc_obj("ns0", "late", NULL, "spec.dataSource", "s0252"));

	unsetenv("VOLSNAP_SPILL_BUDGET");
	run();
	assert_false(spill_spilled(fx.plan.decided));
	size_t turned = prune_plan_recheck(&fx.plan, later);
	char *in_memory = plan_text(&fx.plan);
	prune_plan_clear(&fx.plan);

	setenv("VOLSNAP_SPILL_BUDGET", "2000", 1);
	run();
	assert_true(spill_spilled(fx.plan.decided));
	assert_int_equal(prune_plan_recheck(&fx.plan, later), turned);
	char *spilled = plan_text(&fx.plan);
	unsetenv("VOLSNAP_SPILL_BUDGET");

	assert_true(turned > 0);
	assert_non_null(strstr(in_memory, "data source of PVC r, which is not yet Bound"));
	assert_string_equal(spilled, in_memory);
	free(in_memory);
	free(spilled);
	json_object_put(later);
}

/* The temporary file failing (RLIMIT_FSIZE, as a full disk) leaves an error
 * on the plan and nothing to read from it: prune acts on none of it. */
static void test_plan_temporary_file_failing(void **state)
{
	(void)state;
	struct rlimit old, small;
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 4000;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	fx.snaps = many_snapshots();
	setenv("VOLSNAP_SPILL_BUDGET", "2000", 1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	memset(&fx.plan, 0, sizeof fx.plan);
	for (size_t i = 0; i < json_object_array_length(fx.snaps); i++)
		prune_plan_add(&fx.plan, json_object_array_get_idx(fx.snaps, i));
	int rc = prune_plan_decide(&fx.plan, NULL, NOW, &fx.policy);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	unsetenv("VOLSNAP_SPILL_BUDGET");
	assert_int_equal(rc, -1);
	assert_non_null(strstr(fx.plan.error, "a temporary file: "));
	struct prune_item it;
	prune_plan_rewind(&fx.plan);
	assert_int_equal(prune_plan_next(&fx.plan, &it), -1);
	assert_int_equal(prune_plan_recheck(&fx.plan, NULL), 0);
}

static void test_action_names(void **state)
{
	(void)state;
	assert_string_equal(prune_action_name(PRUNE_KEEP), "KEEP");
	assert_string_equal(prune_action_name(PRUNE_DELETE), "DELETE");
	assert_string_equal(prune_action_name(PRUNE_SKIP), "SKIP");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_empty_and_not_an_array),
	    T(test_keep_last_one_deletes_older_ready),
	    T(test_keep_last_n),
	    T(test_keep_last_more_than_exist),
	    T(test_keep_last_zero_or_negative_keeps_newest),
	    T(test_only_ready_count),
	    T(test_pvc_with_only_unready_snapshots),
	    T(test_failed_snapshot_kept),
	    T(test_unmanaged_skipped),
	    T(test_other_managed_by_value_is_unmanaged),
	    T(test_include_unmanaged),
	    T(test_pinned_kept),
	    T(test_grouped_by_pvc),
	    T(test_grouped_by_namespace),
	    T(test_plan_order),
	    T(test_timestamp_ties_ordered_by_name),
	    T(test_missing_or_bad_timestamp_kept),
	    T(test_keep_within),
	    T(test_keep_within_with_keep_last),
	    T(test_keep_within_reason_is_exact),
	    T(test_future_timestamp_within_window),
	    T(test_pending_restore_protects),
	    T(test_restore_protection_variants),
	    T(test_being_deleted_skipped),
	    T(test_pre_provisioned_kept),
	    T(test_item_fields),
	    T(test_items_outlive_their_objects),
	    T(test_restoring_pvc_direct),
	    T(test_recheck_drops_new_restore_sources),
	    T(test_recheck_without_pvcs_changes_nothing),
	    T(test_plan_through_the_temporary_file),
	    T(test_plan_temporary_file_failing),
	    T(test_action_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
