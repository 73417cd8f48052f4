/* Doctor's checks as pure functions over fixture data: each verdict and its
 * message, dependency skipping, forbidden reads, the exit code, the report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "checks/check.h"
#include "util/json.h"

static json_object *J(const char *s)
{
	json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	return o;
}

static json_object *L(const char *items)
{
	json_object *l = json_object_new_object();
	json_object_object_add(l, "items", J(items));
	return l;
}

#define SC_CSI_DEFAULT                                                                                                 \
	"{\"metadata\":{\"name\":\"csi-hostpath-sc\",\"annotations\":{\"storageclass.kubernetes.io/"                   \
	"is-default-class\":"                                                                                          \
	"\"true\"}},\"provisioner\":\"hostpath.csi.k8s.io\"}"
#define VSC_DEFAULT                                                                                                    \
	"{\"metadata\":{\"name\":\"csi-hostpath-snapclass\",\"annotations\":{\"snapshot.storage.kubernetes.io/"        \
	"is-default-class\":\"true\"}},\"driver\":\"hostpath.csi.k8s.io\",\"deletionPolicy\":\"Delete\"}"
#define PVC_BOUND                                                                                                      \
	"{\"metadata\":{\"name\":\"data\",\"namespace\":\"shop\"},\"spec\":{\"volumeName\":\"pv-1\"},\"status\":{"     \
	"\"phase\":\"Bound\"}}"

static void not_found(struct check_facts *f, enum check_read r)
{
	check_facts_set_error(f, r, KUBE_ERR_NOT_INSTALLED, 404, "NotFound", "the server could not find it");
}

static void forbidden(struct check_facts *f, enum check_read r)
{
	check_facts_set_error(f, r, KUBE_ERR_API, 403, "Forbidden", "forbidden");
}

/* A healthy cluster: every check passes. Tests change one thing each. */
static void healthy(struct check_facts *f)
{
	check_facts_init(f, "shop", NULL);
	check_facts_set(f, READ_VERSION, J("{\"gitVersion\":\"v1.31.4\",\"major\":\"1\",\"minor\":\"31\"}"));
	check_facts_set(f, READ_SNAP_GROUP,
			J("{\"versions\":[{\"version\":\"v1\"}],\"preferredVersion\":{\"version\":\"v1\"}}"));
	check_facts_set(f, READ_SNAP_V1,
			J("{\"resources\":[{\"name\":\"volumesnapshots\"},{\"name\":\"volumesnapshotcontents\"},"
			  "{\"name\":\"volumesnapshotclasses\"}]}"));
	not_found(f, READ_SNAP_V1BETA1);
	check_facts_set(f, READ_VSCLASSES, L("[" VSC_DEFAULT "]"));
	check_facts_set(f, READ_NODES, L("[{\"metadata\":{\"name\":\"n1\"},\"spec\":{}}]"));
	check_facts_set(f, READ_CSIDRIVERS, L("[{\"metadata\":{\"name\":\"hostpath.csi.k8s.io\"}}]"));
	check_facts_set(
	    f, READ_CSINODES,
	    L("[{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"drivers\":[{\"name\":\"hostpath.csi.k8s.io\"}]}}]"));
	check_facts_set(f, READ_STORAGECLASSES, L("[" SC_CSI_DEFAULT "]"));
	check_facts_set(f, READ_PVS,
			L("[{\"metadata\":{\"name\":\"pv-1\"},\"spec\":{\"csi\":{\"driver\":"
			  "\"hostpath.csi.k8s.io\",\"volumeHandle\":\"v1\"}}}]"));
	check_facts_set(f, READ_PVCS, L("[" PVC_BOUND "]"));
	check_facts_set(f, READ_DEPLOYMENTS,
			L("[{\"metadata\":{\"name\":\"snapshot-controller\",\"namespace\":"
			  "\"kube-system\"},\"spec\":{\"replicas\":2},\"status\":{"
			  "\"readyReplicas\":2}}]"));
	check_facts_set(f, READ_STATEFULSETS, L("[]"));
	check_facts_set(f, READ_CRONJOBS, L("[]"));
	check_facts_set(f, READ_SCHED_JOBS, L("[]"));
	check_facts_set(f, READ_CRONJOB_EVENTS, L("[]"));
	not_found(f, READ_CONTROLLER_LEASE);
	not_found(f, READ_SHOOT_INFO);
	not_found(f, READ_OPENSHIFT_GROUP);
	not_found(f, READ_OPENSHIFT_VERSION);
	for (size_t i = 0; i < f->n_access; i++)
		f->access[i].answered = f->access[i].allowed = true;
}

struct run {
	struct check_facts f;
	bool sel[CHECK_MAX];
	struct check_outcome out[CHECK_MAX];
	int rc;
};

static int setup(void **state)
{
	struct run *r = calloc(1, sizeof *r);
	healthy(&r->f);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct run *r = *state;
	size_t n;
	check_catalogue(&n);
	check_outcomes_release(r->out, n);
	check_facts_release(&r->f);
	free(r);
	return 0;
}

/* Before running the checks again in one test. */
static void release_outcomes(struct run *r)
{
	size_t n;
	check_catalogue(&n);
	check_outcomes_release(r->out, n);
}

static void run_checks(struct run *r)
{
	const char *bad = NULL;
	char *why = NULL;
	assert_int_equal(check_select(NULL, 0, r->sel, &bad), 0);
	assert_int_equal(check_facts_derive(&r->f, &why), 0);
	check_run(&r->f, r->sel, r->out);
	r->rc = check_exit_code(r->sel, r->out);
}

static const struct check_outcome *outcome(struct run *r, const char *id)
{
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cat[i]->id, id))
			return &r->out[i];
	fail_msg("no check %s", id);
	return NULL;
}

static void assert_result(struct run *r, const char *id, enum check_result want, const char *msg_part)
{
	const struct check_outcome *o = outcome(r, id);
	if (o->result != want || (msg_part && !strstr(o->message.buf, msg_part)))
		fail_msg("%s: got %s \"%s\", want %s containing \"%s\"", id, check_result_name(o->result),
			 o->message.buf, check_result_name(want), msg_part ? msg_part : "");
}

static bool remedy_has(struct run *r, const char *id, const char *part)
{
	const struct check_outcome *o = outcome(r, id);
	for (size_t i = 0; i < o->remediation.n; i++)
		if (strstr(o->remediation.items[i], part))
			return true;
	return false;
}

static void test_healthy(void **state)
{
	struct run *r = *state;
	run_checks(r);
	assert_result(r, "server-version", CHECK_PASS, "v1.31.4");
	assert_result(r, "snapshot-crds", CHECK_PASS, "v1 served");
	assert_result(r, "snapshot-controller", CHECK_PASS, "kube-system/snapshot-controller (2/2 ready)");
	assert_result(r, "csi-drivers", CHECK_PASS, "hostpath.csi.k8s.io (1/1 nodes)");
	assert_result(r, "storage-classes", CHECK_PASS, "default class \"csi-hostpath-sc\" is CSI");
	assert_result(r, "snapshot-classes", CHECK_PASS,
		      "default class \"csi-hostpath-snapclass\" (deletionPolicy Delete)");
	assert_result(r, "pvcs", CHECK_PASS, "1 of 1 PVC can be snapshotted");
	assert_result(r, "permissions", CHECK_PASS, NULL);
	assert_int_equal(r->rc, 0);
}

static void test_old_server_fails(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VERSION, J("{\"gitVersion\":\"v1.16.3\",\"major\":\"1\",\"minor\":\"16\"}"));
	run_checks(r);
	assert_result(r, "server-version", CHECK_FAIL, "is below 1.17, the minimum for snapshots here");
	/* The era's advice still shows; the checks that need a usable version skip. */
	assert_result(r, "provider-issues", CHECK_FAIL, "v1alpha1");
	assert_result(r, "snapshot-crds", CHECK_SKIP, "server-version failed");
	assert_int_equal(r->rc, 3);
}

static void test_v1beta1_only_server_warns(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VERSION, J("{\"gitVersion\":\"v1.18.2\",\"major\":\"1\",\"minor\":\"18\"}"));
	run_checks(r);
	assert_result(r, "server-version", CHECK_WARN, "v1beta1");
	assert_int_equal(r->rc, 4);
}

static void test_crds_missing_skips_dependents(void **state)
{
	struct run *r = *state;
	not_found(&r->f, READ_SNAP_GROUP);
	not_found(&r->f, READ_SNAP_V1);
	not_found(&r->f, READ_VSCLASSES);
	run_checks(r);
	assert_result(r, "snapshot-crds", CHECK_FAIL, "not installed");
	assert_true(remedy_has(r, "snapshot-crds", "client/config/crd?ref=v8.6.0' | kubectl create -f -"));
	assert_result(r, "snapshot-controller", CHECK_SKIP, "snapshot-crds");
	assert_result(r, "snapshot-classes", CHECK_SKIP, "snapshot-crds");
	assert_result(r, "csi-drivers", CHECK_PASS, NULL);
	assert_int_equal(r->rc, 3);
}

static void test_crds_v1beta1_only(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_SNAP_GROUP,
			J("{\"versions\":[{\"version\":\"v1beta1\"}],\"preferredVersion\":{\"version\":\"v1beta1\"}}"));
	not_found(&r->f, READ_SNAP_V1);
	check_facts_set(&r->f, READ_SNAP_V1BETA1,
			J("{\"resources\":[{\"name\":\"volumesnapshots\"},{\"name\":\"volumesnapshotcontents\"},"
			  "{\"name\":\"volumesnapshotclasses\"}]}"));
	run_checks(r);
	assert_result(r, "snapshot-crds", CHECK_WARN, "only v1beta1");
	assert_true(remedy_has(r, "snapshot-crds", "kubectl replace"));
	assert_string_equal(r->f.snap_version, "v1beta1");
}

static void test_crd_partially_installed(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_SNAP_V1, J("{\"resources\":[{\"name\":\"volumesnapshots\"}]}"));
	run_checks(r);
	assert_result(r, "snapshot-crds", CHECK_FAIL, "volumesnapshotcontents is not served");
	/* Only the missing files, with apply: create would fail on the present one. */
	assert_true(remedy_has(r, "snapshot-crds",
			       "kubectl apply -f https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/"
			       "v8.6.0/client/config/crd/snapshot.storage.k8s.io_volumesnapshotcontents.yaml"));
	assert_false(remedy_has(r, "snapshot-crds", "kubectl create"));
}

static void test_controller_absent_generic_warns(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_DEPLOYMENTS, L("[]"));
	run_checks(r);
	assert_result(r, "snapshot-controller", CHECK_WARN, "no snapshot controller visible");
	assert_true(remedy_has(r, "snapshot-controller", "deploy/kubernetes/snapshot-controller?ref=v8.6.0"));
	assert_int_equal(r->rc, 4);
}

static void test_controller_hidden_on_gardener(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_DEPLOYMENTS, L("[]"));
	check_facts_set(&r->f, READ_SHOOT_INFO,
			J("{\"data\":{\"provider\":\"gcp\",\"kubernetesVersion\":\"1.31.4\"}}"));
	run_checks(r);
	assert_string_equal(r->f.provider->id, "gardener-gcp");
	assert_result(r, "snapshot-controller", CHECK_INFO, "expected");
}

static void test_controller_lease_counts(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_DEPLOYMENTS, L("[]"));
	check_facts_set(&r->f, READ_CONTROLLER_LEASE, J("{\"metadata\":{\"name\":\"snapshot-controller-leader\"}}"));
	run_checks(r);
	assert_result(r, "snapshot-controller", CHECK_PASS, "leader lease");
}

static void test_controller_not_ready(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_DEPLOYMENTS,
			L("[{\"metadata\":{\"name\":\"snapshot-controller\",\"namespace\":"
			  "\"kube-system\"},\"spec\":{\"replicas\":1},\"status\":{}}]"));
	run_checks(r);
	assert_result(r, "snapshot-controller", CHECK_WARN, "no ready replica");
}

static void test_forbidden_read_skips(void **state)
{
	struct run *r = *state;
	forbidden(&r->f, READ_CSIDRIVERS);
	run_checks(r);
	assert_result(r, "csi-drivers", CHECK_SKIP, "cannot read csidrivers: forbidden");
	assert_result(r, "storage-classes", CHECK_SKIP, "csi-drivers");
	assert_result(r, "pvcs", CHECK_SKIP, "csi-drivers");
	/* A check that could not read what it needs is not a pass: exit 1. */
	assert_int_equal(r->rc, 1);
}

static void test_driver_not_registered(void **state)
{
	struct run *r = *state;
	check_facts_set(
	    &r->f, READ_CSIDRIVERS,
	    L("[{\"metadata\":{\"name\":\"hostpath.csi.k8s.io\"}},{\"metadata\":{\"name\":\"ebs.csi.aws.com\"}}]"));
	check_facts_set(
	    &r->f, READ_VSCLASSES,
	    L("[" VSC_DEFAULT ",{\"metadata\":{\"name\":\"ebs\",\"annotations\":{\"snapshot.storage.kubernetes.io/"
	      "is-default-class\":\"true\"}},\"driver\":\"ebs.csi.aws.com\",\"deletionPolicy\":\"Retain\"}]"));
	run_checks(r);
	assert_result(r, "csi-drivers", CHECK_WARN, "ebs.csi.aws.com: no node registers it");
	assert_result(r, "snapshot-classes", CHECK_PASS, "Retain");
}

static void test_no_csi_driver_fails(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_CSIDRIVERS, L("[]"));
	check_facts_set(&r->f, READ_CSINODES, L("[]"));
	run_checks(r);
	assert_result(r, "csi-drivers", CHECK_FAIL, "no CSI driver is installed");
	assert_result(r, "snapshot-classes", CHECK_SKIP, "csi-drivers");
}

static void test_default_sc_intree_warns(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_STORAGECLASSES,
			L("[{\"metadata\":{\"name\":\"gp2\",\"annotations\":{\"storageclass.kubernetes.io/"
			  "is-default-class\":\"true\"}},\"provisioner\":\"kubernetes.io/aws-ebs\"},"
			  "{\"metadata\":{\"name\":\"csi\"},\"provisioner\":\"hostpath.csi.k8s.io\"}]"));
	run_checks(r);
	assert_result(r, "storage-classes", CHECK_WARN, "default class \"gp2\" is non-CSI kubernetes.io/aws-ebs");
	assert_true(remedy_has(
	    r, "storage-classes",
	    "kubectl annotate storageclass csi storageclass.kubernetes.io/is-default-class=true --overwrite"));
}

static void test_no_vsclass_fails_with_yaml(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VSCLASSES, L("[]"));
	run_checks(r);
	assert_result(r, "snapshot-classes", CHECK_FAIL, "hostpath.csi.k8s.io has no VolumeSnapshotClass");
	assert_true(remedy_has(r, "snapshot-classes", "\"driver\":\"hostpath.csi.k8s.io\""));
	assert_true(remedy_has(r, "snapshot-classes", "kubectl volsnap setup --apply"));
	assert_result(r, "pvcs", CHECK_WARN, "driver hostpath.csi.k8s.io has no VolumeSnapshotClass");
	assert_int_equal(r->rc, 3);
}

static void test_two_default_vsclasses(void **state)
{
	struct run *r = *state;
	check_facts_set(
	    &r->f, READ_VSCLASSES,
	    L("[" VSC_DEFAULT ",{\"metadata\":{\"name\":\"b\",\"annotations\":{\"snapshot.storage.kubernetes.io/"
	      "is-default-class\":\"true\"}},\"driver\":\"hostpath.csi.k8s.io\",\"deletionPolicy\":\"Delete\"}]"));
	run_checks(r);
	/* The default StorageClass's driver: snapshots naming no class fail. */
	assert_result(r, "snapshot-classes", CHECK_FAIL, "2 default classes (csi-hostpath-snapclass, b)");
	assert_true(remedy_has(r, "snapshot-classes",
			       "keep \"csi-hostpath-snapclass\" as the default: kubectl annotate volumesnapshotclass b "
			       "snapshot.storage.kubernetes.io/is-default-class=false --overwrite"));
	assert_int_equal(r->rc, 3);
}

static void test_two_default_storageclasses(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_STORAGECLASSES,
			L("[{\"metadata\":{\"name\":\"gp2\",\"annotations\":{\"storageclass.kubernetes.io/"
			  "is-default-class\":\"true\"}},\"provisioner\":\"kubernetes.io/aws-ebs\"}," SC_CSI_DEFAULT
			  "]"));
	run_checks(r);
	/* The CSI one is kept, the other named in the exact command. */
	assert_result(r, "storage-classes", CHECK_WARN, "2 StorageClasses are marked default (gp2, csi-hostpath-sc)");
	assert_true(remedy_has(r, "storage-classes",
			       "keep \"csi-hostpath-sc\" as the default: kubectl annotate storageclass gp2 "
			       "storageclass.kubernetes.io/is-default-class=false --overwrite"));
}

static void test_vsclass_without_default_and_orphan(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VSCLASSES,
			L("[{\"metadata\":{\"name\":\"a\"},\"driver\":\"hostpath.csi.k8s.io\",\"deletionPolicy\":"
			  "\"Delete\"},{\"metadata\":{\"name\":\"gone\"},\"driver\":\"pd.csi.storage.gke.io\","
			  "\"deletionPolicy\":\"Delete\"}]"));
	run_checks(r);
	assert_result(r, "snapshot-classes", CHECK_WARN, "but no default");
	assert_result(r, "snapshot-classes", CHECK_WARN, "class gone: driver pd.csi.storage.gke.io is not installed");
	assert_true(remedy_has(r, "snapshot-classes", "kubectl annotate volumesnapshotclass a"));
}

static void test_unbound_pvc_warns(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_PVCS,
			L("[" PVC_BOUND
			  ",{\"metadata\":{\"name\":\"new\",\"namespace\":\"shop\"},\"spec\":{},\"status\":"
			  "{\"phase\":\"Pending\"}}]"));
	run_checks(r);
	assert_result(r, "pvcs", CHECK_WARN, "shop/new is Pending, not bound");
	assert_result(r, "pvcs", CHECK_WARN, "1 of 2 PVCs can be snapshotted");
	assert_int_equal(r->rc, 4);
}

static void test_pv_without_csi_source(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_PVS,
			L("[{\"metadata\":{\"name\":\"pv-1\",\"annotations\":{\"pv.kubernetes.io/provisioned-by\":"
			  "\"kubernetes.io/aws-ebs\",\"pv.kubernetes.io/migrated-to\":\"ebs.csi.aws.com\"}},\"spec\":{"
			  "\"awsElasticBlockStore\":{\"volumeID\":\"vol-1\"}}}]"));
	run_checks(r);
	assert_result(r, "pvcs", CHECK_WARN, "migrated to ebs.csi.aws.com");
}

static void test_named_pvc_missing_fails(void **state)
{
	struct run *r = *state;
	strlist_push(&r->f.pvc_names, "nope");
	run_checks(r);
	assert_result(r, "pvcs", CHECK_FAIL, "PVC nope not found in shop");
}

static void test_permissions(void **state)
{
	struct run *r = *state;
	for (size_t i = 0; i < r->f.n_access; i++) {
		if (!strcmp(r->f.access[i].verb, "delete") ||
		    (!strcmp(r->f.access[i].verb, "list") && strcmp(r->f.access[i].resource, "volumesnapshotclasses")))
			r->f.access[i].allowed = false;
	}
	run_checks(r);
	/* Each command named once. */
	assert_result(
	    r, "permissions", CHECK_WARN,
	    "cannot list, delete volumesnapshots; list persistentvolumeclaims in shop (needed by list, prune, "
	    "delete)");
	r->f.access[0].allowed = false; /* create volumesnapshots */
	release_outcomes(r);
	run_checks(r);
	assert_result(r, "permissions", CHECK_FAIL, "cannot create, list, delete volumesnapshots");
	/* schedule create's rights are asked too, as warnings tied to that command. */
	for (size_t i = 0; i < r->f.n_access; i++)
		r->f.access[i].allowed = strcmp(r->f.access[i].resource, "cronjobs") != 0;
	release_outcomes(r);
	run_checks(r);
	assert_result(r, "permissions", CHECK_WARN, "cannot create cronjobs in shop (needed by schedule create)");
}

static void test_permissions_unanswered(void **state)
{
	struct run *r = *state;
	r->f.access[1].answered = false;
	run_checks(r);
	/* An unanswered question is counted, never taken for a yes. */
	assert_result(r, "permissions", CHECK_SKIP, "1 of 14 questions unanswered");
	assert_int_equal(r->rc, 1);
	for (size_t i = 0; i < r->f.n_access; i++)
		r->f.access[i].answered = false;
	release_outcomes(r);
	run_checks(r);
	assert_result(r, "permissions", CHECK_SKIP, "cannot ask the server");
}

static void test_provider_issue_blocker(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VERSION, J("{\"gitVersion\":\"v1.18.20\",\"major\":\"1\",\"minor\":\"18\"}"));
	check_facts_set(&r->f, READ_SHOOT_INFO, J("{\"data\":{\"provider\":\"aws\"}}"));
	check_facts_set(&r->f, READ_DEPLOYMENTS, L("[]"));
	run_checks(r);
	assert_string_equal(r->f.provider->id, "gardener-aws");
	assert_result(r, "provider-issues", CHECK_FAIL, "gardener-extension-provider-aws#75");
	/* One mention of the issue: the era's summary repeating #75 is left out. */
	assert_null(strstr(outcome(r, "provider-issues")->message.buf, "does not work yet"));
	/* The seed-side controller is normally hidden, but on 1.18 it was missing. */
	assert_result(r, "snapshot-controller", CHECK_WARN, "a known issue left it missing");
	/* No controller: no PVC "can be snapshotted". */
	assert_result(r, "pvcs", CHECK_WARN, "none of the 1 PVC can be snapshotted here");
}

/* Evidence outranks the version: a 1.18 shoot whose extension was updated
 * holds the controller's lease and has a default class. */
static void test_provider_issue_fixed_by_evidence(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VERSION, J("{\"gitVersion\":\"v1.18.20\",\"major\":\"1\",\"minor\":\"18\"}"));
	check_facts_set(&r->f, READ_SHOOT_INFO, J("{\"data\":{\"provider\":\"aws\"}}"));
	check_facts_set(&r->f, READ_DEPLOYMENTS, L("[]"));
	check_facts_set(&r->f, READ_CONTROLLER_LEASE, J("{\"metadata\":{\"name\":\"snapshot-controller-leader\"}}"));
	check_facts_set(&r->f, READ_CSIDRIVERS, L("[{\"metadata\":{\"name\":\"ebs.csi.aws.com\"}}]"));
	check_facts_set(&r->f, READ_CSINODES, L("[]"));
	check_facts_set(
	    &r->f, READ_VSCLASSES,
	    L("[{\"metadata\":{\"name\":\"default\",\"annotations\":{\"snapshot.storage.kubernetes.io/"
	      "is-default-class\":\"true\"}},\"driver\":\"ebs.csi.aws.com\",\"deletionPolicy\":\"Delete\"}]"));
	run_checks(r);
	assert_result(r, "provider-issues", CHECK_INFO, "this cluster shows the fix: its leader lease");
	assert_result(r, "provider-issues", CHECK_INFO,
		      "gardener-aws-no-default-vsc: No default VolumeSnapshotClass is created: fixed in "
		      "gardener-extension-provider-aws v1.12.0 (2020-08-06); this cluster shows the fix: "
		      "VolumeSnapshotClass default is the default for ebs.csi.aws.com");
	assert_int_equal(outcome(r, "provider-issues")->remediation.n, 0);
	/* A read that fails leaves the row to the version, a warning at most. */
	forbidden(&r->f, READ_CONTROLLER_LEASE);
	release_outcomes(r);
	run_checks(r);
	assert_result(r, "provider-issues", CHECK_WARN, "may apply: cannot read lease");
}

/* A limitation of the only driver blocks every snapshot: it fails, and the
 * PVCs on that driver are not counted as snapshottable. */
static void test_driver_minimum_blocks_all(void **state)
{
	struct run *r = *state;
	check_facts_set(&r->f, READ_VERSION, J("{\"gitVersion\":\"v1.17.4-gke.10\",\"major\":\"1\",\"minor\":\"17\"}"));
	check_facts_set(&r->f, READ_CSIDRIVERS, L("[{\"metadata\":{\"name\":\"pd.csi.storage.gke.io\"}}]"));
	check_facts_set(&r->f, READ_CSINODES, L("[]"));
	check_facts_set(&r->f, READ_PVS,
			L("[{\"metadata\":{\"name\":\"pv-1\"},\"spec\":{\"csi\":{\"driver\":"
			  "\"pd.csi.storage.gke.io\",\"volumeHandle\":\"v1\"}}}]"));
	run_checks(r);
	assert_string_equal(r->f.provider->id, "gke");
	assert_result(r, "provider-issues", CHECK_FAIL, "no other snapshot-capable driver is installed");
	/* Only one driver's minimum: the other checks still run. */
	assert_result(r, "server-version", CHECK_WARN, "below 1.17.6-gke.4");
	assert_result(r, "pvcs", CHECK_WARN, "shop/data: pd.csi.storage.gke.io volumes cannot be snapshotted");
	assert_null(strstr(outcome(r, "pvcs")->message.buf, "can be snapshotted;"));
	/* One upgrade target: both checks advise the same version. */
	assert_true(remedy_has(r, "server-version", "upgrade the cluster to 1.17.6-gke.4 or later"));
	assert_true(remedy_has(r, "provider-issues", "upgrade the cluster to 1.17.6-gke.4 or later"));
	/* Past the fix the row no longer applies. */
	check_facts_set(&r->f, READ_VERSION,
			J("{\"gitVersion\":\"v1.17.9-gke.600\",\"major\":\"1\",\"minor\":\"17\"}"));
	release_outcomes(r);
	run_checks(r);
	assert_null(strstr(outcome(r, "provider-issues")->message.buf, "gke-pd-csi"));
}

/* No snapshot API: no PVC "can be snapshotted". */
static void test_pvcs_in_cluster_context(void **state)
{
	struct run *r = *state;
	not_found(&r->f, READ_SNAP_GROUP);
	not_found(&r->f, READ_SNAP_V1);
	not_found(&r->f, READ_VSCLASSES);
	run_checks(r);
	assert_result(r, "pvcs", CHECK_WARN, "none of the 1 PVC can be snapshotted here: the snapshot API");
	strlist_push(&r->f.pvc_names, "data");
	release_outcomes(r);
	run_checks(r);
	assert_result(r, "pvcs", CHECK_FAIL, "none of the 1 PVC can be snapshotted here");
}

static void test_select_and_unknown(void **state)
{
	(void)state;
	bool sel[CHECK_MAX];
	const char *bad = NULL;
	const char *ids[] = {"snapshot-classes"};
	const char *wrong[] = {"nope"};
	size_t n;
	const struct check *const *cat = check_catalogue(&n);

	assert_int_equal(check_select(ids, 1, sel, &bad), 0);
	for (size_t i = 0; i < n; i++) {
		bool want = !strcmp(cat[i]->id, "snapshot-classes") || !strcmp(cat[i]->id, "snapshot-crds") ||
			    !strcmp(cat[i]->id, "csi-drivers") || !strcmp(cat[i]->id, "server-version");
		assert_int_equal(sel[i], want);
	}
	assert_int_equal(check_select(wrong, 1, sel, &bad), -1);
	assert_string_equal(bad, "nope");
}

/* Every dependency comes earlier in the table, so one pass resolves skips. */
static void test_catalogue_order(void **state)
{
	(void)state;
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	assert_true(n <= CHECK_MAX);
	for (size_t i = 0; i < n; i++)
		for (const char *const *d = cat[i]->needs; d && *d; d++) {
			bool earlier = false;
			for (size_t k = 0; k < i; k++)
				earlier |= !strcmp(cat[k]->id, *d);
			assert_true(earlier);
		}
}

static void test_report_shape(void **state)
{
	struct run *r = *state;
	run_checks(r);
	json_object *doc = check_report_json(&r->f, "https://x", r->sel, r->out);
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	assert_non_null(strstr(s, "{\"apiVersion\":\"volsnap.io/v1\",\"kind\":\"DoctorReport\",\"cluster\":{\"server\":"
				  "\"https://x\",\"version\":\"v1.31.4\"},\"provider\":{\"id\":\"generic\""));
	assert_non_null(strstr(s, "\"snapshotAPI\":{\"served\":[\"v1\"],\"preferred\":\"v1\"}"));
	assert_non_null(strstr(s, "\"summary\":{\"pass\":8,\"warn\":0,\"fail\":0,\"skip\":0,\"info\":2}"));
	json_object_put(doc);
}

static void test_snapshotter_tags(void **state)
{
	(void)state;
	assert_string_equal(check_snapshotter_tag(1, 31), "v8.6.0");
	assert_string_equal(check_snapshotter_tag(1, 22), "v6.3.0");
	assert_string_equal(check_snapshotter_tag(1, 18), "v3.0.0");
	char *n = check_proposed_class_name("ebs.csi.aws.com");
	assert_string_equal(n, "csi-aws-vsc");
	free(n);
	/* No documented name: never one name for two drivers of one vendor. */
	n = check_proposed_class_name("fast.csi.example.com");
	assert_string_equal(n, "fast-csi-example-com-snapclass");
	free(n);
}

/* Proposed classes carry what the driver needs: Rook's clusterID and
 * snapshotter secret come from the driver's StorageClass; without one they
 * are placeholders, said to be filled in. */
static void test_proposed_class_parameters(void **state)
{
	struct run *r = *state;
	struct strbuf missing = STRBUF_INIT;
	check_facts_set(&r->f, READ_STORAGECLASSES,
			L("[{\"metadata\":{\"name\":\"ceph-block\"},\"provisioner\":\"rook-ceph.rbd.csi.ceph.com\","
			  "\"parameters\":{\"clusterID\":\"rook-ceph\",\"pool\":\"replicapool\","
			  "\"csi.storage.k8s.io/provisioner-secret-name\":\"rook-csi-rbd-provisioner\","
			  "\"csi.storage.k8s.io/provisioner-secret-namespace\":\"rook-ceph\"}}]"));
	run_checks(r);
	json_object *c = check_proposed_class(&r->f, "rook-ceph.rbd.csi.ceph.com", true, &missing);
	assert_int_equal(missing.len, 0);
	assert_string_equal(jstr(c, "metadata.name"), "csi-rbdplugin-snapclass");
	json_object *p = NULL, *v = NULL;
	assert_true(json_object_object_get_ex(c, "parameters", &p));
	assert_true(json_object_object_get_ex(p, "clusterID", &v));
	assert_string_equal(json_object_get_string(v), "rook-ceph");
	assert_true(json_object_object_get_ex(p, "csi.storage.k8s.io/snapshotter-secret-name", &v));
	assert_string_equal(json_object_get_string(v), "rook-csi-rbd-provisioner");
	json_object_put(c);
	/* CephFS of the same Ceph: another name, and no StorageClass to copy from. */
	c = check_proposed_class(&r->f, "rook-ceph.cephfs.csi.ceph.com", true, &missing);
	assert_string_equal(jstr(c, "metadata.name"), "csi-cephfsplugin-snapclass");
	assert_non_null(strstr(missing.buf, "clusterID (the Ceph cluster's ID"));
	assert_true(json_object_object_get_ex(c, "parameters", &p));
	assert_true(json_object_object_get_ex(p, "clusterID", &v));
	assert_string_equal(json_object_get_string(v), "<clusterID>");
	json_object_put(c);
	strbuf_reset(&missing);
	c = check_proposed_class(&r->f, "driver.longhorn.io", false, &missing);
	assert_string_equal(jstr(c, "metadata.name"), "longhorn-snapshot-vsc");
	assert_true(json_object_object_get_ex(c, "parameters", &p));
	assert_true(json_object_object_get_ex(p, "type", &v));
	assert_string_equal(json_object_get_string(v), "snap");
	assert_int_equal(missing.len, 0);
	json_object_put(c);
	strbuf_release(&missing);
}

static void test_version_cmp(void **state)
{
	(void)state;
	assert_true(provider_version_cmp("v1.17.5-gke.9", "1.17.6-gke.4") < 0);
	assert_true(provider_version_cmp("v1.17.6-gke.4", "1.17.6-gke.4") == 0);
	assert_true(provider_version_cmp("v1.17.6-gke.10", "1.17.6-gke.4") > 0);
	assert_true(provider_version_cmp("v1.18.0", "1.17.6-gke.4") > 0);
	assert_true(provider_version_cmp("v1.17.0", "1.17") > 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_healthy),
	    T(test_old_server_fails),
	    T(test_v1beta1_only_server_warns),
	    T(test_crds_missing_skips_dependents),
	    T(test_crds_v1beta1_only),
	    T(test_crd_partially_installed),
	    T(test_controller_absent_generic_warns),
	    T(test_controller_hidden_on_gardener),
	    T(test_controller_lease_counts),
	    T(test_controller_not_ready),
	    T(test_forbidden_read_skips),
	    T(test_driver_not_registered),
	    T(test_no_csi_driver_fails),
	    T(test_default_sc_intree_warns),
	    T(test_no_vsclass_fails_with_yaml),
	    T(test_two_default_vsclasses),
	    T(test_vsclass_without_default_and_orphan),
	    T(test_unbound_pvc_warns),
	    T(test_pv_without_csi_source),
	    T(test_named_pvc_missing_fails),
	    T(test_permissions),
	    T(test_permissions_unanswered),
	    T(test_provider_issue_blocker),
	    T(test_two_default_storageclasses),
	    T(test_provider_issue_fixed_by_evidence),
	    T(test_driver_minimum_blocks_all),
	    T(test_pvcs_in_cluster_context),
	    T(test_proposed_class_parameters),
	    cmocka_unit_test(test_version_cmp),
	    cmocka_unit_test(test_select_and_unknown),
	    cmocka_unit_test(test_catalogue_order),
	    T(test_report_shape),
	    cmocka_unit_test(test_snapshotter_tags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
