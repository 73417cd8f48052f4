/* The job's run: the executor over sched_plan_run. Per PVC it takes the
 * snapshot named from the scheduled time (or finds its own from an earlier
 * attempt), waits with a watch until it is ready, then prunes that PVC's
 * snapshots of this schedule with plan_prune's rules. One line per PVC goes to
 * `out`; a PVC's failure never stops the others. */
#ifndef VOLSNAP_SCHED_RUN_H
#define VOLSNAP_SCHED_RUN_H

#include <stdio.h>

#include "kube/kube.h"
#include "sched/sched.h"
#include "snap/snap.h"

struct sched_run {
	struct kube_client *client;
	const struct snap_api *api;
	const struct sched_spec *spec;
	int64_t scheduled; /* unix seconds, from the Job's name */
	FILE *out;
	int ok, failed; /* PVCs */
};

/* The rights the run needs, asked of the server before anything is created.
 * Returns 0 (all granted, or the server cannot say), or -1 with err naming the
 * missing ones and what to do. */
int sched_run_preflight(struct sched_run *r, struct kube_error *err);

/* Returns 0 when the PVCs could be read (r->failed counts the PVCs that
 * failed), -1 with err otherwise (nothing was created). */
int sched_run_all(struct sched_run *r, struct kube_error *err);

/* The schedules (CronJobs labelled by the plugin) of ns (NULL = all) and
 * their Jobs, as json arrays (owned). */
int sched_read_all(struct kube_client *c, int minor, const char *ns, json_object **cronjobs, json_object **jobs,
		   struct kube_error *err);

#endif
