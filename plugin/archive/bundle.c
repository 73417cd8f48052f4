/* What a support bundle holds, decided without a server. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/bundle.h"
#include "util/json.h"
#include "util/xalloc.h"

const char *const bundle_crds[] = {
    "volumesnapshotclasses.snapshot.storage.k8s.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
    "volumesnapshots.snapshot.storage.k8s.io",
    NULL,
};

json_object *bundle_crd_doc(json_object *crd)
{
	json_object *d = json_object_new_object(), *versions = json_object_new_array();
	json_object *src = jget(crd, "spec.versions");
	json_object_object_add(d, "name", json_object_new_string(jstr_or(crd, "metadata.name", "")));
	for (size_t i = 0; src && i < json_object_array_length(src); i++) {
		json_object *v = json_object_array_get_idx(src, i), *o = json_object_new_object();
		bool served = false, storage = false;
		jbool(v, "served", &served);
		jbool(v, "storage", &storage);
		json_object_object_add(o, "name", json_object_new_string(jstr_or(v, "name", "")));
		json_object_object_add(o, "served", json_object_new_boolean(served));
		json_object_object_add(o, "storage", json_object_new_boolean(storage));
		json_object_array_add(versions, o);
	}
	json_object_object_add(d, "versions", versions);
	json_object *stored = jget(crd, "status.storedVersions");
	json_object_object_add(d, "storedVersions", stored ? json_object_get(stored) : json_object_new_array());
	return d;
}

bool bundle_event_wanted(json_object *event)
{
	const char *kind = jstr_or(event, "involvedObject.kind", "");
	return !strcmp(kind, "VolumeSnapshot") || !strcmp(kind, "PersistentVolumeClaim") ||
	       !strcmp(kind, "VolumeSnapshotContent");
}

bool bundle_pod_mounts_pvc(json_object *pod)
{
	json_object *vols = jget(pod, "spec.volumes");
	for (size_t i = 0; vols && i < json_object_array_length(vols); i++)
		if (jstr(json_object_array_get_idx(vols, i), "persistentVolumeClaim.claimName"))
			return true;
	return false;
}

json_object *bundle_pod_doc(json_object *pod)
{
	json_object *d = json_object_new_object();
	jset(d, "apiVersion", json_object_new_string("v1"));
	jset(d, "kind", json_object_new_string("Pod"));
	jcopy(d, pod, "metadata.name");
	jcopy(d, pod, "metadata.namespace");
	jcopy(d, pod, "metadata.labels");
	jcopy(d, pod, "metadata.annotations");
	jcopy(d, pod, "metadata.ownerReferences");
	jcopy(d, pod, "spec");
	jcopy(d, pod, "status.phase");
	return d;
}

static bool is_controller_pod(json_object *pod)
{
	const char *a = jstr_key(pod, "metadata.labels", "app.kubernetes.io/name");
	const char *b = jstr_key(pod, "metadata.labels", "app");
	return (a && !strcmp(a, "snapshot-controller")) || (b && !strcmp(b, "snapshot-controller"));
}

void bundle_log_containers(json_object *pod, struct strlist *out)
{
	json_object *cs = jget(pod, "spec.containers");
	bool controller = is_controller_pod(pod);
	for (size_t i = 0; cs && i < json_object_array_length(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		const char *image = jstr_or(c, "image", ""), *name = jstr(c, "name");
		if (name && (controller || strstr(image, "snapshot-controller") || strstr(image, "csi-snapshotter") ||
			     strstr(image, "csi-provisioner")))
			strlist_push(out, name);
	}
}

char *bundle_logs_note(const char *provider_id)
{
	const char *where = "outside what this bundle could read, or is not installed (doctor.json says which)";
	if (provider_id && !strncmp(provider_id, "gardener", 8))
		where = "in the Gardener seed cluster's shoot namespace, which the shoot's users cannot read; ask "
			"the Gardener operators for the snapshot-controller and csi-snapshotter logs";
	else if (provider_id && !strcmp(provider_id, "gke"))
		where = "in GKE's managed control plane; its logs are in Cloud Logging (resource "
			"k8s_control_plane_component), not in the cluster";
	return xasprintf("No snapshot-controller pod and no csi-snapshotter or csi-provisioner container was found.\n"
			 "The snapshot controller runs %s.\n"
			 "doctor.json says whether snapshots work regardless.\n",
			 where);
}

/* ---- --redact-names ------------------------------------------------------ */

void bundle_names_add(struct bundle_names *n, const char *prefix, const char *name)
{
	if (strlist_contains(&n->names, name))
		return;
	strlist_push(&n->names, name);
	strlist_take(&n->hashes, arc_hash_name(prefix, name));
}

const char *bundle_names_get(const struct bundle_names *n, const char *name)
{
	for (size_t i = 0; i < n->names.n; i++)
		if (!strcmp(n->names.items[i], name))
			return n->hashes.items[i];
	return name;
}

/* A name inside text is a whole word: letters, digits, '-', '.', '_' (so "laim"
 * never matches inside "PersistentVolumeClaim"). */
static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

void bundle_names_text(const struct bundle_names *n, const char *text, struct strbuf *out)
{
	const char *p = text;
	while (*p) {
		if (!name_char(*p)) {
			strbuf_addch(out, *p++);
			continue;
		}
		size_t len = 0;
		while (name_char(p[len]))
			len++;
		char *word = xstrndup(p, len);
		/* A trailing '.' ends a sentence, not the name. */
		size_t wl = len;
		while (wl && word[wl - 1] == '.')
			word[--wl] = '\0';
		strbuf_addstr(out, bundle_names_get(n, word));
		strbuf_add(out, p + wl, len - wl);
		free(word);
		p += len;
	}
}

static char *replaced(const struct bundle_names *n, const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	bundle_names_text(n, s, &sb);
	if (!strcmp(sb.buf, s)) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

int bundle_names_apply(const struct bundle_names *n, json_object *obj)
{
	int count = 0;
	char *r;
	if (!n->names.n)
		return 0;
	if (json_object_is_type(obj, json_type_object)) {
		json_object_object_foreach(obj, key, val)
		{
			if (json_object_is_type(val, json_type_string) &&
			    (r = replaced(n, json_object_get_string(val)))) {
				json_object_object_add(obj, key, json_object_new_string(r));
				free(r);
				count++;
			} else {
				count += bundle_names_apply(n, val);
			}
		}
	} else if (json_object_is_type(obj, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(obj); i++) {
			json_object *e = json_object_array_get_idx(obj, i);
			if (json_object_is_type(e, json_type_string) && (r = replaced(n, json_object_get_string(e)))) {
				json_object_array_put_idx(obj, i, json_object_new_string(r));
				free(r);
				count++;
			} else {
				count += bundle_names_apply(n, e);
			}
		}
	}
	return count;
}

void bundle_names_clear(struct bundle_names *n)
{
	strlist_clear(&n->names);
	strlist_clear(&n->hashes);
}
