/* Evidence: what the cluster visibly shows, and the rules that let it outrank
 * what a provider's version says (docs/doctor.md "Evidence").
 *
 * A known issue is matched on the version first (providers/), then on its
 * symptom: a Gardener 1.18 shoot whose extension was updated holds the
 * snapshot controller's leader lease although its version still says 1.18.
 * A row whose symptom the cluster does not show is info ("this cluster shows
 * the fix"), or not shown when it names no fix (a "v1beta1 is not served"
 * row on a cluster that serves v1beta1). A row whose symptom shows keeps its
 * severity; one whose symptom cannot be read stays a warning at most. */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

enum check_seen check_api_seen(const struct check_facts *f)
{
	if (check_object(f, READ_SNAP_GROUP))
		return f->snap_version ? CHECK_SEEN_YES : CHECK_SEEN_NO;
	return check_read_absent(f, READ_SNAP_GROUP) ? CHECK_SEEN_NO : CHECK_SEEN_UNKNOWN;
}

enum check_seen check_default_class_seen(const struct check_facts *f, const char *driver, const char **name)
{
	json_object *classes = jget(check_object(f, READ_VSCLASSES), "items");
	if (!json_object_is_type(classes, json_type_array))
		return CHECK_SEEN_UNKNOWN;
	for (size_t i = 0; i < json_object_array_length(classes); i++) {
		json_object *c = json_object_array_get_idx(classes, i);
		if ((!driver || strcmp(jstr_or(c, "driver", ""), driver) == 0) && check_class_is_default(c)) {
			if (name)
				*name = jstr_or(c, "metadata.name", "");
			return CHECK_SEEN_YES;
		}
	}
	return CHECK_SEEN_NO;
}

static bool v1beta1_served(const struct check_facts *f)
{
	for (size_t i = 0; i < f->n_served; i++)
		if (strcmp(f->served[i], "v1beta1") == 0)
			return true;
	return false;
}

static enum check_seen provisioner_used(const struct check_facts *f, const char *prov, struct strbuf *how)
{
	json_object *scs = check_items(f, READ_STORAGECLASSES, NULL);
	if (!scs) {
		strbuf_addf(how, "cannot read %s: %s", check_read_name(READ_STORAGECLASSES),
			    check_read_error(f, READ_STORAGECLASSES));
		return CHECK_SEEN_UNKNOWN;
	}
	for (size_t i = 0; i < json_object_array_length(scs); i++) {
		json_object *sc = json_object_array_get_idx(scs, i);
		if (strcmp(jstr_or(sc, "provisioner", ""), prov) == 0) {
			strbuf_addf(how, "StorageClass %s uses %s", jstr_or(sc, "metadata.name", ""), prov);
			return CHECK_SEEN_YES;
		}
	}
	strbuf_addf(how, "no StorageClass uses %s", prov);
	return CHECK_SEEN_NO;
}

/* Whether the cluster shows the issue's symptom; how says what was seen. */
static enum check_seen symptom(const struct check_facts *f, const struct provider_issue *is, struct strbuf *how)
{
	const char *name = NULL;
	enum check_seen s;

	switch (is->symptom) {
	case PROVIDER_SYMPTOM_NONE:
		return CHECK_SEEN_YES;
	case PROVIDER_SYMPTOM_NO_CONTROLLER:
		strbuf_addstr(how, f->controller_how ? f->controller_how : "");
		if (f->controller_seen == CHECK_SEEN_UNKNOWN)
			return CHECK_SEEN_UNKNOWN;
		return f->controller_seen == CHECK_SEEN_YES ? CHECK_SEEN_NO : CHECK_SEEN_YES;
	case PROVIDER_SYMPTOM_NO_DEFAULT_CLASS:
		s = check_default_class_seen(f, is->driver, &name);
		if (s == CHECK_SEEN_YES) {
			strbuf_addf(how, "VolumeSnapshotClass %s is the default%s%s", name, is->driver ? " for " : "",
				    is->driver ? is->driver : "");
			return CHECK_SEEN_NO;
		}
		if (s == CHECK_SEEN_NO) {
			strbuf_addf(how, "no VolumeSnapshotClass is the default%s%s", is->driver ? " for " : "",
				    is->driver ? is->driver : "");
			return CHECK_SEEN_YES;
		}
		strbuf_addf(how, "cannot read %s: %s", check_read_name(READ_VSCLASSES),
			    check_read_error(f, READ_VSCLASSES));
		return CHECK_SEEN_UNKNOWN;
	case PROVIDER_SYMPTOM_PROVISIONER_USED:
		return provisioner_used(f, is->driver, how);
	case PROVIDER_SYMPTOM_V1BETA1_NOT_SERVED:
	case PROVIDER_SYMPTOM_NO_SNAPSHOT_API:
		if (!check_object(f, READ_SNAP_GROUP) && !check_read_absent(f, READ_SNAP_GROUP)) {
			strbuf_addf(how, "cannot read %s: %s", check_read_name(READ_SNAP_GROUP),
				    check_read_error(f, READ_SNAP_GROUP));
			return CHECK_SEEN_UNKNOWN;
		}
		if (is->symptom == PROVIDER_SYMPTOM_V1BETA1_NOT_SERVED) {
			bool served = v1beta1_served(f);
			strbuf_addf(how, "snapshot.storage.k8s.io/v1beta1 is %sserved", served ? "" : "not ");
			return served ? CHECK_SEEN_NO : CHECK_SEEN_YES;
		}
		s = check_api_seen(f);
		strbuf_addf(how, "snapshot.storage.k8s.io is %sserved", s == CHECK_SEEN_YES ? "" : "not ");
		return s == CHECK_SEEN_YES ? CHECK_SEEN_NO : CHECK_SEEN_YES;
	}
	return CHECK_SEEN_UNKNOWN;
}

size_t check_issues(const struct check_facts *f, struct check_issue *out)
{
	const struct provider *p = f->provider;
	size_t n = 0;

	for (size_t i = 0; p && f->git_version && i < p->n_issues && n < CHECK_ISSUES_MAX; i++) {
		const struct provider_issue *is = &p->issues[i];
		struct strbuf how = STRBUF_INIT;
		if (!provider_issue_affects(is, f->git_version, f->major, f->minor))
			continue;
		if (is->requires_driver && !strlist_contains(&f->drivers, is->requires_driver))
			continue;
		enum check_seen s = symptom(f, is, &how);
		if (s == CHECK_SEEN_NO && !is->fixed_in) {
			strbuf_release(&how);
			continue;
		}
		out[n++] = (struct check_issue){.is = is, .symptom = s, .how = strbuf_detach(&how)};
	}
	return n;
}

void check_issues_release(struct check_issue *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(out[i].how);
}

const struct provider_issue *check_driver_blocked(const struct check_facts *f, const char *driver)
{
	struct check_issue issues[CHECK_ISSUES_MAX];
	size_t n = check_issues(f, issues);
	const struct provider_issue *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (issues[i].is->blocks_driver && issues[i].symptom != CHECK_SEEN_NO &&
		    strcmp(issues[i].is->blocks_driver, driver) == 0)
			found = issues[i].is;
	check_issues_release(issues, n);
	return found;
}

bool check_all_drivers_blocked(const struct check_facts *f)
{
	size_t capable = 0, blocked = 0;
	for (size_t i = 0; i < f->drivers.n; i++) {
		if (!check_driver_snapshots(f->drivers.items[i]))
			continue;
		capable++;
		blocked += check_driver_blocked(f, f->drivers.items[i]) != NULL;
	}
	return capable > 0 && blocked == capable;
}

/* ---- the one upgrade target ------------------------------------------------ */

static void raise_to(struct check_minimum *m, struct provider_kver kv, const char *exact, char *reason)
{
	free(m->exact);
	free(m->reason);
	m->kv = kv;
	m->exact = exact ? xstrdup(exact) : xasprintf("%d.%d", kv.major, kv.minor);
	m->reason = reason;
}

void check_minimum(const struct check_facts *f, struct check_minimum *m)
{
	struct check_issue issues[CHECK_ISSUES_MAX];
	size_t n = check_issues(f, issues);
	const struct provider *p = f->provider;

	*m = (struct check_minimum){0};
	raise_to(m, (struct provider_kver){1, 17}, NULL, xstrdup("the VolumeSnapshot beta API"));
	if (p && provider_kver_cmp(p->min_version, m->kv) > 0)
		raise_to(m, p->min_version, NULL, xasprintf("%s's minimum", p->name));
	for (size_t i = 0; i < n; i++) {
		const struct provider_issue *is = issues[i].is;
		if (issues[i].symptom == CHECK_SEEN_NO)
			continue;
		if (is->severity == PROVIDER_SEV_BLOCKER && is->fixed_k8s.major &&
		    provider_kver_cmp(is->fixed_k8s, m->kv) > 0)
			raise_to(m, is->fixed_k8s, NULL, xstrdup(is->id));
		struct provider_kver kv = {0, 0};
		if (is->fixed_version && provider_parse_version(is->fixed_version, &kv.major, &kv.minor, NULL) &&
		    provider_version_cmp(is->fixed_version, m->exact) > 0) {
			raise_to(m, kv, is->fixed_version,
				 is->blocks_driver ? xasprintf("for %s volumes, %s", is->blocks_driver, is->id)
						   : xstrdup(is->id));
			m->partial = is->blocks_driver != NULL;
		}
	}
	check_issues_release(issues, n);
	m->below = f->git_version && (provider_kver_cmp((struct provider_kver){f->major, f->minor}, m->kv) < 0 ||
				      provider_version_cmp(f->git_version, m->exact) < 0);
}

void check_minimum_release(struct check_minimum *m)
{
	free(m->exact);
	free(m->reason);
	*m = (struct check_minimum){0};
}

void check_upgrade_advice(const struct check_facts *f, struct strbuf *sb)
{
	struct check_minimum m;
	bool before_v1 =
	    provider_kver_cmp((struct provider_kver){f->major, f->minor}, (struct provider_kver){1, 20}) < 0;
	check_minimum(f, &m);
	if (m.below)
		strbuf_addf(sb, "upgrade the cluster to %s or later (the minimum for snapshots here: %s)%s", m.exact,
			    m.reason,
			    provider_kver_cmp(m.kv, (struct provider_kver){1, 20}) < 0
				? "; 1.20 or later is recommended (VolumeSnapshot v1)"
				: "");
	else if (before_v1)
		strbuf_addstr(sb, "1.20 or later is recommended (VolumeSnapshot v1): plan an upgrade");
	check_minimum_release(&m);
}

/* ---- what blocks every volume --------------------------------------------- */

static bool blocker_issue(const struct check_facts *f, struct strbuf *why)
{
	struct check_issue issues[CHECK_ISSUES_MAX];
	size_t n = check_issues(f, issues);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		const struct provider_issue *is = issues[i].is;
		if (is->severity != PROVIDER_SEV_BLOCKER || is->blocks_driver || issues[i].symptom != CHECK_SEEN_YES)
			continue;
		strbuf_addf(why, "%s (%s)", is->title, is->id);
		found = true;
	}
	check_issues_release(issues, n);
	return found;
}

enum check_result check_cluster_blocker(const struct check_facts *f, struct strbuf *why)
{
	struct check_minimum m;
	enum provider_controller ctrl = f->era ? f->era->controller : PROVIDER_CTRL_UNKNOWN;

	check_minimum(f, &m);
	if (m.below && !m.partial) {
		strbuf_addf(why, "Kubernetes %s is below %s, the minimum for snapshots here", f->git_version, m.exact);
		check_minimum_release(&m);
		return CHECK_FAIL;
	}
	check_minimum_release(&m);
	if (check_api_seen(f) == CHECK_SEEN_NO) {
		strbuf_addstr(why, "the snapshot API (snapshot.storage.k8s.io) is not served");
		return CHECK_FAIL;
	}
	if (f->era && f->era->support == PROVIDER_SNAP_UNSUPPORTED) {
		strbuf_addf(why, "%s on %d.%d has no CSI snapshots", f->provider->name, f->major, f->minor);
		return CHECK_FAIL;
	}
	if (blocker_issue(f, why))
		return CHECK_FAIL;
	if (check_all_drivers_blocked(f)) {
		const struct provider_issue *is = NULL;
		for (size_t i = 0; i < f->drivers.n && !is; i++)
			is = check_driver_blocked(f, f->drivers.items[i]);
		strbuf_addf(why, "%s (%s)", is->title, is->id);
		return CHECK_FAIL;
	}
	if (f->controller_seen != CHECK_SEEN_NO || ctrl == PROVIDER_CTRL_HIDDEN)
		return CHECK_PASS;
	if ((ctrl == PROVIDER_CTRL_NONE || ctrl == PROVIDER_CTRL_ADDON) && f->provider != provider_generic()) {
		strbuf_addf(why, "no snapshot controller is installed (%s runs none unless you add it)",
			    f->provider->name);
		return CHECK_FAIL;
	}
	strbuf_addstr(why, "no snapshot controller is visible");
	return CHECK_WARN;
}
