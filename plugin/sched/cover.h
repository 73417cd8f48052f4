/* Coverage: is a PVC protected by a schedule that works? The verdicts of
 * `status`, `schedule describe` and doctor's schedules check, decided by pure
 * functions from the CronJobs, their Jobs and the newest ready snapshot. */
#ifndef VOLSNAP_SCHED_COVER_H
#define VOLSNAP_SCHED_COVER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/sched.h"

enum cover_verdict { COVER_OK, COVER_STALE, COVER_FAILING, COVER_PAUSED, COVER_UNPROTECTED };
const char *cover_verdict_name(enum cover_verdict v);

enum cover_run { COVER_RUN_NONE, COVER_RUN_OK, COVER_RUN_FAILED };

/* One schedule as its CronJob and Jobs show it. Strings borrowed. */
struct cover_schedule {
	const char *name;
	struct sched_spec spec; /* the record (owned; empty when unreadable) */
	bool has_spec;
	bool suspended;
	int64_t created;	/* CronJob creationTimestamp */
	int64_t period;		/* longest gap between runs, seconds; -1 unknown */
	int64_t next_run;	/* -1 unknown */
	int64_t last_run;	/* newest Job's start, 0 none */
	enum cover_run outcome; /* of the newest finished Job */
	const char *last_job;	/* its name */
	int64_t last_success;	/* 0 never */
	bool running;		/* a Job is running now */
};
/* jobs: any json array of Jobs; only this schedule's (by label) are read. */
void cover_schedule_read(json_object *cronjob, json_object *jobs, int64_t now, struct cover_schedule *out);
void cover_schedule_clear(struct cover_schedule *s);

/* Does the schedule cover this PVC (same namespace; named, or matched by the
 * selector)? */
bool cover_covers(const struct cover_schedule *s, json_object *pvc);
/* A label selector as the API reads it (k=v, k==v, k!=v, k, !k, k in (a,b),
 * k notin (a,b), comma-separated) against a labels object. */
bool cover_selector_matches(const char *selector, json_object *labels);

/* newest_ready: unix seconds of the PVC's newest ready snapshot, 0 none.
 * schedules: those covering the PVC. *why (owned) explains in one line. */
enum cover_verdict cover_decide(int64_t newest_ready, const struct cover_schedule *const *schedules, size_t n,
				int64_t now, char **why);

/* The other half of a backup: what protects the cluster's objects, one line
 * (owned). gardener: the cluster is a Gardener shoot (etcd backups by the
 * provider); velero: Velero's CRDs are installed, with its Schedules and
 * Backups (json arrays, may be NULL when unreadable). */
char *cover_objects_line(bool gardener, bool velero, json_object *schedules, json_object *backups, int64_t now);

#endif
