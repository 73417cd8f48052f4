/* Gardener shoots on GCP, AWS, Azure and OpenStack. Facts: providers.md §0
 * (the Kyma 2020 rows and "Also Gardener"), §1.1.
 *
 * Model shared by all four (provider HEAD charts): the CRDs are deployed into
 * the shoot by a ManagedResource, the csi-snapshot-controller Deployment runs
 * in the seed (shoot control-plane namespace) and only its RBAC and its leader
 * Lease kube-system/snapshot-controller-leader are visible in the shoot. So a
 * missing controller Pod is not a failure here.
 *
 * Snapshot fixes came with extension releases, not Kubernetes releases: the
 * shoot version only tells the era. Known issues tied to 1.18 are limited to
 * 1.18 because the fixes (April/May 2020) predate Gardener's support for 1.19
 * shoots (Derived: Kubernetes 1.19 was released after them). */
#include "providers/internal.h"

#define GH "https://github.com/gardener/"
#define SRC_SEED_CTRL                                                                                                  \
	GH "gardener-extension-provider-gcp/blob/master/charts/internal/seed-controlplane/charts/"                     \
	   "csi-driver-controller/"                                                                                    \
	   "templates/csi-snapshot-controller.yaml"
#define SRC_V1BETA1_GONE GH "gardener-extension-provider-azure/pull/625; " GH "gardener/issues/7759"
#define CTRL_WHERE                                                                                                     \
	"seed (shoot control-plane namespace): Deployment csi-snapshot-controller; lease kube-system/"                 \
	"snapshot-controller-leader in the shoot"

#define SHOOT_UPGRADE(version)                                                                                         \
	"kubectl edit shoot <shoot> -n garden-<project>   # in the Garden cluster\n"                                   \
	"spec:\n"                                                                                                      \
	"  kubernetes:\n"                                                                                              \
	"    version: \"" version "\""
/* The same row for every Gardener provider; only the first affected shoot
 * minor differs (21 on Azure, 20 elsewhere). */
#define ISSUE_V1BETA1_REMOVED(first_minor)                                                                             \
	{                                                                                                              \
		.id = "gardener-v1beta1-removed",                                                                      \
		.title = "VolumeSnapshot v1beta1 is no longer served (external-snapshotter "                           \
			 "v6.2.1 in provider extensions, early 2023)",                                                 \
		.severity = PROVIDER_SEV_INFO, .affected_from = {1, (first_minor)}, .affected_to = KV_OPEN,            \
		.remediation = "Use snapshot.storage.k8s.io/v1", .source = SRC_V1BETA1_GONE,                           \
		.symptom = PROVIDER_SYMPTOM_V1BETA1_NOT_SERVED                                                         \
	}
#define VERIFY_TEST_SNAPSHOT "kubectl volsnap take <pvc> && kubectl get volumesnapshot -n <namespace>"

/* ---- GCP ------------------------------------------------------------------- */

#define GCP GH "gardener-extension-provider-gcp/"

static const struct provider_driver gcp_drivers[] = {
    {.name = "pd.csi.storage.gke.io",
     .what = "Compute Engine Persistent Disk",
     .snapshots = true,
     .source = GCP "pull/61"},
    {.name = "filestore.csi.storage.gke.io",
     .what = "Filestore (optional)",
     .snapshots = true,
     .source = "providers.md §1.1 (Gardener GCP row)"},
};
static const char *const gcp_intree[] = {"kubernetes.io/gce-pd", NULL};

static const struct provider_step gcp_steps_old[] = {
    {.kinds = PROVIDER_STEP_UPGRADE,
     .title = "Upgrade the shoot to Kubernetes 1.18+ (CSI is used from 1.18 shoots)",
     .command = SHOOT_UPGRADE("1.18.<patch>"),
     .verify = "kubectl version",
     .source = GCP "pull/61"},
};
static const struct provider_step gcp_steps_118[] = {
    {.kinds = PROVIDER_STEP_UPGRADE | PROVIDER_STEP_CONTROLLER,
     .title = "Make sure the landscape runs gardener-extension-provider-gcp v1.5.2 / v1.6.0 or later (ask the "
	      "landscape operator); it adds the missing snapshot-controller",
     .command = "kubectl -n kube-system get lease snapshot-controller-leader",
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = GCP "issues/73; " GCP "pull/77; " GCP "pull/78"},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create a default VolumeSnapshotClass (Gardener creates `default` only from provider-gcp v1.9.0)",
     .command = VSC_DEFAULT_YAML("v1beta1", "default", "pd.csi.storage.gke.io"),
     .verify = "kubectl get volumesnapshotclass",
     .source = GCP "issues/91"},
};
static const struct provider_step gcp_steps_now[] = {
    {.kinds = PROVIDER_STEP_CHECK,
     .title = "Nothing to enable: check the managed VolumeSnapshotClass `default`",
     .command = "kubectl get volumesnapshotclass default",
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = GCP "charts/internal/shoot-storageclasses/templates/ (HEAD)"},
};

static const struct provider_era gcp_eras[] = {
    {.from = {1, 0},
     .to = {1, 17},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Shoots before 1.18 use the in-tree gce-pd provisioner: no CSI, no VolumeSnapshots.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = gcp_steps_old,
     .n_steps = PROV_N(gcp_steps_old),
     .source = GCP "pull/61"},
    {.from = {1, 18},
     .to = {1, 18},
     .support = PROVIDER_SNAP_BROKEN,
     .summary = "Although Gardener GCP uses CSI drivers by default as of Kubernetes 1.18, volume snapshotting "
		"does not work yet because of gardener-extension-provider-gcp#73 (Kyma 2020); fixed in "
		"provider-gcp v1.5.2 / v1.6.0.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_storage_class = "default",
     .default_class_note = "VolumeSnapshotClass `default` only from provider-gcp v1.9.0 (2020-08-06)",
     .steps = gcp_steps_118,
     .n_steps = PROV_N(gcp_steps_118),
     .source = SRC_KYMA_2020 "; " GCP "issues/73"},
    {.from = {1, 19},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "CSI (pd.csi.storage.gke.io), CRDs and a seed-hosted snapshot controller are managed by "
		"Gardener; VolumeSnapshotClass `default` is the default class.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_storage_class = "default",
     .default_snapshot_class = "default",
     .default_class_note = "since provider-gcp v1.9.0; not annotated default when the shoot turns the managed "
			   "default class off",
     .steps = gcp_steps_now,
     .n_steps = PROV_N(gcp_steps_now),
     .source = SRC_SEED_CTRL},
};

static const struct provider_issue gcp_issues[] = {
    {.id = "gardener-extension-provider-gcp#73",
     .title = "Snapshots do not work: the snapshot-controller "
	      "component is missing",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 18},
     .affected_to = {1, 18},
     .fixed_in = "gardener-extension-provider-gcp v1.5.2 (2020-04-24, #78) and v1.6.0 (2020-05-07, #77)",
     .remediation = "Have the landscape upgraded to provider-gcp v1.5.2 / v1.6.0 or later; VolumeSnapshots stay "
		    "without status until then",
     .source = GCP "issues/73",
     .symptom = PROVIDER_SYMPTOM_NO_CONTROLLER},
    {.id = "gardener-extension-provider-gcp#91",
     .title = "No default VolumeSnapshotClass is created",
     .severity = PROVIDER_SEV_WARNING,
     .affected_from = {1, 18},
     .affected_to = {1, 18},
     .fixed_in = "gardener-extension-provider-gcp v1.9.0 (2020-08-06)",
     .remediation = "Create a VolumeSnapshotClass for pd.csi.storage.gke.io annotated as default",
     .source = GCP "issues/91",
     .symptom = PROVIDER_SYMPTOM_NO_DEFAULT_CLASS,
     .driver = "pd.csi.storage.gke.io"},
    {.id = "gardener-gcp-intree",
     .title = "Shoots before 1.18 have no CSI driver (in-tree gce-pd)",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 0},
     .affected_to = {1, 17},
     .fixed_k8s = {1, 18},
     .fixed_in = "gardener-extension-provider-gcp v1.5.0 (CSI for 1.18 shoots)",
     .remediation = "After the upgrade, move data off kubernetes.io/gce-pd volumes (in-tree volumes cannot be "
		    "snapshotted)",
     .source = GCP "pull/61"},
    ISSUE_V1BETA1_REMOVED(20),
};

static const char *const gcp_docs[] = {GCP "issues/73", GCP "pull/77", GCP "blob/master/docs/usage/usage.md", NULL};

const struct provider provider_gardener_gcp = {
    .id = "gardener-gcp",
    .name = "Gardener on GCP",
    .summary = "Gardener GCP shoot: PD CSI from 1.18, snapshot controller in the seed",
    .drivers = gcp_drivers,
    .n_drivers = PROV_N(gcp_drivers),
    .intree = gcp_intree,
    .min_version = {1, 18},
    .min_version_source = GCP "pull/61 (\"CSI will be used for 1.18 shoots\")",
    .eras = gcp_eras,
    .n_eras = PROV_N(gcp_eras),
    .issues = gcp_issues,
    .n_issues = PROV_N(gcp_issues),
    .docs = gcp_docs,
};

/* ---- AWS ------------------------------------------------------------------- */

#define AWS GH "gardener-extension-provider-aws/"
#define SRC_AWS_SC AWS "blob/master/charts/internal/shoot-storageclasses/templates/storageclasses.yaml"

static const struct provider_driver aws_drivers[] = {
    {.name = "ebs.csi.aws.com", .what = "Amazon EBS", .snapshots = true, .source = AWS "pull/64"},
};
static const char *const aws_intree[] = {"kubernetes.io/aws-ebs", NULL};

static const struct provider_step aws_steps_old[] = {
    {.kinds = PROVIDER_STEP_UPGRADE,
     .title = "Upgrade the shoot to Kubernetes 1.18+ (CSI is used from 1.18 shoots)",
     .command = SHOOT_UPGRADE("1.18.<patch>"),
     .verify = "kubectl version",
     .source = AWS "pull/64"},
};
static const struct provider_step aws_steps_118[] = {
    {.kinds = PROVIDER_STEP_UPGRADE | PROVIDER_STEP_CONTROLLER,
     .title = "Make sure the landscape runs gardener-extension-provider-aws v1.7.0 or later (ask the landscape "
	      "operator); it adds the missing snapshot-controller (v1.6.x has no fix)",
     .command = "kubectl -n kube-system get lease snapshot-controller-leader",
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = AWS "issues/75; " AWS "pull/76"},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create a default VolumeSnapshotClass (Gardener creates `default` only from provider-aws v1.12.0)",
     .command = VSC_DEFAULT_YAML("v1beta1", "default", "ebs.csi.aws.com"),
     .verify = "kubectl get volumesnapshotclass",
     .source = AWS "commit/cb16e6dc"},
};
static const struct provider_step aws_steps_now[] = {
    {.kinds = PROVIDER_STEP_CHECK,
     .title = "Nothing to enable: check the managed VolumeSnapshotClass `default` (to mark another class "
	      "default, set storage.managedDefaultClass: false in the shoot's ControlPlaneConfig)",
     .command = "kubectl get volumesnapshotclass default",
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = AWS "blob/master/docs/usage/usage.md (storage.managedDefaultClass)"},
};

static const struct provider_era aws_eras[] = {
    {.from = {1, 0},
     .to = {1, 17},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Shoots before 1.18 use the in-tree aws-ebs provisioner: no CSI, no VolumeSnapshots.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .default_storage_class = "default",
     .steps = aws_steps_old,
     .n_steps = PROV_N(aws_steps_old),
     .source = AWS "pull/64; " AWS "blob/master/charts/internal/shoot-storageclasses/templates/"
		   "storageclasses_legacy.yaml"},
    {.from = {1, 18},
     .to = {1, 18},
     .support = PROVIDER_SNAP_BROKEN,
     .summary = "Although Gardener AWS uses CSI drivers by default as of Kubernetes 1.18, volume snapshotting "
		"does not work yet because of gardener-extension-provider-aws#75 (Kyma 2020); fixed in "
		"provider-aws v1.7.0.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_storage_class = "default",
     .default_class_note = "VolumeSnapshotClass `default` only from provider-aws v1.12.0 (2020-08-06)",
     .steps = aws_steps_118,
     .n_steps = PROV_N(aws_steps_118),
     .source = SRC_KYMA_2020 "; " AWS "issues/75"},
    {.from = {1, 19},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "CSI (ebs.csi.aws.com), CRDs and a seed-hosted snapshot controller are managed by Gardener; "
		"StorageClass and VolumeSnapshotClass `default` are the defaults.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_storage_class = "default",
     .default_snapshot_class = "default",
     .default_class_note = "since provider-aws v1.12.0; not annotated default when storage.managedDefaultClass "
			   "is false",
     .steps = aws_steps_now,
     .n_steps = PROV_N(aws_steps_now),
     .source = SRC_AWS_SC},
};

static const struct provider_issue aws_issues[] = {
    {.id = "gardener-extension-provider-aws#75",
     .title = "Snapshots do not work: the snapshot-controller "
	      "component is missing",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 18},
     .affected_to = {1, 18},
     .fixed_in = "gardener-extension-provider-aws v1.7.0 (2020-05-07, #76; not cherry-picked to v1.6.x)",
     .remediation = "Have the landscape upgraded to provider-aws v1.7.0 or later; VolumeSnapshots stay without "
		    "status until then",
     .source = AWS "issues/75",
     .symptom = PROVIDER_SYMPTOM_NO_CONTROLLER},
    {.id = "gardener-aws-no-default-vsc",
     .title = "No default VolumeSnapshotClass is created",
     .severity = PROVIDER_SEV_WARNING,
     .affected_from = {1, 18},
     .affected_to = {1, 18},
     .fixed_in = "gardener-extension-provider-aws v1.12.0 (2020-08-06)",
     .remediation = "Create a VolumeSnapshotClass for ebs.csi.aws.com annotated as default",
     .source = AWS "commit/cb16e6dc",
     .symptom = PROVIDER_SYMPTOM_NO_DEFAULT_CLASS,
     .driver = "ebs.csi.aws.com"},
    {.id = "gardener-aws-intree",
     .title = "Shoots before 1.18 have no CSI driver (in-tree aws-ebs)",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 0},
     .affected_to = {1, 17},
     .fixed_k8s = {1, 18},
     .fixed_in = "gardener-extension-provider-aws v1.6.0 (CSI for 1.18 shoots)",
     .remediation = "After the upgrade, move data off kubernetes.io/aws-ebs volumes (in-tree volumes cannot be "
		    "snapshotted)",
     .source = AWS "pull/64"},
    ISSUE_V1BETA1_REMOVED(20),
};

static const char *const aws_docs[] = {AWS "issues/75", AWS "pull/76", AWS "blob/master/docs/usage/usage.md", NULL};

const struct provider provider_gardener_aws = {
    .id = "gardener-aws",
    .name = "Gardener on AWS",
    .summary = "Gardener AWS shoot: EBS CSI from 1.18, snapshot controller in the seed",
    .drivers = aws_drivers,
    .n_drivers = PROV_N(aws_drivers),
    .intree = aws_intree,
    .min_version = {1, 18},
    .min_version_source = AWS "pull/64 (\"CSI will be used for 1.18 shoots\")",
    .eras = aws_eras,
    .n_eras = PROV_N(aws_eras),
    .issues = aws_issues,
    .n_issues = PROV_N(aws_issues),
    .docs = aws_docs,
};

/* ---- Azure ----------------------------------------------------------------- */

#define AZ GH "gardener-extension-provider-azure/"

static const struct provider_driver az_drivers[] = {
    {.name = "disk.csi.azure.com", .what = "Azure Disk", .snapshots = true, .source = AZ "pull/280"},
    {.name = "file.csi.azure.com", .what = "Azure Files", .snapshots = true, .source = AZ "pull/280"},
};
static const char *const az_intree[] = {"kubernetes.io/azure-disk", "kubernetes.io/azure-file", NULL};

static const struct provider_step az_steps_old[] = {
    {.kinds = PROVIDER_STEP_UPGRADE,
     .title = "Upgrade the shoot to Kubernetes 1.21+ (CSI is used from 1.21 shoots, provider-azure v1.20.0)",
     .command = SHOOT_UPGRADE("1.21.<patch>"),
     .verify = "kubectl get csidriver disk.csi.azure.com",
     .source = AZ "pull/280"},
};
static const struct provider_step az_steps_now[] = {
    {.kinds = PROVIDER_STEP_CHECK | PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Check the managed VolumeSnapshotClass `default` (provider-azure v1.35.0+); on older landscapes "
	      "create one",
     .command =
	 "kubectl get volumesnapshotclass default || \\\n" VSC_DEFAULT_YAML("v1", "default", "disk.csi.azure.com"),
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = AZ "pull/468"},
};

static const struct provider_era az_eras[] = {
    /* Kyma 2020: "planned for Kubernetes 1.19"; it came with 1.21 (#280). */
    {.from = {1, 0},
     .to = {1, 20},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Gardener Azure does not support CSI drivers before 1.21 shoots, so VolumeSnapshots cannot be "
		"used (Kyma 2020 expected 1.19; CSI came for 1.21, gardener-extension-provider-azure#3).",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = az_steps_old,
     .n_steps = PROV_N(az_steps_old),
     .source = SRC_KYMA_2020 "; " AZ "issues/3"},
    {.from = {1, 21},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "CSI (disk.csi.azure.com), CRDs and a seed-hosted snapshot controller are managed by Gardener; "
		"VolumeSnapshotClass `default` exists from provider-azure v1.35.0 (2023-04).",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_snapshot_class = "default",
     .default_class_note = "since provider-azure v1.35.0 (2023-04-11); on v1.20-v1.34 create one yourself",
     .steps = az_steps_now,
     .n_steps = PROV_N(az_steps_now),
     .source = AZ "pull/280; " AZ "pull/468"},
};

static const struct provider_issue az_issues[] = {
    {.id = "gardener-extension-provider-azure#3",
     .title = "No CSI drivers, so no VolumeSnapshots",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 0},
     .affected_to = {1, 20},
     .fixed_k8s = {1, 21},
     .fixed_in = "gardener-extension-provider-azure v1.20.0 (2021-05-14) for shoots >= 1.21 (#280)",
     .remediation = "After the upgrade, move data off the in-tree kubernetes.io/azure-disk volumes (in-tree "
		    "volumes cannot be snapshotted)",
     .source = AZ "issues/3"},
    {.id = "gardener-azure-no-default-vsc",
     .title = "No managed VolumeSnapshotClass before provider-azure "
	      "v1.35.0",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 21},
     .affected_to = KV_OPEN,
     .fixed_in = "gardener-extension-provider-azure v1.35.0 (2023-04-11, #468)",
     .remediation = "Create a default VolumeSnapshotClass for disk.csi.azure.com",
     .source = AZ "pull/468",
     .symptom = PROVIDER_SYMPTOM_NO_DEFAULT_CLASS,
     .driver = "disk.csi.azure.com"},
    ISSUE_V1BETA1_REMOVED(21),
};

static const char *const az_docs[] = {AZ "issues/3", AZ "pull/280", AZ "pull/468", NULL};

const struct provider provider_gardener_azure = {
    .id = "gardener-azure",
    .name = "Gardener on Azure",
    .summary = "Gardener Azure shoot: Azure Disk CSI from 1.21, snapshot controller in the seed",
    .drivers = az_drivers,
    .n_drivers = PROV_N(az_drivers),
    .intree = az_intree,
    .min_version = {1, 21},
    .min_version_source = AZ "pull/280 (\"CSI will be used for 1.21 shoots\")",
    .eras = az_eras,
    .n_eras = PROV_N(az_eras),
    .issues = az_issues,
    .n_issues = PROV_N(az_issues),
    .docs = az_docs,
};

/* ---- OpenStack ------------------------------------------------------------- */

#define OS GH "gardener-extension-provider-openstack/"

static const struct provider_driver os_drivers[] = {
    {.name = "cinder.csi.openstack.org", .what = "OpenStack Cinder", .snapshots = true, .source = OS "pull/135"},
    {.name = "nfs.manila.csi.openstack.org",
     .what = "OpenStack Manila NFS",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-manila-nfs, not default",
     .source = OS "blob/master/docs/usage/usage.md"},
};
static const char *const os_intree[] = {"kubernetes.io/cinder", NULL};

static const struct provider_step os_steps_old[] = {
    {.kinds = PROVIDER_STEP_UPGRADE,
     .title = "Upgrade the shoot to Kubernetes 1.19+ (Cinder CSI is used from 1.19 shoots)",
     .command = SHOOT_UPGRADE("1.19.<patch>"),
     .verify = "kubectl get csidriver cinder.csi.openstack.org",
     .source = OS "pull/135"},
};
static const struct provider_step os_steps_now[] = {
    {.kinds = PROVIDER_STEP_CHECK | PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Check the managed VolumeSnapshotClass csi-cinder (provider-openstack v1.55.0+); on older "
	      "landscapes create one",
     .command = "kubectl get volumesnapshotclass csi-cinder || \\\n" VSC_DEFAULT_YAML("v1", "csi-cinder",
										      "cinder.csi.openstack.org"),
     .verify = VERIFY_TEST_SNAPSHOT,
     .source = OS "pull/1319"},
};

static const struct provider_era os_eras[] = {
    {.from = {1, 0},
     .to = {1, 18},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Shoots before 1.19 use the in-tree cinder provisioner: no CSI, no VolumeSnapshots.",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = os_steps_old,
     .n_steps = PROV_N(os_steps_old),
     .source = OS "pull/135"},
    {.from = {1, 19},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "Cinder CSI, CRDs and a seed-hosted snapshot controller are managed by Gardener; the "
		"VolumeSnapshotClass csi-cinder is managed only from provider-openstack v1.55.0 (2026-05).",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = CTRL_WHERE,
     .default_snapshot_class = "csi-cinder",
     .default_class_note = "since provider-openstack v1.55.0 (2026-05-21), default unless "
			   "managedDefaultVolumeSnapshotClass: false; older: create one",
     .steps = os_steps_now,
     .n_steps = PROV_N(os_steps_now),
     .source = OS "pull/135; " OS "pull/1319"},
};

static const struct provider_issue os_issues[] = {
    {.id = "gardener-openstack-intree",
     .title = "Shoots before 1.19 have no CSI driver (in-tree cinder)",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 0},
     .affected_to = {1, 18},
     .fixed_k8s = {1, 19},
     .fixed_in = "gardener-extension-provider-openstack v1.11.0 (2020-09-09)",
     .remediation = "After the upgrade, move data off kubernetes.io/cinder volumes (in-tree volumes cannot be "
		    "snapshotted)",
     .source = OS "pull/135"},
    {.id = "gardener-openstack-no-default-vsc",
     .title = "No managed VolumeSnapshotClass before "
	      "provider-openstack v1.55.0",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 19},
     .affected_to = KV_OPEN,
     .fixed_in = "gardener-extension-provider-openstack v1.55.0 (2026-05-21, #1319)",
     .remediation = "Create the default VolumeSnapshotClass csi-cinder for cinder.csi.openstack.org",
     .source = OS "pull/1319",
     .symptom = PROVIDER_SYMPTOM_NO_DEFAULT_CLASS,
     .driver = "cinder.csi.openstack.org"},
    ISSUE_V1BETA1_REMOVED(20),
};

static const char *const os_docs[] = {OS "pull/135", OS "pull/1319", OS "blob/master/docs/usage/usage.md", NULL};

const struct provider provider_gardener_openstack = {
    .id = "gardener-openstack",
    .name = "Gardener on OpenStack",
    .summary = "Gardener OpenStack shoot: Cinder CSI from 1.19, snapshot controller in the seed",
    .drivers = os_drivers,
    .n_drivers = PROV_N(os_drivers),
    .intree = os_intree,
    .min_version = {1, 19},
    .min_version_source = OS "pull/135 (\"the OpenStack Cinder CSI driver will be used for 1.19 shoots\")",
    .eras = os_eras,
    .n_eras = PROV_N(os_eras),
    .issues = os_issues,
    .n_issues = PROV_N(os_issues),
    .docs = os_docs,
};
