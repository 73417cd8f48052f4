/* provider-issues: what is known about the detected provider on this version:
 * the era's support level and the known issues that apply (providers/). */
#include "checks/check.h"

#include <stdio.h>

static const enum check_result by_severity[] = {
    [PROVIDER_SEV_INFO] = CHECK_INFO,
    [PROVIDER_SEV_WARNING] = CHECK_WARN,
    [PROVIDER_SEV_BLOCKER] = CHECK_FAIL,
};

static void note_issue(struct check_outcome *o, const struct provider_issue *is)
{
	if (is->fixed_in)
		check_note(o, by_severity[is->severity], "%s: %s (fixed in %s)%s", is->id, is->title, is->fixed_in,
			   is->unconfirmed ? " [unconfirmed]" : "");
	else if (is->fixed_k8s.major)
		check_note(o, by_severity[is->severity], "%s: %s (fixed in Kubernetes %d.%d)%s", is->id, is->title,
			   is->fixed_k8s.major, is->fixed_k8s.minor, is->unconfirmed ? " [unconfirmed]" : "");
	else
		check_note(o, by_severity[is->severity], "%s: %s%s", is->id, is->title,
			   is->unconfirmed ? " [unconfirmed]" : "");
	/* Info-level issues are background (they hold on every cluster of the
	 * provider); only those that need action carry their remediation. */
	if (is->remediation && is->severity != PROVIDER_SEV_INFO)
		check_remedy(o, "%s", is->remediation);
}

static void note_era(const struct check_facts *f, struct check_outcome *o)
{
	const struct provider_era *e = f->era;
	const struct provider *p = f->provider;
	if (!e && p->n_eras && provider_kver_cmp((struct provider_kver){f->major, f->minor}, p->eras[0].from) < 0) {
		check_note(o, CHECK_FAIL, "%s on %d.%d predates its volume snapshot support (from %d.%d)", p->name,
			   f->major, f->minor, p->eras[0].from.major, p->eras[0].from.minor);
		check_remedy(o, "see `kubectl volsnap setup %s` for the versions that support snapshots", p->id);
	}
	if (!e)
		return;
	if (e->support == PROVIDER_SNAP_UNSUPPORTED || e->support == PROVIDER_SNAP_BROKEN)
		check_note(o, CHECK_FAIL, "%s on %d.%d: %s", f->provider->name, f->major, f->minor, e->summary);
	if (e->support == PROVIDER_SNAP_UNSUPPORTED)
		check_remedy(o, "see `kubectl volsnap setup %s` for the versions that support snapshots",
			     f->provider->id);
}

static void run_provider_issues(const struct check_facts *f, struct check_outcome *o)
{
	const struct provider_issue *issues[16];
	size_t n;

	if (!f->git_version) {
		check_note(o, CHECK_SKIP, "cannot tell without the server version");
		return;
	}
	n = provider_issues_for(f->provider, f->major, f->minor, issues, 16);

	note_era(f, o);
	for (size_t i = 0; i < n && i < 16; i++)
		note_issue(o, issues[i]);
	if (o->set)
		return;
	if (f->provider == provider_generic())
		check_note(o, CHECK_INFO, "no provider-specific knowledge applies (generic Kubernetes)");
	else
		check_note(o, CHECK_PASS, "no known issues for %s on %d.%d", f->provider->name, f->major, f->minor);
}

const struct check check_provider_issues = {
    .id = "provider-issues",
    .title = "Provider known issues",
    /* Not server-version: when that fails (too old for the provider), the
     * era's advice of its time is exactly what the user needs to read. */
    .needs = NULL,
    .reads = CHECK_READS_PROVIDER,
    .docs = "https://kubernetes-csi.github.io/docs/drivers.html",
    .run = run_provider_issues,
};
