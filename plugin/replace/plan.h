/* Restoring a snapshot in place (`restore SNAPSHOT --replace PVC`): the
 * decisions, as pure functions over the objects read from the cluster.
 *
 * CSI has no revert (container-storage-interface/spec#498), so the PVC is
 * replaced: safety snapshot, PV to Retain, owners scaled to 0, PVC deleted,
 * recreated with the same name from the snapshot, owners scaled back
 * (facts/operations.md §4, Velero's in-place design). Users lose data when a
 * step is skipped or repeated, so the progress is a small JSON record, the
 * replace state, kept in an annotation on the old PV (which the plugin never
 * deletes) and on the PVC, and each step is done at most once. */
#ifndef VOLSNAP_REPLACE_PLAN_H
#define VOLSNAP_REPLACE_PLAN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/strlist.h"

#define REPLACE_ANNOTATION "volsnap.io/replace-state"
#define REPLACE_LABEL_PV "volsnap.io/replaced-claim" /* on the old PV: the PVC's name */
#define REPLACE_LABEL_PRE_RESTORE "volsnap.io/pre-restore-of"
#define REPLACE_LABEL_KEEP "volsnap.io/keep"
#define REPLACE_STATE_VERSION 1

enum replace_step {
	REPLACE_SAFETY = 0, /* safety snapshot taken and ready */
	REPLACE_RETAIN,	    /* old PV's reclaim policy is Retain */
	REPLACE_SCALE_DOWN, /* owners at 0, consumer pods gone */
	REPLACE_DELETE,	    /* old PVC gone */
	REPLACE_CREATE,	    /* new PVC created from the snapshot (Bound, or binds on first consumer) */
	REPLACE_SCALE_UP,   /* owners back at their recorded replicas */
	REPLACE_NSTEPS
};

/* "safety-snapshot", "retain", "scale-down", "delete", "create", "scale-up". */
const char *replace_step_name(enum replace_step s);
/* The step called name, or REPLACE_NSTEPS. */
enum replace_step replace_step_parse(const char *name);

/* A workload scaled to 0 and back. */
struct replace_owner {
	char *kind; /* Deployment, StatefulSet or ReplicaSet */
	char *name;
	int64_t replicas; /* recorded before scaling down */
};

/* What a run does and how far it got. */
struct replace_state {
	char *ns, *pvc, *pvc_uid; /* the PVC being replaced (the old one's uid) */
	char *snapshot;		  /* restored from */
	char *pv;		  /* the old PV, retained */
	char *old_reclaim;	  /* its reclaim policy before */
	char *safety;		  /* the safety snapshot's name, or NULL with --no-safety-snapshot */
	struct replace_owner *owners;
	size_t n_owners;
	unsigned planned;     /* bit per replace_step */
	unsigned done;	      /* bit per replace_step */
	json_object *new_pvc; /* the PVC to create (owned) */
};

void replace_state_clear(struct replace_state *st);
/* The annotation's text. Caller frees. */
char *replace_state_format(const struct replace_state *st);
/* Reads an annotation's text; false with *why (caller frees) when it is not
 * a replace state this version understands. */
bool replace_state_parse(const char *text, struct replace_state *st, char **why);
/* The first planned step not done, or REPLACE_NSTEPS when complete. */
enum replace_step replace_next_step(const struct replace_state *st);
bool replace_state_complete(const struct replace_state *st);
/* "safety-snapshot, retain" (the done steps), or "none". Caller frees. */
char *replace_done_text(const struct replace_state *st);

/* metadata.<map>[key] as a string, or NULL (keys hold dots, so not jstr). */
const char *replace_meta(json_object *obj, const char *map, const char *key);
/* Sets metadata.<map>[key] = val (takes the reference). */
void replace_meta_set(json_object *obj, const char *map, const char *key, json_object *val);

/* true when pod is not finished and mounts claim. */
bool replace_pod_uses(json_object *pod, const char *claim);
/* The pod's controlling owner reference (controller: true), or NULL. */
json_object *replace_controller_ref(json_object *obj);

struct replace_input {
	const char *ns;
	const char *pvc_name;
	json_object *snapshot;	    /* required */
	json_object *content;	    /* may be NULL (unreadable) */
	json_object *pvc;	    /* required */
	json_object *pv;	    /* its bound PV, or NULL */
	json_object *storage_class; /* may be NULL (unreadable) */
	json_object *pods;	    /* array: the namespace's pods */
	json_object *owners;	    /* array: ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs the pods name */
	bool scale_down, force, no_safety;
	const char *safety_name; /* name for the safety snapshot */
};

struct replace_plan {
	char *refusal;		    /* NULL, or why not and what to do: one line */
	struct strlist checks;	    /* what was checked, for the printed plan */
	struct strlist notes;	    /* consumers and warnings */
	struct strlist waits;	    /* pods no owner scales: waited for until gone (--force) */
	struct replace_state state; /* the initial state: nothing done */
	bool binds_on_first_consumer;
};

/* Checks and steps. Fills plan->refusal when it must not go ahead; the rest
 * of the plan is still filled as far as it is known. */
void replace_plan(const struct replace_input *in, struct replace_plan *plan);
void replace_plan_clear(struct replace_plan *plan);
/* The steps as numbered lines for people. Caller frees. */
char *replace_steps_text(const struct replace_state *st, bool binds_on_first_consumer);

/* The PVC to create: same name, class, access modes and volume mode, size at
 * least restoreSize, the user's labels and annotations minus the binding ones
 * (volume.kubernetes.io/selected-node kept), dataSource = the snapshot.
 * NULL with *why (caller frees) when the size is unknown. */
json_object *replace_new_pvc(json_object *pvc, json_object *snapshot, json_object *content, char **why);

#endif
