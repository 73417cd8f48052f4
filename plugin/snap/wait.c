#include "snap/wait.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Set by the signal handler; the wait notices it within a second (on_tick). */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct signals {
	struct sigaction old_int, old_term;
	bool int_set, term_set;
};

/* Catches sig unless it is ignored (a background job of a script keeps ^C away). */
static bool catch_signal(int sig, struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, NULL, old) < 0 || old->sa_handler == SIG_IGN)
		return false;
	return sigaction(sig, &sa, NULL) == 0;
}

static void catch_signals(struct signals *s)
{
	interrupted = 0;
	s->int_set = catch_signal(SIGINT, &s->old_int);
	s->term_set = catch_signal(SIGTERM, &s->old_term);
}

static void restore_signals(const struct signals *s)
{
	if (s->int_set)
		sigaction(SIGINT, &s->old_int, NULL);
	if (s->term_set)
		sigaction(SIGTERM, &s->old_term, NULL);
}

struct wait_run {
	const struct wait_spec *w;
	json_object *last;
	char *why;
	char *phrase;  /* the latest progress phrase */
	char *closing; /* the check's words once reached */
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
	if (interrupted)
		return 1;
	show(ud);
	return 0;
}

static int on_event(const char *type, json_object *obj, void *ud)
{
	struct wait_run *r = ud;
	if (interrupted)
		return 1;
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
	if (s == WAIT_REACHED)
		r->closing = xstrdup_or_null(phrase);
	r->outcome = s == WAIT_REACHED ? WAIT_OK : WAIT_FAILED;
	r->why = why;
	r->decided = true;
	return 1;
}

enum wait_outcome wait_until(struct kube_client *c, const struct wait_spec *w, json_object **last, char **why,
			     struct kube_error *err)
{
	struct wait_run r = {.w = w, .outcome = WAIT_ERROR};
	struct signals sigs;
	r.progress = out_progress_start(w->progress ? w->progress : stderr, w->tty, w->what);
	char *path = kube_path(w->resource, w->ns, NULL, NULL);
	char *selector = xasprintf("metadata.name=%s", w->name);
	struct kube_watch_opts wo = {.field_selector = selector, .timeout_ms = (long)w->timeout_ms, .on_tick = on_tick};

	catch_signals(&sigs);
	int rc = kube_watch(c, path, &wo, on_event, &r, err);
	restore_signals(&sigs);
	if (interrupted && !r.decided) {
		kube_error_clear(err);
		r.outcome = WAIT_INTERRUPTED;
	} else if (rc < 0 && err->kind == KUBE_ERR_TIMEOUT) {
		kube_error_clear(err);
		r.outcome = WAIT_TIMEOUT;
	} else if (rc == 0 && !r.decided) {
		/* The watch ended without a verdict: only a deadline ends it. */
		r.outcome = WAIT_TIMEOUT;
	}
	if (r.outcome == WAIT_INTERRUPTED) {
		out_progress_break(r.progress);
	} else if (r.outcome == WAIT_OK) {
		char *done = xasprintf("%s %s", w->what, r.closing ? r.closing : "is ready");
		out_progress_end(r.progress, done);
		free(done);
	} else {
		out_progress_end(r.progress, NULL);
	}
	free(selector);
	free(path);
	free(r.phrase);
	free(r.closing);
	if (last)
		*last = r.last;
	else
		json_object_put(r.last);
	*why = r.why;
	return r.outcome;
}

enum wait_state wait_check_snapshot_ready(json_object *snapshot, char **why, char **progress)
{
	if (snap_is_ready(snapshot)) {
		char *size = snap_restore_size(snapshot);
		*progress = size ? xasprintf("is ready to use (restoreSize %s)", size) : xstrdup("is ready to use");
		free(size);
		return WAIT_REACHED;
	}
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
	if (!strcmp(phase, "Bound")) {
		*progress = xstrdup("is Bound");
		return WAIT_REACHED;
	}
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
