/* The table of checks, their dependency order, and the run over fetched facts. */
#include "checks/check.h"

#include <stdarg.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

extern const struct check check_server_version, check_provider_issues, check_snapshot_crds, check_snapshot_controller,
    check_csi_drivers, check_storage_classes, check_snapshot_classes, check_pvcs, check_permissions, check_schedules;

/* Dependency order: every check's needs come before it. IDs are stable: they
 * are part of the JSON report and of `--check`. */
static const struct check *const catalogue[] = {
    &check_server_version, &check_provider_issues, &check_snapshot_crds,    &check_snapshot_controller,
    &check_csi_drivers,	   &check_storage_classes, &check_snapshot_classes, &check_pvcs,
    &check_permissions,	   &check_schedules,
};
#define NCHECKS (sizeof catalogue / sizeof catalogue[0])

const struct check *const *check_catalogue(size_t *n)
{
	*n = NCHECKS;
	return catalogue;
}

static int check_index(const char *id)
{
	for (size_t i = 0; i < NCHECKS; i++)
		if (strcmp(catalogue[i]->id, id) == 0)
			return (int)i;
	return -1;
}

const struct check *check_find(const char *id)
{
	int i = check_index(id);
	return i < 0 ? NULL : catalogue[i];
}

const char *check_result_name(enum check_result r)
{
	static const char *const names[] = {
	    [CHECK_PASS] = "pass", [CHECK_WARN] = "warn", [CHECK_FAIL] = "fail",
	    [CHECK_SKIP] = "skip", [CHECK_INFO] = "info",
	};
	return r < CHECK_NRESULTS ? names[r] : "?";
}

/* ---- verdict helpers ------------------------------------------------------ */

static int severity(enum check_result r)
{
	static const int rank[] = {
	    [CHECK_INFO] = 0, [CHECK_PASS] = 1, [CHECK_SKIP] = 2, [CHECK_WARN] = 3, [CHECK_FAIL] = 4,
	};
	return rank[r];
}

void check_note(struct check_outcome *o, enum check_result r, const char *fmt, ...)
{
	va_list ap;
	if (!o->set || severity(r) > severity(o->result))
		o->result = r;
	o->set = true;
	o->incomplete |= r == CHECK_SKIP;
	if (o->message.len && o->message.buf[o->message.len - 1] == '.')
		o->message.buf[--o->message.len] = '\0'; /* no ".;" */
	if (o->message.len)
		strbuf_addstr(&o->message, "; ");
	va_start(ap, fmt);
	strbuf_vaddf(&o->message, fmt, ap);
	va_end(ap);
}

void check_remedy(struct check_outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	if (strlist_contains(&o->remediation, s))
		free(s);
	else
		strlist_take(&o->remediation, s);
}

const char *check_read_name(enum check_read r)
{
	static const char *const names[READ_COUNT] = {
	    [READ_VERSION] = "the server version",
	    [READ_SNAP_GROUP] = "API group snapshot.storage.k8s.io",
	    [READ_SNAP_V1] = "snapshot.storage.k8s.io/v1",
	    [READ_SNAP_V1BETA1] = "snapshot.storage.k8s.io/v1beta1",
	    [READ_VSCLASSES] = "volumesnapshotclasses",
	    [READ_NODES] = "nodes",
	    [READ_CSIDRIVERS] = "csidrivers",
	    [READ_CSINODES] = "csinodes",
	    [READ_STORAGECLASSES] = "storageclasses",
	    [READ_PVS] = "persistentvolumes",
	    [READ_PVCS] = "persistentvolumeclaims",
	    [READ_DEPLOYMENTS] = "deployments",
	    [READ_STATEFULSETS] = "statefulsets",
	    [READ_CONTROLLER_LEASE] = "lease kube-system/snapshot-controller-leader",
	    [READ_SHOOT_INFO] = "configmap kube-system/shoot-info",
	    [READ_OPENSHIFT_GROUP] = "API group config.openshift.io",
	    [READ_OPENSHIFT_VERSION] = "clusterversion version",
	    [READ_ACCESS] = "selfsubjectaccessreviews",
	    [READ_CRONJOBS] = "cronjobs",
	    [READ_CRONJOBS_V1BETA1] = "cronjobs (batch/v1beta1)",
	    [READ_SCHED_JOBS] = "jobs",
	    [READ_CRONJOB_EVENTS] = "events",
	};
	return r < READ_COUNT ? names[r] : "?";
}

const char *check_read_error(const struct check_facts *f, enum check_read r)
{
	const struct kube_error *e = &f->reads[r].err;
	if (!f->reads[r].done)
		return "not read";
	if (kube_error_is_forbidden(e))
		return "forbidden";
	if (e->kind == KUBE_ERR_NOT_INSTALLED || kube_error_is_not_found(e))
		return "not found";
	return e->message ? e->message : "unknown error";
}

bool check_read_absent(const struct check_facts *f, enum check_read r)
{
	const struct kube_error *e = &f->reads[r].err;
	return f->reads[r].done && !f->reads[r].obj &&
	       (e->kind == KUBE_ERR_NOT_INSTALLED || kube_error_is_not_found(e) || e->http_code == 404);
}

json_object *check_object(const struct check_facts *f, enum check_read r)
{
	return f->reads[r].obj;
}

json_object *check_items(const struct check_facts *f, enum check_read r, struct check_outcome *o)
{
	json_object *items = jget(f->reads[r].obj, "items");
	if (json_object_is_type(items, json_type_array))
		return items;
	if (o) {
		check_note(o, CHECK_SKIP, "cannot read %s: %s", check_read_name(r), check_read_error(f, r));
		if (kube_error_is_forbidden(&f->reads[r].err))
			check_remedy(o, "ask your cluster admin for get/list on %s, or run doctor as a user who has it",
				     check_read_name(r));
	}
	return NULL;
}

/* ---- selection and the run ------------------------------------------------ */

static void select_with_needs(int i, bool *selected)
{
	if (selected[i])
		return;
	selected[i] = true;
	for (const char *const *n = catalogue[i]->needs; n && *n; n++)
		select_with_needs(check_index(*n), selected);
}

int check_select(const char *const *ids, size_t n, bool *selected, const char **bad)
{
	for (size_t i = 0; i < NCHECKS; i++)
		selected[i] = n == 0;
	for (size_t k = 0; k < n; k++) {
		int i = check_index(ids[k]);
		if (i < 0) {
			*bad = ids[k];
			return -1;
		}
		select_with_needs(i, selected);
	}
	return 0;
}

unsigned check_reads_for(const bool *selected)
{
	unsigned reads = CHECK_READS_PROVIDER;
	for (size_t i = 0; i < NCHECKS; i++)
		if (selected[i])
			reads |= catalogue[i]->reads;
	return reads;
}

/* The first dependency that failed or was skipped, or NULL. */
static const char *failed_need(const struct check *c, const struct check_outcome *out)
{
	for (const char *const *n = c->needs; n && *n; n++) {
		enum check_result r = out[check_index(*n)].result;
		if (r == CHECK_FAIL || r == CHECK_SKIP)
			return *n;
	}
	return NULL;
}

void check_run(const struct check_facts *f, const bool *selected, struct check_outcome *out)
{
	for (size_t i = 0; i < NCHECKS; i++) {
		struct check_outcome *o = &out[i];
		*o = (struct check_outcome){.result = CHECK_SKIP, .message = STRBUF_INIT, .remediation = STRLIST_INIT};
		if (!selected[i])
			continue;
		const char *dep = failed_need(catalogue[i], out);
		if (dep) {
			check_note(o, CHECK_SKIP, "skipped because %s %s", dep,
				   out[check_index(dep)].result == CHECK_FAIL ? "failed" : "was skipped");
			continue;
		}
		catalogue[i]->run(f, o);
		if (!o->set)
			check_note(o, CHECK_PASS, "ok");
	}
}

void check_outcomes_release(struct check_outcome *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		strbuf_release(&out[i].message);
		strlist_clear(&out[i].remediation);
	}
}

int check_exit_code(const bool *selected, const struct check_outcome *out)
{
	bool warned = false, skipped = false;
	for (size_t i = 0; i < NCHECKS; i++) {
		if (!selected[i])
			continue;
		if (out[i].result == CHECK_FAIL)
			return 3;
		warned |= out[i].result == CHECK_WARN;
		skipped |= out[i].incomplete;
	}
	/* A check that could not read what it needs is not a pass: "ready"
	 * (0) and "only warnings" (4) are claims about every selected check. */
	return skipped ? 1 : warned ? 4 : 0;
}

void check_verdict(const struct check_facts *f, const bool *selected, const struct check_outcome *out,
		   struct strbuf *sb)
{
	int rc = check_exit_code(selected, out);
	bool all = true;
	for (size_t i = 0; i < NCHECKS; i++)
		all &= selected[i];
	if (rc == 3) {
		strbuf_addstr(sb, "snapshots will not work until the failures are fixed");
		return;
	}
	if (rc == 1) {
		strbuf_addstr(sb, "could not check");
		for (size_t i = 0, k = 0; i < NCHECKS; i++)
			if (selected[i] && out[i].incomplete)
				strbuf_addf(sb, "%s %s", k++ ? "," : "", catalogue[i]->id);
		strbuf_addstr(sb, ": whether snapshots work is not known (see the skipped checks' reasons)");
		return;
	}
	if (!all) {
		strbuf_addstr(sb, rc == 4 ? "the selected checks ran; see the warnings" : "the selected checks passed");
		return;
	}
	if (f->controller_seen == CHECK_SEEN_NO && (!f->era || f->era->controller != PROVIDER_CTRL_HIDDEN))
		strbuf_addstr(sb,
			      "snapshots work only if a snapshot controller runs where doctor cannot see it; see the "
			      "warnings");
	else
		strbuf_addstr(sb, rc == 4 ? "snapshots should work; see the warnings" : "snapshots should work");
}
