/* snap.c: naming, labels, the checks before a snapshot is taken, class
 * resolution and the verdict on why a snapshot is (not) ready. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snap/snap.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/strlist.h"
#include "util/xalloc.h"

/* 2024-05-10T12:00:00Z */
#define NOW 1715342400

static json_object *J(const char *text)
{
	json_object *o = jparse(text, strlen(text));
	assert_non_null(o);
	return o;
}

static void assert_contains(const char *s, const char *needle)
{
	if (!s || !strstr(s, needle))
		fail_msg("\"%s\" does not contain \"%s\"", s ? s : "(null)", needle);
}

/* ---- names ------------------------------------------------------------- */

static void test_default_name_utc(void **state)
{
	(void)state;
	char *n = snap_default_name("data-db-0", NOW);
	assert_string_equal(n, "data-db-0-20240510120000");
	assert_true(snap_valid_name(n));
	free(n);
}

static void test_default_name_long_pvc(void **state)
{
	(void)state;
	char pvc[254];
	memset(pvc, 'a', 253);
	pvc[253] = '\0';
	char *n = snap_default_name(pvc, NOW);
	assert_int_equal(strlen(n), 253);
	assert_true(snap_valid_name(n));
	assert_string_equal(n + 238, "-20240510120000");
	free(n);
}

static void test_default_name_cut_on_separator(void **state)
{
	(void)state;
	/* The cut at 238 lands right after a '.', which must not precede '-'. */
	char pvc[254];
	memset(pvc, 'b', 253);
	pvc[253] = '\0';
	pvc[237] = '.';
	pvc[236] = '-';
	char *n = snap_default_name(pvc, NOW);
	assert_true(snap_valid_name(n));
	assert_string_equal(n + 236, "-20240510120000");
	free(n);
}

static void test_unique_name(void **state)
{
	(void)state;
	char *a = snap_unique_name("data-db-0", NOW, 0), *b = snap_unique_name("data-db-0", NOW, 123456789);
	assert_string_equal(a, "data-db-0-20240510120000-bbbbb");
	assert_int_equal(strlen(b), strlen(a));
	assert_string_not_equal(a, b);
	assert_true(snap_valid_name(b));
	free(a);
	free(b);
	char pvc[254];
	memset(pvc, 'a', 253);
	pvc[253] = '\0';
	char *n = snap_unique_name(pvc, NOW, 42);
	assert_int_equal(strlen(n), 253);
	assert_true(snap_valid_name(n));
	assert_memory_equal(n + 232, "-20240510120000-", 16);
	free(n);
}

static void test_valid_name(void **state)
{
	(void)state;
	const char *good[] = {"a", "snap-1", "a.b-c", "0abc", "x.y.z"};
	const char *bad[] = {"", "A", "-a", "a-", "a..b", "a.-b", "a_b", "a b", ".a", "a."};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert_true(snap_valid_name(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (snap_valid_name(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
	assert_false(snap_valid_name(NULL));
	char long_name[255];
	memset(long_name, 'a', 254);
	long_name[254] = '\0';
	assert_false(snap_valid_name(long_name));
}

/* ---- labels ------------------------------------------------------------ */

static void test_parse_label(void **state)
{
	(void)state;
	char *k = NULL, *v = NULL, *why = NULL;
	assert_true(snap_parse_label("team=db", &k, &v, &why));
	assert_string_equal(k, "team");
	assert_string_equal(v, "db");
	free(k);
	free(v);
	assert_true(snap_parse_label("example.com/tier=", &k, &v, &why));
	assert_string_equal(k, "example.com/tier");
	assert_string_equal(v, "");
	free(k);
	free(v);
}

static void test_parse_label_refusals(void **state)
{
	(void)state;
	const char *bad[] = {"novalue",
			     "=x",
			     "a b=c",
			     "k=-bad",
			     "Bad_Prefix/k=v",
			     "k=has space",
			     SNAP_LABEL_MANAGED_BY "=me",
			     SNAP_LABEL_PVC "=other"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *k = NULL, *v = NULL, *why = NULL;
		if (snap_parse_label(bad[i], &k, &v, &why))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(why);
		free(why);
	}
	char long_value[80];
	memset(long_value, 'v', sizeof long_value - 1);
	long_value[sizeof long_value - 1] = '\0';
	assert_false(snap_valid_label_value(long_value));
	assert_true(snap_valid_label_value(""));
}

/* ---- manifest ---------------------------------------------------------- */

static void test_manifest(void **state)
{
	(void)state;
	struct snap_api api;
	struct strlist labels = STRLIST_INIT;
	strlist_push(&labels, "team=db");
	snap_api_set(&api, "v1beta1");
	json_object *m = snap_manifest(&api, "shop", "s1", "data", "gold", &labels);
	assert_string_equal(jstr(m, "apiVersion"), "snapshot.storage.k8s.io/v1beta1");
	assert_string_equal(jstr(m, "kind"), "VolumeSnapshot");
	assert_string_equal(jstr(m, "metadata.namespace"), "shop");
	assert_string_equal(jstr(m, "spec.volumeSnapshotClassName"), "gold");
	assert_string_equal(jstr(m, "spec.source.persistentVolumeClaimName"), "data");
	json_object *l = jget(m, "metadata.labels"), *v = NULL;
	assert_true(json_object_object_get_ex(l, SNAP_LABEL_MANAGED_BY, &v));
	assert_string_equal(json_object_get_string(v), SNAP_MANAGED_BY);
	assert_true(json_object_object_get_ex(l, SNAP_LABEL_PVC, &v));
	assert_string_equal(json_object_get_string(v), "data");
	assert_true(json_object_object_get_ex(l, "team", &v));
	json_object_put(m);

	/* No class: the controller picks the default. A PVC name too long for a
	 * label value is only in spec.source. */
	char pvc[100];
	memset(pvc, 'p', sizeof pvc - 1);
	pvc[sizeof pvc - 1] = '\0';
	m = snap_manifest(&api, "shop", "s2", pvc, NULL, NULL);
	assert_null(jget(m, "spec.volumeSnapshotClassName"));
	assert_false(json_object_object_get_ex(jget(m, "metadata.labels"), SNAP_LABEL_PVC, NULL));
	assert_string_equal(jstr(m, "spec.source.persistentVolumeClaimName"), pvc);
	json_object_put(m);
	snap_api_clear(&api);
	strlist_clear(&labels);
}

/* ---- the source -------------------------------------------------------- */

#define PVC_BOUND                                                                                                      \
	"{\"metadata\":{\"name\":\"data\",\"namespace\":\"shop\"},\"spec\":{\"volumeName\":\"pv1\"},"                  \
	"\"status\":{\"phase\":\"Bound\"}}"
#define PV_CSI                                                                                                         \
	"{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"claimRef\":{\"name\":\"data\",\"namespace\":\"shop\"},"          \
	"\"csi\":{\"driver\":\"hostpath.csi.k8s.io\",\"volumeHandle\":\"h\"}}}"

static void test_source_csi(void **state)
{
	(void)state;
	json_object *pvc = J(PVC_BOUND), *pv = J(PV_CSI);
	char *why = NULL;
	assert_string_equal(snap_source_driver(pvc, pv, &why), "hostpath.csi.k8s.io");
	assert_null(why);
	json_object_put(pvc);
	json_object_put(pv);
}

static void test_source_unbound(void **state)
{
	(void)state;
	json_object *pvc =
	    J("{\"metadata\":{\"name\":\"data\",\"namespace\":\"shop\"},\"status\":{\"phase\":\"Pending\"}}");
	char *why = NULL;
	assert_null(snap_source_driver(pvc, NULL, &why));
	assert_contains(why, "Pending, not Bound");
	assert_contains(why, "never retries");
	assert_contains(why, "--wait-bound");
	free(why);
	json_object_put(pvc);
}

/* A Lost PVC still names its volume; the phase alone refuses it, with or
 * without the volume (RBAC may hide it). */
static void test_source_lost(void **state)
{
	(void)state;
	json_object *pvc = J("{\"metadata\":{\"name\":\"data\",\"namespace\":\"shop\"},"
			     "\"spec\":{\"volumeName\":\"pv1\"},\"status\":{\"phase\":\"Lost\"}}");
	json_object *bound = J(PVC_BOUND), *pv = J(PV_CSI);
	char *why = snap_pvc_unbound(pvc);
	assert_contains(why, "PVC shop/data is Lost, not Bound");
	free(why);
	assert_null(snap_source_driver(pvc, pv, &why));
	assert_contains(why, "Lost, not Bound");
	free(why);
	assert_null(snap_pvc_unbound(bound));
	json_object_put(pvc);
	json_object_put(bound);
	json_object_put(pv);
}

static void test_source_in_tree(void **state)
{
	(void)state;
	json_object *pvc = J(PVC_BOUND);
	json_object *pv = J("{\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},\"claimRef\":{\"name\":\"data\","
			    "\"namespace\":\"shop\"},\"awsElasticBlockStore\":{\"volumeID\":\"vol-1\"}}}");
	char *why = NULL;
	assert_null(snap_source_driver(pvc, pv, &why));
	assert_contains(why, "in-tree awsElasticBlockStore volume, not CSI");
	free(why);
	json_object_put(pvc);
	json_object_put(pv);
}

static void test_source_claim_ref_elsewhere(void **state)
{
	(void)state;
	json_object *pvc = J(PVC_BOUND);
	json_object *pv = J("{\"spec\":{\"claimRef\":{\"name\":\"other\",\"namespace\":\"shop\"},"
			    "\"csi\":{\"driver\":\"d\"}}}");
	char *why = NULL;
	assert_null(snap_source_driver(pvc, pv, &why));
	assert_contains(why, "does not point back");
	free(why);
	assert_null(snap_source_driver(pvc, NULL, &why));
	assert_contains(why, "not found");
	free(why);
	json_object_put(pvc);
	json_object_put(pv);
}

/* ---- class resolution -------------------------------------------------- */

#define CLASS(name, driver, dflt)                                                                                      \
	"{\"metadata\":{\"name\":\"" name "\"" dflt "},\"driver\":\"" driver "\",\"deletionPolicy\":\"Delete\"}"
#define DEFAULT ",\"annotations\":{\"snapshot.storage.kubernetes.io/is-default-class\":\"true\"}"
#define NOT_DEFAULT ",\"annotations\":{\"snapshot.storage.kubernetes.io/is-default-class\":\"false\"}"

static void test_class_one_default(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("other", "ebs.csi.aws.com", DEFAULT) "," CLASS(
	    "plain", "d.csi", "") "," CLASS("gold", "d.csi", DEFAULT) "]");
	char *why = NULL;
	json_object *c = snap_resolve_class(classes, "d.csi", NULL, &why);
	assert_non_null(c);
	assert_string_equal(jstr(c, "metadata.name"), "gold");
	assert_null(why);
	json_object_put(classes);
}

static void test_class_given(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("plain", "d.csi", "") "," CLASS("gold", "d.csi", DEFAULT) "]");
	char *why = NULL;
	json_object *c = snap_resolve_class(classes, "d.csi", "plain", &why);
	assert_non_null(c);
	assert_string_equal(jstr(c, "metadata.name"), "plain");
	json_object_put(classes);
}

static void test_class_given_other_driver(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("ebs", "ebs.csi.aws.com", DEFAULT) "," CLASS("gold", "d.csi", DEFAULT) "]");
	char *why = NULL;
	assert_null(snap_resolve_class(classes, "d.csi", "ebs", &why));
	assert_contains(why, "\"ebs\" is for driver ebs.csi.aws.com");
	assert_contains(why, "gold");
	free(why);
	json_object_put(classes);
}

static void test_class_given_missing(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("gold", "d.csi", DEFAULT) "]");
	char *why = NULL;
	assert_null(snap_resolve_class(classes, "d.csi", "silver", &why));
	assert_contains(why, "\"silver\" not found");
	assert_contains(why, "gold");
	free(why);
	json_object_put(classes);
}

static void test_class_several_defaults(void **state)
{
	(void)state;
	json_object *classes =
	    J("[" CLASS("a", "d.csi", DEFAULT) "," CLASS("b", "d.csi", DEFAULT) "," CLASS("c", "d.csi", "") "]");
	char *why = NULL;
	assert_null(snap_resolve_class(classes, "d.csi", NULL, &why));
	assert_contains(why, "2 VolumeSnapshotClasses are default");
	assert_contains(why, "(a, b)");
	assert_contains(why, "kubectl annotate volumesnapshotclass");
	assert_contains(why, "is-default-class-");
	free(why);
	json_object_put(classes);
}

static void test_class_no_default(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("a", "d.csi", NOT_DEFAULT) "," CLASS("b", "d.csi", "") "]");
	char *why = NULL;
	assert_null(snap_resolve_class(classes, "d.csi", NULL, &why));
	assert_contains(why, "no default VolumeSnapshotClass for driver d.csi (classes for it: a, b)");
	assert_contains(why, "is-default-class=true");
	free(why);
	json_object_put(classes);
}

static void test_class_none_for_driver(void **state)
{
	(void)state;
	json_object *classes = J("[" CLASS("ebs", "ebs.csi.aws.com", DEFAULT) "]");
	char *why = NULL;
	assert_null(snap_resolve_class(classes, "d.csi", NULL, &why));
	assert_contains(why, "no VolumeSnapshotClass for driver d.csi");
	assert_contains(why, "ebs (ebs.csi.aws.com)");
	free(why);
	json_object_put(classes);

	classes = J("[]");
	assert_null(snap_resolve_class(classes, "d.csi", NULL, &why));
	assert_contains(why, "classes: none");
	free(why);
	json_object_put(classes);
	assert_null(snap_resolve_class(NULL, "d.csi", NULL, &why));
	free(why);
}

/* ---- state and verdict ------------------------------------------------- */

static void test_ready_and_error_message(void **state)
{
	(void)state;
	json_object *ready = J("{\"status\":{\"readyToUse\":true}}");
	json_object *none = J("{\"metadata\":{\"name\":\"s\"}}");
	json_object *err = J("{\"status\":{\"readyToUse\":false,\"error\":{\"message\":\"boom\"}}}");
	json_object *bound = J("{\"status\":{\"readyToUse\":false,\"boundVolumeSnapshotContentName\":\"c\"}}");
	assert_true(snap_is_ready(ready));
	assert_null(snap_error_message(ready));
	assert_false(snap_is_ready(none));
	assert_string_equal(snap_error_message(none), "waiting for the snapshot controller");
	assert_string_equal(snap_error_message(err), "boom");
	assert_contains(snap_error_message(bound), "CSI driver");
	json_object_put(ready);
	json_object_put(none);
	json_object_put(err);
	json_object_put(bound);
}

static void test_latest_warning(void **state)
{
	(void)state;
	json_object *events =
	    J("[{\"type\":\"Warning\",\"message\":\"old\",\"lastTimestamp\":\"2024-05-10T11:00:00Z\"},"
	      "{\"type\":\"Normal\",\"message\":\"n\",\"lastTimestamp\":\"2024-05-10T11:59:00Z\"},"
	      "{\"type\":\"Warning\",\"message\":\"new\",\"eventTime\":\"2024-05-10T11:30:00.000001Z\"},"
	      "{\"type\":\"Warning\",\"message\":\"older\",\"lastTimestamp\":\"2024-05-10T10:00:00Z\"}]");
	assert_string_equal(jstr(snap_latest_warning(events), "message"), "new");
	assert_null(snap_latest_warning(NULL));
	json_object_put(events);
}

static char *verdict_of(const char *snap, const char *content, const char *events, const char *pvc)
{
	struct snap_facts f = {.snapshot = J(snap),
			       .content = content ? J(content) : NULL,
			       .snap_events = events ? J(events) : NULL,
			       .pvc = pvc ? J(pvc) : NULL,
			       .now = NOW};
	struct snap_verdict v = {0};
	snap_verdict(&f, &v);
	json_object_put(f.snapshot);
	json_object_put(f.content);
	json_object_put(f.snap_events);
	json_object_put(f.pvc);
	return v.text;
}

static void test_verdict_ready(void **state)
{
	(void)state;
	struct snap_facts f = {.snapshot = J("{\"status\":{\"readyToUse\":true}}"), .now = NOW};
	struct snap_verdict v = {0};
	snap_verdict(&f, &v);
	assert_true(v.ready);
	assert_string_equal(v.text, "ready to use");
	snap_verdict_clear(&v);
	json_object_put(f.snapshot);
}

static void test_verdict_driver_error(void **state)
{
	(void)state;
	char *t =
	    verdict_of("{\"status\":{\"readyToUse\":false,\"error\":{\"message\":\"rpc error: quota exceeded\"}}}",
		       NULL, NULL, NULL);
	/* Not only the error: what to do about it. */
	assert_contains(t, "not ready: rpc error: quota exceeded; fix the cause");
	assert_contains(t, "delete this snapshot and take a new one");
	free(t);
	t = verdict_of("{\"status\":{\"error\":{\"message\":\"rpc error: code = ResourceExhausted desc = quota\"}}}",
		       NULL, NULL, NULL);
	assert_contains(t, "not ready: a quota or limit at the storage provider is reached");
	assert_contains(t, "kubectl volsnap prune");
	free(t);
	t = verdict_of("{\"status\":{\"error\":{\"message\":\"rpc error: code = PermissionDenied desc = no\"}}}", NULL,
		       NULL, NULL);
	assert_contains(t, "snapshot rights");
	free(t);
}

static void test_verdict_unbound_event(void **state)
{
	(void)state;
	char *t =
	    verdict_of("{\"metadata\":{\"name\":\"s\"}}", NULL,
		       "[{\"type\":\"Warning\",\"reason\":\"SetDefaultSnapshotClassFailed\",\"message\":\"Failed to "
		       "set default snapshot class with error the PVC data is not yet bound to a PV, will not "
		       "attempt to take a snapshot\"}]",
		       NULL);
	assert_contains(t, "does not retry");
	assert_contains(t, "--wait-bound");
	free(t);
}

static void test_verdict_no_class(void **state)
{
	(void)state;
	char *t = verdict_of("{\"metadata\":{\"name\":\"s\"}}", NULL,
			     "[{\"type\":\"Warning\",\"message\":\"Failed to set default snapshot class with error "
			     "cannot find default snapshot class\"}]",
			     NULL);
	assert_contains(t, "no default VolumeSnapshotClass");
	free(t);
	t = verdict_of("{\"metadata\":{\"name\":\"s\"}}", NULL,
		       "[{\"type\":\"Warning\",\"message\":\"Failed to set default snapshot class with error 2 default "
		       "snapshot classes were found\"}]",
		       NULL);
	assert_contains(t, "several VolumeSnapshotClasses are default");
	free(t);
}

static void test_verdict_controller_missing(void **state)
{
	(void)state;
	char *t = verdict_of("{\"metadata\":{\"creationTimestamp\":\"2024-05-10T11:55:00Z\"}}", NULL, NULL, NULL);
	assert_contains(t, "no status after 300s");
	assert_contains(t, "kubectl volsnap doctor");
	free(t);
	t = verdict_of("{\"metadata\":{\"creationTimestamp\":\"2024-05-10T11:59:50Z\"}}", NULL, NULL, NULL);
	assert_contains(t, "waiting for the snapshot controller");
	free(t);
}

static void test_verdict_pvc_unbound(void **state)
{
	(void)state;
	char *t = verdict_of("{\"metadata\":{\"name\":\"s\"}}", NULL, NULL,
			     "{\"metadata\":{\"name\":\"data\"},\"status\":{\"phase\":\"Pending\"}}");
	assert_contains(t, "its PVC data is Pending, not Bound");
	free(t);
}

static void test_verdict_in_progress_and_content_error(void **state)
{
	(void)state;
	const char *snap = "{\"status\":{\"readyToUse\":false,\"boundVolumeSnapshotContentName\":\"c1\"}}";
	char *t = verdict_of(snap, "{\"spec\":{\"driver\":\"d.csi\"}}", NULL, NULL);
	assert_contains(t, "waiting for the CSI driver d.csi");
	free(t);
	t = verdict_of(snap, "{\"spec\":{\"driver\":\"d.csi\"},\"status\":{\"error\":{\"message\":\"disk busy\"}}}",
		       NULL, NULL);
	assert_contains(t, "not ready: disk busy; fix the cause");
	free(t);
}

static void test_verdict_deleting(void **state)
{
	(void)state;
	char *t =
	    verdict_of("{\"metadata\":{\"deletionTimestamp\":\"2024-05-10T11:00:00Z\"},\"status\":{\"readyToUse\":"
		       "true}}",
		       NULL,
		       "[{\"type\":\"Warning\",\"reason\":\"SnapshotDeletePending\",\"message\":\"Snapshot is "
		       "being used to restore a PVC\"}]",
		       NULL);
	assert_contains(t, "being deleted: waiting until the PVC restoring from it is bound");
	free(t);
	/* Known, the PVC is named. */
	json_object *pvcs = J("[{\"metadata\":{\"name\":\"other\"},\"spec\":{\"dataSource\":{\"kind\":"
			      "\"VolumeSnapshot\",\"name\":\"x\"}}},"
			      "{\"metadata\":{\"name\":\"done\"},\"spec\":{\"dataSource\":{\"kind\":"
			      "\"VolumeSnapshot\",\"name\":\"s\"}},\"status\":{\"phase\":\"Bound\"}},"
			      "{\"metadata\":{\"name\":\"copy\"},\"spec\":{\"dataSourceRef\":{\"kind\":"
			      "\"VolumeSnapshot\",\"name\":\"s\"}},\"status\":{\"phase\":\"Pending\"}}]");
	assert_string_equal(snap_restoring_pvc(pvcs, "s"), "copy");
	assert_null(snap_restoring_pvc(pvcs, "nope"));
	struct snap_facts f = {.snapshot = J("{\"metadata\":{\"deletionTimestamp\":\"2024-05-10T11:00:00Z\"}}"),
			       .restoring_pvc = snap_restoring_pvc(pvcs, "s"),
			       .now = NOW};
	struct snap_verdict v = {0};
	snap_verdict(&f, &v);
	assert_contains(v.text, "being deleted: waiting until PVC copy, which restores from it, is bound");
	snap_verdict_clear(&v);
	json_object_put(f.snapshot);
	json_object_put(pvcs);
}

/* ---- wait checks ------------------------------------------------------- */

static enum wait_state check(wait_check_fn fn, const char *text, char **why, char **progress)
{
	json_object *o = J(text);
	*why = *progress = NULL;
	enum wait_state s = fn(o, why, progress);
	json_object_put(o);
	return s;
}

static void test_wait_check_snapshot(void **state)
{
	(void)state;
	char *why, *progress;
	assert_int_equal(check(wait_check_snapshot_ready, "{\"status\":{\"readyToUse\":true}}", &why, &progress),
			 WAIT_REACHED);
	assert_string_equal(progress, "is ready to use");
	free(progress);
	assert_int_equal(check(wait_check_snapshot_ready,
			       "{\"status\":{\"readyToUse\":true,\"restoreSize\":1073741824}}", &why, &progress),
			 WAIT_REACHED);
	assert_string_equal(progress, "is ready to use (restoreSize 1Gi)");
	free(progress);
	assert_int_equal(check(wait_check_snapshot_ready, "{}", &why, &progress), WAIT_PENDING);
	assert_string_equal(progress, "waiting for the snapshot controller");
	free(progress);
	/* The controller does not retry several errors: waiting on would only time out. */
	assert_int_equal(check(wait_check_snapshot_ready,
			       "{\"status\":{\"readyToUse\":false,\"error\":{\"message\":\"boom\"}}}", &why, &progress),
			 WAIT_BROKEN);
	assert_string_equal(why, "boom");
	free(why);
}

static void test_wait_check_pvc(void **state)
{
	(void)state;
	char *why, *progress;
	assert_int_equal(check(wait_check_pvc_bound, "{\"status\":{\"phase\":\"Bound\"}}", &why, &progress),
			 WAIT_REACHED);
	assert_string_equal(progress, "is Bound");
	free(progress);
	assert_int_equal(check(wait_check_pvc_bound, "{\"status\":{\"phase\":\"Pending\"}}", &why, &progress),
			 WAIT_PENDING);
	assert_string_equal(progress, "Pending, waiting to be bound");
	free(progress);
	assert_int_equal(check(wait_check_pvc_bound, "{\"metadata\":{\"name\":\"d\"},\"status\":{\"phase\":\"Lost\"}}",
			       &why, &progress),
			 WAIT_BROKEN);
	assert_string_equal(why, "PVC d is Lost: its volume is gone");
	free(why);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_default_name_utc),
	    T(test_default_name_long_pvc),
	    T(test_default_name_cut_on_separator),
	    T(test_unique_name),
	    T(test_valid_name),
	    T(test_parse_label),
	    T(test_parse_label_refusals),
	    T(test_manifest),
	    T(test_source_csi),
	    T(test_source_unbound),
	    T(test_source_lost),
	    T(test_source_in_tree),
	    T(test_source_claim_ref_elsewhere),
	    T(test_class_one_default),
	    T(test_class_given),
	    T(test_class_given_other_driver),
	    T(test_class_given_missing),
	    T(test_class_several_defaults),
	    T(test_class_no_default),
	    T(test_class_none_for_driver),
	    T(test_ready_and_error_message),
	    T(test_latest_warning),
	    T(test_verdict_ready),
	    T(test_verdict_driver_error),
	    T(test_verdict_unbound_event),
	    T(test_verdict_no_class),
	    T(test_verdict_controller_missing),
	    T(test_verdict_pvc_unbound),
	    T(test_verdict_in_progress_and_content_error),
	    T(test_verdict_deleting),
	    T(test_wait_check_snapshot),
	    T(test_wait_check_pvc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
