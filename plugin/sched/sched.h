/* Scheduled snapshots without an operator: what `schedule create` makes (a
 * ServiceAccount, a Role, a RoleBinding and a CronJob whose container runs
 * `kubectl-volsnap schedule run-job`), the schedule's record on the CronJob,
 * and what the job's run does per PVC. Pure functions over json-c objects. */
#ifndef VOLSNAP_SCHED_H
#define VOLSNAP_SCHED_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/kube.h"
#include "util/strlist.h"

#define SCHED_LABEL "volsnap.io/schedule"
#define SCHED_ANNOTATION "volsnap.io/schedule-spec" /* the schedule's record, JSON with a version */
#define SCHED_NAME_MAX 52			    /* CronJob names: 11 characters go to the Job's suffix */
#define SCHED_DEFAULT_TIMEOUT_MS (10 * 60 * 1000)
#define SCHED_JOB_ENV "VOLSNAP_JOB_NAME" /* the Job's name, from the pod's job-name label */
#define SCHED_IMAGE_REPO "ghcr.io/kubectl-volsnap/kubectl-volsnap"

/* A schedule as the user asked for it; also the record kept in SCHED_ANNOTATION. */
struct sched_spec {
	char *name, *ns;
	struct strlist pvcs; /* or */
	char *selector;
	char *cron, *time_zone; /* time_zone NULL = the controller's (UTC) */
	long keep_last;
	int64_t keep_within_ms;
	char *klass; /* the VolumeSnapshotClass, resolved at creation and pinned */
	int64_t timeout_ms;
	char *image;
};
void sched_spec_clear(struct sched_spec *s);

/* What the server serves, for the manifests. */
struct sched_server {
	int minor;		  /* Kubernetes minor version */
	const char *snap_version; /* "v1" or "v1beta1" */
};
/* batch/v1 CronJobs from 1.21 (GA), batch/v1beta1 below. */
const char *sched_cronjob_version(int minor);
/* The CronJob resource at that version; Jobs are batch/v1 everywhere. */
struct kube_resource sched_cronjob_resource(int minor);
extern const struct kube_resource SCHED_JOBS;
/* spec.timeZone: beta and on by default from 1.25, GA in 1.27. */
bool sched_time_zone_supported(int minor);

/* Checks a schedule name: a DNS label of at most 52 characters. false with *why. */
bool sched_valid_name(const char *name, char **why);
/* The ServiceAccount, Role and RoleBinding name: "volsnap-<schedule>". Caller frees. */
char *sched_account_name(const char *schedule);
/* The default image for this build. Caller frees. */
char *sched_default_image(void);

/* The four objects, in creation order, as a json array (caller owns). */
json_object *sched_manifests(const struct sched_spec *s, const struct sched_server *srv);
/* The container's arguments: schedule run-job NAME --pvc ... (json array). */
json_object *sched_job_args(const struct sched_spec *s);

/* The record on a CronJob. read returns false when the object is not a
 * schedule of kubectl-volsnap or its record is unreadable (*why). */
char *sched_record_write(const struct sched_spec *s);
bool sched_record_read(json_object *cronjob, struct sched_spec *s, char **why);

/* ---- the job's run ---------------------------------------------------------- */

/* The scheduled time of a Job from its name "<cronjob>-<minutes since the
 * epoch>" (the CronJob controller's naming). false when the name has no such
 * suffix. */
bool sched_job_time(const char *job_name, int64_t *unix_seconds);
/* "<pvc>-<yyyymmddhhmm>" (UTC), cut to stay a valid name. Caller frees. */
char *sched_snapshot_name(const char *pvc, int64_t scheduled);

/* Is an existing snapshot this run's own (the same schedule and PVC)? */
bool sched_snapshot_is_ours(json_object *snap, const char *schedule, const char *pvc);

/* The VolumeSnapshot one run creates: the plugin's labels plus the schedule's. */
json_object *sched_snapshot_manifest(const char *snap_version, const struct sched_spec *s, const char *pvc,
				     const char *name);

/* One run's plan: per PVC, the snapshot to take, or why not. */
enum sched_item_state { SCHED_TAKE, SCHED_MISSING, SCHED_UNBOUND };
struct sched_item {
	char *pvc;
	char *snapshot; /* SCHED_TAKE: the name from the scheduled time */
	enum sched_item_state state;
	char *why; /* otherwise: one line */
};
struct sched_plan {
	struct sched_item *items;
	size_t n;
};
/* From the PVCs of the namespace the run sees (a json array: all of them for
 * --pvc, the selector's for -l), the spec's PVC list (or every PVC given, for a
 * selector) and the scheduled time. Items are in name order. */
void sched_plan_run(const struct sched_spec *s, json_object *pvcs, int64_t scheduled, struct sched_plan *plan);
void sched_plan_clear(struct sched_plan *plan);

#endif
