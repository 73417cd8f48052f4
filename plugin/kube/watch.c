/* WATCH as an informer does it (§5.4): list, watch from the list's
 * resourceVersion, resume after a clean close, relist after 410.
 *
 * The stream is newline-delimited JSON whose events may be split across or
 * merged within curl's writes (and HTTP/2 has no chunks at all), so one
 * persistent json_tokener is fed every byte (Appendix A). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define WATCH_SERVER_TIMEOUT_S 300 /* client-go reflectors ask for 5-10 minutes */
#define WATCH_IDLE_SLACK_S 60	   /* beyond timeoutSeconds before a silent stream counts as dead */
#define WATCH_MAX_EMPTY 10	   /* streams in a row that end without an event before giving up */
#define WATCH_MAX_TRANSIENT 10	   /* failures in a row tolerated by a watch without a deadline */
#define WATCH_BACKOFF_MS 200
#define WATCH_BACKOFF_CAP_MS 5000
#define WATCH_EVENT_MAX (64u << 20) /* one event; an object is at most a few MiB (etcd's limit is 1.5) */

struct watch {
	struct kube_client *c;
	const char *path;
	const struct kube_watch_opts *o;
	kube_event_fn on_event;
	void *ud;
	char *rv;
	json_tokener *tok;
	int stop;	      /* 1: the caller is done; -1: the caller failed */
	json_object *failure; /* an ERROR event's Status (owned) */
	bool garbled;
	bool got_event;
	size_t pending; /* bytes of the event being parsed */
};

static void set_rv(struct watch *w, json_object *obj)
{
	const char *rv = jstr(obj, "metadata.resourceVersion");
	if (rv && *rv) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
}

/* Returns non-zero when the stream should end. */
static int handle_event(struct watch *w, json_object *ev)
{
	const char *type = jstr_or(ev, "type", "");
	json_object *obj = jget(ev, "object");

	w->got_event = true;
	if (!strcmp(type, "BOOKMARK")) {
		set_rv(w, obj);
		return 0;
	}
	if (!strcmp(type, "ERROR")) {
		w->failure = json_object_get(obj);
		return 1;
	}
	if (strcmp(type, "ADDED") && strcmp(type, "MODIFIED") && strcmp(type, "DELETED"))
		return 0; /* a type from the future: nothing to do with it */
	set_rv(w, obj);
	int r = w->on_event(type, obj, w->ud);
	if (r)
		w->stop = r > 0 ? 1 : -1;
	return r;
}

static int feed(const char *buf, size_t len, void *ud)
{
	struct watch *w = ud;
	size_t off = 0;

	while (off < len) {
		json_object *ev = json_tokener_parse_ex(w->tok, buf + off, (int)(len - off));
		enum json_tokener_error e = json_tokener_get_error(w->tok);
		if (!ev) {
			w->pending += len - off;
			if (e == json_tokener_continue && w->pending <= WATCH_EVENT_MAX)
				return 0; /* the rest of this event comes with the next write */
			w->garbled = true;
			return 1;
		}
		off += json_tokener_get_parse_end(w->tok);
		json_tokener_reset(w->tok);
		w->pending = 0;
		int r = handle_event(w, ev);
		json_object_put(ev);
		if (r)
			return 1;
	}
	return 0;
}

static int deliver_added(json_object *item, void *ud)
{
	struct watch *w = ud;
	int r = w->on_event("ADDED", item, w->ud);
	if (r > 0)
		w->stop = 1;
	return r;
}

/* Current objects as ADDED, and the resourceVersion to watch from. */
static int relist(struct watch *w, struct kube_error *err)
{
	struct kube_list_opts lo = {.label_selector = w->o->label_selector, .field_selector = w->o->field_selector};
	char *rv = NULL;

	if (kube_list_each(w->c, w->path, &lo, deliver_added, w, &rv, err) < 0)
		return -1;
	free(w->rv);
	w->rv = rv;
	return 0;
}

/* How long each stream may last before the server ends it (and we resume).
 * VOLSNAP_WATCH_TIMEOUT_SECONDS shortens it: the test suites use it to make a
 * real kube-apiserver close streams often, so resuming is exercised. */
static long stream_limit_s(void)
{
	const char *env = getenv("VOLSNAP_WATCH_TIMEOUT_SECONDS");
	long v = env ? strtol(env, NULL, 10) : 0;
	return v > 0 && v < WATCH_SERVER_TIMEOUT_S ? v : WATCH_SERVER_TIMEOUT_S;
}

static long server_timeout_s(int64_t deadline_ms)
{
	long limit = stream_limit_s();
	if (!deadline_ms)
		return limit;
	int64_t left = (deadline_ms - http_now_ms() + 999) / 1000;
	if (left < 1)
		return 1;
	return left < limit ? (long)left : limit;
}

static char *watch_url(const struct watch *w, long timeout_s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, w->path);
	strbuf_addstr(&sb, "?watch=1&allowWatchBookmarks=true");
	if (w->rv) {
		strbuf_addstr(&sb, "&resourceVersion=");
		strbuf_add_urlencoded(&sb, w->rv);
	}
	strbuf_addf(&sb, "&timeoutSeconds=%ld", timeout_s);
	if (w->o->label_selector && *w->o->label_selector) {
		strbuf_addstr(&sb, "&labelSelector=");
		strbuf_add_urlencoded(&sb, w->o->label_selector);
	}
	if (w->o->field_selector && *w->o->field_selector) {
		strbuf_addstr(&sb, "&fieldSelector=");
		strbuf_add_urlencoded(&sb, w->o->field_selector);
	}
	return strbuf_detach(&sb);
}

enum step { STEP_RESUME, STEP_STOP, STEP_RELIST, STEP_FAIL };

static enum step callback_failed(struct watch *w, struct kube_error *err)
{
	kube_error_set(err, KUBE_ERR_CALLBACK, 0, NULL, NULL, "watching %s was stopped by the caller", w->path);
	return STEP_FAIL;
}

/* What an ERROR event means: 410 (either reason, Expired or Gone) relists. */
static enum step event_failure(struct watch *w, struct kube_error *err)
{
	int64_t code = 0;

	jint64(w->failure, "code", &code);
	if (code == 410)
		return STEP_RELIST;
	const char *msg = jstr_or(w->failure, "message", "the server reported an error");
	const char *reason = jstr(w->failure, "reason");
	char *clean = kube_clean_text(msg, strlen(msg), STATUS_MESSAGE_MAX);
	char *clean_reason = reason ? kube_clean_text(reason, strlen(reason), STATUS_REASON_MAX) : NULL;
	kube_error_set(err, KUBE_ERR_API, (long)code, clean_reason, NULL, "watching %s: %s", w->path, clean);
	free(clean);
	free(clean_reason);
	err->status = w->failure;
	w->failure = NULL;
	return STEP_FAIL;
}

/* What an ended stream means for the loop. */
static enum step judge(struct watch *w, struct http_xfer *x, struct kube_error *err)
{
	if (w->stop > 0)
		return STEP_STOP;
	if (w->stop < 0)
		return callback_failed(w, err);
	if (w->failure)
		return event_failure(w, err);
	if (w->garbled) {
		kube_error_set(err, KUBE_ERR_PROTOCOL, x->code, NULL, NULL, "watching %s: the stream is not JSON",
			       w->path);
		return STEP_FAIL;
	}
	if (x->rc < 0 && !x->code) {
		kube_error_move(err, &x->err);
		return STEP_FAIL;
	}
	if (x->code == 410)
		return STEP_RELIST;
	if (x->code && (x->code < 200 || x->code >= 300)) {
		kube_error_from_response(err, "GET", x->path, x->code, x->content_type_in, x->resp.buf, x->resp.len);
		return STEP_FAIL;
	}
	return STEP_RESUME; /* a clean close, or a stream broken after it started */
}

static enum step watch_once(struct watch *w, int64_t deadline_ms, struct kube_error *err)
{
	struct http_xfer x;
	struct http_xfer *xs[1] = {&x};
	struct http_run_opts ro = {.deadline_ms = deadline_ms, .on_tick = w->o->on_tick, .tick_ud = w->ud};
	long timeout_s = server_timeout_s(deadline_ms);
	char *url = watch_url(w, timeout_s);
	enum step s;

	http_xfer_init(&x, "GET", url, NULL, NULL);
	free(url);
	x.streaming = true;
	x.idle_s = timeout_s + WATCH_IDLE_SLACK_S;
	x.on_data = feed;
	x.ud = w;
	json_tokener_reset(w->tok);
	w->pending = 0;
	w->got_event = false;
	int r = http_run(w->c, xs, 1, &ro, err);
	if (r < 0) {
		kube_error_set(err, KUBE_ERR_TIMEOUT, 0, NULL, NULL, "watching %s: timed out after %ld ms", w->path,
			       w->o->timeout_ms);
		s = STEP_FAIL;
	} else if (r > 0) {
		s = ro.tick_rc > 0 ? STEP_STOP : callback_failed(w, err);
	} else {
		s = judge(w, &x, err);
	}
	http_xfer_release(&x);
	return s;
}

/* What a wait outlives: no answer, an overloaded or failing server, a proxy's
 * 5xx. A 4xx (forbidden, not found) will not change by waiting. */
static bool transient(const struct kube_error *e)
{
	if (e->kind == KUBE_ERR_TRANSPORT || e->kind == KUBE_ERR_TIMEOUT)
		return true; /* --request-timeout on one request; the deadline is checked first */
	return e->kind == KUBE_ERR_API && (e->http_code == 429 || e->http_code >= 500);
}

/* After a failed list or watch request: 0 when it is worth another try (after
 * a backoff, ticking meanwhile), -1 when err stands. A deadline that passes
 * turns err into the timeout it is. */
static int recover(struct watch *w, int64_t deadline_ms, int *failures, struct kube_error *err)
{
	if (deadline_ms && http_now_ms() >= deadline_ms) {
		kube_error_set(err, KUBE_ERR_TIMEOUT, 0, NULL, NULL, "watching %s: timed out after %ld ms", w->path,
			       w->o->timeout_ms);
		return -1;
	}
	if (!transient(err) || (!deadline_ms && *failures >= WATCH_MAX_TRANSIENT))
		return -1;
	int shift = *failures < 5 ? *failures : 5;
	int64_t delay = (int64_t)WATCH_BACKOFF_MS << shift;
	if (delay > WATCH_BACKOFF_CAP_MS)
		delay = WATCH_BACKOFF_CAP_MS;
	(*failures)++;
	kube_error_clear(err);
	int64_t until = http_now_ms() + delay;
	if (deadline_ms && until > deadline_ms)
		until = deadline_ms;
	for (int64_t now = http_now_ms(); now < until; now = http_now_ms()) {
		int64_t step = until - now < 1000 ? until - now : 1000;
		struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		if (w->o->on_tick && w->o->on_tick(w->ud)) {
			w->stop = 1;
			return 0;
		}
	}
	return 0;
}

/* The list that starts (and restarts, after 410) a watch, retried while
 * transient failures allow. */
static int relist_until(struct watch *w, int64_t deadline_ms, int *failures, struct kube_error *err)
{
	for (;;) {
		if (relist(w, err) == 0) {
			*failures = 0;
			return 0;
		}
		if (err->kind == KUBE_ERR_CALLBACK)
			return -1; /* the caller's callback failed mid-list */
		if (recover(w, deadline_ms, failures, err) < 0)
			return -1;
		if (w->stop)
			return 0;
	}
}

static int watch_loop(struct watch *w, int64_t deadline_ms, struct kube_error *err)
{
	int empty = 0, failures = 0;

	for (;;) {
		int64_t began = http_now_ms();
		enum step s = watch_once(w, deadline_ms, err);
		if (s == STEP_STOP)
			return 0;
		if (s == STEP_FAIL && err->kind != KUBE_ERR_CALLBACK) {
			if (recover(w, deadline_ms, &failures, err) < 0)
				return -1;
			if (w->stop)
				return 0;
			continue;
		}
		if (s == STEP_FAIL)
			return -1;
		failures = 0;
		if (s == STEP_RELIST) {
			if (relist_until(w, deadline_ms, &failures, err) < 0)
				return -1;
			if (w->stop)
				return 0;
			continue;
		}
		/* A quiet stream that lasted is normal; quick empty ones in a row are not. */
		empty = w->got_event || http_now_ms() - began >= 1000 ? 0 : empty + 1;
		if (empty > WATCH_MAX_EMPTY) {
			kube_error_set(err, KUBE_ERR_PROTOCOL, 0, NULL, NULL,
				       "watching %s: the server keeps closing the stream without events", w->path);
			return -1;
		}
	}
}

int watch_decode(const char *buf, size_t len, size_t chunk, kube_event_fn on_event, void *ud, struct kube_error *err)
{
	static const struct kube_watch_opts none;
	struct watch w = {.path = "(stream)", .o = &none, .on_event = on_event, .ud = ud};
	int rc = 0;

	w.tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	for (size_t off = 0; off < len && !rc; off += chunk ? chunk : len) {
		size_t n = chunk && len - off > chunk ? chunk : len - off;
		rc = feed(buf + off, n, &w);
	}
	if (w.stop < 0)
		rc = callback_failed(&w, err) == STEP_FAIL ? -1 : 0;
	else if (w.failure)
		rc = event_failure(&w, err) == STEP_FAIL ? -1 : 0;
	else if (w.garbled) {
		kube_error_set(err, KUBE_ERR_PROTOCOL, 200, NULL, NULL, "the stream is not JSON");
		rc = -1;
	} else {
		rc = 0;
	}
	free(w.rv);
	if (w.failure)
		json_object_put(w.failure);
	json_tokener_free(w.tok);
	return rc;
}

int kube_watch(struct kube_client *c, const char *collection_path, const struct kube_watch_opts *opts,
	       kube_event_fn on_event, void *ud, struct kube_error *err)
{
	static const struct kube_watch_opts none;
	struct watch w = {0};
	int64_t deadline_ms = 0;
	int rc = -1;

	w.c = c;
	w.path = collection_path;
	w.o = opts ? opts : &none;
	w.on_event = on_event;
	w.ud = ud;
	w.tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (w.o->timeout_ms > 0)
		deadline_ms = http_now_ms() + w.o->timeout_ms;
	/* The deadline bounds every request of the watch, the lists included,
	 * and what the event handlers ask meanwhile. */
	int64_t outer = http_set_deadline(c, deadline_ms);
	int failures = 0;
	if (w.o->resource_version) {
		w.rv = xstrdup(w.o->resource_version);
	} else {
		if (relist_until(&w, deadline_ms, &failures, err) < 0)
			goto out;
		if (w.stop) {
			rc = 0;
			goto out;
		}
	}
	rc = watch_loop(&w, deadline_ms, err);
out:
	http_restore_deadline(c, outer);
	free(w.rv);
	if (w.failure)
		json_object_put(w.failure);
	json_tokener_free(w.tok);
	return rc;
}
