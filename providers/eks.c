/* Amazon Elastic Kubernetes Service. Facts: providers.md §1.1, §1.2 (the Kyma
 * 2020 guide has no EKS section). */
#include "providers/internal.h"

#define SRC_EKS_SNAP                                                                                                   \
	"https://github.com/awsdocs/amazon-eks-user-guide/blob/main/latest/ug/storage/csi-snapshot-controller.adoc"
#define SRC_EKS_MIGRATION                                                                                              \
	"https://github.com/awsdocs/amazon-eks-user-guide/blob/main/latest/ug/storage/ebs-csi-migration-faq.adoc"
#define SRC_EKS_AUTO                                                                                                   \
	"https://github.com/awsdocs/amazon-eks-user-guide/blob/main/latest/ug/automode/create-storage-class.adoc"
#define SRC_CDK_EBS "awslabs cdk-eks-blueprints ebs-csi-driver add-on page (EBS CSI add-on needs EKS >= 1.20)"

static const struct provider_driver drivers[] = {
    {.name = "ebs.csi.aws.com",
     .what = "Amazon EBS (add-on aws-ebs-csi-driver)",
     .snapshots = true,
     .source = SRC_EKS_SNAP},
    {.name = "ebs.csi.eks.amazonaws.com",
     .what = "Amazon EBS (EKS Auto Mode)",
     .snapshots = true,
     .note = "Auto Mode \"does not include the snapshot controller\" but works with the add-on",
     .source = SRC_EKS_AUTO},
};

/* Every new cluster gets StorageClass gp2 with the in-tree provisioner. */
static const char *const intree[] = {"kubernetes.io/aws-ebs", NULL};

#define EKS_SC_YAML                                                                                                    \
	"kubectl apply -f - <<EOF\n"                                                                                   \
	"apiVersion: storage.k8s.io/v1\n"                                                                              \
	"kind: StorageClass\n"                                                                                         \
	"metadata:\n"                                                                                                  \
	"  name: <class-name>\n"                                                                                       \
	"provisioner: ebs.csi.aws.com\n"                                                                               \
	"volumeBindingMode: WaitForFirstConsumer\n"                                                                    \
	"EOF"
#define EKS_VSC_YAML                                                                                                   \
	"kubectl apply -f - <<EOF\n"                                                                                   \
	"apiVersion: snapshot.storage.k8s.io/v1\n"                                                                     \
	"kind: VolumeSnapshotClass\n"                                                                                  \
	"metadata:\n"                                                                                                  \
	"  name: csi-aws-vsc\n"                                                                                        \
	"driver: ebs.csi.aws.com\n"                                                                                    \
	"deletionPolicy: Delete\n"                                                                                     \
	"EOF"

static const struct provider_step steps_addons[] = {
    {.kinds = PROVIDER_STEP_DRIVER,
     .title = "Install the Amazon EBS CSI driver add-on (needs an IAM role for its service account)",
     .command = "aws eks create-addon --cluster-name <cluster> --addon-name aws-ebs-csi-driver "
		"--service-account-role-arn <role-arn>",
     .verify = "kubectl get csidriver ebs.csi.aws.com",
     .source = SRC_EKS_SNAP},
    {.kinds = PROVIDER_STEP_CRDS | PROVIDER_STEP_CONTROLLER,
     .title = "Install the snapshot-controller add-on (it includes the CRDs)",
     .command = "aws eks create-addon --cluster-name <cluster> --addon-name snapshot-controller",
     .verify = "aws eks list-addons --cluster-name <cluster> && " UPSTREAM_VERIFY_CRDS,
     .source = SRC_EKS_SNAP},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS,
     .title = "Create a StorageClass for ebs.csi.aws.com (gp2 is in-tree and cannot be snapshotted)",
     .command = EKS_SC_YAML,
     .verify = "kubectl get storageclass",
     .source = SRC_EKS_MIGRATION},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create the VolumeSnapshotClass csi-aws-vsc",
     .command = EKS_VSC_YAML,
     .verify = "kubectl get volumesnapshotclass csi-aws-vsc",
     .source = SRC_EKS_SNAP},
};

/* Before the add-on (EKS < 1.20): upstream CRDs + controller, driver by hand. */
static const struct provider_step steps_self[] = {
    UPSTREAM_STEPS_V3,
    {.kinds = PROVIDER_STEP_DRIVER,
     .title = "Install the Amazon EBS CSI driver (self-managed; the EKS add-on needs EKS 1.20+)",
     .command = "see https://github.com/kubernetes-sigs/aws-ebs-csi-driver",
     .verify = "kubectl get csidriver ebs.csi.aws.com",
     .source = SRC_CDK_EBS},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS,
     .title = "Create a StorageClass for ebs.csi.aws.com",
     .command = EKS_SC_YAML,
     .verify = "kubectl get storageclass",
     .source = SRC_EKS_MIGRATION},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create a default VolumeSnapshotClass for ebs.csi.aws.com (v1beta1 before 1.20)",
     .command = VSC_DEFAULT_YAML("v1beta1", "csi-aws-vsc", "ebs.csi.aws.com"),
     .verify = "kubectl get volumesnapshotclass csi-aws-vsc",
     .source = SRC_EKS_SNAP},
};

static const struct provider_era eras[] = {
    {.from = {1, 17},
     .to = {1, 19},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Install the snapshot CRDs, the snapshot-controller and the EBS CSI driver yourself (the EKS "
		"add-on needs 1.20); the default gp2 class is in-tree.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .default_storage_class = "gp2",
     .steps = steps_self,
     .n_steps = PROV_N(steps_self),
     .source = SRC_CDK_EBS},
    {.from = {1, 20},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Install the aws-ebs-csi-driver and snapshot-controller add-ons, use a StorageClass with "
		"provisioner ebs.csi.aws.com and create a VolumeSnapshotClass (EKS creates none).",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_ADDON,
     .controller_where = "EKS add-on snapshot-controller (includes the CRDs)",
     .default_storage_class = "gp2",
     .default_class_note = "EKS creates no VolumeSnapshotClass; users create e.g. csi-aws-vsc",
     .steps = steps_addons,
     .n_steps = PROV_N(steps_addons),
     .source = SRC_EKS_SNAP},
};

static const struct provider_issue issues[] = {
    {.id = "eks-intree-gp2",
     .title = "Volumes of the default gp2 class (kubernetes.io/aws-ebs) cannot be "
	      "snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 17},
     .affected_to = KV_OPEN,
     .remediation = "Create a StorageClass with provisioner ebs.csi.aws.com and move the data to a PVC of it",
     .source =
	 SRC_EKS_SNAP " (\"Kubernetes doesn't support snapshots of volumes being served via CSI migration, "
		      "such as Amazon EBS volumes using a StorageClass with provisioner kubernetes.io/aws-ebs.\")",
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "kubernetes.io/aws-ebs"},
    {.id = "eks-no-addon-before-1.20",
     .title = "The EBS CSI driver add-on needs EKS 1.20 or later",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 17},
     .affected_to = {1, 19},
     .fixed_k8s = {1, 20},
     .remediation = "Upgrade the cluster to 1.20 or later, or install the driver without the add-on",
     .source = SRC_CDK_EBS},
    /* Kubernetes-wide: CSI migration for aws-ebs on by default from 1.23
     * (KEP-1487); then in-tree gp2 volumes need the EBS CSI driver too. */
    {.id = "eks-migration-1.23",
     .title = "From 1.23 in-tree EBS volumes are served through the EBS CSI driver "
	      "(CSI migration on by default)",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 23},
     .affected_to = KV_OPEN,
     .remediation = "Install the aws-ebs-csi-driver add-on even if you only use gp2",
     .source = "KEP-1487 kep.yaml (on by default 1.23, GA 1.25); kubernetes/website#42302; " SRC_EKS_MIGRATION
	       " (providers.md §1.2)"},
};

static const char *const docs[] = {SRC_EKS_SNAP, SRC_EKS_MIGRATION, SRC_EKS_AUTO, NULL};

const struct provider provider_eks = {
    .id = "eks",
    .name = "Amazon EKS",
    .summary = "EKS: add-ons aws-ebs-csi-driver (ebs.csi.aws.com) and snapshot-controller; default gp2 is in-tree",
    .drivers = drivers,
    .n_drivers = PROV_N(drivers),
    .intree = intree,
    .min_version = {1, 17},
    .min_version_source = "providers.md §1.1 (snapshot beta API needs Kubernetes 1.17; the EBS CSI add-on needs "
			  "EKS 1.20: " SRC_CDK_EBS ")",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
