/* OpenShift Container Platform 4.x. Facts: providers.md §1.1, §2.5.
 *
 * Eras are keyed by the Kubernetes version like every other provider. The
 * OCP -> Kubernetes mapping used below (4.4 = 1.17, 4.7 = 1.20, 4.16 = 1.29) is
 * Derived from the one example in the fact sheet (OCP 4.12.0 serves
 * v1.25.4+77bec7a, i.e. minor + 13) and UNCONFIRMED for other releases. */
#include "providers/internal.h"

#define SRC_OCP_44                                                                                                     \
	"https://docs.redhat.com/en/documentation/openshift_container_platform/4.4 (About the CSI Snapshot "           \
	"Controller "                                                                                                  \
	"Operator)"
#define SRC_OCP_47                                                                                                     \
	"https://docs.redhat.com/ko/documentation/openshift_container_platform/4.7/html/release_notes/ocp-4-7-storage"
#define SRC_OCP_VSC "https://github.com/openshift/csi-operator/tree/main/assets/overlays (volumesnapshotclass*.yaml)"

/* Each platform's driver operator creates the VolumeSnapshotClass named in the note. */
static const struct provider_driver drivers[] = {
    {.name = "ebs.csi.aws.com",
     .what = "AWS EBS",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-aws-vsc "
	     "(default)",
     .source = SRC_OCP_VSC},
    {.name = "disk.csi.azure.com",
     .what = "Azure Disk",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-azuredisk-vsc (default)",
     .source = SRC_OCP_VSC},
    {.name = "file.csi.azure.com",
     .what = "Azure File",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-azurefile-vsc",
     .source = SRC_OCP_VSC},
    {.name = "pd.csi.storage.gke.io",
     .what = "GCP PD",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-gce-pd-vsc (default), csi-gce-pd-vsc-images",
     .source = SRC_OCP_VSC},
    {.name = "cinder.csi.openstack.org",
     .what = "OpenStack Cinder",
     .snapshots = true,
     .note = "VolumeSnapshotClass standard-csi (default)",
     .source = SRC_OCP_VSC},
    {.name = "manila.csi.openstack.org",
     .what = "OpenStack Manila",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-manila-standard",
     .source = SRC_OCP_VSC},
    {.name = "csi.vsphere.vmware.com",
     .what = "vSphere",
     .snapshots = true,
     .note = "VolumeSnapshotClass csi-vsphere-vsc (default); needs vCenter/ESXi 7.0 U3+",
     .source = "https://github.com/openshift/vmware-vsphere-csi-driver-operator/blob/master/assets/"
	       "volumesnapshotclass.yaml"},
    {.name = "openshift-storage.rbd.csi.ceph.com",
     .what = "OpenShift Data Foundation RBD",
     .snapshots = true,
     .source = SRC_OCP_47},
};

static const char *const intree[] = {"kubernetes.io/aws-ebs",	     "kubernetes.io/gce-pd",
				     "kubernetes.io/azure-disk",     "kubernetes.io/cinder",
				     "kubernetes.io/vsphere-volume", NULL};

static const struct provider_step steps[] = {
    {.kinds = PROVIDER_STEP_CHECK | PROVIDER_STEP_CRDS | PROVIDER_STEP_CONTROLLER,
     .title = "Nothing to install: check the CSI Snapshot Controller Operator",
     .command = "oc get csisnapshotcontroller cluster && oc -n openshift-cluster-storage-operator get pods",
     .verify = UPSTREAM_VERIFY_CRDS,
     .source = SRC_OCP_47},
    {.kinds = PROVIDER_STEP_STORAGE_CLASS | PROVIDER_STEP_SNAPSHOT_CLASS,
     .title = "Use a StorageClass of the platform's CSI driver (not kubernetes.io/*) and its VolumeSnapshotClass",
     .command = "oc get storageclass,volumesnapshotclass",
     .verify = "oc get pv -o custom-columns=NAME:.metadata.name,CSI:.spec.csi.driver",
     .source = SRC_OCP_VSC},
};

static const struct provider_era eras[] = {
    {.from = {1, 17},
     .to = {1, 19},
     .support = PROVIDER_SNAP_SETUP,
     .summary = "OCP 4.4-4.6: CSI snapshots are a Technology Preview (fully supported only for OpenShift "
		"Container Storage / Virtualization); the CSI Snapshot Controller Operator is installed.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_IN_CLUSTER,
     .controller_where = "namespace csi-snapshot-controller (OCP 4.4 docs)",
     .steps = steps,
     .n_steps = PROV_N(steps),
     .source = SRC_OCP_44 "; docs.openshift.com 4.6 csi-snapshots"},
    {.from = {1, 20},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "OCP 4.7+: CSI snapshots are generally available and enabled; the operator runs the v1 CRDs and "
		"csi-snapshot-controller, and each driver operator creates its VolumeSnapshotClass.",
     .crds_preinstalled = PROVIDER_YES,
     .controller = PROVIDER_CTRL_IN_CLUSTER,
     .controller_where = "Deployment csi-snapshot-controller in openshift-cluster-storage-operator",
     .default_class_note = "per platform: csi-aws-vsc, csi-azuredisk-vsc, csi-gce-pd-vsc, standard-csi (Cinder), "
			   "csi-vsphere-vsc",
     .steps = steps,
     .n_steps = PROV_N(steps),
     .source = SRC_OCP_47},
};

static const struct provider_issue issues[] = {
    {.id = "openshift-tech-preview",
     .title = "CSI snapshots are a Technology Preview before OCP 4.7",
     .severity = PROVIDER_SEV_WARNING,
     .affected_from = {1, 17},
     .affected_to = {1, 19},
     .fixed_k8s = {1, 20},
     .fixed_in = "OCP 4.7 (GA)",
     .remediation = "For supported snapshots use OpenShift 4.7 (Kubernetes 1.20) or later",
     .source = SRC_OCP_47},
    {.id = "openshift-csisnapshot-capability",
     .title = "The CSISnapshot capability can be disabled at install "
	      "time: then there is no controller and no CRDs",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 20},
     .affected_to = KV_OPEN,
     .remediation = "Enable the CSISnapshot cluster capability (see openshift/api#1263)",
     .source = "https://github.com/openshift/api/pull/1263",
     .symptom = PROVIDER_SYMPTOM_NO_SNAPSHOT_API},
    {.id = "openshift-vsphere-vc-version",
     .title = "vSphere: \"VC version does not support snapshot operations\"",
     .severity = PROVIDER_SEV_INFO,
     .affected_from = {1, 20},
     .affected_to = KV_OPEN,
     .remediation = "Upgrade vCenter and ESXi to 7.0 Update 3 or later (block volumes only)",
     .source = "https://access.redhat.com/node/6981905; https://github.com/openshift/cluster-storage-operator/"
	       "pull/491",
     .requires_driver = "csi.vsphere.vmware.com"},
};

static const char *const docs[] = {SRC_OCP_47, SRC_OCP_44, NULL};

const struct provider provider_openshift = {
    .id = "openshift",
    .name = "Red Hat OpenShift",
    .summary = "OpenShift 4.x: CSI Snapshot Controller Operator preinstalled, GA from 4.7",
    .drivers = drivers,
    .n_drivers = PROV_N(drivers),
    .intree = intree,
    .min_version = {1, 17},
    .min_version_source = SRC_OCP_47 " (introduced as Technology Preview in OCP 4.4; 4.4 = Kubernetes 1.17 is "
				     "Derived)",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
