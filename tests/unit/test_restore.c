/* restore.c: what a restore PVC looks like and every refusal, without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snap/restore.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strlist.h"

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

#define SNAP_READY(size)                                                                                               \
	"{\"metadata\":{\"name\":\"s1\",\"namespace\":\"shop\"},\"spec\":{\"source\":{\"persistentVolumeClaimName\":"  \
	"\"data\"}},\"status\":{\"readyToUse\":true,\"boundVolumeSnapshotContentName\":\"c1\",\"restoreSize\":" size   \
	"}}"
#define CONTENT(driver) "{\"spec\":{\"driver\":\"" driver "\",\"sourceVolumeMode\":\"Filesystem\"}}"
#define SC(name, prov, extra) "{\"metadata\":{\"name\":\"" name "\"" extra "},\"provisioner\":\"" prov "\"}"
#define SC_DEFAULT ",\"annotations\":{\"storageclass.kubernetes.io/is-default-class\":\"true\"}"
#define PVC(size, modes)                                                                                               \
	"{\"metadata\":{\"name\":\"data\"},\"spec\":{\"storageClassName\":\"fast\",\"accessModes\":" modes ","         \
	"\"volumeMode\":\"Block\",\"resources\":{\"requests\":{\"storage\":\"" size "\"}}}}"

struct fx {
	json_object *snap, *content, *pvc, *sc;
	struct strlist modes;
	struct restore_input in;
};

static void fx_init(struct fx *f, const char *snap, const char *content, const char *pvc, const char *sc)
{
	memset(f, 0, sizeof *f);
	f->snap = J(snap);
	f->content = content ? J(content) : NULL;
	f->pvc = pvc ? J(pvc) : NULL;
	f->sc = sc ? J(sc) : NULL;
	f->in = (struct restore_input){.ns = "shop",
				       .target = "copy",
				       .snapshot = f->snap,
				       .content = f->content,
				       .source_pvc = f->pvc,
				       .storage_class = f->sc,
				       .access_modes = &f->modes};
}

static void fx_free(struct fx *f)
{
	json_object_put(f->snap);
	json_object_put(f->content);
	json_object_put(f->pvc);
	json_object_put(f->sc);
	strlist_clear(&f->modes);
}

static void test_access_modes(void **state)
{
	(void)state;
	assert_true(restore_valid_access_mode("ReadWriteOnce"));
	assert_true(restore_valid_access_mode("ReadWriteOncePod"));
	assert_false(restore_valid_access_mode("rwo"));
	assert_false(restore_valid_access_mode(""));
}

static void test_restore_size(void **state)
{
	(void)state;
	int64_t n = 0;
	json_object *s = J(SNAP_READY("\"1Gi\""));
	assert_true(restore_size_bytes(s, NULL, &n));
	assert_int_equal(n, 1073741824);
	json_object_put(s);
	s = J(SNAP_READY("2048"));
	assert_true(restore_size_bytes(s, NULL, &n));
	assert_int_equal(n, 2048);
	json_object_put(s);
	/* Unknown on the snapshot (0): the content's integer. */
	s = J(SNAP_READY("\"0\""));
	json_object *c = J("{\"status\":{\"restoreSize\":5368709120}}");
	assert_true(restore_size_bytes(s, c, &n));
	assert_int_equal(n, 5368709120LL);
	assert_false(restore_size_bytes(s, NULL, &n));
	json_object_put(s);
	json_object_put(c);
}

static void test_check_snapshot(void **state)
{
	(void)state;
	json_object *s = J(SNAP_READY("\"1Gi\""));
	assert_null(restore_check_snapshot(s));
	json_object_put(s);
	s = J("{\"metadata\":{\"name\":\"s1\"},\"status\":{\"readyToUse\":false,\"error\":{\"message\":\"quota\"}}}");
	char *why = restore_check_snapshot(s);
	assert_contains(why, "not ready to use (quota)");
	free(why);
	json_object_put(s);
	s = J("{\"metadata\":{\"name\":\"s1\",\"deletionTimestamp\":\"2024-01-01T00:00:00Z\"},\"status\":{"
	      "\"readyToUse\":true}}");
	why = restore_check_snapshot(s);
	assert_contains(why, "being deleted");
	free(why);
	json_object_put(s);
}

static void test_pick_class(void **state)
{
	(void)state;
	json_object *classes =
	    J("[" SC("a", "other", SC_DEFAULT) "," SC("b", "d.csi", "") "," SC("c", "d.csi", SC_DEFAULT) "]");
	json_object *pvc = J(PVC("1Gi", "[\"ReadWriteOnce\"]"));
	char *why = NULL;
	assert_string_equal(restore_pick_class(pvc, classes, "d.csi", &why), "fast");
	assert_string_equal(restore_pick_class(NULL, classes, "d.csi", &why), "c");
	json_object_put(classes);

	classes = J("[" SC("a", "other", SC_DEFAULT) "," SC("b", "d.csi", "") "]");
	assert_string_equal(restore_pick_class(NULL, classes, "d.csi", &why), "b");
	json_object_put(classes);

	classes = J("[" SC("b", "d.csi", "") "," SC("c", "d.csi", "") "]");
	assert_null(restore_pick_class(NULL, classes, "d.csi", &why));
	assert_contains(why, "several StorageClasses provision with d.csi (b, c)");
	free(why);
	assert_null(restore_pick_class(NULL, classes, "x.csi", &why));
	assert_contains(why, "no StorageClass provisions with x.csi");
	free(why);
	json_object_put(classes);
	json_object_put(pvc);
}

static void test_manifest_from_source_pvc(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP_READY("\"1Gi\""), CONTENT("d.csi"), PVC("2Gi", "[\"ReadWriteMany\"]"),
		SC("fast", "d.csi", ""));
	char *why = NULL;
	json_object *m = restore_manifest(&f.in, &why);
	assert_non_null(m);
	assert_string_equal(jstr(m, "metadata.name"), "copy");
	assert_string_equal(jstr(m, "metadata.namespace"), "shop");
	assert_string_equal(jstr(m, "spec.storageClassName"), "fast");
	assert_string_equal(jstr(m, "spec.resources.requests.storage"), "2Gi");
	assert_string_equal(jstr(m, "spec.volumeMode"), "Block");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(jget(m, "spec.accessModes"), 0)),
			    "ReadWriteMany");
	assert_string_equal(jstr(m, "spec.dataSource.apiGroup"), "snapshot.storage.k8s.io");
	assert_string_equal(jstr(m, "spec.dataSource.kind"), "VolumeSnapshot");
	assert_string_equal(jstr(m, "spec.dataSource.name"), "s1");
	json_object *v = NULL;
	assert_true(json_object_object_get_ex(jget(m, "metadata.labels"), SNAP_LABEL_RESTORED_FROM, &v));
	assert_string_equal(json_object_get_string(v), "s1");
	json_object_put(m);
	fx_free(&f);
}

static void test_manifest_never_below_restore_size(void **state)
{
	(void)state;
	struct fx f;
	/* The source PVC's request is smaller than the snapshot (it was resized
	 * down on paper): restoreSize wins. */
	fx_init(&f, SNAP_READY("\"3Gi\""), CONTENT("d.csi"), PVC("1Gi", "[\"ReadWriteOnce\"]"),
		SC("fast", "d.csi", ""));
	char *why = NULL;
	json_object *m = restore_manifest(&f.in, &why);
	assert_string_equal(jstr(m, "spec.resources.requests.storage"), "3Gi");
	json_object_put(m);
	fx_free(&f);

	/* No source PVC, integer restoreSize: formatted as a quantity; defaults. */
	fx_init(&f, SNAP_READY("1073741824"), CONTENT("d.csi"), NULL, SC("fast", "d.csi", ""));
	m = restore_manifest(&f.in, &why);
	assert_string_equal(jstr(m, "spec.resources.requests.storage"), "1Gi");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(jget(m, "spec.accessModes"), 0)),
			    "ReadWriteOnce");
	assert_string_equal(jstr(m, "spec.volumeMode"), "Filesystem");
	json_object_put(m);
	fx_free(&f);
}

static void test_manifest_given_size_and_modes(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP_READY("\"1Gi\""), CONTENT("d.csi"), PVC("1Gi", "[\"ReadWriteOnce\"]"),
		SC("fast", "d.csi", ""));
	strlist_push(&f.modes, "ReadOnlyMany");
	strlist_push(&f.modes, "ReadWriteMany");
	f.in.size = "5Gi";
	char *why = NULL;
	json_object *m = restore_manifest(&f.in, &why);
	assert_string_equal(jstr(m, "spec.resources.requests.storage"), "5Gi");
	assert_int_equal(json_object_array_length(jget(m, "spec.accessModes")), 2);
	json_object_put(m);
	fx_free(&f);
}

static void test_refuse_size_below_restore_size(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP_READY("\"2Gi\""), CONTENT("d.csi"), NULL, SC("fast", "d.csi", ""));
	f.in.size = "1Gi";
	char *why = NULL;
	assert_null(restore_manifest(&f.in, &why));
	assert_contains(why, "--size 1Gi is below the snapshot's restoreSize 2Gi");
	free(why);
	f.in.size = "lots";
	assert_null(restore_manifest(&f.in, &why));
	assert_contains(why, "not a quantity");
	free(why);
	fx_free(&f);
}

static void test_refuse_unknown_size(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, "{\"metadata\":{\"name\":\"s1\"},\"status\":{\"readyToUse\":true}}", NULL, NULL, NULL);
	char *why = NULL;
	assert_null(restore_manifest(&f.in, &why));
	assert_contains(why, "pass --size");
	free(why);
	fx_free(&f);
}

static void test_refuse_other_driver(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, SNAP_READY("\"1Gi\""), CONTENT("d.csi"), NULL, SC("ebs", "ebs.csi.aws.com", ""));
	char *why = NULL;
	assert_null(restore_manifest(&f.in, &why));
	assert_contains(why, "StorageClass ebs provisions with ebs.csi.aws.com but snapshot s1 was cut by d.csi");
	free(why);
	fx_free(&f);
}

static void test_first_consumer(void **state)
{
	(void)state;
	json_object *wffc = J("{\"volumeBindingMode\":\"WaitForFirstConsumer\"}"), *imm = J("{}");
	assert_true(restore_binds_on_first_consumer(wffc));
	assert_false(restore_binds_on_first_consumer(imm));
	assert_false(restore_binds_on_first_consumer(NULL));
	json_object_put(wffc);
	json_object_put(imm);
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_access_modes),
	    T(test_restore_size),
	    T(test_check_snapshot),
	    T(test_pick_class),
	    T(test_manifest_from_source_pvc),
	    T(test_manifest_never_below_restore_size),
	    T(test_manifest_given_size_and_modes),
	    T(test_refuse_size_below_restore_size),
	    T(test_refuse_unknown_size),
	    T(test_refuse_other_driver),
	    T(test_first_consumer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
