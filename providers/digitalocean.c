/* DigitalOcean Kubernetes (DOKS). Facts: providers.md §1.1, §2.1. */
#include "providers/internal.h"

#define SRC_DO_HOWTO "https://docs.digitalocean.com/products/kubernetes/how-to/create-snapshots/"
#define SRC_DO_CSI "https://github.com/digitalocean/csi-digitalocean#readme"
#define SRC_DO_DRIVER                                                                                                  \
	"https://github.com/digitalocean/csi-digitalocean/blob/master/deploy/kubernetes/releases/"                     \
	"csi-digitalocean-dev/"                                                                                        \
	"driver.yaml"

static const struct provider_driver drivers[] = {
    {.name = "dobs.csi.digitalocean.com",
     .what = "DigitalOcean Block Storage",
     .snapshots = true,
     .note = "driver v1: v1alpha1 only; v2-v3: v1beta1; v4+: v1 (Kubernetes 1.22+)",
     .source = SRC_DO_CSI},
};

static const struct provider_step steps[] = {
    {.kinds = PROVIDER_STEP_CHECK,
     .title = "Nothing to install on DOKS: check the preinstalled driver and the VolumeSnapshotClass "
	      "do-block-storage",
     .command = "kubectl get csidriver dobs.csi.digitalocean.com && kubectl get volumesnapshotclass",
     .verify = UPSTREAM_VERIFY_CRDS,
     .source = SRC_DO_HOWTO},
    {.kinds = PROVIDER_STEP_CRDS | PROVIDER_STEP_DRIVER | PROVIDER_STEP_CONTROLLER,
     .title = "Self-managed clusters only: apply the driver release manifests (CRDs, driver, snapshot "
	      "controller)",
     .command = "V=<driver-version>   # e.g. v4.x for Kubernetes 1.22+\n"
		"for f in crds driver snapshot-controller; do kubectl apply -f https://raw.githubusercontent.com/"
		"digitalocean/csi-digitalocean/master/deploy/kubernetes/releases/csi-digitalocean-$V/$f.yaml; done",
     .verify = "kubectl get csidriver dobs.csi.digitalocean.com",
     .source = SRC_DO_CSI},
};

static const struct provider_era eras[] = {
    {.from = {1, 0},
     .to = {1, 17},
     .support = PROVIDER_SNAP_UNSUPPORTED,
     .summary = "Before 1.18 DOKS uses a different snapshot API (v1alpha1, driver v1), which kubectl-volsnap does "
		"not speak.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_UNKNOWN,
     .steps = NULL,
     .n_steps = 0,
     .source = SRC_DO_HOWTO " (\"prior to 1.18\")"},
    {.from = {1, 18},
     .to = {1, 21},
     .support = PROVIDER_SNAP_READY,
     .summary = "The CSI driver (v2-v3) is preinstalled and serves the v1beta1 snapshot API.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_UNKNOWN,
     .controller_where = "preinstalled by DOKS (implied by the DO how-to, not explicitly confirmed)",
     .default_storage_class = "do-block-storage",
     .default_snapshot_class = "do-block-storage",
     .steps = steps,
     .n_steps = PROV_N(steps),
     .source = SRC_DO_CSI},
    {.from = {1, 22},
     .to = KV_OPEN,
     .support = PROVIDER_SNAP_READY,
     .summary = "The CSI driver (v4+) is preinstalled and serves the v1 snapshot API; VolumeSnapshotClass "
		"do-block-storage is the default.",
     .crds_preinstalled = PROVIDER_UNCONFIRMED,
     .controller = PROVIDER_CTRL_UNKNOWN,
     .controller_where = "preinstalled by DOKS (implied by the DO how-to, not explicitly confirmed)",
     .default_storage_class = "do-block-storage",
     .default_snapshot_class = "do-block-storage",
     .steps = steps,
     .n_steps = PROV_N(steps),
     .source = SRC_DO_CSI "; " SRC_DO_DRIVER},
};

static const struct provider_issue issues[] = {
    {.id = "do-alpha-api",
     .title = "Only the v1alpha1 snapshot API before 1.18",
     .severity = PROVIDER_SEV_BLOCKER,
     .affected_from = {1, 0},
     .affected_to = {1, 17},
     .fixed_k8s = {1, 18},
     .remediation = "kubectl-volsnap needs the v1beta1 or v1 snapshot API (v1alpha1 is not enough)",
     .source = SRC_DO_HOWTO},
};

static const char *const docs[] = {SRC_DO_HOWTO, SRC_DO_CSI, NULL};

const struct provider provider_digitalocean = {
    .id = "digitalocean",
    .name = "DigitalOcean Kubernetes",
    .summary = "DOKS: dobs.csi.digitalocean.com preinstalled, VolumeSnapshotClass do-block-storage",
    .drivers = drivers,
    .n_drivers = PROV_N(drivers),
    .intree = NULL,
    .min_version = {1, 18},
    .min_version_source = SRC_DO_HOWTO " (a different API \"prior to 1.18\")",
    .eras = eras,
    .n_eras = PROV_N(eras),
    .issues = issues,
    .n_issues = PROV_N(issues),
    .docs = docs,
};
