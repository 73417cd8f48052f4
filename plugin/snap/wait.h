/* Waiting for one object to reach a state, with a watch (never polling), as
 * `kubectl wait` does: list+watch restricted to metadata.name=NAME, each
 * version judged by a check function, progress on a terminal only. */
#ifndef VOLSNAP_WAIT_H
#define VOLSNAP_WAIT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kube/kube.h"

enum wait_state { WAIT_PENDING = 0, WAIT_REACHED, WAIT_BROKEN };

/* Judges one version of the object. WAIT_BROKEN sets *why (the state can no
 * longer be reached); WAIT_PENDING may set *progress, a short phrase for the
 * progress line; WAIT_REACHED may set it to the closing words after "WHAT"
 * ("is Bound"), as `kubectl wait` ends with "condition met". Both are freed
 * by the caller. */
typedef enum wait_state (*wait_check_fn)(json_object *obj, char **why, char **progress);

struct wait_spec {
	const struct kube_resource *resource;
	const char *ns; /* NULL for cluster objects */
	const char *name;
	int64_t timeout_ms; /* 0 = no limit */
	wait_check_fn check;
	const char *what; /* "snapshot ns/name", for the progress line */
	FILE *progress;	  /* progress goes here only when tty */
	bool tty;
};

enum wait_outcome {
	WAIT_OK = 0,	  /* reached; *last is the object */
	WAIT_FAILED,	  /* broken; *why says why */
	WAIT_TIMEOUT,	  /* *last is the last version seen (or NULL) */
	WAIT_DELETED,	  /* the object went away while waiting */
	WAIT_ERROR,	  /* err is filled */
	WAIT_INTERRUPTED, /* SIGINT or SIGTERM: the progress line is ended, the object is untouched */
};

/* *last (may be NULL) receives a reference to the last version seen; *why is
 * set for WAIT_FAILED. Both owned by the caller. On success "WHAT <closing
 * words>" ends the progress (on stderr, terminal or not). While it waits,
 * SIGINT and SIGTERM (unless ignored, as for a script's background job) end
 * the wait with WAIT_INTERRUPTED instead of the process. */
enum wait_outcome wait_until(struct kube_client *c, const struct wait_spec *w, json_object **last, char **why,
			     struct kube_error *err);

/* wait_until with the spec the commands use: progress on stderr when tty. */
enum wait_outcome wait_for(struct kube_client *c, const struct kube_resource *r, const char *ns, const char *name,
			   wait_check_fn check, int64_t timeout_ms, bool tty, const char *what, json_object **last,
			   char **why, struct kube_error *err);

/* Checks: a VolumeSnapshot readyToUse (broken on status.error, which the
 * controller does not retry for several causes), a PVC Bound (broken when
 * Lost). */
enum wait_state wait_check_snapshot_ready(json_object *snapshot, char **why, char **progress);
enum wait_state wait_check_pvc_bound(json_object *pvc, char **why, char **progress);

/* The events about one object (json array, owned), or NULL when they cannot be
 * read: best effort, they only ever explain. Events of cluster objects live in
 * "default". */
json_object *wait_events(struct kube_client *c, const char *ns, const char *kind, const char *name);

#endif
