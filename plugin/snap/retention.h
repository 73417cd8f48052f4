/* The prune plan: which snapshots `kubectl volsnap prune` keeps and which it
 * deletes, decided by one pure function so every rule is unit-tested without a
 * server. The source document deletes old snapshots with a label selector; this
 * is the same job with the safety rules it lacks. */
#ifndef VOLSNAP_RETENTION_H
#define VOLSNAP_RETENTION_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prune_policy {
	long keep_last;		/* the N newest ready snapshots of each PVC are kept; < 1 reads as 1 */
	int64_t keep_within_ms; /* ready snapshots younger than this are kept too; 0 = no such rule */
	bool include_unmanaged; /* consider snapshots the plugin did not make */
};

enum prune_action {
	PRUNE_KEEP,   /* a retention or safety rule keeps it */
	PRUNE_DELETE, /* no rule keeps it */
	PRUNE_SKIP,   /* outside prune's reach: not the plugin's, or already being deleted */
};

#define PRUNE_REASON_MAX 768

/* One snapshot: what the rules read, copied out of the object so that a plan
 * over a whole cluster holds a few hundred bytes per snapshot, not a json-c
 * tree (prune reads every snapshot of its scope before deciding). */
struct prune_item {
	const char *namespace; /* these six point into the plan's current record */
	const char *name;
	const char *pvc; /* spec.source.persistentVolumeClaimName; NULL for pre-provisioned */
	const char *uid;
	const char *resource_version;
	const char *created; /* metadata.creationTimestamp as sent, or NULL */
	int64_t created_at;  /* the same in unix seconds, when has_created_at */
	bool has_created_at;
	bool deleting; /* metadata.deletionTimestamp is set */
	bool managed;  /* labelled as made by kubectl-volsnap */
	bool ready;    /* status.readyToUse */
	bool pinned;   /* labelled volsnap.io/keep=true */
	enum prune_action action;
	char reason[PRUNE_REASON_MAX]; /* one lowercase phrase */
	bool rechecked;		       /* turned from DELETE to SKIP by prune_plan_recheck */
};

/* Items ordered by namespace, PVC, then newest first: the order the plan is
 * printed in, so a PVC's snapshots stand together. The items are records in
 * util/spill.h stores: memory stays flat in the number of snapshots (beyond
 * a few MB they wait in a temporary file). Read them with prune_plan_next. */
struct prune_plan {
	struct spill *added;   /* as added; sorted in the plan's order when decided */
	struct spill *decided; /* the decided items in the plan's order */
	size_t n;
	size_t n_keep, n_delete, n_skip;
	char *error; /* a temporary file failed: the plan is incomplete, act on none of it */
};

/* Adds one VolumeSnapshot to a plan (zeroed, or cleared, before the first),
 * copying what the rules read: the object need not outlive the call, so a
 * paged list adds each item as it arrives. */
void prune_plan_add(struct prune_plan *plan, json_object *snapshot);
/* Decides, for every snapshot added, whether prune keeps or deletes it.
 * `pvcs` is the array of PersistentVolumeClaims of the same namespaces (for
 * the data-source protection); `now` is unix seconds. Fails (-1, plan->error)
 * only when the temporary file does. */
int prune_plan_decide(struct prune_plan *plan, json_object *pvcs, int64_t now, const struct prune_policy *policy);
/* The decided items in the plan's order: 1 with *it filled (its strings valid
 * until the next call), 0 after the last, -1 when the temporary file failed
 * (plan->error). prune_plan_rewind starts again from the first. */
int prune_plan_next(struct prune_plan *plan, struct prune_item *it);
void prune_plan_rewind(struct prune_plan *plan);
/* Both at once for the json array `snapshots`. */
void plan_prune(json_object *snapshots, json_object *pvcs, int64_t now, const struct prune_policy *policy,
		struct prune_plan *plan);
void prune_plan_clear(struct prune_plan *plan);

/* "KEEP", "DELETE" or "SKIP". */
const char *prune_action_name(enum prune_action a);

/* true when pvcs holds a PVC that is not yet Bound and restores from the
 * snapshot ns/name (spec.dataSource or spec.dataSourceRef): deleting the
 * snapshot would break that restore. *pvc_name (borrowed) names it. */
bool snapshot_restoring_pvc(json_object *pvcs, const char *ns, const char *name, const char **pvc_name);

/* The last look before deleting: `pvcs` is the PVCs read again after the plan
 * was made (and confirmed). Every DELETE item that is now the data source of a
 * PVC not yet Bound (snapshot_restoring_pvc) becomes SKIP, rechecked, with the
 * reason "now the data source of pending PVC ns/name: kept"; the counts follow.
 * Returns how many items it turned (plan->error set if the temporary file failed). */
size_t prune_plan_recheck(struct prune_plan *plan, json_object *pvcs);

#endif
