#include "replace/run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "replace/plan.h"
#include "snap/snap.h"
#include "snap/wait.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

/* Resources only this room reads. */
static const struct kube_resource R_PODS = {"", "v1", "pods", "Pod", true};
static const struct kube_resource R_REPLICASETS = {"apps", "v1", "replicasets", "ReplicaSet", true};
static const struct kube_resource R_STATEFULSETS = {"apps", "v1", "statefulsets", "StatefulSet", true};
static const struct kube_resource R_VOLUMEATTACHMENTS = {"storage.k8s.io", "v1", "volumeattachments",
							 "VolumeAttachment", false};

struct run {
	struct cmd_ctx *ctx;
	struct kube_client *c;
	const struct replace_opts *o;
	struct snap_api api;
	json_object *snap, *content, *pvc, *pv, *sc, *pods, *owners; /* owned */
	struct replace_state st;
	bool wffc;
	char *cur_pvc_uid; /* the PVC the state is also recorded on: the old one, then the new one */
	char *resume_cmd;
};

static const struct kube_resource *owner_resource(const char *kind)
{
	if (!strcmp(kind, "Deployment"))
		return &KUBE_DEPLOYMENTS;
	if (!strcmp(kind, "StatefulSet"))
		return &R_STATEFULSETS;
	if (!strcmp(kind, "ReplicaSet"))
		return &R_REPLICASETS;
	return NULL;
}

/* ---- reading ---------------------------------------------------------------- */

static int get_opt(struct run *r, char *path, const char *what, bool allow_forbidden, json_object **obj)
{
	int rc = cmd_get_optional(r->ctx, r->c, path, what, allow_forbidden, obj, NULL);
	free(path);
	return rc;
}

static int read_snapshot(struct run *r)
{
	char *what = xasprintf("snapshot %s/%s", r->o->ns, r->o->snapshot);
	int rc = get_opt(r, kube_path(&r->api.snapshots, r->o->ns, r->o->snapshot, NULL), what, false, &r->snap);
	if (!rc && !r->snap)
		rc = cmd_fail(r->ctx, EXIT_FAILED, "kubectl volsnap list shows the snapshots",
			      "%s not found; nothing was changed", what);
	free(what);
	return rc;
}

static int read_pvc(struct run *r)
{
	char *what = xasprintf("PVC %s/%s", r->o->ns, r->o->pvc);
	int rc = get_opt(r, kube_path(&KUBE_PVCS, r->o->ns, r->o->pvc, NULL), what, false, &r->pvc);
	free(what);
	return rc;
}

/* The owners the consumer pods name: their ReplicaSets (and those
 * ReplicaSets' Deployments) and StatefulSets. An owner that cannot be read
 * is left out; the plan refuses then. */
static void read_owner(struct run *r, const struct kube_resource *res, const char *name, struct strlist *seen)
{
	char *key = xasprintf("%s/%s", res->kind, name);
	if (strlist_contains(seen, key)) {
		free(key);
		return;
	}
	strlist_take(seen, key);
	struct kube_error err = {0};
	json_object *o = NULL;
	char *path = kube_path(res, r->o->ns, name, NULL);
	if (kube_get(r->c, path, &o, &err) == 0) {
		/* Items of a GET carry kind, but be sure: the plan matches on it. */
		jset(o, "kind", json_object_new_string(res->kind));
		json_object_array_add(r->owners, o);
		json_object *up = replace_controller_ref(o);
		if (res == &R_REPLICASETS && up && !strcmp(jstr_or(up, "kind", ""), "Deployment"))
			read_owner(r, &KUBE_DEPLOYMENTS, jstr_or(up, "name", ""), seen);
	}
	kube_error_clear(&err);
	free(path);
}

static int read_consumers(struct run *r)
{
	struct kube_error err = {0};
	char *path = kube_path(&R_PODS, r->o->ns, NULL, NULL);
	int rc = kube_list_all(r->c, path, NULL, &r->pods, &err);
	free(path);
	if (rc < 0)
		return cmd_fail_kube(r->ctx, &err,
				     "listing the pods of namespace %s (needed to know who mounts the PVC; "
				     "nothing was changed)",
				     r->o->ns);
	r->owners = json_object_new_array();
	struct strlist seen = STRLIST_INIT;
	for (size_t i = 0; i < json_object_array_length(r->pods); i++) {
		json_object *pod = json_object_array_get_idx(r->pods, i);
		json_object *ref = replace_controller_ref(pod);
		if (!ref || !replace_pod_uses(pod, r->o->pvc))
			continue;
		const struct kube_resource *res = owner_resource(jstr_or(ref, "kind", ""));
		if (res)
			read_owner(r, res, jstr_or(ref, "name", ""), &seen);
	}
	strlist_clear(&seen);
	return EXIT_OK;
}

/* ---- recording -------------------------------------------------------------- */

static bool test_stop_after(enum replace_step s)
{
	const char *want = getenv("VOLSNAP_TEST_STOP_AFTER");
	return want && !strcmp(want, replace_step_name(s));
}

/* Where the PVC's data is now, for every message that stops the run. */
static char *old_data_text(const struct run *r)
{
	struct strbuf sb = STRBUF_INIT;
	const struct replace_state *st = &r->st;
	if (st->safety && (st->done & (1u << REPLACE_SAFETY)))
		strbuf_addf(&sb, "safety snapshot %s/%s and ", st->ns, st->safety);
	if (st->done & (1u << REPLACE_RETAIN))
		strbuf_addf(&sb, "PV %s (reclaim policy Retain)", st->pv);
	else
		strbuf_addf(&sb, "PVC %s and its PV %s, unchanged", st->pvc, st->pv);
	return strbuf_detach(&sb);
}

/* Turns the error a step recorded into the run's: what failed, the step it
 * stopped at, where the old data is, and the command that continues. */
static int stopped(struct run *r, enum replace_step at)
{
	char *cause = r->ctx->error ? r->ctx->error : xstrdup("interrupted");
	r->ctx->error = NULL;
	char *done = replace_done_text(&r->st), *data = old_data_text(r);
	char *where =
	    at == REPLACE_NSTEPS ? xstrdup("with every step done") : xasprintf("before step %s", replace_step_name(at));
	int rc = cmd_fail(r->ctx, EXIT_FAILED, r->resume_cmd,
			  "%s; the replace stopped %s (done: %s); the old data is in %s", cause, where, done, data);
	free(where);
	free(cause);
	free(done);
	free(data);
	return rc;
}

static int patch(struct run *r, const struct kube_resource *res, const char *ns, const char *name, json_object *p,
		 struct kube_error *err)
{
	char *path = kube_path(res, ns, name, NULL);
	int rc = kube_patch(r->c, path, KUBE_PATCH_MERGE, p, 0, NULL, err);
	free(path);
	json_object_put(p);
	return rc;
}

/* Writes the state onto the old PV (with its claim label, and Retain when
 * asked: one write, so the policy never changes unrecorded) and onto the
 * current PVC when it is there. */
static int record(struct run *r, bool retain)
{
	struct kube_error err = {0};
	char *text = replace_state_format(&r->st);
	json_object *p = json_object_new_object();
	replace_meta_set(p, "annotations", REPLACE_ANNOTATION, json_object_new_string(text));
	if (snap_valid_label_value(r->st.pvc))
		replace_meta_set(p, "labels", REPLACE_LABEL_PV, json_object_new_string(r->st.pvc));
	if (retain)
		jset(p, "spec.persistentVolumeReclaimPolicy", json_object_new_string("Retain"));
	int rc = EXIT_OK;
	if (patch(r, &KUBE_PVS, NULL, r->st.pv, p, &err) < 0)
		rc = cmd_fail_kube(r->ctx, &err, "recording the replace's progress on PV %s", r->st.pv);
	json_object *pvc = NULL;
	char *path = kube_path(&KUBE_PVCS, r->st.ns, r->st.pvc, NULL);
	if (!rc && r->cur_pvc_uid && kube_get(r->c, path, &pvc, &err) == 0 &&
	    !strcmp(jstr_or(pvc, "metadata.uid", ""), r->cur_pvc_uid)) {
		p = json_object_new_object();
		replace_meta_set(p, "annotations", REPLACE_ANNOTATION, json_object_new_string(text));
		if (patch(r, &KUBE_PVCS, r->st.ns, r->st.pvc, p, &err) < 0 && !kube_error_is_not_found(&err))
			rc = cmd_fail_kube(r->ctx, &err, "recording the replace's progress on PVC %s/%s", r->st.ns,
					   r->st.pvc);
	}
	kube_error_clear(&err);
	json_object_put(pvc);
	free(path);
	free(text);
	return rc;
}

static int mark_done(struct run *r, enum replace_step s)
{
	r->st.done |= 1u << s;
	int rc = record(r, s == REPLACE_RETAIN);
	if (rc) {
		r->st.done &= ~(1u << s);
		return rc;
	}
	fprintf(stderr, "step %s: done\n", replace_step_name(s));
	if (test_stop_after(s))
		return cmd_fail(r->ctx, EXIT_FAILED, NULL, "stopped after step %s as VOLSNAP_TEST_STOP_AFTER asks",
				replace_step_name(s));
	return EXIT_OK;
}

/* ---- waiting until objects are gone ---------------------------------------- */

typedef bool (*match_fn)(json_object *obj, const void *ud);

struct gone {
	match_fn match;
	const void *ud;
	json_object *present; /* name -> true, for the matching objects still there */
};

static int gone_item(json_object *item, void *ud)
{
	struct gone *g = ud;
	if (g->match(item, g->ud))
		json_object_object_add(g->present, jstr_or(item, "metadata.name", ""), json_object_new_boolean(1));
	return 0;
}

static int gone_event(const char *type, json_object *obj, void *ud)
{
	struct gone *g = ud;
	const char *name = jstr_or(obj, "metadata.name", "");
	if (!strcmp(type, "DELETED") || !g->match(obj, g->ud))
		json_object_object_del(g->present, name);
	else
		json_object_object_add(g->present, name, json_object_new_boolean(1));
	return json_object_object_length(g->present) == 0 ? 1 : 0;
}

/* Lists, then watches from the list's resourceVersion until nothing in the
 * collection matches. 0 when gone; -1 with err (KUBE_ERR_TIMEOUT after
 * timeout_ms). *left names what is still there (caller frees). */
static int wait_gone(struct run *r, const char *path, const char *field_selector, match_fn match, const void *ud,
		     char **left, struct kube_error *err)
{
	struct gone g = {.match = match, .ud = ud, .present = json_object_new_object()};
	char *rv = NULL;
	struct kube_list_opts lo = {.field_selector = field_selector};
	int rc = kube_list_each(r->c, path, &lo, gone_item, &g, &rv, err);
	if (rc == 0 && json_object_object_length(g.present) > 0) {
		struct kube_watch_opts wo = {
		    .field_selector = field_selector, .resource_version = rv, .timeout_ms = (long)r->o->timeout_ms};
		rc = kube_watch(r->c, path, &wo, gone_event, &g, err);
		if (rc == 0 && json_object_object_length(g.present) > 0) {
			kube_error_set(err, KUBE_ERR_TIMEOUT, 0, NULL, NULL, "still there");
			rc = -1;
		}
	}
	struct strbuf sb = STRBUF_INIT;
	json_object_object_foreach(g.present, k, v)
	{
		(void)v;
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", k);
	}
	*left = strbuf_detach(&sb);
	json_object_put(g.present);
	free(rv);
	return rc;
}

static bool pod_uses(json_object *pod, const void *claim)
{
	return replace_pod_uses(pod, claim);
}

static bool attaches(json_object *va, const void *pv)
{
	const char *name = jstr(va, "spec.source.persistentVolumeName");
	return name && !strcmp(name, pv);
}

static bool same_uid(json_object *obj, const void *uid)
{
	return !strcmp(jstr_or(obj, "metadata.uid", ""), uid);
}

static int timed_out(struct run *r, struct kube_error *err, const char *what, const char *left)
{
	if (err->kind != KUBE_ERR_TIMEOUT)
		return cmd_fail_kube(r->ctx, err, "waiting for %s to be gone", what);
	kube_error_clear(err);
	return cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s still there after --timeout: %s", what, left);
}

/* ---- the steps --------------------------------------------------------------- */

static int step_safety(struct run *r)
{
	struct replace_state *st = &r->st;
	json_object *snap = NULL;
	char *what = xasprintf("safety snapshot %s/%s", st->ns, st->safety);
	int rc = get_opt(r, kube_path(&r->api.snapshots, st->ns, st->safety, NULL), what, false, &snap);
	if (!rc && snap &&
	    (!replace_meta(snap, "labels", REPLACE_LABEL_PRE_RESTORE) ||
	     strcmp(replace_meta(snap, "labels", REPLACE_LABEL_PRE_RESTORE), st->pvc)))
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s exists and is not the pre-restore snapshot of PVC %s",
			      what, st->pvc);
	if (!rc && !snap) {
		struct strlist labels = STRLIST_INIT;
		strlist_push(&labels, REPLACE_LABEL_KEEP "=true");
		if (snap_valid_label_value(st->pvc))
			strlist_take(&labels, xasprintf(REPLACE_LABEL_PRE_RESTORE "=%s", st->pvc));
		json_object *m = snap_manifest(&r->api, st->ns, st->safety, st->pvc,
					       jstr(r->snap, "spec.volumeSnapshotClassName"), &labels);
		struct kube_error err = {0};
		char *path = kube_path(&r->api.snapshots, st->ns, NULL, NULL);
		if (kube_create_once(r->c, path, m, 0, NULL, &err) < 0)
			rc = cmd_fail_kube(r->ctx, &err, "creating %s", what);
		else
			fprintf(stderr, "%s created, waiting until it is ready\n", what);
		free(path);
		json_object_put(m);
		strlist_clear(&labels);
	}
	if (!rc) {
		struct kube_error err = {0};
		char *why = NULL;
		enum wait_outcome out = wait_for(r->c, &r->api.snapshots, st->ns, st->safety, wait_check_snapshot_ready,
						 r->o->timeout_ms, r->ctx->stderr_tty, what, NULL, &why, &err);
		if (out == WAIT_ERROR)
			rc = cmd_fail_kube(r->ctx, &err, "waiting for %s", what);
		else if (out == WAIT_FAILED)
			rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s failed: %s", what, why);
		else if (out == WAIT_DELETED)
			rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s was deleted while waiting for it", what);
		else if (out == WAIT_TIMEOUT)
			rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s is not ready after --timeout", what);
		free(why);
	}
	json_object_put(snap);
	free(what);
	return rc;
}

static int scale(struct run *r, const struct replace_owner *w, int64_t replicas)
{
	const struct kube_resource *res = owner_resource(w->kind);
	struct kube_error err = {0};
	if (!res)
		return cmd_fail(r->ctx, EXIT_FAILED, NULL, "cannot scale a %s", w->kind);
	json_object *p = json_object_new_object();
	jset(p, "spec.replicas", json_object_new_int64(replicas));
	if (patch(r, res, r->st.ns, w->name, p, &err) == 0) {
		fprintf(stderr, "%s %s scaled to %lld\n", w->kind, w->name, (long long)replicas);
		return EXIT_OK;
	}
	if (kube_error_is_not_found(&err)) {
		fprintf(stderr, "warning: %s %s is gone: not scaled to %lld\n", w->kind, w->name, (long long)replicas);
		kube_error_clear(&err);
		return EXIT_OK;
	}
	return cmd_fail_kube(r->ctx, &err, "scaling %s %s to %lld", w->kind, w->name, (long long)replicas);
}

static int step_scale_down(struct run *r)
{
	for (size_t i = 0; i < r->st.n_owners; i++) {
		int rc = scale(r, &r->st.owners[i], 0);
		if (rc)
			return rc;
	}
	struct kube_error err = {0};
	char *left = NULL, *path = kube_path(&R_PODS, r->st.ns, NULL, NULL);
	fprintf(stderr, "waiting until no pod mounts PVC %s/%s\n", r->st.ns, r->st.pvc);
	int rc = wait_gone(r, path, NULL, pod_uses, r->st.pvc, &left, &err) == 0
		     ? EXIT_OK
		     : timed_out(r, &err, "pods mounting the PVC", left);
	free(left);
	free(path);
	return rc;
}

/* Where readable: a user without cluster-wide reads, or a cluster without the
 * API, is told and the wait skipped (the PVC's own deletion still waits for
 * the pvc-protection finalizer). */
static int wait_detached(struct run *r)
{
	struct kube_error err = {0};
	char *left = NULL, *path = kube_path(&R_VOLUMEATTACHMENTS, NULL, NULL, NULL);
	char *what = xasprintf("VolumeAttachments of PV %s", r->st.pv);
	int rc = EXIT_OK;
	fprintf(stderr, "waiting until PV %s is detached\n", r->st.pv);
	if (wait_gone(r, path, NULL, attaches, r->st.pv, &left, &err) < 0) {
		if (kube_error_is_forbidden(&err) || err.kind == KUBE_ERR_NOT_INSTALLED || err.http_code == 404) {
			fprintf(stderr, "note: VolumeAttachments cannot be read (%s): not waited for\n",
				err.message ? err.message : "forbidden");
			kube_error_clear(&err);
		} else {
			rc = timed_out(r, &err, what, left);
		}
	}
	free(what);
	free(left);
	free(path);
	return rc;
}

/* Is pvc the one this replace created (from the snapshot, carrying the state)? */
static bool is_new_pvc(const struct run *r, json_object *pvc)
{
	const char *ann = replace_meta(pvc, "annotations", REPLACE_ANNOTATION);
	struct replace_state s = {0};
	char *why = NULL;
	bool ours = ann && replace_state_parse(ann, &s, &why) && !strcmp(s.pvc_uid, r->st.pvc_uid) &&
		    !strcmp(jstr_or(pvc, "spec.dataSource.name", ""), r->st.snapshot);
	replace_state_clear(&s);
	free(why);
	return ours;
}

static int foreign_pvc(struct run *r, json_object *pvc)
{
	return cmd_fail(r->ctx, EXIT_FAILED, NULL,
			"PVC %s/%s (uid %s) was created by something else, not from snapshot %s (a StatefulSet scaling "
			"up?); stop it, delete that PVC if it holds nothing you need, then resume",
			r->st.ns, r->st.pvc, jstr_or(pvc, "metadata.uid", "?"), r->st.snapshot);
}

static int step_delete(struct run *r)
{
	int rc = wait_detached(r);
	json_object *pvc = NULL;
	char *what = xasprintf("PVC %s/%s", r->st.ns, r->st.pvc);
	if (!rc)
		rc = get_opt(r, kube_path(&KUBE_PVCS, r->st.ns, r->st.pvc, NULL), what, false, &pvc);
	if (rc || !pvc)
		goto out;
	if (!same_uid(pvc, r->st.pvc_uid)) {
		rc = is_new_pvc(r, pvc) ? EXIT_OK : foreign_pvc(r, pvc);
		goto out;
	}
	struct kube_error err = {0};
	if (!jstr(pvc, "metadata.deletionTimestamp")) {
		struct kube_delete_opts d = {.uid = r->st.pvc_uid};
		char *path = kube_path(&KUBE_PVCS, r->st.ns, r->st.pvc, NULL);
		int drc = kube_delete(r->c, path, &d, NULL, &err);
		free(path);
		if (drc < 0 && !kube_error_is_not_found(&err)) {
			rc = cmd_fail_kube(r->ctx, &err, "deleting %s", what);
			goto out;
		}
		kube_error_clear(&err);
	}
	fprintf(stderr, "%s deleted, waiting until it is gone\n", what);
	char *left = NULL, *path = kube_path(&KUBE_PVCS, r->st.ns, NULL, NULL);
	char *sel = xasprintf("metadata.name=%s", r->st.pvc);
	if (wait_gone(r, path, sel, same_uid, r->st.pvc_uid, &left, &err) < 0)
		rc = timed_out(r, &err, what, "a pod still mounts it (pvc-protection)");
	free(left);
	free(sel);
	free(path);
out:
	json_object_put(pvc);
	free(what);
	return rc;
}

static int wait_new_bound(struct run *r, const char *what)
{
	if (r->wffc) {
		fprintf(stderr,
			"%s will be bound when a pod uses it: its StorageClass binds on first consumer "
			"(volumeBindingMode WaitForFirstConsumer)\n",
			what);
		return EXIT_OK;
	}
	struct kube_error err = {0};
	char *why = NULL;
	enum wait_outcome out = wait_for(r->c, &KUBE_PVCS, r->st.ns, r->st.pvc, wait_check_pvc_bound, r->o->timeout_ms,
					 r->ctx->stderr_tty, what, NULL, &why, &err);
	int rc = EXIT_OK;
	if (out == WAIT_ERROR)
		rc = cmd_fail_kube(r->ctx, &err, "waiting for %s", what);
	else if (out == WAIT_FAILED)
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s", why);
	else if (out == WAIT_DELETED)
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s was deleted while waiting for it to be bound", what);
	else if (out == WAIT_TIMEOUT)
		rc = cmd_fail(r->ctx, EXIT_FAILED, "kubectl describe pvc shows why", "%s is not Bound after --timeout",
			      what);
	free(why);
	return rc;
}

static int step_create(struct run *r)
{
	json_object *pvc = NULL;
	char *what = xasprintf("PVC %s/%s", r->st.ns, r->st.pvc);
	int rc = get_opt(r, kube_path(&KUBE_PVCS, r->st.ns, r->st.pvc, NULL), what, false, &pvc);
	if (!rc && pvc && !is_new_pvc(r, pvc))
		rc = foreign_pvc(r, pvc);
	if (!rc && !pvc) {
		json_object *m = NULL;
		char *text = replace_state_format(&r->st);
		json_object_deep_copy(r->st.new_pvc, &m, NULL);
		replace_meta_set(m, "annotations", REPLACE_ANNOTATION, json_object_new_string(text));
		free(text);
		struct kube_error err = {0};
		char *path = kube_path(&KUBE_PVCS, r->st.ns, NULL, NULL);
		if (kube_create_once(r->c, path, m, 0, &pvc, &err) < 0)
			rc = cmd_fail_kube(r->ctx, &err, "creating %s from snapshot %s", what, r->st.snapshot);
		else
			fprintf(stderr, "%s created from snapshot %s\n", what, r->st.snapshot);
		free(path);
		json_object_put(m);
	}
	if (!rc) {
		free(r->cur_pvc_uid);
		r->cur_pvc_uid = xstrdup(jstr_or(pvc, "metadata.uid", ""));
		rc = wait_new_bound(r, what);
	}
	json_object_put(pvc);
	free(what);
	return rc;
}

static int step_scale_up(struct run *r)
{
	for (size_t i = 0; i < r->st.n_owners; i++) {
		int rc = scale(r, &r->st.owners[i], r->st.owners[i].replicas);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

static int do_step(struct run *r, enum replace_step s)
{
	switch (s) {
	case REPLACE_SAFETY:
		return step_safety(r);
	case REPLACE_RETAIN:
		return EXIT_OK; /* the reclaim policy goes with the record itself */
	case REPLACE_SCALE_DOWN:
		return step_scale_down(r);
	case REPLACE_DELETE:
		return step_delete(r);
	case REPLACE_CREATE:
		return step_create(r);
	case REPLACE_SCALE_UP:
		return step_scale_up(r);
	default:
		return EXIT_OK;
	}
}

/* ---- Ctrl-C ---------------------------------------------------------------- */

static char *interrupt_msg;

static void on_interrupt(int sig)
{
	(void)sig;
	if (interrupt_msg) {
		ssize_t n = write(STDERR_FILENO, interrupt_msg, strlen(interrupt_msg));
		(void)n;
	}
	_exit(130);
}

static void catch_interrupts(struct run *r)
{
	free(interrupt_msg);
	interrupt_msg = xasprintf("\ninterrupted: the replace of PVC %s/%s is recorded on PV %s; the steps done so "
				  "far stay done; %s\n",
				  r->st.ns, r->st.pvc, r->st.pv, r->resume_cmd);
	struct sigaction sa = {.sa_handler = on_interrupt};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void release_interrupts(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	free(interrupt_msg);
	interrupt_msg = NULL;
}

/* ---- the run ----------------------------------------------------------------- */

static void print_done(struct run *r)
{
	const struct replace_state *st = &r->st;
	printf("PVC %s/%s now holds the data of snapshot %s\n", st->ns, st->pvc, st->snapshot);
	if (st->safety)
		printf("safety snapshot: %s/%s (pinned: " REPLACE_LABEL_KEEP "=true)\n", st->ns, st->safety);
	printf("old volume: PV %s, kept with reclaim policy Retain (it was %s); the plugin never deletes it.\n", st->pv,
	       st->old_reclaim);
	if (!strcmp(st->old_reclaim, "Delete"))
		printf("once you are satisfied, this deletes it and its storage:\n"
		       "  kubectl patch pv %s -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Delete\"}}'\n",
		       st->pv);
	else
		printf("once you are satisfied, this deletes it (its storage stays, as its policy %s says):\n"
		       "  kubectl delete pv %s\n",
		       st->old_reclaim, st->pv);
}

static int execute(struct run *r)
{
	catch_interrupts(r);
	int rc = EXIT_OK;
	for (enum replace_step s = replace_next_step(&r->st); s != REPLACE_NSTEPS; s = replace_next_step(&r->st)) {
		fprintf(stderr, "step %s ...\n", replace_step_name(s));
		rc = do_step(r, s);
		if (!rc)
			rc = mark_done(r, s);
		if (rc) {
			rc = stopped(r, replace_next_step(&r->st));
			break;
		}
	}
	release_interrupts();
	if (!rc)
		print_done(r);
	return rc;
}

static void print_plan(struct run *r, const struct replace_plan *p)
{
	printf("Restore snapshot %s into PVC %s/%s in place\n", r->st.snapshot, r->st.ns, r->st.pvc);
	printf("Checks:\n");
	for (size_t i = 0; i < p->checks.n; i++)
		printf("  %s\n", p->checks.items[i]);
	printf("Consumers:\n");
	for (size_t i = 0; i < p->notes.n; i++)
		printf("  %s\n", p->notes.items[i]);
	for (size_t i = 0; i < p->waits.n; i++)
		printf("  waited for until gone (--force): %s\n", p->waits.items[i]);
	char *steps = replace_steps_text(&r->st, r->wffc);
	printf("Steps:\n%s", steps);
	free(steps);
	fflush(stdout);
}

static int confirm(struct run *r, const char *verb)
{
	if (r->o->yes)
		return EXIT_OK;
	char *q = xasprintf("%s the replace of PVC %s/%s?", verb, r->st.ns, r->st.pvc);
	bool ok = cmd_confirm(r->ctx, q);
	free(q);
	return ok ? EXIT_OK : cmd_fail(r->ctx, EXIT_FAILED, NULL, "not confirmed: nothing was changed");
}

static int read_class(struct run *r, const char *name)
{
	if (!name)
		return EXIT_OK;
	char *what = xasprintf("StorageClass %s", name);
	int rc = get_opt(r, kube_path(&KUBE_STORAGECLASSES, NULL, name, NULL), what, true, &r->sc);
	free(what);
	return rc;
}

/* A PV recording an unfinished replace of this PVC (found by its label when
 * the PVC is gone). *st filled when found. */
static int find_state_pv(struct run *r, struct replace_state *st, bool *found)
{
	struct kube_error err = {0};
	json_object *pvs = NULL;
	*found = false;
	char *sel = xasprintf(REPLACE_LABEL_PV "=%s", r->o->pvc);
	char *path = kube_path(&KUBE_PVS, NULL, NULL, NULL);
	struct kube_list_opts lo = {.label_selector = sel};
	int rc = kube_list_all(r->c, path, &lo, &pvs, &err) < 0
		     ? cmd_fail_kube(r->ctx, &err, "listing the PVs that record a replace of PVC %s", r->o->pvc)
		     : EXIT_OK;
	for (size_t i = 0; !rc && i < json_object_array_length(pvs); i++) {
		struct replace_state s = {0};
		char *why = NULL;
		const char *ann = replace_meta(json_object_array_get_idx(pvs, i), "annotations", REPLACE_ANNOTATION);
		if (ann && replace_state_parse(ann, &s, &why) && !strcmp(s.ns, r->o->ns) && !strcmp(s.pvc, r->o->pvc) &&
		    !replace_state_complete(&s)) {
			if (*found)
				rc =
				    cmd_fail(r->ctx, EXIT_FAILED, NULL,
					     "PVs %s and %s both record an unfinished replace of PVC %s/%s; remove the "
					     "annotation " REPLACE_ANNOTATION " from the one that is not current",
					     st->pv, s.pv, r->o->ns, r->o->pvc);
			else
				*st = s, memset(&s, 0, sizeof s), *found = true;
		}
		replace_state_clear(&s);
		free(why);
	}
	json_object_put(pvs);
	free(path);
	free(sel);
	return rc;
}

static unsigned popcount(unsigned v)
{
	unsigned n = 0;
	for (; v; v &= v - 1)
		n++;
	return n;
}

static int load_state(struct run *r)
{
	struct replace_state from_pvc = {0}, from_pv = {0};
	char *why = NULL;
	bool found = false;
	int rc = read_pvc(r);
	const char *ann = replace_meta(r->pvc, "annotations", REPLACE_ANNOTATION);
	if (!rc && ann && !replace_state_parse(ann, &from_pvc, &why))
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "PVC %s/%s: %s", r->o->ns, r->o->pvc, why);
	if (!rc)
		rc = find_state_pv(r, &from_pv, &found);
	if (rc)
		goto out;
	if (!ann && !found) {
		rc = cmd_fail(r->ctx, EXIT_FAILED, "run it without --resume",
			      "nothing to resume: no replace of PVC %s/%s is recorded", r->o->ns, r->o->pvc);
		goto out;
	}
	/* The PV's record is written first; the PVC's may be one step behind,
	 * or the only one when the run stopped before its first step. */
	bool take_pv = found && (!ann || popcount(from_pv.done) >= popcount(from_pvc.done));
	r->st = take_pv ? from_pv : from_pvc;
	memset(take_pv ? &from_pv : &from_pvc, 0, sizeof(struct replace_state));
	if (strcmp(r->st.snapshot, r->o->snapshot)) {
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL,
			      "the replace of PVC %s/%s in progress restores snapshot %s, not %s; resume it with "
			      "kubectl volsnap restore %s --replace %s -n %s --resume",
			      r->o->ns, r->o->pvc, r->st.snapshot, r->o->snapshot, r->st.snapshot, r->o->pvc, r->o->ns);
		goto out;
	}
	/* The PVC the record is also kept on: the old one until deleted, then the new one. */
	if (r->pvc && (same_uid(r->pvc, r->st.pvc_uid) || is_new_pvc(r, r->pvc)))
		r->cur_pvc_uid = xstrdup(jstr_or(r->pvc, "metadata.uid", ""));
	rc = read_class(r, jstr(r->st.new_pvc, "spec.storageClassName"));
	r->wffc = !rc && r->sc && !strcmp(jstr_or(r->sc, "volumeBindingMode", ""), "WaitForFirstConsumer");
out:
	replace_state_clear(&from_pvc);
	replace_state_clear(&from_pv);
	free(why);
	return rc;
}

static int resume(struct run *r)
{
	int rc = load_state(r);
	if (rc)
		return rc;
	char *done = replace_done_text(&r->st), *steps = replace_steps_text(&r->st, r->wffc);
	if (replace_state_complete(&r->st)) {
		printf("the replace of PVC %s/%s from snapshot %s is complete; nothing to resume\n", r->st.ns,
		       r->st.pvc, r->st.snapshot);
	} else {
		printf("Resume the replace of PVC %s/%s from snapshot %s at step %s (done: %s)\nSteps:\n%s", r->st.ns,
		       r->st.pvc, r->st.snapshot, replace_step_name(replace_next_step(&r->st)), done, steps);
		fflush(stdout);
	}
	free(done);
	free(steps);
	if (replace_state_complete(&r->st))
		return EXIT_OK;
	if (r->o->dry_run)
		return EXIT_OK;
	rc = confirm(r, "Resume");
	return rc ? rc : execute(r);
}

static int read_for_plan(struct run *r)
{
	int rc = read_pvc(r);
	if (!rc && !r->pvc) {
		struct replace_state s = {0};
		bool found = false;
		rc = find_state_pv(r, &s, &found);
		char *done = found ? replace_done_text(&s) : NULL;
		if (!rc && found)
			rc = cmd_fail(r->ctx, EXIT_FAILED, NULL,
				      "PVC %s/%s is gone: a replace of it from snapshot %s is in progress (done: %s); "
				      "continue it with kubectl volsnap restore %s --replace %s -n %s --resume",
				      r->o->ns, r->o->pvc, s.snapshot, done, s.snapshot, r->o->pvc, r->o->ns);
		else if (!rc)
			rc = cmd_fail(r->ctx, EXIT_FAILED, "use restore --to for a new PVC",
				      "PVC %s/%s not found; nothing was changed", r->o->ns, r->o->pvc);
		free(done);
		replace_state_clear(&s);
	}
	const char *pv = jstr(r->pvc, "spec.volumeName");
	if (!rc && pv) {
		char *what = xasprintf("PV %s", pv);
		rc = get_opt(r, kube_path(&KUBE_PVS, NULL, pv, NULL), what, false, &r->pv);
		free(what);
	}
	const char *cname = jstr(r->snap, "status.boundVolumeSnapshotContentName");
	if (!rc && cname) {
		char *what = xasprintf("VolumeSnapshotContent %s", cname);
		rc = get_opt(r, kube_path(&r->api.contents, NULL, cname, NULL), what, true, &r->content);
		free(what);
	}
	if (!rc)
		rc = read_class(r, jstr(r->pvc, "spec.storageClassName"));
	if (!rc)
		rc = read_consumers(r);
	return rc;
}

static int start(struct run *r)
{
	int rc = read_for_plan(r);
	if (rc)
		return rc;
	char *base = xasprintf("%s-pre-restore", r->o->pvc);
	char *safety = snap_default_name(base, time(NULL));
	struct replace_input in = {
	    .ns = r->o->ns,
	    .pvc_name = r->o->pvc,
	    .snapshot = r->snap,
	    .content = r->content,
	    .pvc = r->pvc,
	    .pv = r->pv,
	    .storage_class = r->sc,
	    .pods = r->pods,
	    .owners = r->owners,
	    .scale_down = r->o->scale_down,
	    .force = r->o->force,
	    .no_safety = r->o->no_safety,
	    .safety_name = safety,
	};
	struct replace_plan p;
	replace_plan(&in, &p);
	free(base);
	free(safety);
	r->st = p.state;
	memset(&p.state, 0, sizeof p.state);
	r->wffc = p.binds_on_first_consumer;
	if (p.refusal) {
		rc = cmd_fail(r->ctx, EXIT_FAILED, NULL, "%s", p.refusal);
	} else {
		print_plan(r, &p);
		if (r->o->dry_run)
			fprintf(stderr, "dry run: nothing was changed\n");
		else
			rc = confirm(r, "Start");
	}
	replace_plan_clear(&p);
	if (rc || r->o->dry_run)
		return rc;
	r->cur_pvc_uid = xstrdup(r->st.pvc_uid);
	/* The record exists before anything changes, so a run stopped at its
	 * first step still resumes. */
	rc = record(r, false);
	return rc ? rc : execute(r);
}

int replace_run(struct cmd_ctx *ctx, struct kube_client *c, const struct replace_opts *o)
{
	struct run r = {.ctx = ctx, .c = c, .o = o};
	struct kube_error err = {0};
	r.resume_cmd = xasprintf("continue with: kubectl volsnap restore %s --replace %s -n %s --resume", o->snapshot,
				 o->pvc, o->ns);
	int rc = snap_api_discover(c, &r.api, &err) < 0 ? cmd_fail_kube(ctx, &err, NULL) : EXIT_OK;
	if (!rc)
		rc = read_snapshot(&r);
	if (!rc)
		rc = o->resume ? resume(&r) : start(&r);
	snap_api_clear(&r.api);
	json_object_put(r.snap);
	json_object_put(r.content);
	json_object_put(r.pvc);
	json_object_put(r.pv);
	json_object_put(r.sc);
	json_object_put(r.pods);
	json_object_put(r.owners);
	replace_state_clear(&r.st);
	free(r.cur_pvc_uid);
	free(r.resume_cmd);
	return rc;
}
