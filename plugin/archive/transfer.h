/* Export and import of ready snapshots: what an export archive holds and the
 * plan of objects an import creates, as pure functions over json-c objects
 * (tests/unit/test_archive.c runs them on fixture files).
 *
 * An export archive (ARC_EXPORT_FORMAT) holds manifest.json and, per snapshot,
 * snapshots/<name>/ with snapshot.json and content.json (always) and
 * class.json, pvc.json, storageclass.json, topology.json (when readable).
 * Import creates, per snapshot, a new pre-provisioned VolumeSnapshotContent
 * (deletionPolicy Retain, the same snapshotHandle and driver, sourceVolumeMode,
 * volumeSnapshotRef to the new snapshot) and a VolumeSnapshot bound to it
 * (../shared/facts/operations.md section 5; external-snapshotter#321). */
#ifndef VOLSNAP_TRANSFER_H
#define VOLSNAP_TRANSFER_H

#include <json-c/json.h>
#include <stdbool.h>

#include "archive/archive.h"
#include "util/strlist.h"

#define EXPORT_MANIFEST "manifest.json"
#define EXPORT_ANNOTATION_FROM "volsnap.io/imported-from" /* "<cluster id>/<ns>/<name>" */
#define SNAP_ANN_SECRET_NAME "snapshot.storage.kubernetes.io/deletion-secret-name"
#define SNAP_ANN_SECRET_NS "snapshot.storage.kubernetes.io/deletion-secret-namespace"

/* ---- export (export.c) ---------------------------------------------------- */

/* What was read for one snapshot; everything but snapshot and content may be NULL. */
struct export_input {
	json_object *snapshot, *content, *klass, *pvc, *storage_class, *pv;
};

/* NULL when the snapshot can be exported, else why not (caller frees): not
 * ready, no content, no snapshot handle. */
char *export_check(json_object *snapshot, json_object *content);
/* The snapshot's documents as {"snapshot.json": {...}, "content.json": {...}, ...}
 * in member order, only what is known; a new reference. Deletion secrets
 * appear by name only; no uid, resourceVersion, managedFields or
 * last-applied-configuration. */
json_object *export_docs(const struct export_input *in);
/* The PV's zones and regions (nodeAffinity, then labels) as
 * {"pv": NAME, "zones": [...], "regions": [...], "nodeAffinity": {...}}. */
json_object *export_topology(json_object *pv);

/* ---- import (import.c) ---------------------------------------------------- */

struct import_snapshot {
	const char *name;							  /* borrowed from the index */
	json_object *snapshot, *content, *klass, *pvc, *storage_class, *topology; /* owned; NULL when absent */
};

struct import_doc {
	struct arc_index index;
	struct import_snapshot *snaps;
	size_t n;
};

/* Reads and checks an export archive's members: manifest.json present and of
 * a known version, every listed file present with its sha256, nothing
 * unlisted, each snapshot's documents parseable with driver and handle. -1
 * with *why (caller frees). */
int import_parse(const struct arc_members *m, struct import_doc *doc, char **why);
void import_doc_clear(struct import_doc *doc);

struct import_opts {
	const char *ns;		 /* the target namespace */
	const char *api_version; /* the snapshot API the target serves: "v1" or "v1beta1" */
	const char *name;	 /* --name: one snapshot only */
	const char *klass;	 /* --class */
	const char *restore_to;	 /* --restore-to: one snapshot only */
};

/* What the target cluster has (json arrays of objects; NULL = could not be read). */
struct import_target {
	json_object *csidrivers, *storage_classes, *snapshot_classes, *nodes;
};

struct import_item {
	char *name, *content_name;
	json_object *content;  /* the VolumeSnapshotContent to create */
	json_object *snapshot; /* the VolumeSnapshot to create */
	json_object *pvc;      /* --restore-to: the PVC to create once ready, else NULL */
};

struct import_plan {
	struct import_item *items;
	size_t n;
	struct strlist warnings; /* one line each: a zone or region apart, a source policy Delete, unread facts */
};

/* The objects to create, or -1 with *why (caller frees): --name or
 * --restore-to with several snapshots, no CSIDriver or StorageClass for the
 * driver, --class missing or of another driver, no class to restore into. */
int import_plan(const struct import_doc *doc, const struct import_opts *o, const struct import_target *t,
		struct import_plan *plan, char **why);
void import_plan_clear(struct import_plan *plan);

/* The pre-provisioned content's name for a snapshot imported into ns: readable,
 * at most 253 characters, unique per source snapshot and target. Caller frees. */
char *import_content_name(const char *ns, const char *name, const char *cluster_id, const char *src_ns,
			  const char *src_name);

#endif
