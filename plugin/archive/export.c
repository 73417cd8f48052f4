/* What an export archive holds for one snapshot (../shared/facts/operations.md
 * section 5, "What an export archive needs"). */
#include <stdlib.h>
#include <string.h>

#include "archive/transfer.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

char *export_check(json_object *snapshot, json_object *content)
{
	const char *name = jstr_or(snapshot, "metadata.name", "?");
	if (!snap_is_ready(snapshot))
		return xasprintf("snapshot %s is not ready to use (%s); export takes ready snapshots only", name,
				 snap_error_message(snapshot));
	if (!content)
		return xasprintf("snapshot %s has no readable VolumeSnapshotContent (%s)", name,
				 jstr_or(snapshot, "status.boundVolumeSnapshotContentName", "none bound"));
	if (!jstr(content, "spec.driver"))
		return xasprintf("VolumeSnapshotContent of snapshot %s names no driver", name);
	if (!jstr(content, "status.snapshotHandle") && !jstr(content, "spec.source.snapshotHandle"))
		return xasprintf("VolumeSnapshotContent of snapshot %s has no snapshotHandle yet", name);
	return NULL;
}

static void header(json_object *dst, json_object *src)
{
	jcopy(dst, src, "apiVersion");
	jcopy(dst, src, "kind");
	jcopy(dst, src, "metadata.name");
	jcopy(dst, src, "metadata.namespace");
}

static json_object *snapshot_doc(json_object *vs)
{
	json_object *d = json_object_new_object();
	header(d, vs);
	jcopy(d, vs, "metadata.labels");
	jcopy(d, vs, "metadata.creationTimestamp");
	jcopy(d, vs, "spec");
	jcopy(d, vs, "status.readyToUse");
	jcopy(d, vs, "status.restoreSize");
	jcopy(d, vs, "status.creationTime");
	jcopy(d, vs, "status.boundVolumeSnapshotContentName");
	return d;
}

static json_object *content_doc(json_object *c)
{
	json_object *d = json_object_new_object();
	header(d, c);
	const char *secret = jstr_key(c, "metadata.annotations", SNAP_ANN_SECRET_NAME);
	const char *secret_ns = jstr_key(c, "metadata.annotations", SNAP_ANN_SECRET_NS);
	json_object *ann = json_object_new_object();
	if (secret)
		json_object_object_add(ann, SNAP_ANN_SECRET_NAME, json_object_new_string(secret));
	if (secret_ns)
		json_object_object_add(ann, SNAP_ANN_SECRET_NS, json_object_new_string(secret_ns));
	if (json_object_object_length(ann))
		jset(d, "metadata.annotations", ann);
	else
		json_object_put(ann);
	jcopy(d, c, "spec.driver");
	jcopy(d, c, "spec.deletionPolicy");
	jcopy(d, c, "spec.sourceVolumeMode");
	jcopy(d, c, "spec.volumeSnapshotClassName");
	const char *handle = jstr(c, "status.snapshotHandle");
	if (!handle)
		handle = jstr(c, "spec.source.snapshotHandle");
	jset(d, "spec.source.snapshotHandle", json_object_new_string(handle ? handle : ""));
	jcopy(d, c, "status.restoreSize");
	jcopy(d, c, "status.creationTime");
	return d;
}

static json_object *class_doc(json_object *k)
{
	json_object *d = json_object_new_object();
	header(d, k);
	jcopy(d, k, "driver");
	jcopy(d, k, "deletionPolicy");
	jcopy(d, k, "parameters");
	return d;
}

static json_object *pvc_doc(json_object *p)
{
	json_object *d = json_object_new_object();
	header(d, p);
	jcopy(d, p, "metadata.labels");
	jcopy(d, p, "spec.storageClassName");
	jcopy(d, p, "spec.accessModes");
	jcopy(d, p, "spec.volumeMode");
	jcopy(d, p, "spec.resources");
	return d;
}

static json_object *storage_class_doc(json_object *sc)
{
	json_object *d = json_object_new_object();
	header(d, sc);
	jcopy(d, sc, "provisioner");
	jcopy(d, sc, "parameters");
	jcopy(d, sc, "reclaimPolicy");
	jcopy(d, sc, "volumeBindingMode");
	jcopy(d, sc, "allowedTopologies");
	return d;
}

static void push_unique(json_object *arr, const char *v)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), v))
			return;
	json_object_array_add(arr, json_object_new_string(v));
}

/* A topology key names a zone or a region ("topology.kubernetes.io/zone",
 * "topology.ebs.csi.aws.com/zone", "failure-domain.beta.kubernetes.io/region"). */
static json_object *bucket(const char *key, json_object *zones, json_object *regions)
{
	const char *slash = strrchr(key, '/');
	const char *last = slash ? slash + 1 : key;
	if (!strcmp(last, "zone"))
		return zones;
	if (!strcmp(last, "region"))
		return regions;
	return NULL;
}

static void affinity_values(json_object *pv, json_object *zones, json_object *regions)
{
	json_object *terms = jget(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
	for (size_t t = 0; terms && t < json_object_array_length(terms); t++) {
		json_object *exprs = jget(json_object_array_get_idx(terms, t), "matchExpressions");
		for (size_t e = 0; exprs && e < json_object_array_length(exprs); e++) {
			json_object *ex = json_object_array_get_idx(exprs, e);
			json_object *b = bucket(jstr_or(ex, "key", ""), zones, regions);
			json_object *vals = jget(ex, "values");
			if (!b || strcmp(jstr_or(ex, "operator", ""), "In") != 0)
				continue;
			for (size_t v = 0; vals && v < json_object_array_length(vals); v++)
				push_unique(b, json_object_get_string(json_object_array_get_idx(vals, v)));
		}
	}
}

json_object *export_topology(json_object *pv)
{
	json_object *d = json_object_new_object(), *zones = json_object_new_array(), *regions = json_object_new_array();
	const char *name = jstr(pv, "metadata.name");
	if (name)
		json_object_object_add(d, "pv", json_object_new_string(name));
	affinity_values(pv, zones, regions);
	json_object *labels = jget(pv, "metadata.labels");
	if (labels && json_object_is_type(labels, json_type_object)) {
		json_object_object_foreach(labels, key, val)
		{
			json_object *b = bucket(key, zones, regions);
			if (b && json_object_is_type(val, json_type_string))
				push_unique(b, json_object_get_string(val));
		}
	}
	json_object_object_add(d, "zones", zones);
	json_object_object_add(d, "regions", regions);
	jcopy(d, pv, "spec.nodeAffinity");
	return d;
}

json_object *export_docs(const struct export_input *in)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "snapshot.json", snapshot_doc(in->snapshot));
	json_object_object_add(d, "content.json", content_doc(in->content));
	if (in->klass)
		json_object_object_add(d, "class.json", class_doc(in->klass));
	if (in->pvc)
		json_object_object_add(d, "pvc.json", pvc_doc(in->pvc));
	if (in->storage_class)
		json_object_object_add(d, "storageclass.json", storage_class_doc(in->storage_class));
	if (in->pv)
		json_object_object_add(d, "topology.json", export_topology(in->pv));
	return d;
}
