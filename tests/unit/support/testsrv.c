/* See testsrv.h. Included by the test that uses it. */
#include "testsrv.h"

#include "util/xalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TS_MAX_REPLIES 64
#define TS_MAX_REQUESTS 256
#define TS_MAX_CONNS 64

struct ts_conn {
	struct testsrv *ts;
	int fd;
	pthread_t thread;
};

struct testsrv {
	int listen_fd;
	char url[64];
	pthread_t accept_thread;
	pthread_mutex_t lock;
	pthread_cond_t arrived_cond;
	int arrived; /* barrier requests seen */
	bool stopping;
	struct ts_reply replies[TS_MAX_REPLIES];
	bool used[TS_MAX_REPLIES];
	size_t nreplies;
	struct ts_request requests[TS_MAX_REQUESTS];
	size_t nrequests;
	struct ts_conn conns[TS_MAX_CONNS];
	size_t nconns;
};

static void ts_sleep_ms(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (ms > 0 && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static bool ts_send(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static bool ts_sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool ts_sendf(int fd, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < sizeof buf && ts_send(fd, buf, (size_t)n);
}

/* Reads one request into req; false at end of connection. */
static bool ts_read_request(int fd, struct ts_request *req)
{
	size_t cap = 8192, len = 0;
	char *buf = xmalloc(cap);
	char *end = NULL;

	while (!end) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0) {
			free(buf);
			return false;
		}
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	size_t head = (size_t)(end - buf) + 4;
	size_t clen = 0;
	const char *cl = strstr(buf, "\r\nContent-Length:");
	if (!cl)
		cl = strstr(buf, "\r\ncontent-length:");
	if (cl && cl < end)
		clen = strtoul(cl + 17, NULL, 10);
	while (len < head + clen) {
		if (len + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0) {
			free(buf);
			return false;
		}
		len += (size_t)n;
	}
	char method[16] = "", target[2048] = "";
	sscanf(buf, "%15s %2047s", method, target);
	req->method = strdup(method);
	req->target = strdup(target);
	req->headers = strndup(buf, head);
	req->body = strndup(buf + head, clen);
	req->body_len = clen;
	free(buf);
	return true;
}

/* Records req and picks its reply (copied into *out); false when none is scripted. */
static bool ts_take(struct testsrv *ts, struct ts_request *req, struct ts_reply *out)
{
	char line[2100];
	bool found = false;

	snprintf(line, sizeof line, "%s %s ", req->method, req->target);
	pthread_mutex_lock(&ts->lock);
	if (ts->nrequests < TS_MAX_REQUESTS)
		ts->requests[ts->nrequests++] = *req;
	else
		free(req->method), free(req->target), free(req->headers), free(req->body);
	for (size_t i = 0; i < ts->nreplies && !found; i++) {
		if (ts->used[i] || (ts->replies[i].match && !strstr(line, ts->replies[i].match)))
			continue;
		ts->used[i] = true;
		*out = ts->replies[i];
		found = true;
	}
	pthread_mutex_unlock(&ts->lock);
	return found;
}

static void ts_reset(int fd)
{
	struct linger l = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	shutdown(fd, SHUT_RDWR);
}

/* False when the other barrier requests did not come within 5 s. */
static bool ts_barrier(struct testsrv *ts, int count)
{
	struct timespec until;
	bool ok = true;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&ts->lock);
	ts->arrived++;
	pthread_cond_broadcast(&ts->arrived_cond);
	while (ts->arrived < count && ok)
		ok = pthread_cond_timedwait(&ts->arrived_cond, &ts->lock, &until) == 0 || ts->arrived >= count;
	pthread_mutex_unlock(&ts->lock);
	return ok;
}

static bool ts_answer(struct testsrv *ts, int fd, const struct ts_reply *in)
{
	struct ts_reply failed = {.status = 500, .body = "barrier timeout: the requests did not overlap"};
	const struct ts_reply *r = in->barrier && !ts_barrier(ts, in->barrier) ? &failed : in;
	const char *hdrs = r->headers ? r->headers : "";

	if (r->delay_ms)
		ts_sleep_ms(r->delay_ms);
	if (!r->status) {
		ts_reset(fd);
		return false;
	}
	if (!r->chunks[0]) {
		const char *body = r->body ? r->body : "";
		return ts_sendf(fd, "HTTP/1.1 %d X\r\n%sContent-Length: %zu\r\n%s\r\n", r->status, hdrs, strlen(body),
				r->close ? "Connection: close\r\n" : "") &&
		       ts_send(fd, body, strlen(body)) && !r->close;
	}
	if (!ts_sendf(fd, "HTTP/1.1 %d X\r\n%sTransfer-Encoding: chunked\r\n%s\r\n", r->status, hdrs,
		      r->close ? "Connection: close\r\n" : ""))
		return false;
	for (int i = 0; i < TS_MAX_CHUNKS && r->chunks[i]; i++) {
		if (r->chunk_delay_ms)
			ts_sleep_ms(r->chunk_delay_ms);
		size_t n = strlen(r->chunks[i]);
		if (!ts_sendf(fd, "%zx\r\n", n) || !ts_send(fd, r->chunks[i], n) || !ts_send(fd, "\r\n", 2))
			return false;
	}
	return ts_send(fd, "0\r\n\r\n", 5) && !r->close;
}

static void *ts_serve(void *arg)
{
	struct ts_conn *conn = arg;
	struct ts_request req;
	struct ts_reply r;

	while (ts_read_request(conn->fd, &req)) {
		if (!ts_take(conn->ts, &req, &r)) {
			memset(&r, 0, sizeof r);
			r.status = 500;
			r.body = "no scripted reply";
		}
		if (!ts_answer(conn->ts, conn->fd, &r))
			break;
	}
	shutdown(conn->fd, SHUT_RDWR);
	return NULL;
}

static void *ts_accept(void *arg)
{
	struct testsrv *ts = arg;

	for (;;) {
		int fd = accept(ts->listen_fd, NULL, NULL);
		if (fd < 0)
			return NULL;
		pthread_mutex_lock(&ts->lock);
		if (ts->stopping || ts->nconns == TS_MAX_CONNS) {
			pthread_mutex_unlock(&ts->lock);
			close(fd);
			continue;
		}
		struct ts_conn *conn = &ts->conns[ts->nconns++];
		conn->ts = ts;
		conn->fd = fd;
		pthread_create(&conn->thread, NULL, ts_serve, conn);
		pthread_mutex_unlock(&ts->lock);
	}
}

struct testsrv *ts_start(void)
{
	struct testsrv *ts = calloc(1, sizeof *ts);
	struct sockaddr_in a = {0};
	socklen_t alen = sizeof a;

	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->arrived_cond, NULL);
	ts->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ts->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(ts->listen_fd, 16) < 0 ||
	    getsockname(ts->listen_fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("testsrv");
		abort();
	}
	snprintf(ts->url, sizeof ts->url, "http://127.0.0.1:%d", ntohs(a.sin_port));
	pthread_create(&ts->accept_thread, NULL, ts_accept, ts);
	return ts;
}

void ts_add(struct testsrv *ts, const struct ts_reply *r)
{
	pthread_mutex_lock(&ts->lock);
	if (ts->nreplies < TS_MAX_REPLIES)
		ts->replies[ts->nreplies++] = *r;
	pthread_mutex_unlock(&ts->lock);
}

const char *ts_url(const struct testsrv *ts)
{
	return ts->url;
}

size_t ts_nrequests(struct testsrv *ts)
{
	pthread_mutex_lock(&ts->lock);
	size_t n = ts->nrequests;
	pthread_mutex_unlock(&ts->lock);
	return n;
}

const struct ts_request *ts_request(struct testsrv *ts, size_t i)
{
	return i < ts_nrequests(ts) ? &ts->requests[i] : NULL;
}

size_t ts_count(struct testsrv *ts, const char *s)
{
	char line[2100];
	size_t n = 0;

	pthread_mutex_lock(&ts->lock);
	for (size_t i = 0; i < ts->nrequests; i++) {
		snprintf(line, sizeof line, "%s %s ", ts->requests[i].method, ts->requests[i].target);
		n += strstr(line, s) != NULL;
	}
	pthread_mutex_unlock(&ts->lock);
	return n;
}

void ts_stop(struct testsrv *ts)
{
	pthread_mutex_lock(&ts->lock);
	ts->stopping = true;
	pthread_mutex_unlock(&ts->lock);
	shutdown(ts->listen_fd, SHUT_RDWR);
	pthread_join(ts->accept_thread, NULL);
	close(ts->listen_fd);
	for (size_t i = 0; i < ts->nconns; i++) {
		shutdown(ts->conns[i].fd, SHUT_RDWR);
		pthread_join(ts->conns[i].thread, NULL);
		close(ts->conns[i].fd);
	}
	for (size_t i = 0; i < ts->nrequests; i++) {
		free(ts->requests[i].method);
		free(ts->requests[i].target);
		free(ts->requests[i].headers);
		free(ts->requests[i].body);
	}
	pthread_cond_destroy(&ts->arrived_cond);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
}
