/* Local and self-managed distributions: kind, minikube, k3s, RKE2.
 * Facts: providers.md §1.1, §2. None of these needs a cloud; kind and k3s ship
 * only the non-CSI local-path provisioner, so snapshots need a CSI driver. */
#include "providers/internal.h"

#define SRC_HOSTPATH "https://github.com/kubernetes-csi/csi-driver-host-path/blob/master/docs/deploy-1.17-and-later.md"
#define SRC_MINIKUBE "https://minikube.sigs.k8s.io/docs/tutorials/volume_snapshots_and_csi/"
#define SRC_KIND_SC                                                                                                    \
	"https://github.com/kubernetes-sigs/kind/blob/main/pkg/build/nodeimage/const_storage.go (commit 334a9494, "    \
	"v0.7.0)"
#define SRC_K3S_6459 "https://github.com/k3s-io/k3s/pull/6459 (closed unmerged)"
#define SRC_RKE2_CHARTS "https://github.com/rancher/rke2-charts/pull/303"

static const struct provider_driver hostpath[] = {
    {.name = "hostpath.csi.k8s.io",
     .what = "CSI hostpath (single node, test/demo)",
     .snapshots = true,
     .source = SRC_HOSTPATH},
};

/* csi-driver-host-path: "run the deploy.sh script for the Kubernetes version
 * used by the cluster" (deploy/kubernetes-latest for current ones). */
#define HOSTPATH_STEPS(dir)                                                                                            \
	{.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_SNAPSHOT_CLASS,                                                 \
	 .title = "Deploy the CSI hostpath driver (CSIDriver hostpath.csi.k8s.io, VolumeSnapshotClass "                \
		  "csi-hostpath-snapclass)",                                                                           \
	 .command = "git clone https://github.com/kubernetes-csi/csi-driver-host-path\n"                               \
		    "cd csi-driver-host-path\n"                                                                        \
		    "deploy/" dir "/deploy.sh",                                                                        \
	 .verify = "kubectl get csidriver hostpath.csi.k8s.io && kubectl get volumesnapshotclass "                     \
		   "csi-hostpath-snapclass",                                                                           \
	 .source = SRC_HOSTPATH},                                                                                      \
	{                                                                                                              \
		.kinds = PROVIDER_STEP_STORAGE_CLASS, .title = "Create the StorageClass csi-hostpath-sc",              \
		.command = "kubectl apply -f examples/csi-storageclass.yaml",                                          \
		.verify = "kubectl get storageclass csi-hostpath-sc", .source = SRC_HOSTPATH,                          \
	}

/* The external-snapshotter tag depends on the version (internal.h). */
static const struct provider_step hostpath_v3[] = {UPSTREAM_STEPS_V3,
						   HOSTPATH_STEPS("kubernetes-<cluster minor, e.g. 1.18>")};
static const struct provider_step hostpath_v6[] = {UPSTREAM_STEPS_V6,
						   HOSTPATH_STEPS("kubernetes-<cluster minor, e.g. 1.22>")};
static const struct provider_step hostpath_v8[] = {UPSTREAM_STEPS_V8, HOSTPATH_STEPS("kubernetes-latest")};

/* ---- kind ------------------------------------------------------------------ */

static const char *const kind_intree[] = {"rancher.io/local-path", NULL};

#define KIND_SUMMARY                                                                                                   \
	"kind ships only the non-CSI local-path provisioner (StorageClass standard): install the snapshot CRDs, the "  \
	"snapshot-controller and the CSI hostpath driver."
#define KIND_ERA(lo, hi, st) /* 1.lo to 1.hi, hi 0 = open */                                                           \
	{                                                                                                              \
		.from = {1, lo}, .to = {(hi) ? 1 : 0, hi}, .support = PROVIDER_SNAP_SETUP, .summary = KIND_SUMMARY,    \
		.crds_preinstalled = PROVIDER_NO, .controller = PROVIDER_CTRL_NONE,                                    \
		.default_storage_class = "standard", .steps = st, .n_steps = PROV_N(st), .source = SRC_KIND_SC         \
	}

static const struct provider_era kind_eras[] = {
    KIND_ERA(17, 19, hostpath_v3),
    KIND_ERA(20, 24, hostpath_v6),
    KIND_ERA(25, 0, hostpath_v8),
};

static const struct provider_issue kind_issues[] = {
    {.id = "local-path-not-csi",
     .title = "The default StorageClass standard (rancher.io/local-path) is not CSI "
	      "and cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = KV_OPEN,
     .remediation = "Use a PVC of csi-hostpath-sc (or another CSI StorageClass) for data you want to snapshot",
     .source = SRC_KIND_SC "; https://github.com/rancher/local-path-provisioner/issues/431",
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "rancher.io/local-path"},
};

static const char *const kind_docs[] = {SRC_HOSTPATH, "https://kind.sigs.k8s.io/", NULL};

const struct provider provider_kind = {
    .id = "kind",
    .name = "kind",
    .summary = "kind: no CSI driver by default; install CRDs, snapshot-controller and csi-driver-host-path",
    .drivers = hostpath,
    .n_drivers = PROV_N(hostpath),
    .intree = kind_intree,
    .min_version = {1, 17},
    .min_version_source = "external-snapshotter CHANGELOG-2.0.md (v1beta1, Kubernetes 1.17); the rest depends "
			  "on the CSI driver you add (providers.md §1.1)",
    .eras = kind_eras,
    .n_eras = PROV_N(kind_eras),
    .issues = kind_issues,
    .n_issues = PROV_N(kind_issues),
    .docs = kind_docs,
};

/* ---- minikube -------------------------------------------------------------- */

static const char *const minikube_intree[] = {"k8s.io/minikube-hostpath", NULL};

static const struct provider_step minikube_steps[] = {
    {.kinds = PROVIDER_STEP_CRDS | PROVIDER_STEP_CONTROLLER,
     .title = "Enable the volumesnapshots addon (CRDs and the snapshot controller; disabled by default)",
     .command = "minikube addons enable volumesnapshots",
     .verify = UPSTREAM_VERIFY_CRDS,
     .source = SRC_MINIKUBE},
    {.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_STORAGE_CLASS | PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Enable the csi-hostpath-driver addon (StorageClass csi-hostpath-sc, VolumeSnapshotClass "
	      "csi-hostpath-snapclass)",
     .command = "minikube addons enable csi-hostpath-driver",
     .verify = "kubectl get csidriver hostpath.csi.k8s.io && kubectl get volumesnapshotclass "
	       "csi-hostpath-snapclass",
     .source = SRC_MINIKUBE},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS,
     .title = "Provision volumes with csi-hostpath-sc (the default class standard is not CSI)",
     .command = "kubectl get storageclass csi-hostpath-sc",
     .verify = NULL,
     .source = SRC_MINIKUBE},
};

static const struct provider_era minikube_eras[] = {
    {.from = {1, 0},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Enable the volumesnapshots and csi-hostpath-driver addons and use csi-hostpath-sc; the "
		"addon's csi-hostpath-snapclass is not annotated default.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_ADDON,
     .controller_where = "addon volumesnapshots (older versions: StatefulSet kube-system/"
			 "volume-snapshot-controller)",
     .default_storage_class = "standard",
     .default_snapshot_class = NULL,
     .default_class_note = "csi-hostpath-snapclass (addon, not annotated default)",
     .steps = minikube_steps,
     .n_steps = PROV_N(minikube_steps),
     .source = SRC_MINIKUBE "; kubernetes/minikube deploy/addons/volumesnapshots/csi-hostpath-snapshotclass.yaml.tmpl"},
};

static const struct provider_issue minikube_issues[] = {
    {.id = "minikube-hostpath-not-csi",
     .title = "The default StorageClass standard (k8s.io/minikube-hostpath) "
	      "is not CSI and cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = KV_OPEN,
     .remediation = "Use a PVC of csi-hostpath-sc for data you want to snapshot",
     .source = SRC_MINIKUBE,
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "k8s.io/minikube-hostpath"},
    {.id = "minikube-tutorial-1.28",
     .title = "The current minikube snapshot tutorial asks for Kubernetes v1.28 "
	      "or later",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = {1, 27},
     .fixed_k8s = {1, 28},
     .remediation = "Start minikube with --kubernetes-version=v1.28.0 or later",
     .source = "https://github.com/kubernetes/minikube/blob/master/site/content/en/docs/tutorials/"
	       "volume_snapshots_and_csi.md"},
};

static const char *const minikube_docs[] = {SRC_MINIKUBE, NULL};

const struct provider provider_minikube = {
    .id = "minikube",
    .name = "minikube",
    .summary = "minikube: addons volumesnapshots + csi-hostpath-driver",
    .drivers = hostpath,
    .n_drivers = PROV_N(hostpath),
    .intree = minikube_intree,
    .min_version_source = SRC_MINIKUBE " (latest tutorial: Kubernetes v1.28 or later; see issues)",
    .eras = minikube_eras,
    .n_eras = PROV_N(minikube_eras),
    .issues = minikube_issues,
    .n_issues = PROV_N(minikube_issues),
    .docs = minikube_docs,
};

/* ---- k3s ------------------------------------------------------------------- */

static const char *const k3s_intree[] = {"rancher.io/local-path", NULL};

/* Longhorn as the example CSI driver (providers.md §1.1, k3s row). */
#define LONGHORN_STEP                                                                                                  \
	{                                                                                                              \
		.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_SNAPSHOT_CLASS,                                          \
		.title = "Install a CSI driver with snapshot support (e.g. Longhorn, driver.longhorn.io) and a "       \
			 "VolumeSnapshotClass for it",                                                                 \
		.command = "see https://longhorn.io/docs/ (Enable CSI snapshot support)",                              \
		.verify = "kubectl get csidriver && kubectl get volumesnapshotclass",                                  \
		.source = "https://longhorn.io/docs/ (enable-csi-snapshot-support)"                                    \
	}
static const struct provider_step k3s_v3[] = {UPSTREAM_STEPS_V3, LONGHORN_STEP};
static const struct provider_step k3s_v6[] = {UPSTREAM_STEPS_V6, LONGHORN_STEP};
static const struct provider_step k3s_v8[] = {UPSTREAM_STEPS_V8, LONGHORN_STEP};

#define K3S_SUMMARY                                                                                                    \
	"k3s bundles no snapshot controller or CRDs and its local-path StorageClass is not CSI: install the CRDs, "    \
	"the snapshot-controller and a CSI driver such as Longhorn."
#define K3S_ERA(lo, hi, st) /* 1.lo to 1.hi, hi 0 = open */                                                            \
	{                                                                                                              \
		.from = {1, lo}, .to = {(hi) ? 1 : 0, hi}, .support = PROVIDER_SNAP_SETUP, .summary = K3S_SUMMARY,     \
		.crds_preinstalled = PROVIDER_NO, .controller = PROVIDER_CTRL_NONE,                                    \
		.default_storage_class = "local-path", .steps = st, .n_steps = PROV_N(st), .source = SRC_K3S_6459      \
	}

static const struct provider_era k3s_eras[] = {
    K3S_ERA(17, 19, k3s_v3),
    K3S_ERA(20, 24, k3s_v6),
    K3S_ERA(25, 0, k3s_v8),
};

static const struct provider_issue k3s_issues[] = {
    {.id = "local-path-not-csi",
     .title = "The default StorageClass local-path (rancher.io/local-path) is not CSI "
	      "and cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = KV_OPEN,
     .remediation = "Use a CSI StorageClass (e.g. Longhorn) for data you want to snapshot",
     .source = "https://github.com/rancher/local-path-provisioner/issues/431; "
	       "https://github.com/k3s-io/k3s/issues/2865",
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "rancher.io/local-path"},
    {.id = "k3s-no-bundled-controller",
     .title = "k3s does not bundle the snapshot controller (PR #6459 was "
	      "closed unmerged; later bundling UNCONFIRMED)",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = KV_OPEN,
     .remediation = "Install the CRDs and the snapshot-controller from external-snapshotter",
     .source = SRC_K3S_6459,
     .unconfirmed = true,
     .confirm = "would be confirmed by a k3s release note or manifests/ directory listing a snapshot-controller "
		"component"},
};

static const char *const k3s_docs[] = {SRC_K3S_6459, "https://github.com/k3s-io/k3s/issues/2865", NULL};

static const struct provider_driver longhorn[] = {
    {.name = "driver.longhorn.io",
     .what = "Longhorn (commonly added)",
     .snapshots = true,
     .note = "Longhorn does not ship the snapshot controller or CRDs",
     .source = "https://longhorn.io/docs/ (enable-csi-snapshot-support)"},
};

const struct provider provider_k3s = {
    .id = "k3s",
    .name = "k3s",
    .summary = "k3s: local-path only (not CSI); install CRDs, snapshot-controller and a CSI driver",
    .drivers = longhorn,
    .n_drivers = PROV_N(longhorn),
    .intree = k3s_intree,
    .min_version = {1, 17},
    .min_version_source = "external-snapshotter CHANGELOG-2.0.md (v1beta1, Kubernetes 1.17); the rest depends "
			  "on the CSI driver you add (providers.md §1.1)",
    .eras = k3s_eras,
    .n_eras = PROV_N(k3s_eras),
    .issues = k3s_issues,
    .n_issues = PROV_N(k3s_issues),
    .docs = k3s_docs,
};

/* ---- RKE2 ------------------------------------------------------------------ */

static const struct provider_driver rke2_drivers[] = {
    {.name = "csi.vsphere.vmware.com",
     .what = "vSphere CSI (RKE2 chart, flag blockVolumeSnapshot)",
     .snapshots = true,
     .note = "snapshots need vSphere CSI 2.5+, vCenter/ESXi 7.0 U3+, block volumes only",
     .source = "https://github.com/kubernetes-sigs/vsphere-csi-driver/issues/1403"},
};

static const struct provider_step rke2_steps[] = {
    {.kinds = PROVIDER_STEP_CHECK | PROVIDER_STEP_CRDS | PROVIDER_STEP_CONTROLLER,
     .title = "Check the bundled rke2-snapshot-controller and rke2-snapshot-controller-crd charts",
     .command = "kubectl -n kube-system get pods | grep snapshot-controller",
     .verify = UPSTREAM_VERIFY_CRDS,
     .source = SRC_RKE2_CHARTS},
    {.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Install a CSI driver with snapshot support and a VolumeSnapshotClass for it",
     .command = "see https://kubernetes-csi.github.io/docs/drivers.html (on RKE2 e.g. the vSphere CSI chart with "
		"blockVolumeSnapshot enabled, or Longhorn)",
     .verify = "kubectl get csidriver && kubectl get volumesnapshotclass",
     .source = "https://github.com/rancher/rke2/issues/3072"},
};

static const struct provider_era rke2_eras[] = {
    /* The first RKE2 release shipping the charts (2022-11) is UNCONFIRMED. */
    {.from = {1, 0},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_SETUP,
     .summary = "RKE2 bundles the snapshot CRDs and controller (rke2-snapshot-controller charts, 2022-11) but "
		"no storage: add a CSI driver with snapshot support.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_IN_CLUSTER,
     .controller_where = "kube-system, Helm chart rke2-snapshot-controller",
     .steps = rke2_steps,
     .n_steps = PROV_N(rke2_steps),
     .source = SRC_RKE2_CHARTS},
};

static const struct provider_issue rke2_issues[] = {
    {.id = "rke2-charts-since",
     .title = "The snapshot controller charts arrived in 2022-11; older RKE2 releases "
	      "lack them (first release UNCONFIRMED)",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 0},
     .affected_to = KV_OPEN,
     .remediation = "If no snapshot-controller runs, install it from external-snapshotter or upgrade RKE2",
     .source = SRC_RKE2_CHARTS "; https://github.com/rancher/rke2/issues/10566",
     .unconfirmed = true,
     .confirm = "would be confirmed by the first rancher/rke2 release notes listing rke2-snapshot-controller"},
};

static const char *const rke2_docs[] = {SRC_RKE2_CHARTS, "https://github.com/rancher/rke2/issues/3072", NULL};

const struct provider provider_rke2 = {
    .id = "rke2",
    .name = "RKE2",
    .summary = "RKE2: bundled snapshot controller charts; bring a CSI driver",
    .drivers = rke2_drivers,
    .n_drivers = PROV_N(rke2_drivers),
    .intree = NULL,
    .min_version_source = "providers.md §1.1: depends on the CSI driver you add",
    .eras = rke2_eras,
    .n_eras = PROV_N(rke2_eras),
    .issues = rke2_issues,
    .n_issues = PROV_N(rke2_issues),
    .docs = rke2_docs,
};
