/* Internal to plugin/kube/: the libcurl transport shared by api.c, watch.c,
 * discovery.c and authz.c. Nothing outside kube/ includes this. */
#ifndef VOLSNAP_KUBE_HTTP_H
#define VOLSNAP_KUBE_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "kube/kube.h"
#include "util/strbuf.h"

/* Streaming consumer of a 2xx body: returns 0 to go on, non-zero to stop the
 * transfer (the caller keeps its own reason). */
typedef int (*http_data_fn)(const char *buf, size_t len, void *ud);

/* One HTTP exchange, retried as §3.4 allows. Filled by http_xfer_init, run by
 * http_run, released by http_xfer_release. */
struct http_xfer {
	/* request */
	const char *method; /* "GET", "POST", "PATCH", "DELETE" (static strings) */
	char *path;	    /* path and query, owned */
	char *body;	    /* owned, or NULL */
	size_t body_len;
	const char *content_type;
	bool safe;	/* connection failures may be retried (GET, watch establishment) */
	bool streaming; /* a watch: no total timeout, an idle guard instead */
	long idle_s;	/* for streaming: abort when nothing arrives for this long */
	http_data_fn on_data;
	void *ud;
	/* Called after an attempt got its final answer; returns 1 to run the
	 * transfer again (x->path changed, e.g. the next LIST page), 0 when done. */
	int (*on_complete)(struct http_xfer *x);

	/* response of the last attempt */
	long code;
	char *content_type_in; /* response Content-Type, owned */
	long retry_after;      /* seconds, -1 when absent */
	struct strbuf resp;    /* body when not streamed to on_data */
	bool stopped;	       /* on_data asked to stop */
	bool too_big;	       /* the body passed the transport's cap and was cut off */
	int rc;		       /* 0 = an HTTP answer arrived; -1 = err set */
	struct kube_error err;

	/* engine state */
	CURL *easy;
	bool own_easy;
	bool done, running;
	int attempts;
	bool refreshed;	    /* the exec credential was refreshed after a 401 (once per transfer) */
	bool force_refresh; /* the next attempt runs the exec plugin again */
	int64_t not_before_ms;
	int64_t started_ms;
	struct curl_slist *headers;
	char *url;
	char errbuf[CURL_ERROR_SIZE];
};

/* body may be NULL; it is serialised now, so the caller keeps ownership. */
void http_xfer_init(struct http_xfer *x, const char *method, const char *path, json_object *body,
		    const char *content_type);
void http_xfer_release(struct http_xfer *x);

struct http_run_opts {
	int64_t deadline_ms;	  /* absolute (http_now_ms), 0 = none; passing it gives KUBE_ERR_TIMEOUT */
	int (*on_tick)(void *ud); /* about once a second while running; non-zero stops */
	void *tick_ud;
	int tick_rc; /* out: what on_tick returned when it stopped the run */
};

/* Runs the transfers concurrently until each has a final answer. Returns 0
 * when each transfer has rc set; -1 (err) on setup failure, deadline or tick stop. */
int http_run(struct kube_client *c, struct http_xfer **xs, size_t n, struct http_run_opts *ro, struct kube_error *err);

/* A single request: a 2xx JSON answer into *out (may be NULL to drop it), or the
 * error the answer carries. */
int http_json(struct kube_client *c, const char *method, const char *path, json_object *body, const char *content_type,
	      json_object **out, struct kube_error *err);

/* Turns a finished transfer into a JSON value or an error (moves x->err). */
int http_xfer_json(struct http_xfer *x, json_object **out, struct kube_error *err);

int64_t http_now_ms(void);

/* auth_exec.c: an exec plugin's output as client-go checks it (cfg->exec set). */
int exec_parse_credential(const struct kube_config *cfg, const char *buf, size_t len, struct kube_exec_credential *cred,
			  struct kube_error *err);
/* watch.c: a watch stream's bytes, fed in writes of chunk bytes (0 = one) as
 * the client feeds them; events to on_event. -1 with err when the stream is
 * garbled or carries an ERROR event (other than 410). For tests and fuzzing. */
int watch_decode(const char *buf, size_t len, size_t chunk, kube_event_fn on_event, void *ud, struct kube_error *err);

/* A deadline for every request of the client from now on (a command's wait:
 * its lists and reads too), kept when an earlier one is already set; returns
 * what to hand back to http_restore_deadline. */
int64_t http_set_deadline(struct kube_client *c, int64_t deadline_ms);
void http_restore_deadline(struct kube_client *c, int64_t old);

/* error.c: errors from answers and from libcurl. */
void kube_error_from_response(struct kube_error *err, const char *method, const char *path, long code,
			      const char *content_type, const char *body, size_t len);
/* untrusted_hint: what to say when the server's certificate is not trusted,
 * or NULL for the kubeconfig's certificate-authority. */
void kube_error_from_curl(struct kube_error *err, CURLcode rc, const char *detail, const char *url,
			  const char *untrusted_hint);
/* Server text made fit for a one-line message (caller frees): line breaks and
 * tabs become one space, other control bytes (ESC, C1) and invalid UTF-8 '?',
 * cut after max bytes with "...". */
char *kube_clean_text(const char *s, size_t len, size_t max);
#define STATUS_MESSAGE_MAX 1024 /* a Status message as it reaches the user */
#define STATUS_REASON_MAX 64
/* Moves src into dst (dst cleared first); src is left empty. */
void kube_error_move(struct kube_error *dst, struct kube_error *src);

#endif
