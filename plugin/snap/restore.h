/* Restoring a snapshot into a new PVC: the decisions, as pure functions over
 * the objects read from the cluster, so every refusal is unit-tested. The PVC
 * is the source document's restore manifest: dataSource = the VolumeSnapshot. */
#ifndef VOLSNAP_RESTORE_H
#define VOLSNAP_RESTORE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/strlist.h"

struct restore_input {
	const char *ns;
	const char *target;		    /* the new PVC's name */
	json_object *snapshot;		    /* required */
	json_object *content;		    /* its VolumeSnapshotContent, or NULL when it could not be read */
	json_object *source_pvc;	    /* the PVC it was taken from, or NULL when gone */
	json_object *storage_class;	    /* the class the PVC will use, or NULL when it could not be read */
	const char *storage_class_name;	    /* used when storage_class is NULL; NULL = the cluster's default */
	const char *size;		    /* --size, or NULL */
	const struct strlist *access_modes; /* --access-mode values (may be empty) */
};

/* true for ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod. */
bool restore_valid_access_mode(const char *mode);

/* The snapshot's restore size in bytes: status.restoreSize (quantity string or
 * integer), else the content's status.restoreSize. false when unknown or 0. */
bool restore_size_bytes(json_object *snapshot, json_object *content, int64_t *bytes);

/* NULL when the snapshot can be restored from; else why not (caller frees). */
char *restore_check_snapshot(json_object *snapshot);

/* The StorageClass name to restore into: the source PVC's, else the default
 * class of the content's driver, else the only class of that driver. NULL
 * with *why when none or several fit (caller frees why). classes is a json
 * array of StorageClasses. Result borrowed from the inputs. */
const char *restore_pick_class(json_object *source_pvc, json_object *classes, const char *driver, char **why);

/* The PVC to create, or NULL with *why (caller frees) when the restore must be
 * refused: a class of another driver, a size below restoreSize, no size known. */
json_object *restore_manifest(const struct restore_input *in, char **why);

/* Sets the PVC's spec.dataSource to the VolumeSnapshot named snapshot. */
void restore_set_data_source(json_object *pvc, const char *snapshot);

/* true when the class binds only once a pod uses the PVC. */
bool restore_binds_on_first_consumer(json_object *storage_class);

#endif
