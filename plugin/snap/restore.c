#include "snap/restore.h"

#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

bool restore_valid_access_mode(const char *mode)
{
	static const char *const modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod", NULL};
	for (const char *const *m = modes; *m; m++)
		if (!strcmp(mode, *m))
			return true;
	return false;
}

bool restore_size_bytes(json_object *snapshot, json_object *content, int64_t *bytes)
{
	/* The snapshot's copy is an int-or-string quantity; the content's an
	 * integer of bytes (facts/api.md §6.2). */
	json_object *v = jget(snapshot, "status.restoreSize");
	int64_t n = 0;
	if (json_object_is_type(v, json_type_string))
		(void)quantity_parse(json_object_get_string(v), &n);
	else if (json_object_is_type(v, json_type_int))
		n = json_object_get_int64(v);
	if (n <= 0 && !jint64(content, "status.restoreSize", &n))
		return false;
	if (n <= 0)
		return false;
	*bytes = n;
	return true;
}

char *restore_check_snapshot(json_object *snapshot)
{
	const char *name = jstr_or(snapshot, "metadata.name", "?");
	if (jstr(snapshot, "metadata.deletionTimestamp"))
		return xasprintf("snapshot %s is being deleted", name);
	if (!snap_is_ready(snapshot))
		return xasprintf("snapshot %s is not ready to use (%s); kubectl volsnap describe %s tells why", name,
				 snap_error_message(snapshot), name);
	if (!jstr(snapshot, "status.boundVolumeSnapshotContentName"))
		return xasprintf("snapshot %s is not bound to a content", name);
	return NULL;
}

static bool class_is_default(json_object *sc)
{
	static const char *const keys[] = {"storageclass.kubernetes.io/is-default-class",
					   "storageclass.beta.kubernetes.io/is-default-class", NULL};
	json_object *ann = jget(sc, "metadata.annotations"), *v = NULL;
	for (const char *const *k = keys; ann && *k; k++)
		if (json_object_object_get_ex(ann, *k, &v) && json_object_is_type(v, json_type_string) &&
		    !strcmp(json_object_get_string(v), "true"))
			return true;
	return false;
}

const char *restore_pick_class(json_object *source_pvc, json_object *classes, const char *driver, char **why)
{
	*why = NULL;
	const char *own = jstr(source_pvc, "spec.storageClassName");
	if (own && *own)
		return own;
	const char *only = NULL, *dflt = NULL;
	int n_for_driver = 0;
	struct strbuf names = STRBUF_INIT;
	size_t n = json_object_is_type(classes, json_type_array) ? json_object_array_length(classes) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *sc = json_object_array_get_idx(classes, i);
		if (strcmp(jstr_or(sc, "provisioner", ""), driver))
			continue;
		const char *name = jstr_or(sc, "metadata.name", "?");
		n_for_driver++;
		only = name;
		if (class_is_default(sc))
			dflt = name;
		strbuf_addf(&names, "%s%s", names.len ? ", " : "", name);
	}
	const char *pick = dflt ? dflt : n_for_driver == 1 ? only : NULL;
	if (!pick && n_for_driver == 0)
		*why = xasprintf("no StorageClass provisions with %s, the driver of the snapshot; create one, "
				 "then pass --storage-class",
				 driver);
	else if (!pick)
		*why =
		    xasprintf("several StorageClasses provision with %s (%s); pass --storage-class", driver, names.buf);
	strbuf_release(&names);
	return pick;
}

bool restore_binds_on_first_consumer(json_object *storage_class)
{
	const char *mode = jstr(storage_class, "volumeBindingMode");
	return mode && !strcmp(mode, "WaitForFirstConsumer");
}

/* The size to request: --size when given, else the source PVC's request, never
 * below restoreSize (the provisioner refuses smaller, facts/api.md §6.6). */
static char *pick_size(const struct restore_input *in, char **why)
{
	int64_t restore = 0, want = 0;
	bool known = restore_size_bytes(in->snapshot, in->content, &restore);
	const char *from_pvc = jstr(in->source_pvc, "spec.resources.requests.storage");
	if (in->size) {
		if (!quantity_parse(in->size, &want)) {
			*why = xasprintf("--size %s is not a quantity (e.g. 10Gi)", in->size);
			return NULL;
		}
		if (known && want < restore) {
			char *rs = quantity_format(restore);
			*why = xasprintf("--size %s is below the snapshot's restoreSize %s and the provisioner would "
					 "refuse it; use --size %s or more",
					 in->size, rs, rs);
			free(rs);
			return NULL;
		}
		return xstrdup(in->size);
	}
	if (from_pvc && quantity_parse(from_pvc, &want) && (!known || want >= restore))
		return xstrdup(from_pvc);
	if (known) {
		json_object *v = jget(in->snapshot, "status.restoreSize");
		return json_object_is_type(v, json_type_string) ? xstrdup(json_object_get_string(v))
								: quantity_format(restore);
	}
	*why = xasprintf("the size of snapshot %s is unknown (no restoreSize, no source PVC); pass --size",
			 jstr_or(in->snapshot, "metadata.name", "?"));
	return NULL;
}

static char *check_driver(const struct restore_input *in)
{
	const char *driver = jstr(in->content, "spec.driver");
	const char *prov = jstr(in->storage_class, "provisioner");
	if (!driver || !prov || !strcmp(driver, prov))
		return NULL;
	return xasprintf("StorageClass %s provisions with %s but snapshot %s was cut by %s, and a driver only "
			 "restores its own snapshots; pass --storage-class with a class of %s",
			 jstr_or(in->storage_class, "metadata.name", "?"), prov,
			 jstr_or(in->snapshot, "metadata.name", "?"), driver, driver);
}

static json_object *access_modes(const struct restore_input *in)
{
	json_object *src = jget(in->source_pvc, "spec.accessModes");
	if (in->access_modes && in->access_modes->n) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < in->access_modes->n; i++)
			json_object_array_add(arr, json_object_new_string(in->access_modes->items[i]));
		return arr;
	}
	if (json_object_is_type(src, json_type_array) && json_object_array_length(src) > 0)
		return json_object_get(src);
	json_object *arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string("ReadWriteOnce"));
	return arr;
}

void restore_set_data_source(json_object *pvc, const char *snapshot)
{
	jset(pvc, "spec.dataSource.apiGroup", json_object_new_string(SNAP_GROUP));
	jset(pvc, "spec.dataSource.kind", json_object_new_string("VolumeSnapshot"));
	jset(pvc, "spec.dataSource.name", json_object_new_string(snapshot));
}

json_object *restore_manifest(const struct restore_input *in, char **why)
{
	*why = check_driver(in);
	if (*why)
		return NULL;
	char *size = pick_size(in, why);
	if (!size)
		return NULL;
	const char *snap_name = jstr_or(in->snapshot, "metadata.name", "");
	json_object *pvc = json_object_new_object();
	jset(pvc, "apiVersion", json_object_new_string("v1"));
	jset(pvc, "kind", json_object_new_string("PersistentVolumeClaim"));
	jset(pvc, "metadata.name", json_object_new_string(in->target));
	jset(pvc, "metadata.namespace", json_object_new_string(in->ns));
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, SNAP_LABEL_MANAGED_BY, json_object_new_string(SNAP_MANAGED_BY));
	if (snap_valid_label_value(snap_name))
		json_object_object_add(labels, SNAP_LABEL_RESTORED_FROM, json_object_new_string(snap_name));
	jset(pvc, "metadata.labels", labels);

	jset(pvc, "spec.accessModes", access_modes(in));
	const char *sc = in->storage_class ? jstr(in->storage_class, "metadata.name") : in->storage_class_name;
	if (sc)
		jset(pvc, "spec.storageClassName", json_object_new_string(sc));
	const char *mode = jstr(in->source_pvc, "spec.volumeMode");
	if (!mode)
		mode = jstr(in->content, "spec.sourceVolumeMode");
	if (mode)
		jset(pvc, "spec.volumeMode", json_object_new_string(mode));
	jset(pvc, "spec.resources.requests.storage", json_object_new_string(size));
	free(size);
	restore_set_data_source(pvc, snap_name);
	return pvc;
}
