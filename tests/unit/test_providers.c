/* providers/: detection from realistic signals, version-aware advice, the
 * in-tree and driver lookups, and the integrity of the tables themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "providers/providers.h"

/* ---- helpers -------------------------------------------------------------- */

struct fixture {
	json_object *nodes, *shoot_info, *classes;
	struct provider_signals s;
	struct strbuf ev;
};

static void fx_init(struct fixture *f, const char *version, const char *nodes_json)
{
	memset(f, 0, sizeof *f);
	strbuf_init(&f->ev, 0);
	f->s.git_version = version;
	if (nodes_json) {
		f->nodes = json_tokener_parse(nodes_json);
		assert_non_null(f->nodes);
		f->s.nodes = f->nodes;
	}
}

static void fx_shoot_info(struct fixture *f, const char *json)
{
	f->shoot_info = json_tokener_parse(json);
	assert_non_null(f->shoot_info);
	f->s.shoot_info = f->shoot_info;
}

static void fx_classes(struct fixture *f, const char *json)
{
	f->classes = json_tokener_parse(json);
	assert_non_null(f->classes);
	f->s.storage_classes = f->classes;
}

static void fx_release(struct fixture *f)
{
	json_object_put(f->nodes);
	json_object_put(f->shoot_info);
	json_object_put(f->classes);
	strbuf_release(&f->ev);
}

static const char *detect(struct fixture *f)
{
	const struct provider *p = provider_detect(&f->s, &f->ev);
	assert_non_null(p);
	return p->id;
}

/* Node objects as the providers set them (providers.md §2.1, §2.2). */
#define AKS_NODE                                                                                                       \
	"{\"metadata\":{\"name\":\"aks-nodepool1-12345678-vmss000000\",\"labels\":{"                                   \
	"\"kubernetes.azure.com/cluster\":\"MC_rg_aks1_westeurope\",\"kubernetes.azure.com/agentpool\":"               \
	"\"nodepool1\",\"kubernetes.azure.com/role\":\"agent\",\"topology.kubernetes.io/region\":\"westeurope\"}},"    \
	"\"spec\":{\"providerID\":\"azure:///subscriptions/0000/resourceGroups/mc_rg_aks1_westeurope/providers/"       \
	"Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-12345678-vmss/virtualMachines/0\"}}"
#define GCE_NODE(labels)                                                                                               \
	"{\"metadata\":{\"name\":\"gke-c1-default-pool-1a2b3c4d-x1y2\",\"labels\":{" labels "}},"                      \
	"\"spec\":{\"providerID\":\"gce://my-project/europe-west1-b/gke-c1-default-pool-1a2b3c4d-x1y2\"}}"
#define AWS_NODE(labels)                                                                                               \
	"{\"metadata\":{\"name\":\"ip-10-0-1-23.eu-central-1.compute.internal\",\"labels\":{" labels "}},"             \
	"\"spec\":{\"providerID\":\"aws:///eu-central-1a/i-0123456789abcdef0\"}}"
#define AZURE_VM_NODE                                                                                                  \
	"{\"metadata\":{\"name\":\"shoot--p--c-worker-z1-0\",\"labels\":{\"worker.gardener.cloud/pool\":"              \
	"\"worker\"}},\"spec\":{\"providerID\":\"azure:///subscriptions/0000/resourceGroups/shoot--p--c/providers/"    \
	"Microsoft.Compute/virtualMachines/shoot--p--c-worker-z1-0\"}}"
#define OPENSTACK_NODE                                                                                                 \
	"{\"metadata\":{\"name\":\"shoot--p--c-worker-z1-0\",\"labels\":{\"worker.gardener.cloud/pool\":"              \
	"\"worker\"}},\"spec\":{\"providerID\":\"openstack:///6f1b2a33-0c1d-4e5f-9a8b-7c6d5e4f3a2b\"}}"
#define PLAIN_NODE(name, id)                                                                                           \
	"{\"metadata\":{\"name\":\"" name "\",\"labels\":{\"kubernetes.io/hostname\":\"" name "\"}},"                  \
	"\"spec\":{\"providerID\":\"" id "\"}}"
#define BARE_NODE "{\"metadata\":{\"name\":\"node-1\",\"labels\":{\"kubernetes.io/hostname\":\"node-1\"}},\"spec\":{}}"
#define SHOOT_INFO(type)                                                                                               \
	"{\"provider\":\"" type "\",\"region\":\"eu-west-1\",\"kubernetesVersion\":\"1.31.4\",\"projectName\":"        \
	"\"p\",\"shootName\":\"c\",\"domain\":\"c.p.shoot.example.com\",\"extensions\":\"shoot-dns-service\"}"

/* ---- detection ------------------------------------------------------------ */

static void test_detect_aks_by_label(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.2", "[" AKS_NODE "]");
	assert_string_equal(detect(&f), "aks");
	assert_non_null(strstr(f.ev.buf, "kubernetes.azure.com/cluster"));
	assert_null(strstr(f.ev.buf, "assumed"));
	fx_release(&f);
}

static void test_detect_aks_by_provider_id_is_weak(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.29.9",
		"[" PLAIN_NODE("vm-0", "azure:///subscriptions/0/resourceGroups/rg/providers/"
				       "Microsoft.Compute/virtualMachines/vm-0") "]");
	assert_string_equal(detect(&f), "aks");
	assert_non_null(strstr(f.ev.buf, "starts with azure://"));
	assert_non_null(strstr(f.ev.buf, "assumed"));
	fx_release(&f);
}

static void test_detect_gke(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.4-gke.1256000", "[" GCE_NODE("\"cloud.google.com/gke-nodepool\":\"default-pool\"") "]");
	assert_string_equal(detect(&f), "gke");
	assert_non_null(strstr(f.ev.buf, "-gke."));
	fx_release(&f);

	/* 2020-era GKE: the same marker. */
	fx_init(&f, "v1.14.10-gke.27", "[" GCE_NODE("\"cloud.google.com/gke-nodepool\":\"default-pool\"") "]");
	assert_string_equal(detect(&f), "gke");
	fx_release(&f);
}

static void test_detect_eks(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.28.2-eks-f8587cb", "[" AWS_NODE("\"eks.amazonaws.com/nodegroup\":\"ng-1\"") "]");
	assert_string_equal(detect(&f), "eks");
	assert_non_null(strstr(f.ev.buf, "-eks-"));
	fx_release(&f);

	/* Without /version (or with a plain one), the node group label decides. */
	fx_init(&f, NULL, "[" AWS_NODE("\"eks.amazonaws.com/nodegroup\":\"ng-1\"") "]");
	assert_string_equal(detect(&f), "eks");
	assert_non_null(strstr(f.ev.buf, "eks.amazonaws.com/nodegroup"));
	fx_release(&f);

	/* Fargate nodes */
	fx_init(&f, NULL, "[" PLAIN_NODE("fargate-ip-10-0-1-5", "aws:///eu-central-1a/fargate-10.0.1.5") "]");
	assert_string_equal(detect(&f), "eks");
	fx_release(&f);
}

/* Gardener nodes carry the underlying cloud's providerID: shoot-info wins. */
static void test_detect_gardener_before_cloud(void **state)
{
	(void)state;
	static const struct {
		const char *type, *nodes, *want;
	} cases[] = {
	    {"gcp", "[" GCE_NODE("\"worker.gardener.cloud/pool\":\"worker\"") "]", "gardener-gcp"},
	    {"aws", "[" AWS_NODE("\"worker.gardener.cloud/pool\":\"worker\"") "]", "gardener-aws"},
	    {"azure", "[" AZURE_VM_NODE "]", "gardener-azure"},
	    {"openstack", "[" OPENSTACK_NODE "]", "gardener-openstack"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fixture f;
		char info[512];
		snprintf(info, sizeof info, SHOOT_INFO("%s"), cases[i].type);
		fx_init(&f, "v1.31.4", cases[i].nodes);
		fx_shoot_info(&f, info);
		assert_string_equal(detect(&f), cases[i].want);
		assert_non_null(strstr(f.ev.buf, "shoot-info"));
		fx_release(&f);
	}
}

static void test_detect_gardener_unknown_type_is_generic(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.4", "[" PLAIN_NODE("n1", "alicloud://cn-beijing.i-2ze0") "]");
	fx_shoot_info(&f, SHOOT_INFO("alicloud"));
	assert_string_equal(detect(&f), "generic");
	assert_non_null(strstr(f.ev.buf, "alicloud"));
	fx_release(&f);
}

static void test_detect_openshift_before_cloud(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.29.6+a2ec9e8", "[" AWS_NODE("\"node-role.kubernetes.io/worker\":\"\"") "]");
	f.s.openshift_api = true;
	f.s.openshift_version = "4.16.3";
	assert_string_equal(detect(&f), "openshift");
	assert_non_null(strstr(f.ev.buf, "config.openshift.io"));
	assert_non_null(strstr(f.ev.buf, "4.16.3"));
	fx_release(&f);
}

static void test_detect_local_distributions(void **state)
{
	(void)state;
	struct fixture f;

	fx_init(&f, "v1.31.0", "[" PLAIN_NODE("kind-control-plane", "kind://docker/kind/kind-control-plane") "]");
	assert_string_equal(detect(&f), "kind");
	fx_release(&f);

	fx_init(&f, "v1.31.0",
		"[{\"metadata\":{\"name\":\"minikube\",\"labels\":{\"minikube.k8s.io/name\":\"minikube\","
		"\"minikube.k8s.io/primary\":\"true\"}},\"spec\":{}}]");
	assert_string_equal(detect(&f), "minikube");
	fx_release(&f);

	/* minikube without labels read: the hostpath provisioner hints at it. */
	fx_init(&f, "v1.31.0", "[" BARE_NODE "]");
	fx_classes(&f, "[{\"metadata\":{\"name\":\"standard\"},\"provisioner\":\"k8s.io/minikube-hostpath\"}]");
	assert_string_equal(detect(&f), "minikube");
	assert_non_null(strstr(f.ev.buf, "assumed"));
	fx_release(&f);

	fx_init(&f, "v1.31.4+k3s1", "[" PLAIN_NODE("k3s-server", "k3s://k3s-server") "]");
	assert_string_equal(detect(&f), "k3s");
	assert_non_null(strstr(f.ev.buf, "+k3s"));
	fx_release(&f);

	/* k3s without the version: the providerID */
	fx_init(&f, NULL, "[" PLAIN_NODE("k3s-server", "k3s://k3s-server") "]");
	assert_string_equal(detect(&f), "k3s");
	fx_release(&f);

	fx_init(&f, "v1.31.4+rke2r1", "[" PLAIN_NODE("rke2-cp-01", "rke2://rke2-cp-01") "]");
	assert_string_equal(detect(&f), "rke2");
	fx_release(&f);
}

static void test_detect_digitalocean(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.1", "[" PLAIN_NODE("pool-abc-x1", "digitalocean://412345678") "]");
	assert_string_equal(detect(&f), "digitalocean");
	fx_release(&f);

	static const char *const drivers[] = {"dobs.csi.digitalocean.com"};
	fx_init(&f, "v1.31.1", NULL);
	f.s.csi_drivers = drivers;
	f.s.n_csi_drivers = 1;
	assert_string_equal(detect(&f), "digitalocean");
	assert_non_null(strstr(f.ev.buf, "CSIDriver dobs.csi.digitalocean.com"));
	fx_release(&f);
}

static void test_detect_generic_fallback(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.4", "[" BARE_NODE "]");
	assert_string_equal(detect(&f), "generic");
	assert_non_null(strstr(f.ev.buf, "generic"));
	fx_release(&f);

	/* vSphere/OpenStack without Gardener have no row of their own. */
	fx_init(&f, "v1.30.2", "[" PLAIN_NODE("n1", "vsphere://4201a2b3-c4d5") "]");
	assert_string_equal(detect(&f), "generic");
	fx_release(&f);

	/* Nothing read at all, and NULL signals. */
	fx_init(&f, NULL, NULL);
	assert_string_equal(detect(&f), "generic");
	fx_release(&f);
	assert_ptr_equal(provider_detect(NULL, NULL), provider_generic());
}

static void test_detect_without_evidence(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "v1.31.4-gke.1256000", NULL);
	assert_string_equal(provider_detect(&f.s, NULL)->id, "gke");
	fx_release(&f);
}

/* Malformed objects must not crash detection (labels not an object, etc.). */
static void test_detect_malformed(void **state)
{
	(void)state;
	struct fixture f;
	fx_init(&f, "garbage", "[1, null, {\"metadata\":{\"labels\":[]}}, {\"spec\":{\"providerID\":7}}]");
	assert_string_equal(detect(&f), "generic");
	fx_release(&f);
	fx_init(&f, "v1.31.4", "{\"not\":\"an array\"}");
	fx_shoot_info(&f, "{\"provider\":42}");
	assert_string_equal(detect(&f), "generic");
	fx_release(&f);
}

/* ---- lookup and table integrity -------------------------------------------- */

static void test_find_and_list(void **state)
{
	(void)state;
	size_t n;
	const struct provider *const *all = provider_list(&n);
	static const char *const ids[] = {
	    "aks",	 "gke",	 "eks",	     "gardener-gcp", "gardener-aws", "gardener-azure", "gardener-openstack",
	    "openshift", "kind", "minikube", "k3s",	     "rke2",	     "digitalocean",   "generic"};
	struct strbuf sb = STRBUF_INIT;

	assert_int_equal(n, sizeof ids / sizeof ids[0]);
	assert_string_equal(all[n - 1]->id, "generic");
	provider_ids(&sb);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const struct provider *p = provider_find(ids[i]);
		assert_non_null(p);
		assert_string_equal(p->id, ids[i]);
		assert_non_null(strstr(sb.buf, ids[i]));
	}
	assert_null(provider_find("gardener"));
	assert_null(provider_find(""));
	assert_null(provider_find(NULL));
	assert_ptr_equal(provider_find("generic"), provider_generic());
	strbuf_release(&sb);
}

static void check_step(const struct provider_step *st)
{
	assert_non_null(st->title);
	assert_non_null(st->command);
	assert_non_null(st->source);
	assert_true(st->kinds != 0);
}

/* Every fact carries a source; eras ascend without overlap. */
static void test_tables_complete(void **state)
{
	(void)state;
	size_t n;
	const struct provider *const *all = provider_list(&n);
	for (size_t i = 0; i < n; i++) {
		const struct provider *p = all[i];
		assert_non_null(p->name);
		assert_non_null(p->summary);
		assert_non_null(p->min_version_source);
		assert_non_null(p->docs);
		assert_non_null(p->docs[0]);
		assert_true(p->n_eras > 0);
		for (size_t j = 0; j < p->n_drivers; j++) {
			assert_non_null(p->drivers[j].name);
			assert_non_null(p->drivers[j].what);
			assert_non_null(p->drivers[j].source);
			assert_non_null(provider_find_driver(p->drivers[j].name));
		}
		for (size_t j = 0; p->intree && p->intree[j]; j++)
			assert_non_null(provider_driver_for_intree(p->intree[j]));
		for (size_t j = 0; j < p->n_eras; j++) {
			const struct provider_era *e = &p->eras[j];
			assert_non_null(e->summary);
			assert_non_null(e->source);
			if (e->to.major)
				assert_true(provider_kver_cmp(e->from, e->to) <= 0);
			if (j > 0) {
				/* previous era closed and before this one */
				assert_true(p->eras[j - 1].to.major != 0);
				assert_true(provider_kver_cmp(p->eras[j - 1].to, e->from) < 0);
			}
			for (size_t k = 0; k < e->n_steps; k++) {
				check_step(&e->steps[k]);
				/* Before 1.20 the CRDs serve no v1: no v1 manifests there. */
				if (e->to.major && provider_kver_cmp(e->to, (struct provider_kver){1, 20}) < 0)
					assert_null(strstr(e->steps[k].command, "snapshot.storage.k8s.io/v1\n"));
			}
			if (e->support == PROVIDER_SNAP_SETUP)
				assert_true(e->n_steps > 0);
		}
		assert_int_equal(p->eras[p->n_eras - 1].to.major, 0); /* last era is open: today's advice */
		for (size_t j = 0; j < p->n_issues; j++) {
			const struct provider_issue *is = &p->issues[j];
			assert_non_null(is->id);
			assert_non_null(is->title);
			assert_non_null(is->remediation);
			assert_non_null(is->source);
			/* A remaining unconfirmed mark says what would confirm it. */
			if (is->unconfirmed)
				assert_non_null(is->confirm);
			if (is->affected_to.major)
				assert_true(provider_kver_cmp(is->affected_from, is->affected_to) <= 0);
		}
	}
}

/* ---- versions and time-aware advice ------------------------------------------ */

/* providers.md cites KEP-1487 for EKS's in-tree migration: no mark left. */
static void test_cited_facts_confirmed(void **state)
{
	(void)state;
	const struct provider *p = provider_find("eks");
	for (size_t j = 0; j < p->n_issues; j++)
		if (!strcmp(p->issues[j].id, "eks-migration-1.23"))
			assert_false(p->issues[j].unconfirmed);
	assert_null(strstr(p->min_version_source, "UNCONFIRMED"));
}

static void test_parse_version(void **state)
{
	(void)state;
	int ma = -1, mi = -1, pa = -1;
	assert_true(provider_parse_version("v1.31.4-gke.1256000", &ma, &mi, &pa));
	assert_int_equal(ma, 1);
	assert_int_equal(mi, 31);
	assert_int_equal(pa, 4);
	assert_true(provider_parse_version("1.18", &ma, &mi, &pa));
	assert_int_equal(mi, 18);
	assert_int_equal(pa, 0);
	assert_true(provider_parse_version("v1.25.4+77bec7a", &ma, &mi, NULL));
	assert_int_equal(mi, 25);
	assert_true(provider_parse_version("v1.31.4+k3s1", &ma, &mi, NULL));
	assert_false(provider_parse_version("v1", &ma, &mi, NULL));
	assert_false(provider_parse_version("garbage", &ma, &mi, NULL));
	assert_false(provider_parse_version("", &ma, &mi, NULL));
	assert_false(provider_parse_version(NULL, &ma, &mi, NULL));
	assert_false(provider_parse_version("v1.x", &ma, &mi, NULL));
}

static void test_kver(void **state)
{
	(void)state;
	struct provider_kver a = {1, 18}, b = {1, 9}, open = {0, 0};
	assert_true(provider_kver_cmp(a, b) > 0); /* numeric, not lexical */
	assert_true(provider_kver_cmp(b, a) < 0);
	assert_int_equal(provider_kver_cmp(a, a), 0);
	assert_true(provider_kver_in(a, a, a));
	assert_true(provider_kver_in((struct provider_kver){1, 40}, a, open));
	assert_false(provider_kver_in((struct provider_kver){1, 17}, a, open));
	assert_false(provider_kver_in((struct provider_kver){1, 19}, a, a));
}

static bool has_issue(const struct provider *p, int ma, int mi, const char *id, const struct provider_issue **hit)
{
	const struct provider_issue *out[32];
	size_t n = provider_issues_for(p, ma, mi, out, 32);
	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(out[i]->id, id)) {
			if (hit)
				*hit = out[i];
			return true;
		}
	}
	return false;
}

static void test_gardener_aws_time_aware(void **state)
{
	(void)state;
	const struct provider *p = provider_find("gardener-aws");
	const struct provider_issue *is = NULL;

	/* 2020: the Kyma guide's bug applies, with its link and the fix to upgrade to. */
	assert_true(has_issue(p, 1, 18, "gardener-extension-provider-aws#75", &is));
	assert_int_equal(is->severity, PROVIDER_SEV_BLOCKER);
	assert_non_null(strstr(is->source, "gardener-extension-provider-aws/issues/75"));
	assert_non_null(strstr(is->fixed_in, "v1.7.0"));
	assert_int_equal(provider_era_for(p, 1, 18)->support, PROVIDER_SNAP_BROKEN);
	assert_null(provider_era_for(p, 1, 18)->default_snapshot_class);

	/* Today: no bug, managed default class, controller hidden in the seed. */
	assert_false(has_issue(p, 1, 31, "gardener-extension-provider-aws#75", NULL));
	const struct provider_era *e = provider_era_for(p, 1, 31);
	assert_int_equal(e->support, PROVIDER_SNAP_READY);
	assert_int_equal(e->controller, PROVIDER_CTRL_HIDDEN);
	assert_string_equal(e->default_snapshot_class, "default");

	/* Before CSI: unsupported, below the minimum. */
	assert_int_equal(provider_era_for(p, 1, 17)->support, PROVIDER_SNAP_UNSUPPORTED);
	assert_false(provider_min_version_ok(p, 1, 17));
	assert_true(provider_min_version_ok(p, 1, 18));
}

static void test_gardener_gcp_and_azure_time_aware(void **state)
{
	(void)state;
	const struct provider *gcp = provider_find("gardener-gcp");
	const struct provider *az = provider_find("gardener-azure");
	const struct provider *os = provider_find("gardener-openstack");
	const struct provider_issue *is = NULL;

	assert_true(has_issue(gcp, 1, 18, "gardener-extension-provider-gcp#73", &is));
	assert_non_null(strstr(is->fixed_in, "v1.5.2"));
	assert_false(has_issue(gcp, 1, 31, "gardener-extension-provider-gcp#73", NULL));

	/* Azure: "planned for 1.19" in 2020; CSI came with 1.21 shoots. */
	assert_true(has_issue(az, 1, 18, "gardener-extension-provider-azure#3", &is));
	assert_true(has_issue(az, 1, 20, "gardener-extension-provider-azure#3", NULL));
	assert_int_equal(is->fixed_k8s.minor, 21);
	assert_int_equal(provider_era_for(az, 1, 19)->support, PROVIDER_SNAP_UNSUPPORTED);
	assert_false(has_issue(az, 1, 31, "gardener-extension-provider-azure#3", NULL));
	assert_int_equal(provider_era_for(az, 1, 31)->support, PROVIDER_SNAP_READY);
	assert_false(provider_min_version_ok(az, 1, 20));

	assert_int_equal(provider_era_for(os, 1, 18)->support, PROVIDER_SNAP_UNSUPPORTED);
	assert_string_equal(provider_era_for(os, 1, 31)->default_snapshot_class, "csi-cinder");
}

static void test_aks_versions(void **state)
{
	(void)state;
	const struct provider *p = provider_find("aks");
	assert_false(provider_min_version_ok(p, 1, 16)); /* Kyma 2020: minimum 1.17 */
	assert_null(provider_era_for(p, 1, 16));
	assert_true(provider_min_version_ok(p, 1, 17));
	assert_int_equal(provider_era_for(p, 1, 17)->support, PROVIDER_SNAP_SETUP);
	assert_true(has_issue(p, 1, 20, "aks-self-managed-driver", NULL));
	assert_false(has_issue(p, 1, 31, "aks-self-managed-driver", NULL));
	const struct provider_era *e = provider_era_for(p, 1, 31);
	assert_int_equal(e->support, PROVIDER_SNAP_READY);
	const struct provider_step *st = provider_era_step(e, PROVIDER_STEP_CONTROLLER);
	assert_non_null(st);
	assert_non_null(strstr(st->command, "--enable-snapshot-controller"));
}

static void test_gke_and_eks_versions(void **state)
{
	(void)state;
	const struct provider *gke = provider_find("gke");
	const struct provider *eks = provider_find("eks");

	/* Kyma 2020: GKE from 1.14 with the feature gate. */
	assert_true(provider_min_version_ok(gke, 1, 14));
	assert_false(provider_min_version_ok(gke, 1, 13));
	assert_true(has_issue(gke, 1, 14, "gke-alpha-api", NULL));
	assert_true(has_issue(gke, 1, 17, "gke-pd-csi-1.17.6", NULL));
	assert_false(has_issue(gke, 1, 31, "gke-alpha-api", NULL));
	assert_int_equal(provider_era_for(gke, 1, 31)->controller, PROVIDER_CTRL_HIDDEN);

	const struct provider_era *e = provider_era_for(eks, 1, 31);
	assert_int_equal(e->controller, PROVIDER_CTRL_ADDON);
	assert_string_equal(e->default_storage_class, "gp2");
	const struct provider_step *st = provider_era_step(e, PROVIDER_STEP_CRDS);
	assert_non_null(st);
	assert_non_null(strstr(st->command, "--addon-name snapshot-controller"));
	st = provider_era_step(e, PROVIDER_STEP_DRIVER);
	assert_non_null(strstr(st->command, "aws-ebs-csi-driver"));
	assert_true(has_issue(eks, 1, 22, "eks-intree-gp2", NULL));
	/* 1.19: no add-on yet, upstream v1beta1 install */
	st = provider_era_step(provider_era_for(eks, 1, 19), PROVIDER_STEP_CONTROLLER);
	assert_non_null(strstr(st->title, "v3.0.0"));
}

static void test_generic_picks_snapshotter_tag(void **state)
{
	(void)state;
	const struct provider *g = provider_generic();
	assert_null(strstr(provider_era_step(provider_era_for(g, 1, 31), PROVIDER_STEP_CRDS)->command, "v6.3.0"));
	assert_non_null(strstr(provider_era_step(provider_era_for(g, 1, 31), PROVIDER_STEP_CRDS)->command, "v8.6.0"));
	assert_non_null(strstr(provider_era_step(provider_era_for(g, 1, 22), PROVIDER_STEP_CRDS)->command, "v6.3.0"));
	assert_non_null(strstr(provider_era_step(provider_era_for(g, 1, 18), PROVIDER_STEP_CRDS)->command, "v3.0.0"));
	assert_int_equal(provider_era_for(g, 1, 14)->support, PROVIDER_SNAP_UNSUPPORTED);
	assert_null(provider_era_step(NULL, PROVIDER_STEP_CRDS));
	assert_null(provider_era_for(NULL, 1, 31));
}

/* kind and k3s: the snapshotter tag follows the cluster version too. */
static void test_local_distributions_versions(void **state)
{
	(void)state;
	const struct provider *kind = provider_find("kind");
	const struct provider *k3s = provider_find("k3s");
	assert_non_null(
	    strstr(provider_era_step(provider_era_for(kind, 1, 31), PROVIDER_STEP_CRDS)->command, "v8.6.0"));
	assert_non_null(
	    strstr(provider_era_step(provider_era_for(kind, 1, 22), PROVIDER_STEP_CRDS)->command, "v6.3.0"));
	assert_non_null(strstr(provider_era_step(provider_era_for(k3s, 1, 18), PROVIDER_STEP_CRDS)->command, "v3.0.0"));
	assert_non_null(strstr(provider_era_step(provider_era_for(kind, 1, 31), PROVIDER_STEP_DRIVER)->command,
			       "deploy/kubernetes-latest/deploy.sh"));
	assert_string_equal(provider_era_for(k3s, 1, 31)->default_storage_class, "local-path");
	assert_null(provider_era_for(kind, 1, 16));
	assert_false(provider_min_version_ok(kind, 1, 16));
	/* RKE2 bundles the controller; minikube's comes with an addon. */
	assert_int_equal(provider_era_for(provider_find("rke2"), 1, 31)->controller, PROVIDER_CTRL_IN_CLUSTER);
	assert_int_equal(provider_era_for(provider_find("minikube"), 1, 31)->controller, PROVIDER_CTRL_ADDON);
	assert_non_null(strstr(
	    provider_era_step(provider_era_for(provider_find("minikube"), 1, 31), PROVIDER_STEP_CONTROLLER)->command,
	    "minikube addons enable volumesnapshots"));
}

static void test_issues_for_counts_past_max(void **state)
{
	(void)state;
	const struct provider *p = provider_find("gardener-aws");
	const struct provider_issue *one[1];
	size_t all = provider_issues_for(p, 1, 18, NULL, 0);
	assert_true(all >= 2);
	assert_int_equal(provider_issues_for(p, 1, 18, one, 1), all);
	assert_int_equal(provider_issues_for(NULL, 1, 18, one, 1), 0);
}

/* ---- drivers -------------------------------------------------------------- */

static void test_intree(void **state)
{
	(void)state;
	static const struct {
		const char *prov, *csi;
	} cases[] = {
	    {"kubernetes.io/azure-disk", "disk.csi.azure.com"},
	    {"kubernetes.io/azure-file", "file.csi.azure.com"},
	    {"kubernetes.io/gce-pd", "pd.csi.storage.gke.io"},
	    {"kubernetes.io/aws-ebs", "ebs.csi.aws.com"},
	    {"kubernetes.io/cinder", "cinder.csi.openstack.org"},
	    {"kubernetes.io/vsphere-volume", "csi.vsphere.vmware.com"},
	    {"kubernetes.io/rbd", "rbd.csi.ceph.com"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct provider_intree *it = provider_driver_for_intree(cases[i].prov);
		assert_non_null(it);
		assert_string_equal(it->csi_driver, cases[i].csi);
		assert_false(it->snapshots); /* migrated PVs have no spec.csi */
		assert_non_null(it->source);
	}
	const struct provider_intree *it = provider_driver_for_intree("kubernetes.io/aws-ebs");
	assert_int_equal(it->migration_ga.minor, 25);
	assert_int_equal(it->removed.minor, 27);
	it = provider_driver_for_intree("rancher.io/local-path");
	assert_non_null(it);
	assert_null(it->csi_driver);
	assert_false(it->snapshots);
	assert_null(provider_driver_for_intree("disk.csi.azure.com"));
	assert_null(provider_driver_for_intree(NULL));
}

static void test_known_snapshot_drivers(void **state)
{
	(void)state;
	assert_int_equal(provider_is_known_snapshot_driver("disk.csi.azure.com"), PROVIDER_YES);
	assert_int_equal(provider_is_known_snapshot_driver("pd.csi.storage.gke.io"), PROVIDER_YES);
	assert_int_equal(provider_is_known_snapshot_driver("ebs.csi.aws.com"), PROVIDER_YES);
	assert_int_equal(provider_is_known_snapshot_driver("hostpath.csi.k8s.io"), PROVIDER_YES);
	assert_int_equal(provider_is_known_snapshot_driver("driver.longhorn.io"), PROVIDER_YES);
	assert_int_equal(provider_is_known_snapshot_driver("blob.csi.azure.com"), PROVIDER_NO);
	assert_int_equal(provider_is_known_snapshot_driver("gcsfuse.csi.storage.gke.io"), PROVIDER_NO);
	assert_int_equal(provider_is_known_snapshot_driver("linodebs.csi.linode.com"), PROVIDER_NO);
	assert_int_equal(provider_is_known_snapshot_driver("nfs.csi.example.com"), PROVIDER_UNCONFIRMED);
	assert_int_equal(provider_is_known_snapshot_driver(NULL), PROVIDER_UNCONFIRMED);
	assert_non_null(provider_find_driver("dobs.csi.digitalocean.com"));
	assert_null(provider_find_driver("kubernetes.io/aws-ebs"));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(provider_support_name(PROVIDER_SNAP_BROKEN), "broken");
	assert_string_equal(provider_controller_name(PROVIDER_CTRL_HIDDEN), "hidden");
	assert_string_equal(provider_severity_name(PROVIDER_SEV_BLOCKER), "blocker");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect_aks_by_label),
	    cmocka_unit_test(test_detect_aks_by_provider_id_is_weak),
	    cmocka_unit_test(test_detect_gke),
	    cmocka_unit_test(test_detect_eks),
	    cmocka_unit_test(test_detect_gardener_before_cloud),
	    cmocka_unit_test(test_detect_gardener_unknown_type_is_generic),
	    cmocka_unit_test(test_detect_openshift_before_cloud),
	    cmocka_unit_test(test_detect_local_distributions),
	    cmocka_unit_test(test_detect_digitalocean),
	    cmocka_unit_test(test_detect_generic_fallback),
	    cmocka_unit_test(test_detect_without_evidence),
	    cmocka_unit_test(test_detect_malformed),
	    cmocka_unit_test(test_find_and_list),
	    cmocka_unit_test(test_tables_complete),
	    cmocka_unit_test(test_cited_facts_confirmed),
	    cmocka_unit_test(test_parse_version),
	    cmocka_unit_test(test_kver),
	    cmocka_unit_test(test_gardener_aws_time_aware),
	    cmocka_unit_test(test_gardener_gcp_and_azure_time_aware),
	    cmocka_unit_test(test_aks_versions),
	    cmocka_unit_test(test_gke_and_eks_versions),
	    cmocka_unit_test(test_generic_picks_snapshotter_tag),
	    cmocka_unit_test(test_local_distributions_versions),
	    cmocka_unit_test(test_issues_for_counts_past_max),
	    cmocka_unit_test(test_intree),
	    cmocka_unit_test(test_known_snapshot_drivers),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
