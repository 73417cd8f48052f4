#include "replace/plan.h"

#include <stdlib.h>
#include <string.h>

#include "snap/restore.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static const char *const step_names[REPLACE_NSTEPS] = {"safety-snapshot", "retain", "scale-down",
						       "delete",	  "create", "scale-up"};

const char *replace_step_name(enum replace_step s)
{
	return s < REPLACE_NSTEPS ? step_names[s] : "complete";
}

enum replace_step replace_step_parse(const char *name)
{
	for (int i = 0; name && i < REPLACE_NSTEPS; i++)
		if (!strcmp(name, step_names[i]))
			return (enum replace_step)i;
	return REPLACE_NSTEPS;
}

/* ---- the state record ------------------------------------------------------ */

void replace_state_clear(struct replace_state *st)
{
	free(st->ns);
	free(st->pvc);
	free(st->pvc_uid);
	free(st->snapshot);
	free(st->pv);
	free(st->old_reclaim);
	free(st->safety);
	for (size_t i = 0; i < st->n_owners; i++) {
		free(st->owners[i].kind);
		free(st->owners[i].name);
	}
	free(st->owners);
	json_object_put(st->new_pvc);
	memset(st, 0, sizeof *st);
}

static json_object *steps_array(unsigned bits)
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < REPLACE_NSTEPS; i++)
		if (bits & (1u << i))
			json_object_array_add(a, json_object_new_string(step_names[i]));
	return a;
}

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

char *replace_state_format(const struct replace_state *st)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(REPLACE_STATE_VERSION));
	add_str(o, "namespace", st->ns);
	add_str(o, "pvc", st->pvc);
	add_str(o, "pvcUID", st->pvc_uid);
	add_str(o, "snapshot", st->snapshot);
	add_str(o, "pv", st->pv);
	add_str(o, "oldReclaimPolicy", st->old_reclaim);
	add_str(o, "safetySnapshot", st->safety);
	json_object_object_add(o, "steps", steps_array(st->planned));
	json_object_object_add(o, "done", steps_array(st->done));
	json_object *owners = json_object_new_array();
	for (size_t i = 0; i < st->n_owners; i++) {
		json_object *w = json_object_new_object();
		add_str(w, "kind", st->owners[i].kind);
		add_str(w, "name", st->owners[i].name);
		json_object_object_add(w, "replicas", json_object_new_int64(st->owners[i].replicas));
		json_object_array_add(owners, w);
	}
	json_object_object_add(o, "owners", owners);
	if (st->new_pvc)
		json_object_object_add(o, "newPVC", json_object_get(st->new_pvc));
	char *text = jdump(o);
	json_object_put(o);
	return text;
}

static bool parse_steps(json_object *a, unsigned *bits)
{
	*bits = 0;
	if (!json_object_is_type(a, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		enum replace_step s = replace_step_parse(json_object_get_string(json_object_array_get_idx(a, i)));
		if (s == REPLACE_NSTEPS)
			return false;
		*bits |= 1u << s;
	}
	return true;
}

bool replace_state_parse(const char *text, struct replace_state *st, char **why)
{
	memset(st, 0, sizeof *st);
	*why = NULL;
	json_object *o = text ? jparse(text, strlen(text)) : NULL;
	int64_t version = 0;
	if (!json_object_is_type(o, json_type_object) || !jint64(o, "version", &version)) {
		*why = xstrdup("the " REPLACE_ANNOTATION " annotation is not a replace state");
		goto fail;
	}
	if (version != REPLACE_STATE_VERSION) {
		*why = xasprintf("the " REPLACE_ANNOTATION " annotation has version %lld, which this plugin does not "
				 "know; use the plugin version that wrote it",
				 (long long)version);
		goto fail;
	}
	st->ns = xstrdup_or_null(jstr(o, "namespace"));
	st->pvc = xstrdup_or_null(jstr(o, "pvc"));
	st->pvc_uid = xstrdup_or_null(jstr(o, "pvcUID"));
	st->snapshot = xstrdup_or_null(jstr(o, "snapshot"));
	st->pv = xstrdup_or_null(jstr(o, "pv"));
	st->old_reclaim = xstrdup_or_null(jstr(o, "oldReclaimPolicy"));
	st->safety = xstrdup_or_null(jstr(o, "safetySnapshot"));
	json_object *np = jget(o, "newPVC");
	st->new_pvc = json_object_is_type(np, json_type_object) ? json_object_get(np) : NULL;
	if (!st->ns || !st->pvc || !st->pvc_uid || !st->snapshot || !st->pv || !st->old_reclaim || !st->new_pvc ||
	    !parse_steps(jget(o, "steps"), &st->planned) || !parse_steps(jget(o, "done"), &st->done)) {
		*why = xstrdup("the " REPLACE_ANNOTATION " annotation is incomplete");
		goto fail;
	}
	json_object *owners = jget(o, "owners");
	size_t n = json_object_is_type(owners, json_type_array) ? json_object_array_length(owners) : 0;
	st->owners = n ? xcalloc(n, sizeof *st->owners) : NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *w = json_object_array_get_idx(owners, i);
		struct replace_owner *ow = &st->owners[st->n_owners++];
		ow->kind = xstrdup_or_null(jstr(w, "kind"));
		ow->name = xstrdup_or_null(jstr(w, "name"));
		if (!ow->kind || !ow->name || !jint64(w, "replicas", &ow->replicas) || ow->replicas < 0) {
			*why = xstrdup("the " REPLACE_ANNOTATION
				       " annotation has an owner without kind, name or replicas");
			goto fail;
		}
	}
	json_object_put(o);
	return true;
fail:
	json_object_put(o);
	replace_state_clear(st);
	return false;
}

enum replace_step replace_next_step(const struct replace_state *st)
{
	for (int i = 0; i < REPLACE_NSTEPS; i++)
		if ((st->planned & (1u << i)) && !(st->done & (1u << i)))
			return (enum replace_step)i;
	return REPLACE_NSTEPS;
}

bool replace_state_complete(const struct replace_state *st)
{
	return replace_next_step(st) == REPLACE_NSTEPS;
}

char *replace_done_text(const struct replace_state *st)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < REPLACE_NSTEPS; i++)
		if (st->done & (1u << i))
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", step_names[i]);
	if (!sb.len)
		strbuf_addstr(&sb, "none");
	return strbuf_detach(&sb);
}

const char *replace_meta(json_object *obj, const char *map, const char *key)
{
	json_object *m = NULL, *v = NULL;
	if (!json_object_object_get_ex(jget(obj, "metadata"), map, &m) || !json_object_object_get_ex(m, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void replace_meta_set(json_object *obj, const char *map, const char *key, json_object *val)
{
	json_object *md = jget(obj, "metadata"), *m = NULL;
	if (!json_object_is_type(md, json_type_object)) {
		md = json_object_new_object();
		json_object_object_add(obj, "metadata", md);
	}
	if (!json_object_object_get_ex(md, map, &m) || !json_object_is_type(m, json_type_object)) {
		m = json_object_new_object();
		json_object_object_add(md, map, m);
	}
	json_object_object_add(m, key, val);
}

/* ---- consumers ------------------------------------------------------------- */

bool replace_pod_uses(json_object *pod, const char *claim)
{
	const char *phase = jstr_or(pod, "status.phase", "Pending");
	if (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))
		return false;
	json_object *vols = jget(pod, "spec.volumes");
	size_t n = json_object_is_type(vols, json_type_array) ? json_object_array_length(vols) : 0;
	for (size_t i = 0; i < n; i++) {
		const char *c = jstr(json_object_array_get_idx(vols, i), "persistentVolumeClaim.claimName");
		if (c && !strcmp(c, claim))
			return true;
	}
	return false;
}

json_object *replace_controller_ref(json_object *obj)
{
	json_object *refs = jget(obj, "metadata.ownerReferences");
	size_t n = json_object_is_type(refs, json_type_array) ? json_object_array_length(refs) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(refs, i);
		bool ctl = false;
		if (jbool(r, "controller", &ctl) && ctl)
			return r;
	}
	return NULL;
}

static json_object *find_owner(json_object *owners, const char *kind, const char *name)
{
	size_t n = json_object_is_type(owners, json_type_array) ? json_object_array_length(owners) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(owners, i);
		if (!strcmp(jstr_or(o, "kind", ""), kind) && !strcmp(jstr_or(o, "metadata.name", ""), name))
			return o;
	}
	return NULL;
}

static bool owner_listed(const struct replace_state *st, const char *kind, const char *name)
{
	for (size_t i = 0; i < st->n_owners; i++)
		if (!strcmp(st->owners[i].kind, kind) && !strcmp(st->owners[i].name, name))
			return true;
	return false;
}

static void add_owner(struct replace_state *st, json_object *obj)
{
	const char *kind = jstr_or(obj, "kind", "?"), *name = jstr_or(obj, "metadata.name", "?");
	if (owner_listed(st, kind, name))
		return;
	int64_t replicas = 1; /* the API's default when spec.replicas is unset */
	(void)jint64(obj, "spec.replicas", &replicas);
	st->owners = xrealloc(st->owners, (st->n_owners + 1) * sizeof *st->owners);
	st->owners[st->n_owners++] = (struct replace_owner){xstrdup(kind), xstrdup(name), replicas};
}

/* The workload to scale for a pod: Deployment (through its ReplicaSet),
 * StatefulSet or a ReplicaSet of its own; NULL with *kind naming what owns
 * it otherwise ("Pod" for a bare pod). *missing when an owner could not be read. */
static json_object *scalable_owner(json_object *pod, json_object *owners, const char **kind, const char **name,
				   bool *missing)
{
	json_object *ref = replace_controller_ref(pod);
	*missing = false;
	*kind = "Pod";
	*name = jstr_or(pod, "metadata.name", "?");
	if (!ref)
		return NULL;
	*kind = jstr_or(ref, "kind", "?");
	*name = jstr_or(ref, "name", "?");
	if (strcmp(*kind, "ReplicaSet") && strcmp(*kind, "StatefulSet"))
		return NULL;
	json_object *o = find_owner(owners, *kind, *name);
	if (!o) {
		*missing = true;
		return NULL;
	}
	json_object *up = replace_controller_ref(o);
	if (!strcmp(*kind, "ReplicaSet") && up && !strcmp(jstr_or(up, "kind", ""), "Deployment")) {
		*kind = "Deployment";
		*name = jstr_or(up, "name", "?");
		o = find_owner(owners, *kind, *name);
		*missing = !o;
	}
	return o;
}

/* Who mounts the PVC, and what scales them. Returns the refusal, if any. */
static char *plan_consumers(const struct replace_input *in, struct replace_plan *p)
{
	struct strbuf in_use = STRBUF_INIT, unscalable = STRBUF_INIT;
	char *refusal = NULL;
	size_t n = json_object_is_type(in->pods, json_type_array) ? json_object_array_length(in->pods) : 0;
	for (size_t i = 0; i < n && !refusal; i++) {
		json_object *pod = json_object_array_get_idx(in->pods, i);
		if (!replace_pod_uses(pod, in->pvc_name))
			continue;
		const char *pname = jstr_or(pod, "metadata.name", "?"), *kind, *name;
		bool missing;
		json_object *owner = scalable_owner(pod, in->owners, &kind, &name, &missing);
		strbuf_addf(&in_use, "%s%s", in_use.len ? ", " : "", pname);
		if (missing) {
			refusal = xasprintf("pod %s is run by %s %s, which could not be read; nothing was changed",
					    pname, kind, name);
		} else if (owner) {
			add_owner(&p->state, owner);
			strlist_take(&p->notes, xasprintf("pod %s mounts the PVC: %s %s scales it", pname, kind, name));
			json_object *up = replace_controller_ref(owner);
			if (up)
				strlist_take(
				    &p->notes,
				    xasprintf("warning: %s %s is managed by %s %s, which may scale it back up: "
					      "pause it first",
					      kind, name, jstr_or(up, "kind", "?"), jstr_or(up, "name", "?")));
			if (!strcmp(kind, "StatefulSet") &&
			    !strcmp(jstr_or(owner, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", "Retain"),
				    "Delete"))
				strlist_take(&p->notes,
					     xasprintf("StatefulSet %s deletes its PVCs when scaled down "
						       "(persistentVolumeClaimRetentionPolicy.whenScaled: Delete): "
						       "the PV is set to Retain before, so the data stays",
						       name));
		} else {
			bool is_pod = !strcmp(kind, "Pod");
			char *what = is_pod ? xasprintf("pod %s is a bare pod (no controller)", pname)
					    : xasprintf("pod %s is run by %s %s, which cannot be scaled to 0", pname,
							kind, name);
			strbuf_addf(&unscalable, "%s%s", unscalable.len ? "; " : "", what);
			strlist_take(&p->waits, xasprintf("%s (%s)", pname, what));
			free(what);
		}
	}
	if (!refusal && in_use.len && !in->scale_down)
		refusal = xasprintf("PVC %s/%s is in use by pod%s %s; pass --scale-down to scale their owners to 0 "
				    "and back, or stop them first; nothing was changed",
				    in->ns, in->pvc_name, strchr(in_use.buf, ',') ? "s" : "", in_use.buf);
	if (!refusal && unscalable.len && !in->force)
		refusal = xasprintf("%s; stop it yourself and pass --force (the restore then waits until the pod "
				    "is gone); nothing was changed",
				    unscalable.buf);
	if (!refusal && !in_use.len)
		strlist_push(&p->notes, "no pod mounts the PVC");
	strbuf_release(&in_use);
	strbuf_release(&unscalable);
	return refusal;
}

/* ---- checks ---------------------------------------------------------------- */

static char *check_pvc(const struct replace_input *in, struct replace_plan *p)
{
	const char *pv = jstr(in->pvc, "spec.volumeName");
	if (jstr(in->pvc, "metadata.deletionTimestamp"))
		return xasprintf("PVC %s/%s is being deleted; nothing was changed", in->ns, in->pvc_name);
	if (strcmp(jstr_or(in->pvc, "status.phase", ""), "Bound") || !pv || !in->pv)
		return xasprintf("PVC %s/%s is not Bound to a PV, so there is no volume to replace; use restore --to "
				 "for a new PVC; nothing was changed",
				 in->ns, in->pvc_name);
	const char *ann = replace_meta(in->pvc, "annotations", REPLACE_ANNOTATION);
	if (ann) {
		struct replace_state old = {0};
		char *why = NULL;
		bool ok = replace_state_parse(ann, &old, &why);
		bool busy =
		    ok && !replace_state_complete(&old) && !strcmp(old.pvc_uid, jstr_or(in->pvc, "metadata.uid", ""));
		char *done = busy ? replace_done_text(&old) : NULL;
		char *r = busy
			      ? xasprintf("a replace of PVC %s/%s from snapshot %s is in progress (done: %s); continue "
					  "it with --resume; nothing was changed",
					  in->ns, in->pvc_name, old.snapshot, done)
			      : NULL;
		free(done);
		replace_state_clear(&old);
		free(why);
		if (r)
			return r;
	}
	strlist_take(&p->checks, xasprintf("PVC %s is Bound to PV %s (reclaim policy %s)", in->pvc_name, pv,
					   jstr_or(in->pv, "spec.persistentVolumeReclaimPolicy", "Delete")));
	return NULL;
}

static char *check_snapshot(const struct replace_input *in, struct replace_plan *p)
{
	const char *name = jstr_or(in->snapshot, "metadata.name", "?");
	char *why = restore_check_snapshot(in->snapshot);
	if (why) {
		char *r = xasprintf("%s; nothing was changed", why);
		free(why);
		return r;
	}
	const char *src = jstr(in->snapshot, "spec.source.persistentVolumeClaimName");
	if (src && strcmp(src, in->pvc_name)) {
		if (!in->force)
			return xasprintf("snapshot %s was taken of PVC %s, not %s; pass --force to restore it into %s "
					 "anyway; nothing was changed",
					 name, src, in->pvc_name, in->pvc_name);
		strlist_take(&p->notes, xasprintf("warning: snapshot %s was taken of PVC %s, not %s (--force)", name,
						  src, in->pvc_name));
	}
	strlist_take(&p->checks, xasprintf("snapshot %s is ready, in namespace %s", name, in->ns));
	const char *driver = jstr(in->content, "spec.driver");
	const char *prov = jstr(in->storage_class, "provisioner");
	const char *sc = jstr_or(in->pvc, "spec.storageClassName", "");
	if (driver && prov && strcmp(driver, prov))
		return xasprintf("StorageClass %s of PVC %s provisions with %s but snapshot %s was cut by %s, and a "
				 "driver only restores its own snapshots; nothing was changed",
				 sc, in->pvc_name, prov, name, driver);
	if (driver && prov)
		strlist_take(&p->checks, xasprintf("driver %s is StorageClass %s's provisioner", driver, sc));
	else
		strlist_take(&p->checks, xasprintf("driver not checked: %s could not be read",
						   driver ? "the StorageClass" : "the snapshot's content"));
	const char *src_mode = jstr(in->content, "spec.sourceVolumeMode");
	const char *mode = jstr_or(in->pvc, "spec.volumeMode", "Filesystem");
	if (src_mode && strcmp(src_mode, mode))
		return xasprintf("snapshot %s holds a %s volume but PVC %s is %s, and the restored PVC would stay "
				 "Pending; nothing was changed",
				 name, src_mode, in->pvc_name, mode);
	strlist_take(&p->checks, xasprintf("volume mode %s%s", mode, src_mode ? " matches the snapshot's" : ""));
	return NULL;
}

/* ---- the new PVC ----------------------------------------------------------- */

/* Annotations the binder and provisioner write: they describe the old
 * binding, and copying them would bind the new PVC to nothing. */
static bool binding_annotation(const char *key)
{
	if (!strcmp(key, "volume.kubernetes.io/selected-node"))
		return false;
	return !strncmp(key, "pv.kubernetes.io/", 17) || !strncmp(key, "volume.kubernetes.io/", 21) ||
	       !strncmp(key, "volume.beta.kubernetes.io/", 26) || !strcmp(key, REPLACE_ANNOTATION);
}

json_object *replace_new_pvc(json_object *pvc, json_object *snapshot, json_object *content, char **why)
{
	*why = NULL;
	int64_t restore = 0, want = 0;
	bool known = restore_size_bytes(snapshot, content, &restore);
	const char *req = jstr(pvc, "spec.resources.requests.storage");
	bool have = req && quantity_parse(req, &want);
	const char *snap_name = jstr_or(snapshot, "metadata.name", "");
	if (!known && !have) {
		*why = xasprintf("the size of snapshot %s is unknown and PVC %s requests none; nothing was changed",
				 snap_name, jstr_or(pvc, "metadata.name", "?"));
		return NULL;
	}
	json_object *n = json_object_new_object();
	jset(n, "apiVersion", json_object_new_string("v1"));
	jset(n, "kind", json_object_new_string("PersistentVolumeClaim"));
	jset(n, "metadata.name", json_object_new_string(jstr_or(pvc, "metadata.name", "")));
	jset(n, "metadata.namespace", json_object_new_string(jstr_or(pvc, "metadata.namespace", "")));
	json_object *labels = json_object_new_object(), *anns = json_object_new_object();
	json_object *old_labels = jget(pvc, "metadata.labels");
	if (json_object_is_type(old_labels, json_type_object)) {
		json_object_object_foreach(old_labels, lk, lv)
		{
			json_object_object_add(labels, lk, json_object_get(lv));
		}
	}
	if (snap_valid_label_value(snap_name))
		json_object_object_add(labels, SNAP_LABEL_RESTORED_FROM, json_object_new_string(snap_name));
	json_object *old_anns = jget(pvc, "metadata.annotations");
	if (json_object_is_type(old_anns, json_type_object)) {
		json_object_object_foreach(old_anns, ak, av)
		{
			if (!binding_annotation(ak))
				json_object_object_add(anns, ak, json_object_get(av));
		}
	}
	jset(n, "metadata.labels", labels);
	jset(n, "metadata.annotations", anns);
	const char *sc = jstr(pvc, "spec.storageClassName");
	if (sc)
		jset(n, "spec.storageClassName", json_object_new_string(sc));
	json_object *modes = jget(pvc, "spec.accessModes");
	jset(n, "spec.accessModes", modes ? json_object_get(modes) : json_object_new_array());
	jset(n, "spec.volumeMode", json_object_new_string(jstr_or(pvc, "spec.volumeMode", "Filesystem")));
	if (have && (!known || want >= restore))
		jset(n, "spec.resources.requests.storage", json_object_new_string(req));
	else {
		char *q = quantity_format(restore);
		jset(n, "spec.resources.requests.storage", json_object_new_string(q));
		free(q);
	}
	restore_set_data_source(n, snap_name);
	return n;
}

/* ---- the plan -------------------------------------------------------------- */

static char *check_size(const struct replace_input *in, struct replace_plan *p, json_object *new_pvc)
{
	int64_t restore = 0, want = 0, old = 0;
	const char *req = jstr(new_pvc, "spec.resources.requests.storage");
	const char *old_req = jstr_or(in->pvc, "spec.resources.requests.storage", "?");
	if (!restore_size_bytes(in->snapshot, in->content, &restore)) {
		strlist_take(&p->checks, xasprintf("size %s (the snapshot's restoreSize is unknown)", req));
		return NULL;
	}
	char *rs = quantity_format(restore);
	if (quantity_parse(req, &want) && want < restore) {
		char *r = xasprintf("size %s is below the snapshot's restoreSize %s; nothing was changed", req, rs);
		free(rs);
		return r;
	}
	if (quantity_parse(old_req, &old) && old < restore)
		strlist_take(&p->notes, xasprintf("the new PVC requests %s, the snapshot's restoreSize, more than the "
						  "old PVC's %s",
						  req, old_req));
	strlist_take(&p->checks, xasprintf("size %s, at least the snapshot's restoreSize %s", req, rs));
	free(rs);
	return NULL;
}

void replace_plan(const struct replace_input *in, struct replace_plan *p)
{
	memset(p, 0, sizeof *p);
	struct replace_state *st = &p->state;
	st->ns = xstrdup(in->ns);
	st->pvc = xstrdup(in->pvc_name);
	st->pvc_uid = xstrdup(jstr_or(in->pvc, "metadata.uid", ""));
	st->snapshot = xstrdup(jstr_or(in->snapshot, "metadata.name", "?"));
	st->pv = xstrdup(jstr_or(in->pvc, "spec.volumeName", ""));
	st->old_reclaim = xstrdup(jstr_or(in->pv, "spec.persistentVolumeReclaimPolicy", "Delete"));
	st->safety = in->no_safety ? NULL : xstrdup(in->safety_name);
	p->binds_on_first_consumer = restore_binds_on_first_consumer(in->storage_class);

	p->refusal = check_pvc(in, p);
	if (!p->refusal)
		p->refusal = check_snapshot(in, p);
	if (!p->refusal)
		st->new_pvc = replace_new_pvc(in->pvc, in->snapshot, in->content, &p->refusal);
	if (!p->refusal)
		p->refusal = check_size(in, p, st->new_pvc);
	if (!p->refusal)
		p->refusal = plan_consumers(in, p);

	st->planned = (1u << REPLACE_RETAIN) | (1u << REPLACE_DELETE) | (1u << REPLACE_CREATE);
	if (!in->no_safety)
		st->planned |= 1u << REPLACE_SAFETY;
	if (st->n_owners || p->waits.n)
		st->planned |= 1u << REPLACE_SCALE_DOWN;
	if (st->n_owners)
		st->planned |= 1u << REPLACE_SCALE_UP;
}

void replace_plan_clear(struct replace_plan *p)
{
	free(p->refusal);
	strlist_clear(&p->checks);
	strlist_clear(&p->notes);
	strlist_clear(&p->waits);
	replace_state_clear(&p->state);
}

/* " Deployment web 3 -> 0, StatefulSet db 1 -> 0", or "... back to 3". */
static void add_owners(struct strbuf *sb, const struct replace_state *st, bool down)
{
	for (size_t i = 0; i < st->n_owners; i++)
		strbuf_addf(sb, "%s %s %s %s%lld%s", i ? "," : "", st->owners[i].kind, st->owners[i].name,
			    down ? "" : "back to ", (long long)st->owners[i].replicas, down ? " -> 0" : "");
}

static void step_text(struct strbuf *sb, const struct replace_state *st, enum replace_step s, bool wffc)
{
	json_object *n = st->new_pvc;
	switch (s) {
	case REPLACE_SAFETY:
		strbuf_addf(
		    sb,
		    "take safety snapshot %s of PVC %s, wait until it is ready, label it " REPLACE_LABEL_PRE_RESTORE
		    "=%s and pin it (" REPLACE_LABEL_KEEP "=true)",
		    st->safety, st->pvc, st->pvc);
		break;
	case REPLACE_RETAIN:
		strbuf_addf(sb, "set PV %s's reclaim policy %s -> Retain (the old one is recorded)", st->pv,
			    st->old_reclaim);
		break;
	case REPLACE_SCALE_DOWN:
		strbuf_addstr(sb, "record replicas on the PVC, scale");
		add_owners(sb, st, true);
		strbuf_addstr(sb, st->n_owners ? "," : " nothing,");
		strbuf_addstr(sb, " wait until no pod mounts the PVC (pods are never force-deleted)");
		break;
	case REPLACE_DELETE:
		strbuf_addf(sb,
			    "wait until PV %s's VolumeAttachments are gone (where readable), delete PVC %s and wait "
			    "until it is gone (its data stays on PV %s)",
			    st->pv, st->pvc, st->pv);
		break;
	case REPLACE_CREATE:
		strbuf_addf(sb, "create PVC %s from snapshot %s (class %s, %s, %s), then %s", st->pvc, st->snapshot,
			    jstr_or(n, "spec.storageClassName", "default"),
			    jstr_or(n, "spec.resources.requests.storage", "?"),
			    jstr_or(n, "spec.volumeMode", "Filesystem"),
			    wffc ? "leave it Pending: its class binds on first consumer" : "wait until it is Bound");
		break;
	case REPLACE_SCALE_UP:
		strbuf_addstr(sb, "scale");
		add_owners(sb, st, false);
		break;
	default:
		break;
	}
}

char *replace_steps_text(const struct replace_state *st, bool binds_on_first_consumer)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	for (int i = 0; i < REPLACE_NSTEPS; i++) {
		if (!(st->planned & (1u << i)))
			continue;
		strbuf_addf(&sb, "  %d. %s%s: ", ++n, step_names[i], st->done & (1u << i) ? " (done)" : "");
		step_text(&sb, st, (enum replace_step)i, binds_on_first_consumer);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb);
}
