/* Shared between the provider table files; not part of the public API. */
#ifndef VOLSNAP_PROVIDERS_INTERNAL_H
#define VOLSNAP_PROVIDERS_INTERNAL_H

#include "providers/providers.h"

#define PROV_N(a) (sizeof(a) / sizeof((a)[0]))
#define KV(ma, mi) ((struct provider_kver){(ma), (mi)})
#define KV_OPEN                                                                                                        \
	{                                                                                                              \
		0, 0                                                                                                   \
	}

/* Frequently cited sources (providers.md §0–§3). */
#define SRC_KYMA_2020                                                                                                  \
	"https://github.com/kyma-project/kyma/blob/1d195b56/docs/backup/03-01-new-backup-strategy.md (Kyma backup "    \
	"strategy, 2020)"
#define SRC_EXT_SNAP_README "https://github.com/kubernetes-csi/external-snapshotter#readme"
#define SRC_EXT_SNAP_CONTROLLER                                                                                        \
	"https://github.com/kubernetes-csi/external-snapshotter/tree/master/deploy/kubernetes/snapshot-controller"
#define SRC_MIGRATION_LIMIT                                                                                            \
	"https://github.com/kubernetes-csi/external-snapshotter/issues/490 (\"CSI migration ... is not intended to "   \
	"add "                                                                                                         \
	"new CSI features\")"

/* The upstream CRDs + snapshot-controller from external-snapshotter at the tag
 * that fits the Kubernetes version, as step initialisers to splice into a
 * provider's step array. Commands from the external-snapshotter README
 * ("kubectl kustomize client/config/crd | kubectl create -f -"; older:
 * "kubectl create -k"); bounds from its CHANGELOGs: v8.x needs Kubernetes
 * >= 1.25, v6.x >= 1.20 and serves v1 only, v3.0.0 serves v1beta1 and deploys
 * a StatefulSet in "default" (v4.1+ a Deployment in kube-system). */
#define UPSTREAM_VERIFY_CRDS                                                                                           \
	"kubectl get crd volumesnapshots.snapshot.storage.k8s.io volumesnapshotcontents.snapshot.storage.k8s.io "      \
	"volumesnapshotclasses.snapshot.storage.k8s.io"
#define UPSTREAM_CLONE(tag)                                                                                            \
	"git clone --depth 1 --branch " tag " https://github.com/kubernetes-csi/external-snapshotter\n"                \
	"cd external-snapshotter\n"
#define UPSTREAM_STEPS_KUSTOMIZE(tag)                                                                                  \
	{                                                                                                              \
	    .title = "Install the VolumeSnapshot CRDs (external-snapshotter " tag ")",                                 \
	    .kinds = PROVIDER_STEP_CRDS,                                                                               \
	    .command = UPSTREAM_CLONE(tag) "kubectl kustomize client/config/crd | kubectl create -f -",                \
	    .verify = UPSTREAM_VERIFY_CRDS,                                                                            \
	    .source = SRC_EXT_SNAP_README,                                                                             \
	},                                                                                                             \
	{                                                                                                              \
		.title = "Install the snapshot-controller (external-snapshotter " tag ")",                             \
		.kinds = PROVIDER_STEP_CONTROLLER,                                                                     \
		.command =                                                                                             \
		    "kubectl -n kube-system kustomize deploy/kubernetes/snapshot-controller | kubectl create -f -",    \
		.verify = "kubectl -n kube-system get deployment snapshot-controller",                                 \
		.source = SRC_EXT_SNAP_CONTROLLER,                                                                     \
	}
/* Kubernetes >= 1.25 (v8.6.0, 2026-05-28) and 1.20-1.24 (v6.3.0). */
#define UPSTREAM_STEPS_V8 UPSTREAM_STEPS_KUSTOMIZE("v8.6.0")
#define UPSTREAM_STEPS_V6 UPSTREAM_STEPS_KUSTOMIZE("v6.3.0")
/* Kubernetes 1.17-1.19: v3.0.0 (2020-09-17), v1beta1. */
#define UPSTREAM_STEPS_V3                                                                                              \
	{                                                                                                              \
	    .title = "Install the v1beta1 VolumeSnapshot CRDs (external-snapshotter v3.0.0)",                          \
	    .kinds = PROVIDER_STEP_CRDS,                                                                               \
	    .command = UPSTREAM_CLONE("v3.0.0") "kubectl create -k client/config/crd",                                 \
	    .verify = UPSTREAM_VERIFY_CRDS,                                                                            \
	    .source = SRC_EXT_SNAP_README,                                                                             \
	},                                                                                                             \
	{                                                                                                              \
		.title = "Install the snapshot-controller (external-snapshotter v3.0.0, StatefulSet in default)",      \
		.kinds = PROVIDER_STEP_CONTROLLER,                                                                     \
		.command = "kubectl create -k deploy/kubernetes/snapshot-controller",                                  \
		.verify = "kubectl -n default get statefulset snapshot-controller", .source = SRC_EXT_SNAP_CONTROLLER, \
	}

/* A VolumeSnapshotClass annotated default, as a `kubectl apply` heredoc; api
 * is "v1beta1" for clusters before 1.20 (their CRDs serve no v1). */
#define VSC_DEFAULT_YAML(api, name, driver)                                                                            \
	"kubectl apply -f - <<EOF\n"                                                                                   \
	"apiVersion: snapshot.storage.k8s.io/" api "\n"                                                                \
	"kind: VolumeSnapshotClass\n"                                                                                  \
	"metadata:\n"                                                                                                  \
	"  name: " name "\n"                                                                                           \
	"  annotations:\n"                                                                                             \
	"    snapshot.storage.kubernetes.io/is-default-class: \"true\"\n"                                              \
	"driver: " driver "\n"                                                                                         \
	"deletionPolicy: Delete\n"                                                                                     \
	"EOF"

/* One per table file. */
extern const struct provider provider_aks;
extern const struct provider provider_gke;
extern const struct provider provider_eks;
extern const struct provider provider_gardener_gcp;
extern const struct provider provider_gardener_aws;
extern const struct provider provider_gardener_azure;
extern const struct provider provider_gardener_openstack;
extern const struct provider provider_openshift;
extern const struct provider provider_kind;
extern const struct provider provider_minikube;
extern const struct provider provider_k3s;
extern const struct provider provider_rke2;
extern const struct provider provider_digitalocean;
extern const struct provider provider_generic_row;

#endif
