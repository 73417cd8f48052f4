/* Google Kubernetes Engine. Facts: providers.md §0 (Kyma 2020 row), §1.1, §1.2. */
#include "providers/internal.h"

#define SRC_GKE_SNAP                                                                                                   \
	"https://cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/backup-pd-volume-snapshots"
#define SRC_GKE_PD "https://cloud.google.com/kubernetes-engine/docs/how-to/persistent-volumes/gce-pd-csi-driver"
#define SRC_PD_ALPHA                                                                                                   \
	"https://github.com/kubernetes-sigs/gcp-compute-persistent-disk-csi-driver/blob/master/docs/kubernetes/"       \
	"user-guides/snapshots.md"

static const struct provider_driver drivers[] = {
    {.name = "pd.csi.storage.gke.io",
     .what = "Compute Engine Persistent Disk",
     .snapshots = true,
     .note = "in VolumeSnapshots from GKE 1.17.6-gke.4",
     .source = SRC_GKE_SNAP},
    {.name = "filestore.csi.storage.gke.io", .what = "Filestore", .snapshots = true, .source = SRC_GKE_SNAP},
    {.name = "gcsfuse.csi.storage.gke.io",
     .what = "Cloud Storage FUSE",
     .snapshots = false,
     .note = "no snapshot support",
     .source = "providers.md §1.1"},
};

static const char *const intree[] = {"kubernetes.io/gce-pd", NULL};

#define GKE_VSC_YAML                                                                                                   \
	"kubectl apply -f - <<EOF\n"                                                                                   \
	"apiVersion: snapshot.storage.k8s.io/v1   # v1beta1 before Kubernetes 1.20\n"                                  \
	"kind: VolumeSnapshotClass\n"                                                                                  \
	"metadata:\n"                                                                                                  \
	"  name: <class-name>\n"                                                                                       \
	"driver: pd.csi.storage.gke.io\n"                                                                              \
	"deletionPolicy: Delete\n"                                                                                     \
	"EOF"

/* Kyma 2020: alpha cluster with the feature gate, PD CSI driver by hand. */
static const struct provider_step steps_alpha[] = {
    {.kinds = PROVIDER_STEP_CRDS,
     .title = "Enable the VolumeSnapshotDataSource feature gate (GKE alpha cluster)",
     .command = "see https://cloud.google.com/kubernetes-engine/docs/how-to/gce-pd-csi-driver"
		"#enabling_on_a_new_cluster",
     .verify = "kubectl api-versions | grep snapshot.storage.k8s.io",
     .source = SRC_KYMA_2020},
    {.kinds = PROVIDER_STEP_DRIVER,
     .title = "Install the PD CSI driver (alpha snapshot user guide)",
     .command = "see " SRC_PD_ALPHA "#kubernetes-snapshots-user-guide-alpha",
     .verify = "kubectl get csidriver pd.csi.storage.gke.io",
     .source = SRC_KYMA_2020},
    {.kinds = PROVIDER_STEP_CHECK,
     .title = "Create a VolumeSnapshot (snapshot example)",
     .command = "see " SRC_PD_ALPHA "#snapshot-example",
     .verify = "kubectl get volumesnapshot",
     .source = SRC_KYMA_2020},
};

/* The add-on command is seen in many public scripts; GKE's own page text was
 * not retrieved (providers.md §1.1, §5 item 6): UNCONFIRMED wording. */
static const struct provider_step steps_managed[] = {
    {.kinds = PROVIDER_STEP_DRIVER,
     .title = "Enable the Compute Engine PD CSI driver add-on (default on new clusters from 1.18.10-gke.2100 / "
	      "1.19.3-gke.2100, always on in Autopilot)",
     .command = "gcloud container clusters update <cluster> --update-addons=GcePersistentDiskCsiDriver=ENABLED",
     .verify = "kubectl get csidriver pd.csi.storage.gke.io",
     .source = SRC_GKE_PD},
    {.kinds = PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Create a VolumeSnapshotClass for pd.csi.storage.gke.io",
     .command = GKE_VSC_YAML,
     .verify = "kubectl get volumesnapshotclass",
     .source = SRC_GKE_SNAP},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS,
     .title = "Provision volumes with a StorageClass whose provisioner is pd.csi.storage.gke.io",
     .command = "kubectl get storageclass -o custom-columns=NAME:.metadata.name,PROVISIONER:.provisioner",
     .verify = "kubectl get pv -o custom-columns=NAME:.metadata.name,CSI:.spec.csi.driver",
     .source = SRC_GKE_PD " (\"The in-tree Persistent Disk driver does not support snapshots.\")"},
};

static const struct provider_era eras[] = {
    {.from = {1, 14},
     .to = {1, 16},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "Minimum Kubernetes version supported is 1.14: enable the feature gate (alpha cluster) and "
		"install the PD CSI driver (Kyma 2020; v1alpha1 API, which kubectl-volsnap does not speak).",
     .crds_preinstalled = PROVIDER_NO,
     .controller = PROVIDER_CTRL_NONE,
     .steps = steps_alpha,
     .n_steps = PROV_N(steps_alpha),
     .source = SRC_KYMA_2020},
    {.from = {1, 17},
     .to = {1, 18},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "GKE supports VolumeSnapshots from 1.17 (PD CSI in snapshots from 1.17.6-gke.4); enable the PD "
		"CSI driver add-on and create a VolumeSnapshotClass.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = "GKE control plane (\"a built-in, hidden snapshot controller\", NetApp Trident docs)",
     .steps = steps_managed,
     .n_steps = PROV_N(steps_managed),
     .source = SRC_GKE_SNAP},
    {.from = {1, 19},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "The PD CSI driver is installed by default on new clusters (1.19.3-gke.2100+, Autopilot always); "
		"create a VolumeSnapshotClass for pd.csi.storage.gke.io.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_HIDDEN,
     .controller_where = "GKE control plane (\"a built-in, hidden snapshot controller\", NetApp Trident docs)",
     .default_class_note = "no GKE-created VolumeSnapshotClass found (UNCONFIRMED)",
     .steps = steps_managed,
     .n_steps = PROV_N(steps_managed),
     .source = SRC_GKE_PD},
};

static const struct provider_issue issues[] = {
    {.id = "gke-pd-csi-1.17.6",
     .title = "PD CSI volumes in VolumeSnapshots need GKE 1.17.6-gke.4 or later",
     .severity = PROVIDER_SEV_WARNING,
     .affected_from = {1, 17},
     .affected_to = {1, 17},
     .fixed_k8s = {1, 18},
     .fixed_version = "1.17.6-gke.4",
     .remediation = "The -gke.N suffix of the server version counts: 1.17.6-gke.3 is still affected",
     .source = SRC_GKE_SNAP,
     .blocks_driver = "pd.csi.storage.gke.io"},
    {.id = "gke-intree-gce-pd",
     .title = "Volumes provisioned by kubernetes.io/gce-pd cannot be snapshotted",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 14},
     .affected_to = KV_OPEN,
     .remediation = "Move the data to a PVC of a StorageClass with provisioner pd.csi.storage.gke.io; CSI "
		    "migration (on from GKE 1.22) does not make in-tree PVs snapshottable",
     .source = SRC_GKE_PD " (\"The in-tree Persistent Disk driver does not support snapshots.\")",
     .symptom = PROVIDER_SYMPTOM_PROVISIONER_USED,
     .driver = "kubernetes.io/gce-pd"},
    {.id = "gke-alpha-api",
     .title = "Only the v1alpha1 snapshot API exists before 1.17",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 14},
     .affected_to = {1, 16},
     .fixed_k8s = {1, 17},
     .fixed_in = "Kubernetes 1.17 (v1beta1, external-snapshotter v2.0.0)",
     .remediation = "kubectl-volsnap needs the v1beta1 or v1 snapshot API (v1alpha1 is not enough)",
     .source = "https://github.com/kubernetes-csi/external-snapshotter/blob/master/CHANGELOG/CHANGELOG-2.0.md"},
};

static const char *const docs[] = {SRC_GKE_SNAP, SRC_GKE_PD, SRC_PD_ALPHA, NULL};

const struct provider provider_gke = {
    .id = "gke",
    .name = "Google Kubernetes Engine",
    .summary = "GKE: Compute Engine PD CSI (pd.csi.storage.gke.io), hidden managed snapshot controller",
    .drivers = drivers,
    .n_drivers = PROV_N(drivers),
    .intree = intree,
    .min_version = {1, 14},
    .min_version_source = SRC_KYMA_2020 " (\"Minimum Kubernetes version supported is 1.14.\"; GKE docs today: 1.17)",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
