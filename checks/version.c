/* server-version: the cluster answers, and its version can take snapshots:
 * at least the minimum (the beta API from 1.17, the provider's own minimum,
 * the fix of a blocking issue), with 1.20 recommended (VolumeSnapshot v1).
 * The upgrade target is computed once (check_minimum) so every check that
 * advises an upgrade names the same version. */
#include "checks/check.h"

static void run_server_version(const struct check_facts *f, struct check_outcome *o)
{
	struct check_minimum m;
	struct strbuf advice = STRBUF_INIT;

	if (!f->git_version) {
		check_note(o, CHECK_SKIP, "cannot read the server version: %s", check_read_error(f, READ_VERSION));
		return;
	}
	check_minimum(f, &m);
	check_upgrade_advice(f, &advice);
	if (m.below)
		check_note(o, m.partial ? CHECK_WARN : CHECK_FAIL,
			   "Kubernetes %s is below %s, the minimum for snapshots here (%s)", f->git_version, m.exact,
			   m.reason);
	else if (provider_kver_cmp((struct provider_kver){f->major, f->minor}, (struct provider_kver){1, 20}) < 0)
		check_note(o, CHECK_WARN,
			   "Kubernetes %s serves at most VolumeSnapshot v1beta1 (v1 is GA from 1.20; v1beta1 is no "
			   "longer served by external-snapshotter v6+)",
			   f->git_version);
	else
		check_note(o, CHECK_PASS, "Kubernetes %s, reachable", f->git_version);
	if (advice.len)
		check_remedy(o, "%s", advice.buf);
	strbuf_release(&advice);
	check_minimum_release(&m);
}

const struct check check_server_version = {
    .id = "server-version",
    .title = "Server version",
    .needs = NULL,
    .reads = CHECK_READ(READ_VERSION),
    .docs = "https://kubernetes.io/docs/concepts/storage/volume-snapshots/",
    .run = run_server_version,
};
