/* The VolumeSnapshotClass each CSI driver's documentation gives: its name and
 * the parameters the driver needs, so a class doctor or setup proposes is
 * valid when pasted. Where a parameter's value depends on the cluster (Ceph's
 * clusterID and snapshotter secret), it is copied from a StorageClass of the
 * same driver, which carries the same values for provisioning; when no such
 * StorageClass exists the value cannot be known, and the caller says what to
 * fill in (setup --apply then refuses to create the class). */
#include <string.h>

#include "providers/internal.h"

#define SRC_ROOK_RBD "https://github.com/rook/rook/blob/master/deploy/examples/csi/rbd/snapshotclass.yaml"
#define SRC_ROOK_CEPHFS "https://github.com/rook/rook/blob/master/deploy/examples/csi/cephfs/snapshotclass.yaml"
#define SRC_OCP_VSC "https://github.com/openshift/csi-operator/tree/main/assets/overlays (volumesnapshotclass*.yaml)"
/* Ceph CSI: the snapshotter uses the provisioner's secret in Rook's examples
 * (rook-csi-rbd-provisioner / rook-csi-cephfs-provisioner in both). */
#define CEPH_PARAMS(ns_hint)                                                                                           \
	{                                                                                                              \
		{.key = "clusterID", .from_sc = "clusterID", .hint = "the Ceph cluster's ID; " ns_hint},               \
		    {.key = "csi.storage.k8s.io/snapshotter-secret-name",                                              \
		     .from_sc = "csi.storage.k8s.io/provisioner-secret-name",                                          \
		     .hint = "the CSI provisioner secret; Rook: rook-csi-<rbd|cephfs>-provisioner"},                   \
		    {.key = "csi.storage.k8s.io/snapshotter-secret-namespace",                                         \
		     .from_sc = "csi.storage.k8s.io/provisioner-secret-namespace",                                     \
		     .hint = "its namespace; Rook: the cluster's namespace"},                                          \
	}

static const struct provider_snapclass snapclasses[] = {
    {.driver = "disk.csi.azure.com",
     .name = "csi-azuredisk-vsc",
     .params = {{.key = "incremental", .value = "true"}},
     .source = "https://github.com/kubernetes-sigs/azuredisk-csi-driver/blob/master/deploy/example/snapshot/"
	       "storageclass-azuredisk-snapshot.yaml (AKS docs)"},
    {.driver = "file.csi.azure.com", .name = "csi-azurefile-vsc", .source = SRC_OCP_VSC},
    {.driver = "ebs.csi.aws.com",
     .name = "csi-aws-vsc",
     .source = "https://github.com/awsdocs/amazon-eks-user-guide/blob/main/latest/ug/storage/"
	       "csi-snapshot-controller.adoc"},
    {.driver = "pd.csi.storage.gke.io", .name = "csi-gce-pd-vsc", .source = SRC_OCP_VSC},
    {.driver = "cinder.csi.openstack.org",
     .name = "csi-cinder",
     .source = "https://github.com/gardener/gardener-extension-provider-openstack/pull/1319"},
    {.driver = "csi.vsphere.vmware.com",
     .name = "csi-vsphere-vsc",
     .source = "https://github.com/openshift/vmware-vsphere-csi-driver-operator/blob/master/assets/"
	       "volumesnapshotclass.yaml"},
    {.driver = "dobs.csi.digitalocean.com",
     .name = "do-block-storage",
     .source = "https://docs.digitalocean.com/products/kubernetes/how-to/create-snapshots/"},
    {.driver = "hostpath.csi.k8s.io",
     .name = "csi-hostpath-snapclass",
     .source = "https://github.com/kubernetes-csi/csi-driver-host-path (examples/csi-snapshotclass.yaml)"},
    /* "longhorn-snapshot-vsc" with type: snap keeps the snapshot in the cluster;
     * "longhorn-backup-vsc" with type: bak copies it off-cluster (needs a backup target). */
    {.driver = "driver.longhorn.io",
     .name = "longhorn-snapshot-vsc",
     .params = {{.key = "type", .value = "snap"}},
     .source = "https://longhorn.io/docs/ (csi-volume-snapshot-associated-with-longhorn-snapshot)"},
    /* Rook names its drivers <operator-namespace>.rbd.csi.ceph.com. */
    {.driver = ".rbd.csi.ceph.com",
     .suffix = true,
     .name = "csi-rbdplugin-snapclass",
     .params = CEPH_PARAMS("Rook: the CephCluster's namespace, e.g. rook-ceph"),
     .source = SRC_ROOK_RBD},
    {.driver = "rbd.csi.ceph.com",
     .name = "csi-rbdplugin-snapclass",
     .params = CEPH_PARAMS("the clusterID of ceph-csi's config map"),
     .source = SRC_ROOK_RBD},
    {.driver = ".cephfs.csi.ceph.com",
     .suffix = true,
     .name = "csi-cephfsplugin-snapclass",
     .params = CEPH_PARAMS("Rook: the CephCluster's namespace, e.g. rook-ceph"),
     .source = SRC_ROOK_CEPHFS},
    {.driver = "cephfs.csi.ceph.com",
     .name = "csi-cephfsplugin-snapclass",
     .params = CEPH_PARAMS("the clusterID of ceph-csi's config map"),
     .source = SRC_ROOK_CEPHFS},
};

const struct provider_snapclass *provider_snapclass_for(const char *driver)
{
	size_t n = driver ? strlen(driver) : 0;
	for (size_t i = 0; driver && i < PROV_N(snapclasses); i++) {
		const struct provider_snapclass *c = &snapclasses[i];
		size_t k = strlen(c->driver);
		if (c->suffix ? n > k && strcmp(driver + n - k, c->driver) == 0 : strcmp(driver, c->driver) == 0)
			return c;
	}
	return NULL;
}
