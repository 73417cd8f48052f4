/* replace/plan.c: the in-place restore's checks, consumers, steps, new PVC and
 * the recorded state, without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "replace/plan.h"
#include "util/json.h"

static json_object *J(const char *text)
{
	json_object *o = jparse(text, strlen(text));
	if (!o)
		fail_msg("bad fixture JSON: %s", text);
	return o;
}

static void assert_contains(const char *s, const char *needle)
{
	if (!s || !strstr(s, needle))
		fail_msg("\"%s\" does not contain \"%s\"", s ? s : "(null)", needle);
}

static void assert_list_contains(const struct strlist *l, const char *needle)
{
	for (size_t i = 0; i < l->n; i++)
		if (strstr(l->items[i], needle))
			return;
	fail_msg("no line contains \"%s\"", needle);
}

#define SNAP(src, ready)                                                                                               \
	"{\"metadata\":{\"name\":\"s1\",\"namespace\":\"shop\"},\"spec\":{\"volumeSnapshotClassName\":\"c\","          \
	"\"source\":{\"persistentVolumeClaimName\":\"" src "\"}},\"status\":{\"readyToUse\":" ready ","                \
	"\"boundVolumeSnapshotContentName\":\"sc1\",\"restoreSize\":\"2Gi\"}}"
#define CONTENT(driver, mode) "{\"spec\":{\"driver\":\"" driver "\",\"sourceVolumeMode\":\"" mode "\"}}"
#define PVC_ANN(size, ann)                                                                                             \
	"{\"metadata\":{\"name\":\"data\",\"namespace\":\"shop\",\"uid\":\"u-old\",\"labels\":{\"app\":\"db\"},"       \
	"\"annotations\":{\"team\":\"a\",\"pv.kubernetes.io/bind-completed\":\"yes\","                                 \
	"\"volume.beta.kubernetes.io/storage-provisioner\":\"d\",\"volume.kubernetes.io/storage-provisioner\":\"d\","  \
	"\"volume.kubernetes.io/selected-node\":\"node-1\"" ann "}},"                                                  \
	"\"spec\":{\"storageClassName\":\"fast\",\"accessModes\":[\"ReadWriteOnce\"],\"volumeName\":\"pv1\","          \
	"\"resources\":{\"requests\":{\"storage\":\"" size "\"}}},\"status\":{\"phase\":\"Bound\"}}"
#define PVC(size) PVC_ANN(size, "")
#define PV "{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}"
#define SC(prov, mode)                                                                                                 \
	"{\"metadata\":{\"name\":\"fast\"},\"provisioner\":\"" prov "\",\"volumeBindingMode\":\"" mode "\"}"
#define POD(name, owner, phase)                                                                                        \
	"{\"metadata\":{\"name\":\"" name "\"" owner "},\"spec\":{\"volumes\":[{\"name\":\"v\","                       \
	"\"persistentVolumeClaim\":{\"claimName\":\"data\"}}]},\"status\":{\"phase\":\"" phase "\"}}"
#define OWNED(kind, name) ",\"ownerReferences\":[{\"kind\":\"" kind "\",\"name\":\"" name "\",\"controller\":true}]"

struct fx {
	json_object *snap, *content, *pvc, *pv, *sc, *pods, *owners;
	struct replace_input in;
	struct replace_plan plan;
};

static void fx_init(struct fx *f, const char *snap, const char *pvc, const char *pods, const char *owners)
{
	memset(f, 0, sizeof *f);
	f->snap = J(snap);
	f->content = J(CONTENT("d", "Filesystem"));
	f->pvc = J(pvc);
	f->pv = J(PV);
	f->sc = J(SC("d", "Immediate"));
	f->pods = J(pods ? pods : "[]");
	f->owners = J(owners ? owners : "[]");
	f->in = (struct replace_input){.ns = "shop",
				       .pvc_name = "data",
				       .snapshot = f->snap,
				       .content = f->content,
				       .pvc = f->pvc,
				       .pv = f->pv,
				       .storage_class = f->sc,
				       .pods = f->pods,
				       .owners = f->owners,
				       .safety_name = "data-pre-restore-1"};
}

static void fx_clear(struct fx *f)
{
	replace_plan_clear(&f->plan);
	json_object_put(f->snap);
	json_object_put(f->content);
	json_object_put(f->pvc);
	json_object_put(f->pv);
	json_object_put(f->sc);
	json_object_put(f->pods);
	json_object_put(f->owners);
}

static unsigned bit(enum replace_step s)
{
	return 1u << s;
}

static void test_unused_pvc_plans_four_steps(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), "[" POD("done", "", "Succeeded") "]",
		NULL); /* finished: no user */
	replace_plan(&f.in, &f.plan);
	assert_null(f.plan.refusal);
	assert_int_equal(f.plan.state.planned,
			 bit(REPLACE_SAFETY) | bit(REPLACE_RETAIN) | bit(REPLACE_DELETE) | bit(REPLACE_CREATE));
	assert_int_equal(f.plan.state.done, 0);
	assert_string_equal(f.plan.state.old_reclaim, "Delete");
	assert_string_equal(f.plan.state.pv, "pv1");
	assert_string_equal(f.plan.state.pvc_uid, "u-old");
	assert_string_equal(f.plan.state.safety, "data-pre-restore-1");
	assert_int_equal(replace_next_step(&f.plan.state), REPLACE_SAFETY);
	char *steps = replace_steps_text(&f.plan.state, false);
	assert_contains(steps, "1. safety-snapshot: take safety snapshot data-pre-restore-1");
	assert_contains(steps, "2. retain: set PV pv1's reclaim policy Delete -> Retain");
	assert_contains(steps, "4. create: create PVC data from snapshot s1 (class fast, 2Gi, Filesystem)");
	free(steps);
	fx_clear(&f);
}

static void test_no_safety_snapshot(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), NULL, NULL);
	f.in.no_safety = true;
	replace_plan(&f.in, &f.plan);
	assert_null(f.plan.refusal);
	assert_null(f.plan.state.safety);
	assert_false(f.plan.state.planned & bit(REPLACE_SAFETY));
	assert_int_equal(replace_next_step(&f.plan.state), REPLACE_RETAIN);
	fx_clear(&f);
}

static void test_new_pvc(void **state)
{
	(void)state;
	json_object *pvc = J(PVC("1Gi")), *snap = J(SNAP("data", "true"));
	char *why = NULL;
	json_object *n = replace_new_pvc(pvc, snap, NULL, &why);
	assert_non_null(n);
	assert_null(why);
	assert_string_equal(jstr(n, "metadata.name"), "data");
	assert_string_equal(jstr(n, "spec.storageClassName"), "fast");
	assert_string_equal(jstr(n, "spec.volumeMode"), "Filesystem");
	assert_string_equal(jstr(n, "spec.resources.requests.storage"), "2Gi"); /* never below restoreSize */
	assert_string_equal(jstr(n, "spec.dataSource.name"), "s1");
	assert_string_equal(jstr(n, "spec.dataSource.kind"), "VolumeSnapshot");
	assert_null(jget(n, "spec.volumeName"));
	assert_string_equal(replace_meta(n, "annotations", "team"), "a");
	assert_string_equal(replace_meta(n, "annotations", "volume.kubernetes.io/selected-node"), "node-1");
	assert_null(replace_meta(n, "annotations", "pv.kubernetes.io/bind-completed"));
	assert_null(replace_meta(n, "annotations", "volume.beta.kubernetes.io/storage-provisioner"));
	assert_null(replace_meta(n, "annotations", "volume.kubernetes.io/storage-provisioner"));
	assert_string_equal(replace_meta(n, "labels", "app"), "db");
	assert_string_equal(replace_meta(n, "labels", "volsnap.io/restored-from"), "s1");
	json_object_put(n);
	json_object_put(pvc);
	/* A bigger PVC keeps its size. */
	pvc = J(PVC("5Gi"));
	n = replace_new_pvc(pvc, snap, NULL, &why);
	assert_string_equal(jstr(n, "spec.resources.requests.storage"), "5Gi");
	json_object_put(n);
	json_object_put(pvc);
	json_object_put(snap);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *snap, *pvc, *content, *sc, *want;
	} cases[] = {
	    {SNAP("data", "false"), PVC("1Gi"), NULL, NULL, "is not ready to use"},
	    {SNAP("other", "true"), PVC("1Gi"), NULL, NULL,
	     "snapshot s1 was taken of PVC other, not data; pass --force"},
	    {SNAP("data", "true"), PVC("1Gi"), CONTENT("e", "Filesystem"), NULL,
	     "StorageClass fast of PVC data provisions with d but snapshot s1 was cut by e"},
	    {SNAP("data", "true"), PVC("1Gi"), CONTENT("d", "Block"), NULL,
	     "snapshot s1 holds a Block volume but PVC data is Filesystem"},
	    {SNAP("data", "true"),
	     "{\"metadata\":{\"name\":\"data\",\"uid\":\"u\"},\"spec\":{},\"status\":{\"phase\":\"Pending\"}}", NULL,
	     NULL, "is not Bound to a PV"},
	    {SNAP("data", "true"),
	     PVC_ANN("1Gi",
		     ",\"volsnap.io/replace-state\":\"{\\\"version\\\":1,\\\"namespace\\\":\\\"shop\\\","
		     "\\\"pvc\\\":\\\"data\\\",\\\"pvcUID\\\":\\\"u-old\\\",\\\"snapshot\\\":\\\"s0\\\","
		     "\\\"pv\\\":\\\"pv1\\\",\\\"oldReclaimPolicy\\\":\\\"Delete\\\",\\\"steps\\\":[\\\"retain\\\","
		     "\\\"delete\\\"],\\\"done\\\":[\\\"retain\\\"],\\\"newPVC\\\":{}}\""),
	     NULL, NULL,
	     "a replace of PVC shop/data from snapshot s0 is in progress (done: retain); continue it with --resume"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fx f;
		fx_init(&f, cases[i].snap, cases[i].pvc, NULL, NULL);
		if (cases[i].content) {
			json_object_put(f.content);
			f.in.content = f.content = J(cases[i].content);
		}
		replace_plan(&f.in, &f.plan);
		assert_contains(f.plan.refusal, cases[i].want);
		assert_contains(f.plan.refusal, "nothing was changed");
		fx_clear(&f);
	}
}

static void test_other_pvc_snapshot_with_force(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("other", "true"), PVC("1Gi"), NULL, NULL);
	f.in.force = true;
	replace_plan(&f.in, &f.plan);
	assert_null(f.plan.refusal);
	assert_list_contains(&f.plan.notes, "warning: snapshot s1 was taken of PVC other");
	assert_list_contains(&f.plan.notes,
			     "the new PVC requests 2Gi, the snapshot's restoreSize, more than the old PVC's 1Gi");
	fx_clear(&f);
}

#define RS "{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\"" OWNED("Deployment", "web") "}}"
#define DEPLOY "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":3}}"

static void test_in_use_needs_scale_down(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), "[" POD("web-1-a", OWNED("ReplicaSet", "web-1"), "Pending") "]",
		"[" RS "," DEPLOY "]");
	replace_plan(&f.in, &f.plan);
	assert_contains(f.plan.refusal, "PVC shop/data is in use by pod web-1-a; pass --scale-down");
	fx_clear(&f);
}

static void test_deployment_through_replicaset(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"),
		"[" POD("web-1-a", OWNED("ReplicaSet", "web-1"),
			"Running") "," POD("web-1-b", OWNED("ReplicaSet", "web-1"), "Pending") "]",
		"[" RS "," DEPLOY "]");
	f.in.scale_down = true;
	replace_plan(&f.in, &f.plan);
	assert_null(f.plan.refusal);
	assert_int_equal(f.plan.state.n_owners, 1); /* one Deployment for both pods */
	assert_string_equal(f.plan.state.owners[0].kind, "Deployment");
	assert_string_equal(f.plan.state.owners[0].name, "web");
	assert_int_equal(f.plan.state.owners[0].replicas, 3);
	assert_true(f.plan.state.planned & bit(REPLACE_SCALE_DOWN));
	assert_true(f.plan.state.planned & bit(REPLACE_SCALE_UP));
	char *steps = replace_steps_text(&f.plan.state, false);
	assert_contains(steps, "3. scale-down: record replicas on the PVC, scale Deployment web 3 -> 0");
	assert_contains(steps, "6. scale-up: scale Deployment web back to 3");
	free(steps);
	fx_clear(&f);
}

static void test_statefulset_when_scaled_delete(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), "[" POD("db-0", OWNED("StatefulSet", "db"), "Pending") "]",
		"[{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\"},\"spec\":{\"replicas\":2,"
		"\"persistentVolumeClaimRetentionPolicy\":{\"whenScaled\":\"Delete\"}}}]");
	f.in.scale_down = true;
	replace_plan(&f.in, &f.plan);
	assert_null(f.plan.refusal);
	assert_string_equal(f.plan.state.owners[0].kind, "StatefulSet");
	assert_int_equal(f.plan.state.owners[0].replicas, 2);
	assert_list_contains(&f.plan.notes, "whenScaled: Delete): the PV is set to Retain before");
	fx_clear(&f);
}

static void test_unscalable_consumers_need_force(void **state)
{
	(void)state;
	static const char *const pods[] = {
	    "[" POD("lonely", "", "Running") "]",
	    "[" POD("agent-x", OWNED("DaemonSet", "agent"), "Running") "]",
	};
	static const char *const want[] = {"pod lonely is a bare pod", "pod agent-x is run by DaemonSet agent"};
	for (size_t i = 0; i < 2; i++) {
		struct fx f;
		fx_init(&f, SNAP("data", "true"), PVC("1Gi"), pods[i], NULL);
		f.in.scale_down = true;
		replace_plan(&f.in, &f.plan);
		assert_contains(f.plan.refusal, want[i]);
		assert_contains(f.plan.refusal, "pass --force");
		replace_plan_clear(&f.plan);
		f.in.force = true;
		replace_plan(&f.in, &f.plan);
		assert_null(f.plan.refusal);
		assert_int_equal(f.plan.waits.n, 1);
		assert_true(f.plan.state.planned & bit(REPLACE_SCALE_DOWN));
		assert_false(f.plan.state.planned & bit(REPLACE_SCALE_UP));
		fx_clear(&f);
	}
}

static void test_unreadable_owner_refuses(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), "[" POD("web-1-a", OWNED("ReplicaSet", "web-1"), "Running") "]",
		NULL);
	f.in.scale_down = true;
	replace_plan(&f.in, &f.plan);
	assert_contains(f.plan.refusal, "pod web-1-a is run by ReplicaSet web-1, which could not be read");
	fx_clear(&f);
}

static void test_state_round_trip(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP("data", "true"), PVC("1Gi"), "[" POD("db-0", OWNED("StatefulSet", "db"), "Pending") "]",
		"[{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\"},\"spec\":{\"replicas\":2}}]");
	f.in.scale_down = true;
	replace_plan(&f.in, &f.plan);
	f.plan.state.done = bit(REPLACE_SAFETY) | bit(REPLACE_RETAIN);
	char *text = replace_state_format(&f.plan.state), *why = NULL;
	struct replace_state back;
	assert_true(replace_state_parse(text, &back, &why));
	assert_null(why);
	assert_int_equal(back.planned, f.plan.state.planned);
	assert_int_equal(back.done, f.plan.state.done);
	assert_string_equal(back.pv, "pv1");
	assert_string_equal(back.old_reclaim, "Delete");
	assert_string_equal(back.safety, "data-pre-restore-1");
	assert_int_equal(back.n_owners, 1);
	assert_string_equal(back.owners[0].name, "db");
	assert_int_equal(back.owners[0].replicas, 2);
	assert_string_equal(jstr(back.new_pvc, "spec.dataSource.name"), "s1");
	assert_int_equal(replace_next_step(&back), REPLACE_SCALE_DOWN);
	char *done = replace_done_text(&back);
	assert_string_equal(done, "safety-snapshot, retain");
	free(done);
	back.done = back.planned;
	assert_true(replace_state_complete(&back));
	replace_state_clear(&back);
	free(text);
	fx_clear(&f);

	static const char *const bad[] = {
	    "", "[]", "{\"version\":2}", "{\"version\":1,\"pvc\":\"x\"}",
	    "{\"version\":1,\"namespace\":\"n\",\"pvc\":\"p\",\"pvcUID\":\"u\",\"snapshot\":"
	    "\"s\",\"pv\":\"v\",\"oldReclaimPolicy\":\"Delete\",\"newPVC\":{},\"steps\":["
	    "\"explode\"],\"done\":[]}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(replace_state_parse(bad[i], &back, &why));
		assert_non_null(why);
		free(why);
	}
}

static void test_steps_names(void **state)
{
	(void)state;
	for (int i = 0; i < REPLACE_NSTEPS; i++)
		assert_int_equal(replace_step_parse(replace_step_name((enum replace_step)i)), i);
	assert_int_equal(replace_step_parse("nope"), REPLACE_NSTEPS);
	assert_int_equal(replace_step_parse(NULL), REPLACE_NSTEPS);
}

static void test_pod_uses(void **state)
{
	(void)state;
	json_object *running = J(POD("a", "", "Running")), *failed = J(POD("b", "", "Failed"));
	assert_true(replace_pod_uses(running, "data"));
	assert_false(replace_pod_uses(running, "other"));
	assert_false(replace_pod_uses(failed, "data"));
	json_object_put(running);
	json_object_put(failed);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_unused_pvc_plans_four_steps),
	    T(test_no_safety_snapshot),
	    T(test_new_pvc),
	    T(test_refusals),
	    T(test_other_pvc_snapshot_with_force),
	    T(test_in_use_needs_scale_down),
	    T(test_deployment_through_replicaset),
	    T(test_statefulset_when_scaled_delete),
	    T(test_unscalable_consumers_need_force),
	    T(test_unreadable_owner_refuses),
	    T(test_state_round_trip),
	    T(test_steps_names),
	    T(test_pod_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
