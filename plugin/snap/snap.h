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

/* The snapshot API as this server serves it. */
struct snap_api {
	char *version; /* "v1" or "v1beta1" */
	struct kube_resource snapshots, contents, classes; /* point into version */
};

/* Discovers the served version (v1 preferred, else v1beta1). When neither is
 * served: -1 with KUBE_ERR_NOT_INSTALLED and a hint on installing the CRDs. */
int snap_api_discover(struct kube_client *c, struct snap_api *api, struct kube_error *err);
void snap_api_clear(struct snap_api *api);

/* Default snapshot name "<pvc>-<yyyymmddhhmmss>" (UTC), cut so that it stays a
 * valid DNS-1123 subdomain name of at most 253 characters. Caller frees. */
char *snap_default_name(const char *pvc, time_t now);
/* true when s is a valid DNS-1123 subdomain (lowercase alnum, '-', '.'). */
bool snap_valid_name(const char *s);

/* Class resolution for a driver, over a list (json array) of VolumeSnapshotClass
 * objects. wanted NULL = the driver's single default. On failure returns NULL and
 * *why is a one-line explanation listing the candidates and the fix (caller frees). */
json_object *snap_resolve_class(json_object *classes, const char *driver, const char *wanted, char **why);

/* The snapshot's state as one word for READY-like columns, and a one-line reason
 * when it is not ready (status.error.message, or "waiting for the snapshot
 * controller" when status is absent). */
bool snap_is_ready(json_object *snapshot);
const char *snap_error_message(json_object *snapshot);

#endif
