/* Snapshot domain: which snapshot API the server serves, the labels the plugin
 * puts on what it makes, class resolution and naming. Decisions are pure
 * functions over json-c objects so unit tests need no server. */
#ifndef VOLSNAP_SNAP_H
#define VOLSNAP_SNAP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kube/kube.h"

#define SNAP_GROUP "snapshot.storage.k8s.io"
#define SNAP_LABEL_MANAGED_BY "app.kubernetes.io/managed-by"
#define SNAP_MANAGED_BY "kubectl-volsnap"
#define SNAP_LABEL_PVC "volsnap.io/source-pvc"
#define SNAP_ANNOTATION_DEFAULT_CLASS "snapshot.storage.kubernetes.io/is-default-class"
#define SNAP_LABEL_RESTORED_FROM "volsnap.io/restored-from"
#define SNAP_LABEL_KEEP "volsnap.io/keep" /* "true" pins a snapshot: prune never deletes it */

/* The snapshot API as this server serves it. */
struct snap_api {
	char *version;					   /* "v1" or "v1beta1" */
	struct kube_resource snapshots, contents, classes; /* point into version */
};

/* Discovers the served version (v1 preferred, else v1beta1). When neither is
 * served: -1 with KUBE_ERR_NOT_INSTALLED and a hint on installing the CRDs;
 * other errors come with their context, ready for cmd_fail_kube(ctx, err, NULL). */
int snap_api_discover(struct kube_client *c, struct snap_api *api, struct kube_error *err);
void snap_api_clear(struct snap_api *api);
/* Fills api for a known version ("v1", "v1beta1") without asking a server. */
void snap_api_set(struct snap_api *api, const char *version);

/* Default snapshot name "<pvc>-<yyyymmddhhmmss>" (UTC), cut so that it stays a
 * valid DNS-1123 subdomain name of at most 253 characters. Caller frees. */
char *snap_default_name(const char *pvc, time_t now);
/* The default name with a short random suffix ("<pvc>-<stamp>-x7k2q", five of
 * kubectl's generateName characters taken from rnd), for when the default
 * name is taken: two takes of one PVC in the same second. Caller frees. */
char *snap_unique_name(const char *pvc, time_t now, uint32_t rnd);
/* true when s is a valid DNS-1123 subdomain (lowercase alnum, '-', '.'). */
bool snap_valid_name(const char *s);
/* true when s is a valid namespace: a DNS-1123 label (lowercase alnum and '-', at most 63). */
bool snap_valid_namespace(const char *s);
/* What the two accept, for error messages. */
#define SNAP_NAME_RULES                                                                                                \
	"lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"
#define SNAP_NAMESPACE_RULES                                                                                           \
	"lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"

/* Class resolution for a driver, over a list (json array) of VolumeSnapshotClass
 * objects. wanted NULL = the driver's single default. On failure returns NULL and
 * *why is a one-line explanation listing the candidates and the fix (caller frees). */
json_object *snap_resolve_class(json_object *classes, const char *driver, const char *wanted, char **why);

/* The snapshot's state as one word for READY-like columns, and a one-line reason
 * when it is not ready (status.error.message, or "waiting for the snapshot
 * controller" when status is absent). */
bool snap_is_ready(json_object *snapshot);
const char *snap_error_message(json_object *snapshot);
/* status.restoreSize as a quantity ("1Gi"); it is int-or-string: a quantity as
 * the controller writes it, or bytes. NULL when absent. Caller frees. */
char *snap_restore_size(json_object *snapshot);

/* ---- before a snapshot is taken ------------------------------------------ */

/* true when s is a valid label value (at most 63 characters, alphanumeric at
 * both ends, '-', '_', '.' inside, or empty). */
bool snap_valid_label_value(const char *s);
/* Splits and validates one -l "key=value" (key: [prefix/]name as Kubernetes
 * allows). On success *key and *value are new strings; otherwise false and
 * *why says what is wrong (caller frees). */
bool snap_parse_label(const char *kv, char **key, char **value, char **why);

/* Why a PVC cannot be snapshotted because it is not Bound (caller frees), or
 * NULL when it is Bound. Needs only the PVC: RBAC that hides its volume does
 * not hide this. */
char *snap_pvc_unbound(json_object *pvc);

/* The CSI driver of a PVC's volume, checking what the snapshot controller needs
 * and would otherwise fail on without retrying: the PVC is Bound, pv is its
 * volume and has a CSI source. Returns the driver (borrowed from pv), or NULL
 * with *why one line on what is wrong and what to do (caller frees). pv may be
 * NULL when the PVC is not bound. */
const char *snap_source_driver(json_object *pvc, json_object *pv, char **why);

/* The VolumeSnapshot to create. klass may be NULL (the controller then picks
 * the driver's default). labels holds "key=value" strings added to the
 * plugin's own. The source label is only set when the PVC name is a valid
 * label value (longer names are still recorded in spec.source). */
struct strlist;
json_object *snap_manifest(const struct snap_api *api, const char *ns, const char *name, const char *pvc,
			   const char *klass, const struct strlist *labels);

/* ---- why a snapshot is (not) ready ------------------------------------- */

/* The most recent Warning among a list (json array) of core/v1 Events, or NULL
 * (borrowed). */
json_object *snap_latest_warning(json_object *events);

struct snap_verdict {
	bool ready;
	char *text; /* one line: "ready to use" or why not and what to do (owned) */
};
/* What is known about a snapshot; everything but snapshot may be NULL. */
struct snap_facts {
	json_object *snapshot;
	json_object *content;	  /* its VolumeSnapshotContent */
	json_object *snap_events; /* json arrays of core/v1 Events */
	json_object *content_events;
	json_object *pvc;	   /* its source PVC */
	const char *restoring_pvc; /* a PVC restoring from it, not Bound yet (snap_restoring_pvc) */
	int64_t now;		   /* unix seconds, for "no status after a while" */
};
/* The name of the first PVC in pvcs (json array) whose dataSource (or
 * dataSourceRef) is the VolumeSnapshot snapshot and that is not Bound yet: the
 * one a deleting snapshot waits for. NULL when none (borrowed). */
const char *snap_restoring_pvc(json_object *pvcs, const char *snapshot);
/* Decides why a snapshot is or is not ready, and what to do about it. */
void snap_verdict(const struct snap_facts *f, struct snap_verdict *v);
void snap_verdict_clear(struct snap_verdict *v);

#endif
