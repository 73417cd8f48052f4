#include "sched/cover.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sched/cron.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/xalloc.h"

#define UNSCHEDULED_RECENT_S (24 * 3600) /* without a schedule, a snapshot this new still counts */

const char *cover_verdict_name(enum cover_verdict v)
{
	static const char *const names[] = {"OK", "STALE", "FAILING", "PAUSED", "UNPROTECTED"};
	return names[v];
}

static const char *label(json_object *obj, const char *key)
{
	json_object *l = jget(obj, "metadata.labels"), *v = NULL;
	if (!json_object_is_type(l, json_type_object) || !json_object_object_get_ex(l, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static int64_t when(json_object *o, const char *path)
{
	int64_t t = 0;
	const char *s = jstr(o, path);
	return s && time_parse_rfc3339(s, &t) ? t : 0;
}

/* Complete / Failed from the Job's conditions (or counts). */
static int job_outcome(json_object *job)
{
	json_object *conds = jget(job, "status.conditions");
	for (size_t i = 0; json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds); i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		if (strcmp(jstr_or(c, "status", ""), "True"))
			continue;
		if (!strcmp(jstr_or(c, "type", ""), "Complete"))
			return COVER_RUN_OK;
		if (!strcmp(jstr_or(c, "type", ""), "Failed"))
			return COVER_RUN_FAILED;
	}
	int64_t ok = 0;
	if (jint64(job, "status.succeeded", &ok) && ok > 0 && jget(job, "status.completionTime"))
		return COVER_RUN_OK;
	return COVER_RUN_NONE;
}

void cover_schedule_read(json_object *cj, json_object *jobs, int64_t now, struct cover_schedule *s)
{
	char *why = NULL;
	struct cron_expr e;
	bool b = false;
	memset(s, 0, sizeof *s);
	s->name = jstr_or(cj, "metadata.name", "?");
	s->has_spec = sched_record_read(cj, &s->spec, &why);
	free(why);
	why = NULL;
	s->suspended = jbool(cj, "spec.suspend", &b) && b;
	s->created = when(cj, "metadata.creationTimestamp");
	s->period = s->next_run = -1;
	const char *cron = jstr(cj, "spec.schedule"), *tz = jstr(cj, "spec.timeZone");
	if (cron && cron_parse(cron, &e, &why)) {
		s->period = cron_period(&e, now, tz);
		s->next_run = cron_next(&e, now, tz);
	}
	free(why);
	s->last_success = when(cj, "status.lastSuccessfulTime");
	int64_t newest_finished = -1;
	for (size_t i = 0; json_object_is_type(jobs, json_type_array) && i < json_object_array_length(jobs); i++) {
		json_object *j = json_object_array_get_idx(jobs, i);
		const char *sl = label(j, SCHED_LABEL);
		if (!sl || strcmp(sl, s->name) ||
		    strcmp(jstr_or(j, "metadata.namespace", ""), jstr_or(cj, "metadata.namespace", "")))
			continue;
		int64_t start = when(j, "status.startTime");
		if (!start)
			start = when(j, "metadata.creationTimestamp");
		if (start > s->last_run)
			s->last_run = start;
		int out = job_outcome(j);
		if (out == COVER_RUN_NONE) {
			s->running = true;
			continue;
		}
		if (out == COVER_RUN_OK && when(j, "status.completionTime") > s->last_success)
			s->last_success = when(j, "status.completionTime");
		if (start > newest_finished) {
			newest_finished = start;
			s->outcome = (enum cover_run)out;
			s->last_job = jstr(j, "metadata.name");
		}
	}
	int64_t lst = when(cj, "status.lastScheduleTime");
	if (lst > s->last_run)
		s->last_run = lst;
}

void cover_schedule_clear(struct cover_schedule *s)
{
	sched_spec_clear(&s->spec);
}

/* ---- selectors ------------------------------------------------------------- */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool in_set(const char *value, char *set)
{
	char *save = NULL;
	for (char *v = strtok_r(set, ",", &save); v; v = strtok_r(NULL, ",", &save))
		if (value && !strcmp(trim(v), value))
			return true;
	return false;
}

static const char *get_label(json_object *labels, const char *key)
{
	json_object *v = NULL;
	if (!json_object_is_type(labels, json_type_object) || !json_object_object_get_ex(labels, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static bool requirement(char *req, json_object *labels)
{
	req = trim(req);
	char *p;
	if (*req == '!')
		return get_label(labels, trim(req + 1)) == NULL;
	if ((p = strstr(req, " notin ")) || (p = strstr(req, " in "))) {
		bool notin = p[1] == 'n';
		*p = '\0';
		const char *v = get_label(labels, trim(req));
		char *open = strchr(p + 1, '('), *close = open ? strrchr(open, ')') : NULL;
		if (!open || !close)
			return false;
		*close = '\0';
		bool in = in_set(v, open + 1);
		return notin ? !in : in;
	}
	if ((p = strstr(req, "!="))) {
		*p = '\0';
		const char *v = get_label(labels, trim(req));
		return !v || strcmp(v, trim(p + 2));
	}
	if ((p = strchr(req, '='))) {
		*p = '\0';
		const char *want = trim(p + 1 + (p[1] == '='));
		const char *v = get_label(labels, trim(req));
		return v && !strcmp(v, want);
	}
	return get_label(labels, req) != NULL;
}

bool cover_selector_matches(const char *selector, json_object *labels)
{
	char *copy = xstrdup(selector), *start = copy;
	bool ok = true;
	int depth = 0;
	/* Split on commas outside parentheses. */
	for (char *p = copy;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || !*p) {
			bool end = !*p;
			*p = '\0';
			if (*trim(start) && !requirement(start, labels))
				ok = false;
			if (end || !ok)
				break;
			start = p + 1;
		}
	}
	free(copy);
	return ok;
}

bool cover_covers(const struct cover_schedule *s, json_object *pvc)
{
	const char *name = jstr_or(pvc, "metadata.name", ""), *ns = jstr_or(pvc, "metadata.namespace", "");
	if (!s->has_spec || !s->spec.ns || strcmp(s->spec.ns, ns))
		return false;
	if (s->spec.selector)
		return cover_selector_matches(s->spec.selector, jget(pvc, "metadata.labels"));
	return strlist_contains(&s->spec.pvcs, name);
}

/* ---- verdicts -------------------------------------------------------------- */

enum cover_verdict cover_decide(int64_t newest, const struct cover_schedule *const *s, size_t n, int64_t now,
				char **why)
{
	char *age = newest ? duration_human(now - newest) : NULL;
	enum cover_verdict v;
	*why = NULL;
	if (n == 0) {
		bool recent = newest && now - newest < UNSCHEDULED_RECENT_S;
		v = recent ? COVER_OK : COVER_UNPROTECTED;
		*why = recent ? xasprintf("no schedule; newest ready snapshot is %s old", age)
			      : xstrdup(newest ? "no schedule and no ready snapshot in the last 24h; kubectl volsnap "
						 "schedule create covers it"
					       : "no schedule and no ready snapshot; kubectl volsnap schedule create "
						 "covers it");
		goto out;
	}
	const struct cover_schedule *active = NULL, *failed = NULL;
	int64_t period = -1, created = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i]->suspended)
			continue;
		if (!active)
			active = s[i];
		if (s[i]->outcome == COVER_RUN_FAILED && !failed)
			failed = s[i];
		if (s[i]->period > 0 && (period < 0 || s[i]->period < period))
			period = s[i]->period;
		if (!created || s[i]->created < created)
			created = s[i]->created;
	}
	if (!active) {
		v = COVER_PAUSED;
		*why =
		    xasprintf("schedule %s is suspended; kubectl volsnap schedule resume %s", s[0]->name, s[0]->name);
	} else if (failed) {
		v = COVER_FAILING;
		*why = xasprintf("the last run of schedule %s failed (Job %s); kubectl volsnap schedule describe %s",
				 failed->name, failed->last_job ? failed->last_job : "?", failed->name);
	} else if (period > 0 && (!newest || now - newest > 2 * period) && now - created > 2 * period) {
		char *p = duration_human(period);
		v = COVER_STALE;
		*why = newest ? xasprintf("newest ready snapshot is %s old, more than twice the period of %s (%s)", age,
					  active->name, p)
			      : xasprintf("no ready snapshot although schedule %s (every %s) is older than two periods",
					  active->name, p);
		free(p);
	} else {
		v = COVER_OK;
		*why = newest ? xasprintf("newest ready snapshot is %s old", age)
			      : xasprintf("waiting for the first run of %s", active->name);
	}
out:
	free(age);
	return v;
}

char *cover_objects_line(bool gardener, bool velero, json_object *schedules, json_object *backups, int64_t now)
{
	if (gardener)
		return xstrdup("Cluster objects: Gardener backs up etcd (a full snapshot daily, a delta every 5 "
			       "minutes); volumes are covered only by the snapshots above");
	if (!velero)
		return xstrdup("Cluster objects: nothing visible backs them up (no Gardener etcd backups, no Velero); "
			       "volume snapshots are only half of a backup");
	int64_t newest = 0;
	const char *name = NULL;
	size_t nb = json_object_is_type(backups, json_type_array) ? json_object_array_length(backups) : 0;
	for (size_t i = 0; i < nb; i++) {
		json_object *b = json_object_array_get_idx(backups, i);
		int64_t t = when(b, "status.completionTimestamp");
		if (!strcmp(jstr_or(b, "status.phase", ""), "Completed") && t > newest) {
			newest = t;
			name = jstr(b, "metadata.name");
		}
	}
	size_t ns = json_object_is_type(schedules, json_type_array) ? json_object_array_length(schedules) : 0;
	if (!schedules || !backups)
		return xstrdup("Cluster objects: Velero is installed, but its schedules and backups cannot be read");
	if (!newest)
		return xasprintf("Cluster objects: Velero is installed with %zu schedule%s and no completed backup", ns,
				 ns == 1 ? "" : "s");
	char *age = duration_human(now - newest);
	char *line = xasprintf("Cluster objects: Velero, %zu schedule%s, last completed backup %s %s ago", ns,
			       ns == 1 ? "" : "s", name ? name : "?", age);
	free(age);
	return line;
}
