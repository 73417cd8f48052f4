/* Provider detection and the pure queries over the provider tables. The facts
 * themselves live in one file per provider; this file holds the tables shared
 * by all of them: detection rules, in-tree provisioners, third-party drivers. */
#include "providers/providers.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "providers/internal.h"
#include "util/json.h"

/* ---- the provider list ---------------------------------------------------- */

/* Help order: managed clouds, Gardener, distributions, local, generic last. */
static const struct provider *const all_providers[] = {
    &provider_aks,
    &provider_gke,
    &provider_eks,
    &provider_gardener_gcp,
    &provider_gardener_aws,
    &provider_gardener_azure,
    &provider_gardener_openstack,
    &provider_openshift,
    &provider_digitalocean,
    &provider_rke2,
    &provider_k3s,
    &provider_kind,
    &provider_minikube,
    &provider_generic_row,
};

const struct provider *const *provider_list(size_t *n)
{
	*n = PROV_N(all_providers);
	return all_providers;
}

const struct provider *provider_find(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < PROV_N(all_providers); i++)
		if (!strcmp(all_providers[i]->id, id))
			return all_providers[i];
	return NULL;
}

void provider_ids(struct strbuf *sb)
{
	for (size_t i = 0; i < PROV_N(all_providers); i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", all_providers[i]->id);
}

const struct provider *provider_generic(void)
{
	return &provider_generic_row;
}

/* ---- detection rules ------------------------------------------------------ */

enum rule_kind {
	RULE_SHOOT_INFO,  /* shoot-info data.provider equals value */
	RULE_OPENSHIFT,	  /* config.openshift.io is served */
	RULE_VERSION,	  /* gitVersion contains value */
	RULE_LABEL,	  /* a node has label key value ("key" or "key=value") */
	RULE_PROVIDER_ID, /* a node's spec.providerID starts with value */
	RULE_CSI_DRIVER,  /* a CSIDriver named value exists */
	RULE_PROVISIONER, /* a StorageClass has provisioner value */
};

struct detect_rule {
	const char *provider;
	enum rule_kind kind;
	const char *value;
	bool weak;	    /* a guess: a self-managed cluster on the same cloud looks alike */
	const char *source; /* for reviewers: where the signal is documented */
};

/* First match wins, so the order is the priority: Gardener before the cloud it
 * runs on (its nodes carry that cloud's providerID), OpenShift before the cloud
 * it runs on, markers the managed service sets before generic cloud hints. */
static const struct detect_rule rules[] = {
    /* gardener/gardener docs/usage/shoot_info_configmap.md: data.provider = .spec.provider.type */
    {.provider = "gardener-gcp",
     .kind = RULE_SHOOT_INFO,
     .value = "gcp",
     .source = "https://github.com/gardener/gardener/blob/master/docs/usage/shoot_info_configmap.md"},
    {.provider = "gardener-aws",
     .kind = RULE_SHOOT_INFO,
     .value = "aws",
     .source = "https://github.com/gardener/gardener/blob/master/docs/usage/shoot_info_configmap.md"},
    {.provider = "gardener-azure",
     .kind = RULE_SHOOT_INFO,
     .value = "azure",
     .source = "https://github.com/gardener/gardener/blob/master/docs/usage/shoot_info_configmap.md"},
    {.provider = "gardener-openstack",
     .kind = RULE_SHOOT_INFO,
     .value = "openstack",
     .source = "https://github.com/gardener/gardener/blob/master/docs/usage/shoot_info_configmap.md"},
    /* ClusterVersion in config.openshift.io/v1
       (docs.openshift.com/aro/4/support/summarizing-cluster-specifications.html) */
    {.provider = "openshift",
     .kind = RULE_OPENSHIFT,
     .value = "config.openshift.io",
     .source = "https://docs.openshift.com/aro/4/support/summarizing-cluster-specifications.html"},
    /* gitVersion suffixes (providers.md §2.4) */
    {.provider = "gke",
     .kind = RULE_VERSION,
     .value = "-gke.",
     .source = "https://cloud.google.com/kubernetes-engine/multi-cloud/docs (versioning: x.y.z-gke.a)"},
    {.provider = "eks",
     .kind = RULE_VERSION,
     .value = "-eks-",
     .source = "https://github.com/kubernetes-sigs/aws-ebs-csi-driver/issues/1795 (v1.28.2-eks-f8587cb)"},
    {.provider = "rke2",
     .kind = RULE_VERSION,
     .value = "+rke2",
     .source = "providers.md §2.4: vX.Y.Z+rke2rN (example UNCONFIRMED)"},
    {.provider = "k3s",
     .kind = RULE_VERSION,
     .value = "+k3s",
     .source = "https://github.com/k3s-io/k3s-upgrade (v1.17.2+k3s1)"},
    /* labels managed services put on their nodes (providers.md §2.2) */
    {.provider = "aks",
     .kind = RULE_LABEL,
     .value = "kubernetes.azure.com/cluster",
     .source = "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/use-labels.md"},
    {.provider = "eks",
     .kind = RULE_LABEL,
     .value = "eks.amazonaws.com/nodegroup",
     .source = "awsdocs/amazon-eks-user-guide nodes/managed-node-update-behavior.adoc"},
    {.provider = "eks",
     .kind = RULE_LABEL,
     .value = "eks.amazonaws.com/compute-type",
     .source = "awsdocs/amazon-eks-user-guide automode/associate-workload.adoc"},
    {.provider = "gke",
     .kind = RULE_LABEL,
     .value = "cloud.google.com/gke-nodepool",
     .source = "observed in public node dumps; UNCONFIRMED in GKE docs (providers.md §2.2)"},
    {.provider = "minikube",
     .kind = RULE_LABEL,
     .value = "minikube.k8s.io/name",
     .source = "observed in public node dumps; UNCONFIRMED in minikube source (providers.md §2.2)"},
    {.provider = "k3s",
     .kind = RULE_LABEL,
     .value = "node.kubernetes.io/instance-type=k3s",
     .source = "https://github.com/k3s-io/k3s/blob/master/pkg/cloudprovider/instances.go (older version)"},
    /* spec.providerID prefixes (providers.md §2.1) */
    {.provider = "kind",
     .kind = RULE_PROVIDER_ID,
     .value = "kind://",
     .source = "https://github.com/kubernetes-sigs/kind/blob/main/pkg/cluster/internal/kubeadm/config.go (v0.9.0+)"},
    {.provider = "rke2",
     .kind = RULE_PROVIDER_ID,
     .value = "rke2://",
     .source = "providers.md §2.1 (RKE2 log: provider ID \"rke2://do-nyc3-rke2-demo-cp-01\")"},
    {.provider = "k3s",
     .kind = RULE_PROVIDER_ID,
     .value = "k3s://",
     .source = "providers.md §2.1 (widely relied on; k3s source line UNCONFIRMED)"},
    {.provider = "digitalocean",
     .kind = RULE_PROVIDER_ID,
     .value = "digitalocean://",
     .source = "https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/digitalocean/"
	       "digitalocean_cloud_provider.go (doProviderIDPrefix)"},
    {.provider = "aks",
     .kind = RULE_PROVIDER_ID,
     .value = "azure://",
     .weak = true,
     .source = "https://github.com/kubernetes-sigs/cloud-provider-azure/blob/master/pkg/provider/azure_vmss.go"},
    {.provider = "gke",
     .kind = RULE_PROVIDER_ID,
     .value = "gce://",
     .weak = true,
     .source = "https://github.com/kubernetes/cloud-provider-gcp (gce://<project>/<zone>/<instance>)"},
    {.provider = "eks",
     .kind = RULE_PROVIDER_ID,
     .value = "aws://",
     .weak = true,
     .source = "https://github.com/kubernetes/cloud-provider-aws/blob/master/pkg/providers/v1/instances.go"},
    /* what the distribution installs (providers.md §1.1) */
    {.provider = "digitalocean",
     .kind = RULE_CSI_DRIVER,
     .value = "dobs.csi.digitalocean.com",
     .weak = true,
     .source = "https://docs.digitalocean.com/products/kubernetes/how-to/create-snapshots/"},
    {.provider = "minikube",
     .kind = RULE_PROVISIONER,
     .value = "k8s.io/minikube-hostpath",
     .weak = true,
     .source = "https://minikube.sigs.k8s.io/docs/tutorials/volume_snapshots_and_csi/"},
};

static bool label_matches(json_object *node, const char *want)
{
	json_object *labels = NULL, *v = NULL;
	const char *eq = strchr(want, '=');
	char key[128];
	size_t n = eq ? (size_t)(eq - want) : strlen(want);

	/* Label keys contain dots, so jget()'s dotted paths cannot reach them. */
	if (n >= sizeof key)
		return false;
	memcpy(key, want, n);
	key[n] = '\0';
	if (!json_object_object_get_ex(node, "metadata", &labels) ||
	    !json_object_object_get_ex(labels, "labels", &labels) || !json_object_is_type(labels, json_type_object) ||
	    !json_object_object_get_ex(labels, key, &v))
		return false;
	return !eq || (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), eq + 1));
}

static const char *node_str(json_object *node, const char *outer, const char *inner)
{
	json_object *o = NULL, *v = NULL;
	if (!json_object_object_get_ex(node, outer, &o) || !json_object_object_get_ex(o, inner, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The first node satisfying the rule, or NULL. */
static json_object *match_nodes(json_object *nodes, const struct detect_rule *r)
{
	size_t n = json_object_is_type(nodes, json_type_array) ? json_object_array_length(nodes) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *node = json_object_array_get_idx(nodes, i);
		if (r->kind == RULE_LABEL && label_matches(node, r->value))
			return node;
		if (r->kind == RULE_PROVIDER_ID) {
			const char *id = node_str(node, "spec", "providerID");
			if (id && !strncmp(id, r->value, strlen(r->value)))
				return node;
		}
	}
	return NULL;
}

static bool has_provisioner(json_object *classes, const char *want)
{
	size_t n = json_object_is_type(classes, json_type_array) ? json_object_array_length(classes) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(json_object_array_get_idx(classes, i), "provisioner", &v) &&
		    json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), want))
			return true;
	}
	return false;
}

/* Whether r matches; on a match appends why to ev (may be NULL). */
static bool rule_matches(const struct detect_rule *r, const struct provider_signals *s, struct strbuf *ev)
{
	json_object *node;

	switch (r->kind) {
	case RULE_SHOOT_INFO: {
		json_object *p = NULL;
		if (!s->shoot_info || !json_object_object_get_ex(s->shoot_info, "provider", &p) ||
		    !json_object_is_type(p, json_type_string) || strcmp(json_object_get_string(p), r->value))
			return false;
		if (ev)
			strbuf_addf(ev, "ConfigMap kube-system/shoot-info has provider \"%s\" (Gardener shoot)",
				    r->value);
		return true;
	}
	case RULE_OPENSHIFT:
		if (!s->openshift_api)
			return false;
		if (ev)
			strbuf_addf(ev, "API group %s is served (OpenShift%s%s)", r->value,
				    s->openshift_version ? " " : "", s->openshift_version ? s->openshift_version : "");
		return true;
	case RULE_VERSION:
		if (!s->git_version || !strstr(s->git_version, r->value))
			return false;
		if (ev)
			strbuf_addf(ev, "server version %s contains \"%s\"", s->git_version, r->value);
		return true;
	case RULE_LABEL:
	case RULE_PROVIDER_ID:
		node = match_nodes(s->nodes, r);
		if (!node)
			return false;
		if (ev) {
			const char *v = node_str(node, "metadata", "name");
			if (r->kind == RULE_LABEL)
				strbuf_addf(ev, "node %s has label %s", v ? v : "?", r->value);
			else
				strbuf_addf(ev, "node %s's spec.providerID starts with %s", v ? v : "?", r->value);
		}
		return true;
	case RULE_CSI_DRIVER:
		for (size_t i = 0; i < s->n_csi_drivers; i++) {
			if (s->csi_drivers[i] && !strcmp(s->csi_drivers[i], r->value)) {
				if (ev)
					strbuf_addf(ev, "CSIDriver %s is installed", r->value);
				return true;
			}
		}
		return false;
	case RULE_PROVISIONER:
		if (!has_provisioner(s->storage_classes, r->value))
			return false;
		if (ev)
			strbuf_addf(ev, "a StorageClass uses provisioner %s", r->value);
		return true;
	}
	return false;
}

const struct provider *provider_detect(const struct provider_signals *s, struct strbuf *evidence)
{
	for (size_t i = 0; s && i < PROV_N(rules); i++) {
		struct strbuf why = STRBUF_INIT;
		if (!rule_matches(&rules[i], s, evidence ? &why : NULL)) {
			strbuf_release(&why);
			continue;
		}
		const struct provider *p = provider_find(rules[i].provider);
		if (evidence) {
			strbuf_addstr(evidence, why.buf);
			if (rules[i].weak)
				strbuf_addf(evidence, "; assumed %s (a self-managed cluster would look the same)",
					    p->name);
		}
		strbuf_release(&why);
		return p;
	}
	if (evidence) {
		const char *t = s && s->shoot_info ? jstr(s->shoot_info, "provider") : NULL;
		if (t)
			strbuf_addf(evidence, "Gardener shoot on provider \"%s\", which has no table; ", t);
		strbuf_addstr(evidence, "no provider-specific signal matched; using generic advice");
	}
	return &provider_generic_row;
}

/* ---- versions ------------------------------------------------------------- */

bool provider_parse_version(const char *s, int *major, int *minor, int *patch)
{
	char *end;
	long ma, mi, pa = 0;

	if (!s)
		return false;
	if (*s == 'v' || *s == 'V')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	ma = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	mi = strtol(end + 1, &end, 10);
	if (*end == '.' && isdigit((unsigned char)end[1]))
		pa = strtol(end + 1, &end, 10);
	if (ma < 0 || ma > 1000 || mi < 0 || mi > 1000 || pa < 0 || pa > 100000)
		return false;
	*major = (int)ma;
	*minor = (int)mi;
	if (patch)
		*patch = (int)pa;
	return true;
}

int provider_kver_cmp(struct provider_kver a, struct provider_kver b)
{
	if (a.major != b.major)
		return a.major < b.major ? -1 : 1;
	if (a.minor != b.minor)
		return a.minor < b.minor ? -1 : 1;
	return 0;
}

static bool kver_open(struct provider_kver v)
{
	return v.major == 0 && v.minor == 0;
}

bool provider_kver_in(struct provider_kver v, struct provider_kver from, struct provider_kver to)
{
	return provider_kver_cmp(v, from) >= 0 && (kver_open(to) || provider_kver_cmp(v, to) <= 0);
}

bool provider_min_version_ok(const struct provider *p, int major, int minor)
{
	return !p || kver_open(p->min_version) || provider_kver_cmp(KV(major, minor), p->min_version) >= 0;
}

const struct provider_era *provider_era_for(const struct provider *p, int major, int minor)
{
	for (size_t i = 0; p && i < p->n_eras; i++)
		if (provider_kver_in(KV(major, minor), p->eras[i].from, p->eras[i].to))
			return &p->eras[i];
	return NULL;
}

size_t provider_issues_for(const struct provider *p, int major, int minor, const struct provider_issue **out,
			   size_t max)
{
	size_t n = 0;
	for (size_t i = 0; p && i < p->n_issues; i++) {
		const struct provider_issue *is = &p->issues[i];
		if (!provider_kver_in(KV(major, minor), is->affected_from, is->affected_to))
			continue;
		if (out && n < max)
			out[n] = is;
		n++;
	}
	return n;
}

/* The next run of digits at or after *s, or -1 at the end. */
static long next_number(const char **s)
{
	while (**s && !isdigit((unsigned char)**s))
		(*s)++;
	if (!**s)
		return -1;
	char *end;
	long v = strtol(*s, &end, 10);
	*s = end;
	return v;
}

int provider_version_cmp(const char *a, const char *b)
{
	for (;;) {
		long x = next_number(&a), y = next_number(&b);
		if (x != y)
			return x < y ? -1 : 1;
		if (x < 0)
			return 0;
	}
}

bool provider_issue_affects(const struct provider_issue *is, const char *git_version, int major, int minor)
{
	if (!provider_kver_in(KV(major, minor), is->affected_from, is->affected_to))
		return false;
	return !is->fixed_version || !git_version || provider_version_cmp(git_version, is->fixed_version) < 0;
}

const struct provider_step *provider_era_step(const struct provider_era *e, unsigned kinds)
{
	for (size_t i = 0; e && i < e->n_steps; i++)
		if (e->steps[i].kinds & kinds)
			return &e->steps[i];
	return NULL;
}

/* ---- in-tree provisioners (providers.md §1.2) ----------------------------- */

#define NO_SNAP_NOTE "migrated or not, PVs provisioned by it have no spec.csi and cannot be snapshotted"

static const struct provider_intree intree[] = {
    {.provisioner = "kubernetes.io/aws-ebs",
     .csi_driver = "ebs.csi.aws.com",
     .migration_ga = {1, 25},
     .removed = {1, 27},
     .note = NO_SNAP_NOTE,
     .source = "KEP-1487; https://github.com/kubernetes/kubernetes/pull/115838 (removed 1.27); EKS doc: "
	       "\"Kubernetes doesn't support snapshots of volumes being served via CSI migration\""},
    {.provisioner = "kubernetes.io/gce-pd",
     .csi_driver = "pd.csi.storage.gke.io",
     .migration_ga = {1, 25},
     .removed = {1, 28},
     .note = NO_SNAP_NOTE,
     .source = "KEP-1488; https://github.com/kubernetes/kubernetes/pull/117055 (removed 1.28); GKE doc: \"The "
	       "in-tree Persistent Disk driver does not support snapshots.\""},
    {.provisioner = "kubernetes.io/azure-disk",
     .csi_driver = "disk.csi.azure.com",
     .migration_ga = {1, 24},
     .removed = {1, 27},
     .note = NO_SNAP_NOTE,
     .source = "KEP-1490; https://github.com/kubernetes/kubernetes/pull/116301 (removed 1.27)"},
    {.provisioner = "kubernetes.io/azure-file",
     .csi_driver = "file.csi.azure.com",
     .migration_ga = {1, 26},
     .removed = {1, 30},
     .note = NO_SNAP_NOTE,
     .source = "KEP-1885; https://github.com/kubernetes/kubernetes/pull/122576 (removed 1.30)"},
    {.provisioner = "kubernetes.io/cinder",
     .csi_driver = "cinder.csi.openstack.org",
     .migration_ga = {1, 24},
     .removed = {1, 26},
     .note = NO_SNAP_NOTE,
     .source = "KEP-1489; https://github.com/kubernetes/kubernetes/pull/67782 (removed 1.26)"},
    {.provisioner = "kubernetes.io/vsphere-volume",
     .csi_driver = "csi.vsphere.vmware.com",
     .migration_ga = {1, 26},
     .note = NO_SNAP_NOTE "; in-tree removal release UNCONFIRMED (cloud provider removed in 1.30, k/k#124794; the "
			  "kubernetes/kubernetes PR deleting pkg/volume/vsphere_volume would confirm it)",
     .source = "KEP-1491; https://github.com/kubernetes/kubernetes/pull/124794"},
    {.provisioner = "kubernetes.io/portworx-volume",
     .csi_driver = "pxd.portworx.com",
     .migration_ga = {1, 33},
     .note = NO_SNAP_NOTE "; migration off by default until GA",
     .source = "kubernetes/enhancements keps/sig-storage/2589-csi-migration-portworx/kep.yaml"},
    {.provisioner = "kubernetes.io/rbd",
     .csi_driver = "rbd.csi.ceph.com",
     .removed = {1, 31},
     .note = NO_SNAP_NOTE "; migration deprecated (k/k#118303), plugin removed in 1.31",
     .source = "KEP-2923; kubernetes/csi-translation-lib commit 6844d9f (v0.31.0)"},
    /* Non-CSI provisioners of local distributions: nothing to migrate to. */
    {.provisioner = "rancher.io/local-path",
     .note = "local-path-provisioner (k3s, kind) is not CSI: no snapshots",
     .source = "https://github.com/rancher/local-path-provisioner/issues/431; kubernetes-sigs/kind "
	       "pkg/build/nodeimage/const_storage.go"},
    {.provisioner = "k8s.io/minikube-hostpath",
     .note = "minikube's default hostpath provisioner is not CSI: use the csi-hostpath-driver addon",
     .source = "https://minikube.sigs.k8s.io/docs/tutorials/volume_snapshots_and_csi/"},
    {.provisioner = "openebs.io/local",
     .note = "OpenEBS LocalPV Hostpath/Device is not CSI: no snapshots",
     .source = "https://openebs.io/docs (LocalPV Hostpath)"},
    {.provisioner = "kubernetes.io/no-provisioner",
     .note = "static local PVs: no CSI driver, no snapshots (name standard; UNCONFIRMED in providers.md: the "
	     "Kubernetes docs' local volume StorageClass example would confirm it)",
     .source = "providers.md §1.2 (UNCONFIRMED)"},
};

const struct provider_intree *provider_driver_for_intree(const char *provisioner)
{
	for (size_t i = 0; provisioner && i < PROV_N(intree); i++)
		if (!strcmp(intree[i].provisioner, provisioner))
			return &intree[i];
	return NULL;
}

/* ---- drivers not owned by a provider row (providers.md §1.1) --------------- */

static const struct provider_driver third_party[] = {
    {.name = "hostpath.csi.k8s.io",
     .what = "CSI hostpath (test/demo)",
     .snapshots = true,
     .source = "https://github.com/kubernetes-csi/csi-driver-host-path"},
    {.name = "driver.longhorn.io",
     .what = "Longhorn",
     .snapshots = true,
     .note = "Longhorn does not ship the snapshot controller or CRDs",
     .source = "https://longhorn.io/docs/ (enable-csi-snapshot-support)"},
    {.name = "rbd.csi.ceph.com",
     .what = "Ceph RBD (ceph-csi)",
     .snapshots = true,
     .source = "https://rook.io/docs/rook/v1.9/Storage-Configuration/Ceph-CSI/ceph-csi-snapshot/"},
    {.name = "rook-ceph.rbd.csi.ceph.com",
     .what = "Rook Ceph RBD",
     .snapshots = true,
     .note = "name is <operator-namespace>.rbd.csi.ceph.com",
     .source = "https://github.com/rook/rook/blob/master/deploy/examples/csi/rbd/snapshotclass.yaml"},
    {.name = "cephfs.csi.ceph.com",
     .what = "CephFS (ceph-csi)",
     .snapshots = true,
     .source = "https://github.com/rook/rook/blob/master/deploy/examples/csi/cephfs/snapshotclass.yaml"},
    {.name = "rook-ceph.cephfs.csi.ceph.com",
     .what = "Rook CephFS",
     .snapshots = true,
     .source = "https://github.com/rook/rook/blob/master/deploy/examples/csi/cephfs/snapshotclass.yaml"},
    {.name = "openshift-storage.rbd.csi.ceph.com",
     .what = "OpenShift Data Foundation RBD",
     .snapshots = true,
     .source = "docs.redhat.com OCP 4.7 \"About the CSI Snapshot Controller Operator\""},
    {.name = "zfs.csi.openebs.io",
     .what = "OpenEBS LocalPV ZFS",
     .snapshots = true,
     .source = "https://openebs.io/docs (zfs-snapshot)"},
    {.name = "local.csi.openebs.io",
     .what = "OpenEBS LocalPV LVM",
     .snapshots = true,
     .note = "restore/clone from snapshot not supported (velero#7044 discussion)",
     .source = "https://github.com/vmware-tanzu/velero/issues/7044"},
    {.name = "io.openebs.csi-mayastor",
     .what = "OpenEBS Replicated PV Mayastor",
     .snapshots = true,
     .source = "https://openebs.io/docs (replicated-pv-mayastor volume-snapshots)"},
    {.name = "pxd.portworx.com",
     .what = "Portworx",
     .snapshots = true,
     .note = "the operator installs a snapshot controller when csi.installSnapshotController is true",
     .source = "https://docs.portworx.com (csi/dataprotection)"},
    {.name = "csi.vsphere.vmware.com",
     .what = "vSphere CSI",
     .snapshots = true,
     .note = "GA in vSphere CSI 2.5, block volumes only, needs vCenter and ESXi 7.0 U3+",
     .source = "https://github.com/kubernetes-sigs/vsphere-csi-driver/issues/1403"},
    {.name = "cinder.csi.openstack.org",
     .what = "OpenStack Cinder",
     .snapshots = true,
     .source = "https://github.com/gardener/gardener-extension-provider-openstack/pull/1319"},
    {.name = "nfs.manila.csi.openstack.org",
     .what = "OpenStack Manila (NFS)",
     .snapshots = true,
     .source = "gardener-extension-provider-openstack docs/usage/usage.md (VSClass csi-manila-nfs)"},
    {.name = "manila.csi.openstack.org",
     .what = "OpenStack Manila (OpenShift)",
     .snapshots = true,
     .source = "openshift/csi-operator assets/overlays/*/base/volumesnapshotclass*.yaml (csi-manila-standard)"},
    {.name = "linodebs.csi.linode.com",
     .what = "Linode Block Storage",
     .snapshots = false,
     .note = "\"The Linode API does not support block storage volume snapshots\"",
     .source = "https://github.com/linode/linode-blockstorage-csi-driver/blob/main/internal/driver/errors.go"},
};

const struct provider_driver *provider_find_driver(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < PROV_N(all_providers); i++)
		for (size_t j = 0; j < all_providers[i]->n_drivers; j++)
			if (!strcmp(all_providers[i]->drivers[j].name, name))
				return &all_providers[i]->drivers[j];
	for (size_t i = 0; i < PROV_N(third_party); i++)
		if (!strcmp(third_party[i].name, name))
			return &third_party[i];
	return NULL;
}

enum provider_tristate provider_is_known_snapshot_driver(const char *name)
{
	const struct provider_driver *d = provider_find_driver(name);
	if (!d)
		return PROVIDER_UNCONFIRMED;
	return d->snapshots ? PROVIDER_YES : PROVIDER_NO;
}

/* ---- names ---------------------------------------------------------------- */

const char *provider_support_name(enum provider_support s)
{
	switch (s) {
	case PROVIDER_SNAP_UNSUPPORTED:
		return "unsupported";
	case PROVIDER_SNAP_BROKEN:
		return "broken";
	case PROVIDER_SNAP_SETUP:
		return "setup";
	case PROVIDER_SNAP_READY:
		return "ready";
	}
	return "?";
}

const char *provider_controller_name(enum provider_controller c)
{
	switch (c) {
	case PROVIDER_CTRL_NONE:
		return "none";
	case PROVIDER_CTRL_IN_CLUSTER:
		return "in-cluster";
	case PROVIDER_CTRL_HIDDEN:
		return "hidden";
	case PROVIDER_CTRL_ADDON:
		return "addon";
	case PROVIDER_CTRL_UNKNOWN:
		return "unknown";
	}
	return "?";
}

const char *provider_severity_name(enum provider_severity s)
{
	switch (s) {
	case PROVIDER_SEV_INFO:
		return "info";
	case PROVIDER_SEV_WARNING:
		return "warning";
	case PROVIDER_SEV_BLOCKER:
		return "blocker";
	}
	return "?";
}
