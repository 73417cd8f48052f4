/* Any other cluster (kubeadm, bare metal, unknown clouds): the upstream
 * external-snapshotter install and a CSI driver with snapshot support.
 * Facts: providers.md §3.2, §3.3. */
#include "providers/internal.h"

#define SRC_CSI_DRIVERS "https://kubernetes-csi.github.io/docs/drivers.html"
#define SRC_CHANGELOG "https://github.com/kubernetes-csi/external-snapshotter/tree/master/CHANGELOG"

#define DRIVER_STEP                                                                                                    \
	{                                                                                                              \
		.title = "Install a CSI driver with snapshot support and create a VolumeSnapshotClass for it",         \
		.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_SNAPSHOT_CLASS, .command = "see " SRC_CSI_DRIVERS,       \
		.verify = "kubectl get csidriver && kubectl get volumesnapshotclass",                                  \
		.source = SRC_KYMA_2020 " (\"not all CSI drivers support the volume snapshot functionality\")",        \
	}

static const struct provider_step steps_v3[] = {UPSTREAM_STEPS_V3, DRIVER_STEP};
static const struct provider_step steps_v6[] = {UPSTREAM_STEPS_V6, DRIVER_STEP};
static const struct provider_step steps_v8[] = {UPSTREAM_STEPS_V8, DRIVER_STEP};

static const struct provider_era eras[] = {
    {.from = {1, 12},
     .to = {1, 16},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Only the alpha v1alpha1 snapshot API (feature gate VolumeSnapshotDataSource, off by default); "
		"kubectl-volsnap needs v1beta1 (1.17) or v1 (1.20).",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .source = SRC_EXT_SNAP_README},
    {.from = {1, 17},
     .to = {1, 19},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Beta (v1beta1): install the CRDs and the snapshot-controller (external-snapshotter v3.0.0) and a "
		"CSI driver with snapshot support.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = steps_v3,
     .n_steps = PROV_N(steps_v3),
     .source = SRC_CHANGELOG "/CHANGELOG-2.0.md"},
    {.from = {1, 20},
     .to = {1, 24},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "GA (v1): install the CRDs and the snapshot-controller (external-snapshotter v6.3.0) and a CSI "
		"driver with snapshot support.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = steps_v6,
     .n_steps = PROV_N(steps_v6),
     .source = SRC_CHANGELOG "/CHANGELOG-6.0.md"},
    {.from = {1, 25},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Install the CRDs and the snapshot-controller (external-snapshotter v8.6.0) and a CSI driver with "
		"snapshot support.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = steps_v8,
     .n_steps = PROV_N(steps_v8),
     .source = SRC_CHANGELOG "/CHANGELOG-8.0.md"},
};

static const struct provider_issue issues[] = {
    {.id = "v1beta1-not-served",
     .title = "external-snapshotter v6.0.0+ no longer serves v1beta1",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 20},
     .affected_to = KV_OPEN,
     .remediation = "Use snapshot.storage.k8s.io/v1; delete invalid v1beta1 objects before upgrading from v4.0",
     .source = SRC_CHANGELOG "/CHANGELOG-6.0.md",
     .symptom = PROVIDER_SYMPTOM_V1BETA1_NOT_SERVED},
    {.id = "non-csi-volumes",
     .title = "PVs without spec.csi (in-tree or migrated) cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 17},
     .affected_to = KV_OPEN,
     .remediation = "Move the data to a PVC of a CSI StorageClass",
     .source = SRC_MIGRATION_LIMIT},
};

static const char *const docs[] = {SRC_EXT_SNAP_README, SRC_CSI_DRIVERS,
				   "https://kubernetes.io/docs/concepts/storage/volume-snapshots/", NULL};

const struct provider provider_generic_row = {
    .id = "generic",
    .name = "Generic Kubernetes",
    .summary = "any other cluster: upstream CRDs + snapshot-controller and a CSI driver with snapshots",
    .drivers = NULL,
    .n_drivers = 0,
    .intree = NULL,
    .min_version = {1, 17},
    .min_version_source = SRC_CHANGELOG "/CHANGELOG-2.0.md (v1beta1, Kubernetes 1.17)",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
