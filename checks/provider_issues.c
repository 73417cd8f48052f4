/* provider-issues: what is known about the detected provider on this version:
 * the era's support level and the known issues that apply (providers/), each
 * judged by the evidence in the same report (checks/evidence.c): a fix the
 * cluster visibly has is info, a symptom it shows keeps the row's severity. */
#include "checks/check.h"

#include <stdio.h>
#include <string.h>

static const enum check_result by_severity[] = {
    [PROVIDER_SEV_INFO] = CHECK_INFO,
    [PROVIDER_SEV_WARNING] = CHECK_WARN,
    [PROVIDER_SEV_BLOCKER] = CHECK_FAIL,
};

/* " (fixed in X)", " [unconfirmed: what would confirm it]" */
static void describe_fix(struct strbuf *sb, const struct provider_issue *is)
{
	if (is->fixed_in)
		strbuf_addf(sb, " (fixed in %s)", is->fixed_in);
	else if (is->fixed_version)
		strbuf_addf(sb, " (fixed in %s)", is->fixed_version);
	else if (is->fixed_k8s.major)
		strbuf_addf(sb, " (fixed in Kubernetes %d.%d)", is->fixed_k8s.major, is->fixed_k8s.minor);
	if (is->unconfirmed)
		strbuf_addf(sb, " [unconfirmed%s%s]", is->confirm ? ": " : "", is->confirm ? is->confirm : "");
}

static void note_issue(const struct check_facts *f, struct check_outcome *o, const struct check_issue *ci)
{
	const struct provider_issue *is = ci->is;
	struct strbuf fix = STRBUF_INIT;
	enum check_result r = by_severity[is->severity];

	if (ci->symptom == CHECK_SEEN_NO) {
		check_note(o, CHECK_INFO, "%s: %s: fixed in %s; this cluster shows the fix: %s", is->id, is->title,
			   is->fixed_in, ci->how);
		return;
	}
	/* A limitation that blocks every snapshot-capable driver blocks all snapshots. */
	if (is->blocks_driver && check_all_drivers_blocked(f))
		r = CHECK_FAIL;
	describe_fix(&fix, is);
	if (ci->symptom == CHECK_SEEN_UNKNOWN) {
		if (r == CHECK_FAIL)
			r = CHECK_WARN;
		check_note(o, r, "%s: %s%s; may apply: %s", is->id, is->title, fix.buf, ci->how);
	} else if (is->blocks_driver && r != CHECK_INFO) {
		check_note(o, r, "%s: %s%s; %s volumes cannot be snapshotted on %s%s", is->id, is->title, fix.buf,
			   is->blocks_driver, f->git_version,
			   r == CHECK_FAIL ? ", and no other snapshot-capable driver is installed" : "");
	} else if (is->symptom != PROVIDER_SYMPTOM_NONE && r != CHECK_INFO) {
		check_note(o, r, "%s: %s%s; this cluster shows it: %s", is->id, is->title, fix.buf, ci->how);
	} else {
		check_note(o, r, "%s: %s%s", is->id, is->title, fix.buf);
	}
	strbuf_release(&fix);
	/* Info-level issues are background (they hold on every cluster of the
	 * provider); only those that need action carry their remediation. The
	 * upgrade target is the report's one (check_upgrade_advice). */
	if (r == CHECK_INFO)
		return;
	if (is->fixed_k8s.major || is->fixed_version) {
		struct strbuf up = STRBUF_INIT;
		check_upgrade_advice(f, &up);
		if (up.len)
			check_remedy(o, "%s", up.buf);
		strbuf_release(&up);
	}
	if (is->remediation)
		check_remedy(o, "%s", is->remediation);
}

/* The era's verdict, unless a blocking row already says it (one issue, one
 * mention). */
static void note_era(const struct check_facts *f, struct check_outcome *o, bool blocker_rows)
{
	const struct provider_era *e = f->era;
	const struct provider *p = f->provider;
	if (!e && p->n_eras && provider_kver_cmp((struct provider_kver){f->major, f->minor}, p->eras[0].from) < 0) {
		check_note(o, CHECK_FAIL, "%s on %d.%d predates its volume snapshot support (from %d.%d)", p->name,
			   f->major, f->minor, p->eras[0].from.major, p->eras[0].from.minor);
		check_remedy(o, "see `kubectl volsnap setup %s` for the versions that support snapshots", p->id);
	}
	if (!e || blocker_rows)
		return;
	if (e->support == PROVIDER_SNAP_UNSUPPORTED || e->support == PROVIDER_SNAP_BROKEN)
		check_note(o, CHECK_FAIL, "%s on %d.%d: %s", f->provider->name, f->major, f->minor, e->summary);
	if (e->support == PROVIDER_SNAP_UNSUPPORTED)
		check_remedy(o, "see `kubectl volsnap setup %s` for the versions that support snapshots",
			     f->provider->id);
}

static void run_provider_issues(const struct check_facts *f, struct check_outcome *o)
{
	struct check_issue issues[CHECK_ISSUES_MAX];
	bool blocker_rows = false;
	size_t n;

	if (!f->git_version) {
		check_note(o, CHECK_SKIP, "cannot tell without the server version");
		return;
	}
	n = check_issues(f, issues);
	for (size_t i = 0; i < n; i++)
		blocker_rows |= issues[i].is->severity == PROVIDER_SEV_BLOCKER;
	note_era(f, o, blocker_rows);
	for (size_t i = 0; i < n; i++)
		note_issue(f, o, &issues[i]);
	check_issues_release(issues, n);
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
    .reads = CHECK_READS_PROVIDER | CHECK_READ(READ_VSCLASSES),
    .docs = "https://kubernetes-csi.github.io/docs/drivers.html",
    .run = run_provider_issues,
};
