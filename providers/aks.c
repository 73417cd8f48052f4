/* Azure Kubernetes Service. Facts: providers.md §0 (Kyma 2020 row), §1.1, §1.2. */
#include "providers/internal.h"

#define SRC_AKS_CSI "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/csi-storage-drivers.md"
#define SRC_AKS_VSC                                                                                                    \
	"https://github.com/kubernetes-sigs/azuredisk-csi-driver/blob/master/deploy/example/snapshot/"                 \
	"storageclass-azuredisk-snapshot.yaml"
#define AKS_VSC_URL                                                                                                    \
	"https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/deploy/example/snapshot/"       \
	"storageclass-azuredisk-snapshot.yaml"

static const struct provider_driver drivers[] = {
    {.name = "disk.csi.azure.com",
     .what = "Azure Disk",
     .snapshots = true,
     .note = "VolumeSnapshotClass example csi-azuredisk-vsc uses incremental: \"true\"",
     .source = SRC_AKS_CSI},
    {.name = "file.csi.azure.com", .what = "Azure Files", .snapshots = true, .source = SRC_AKS_CSI},
    {.name = "blob.csi.azure.com",
     .what = "Azure Blob",
     .snapshots = false,
     .note = "no snapshot support; AKS storage profile default: disabled",
     .source = SRC_AKS_CSI},
};

static const char *const intree[] = {"kubernetes.io/azure-disk", "kubernetes.io/azure-file", NULL};

/* 2020: the Kyma guide's two steps, with the upstream CRDs and controller the
 * Azure Disk example needs (the guide sentence "none of the cloud providers
 * support this API out of the box" was removed later, kyma#8332). */
static const struct provider_step steps_2020[] = {
    UPSTREAM_STEPS_V3,
    {.kinds = PROVIDER_STEP_DRIVER,
     .title = "Install the Azure Disk CSI driver",
     .command = "see https://github.com/kubernetes-sigs/azuredisk-csi-driver/blob/master/docs/"
		"install-csi-driver-master.md",
     .verify = "kubectl get csidriver disk.csi.azure.com",
     .source = SRC_KYMA_2020},
    /* The example manifest at master may no longer match this era's
     * v1beta1 API, so the class is given inline (annotated default, which
     * the example is not). */
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create a default VolumeSnapshotClass csi-azuredisk-vsc for disk.csi.azure.com (v1beta1 in this era)",
     .command = VSC_DEFAULT_YAML("v1beta1", "csi-azuredisk-vsc", "disk.csi.azure.com"),
     .verify = "kubectl get volumesnapshotclass csi-azuredisk-vsc",
     .source = SRC_KYMA_2020 "; " SRC_AKS_VSC},
};

static const struct provider_step steps_managed[] = {
    {.kinds = PROVIDER_STEP_DRIVER | PROVIDER_STEP_CONTROLLER,
     .title = "Enable the AKS-managed Azure Disk CSI driver and snapshot controller",
     .command = "az aks update --name <cluster> --resource-group <resource-group> --enable-disk-driver "
		"--enable-snapshot-controller",
     .verify = "kubectl get csidriver disk.csi.azure.com && " UPSTREAM_VERIFY_CRDS,
     .source = SRC_AKS_CSI},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create the VolumeSnapshotClass csi-azuredisk-vsc",
     .command = "kubectl apply -f " AKS_VSC_URL,
     .verify = "kubectl get volumesnapshotclass csi-azuredisk-vsc",
     .source = SRC_AKS_VSC},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS,
     .title = "Provision volumes with a StorageClass whose provisioner is disk.csi.azure.com",
     .command = "kubectl get storageclass -o custom-columns=NAME:.metadata.name,PROVISIONER:.provisioner",
     .verify = "kubectl get pv -o custom-columns=NAME:.metadata.name,CSI:.spec.csi.driver",
     .source = SRC_MIGRATION_LIMIT},
};

static const struct provider_era eras[] = {
    {.from = {1, 17},
     .to = {1, 20},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Minimum Kubernetes version supported is 1.17: install the Azure Disk CSI driver yourself and "
		"create a VolumeSnapshotClass (Kyma 2020).",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_UNKNOWN,
     .steps = steps_2020,
     .n_steps = PROV_N(steps_2020),
     .source = SRC_KYMA_2020},
    /* "Starting with Kubernetes version 1.21, AKS uses CSI drivers by default
     * and enables CSI migration"; storageProfile.snapshotController.enabled
     * "The default value is true" (API 2023-02-01). Where the controller runs
     * and whether AKS pre-creates csi-azuredisk-vsc: UNCONFIRMED. */
    {.from = {1, 21},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "AKS ships the Azure Disk/Files CSI drivers and a managed snapshot controller (enabled by default); "
		"create a VolumeSnapshotClass such as csi-azuredisk-vsc.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_UNKNOWN,
     .controller_where = "AKS-managed (storageProfile.snapshotController.enabled, default true); Deployment name "
			 "and namespace UNCONFIRMED",
     .default_snapshot_class = NULL,
     .default_class_note = "AKS docs have users apply csi-azuredisk-vsc (not annotated default); whether AKS "
			   "pre-creates it is UNCONFIRMED",
     .steps = steps_managed,
     .n_steps = PROV_N(steps_managed),
     .source = SRC_AKS_CSI "; learn.microsoft.com .../managedclusterstorageprofile.snapshotcontrollerenabled"},
};

static const struct provider_issue issues[] = {
    {.id = "aks-intree-azure-disk",
     .title = "Volumes provisioned by kubernetes.io/azure-disk or "
	      "kubernetes.io/azure-file cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 17},
     .affected_to = KV_OPEN,
     .remediation = "Move the data to a PVC of a StorageClass with provisioner disk.csi.azure.com; CSI migration "
		    "(default from AKS 1.21) does not give old PVs a CSI source",
     .source = SRC_MIGRATION_LIMIT "; " SRC_AKS_CSI,
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "kubernetes.io/azure-disk"},
    {.id = "aks-self-managed-driver",
     .title = "Before 1.21 AKS does not manage the Azure Disk CSI driver",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 17},
     .affected_to = {1, 20},
     .fixed_k8s = {1, 21},
     .fixed_in = "AKS 1.21 (CSI drivers by default)",
     .remediation = "Upgrade the cluster to 1.21 or later, or install the driver from "
		    "kubernetes-sigs/azuredisk-csi-driver",
     .source = SRC_AKS_CSI},
};

static const char *const docs[] = {
    SRC_AKS_CSI,
    "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/azure-disk-csi.md",
    "https://github.com/kubernetes-sigs/azuredisk-csi-driver/tree/master/deploy/example/snapshot",
    NULL,
};

const struct provider provider_aks = {
    .id = "aks",
    .name = "Azure Kubernetes Service",
    .summary = "AKS: Azure Disk CSI (disk.csi.azure.com), managed snapshot controller from 1.21",
    .drivers = drivers,
    .n_drivers = PROV_N(drivers),
    .intree = intree,
    .min_version = {1, 17},
    .min_version_source = SRC_KYMA_2020 " (\"Minimum Kubernetes version supported is 1.17.\")",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
