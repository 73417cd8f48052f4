/* server-version: the cluster answers, and its version can take snapshots
 * (beta API from 1.17, v1 from 1.20, and the provider's own minimum). */
#include "checks/check.h"

static void run_server_version(const struct check_facts *f, struct check_outcome *o)
{
	struct provider_kver v = {f->major, f->minor};
	const struct provider *p = f->provider;

	if (!f->git_version) {
		check_note(o, CHECK_SKIP, "cannot read the server version: %s", check_read_error(f, READ_VERSION));
		return;
	}
	if (provider_kver_cmp(v, (struct provider_kver){1, 17}) < 0) {
		check_note(o, CHECK_FAIL,
			   "Kubernetes %s is older than 1.17: the VolumeSnapshot beta API is not available",
			   f->git_version);
		check_remedy(o, "upgrade the cluster to Kubernetes 1.20 or later (VolumeSnapshot v1)");
		return;
	}
	if (p && !provider_min_version_ok(p, f->major, f->minor)) {
		check_note(o, CHECK_FAIL, "Kubernetes %s is below %s's minimum %d.%d for volume snapshots",
			   f->git_version, p->name, p->min_version.major, p->min_version.minor);
		check_remedy(o, "upgrade the cluster to %d.%d or later (source: %s)", p->min_version.major,
			     p->min_version.minor, p->min_version_source ? p->min_version_source : "provider docs");
		return;
	}
	if (provider_kver_cmp(v, (struct provider_kver){1, 20}) < 0) {
		check_note(o, CHECK_WARN,
			   "Kubernetes %s serves at most VolumeSnapshot v1beta1 (v1 is GA from 1.20; v1beta1 is no "
			   "longer served by external-snapshotter v6+)",
			   f->git_version);
		check_remedy(o, "plan an upgrade to Kubernetes 1.20 or later to use VolumeSnapshot v1");
		return;
	}
	check_note(o, CHECK_PASS, "Kubernetes %s, reachable", f->git_version);
}

const struct check check_server_version = {
    .id = "server-version",
    .title = "Server version",
    .needs = NULL,
    .reads = CHECK_READ(READ_VERSION),
    .docs = "https://kubernetes.io/docs/concepts/storage/volume-snapshots/",
    .run = run_server_version,
};
