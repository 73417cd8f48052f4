/* Import: from an export archive's members to the objects to create, every
 * refusal decided before anything is created. */
#include <stdlib.h>
#include <string.h>

#include "archive/transfer.h"
#include "snap/restore.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char *const doc_names[] = {"snapshot.json", "content.json",      "class.json",
					"pvc.json",	 "storageclass.json", "topology.json"};

static json_object **doc_slot(struct import_snapshot *s, size_t i)
{
	json_object **slots[] = {&s->snapshot, &s->content, &s->klass, &s->pvc, &s->storage_class, &s->topology};
	return slots[i];
}

static int parse_snapshot(const struct arc_members *m, struct import_snapshot *s, char **why)
{
	if (!snap_valid_name(s->name)) {
		*why = xasprintf("manifest.json names snapshot \"%s\", which is not a valid name", s->name);
		return -1;
	}
	for (size_t i = 0; i < sizeof doc_names / sizeof *doc_names; i++) {
		char *path = xasprintf("snapshots/%s/%s", s->name, doc_names[i]);
		const struct arc_member *mem = arc_members_find(m, path);
		if (!mem && i < 2) {
			*why = xasprintf("member %s is missing", path);
			free(path);
			return -1;
		}
		if (mem && !(*doc_slot(s, i) = jparse(mem->data, mem->size))) {
			*why = xasprintf("member %s is not JSON", path);
			free(path);
			return -1;
		}
		free(path);
	}
	const char *handle = jstr(s->content, "spec.source.snapshotHandle");
	if (!jstr(s->content, "spec.driver") || !handle || !*handle) {
		*why = xasprintf("snapshots/%s/content.json has no driver or snapshotHandle", s->name);
		return -1;
	}
	return 0;
}

int import_parse(const struct arc_members *m, struct import_doc *doc, char **why)
{
	memset(doc, 0, sizeof *doc);
	const struct arc_member *man = arc_members_find(m, EXPORT_MANIFEST);
	if (!man) {
		*why = xstrdup("member manifest.json is missing: this is not an archive made by kubectl volsnap "
			       "export");
		return -1;
	}
	json_object *j = jparse(man->data, man->size);
	char *detail = NULL;
	int rc = j ? arc_index_from_json(j, "volsnap.io/export/", &doc->index, &detail) : -1;
	json_object_put(j);
	if (rc < 0) {
		*why = xasprintf("manifest.json: %s", detail ? detail : "not JSON");
		free(detail);
		return -1;
	}
	if ((*why = arc_index_verify(&doc->index, m, EXPORT_MANIFEST)))
		goto fail;
	if (!doc->index.snapshots.n) {
		*why = xstrdup("manifest.json lists no snapshots");
		goto fail;
	}
	doc->n = doc->index.snapshots.n;
	doc->snaps = xcalloc(doc->n, sizeof *doc->snaps);
	for (size_t i = 0; i < doc->n; i++) {
		doc->snaps[i].name = doc->index.snapshots.items[i];
		if (parse_snapshot(m, &doc->snaps[i], why) < 0)
			goto fail;
	}
	return 0;
fail:
	import_doc_clear(doc);
	return -1;
}

void import_doc_clear(struct import_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++)
		for (size_t k = 0; k < sizeof doc_names / sizeof *doc_names; k++)
			json_object_put(*doc_slot(&doc->snaps[i], k));
	free(doc->snaps);
	arc_index_clear(&doc->index);
	memset(doc, 0, sizeof *doc);
}

char *import_content_name(const char *ns, const char *name, const char *cluster_id, const char *src_ns,
			  const char *src_name)
{
	char *key = xasprintf("%s/%s/%s/%s/%s", ns, name, cluster_id ? cluster_id : "", src_ns ? src_ns : "",
			      src_name ? src_name : "");
	char sha[ARC_SHA256_HEX];
	arc_sha256_hex(key, strlen(key), sha);
	free(key);
	/* "imported-" (9) + ns + "-" + name, cut to leave room for "-" and 10 hex digits. */
	char *base = xasprintf("imported-%s-%s", ns, name);
	if (strlen(base) > 253 - 11)
		base[253 - 11] = '\0';
	size_t len = strlen(base);
	while (len && (base[len - 1] == '-' || base[len - 1] == '.'))
		base[--len] = '\0';
	char *out = xasprintf("%s-%.10s", base, sha);
	free(base);
	return out;
}

static json_object *find_named(json_object *items, const char *name)
{
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *o = json_object_array_get_idx(items, i);
		if (!strcmp(jstr_or(o, "metadata.name", ""), name))
			return o;
	}
	return NULL;
}

static bool has_provisioner(json_object *classes, const char *driver)
{
	for (size_t i = 0; classes && i < json_object_array_length(classes); i++)
		if (!strcmp(jstr_or(json_object_array_get_idx(classes, i), "provisioner", ""), driver))
			return true;
	return false;
}

/* The target's node labels for zones or regions, as one comma list (empty when none). */
static void node_values(json_object *nodes, const char *what, struct strbuf *out, struct strlist *seen)
{
	for (size_t i = 0; nodes && i < json_object_array_length(nodes); i++) {
		json_object *labels = jget(json_object_array_get_idx(nodes, i), "metadata.labels");
		if (!labels || !json_object_is_type(labels, json_type_object))
			continue;
		json_object_object_foreach(labels, key, val)
		{
			const char *slash = strrchr(key, '/');
			if (!slash || strcmp(slash + 1, what) != 0 || !json_object_is_type(val, json_type_string))
				continue;
			const char *v = json_object_get_string(val);
			if (!strlist_contains(seen, v)) {
				strlist_push(seen, v);
				strbuf_addf(out, "%s%s", out->len ? ", " : "", v);
			}
		}
	}
}

static void warn_topology(const struct import_snapshot *s, json_object *nodes, const char *what,
			  struct strlist *warnings)
{
	json_object *src = jget(s->topology, !strcmp(what, "zone") ? "zones" : "regions");
	if (!src || !json_object_array_length(src) || !nodes)
		return;
	struct strbuf have = STRBUF_INIT, want = STRBUF_INIT;
	struct strlist seen = STRLIST_INIT;
	node_values(nodes, what, &have, &seen);
	bool shared = false;
	for (size_t i = 0; i < json_object_array_length(src); i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(src, i));
		strbuf_addf(&want, "%s%s", want.len ? ", " : "", v);
		shared |= strlist_contains(&seen, v) != 0;
	}
	if (seen.n && !shared)
		strlist_take(warnings, xasprintf("snapshot %s: its volume was in %s %s but this cluster's nodes are in "
						 "%s; the provider may not restore it there",
						 s->name, what, want.buf, have.buf));
	strbuf_release(&have);
	strbuf_release(&want);
	strlist_clear(&seen);
}

static char *check_target(const struct import_snapshot *s, const struct import_opts *o, const struct import_target *t,
			  struct strlist *warnings)
{
	const char *driver = jstr(s->content, "spec.driver");
	if (!t->csidrivers)
		strlist_take(warnings,
			     xasprintf("could not read CSIDrivers: not checked that %s is installed", driver));
	else if (!find_named(t->csidrivers, driver))
		return xasprintf("this cluster has no CSIDriver %s, which snapshot %s needs; install the driver first",
				 driver, s->name);
	if (!t->storage_classes)
		strlist_take(
		    warnings,
		    xasprintf("could not read StorageClasses: not checked that one provisions with %s", driver));
	else if (!has_provisioner(t->storage_classes, driver))
		return xasprintf("this cluster has no StorageClass with provisioner %s, so snapshot %s could not be "
				 "restored here; create one first",
				 driver, s->name);
	if (o->klass && t->snapshot_classes) {
		json_object *k = find_named(t->snapshot_classes, o->klass);
		if (!k)
			return xasprintf("--class %s: no such VolumeSnapshotClass here", o->klass);
		if (strcmp(jstr_or(k, "driver", ""), driver) != 0)
			return xasprintf("--class %s belongs to driver %s, but snapshot %s was cut by %s", o->klass,
					 jstr_or(k, "driver", "?"), s->name, driver);
	}
	if (!strcmp(jstr_or(s->content, "spec.deletionPolicy", ""), "Delete"))
		strlist_take(warnings, xasprintf("snapshot %s: the source content's deletionPolicy is Delete: deleting "
						 "the source snapshot destroys the data this import uses",
						 s->name));
	warn_topology(s, t->nodes, "region", warnings);
	warn_topology(s, t->nodes, "zone", warnings);
	return NULL;
}

static json_object *content_manifest(const struct import_doc *doc, const struct import_snapshot *s,
				     const struct import_opts *o, const char *name, const char *cname)
{
	json_object *c = json_object_new_object();
	char *api = xasprintf("%s/%s", SNAP_GROUP, o->api_version ? o->api_version : "v1");
	jset(c, "apiVersion", json_object_new_string(api));
	jset(c, "kind", json_object_new_string("VolumeSnapshotContent"));
	jset(c, "metadata.name", json_object_new_string(cname));
	json_object *labels = json_object_new_object();
	json_object_object_add(labels, SNAP_LABEL_MANAGED_BY, json_object_new_string(SNAP_MANAGED_BY));
	jset(c, "metadata.labels", labels);
	char *from = xasprintf("%s/%s/%s", doc->index.source.cluster_id ? doc->index.source.cluster_id : "",
			       doc->index.namespace ? doc->index.namespace : "", s->name);
	json_object *ann = json_object_new_object();
	json_object_object_add(ann, EXPORT_ANNOTATION_FROM, json_object_new_string(from));
	const char *sn = jstr_key(s->content, "metadata.annotations", SNAP_ANN_SECRET_NAME);
	const char *sns = jstr_key(s->content, "metadata.annotations", SNAP_ANN_SECRET_NS);
	if (sn)
		json_object_object_add(ann, SNAP_ANN_SECRET_NAME, json_object_new_string(sn));
	if (sns)
		json_object_object_add(ann, SNAP_ANN_SECRET_NS, json_object_new_string(sns));
	jset(c, "metadata.annotations", ann);
	jset(c, "spec.deletionPolicy", json_object_new_string("Retain"));
	jset(c, "spec.driver", json_object_new_string(jstr(s->content, "spec.driver")));
	jset(c, "spec.source.snapshotHandle", json_object_new_string(jstr(s->content, "spec.source.snapshotHandle")));
	const char *mode = jstr(s->content, "spec.sourceVolumeMode");
	if (!mode)
		mode = jstr(s->pvc, "spec.volumeMode");
	jset(c, "spec.sourceVolumeMode", json_object_new_string(mode ? mode : "Filesystem"));
	if (o->klass)
		jset(c, "spec.volumeSnapshotClassName", json_object_new_string(o->klass));
	jset(c, "spec.volumeSnapshotRef.apiVersion", json_object_new_string(api));
	jset(c, "spec.volumeSnapshotRef.kind", json_object_new_string("VolumeSnapshot"));
	jset(c, "spec.volumeSnapshotRef.name", json_object_new_string(name));
	jset(c, "spec.volumeSnapshotRef.namespace", json_object_new_string(o->ns));
	free(from);
	free(api);
	return c;
}

static json_object *snapshot_manifest(const struct import_snapshot *s, const struct import_opts *o, const char *name,
				      const char *cname, json_object *content)
{
	json_object *v = json_object_new_object();
	jset(v, "apiVersion", json_object_get(jget(content, "apiVersion")));
	jset(v, "kind", json_object_new_string("VolumeSnapshot"));
	jset(v, "metadata.name", json_object_new_string(name));
	jset(v, "metadata.namespace", json_object_new_string(o->ns));
	json_object *labels = json_object_new_object(), *src = jget(s->snapshot, "metadata.labels");
	if (src && json_object_is_type(src, json_type_object)) {
		json_object_object_foreach(src, key, val)
		{
			/* The source PVC is in another namespace or cluster: prune must not group by it here. */
			if (strcmp(key, SNAP_LABEL_PVC) != 0)
				json_object_object_add(labels, key, json_object_get(val));
		}
	}
	json_object_object_add(labels, SNAP_LABEL_MANAGED_BY, json_object_new_string(SNAP_MANAGED_BY));
	jset(v, "metadata.labels", labels);
	json_object *ann = json_object_new_object();
	json_object_object_add(
	    ann, EXPORT_ANNOTATION_FROM,
	    json_object_new_string(jstr_key(content, "metadata.annotations", EXPORT_ANNOTATION_FROM)));
	jset(v, "metadata.annotations", ann);
	if (o->klass)
		jset(v, "spec.volumeSnapshotClassName", json_object_new_string(o->klass));
	jset(v, "spec.source.volumeSnapshotContentName", json_object_new_string(cname));
	return v;
}

/* The PVC --restore-to creates: the source PVC's shape in a class of the driver. */
static json_object *restore_pvc(const struct import_snapshot *s, const struct import_opts *o,
				const struct import_target *t, json_object *snapshot, json_object *content, char **why)
{
	const char *driver = jstr(s->content, "spec.driver");
	const char *src_class = jstr(s->pvc, "spec.storageClassName");
	json_object *sc = src_class ? find_named(t->storage_classes, src_class) : NULL;
	const char *class_name = NULL;
	if (sc && !strcmp(jstr_or(sc, "provisioner", ""), driver))
		class_name = src_class;
	else if (!(class_name = restore_pick_class(NULL, t->storage_classes, driver, why)))
		return NULL;
	json_object *ready = json_object_get(snapshot);
	json_object *size = jget(s->snapshot, "status.restoreSize");
	if (!size)
		size = jget(s->content, "status.restoreSize");
	/* restore_manifest reads the snapshot's restoreSize and the source PVC's shape. */
	json_object *snap = json_object_new_object();
	jset(snap, "metadata.name", json_object_get(jget(ready, "metadata.name")));
	if (size)
		jset(snap, "status.restoreSize", json_object_get(size));
	json_object_put(ready);
	struct restore_input in = {
	    .ns = o->ns,
	    .target = o->restore_to,
	    .snapshot = snap,
	    .content = content,
	    .source_pvc = s->pvc,
	    .storage_class = find_named(t->storage_classes, class_name),
	    .storage_class_name = class_name,
	};
	json_object *pvc = restore_manifest(&in, why);
	json_object_put(snap);
	return pvc;
}

int import_plan(const struct import_doc *doc, const struct import_opts *o, const struct import_target *t,
		struct import_plan *plan, char **why)
{
	memset(plan, 0, sizeof *plan);
	if (doc->n != 1 && (o->name || o->restore_to)) {
		*why = xasprintf("the archive holds %zu snapshots; --name and --restore-to work with one", doc->n);
		return -1;
	}
	plan->items = xcalloc(doc->n, sizeof *plan->items);
	for (size_t i = 0; i < doc->n; i++) {
		const struct import_snapshot *s = &doc->snaps[i];
		struct import_item *it = &plan->items[plan->n++];
		if ((*why = check_target(s, o, t, &plan->warnings)))
			goto fail;
		it->name = xstrdup(o->name ? o->name : s->name);
		it->content_name =
		    import_content_name(o->ns, it->name, doc->index.source.cluster_id, doc->index.namespace, s->name);
		it->content = content_manifest(doc, s, o, it->name, it->content_name);
		it->snapshot = snapshot_manifest(s, o, it->name, it->content_name, it->content);
		if (o->restore_to && !(it->pvc = restore_pvc(s, o, t, it->snapshot, it->content, why)))
			goto fail;
	}
	return 0;
fail:
	import_plan_clear(plan);
	return -1;
}

void import_plan_clear(struct import_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->items[i].name);
		free(plan->items[i].content_name);
		json_object_put(plan->items[i].content);
		json_object_put(plan->items[i].snapshot);
		json_object_put(plan->items[i].pvc);
	}
	free(plan->items);
	strlist_clear(&plan->warnings);
	memset(plan, 0, sizeof *plan);
}
