/* The support bundle's decisions, as pure functions over json-c objects: what
 * belongs in it, how each object is cut down, how names are hashed, and the
 * note written when the snapshot controller runs out of sight
 * (../shared/facts/operations.md section 6). The executor is cmd_bundle.c. */
#ifndef VOLSNAP_BUNDLE_H
#define VOLSNAP_BUNDLE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/strbuf.h"
#include "util/strlist.h"

#define BUNDLE_INDEX "index.json"
#define BUNDLE_LOG_LIMIT_BYTES (1024 * 1024) /* limitBytes per container log */

/* The snapshot CRDs a bundle describes (served and stored versions only). */
extern const char *const bundle_crds[];
/* {"name", "versions": [{"name", "served", "storage"}], "storedVersions"}: a new object. */
json_object *bundle_crd_doc(json_object *crd);

/* Events about snapshots, PVCs and contents. */
bool bundle_event_wanted(json_object *event);
/* A pod that mounts a PVC; its cut-down form (metadata, spec, phase): a new object. */
bool bundle_pod_mounts_pvc(json_object *pod);
json_object *bundle_pod_doc(json_object *pod);

/* Logs: the snapshot controller's pods and the csi-snapshotter/csi-provisioner
 * containers of CSI controller pods. The containers of pod worth a log, pushed to out. */
void bundle_log_containers(json_object *pod, struct strlist *out);
/* The text of logs/NOTE.txt when no controller pod is visible, for the provider's ID. */
char *bundle_logs_note(const char *provider_id);

/* --redact-names: namespace and PVC names replaced by their hashes, in every
 * string of an object (whole values and words inside messages). */
struct bundle_names {
	struct strlist names, hashes; /* parallel */
};
void bundle_names_add(struct bundle_names *n, const char *prefix, const char *name);
/* The hash of name, or name itself when it is not a redacted name (borrowed). */
const char *bundle_names_get(const struct bundle_names *n, const char *name);
/* Returns how many strings changed. */
int bundle_names_apply(const struct bundle_names *n, json_object *obj);
/* text with every redacted name that stands as a word replaced; appended to out. */
void bundle_names_text(const struct bundle_names *n, const char *text, struct strbuf *out);
void bundle_names_clear(struct bundle_names *n);

#endif
