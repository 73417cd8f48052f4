/* Requests over json-c objects: get, create, patch, delete, paged lists and
 * parallel calls. The transport (retries, auth, logging) is http.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define DEFAULT_PAGE 500 /* client-go's reflector page size */
#define MAX_PAGES 100000 /* 50 million objects at the default size: a server in a loop, not a cluster */

/* Appends key=value to a path, starting the query when there is none yet. */
static void add_query(struct strbuf *sb, const char *key, const char *value)
{
	strbuf_addch(sb, strchr(sb->buf, '?') ? '&' : '?');
	strbuf_addstr(sb, key);
	strbuf_addch(sb, '=');
	strbuf_add_urlencoded(sb, value);
}

static char *with_flags(const char *path, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, path);
	if (flags & KUBE_DRY_RUN)
		add_query(&sb, "dryRun", "All");
	return strbuf_detach(&sb);
}

int kube_get(struct kube_client *c, const char *path, json_object **out, struct kube_error *err)
{
	return http_json(c, "GET", path, NULL, NULL, out, err);
}

int kube_get_stream(struct kube_client *c, const char *path, kube_data_fn on_data, void *ud, struct kube_error *err)
{
	struct http_xfer x;
	struct http_xfer *xs[1] = {&x};
	http_xfer_init(&x, "GET", path, NULL, NULL);
	x.on_data = on_data;
	x.ud = ud;
	int rc = http_run(c, xs, 1, NULL, err);
	if (rc == 0)
		rc = http_xfer_json(&x, NULL, err);
	http_xfer_release(&x);
	return rc;
}

int kube_create(struct kube_client *c, const char *collection_path, json_object *obj, unsigned flags, json_object **out,
		struct kube_error *err)
{
	char *p = with_flags(collection_path, flags);
	int rc = http_json(c, "POST", p, obj, "application/json", out, err);
	free(p);
	return rc;
}

static const char *patch_content_type(enum kube_patch_type type)
{
	switch (type) {
	case KUBE_PATCH_JSON:
		return "application/json-patch+json";
	case KUBE_PATCH_STRATEGIC:
		return "application/strategic-merge-patch+json";
	case KUBE_PATCH_MERGE:
	default:
		return "application/merge-patch+json";
	}
}

int kube_patch(struct kube_client *c, const char *path, enum kube_patch_type type, json_object *patch, unsigned flags,
	       json_object **out, struct kube_error *err)
{
	char *p = with_flags(path, flags);
	int rc = http_json(c, "PATCH", p, patch, patch_content_type(type), out, err);
	free(p);
	return rc;
}

/* DeleteOptions (§4.6), or NULL when nothing needs saying. */
static json_object *delete_options(const struct kube_delete_opts *o)
{
	if (!o || (!o->uid && !o->resource_version && !o->propagation))
		return NULL;
	json_object *d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string("DeleteOptions"));
	json_object_object_add(d, "apiVersion", json_object_new_string("v1"));
	if (o->uid)
		jset(d, "preconditions.uid", json_object_new_string(o->uid));
	if (o->resource_version)
		jset(d, "preconditions.resourceVersion", json_object_new_string(o->resource_version));
	if (o->propagation)
		json_object_object_add(d, "propagationPolicy", json_object_new_string(o->propagation));
	return d;
}

int kube_delete(struct kube_client *c, const char *path, const struct kube_delete_opts *opts, json_object **out,
		struct kube_error *err)
{
	json_object *body = delete_options(opts);
	char *p = with_flags(path, opts ? opts->flags : 0);
	int rc = http_json(c, "DELETE", p, body, "application/json", out, err);
	free(p);
	if (body)
		json_object_put(body);
	return rc;
}

/* ---- idempotent writes ------------------------------------------------------ */

/* No answer arrived: the write may or may not have been carried out. */
static bool answer_lost(const struct kube_error *e)
{
	return (e->kind == KUBE_ERR_TRANSPORT || e->kind == KUBE_ERR_TIMEOUT) && !e->http_code;
}

/* An answer that does not say whether the write happened: a lost one, or a
 * server error (a proxy's 502/504, an apiserver's 500 after etcd wrote). */
static bool outcome_unknown(const struct kube_error *e)
{
	return answer_lost(e) || (e->kind == KUBE_ERR_API && e->http_code >= 500 && e->http_code != 501);
}

static void pause_before_retry(int attempt)
{
	struct timespec ts = {0, (long)(100L << attempt) * 1000000L};
	nanosleep(&ts, NULL);
}

static bool carries_marker(json_object *obj, const char *id)
{
	json_object *ann = jget(obj, "metadata.annotations");
	json_object *v = NULL;
	return json_object_is_type(ann, json_type_object) &&
	       json_object_object_get_ex(ann, KUBE_REQUEST_ID_ANNOTATION, &v) &&
	       json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), id);
}

/* After an unclear create: 1 = ours exists (*found set), 0 = absent, -1 = some
 * other object holds the name or it could not be read. */
static int find_ours(struct kube_client *c, const char *collection_path, const char *name, json_object **found)
{
	struct kube_error gerr = {0};
	char *path = xasprintf("%s/%s", collection_path, name);
	json_object *obj = NULL;
	int rc = kube_get(c, path, &obj, &gerr);
	free(path);
	*found = NULL;
	if (rc < 0) {
		rc = kube_error_is_not_found(&gerr) ? 0 : -1;
		kube_error_clear(&gerr);
		return rc;
	}
	if (carries_marker(obj, kube_client_request_id(c))) {
		*found = obj;
		return 1;
	}
	json_object_put(obj);
	return -1;
}

int kube_create_once(struct kube_client *c, const char *collection_path, json_object *obj, unsigned flags,
		     json_object **out, struct kube_error *err)
{
	const char *name = jstr(obj, "metadata.name");
	json_object *ann = jget(obj, "metadata.annotations");
	if (out)
		*out = NULL;
	if (!json_object_is_type(ann, json_type_object)) {
		ann = json_object_new_object();
		jset(obj, "metadata.annotations", ann);
	}
	json_object_object_add(ann, KUBE_REQUEST_ID_ANNOTATION, json_object_new_string(kube_client_request_id(c)));
	if (!name || (flags & KUBE_DRY_RUN))
		return kube_create(c, collection_path, obj, flags, out, err);
	for (int attempt = 1;; attempt++) {
		json_object *found = NULL;
		if (kube_create(c, collection_path, obj, flags, out, err) == 0) {
			kube_error_clear(err); /* an earlier attempt's */
			return 0;
		}
		bool unclear = outcome_unknown(err);
		/* AlreadyExists after an unclear attempt, or a copy libcurl or a
		 * proxy replayed: the marker says whose object it is. */
		if (!unclear && !kube_error_is_conflict(err))
			return -1;
		int r = find_ours(c, collection_path, name, &found);
		if (r > 0) {
			kube_error_clear(err);
			if (out)
				*out = found;
			else
				json_object_put(found);
			return 0;
		}
		/* Sent again only when no answer came and nothing holds the name. */
		if (r < 0 || !answer_lost(err) || attempt >= KUBE_WRITE_ATTEMPTS)
			return -1;
		pause_before_retry(attempt);
	}
}

/* After an unclear delete: true when the object (that uid) is gone or going. */
static bool deletion_done(struct kube_client *c, const char *path, const char *uid)
{
	struct kube_error gerr = {0};
	json_object *obj = NULL;
	if (kube_get(c, path, &obj, &gerr) < 0) {
		bool gone = kube_error_is_not_found(&gerr);
		kube_error_clear(&gerr);
		return gone;
	}
	const char *now = jstr(obj, "metadata.uid");
	bool done = (uid && now && strcmp(uid, now)) || jget(obj, "metadata.deletionTimestamp");
	json_object_put(obj);
	return done;
}

int kube_delete_once(struct kube_client *c, const char *path, const struct kube_delete_opts *opts,
		     struct kube_error *err)
{
	bool sent_unclear = false;
	if (opts && (opts->flags & KUBE_DRY_RUN))
		return kube_delete(c, path, opts, NULL, err);
	for (int attempt = 1;; attempt++) {
		if (kube_delete(c, path, opts, NULL, err) == 0) {
			kube_error_clear(err); /* an earlier attempt's */
			return 0;
		}
		/* NotFound, or a failed precondition, after an attempt that may
		 * have deleted it: that attempt's doing. */
		if (sent_unclear && (kube_error_is_not_found(err) || kube_error_is_conflict(err)) &&
		    deletion_done(c, path, opts ? opts->uid : NULL)) {
			kube_error_clear(err);
			return 0;
		}
		if (!outcome_unknown(err))
			return -1;
		sent_unclear = true;
		if (deletion_done(c, path, opts ? opts->uid : NULL)) {
			kube_error_clear(err);
			return 0;
		}
		if (!answer_lost(err) || attempt >= KUBE_WRITE_ATTEMPTS)
			return -1;
		pause_before_retry(attempt);
	}
}

/* ---- LIST ------------------------------------------------------------------ */

static char *list_url(const char *path, const struct kube_list_opts *o, const char *cont)
{
	struct strbuf sb = STRBUF_INIT;
	char limit[32];

	strbuf_addstr(&sb, path);
	snprintf(limit, sizeof limit, "%ld", o && o->limit > 0 ? o->limit : DEFAULT_PAGE);
	add_query(&sb, "limit", limit);
	if (o && o->label_selector && *o->label_selector)
		add_query(&sb, "labelSelector", o->label_selector);
	if (o && o->field_selector && *o->field_selector)
		add_query(&sb, "fieldSelector", o->field_selector);
	if (cont)
		add_query(&sb, "continue", cont);
	return strbuf_detach(&sb);
}

/* The next page's token, or NULL on the last page (CRD lists send ""). */
static char *next_continue(json_object *page)
{
	const char *s = jstr(page, "metadata.continue");
	return s && *s ? xstrdup(s) : NULL;
}

/* A server (or a proxy) that hands back the token it was given, or pages
 * without end, would keep a list going forever. */
static bool continue_loops(const char *prev, const char *next, long pages)
{
	return next && ((prev && !strcmp(prev, next)) || pages >= MAX_PAGES);
}

static void set_loop_error(struct kube_error *err, const char *path)
{
	kube_error_set(err, KUBE_ERR_PROTOCOL, 200, NULL, NULL,
		       "GET %s: the server's pages do not end (a continue token repeats)", path);
}

static int callback_failed(struct kube_error *err, const char *path)
{
	kube_error_set(err, KUBE_ERR_CALLBACK, 0, NULL, NULL, "listing %s was stopped by the caller", path);
	return -1;
}

/* Delivers one page's items; returns 1 when the caller asked to stop, -1 on abort. */
static int deliver_page(json_object *page, const char *path, const struct kube_list_opts *o, kube_item_fn on_item,
			void *ud, struct kube_error *err)
{
	json_object *items = jget(page, "items");
	size_t n;

	if (items && !json_object_is_type(items, json_type_array)) {
		kube_error_set(err, KUBE_ERR_PROTOCOL, 200, NULL, NULL, "GET %s: items is not a list", path);
		return -1;
	}
	n = items ? json_object_array_length(items) : 0;
	for (size_t i = 0; i < n; i++) {
		int r = on_item(json_object_array_get_idx(items, i), ud);
		if (r > 0)
			return 1;
		if (r < 0)
			return callback_failed(err, path);
	}
	if (o && o->on_page) {
		int r = o->on_page(ud);
		if (r < 0)
			return callback_failed(err, path);
		return r > 0;
	}
	return 0;
}

int kube_list_each(struct kube_client *c, const char *path, const struct kube_list_opts *opts, kube_item_fn on_item,
		   void *ud, char **list_resource_version, struct kube_error *err)
{
	char *cont = NULL, *rv = NULL;
	int rc = -1, stop = 0;
	long pages = 0;

	do {
		json_object *page = NULL;
		char *url = list_url(path, opts, cont);
		int r = http_json(c, "GET", url, NULL, NULL, &page, err);
		free(url);
		if (r < 0)
			goto out;
		if (!rv)
			rv = xstrdup_or_null(jstr(page, "metadata.resourceVersion"));
		stop = deliver_page(page, path, opts, on_item, ud, err);
		char *next = next_continue(page);
		json_object_put(page);
		if (stop >= 0 && !stop && continue_loops(cont, next, ++pages)) {
			set_loop_error(err, path);
			stop = -1;
		}
		free(cont);
		cont = next;
		if (stop < 0)
			goto out;
	} while (cont && !stop);
	rc = 0;
	if (list_resource_version) {
		*list_resource_version = rv;
		rv = NULL;
	}
out:
	free(cont);
	free(rv);
	return rc;
}

static int collect_item(json_object *item, void *ud)
{
	json_object_array_add(ud, json_object_get(item));
	return 0;
}

int kube_list_all(struct kube_client *c, const char *path, const struct kube_list_opts *opts, json_object **items,
		  struct kube_error *err)
{
	json_object *arr = json_object_new_array();

	*items = NULL;
	if (kube_list_each(c, path, opts, collect_item, arr, NULL, err) < 0) {
		json_object_put(arr);
		return -1;
	}
	*items = arr;
	return 0;
}

/* ---- parallel calls ---------------------------------------------------- */

struct many_call {
	struct http_xfer x; /* first: on_complete gets &x and finds the rest */
	struct kube_call *call;
	json_object *list; /* LIST: the first page, later pages' items appended */
	char *cont;	   /* LIST: the token of the page being read */
	long pages;
	bool bad_page, looped;
};

/* LIST under call_many: gather this page and ask for the next one. */
static int list_page_done(struct http_xfer *x)
{
	struct many_call *m = (struct many_call *)x;
	json_object *page = jparse(x->resp.buf, x->resp.len);
	json_object *items = jget(page, "items");
	char *cont;

	if (!page || (items && !json_object_is_type(items, json_type_array))) {
		m->bad_page = true;
		if (page)
			json_object_put(page);
		return 0;
	}
	if (!m->list) {
		m->list = page;
		if (!items)
			json_object_object_add(page, "items", json_object_new_array());
	} else {
		json_object *all = jget(m->list, "items");
		for (size_t i = 0; items && i < json_object_array_length(items); i++)
			json_object_array_add(all, json_object_get(json_object_array_get_idx(items, i)));
	}
	cont = next_continue(page);
	if (page != m->list)
		json_object_put(page);
	if (continue_loops(m->cont, cont, ++m->pages)) {
		m->looped = true;
		free(cont);
		cont = NULL;
	}
	free(m->cont);
	m->cont = cont;
	if (!cont)
		return 0;
	free(x->path);
	x->path = list_url(m->call->path, NULL, cont);
	return 1;
}

static void many_init(struct many_call *m, struct kube_call *call)
{
	bool list = !strcmp(call->method, "LIST");
	char *path = list ? list_url(call->path, NULL, NULL) : xstrdup(call->path);

	memset(m, 0, sizeof *m);
	http_xfer_init(&m->x, list ? "GET" : call->method, path, call->body, "application/json");
	free(path);
	m->call = call;
	if (list)
		m->x.on_complete = list_page_done;
	m->x.easy = curl_easy_init();
	m->x.own_easy = true;
}

static void many_result(struct many_call *m)
{
	struct kube_call *call = m->call;

	call->result = NULL;
	if (!m->x.on_complete) {
		call->rc = http_xfer_json(&m->x, &call->result, &call->err);
		return;
	}
	call->rc = http_xfer_json(&m->x, NULL, &call->err);
	if (call->rc == 0 && m->looped) {
		set_loop_error(&call->err, call->path);
		call->rc = -1;
	} else if (call->rc == 0 && m->bad_page) {
		kube_error_set(&call->err, KUBE_ERR_PROTOCOL, m->x.code, NULL, NULL, "GET %s: the answer is not a list",
			       call->path);
		call->rc = -1;
	}
	if (call->rc == 0) {
		json_object *meta = jget(m->list, "metadata");
		if (meta)
			json_object_object_del(meta, "continue");
		call->result = m->list;
		m->list = NULL;
	}
}

int kube_call_many(struct kube_client *c, struct kube_call *calls, size_t n, struct kube_error *err)
{
	struct many_call *ms;
	struct http_xfer **xs;
	int rc;

	if (!n)
		return 0;
	ms = xcalloc(n, sizeof *ms);
	xs = xcalloc(n, sizeof *xs);
	for (size_t i = 0; i < n; i++) {
		memset(&calls[i].err, 0, sizeof calls[i].err);
		many_init(&ms[i], &calls[i]);
		xs[i] = &ms[i].x;
	}
	rc = http_run(c, xs, n, NULL, err);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			many_result(&ms[i]);
		if (ms[i].list)
			json_object_put(ms[i].list);
		free(ms[i].cont);
		http_xfer_release(&ms[i].x);
	}
	free(xs);
	free(ms);
	return rc == 0 ? 0 : -1;
}
