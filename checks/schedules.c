/* schedules: do the snapshot schedules run? The plugin's own schedules and any
 * CronJob whose job mentions snapshots (the source document's
 * volume-snapshotter): suspended, no success within the period, the CronJob
 * controller's missed-start warnings, a batch/v1beta1 manifest where that
 * version is gone, a TZ=/CRON_TZ= prefix (facts/operations.md §1). */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "sched/cover.h"
#include "sched/sched.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/xalloc.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define LATE_SLACK_S 600 /* a run takes a while after its scheduled time */

static const char *string_in(json_object *obj, const char *map, const char *key)
{
	json_object *m = jget(obj, map), *v = NULL;
	if (!json_object_is_type(m, json_type_object) || !json_object_object_get_ex(m, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* The plugin's schedules, and CronJobs whose job speaks of snapshots. */
static bool relevant(json_object *cj)
{
	if (string_in(cj, "metadata.labels", SCHED_LABEL))
		return true;
	char *t = jdump(jget(cj, "spec.jobTemplate"));
	bool snap = t && strstr(t, "snapshot");
	free(t);
	return snap;
}

static void check_manifest(const struct check_facts *f, json_object *cj, const char *who, struct check_outcome *o)
{
	const char *sched = jstr_or(cj, "spec.schedule", ""),
		   *applied = string_in(cj, "metadata.annotations", LAST_APPLIED);
	if (!strncmp(sched, "TZ=", 3) || !strncmp(sched, "CRON_TZ=", 8)) {
		check_note(o, CHECK_WARN,
			   "%s sets its time zone with a prefix in \"%s\" (unsupported; creating such a "
			   "CronJob fails from 1.29)",
			   who, sched);
		check_remedy(o, "move the zone to spec.timeZone (1.25+): kubectl volsnap schedule create --time-zone");
	}
	if (applied && strstr(applied, "\"apiVersion\":\"batch/v1beta1\"")) {
		if (f->minor >= 25) {
			check_note(
			    o, CHECK_FAIL,
			    "%s was applied as batch/v1beta1, which Kubernetes 1.%d no longer serves: re-applying "
			    "that manifest fails (no matches for kind \"CronJob\" in version \"batch/v1beta1\")",
			    who, f->minor);
			check_remedy(o, "change the manifest to apiVersion: batch/v1 (kubectl volsnap schedule create "
					"--dry-run=client -o yaml writes one)");
		} else if (f->minor >= 21) {
			check_note(o, CHECK_WARN,
				   "%s was applied as batch/v1beta1, which is removed in Kubernetes 1.25", who);
			check_remedy(o, "change the manifest to apiVersion: batch/v1 before upgrading to 1.25");
		}
	}
}

static void check_runs(const struct check_facts *f, json_object *cj, json_object *jobs, const char *who,
		       struct check_outcome *o)
{
	struct cover_schedule s;
	cover_schedule_read(cj, jobs, f->now, &s);
	bool ours = string_in(cj, "metadata.labels", SCHED_LABEL) != NULL;
	if (s.suspended) {
		check_note(o, CHECK_WARN, "%s is suspended: no snapshots are taken", who);
		check_remedy(o, "kubectl volsnap schedule resume NAME (or kubectl patch cronjob NAME -p "
				"'{\"spec\":{\"suspend\":false}}')");
	} else if (s.period > 0 && (ours || s.last_success)) {
		char *p = duration_human(s.period);
		if (s.last_success && f->now - s.last_success > s.period + LATE_SLACK_S) {
			char *ago = duration_human(f->now - s.last_success);
			check_note(o, CHECK_WARN, "%s last succeeded %s ago, longer than its period (%s)", who, ago, p);
			free(ago);
			check_remedy(
			    o, "kubectl volsnap schedule describe NAME shows its recent Jobs and why they failed");
		} else if (!s.last_success && s.created && f->now - s.created > 2 * s.period) {
			check_note(o, CHECK_WARN, "%s has not succeeded since it was created (period %s)", who, p);
			check_remedy(
			    o, "kubectl volsnap schedule describe NAME shows its recent Jobs and why they failed");
		}
		free(p);
	}
	cover_schedule_clear(&s);
}

static void check_events(json_object *events, const char *ns, const char *name, const char *who,
			 struct check_outcome *o)
{
	for (size_t i = 0; json_object_is_type(events, json_type_array) && i < json_object_array_length(events); i++) {
		json_object *e = json_object_array_get_idx(events, i);
		const char *reason = jstr_or(e, "reason", "");
		if (strcmp(reason, "TooManyMissedTimes") && strcmp(reason, "FailedNeedsStart"))
			continue;
		if (strcmp(jstr_or(e, "involvedObject.name", ""), name) ||
		    strcmp(jstr_or(e, "involvedObject.namespace", jstr_or(e, "metadata.namespace", "")), ns))
			continue;
		check_note(o, CHECK_WARN, "%s: %s: %s", who, reason, jstr_or(e, "message", ""));
		check_remedy(o, "set spec.startingDeadlineSeconds (kubectl volsnap schedule create sets 300) and check "
				"the controller's clock");
		return;
	}
}

static void run_schedules(const struct check_facts *f, struct check_outcome *o)
{
	enum check_read r = f->reads[READ_CRONJOBS].obj ? READ_CRONJOBS : READ_CRONJOBS_V1BETA1;
	if (!f->reads[r].obj) {
		check_note(o, CHECK_SKIP, "cannot read cronjobs: %s", check_read_error(f, READ_CRONJOBS));
		return;
	}
	json_object *cjs = jget(f->reads[r].obj, "items"), *jobs = jget(f->reads[READ_SCHED_JOBS].obj, "items"),
		    *events = jget(f->reads[READ_CRONJOB_EVENTS].obj, "items");
	int n = 0;
	for (size_t i = 0; json_object_is_type(cjs, json_type_array) && i < json_object_array_length(cjs); i++) {
		json_object *cj = json_object_array_get_idx(cjs, i);
		if (!relevant(cj))
			continue;
		n++;
		const char *ns = jstr_or(cj, "metadata.namespace", ""), *name = jstr_or(cj, "metadata.name", "");
		char *who = xasprintf("%s %s/%s",
				      string_in(cj, "metadata.labels", SCHED_LABEL) ? "schedule" : "CronJob", ns, name);
		check_manifest(f, cj, who, o);
		check_runs(f, cj, jobs, who, o);
		check_events(events, ns, name, who, o);
		free(who);
	}
	if (!n)
		check_note(o, CHECK_INFO, "no snapshot schedules in %s; kubectl volsnap schedule create makes one",
			   f->namespace ? f->namespace : "any namespace");
	else if (!o->set)
		check_note(o, CHECK_PASS, "%d snapshot schedule%s on time", n, n == 1 ? "" : "s");
}

const struct check check_schedules = {
    .id = "schedules",
    .title = "Snapshot schedules",
    .needs = NULL,
    .reads = CHECK_READ(READ_VERSION) | CHECK_READ(READ_CRONJOBS) | CHECK_READ(READ_CRONJOBS_V1BETA1) |
	     CHECK_READ(READ_SCHED_JOBS) | CHECK_READ(READ_CRONJOB_EVENTS),
    .docs = "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/",
    .run = run_schedules,
};
