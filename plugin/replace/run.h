/* The executor of `restore SNAPSHOT --replace PVC`: reads what the plan
 * needs, prints the plan, and performs its steps one at a time, recording
 * each on the old PV and the PVC (replace/plan.h) so that --resume picks up
 * at the first step not done. */
#ifndef VOLSNAP_REPLACE_RUN_H
#define VOLSNAP_REPLACE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "command.h"

struct replace_opts {
	const char *snapshot, *pvc, *ns;
	bool scale_down, no_safety, force, dry_run, yes, resume;
	int64_t timeout_ms; /* each wait; 0 = no limit */
};

/* Runs the whole replace (or its plan with dry_run); errors recorded in ctx. */
int replace_run(struct cmd_ctx *ctx, struct kube_client *c, const struct replace_opts *o);

#endif
