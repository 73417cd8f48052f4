#include "snap/wait.h"

#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct wait_run {
	const struct wait_spec *w;
	json_object *last;
	char *why;
	char *phrase; /* the latest progress phrase */
	enum wait_outcome outcome;
	bool decided;
	struct out_progress *progress;
};

static void show(struct wait_run *r)
{
	/* The progress line adds what and the elapsed time itself. */
	out_progress_update(r->progress, "%s", r->phrase ? r->phrase : "waiting");
}

static int on_tick(void *ud)
{
	show(ud);
	return 0;
}

static int on_event(const char *type, json_object *obj, void *ud)
{
	struct wait_run *r = ud;
	if (!strcmp(type, "DELETED")) {
		r->outcome = WAIT_DELETED;
		r->decided = true;
		return 1;
	}
	json_object_put(r->last);
	r->last = json_object_get(obj);
	char *why = NULL, *phrase = NULL;
	enum wait_state s = r->w->check(obj, &why, &phrase);
	if (phrase) {
		free(r->phrase);
		r->phrase = phrase;
	}
	if (s == WAIT_PENDING) {
		free(why);
		show(r);
		return 0;
	}
	r->outcome = s == WAIT_REACHED ? WAIT_OK : WAIT_FAILED;
	r->why = why;
	r->decided = true;
	return 1;
}

enum wait_outcome wait_until(struct kube_client *c, const struct wait_spec *w, json_object **last, char **why,
			     struct kube_error *err)
{
	struct wait_run r = {.w = w, .outcome = WAIT_ERROR};
	r.progress = out_progress_start(w->progress ? w->progress : stderr, w->tty, w->what);
	char *path = kube_path(w->resource, w->ns, NULL, NULL);
	char *selector = xasprintf("metadata.name=%s", w->name);
	struct kube_watch_opts wo = {.field_selector = selector, .timeout_ms = (long)w->timeout_ms, .on_tick = on_tick};

	int rc = kube_watch(c, path, &wo, on_event, &r, err);
	if (rc < 0 && err->kind == KUBE_ERR_TIMEOUT) {
		kube_error_clear(err);
		r.outcome = WAIT_TIMEOUT;
	} else if (rc == 0 && !r.decided) {
		/* The watch ended without a verdict: only a deadline ends it. */
		r.outcome = WAIT_TIMEOUT;
	}
	if (r.progress)
		out_progress_end(r.progress, NULL);
	free(selector);
	free(path);
	free(r.phrase);
	if (last)
		*last = r.last;
	else
		json_object_put(r.last);
	*why = r.why;
	return r.outcome;
}

enum wait_state wait_check_snapshot_ready(json_object *snapshot, char **why, char **progress)
{
	if (snap_is_ready(snapshot))
		return WAIT_REACHED;
	const char *msg = jstr(snapshot, "status.error.message");
	if (msg && *msg) {
		*why = xstrdup(msg);
		return WAIT_BROKEN;
	}
	*progress = xstrdup(snap_error_message(snapshot));
	return WAIT_PENDING;
}

enum wait_state wait_check_pvc_bound(json_object *pvc, char **why, char **progress)
{
	const char *phase = jstr_or(pvc, "status.phase", "Pending");
	if (!strcmp(phase, "Bound"))
		return WAIT_REACHED;
	if (!strcmp(phase, "Lost")) {
		*why = xasprintf("PVC %s is Lost: its volume is gone", jstr_or(pvc, "metadata.name", "?"));
		return WAIT_BROKEN;
	}
	*progress = xasprintf("%s, waiting to be bound", phase);
	return WAIT_PENDING;
}

json_object *wait_events(struct kube_client *c, const char *ns, const char *kind, const char *name)
{
	struct kube_error err = {0};
	json_object *items = NULL;
	char *path = kube_path(&KUBE_EVENTS, ns ? ns : "default", NULL, NULL);
	char *selector = xasprintf("involvedObject.name=%s,involvedObject.kind=%s", name, kind);
	struct kube_list_opts lo = {.field_selector = selector};
	if (kube_list_all(c, path, &lo, &items, &err) < 0) {
		kube_error_clear(&err);
		items = NULL;
	}
	free(selector);
	free(path);
	return items;
}

enum wait_outcome wait_for(struct kube_client *c, const struct kube_resource *r, const char *ns, const char *name,
			   wait_check_fn check, int64_t timeout_ms, bool tty, const char *what, json_object **last,
			   char **why, struct kube_error *err)
{
	struct wait_spec w = {
	    .resource = r,
	    .ns = ns,
	    .name = name,
	    .timeout_ms = timeout_ms,
	    .check = check,
	    .what = what,
	    .progress = stderr,
	    .tty = tty,
	};
	return wait_until(c, &w, last, why, err);
}
