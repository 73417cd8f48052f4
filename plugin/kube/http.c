/* The libcurl transport: TLS, authentication, retries (§3.4 of the API facts),
 * timeouts and the redacted -v request log.
 *
 * Every request runs through one curl multi handle owned by the client, so
 * connections are kept alive across requests and shared by parallel calls;
 * sequential requests reuse the client's one easy handle. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#ifndef VOLSNAP_VERSION
#define VOLSNAP_VERSION "0.0.0-dev"
#endif

#if defined(__x86_64__)
#define VOLSNAP_ARCH "amd64"
#elif defined(__aarch64__)
#define VOLSNAP_ARCH "arm64"
#else
#define VOLSNAP_ARCH "unknown"
#endif

#define RETRY_AFTER_CAP_S 10 /* a server asking for longer is not worth blocking a CLI on */
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000
#define REFUSED_ATTEMPTS 3	  /* a refused connection is a server down or a wrong port: say so soon */
#define LOG_BODY_MAX 10240	  /* kubectl -v=8 truncates bodies at about this size too */
#define TOKEN_FILE_MAX (1u << 20) /* a bearer token is a few KiB; /dev/zero is not a token */
#define RESPONSE_MAX (256u << 20) /* one answer (a LIST page of 500 objects is a few MiB) */

struct kube_client {
	const struct kube_config *cfg;
	struct kube_client_options opts;
	char *user_agent;
	char *server_url;	       /* the configured server without a trailing slash: for logs and messages */
	char *base_url;		       /* what curl connects to: server_url, host swapped for tls_server_name */
	struct curl_slist *connect_to; /* tls_server_name: connect to the real host, verify the given name */
	char *host_header;	       /* the real host for the Host header when connect_to is used */
	CURLM *multi;
	CURL *easy;
	bool easy_busy;
	int depth; /* http_run calls under way (callbacks may nest them) */
	char request_id[33];
	int64_t deadline_ms;   /* every request ends by then (http_set_deadline), 0 = none */
	const char *system_ca; /* no CA in the kubeconfig: the bundle trusted instead, or NULL */
	char *untrusted_hint;  /* the error's hint naming system_ca */
	bool system_ca_searched;
};

int64_t http_set_deadline(struct kube_client *c, int64_t deadline_ms)
{
	int64_t old = c->deadline_ms;
	if (!old || (deadline_ms && deadline_ms < old))
		c->deadline_ms = deadline_ms;
	return old;
}

void http_restore_deadline(struct kube_client *c, int64_t old)
{
	c->deadline_ms = old;
}

/* 128 random bits as hex: unique per invocation, for kube_create_once's marker. */
static void make_request_id(char out[33])
{
	unsigned char r[16] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	size_t n = f ? fread(r, 1, sizeof r, f) : 0;
	if (f)
		fclose(f);
	if (n != sizeof r) {
		/* No /dev/urandom: time and pid still differ between invocations. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t a = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, b = (uint64_t)getpid();
		memcpy(r, &a, sizeof a);
		memcpy(r + 8, &b, sizeof b);
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

const char *kube_client_request_id(const struct kube_client *c)
{
	return c->request_id;
}

int64_t http_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the -v log ---------------------------------------------------------- */

static FILE *log_file(const struct kube_client *c)
{
	return c->opts.log ? c->opts.log : stderr;
}

/* klog's header ("I1125 18:47:51.123456   12345 file] "), so the lines read
 * like kubectl's and tools that parse them keep working. */
static void vlog(const struct kube_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vlog(const struct kube_client *c, const char *fmt, ...)
{
	struct timeval tv;
	struct tm tm;
	va_list ap;
	FILE *f = log_file(c);

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	fprintf(f, "I%02d%02d %02d:%02d:%02d.%06ld %7d http.c] ", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, (long)tv.tv_usec, (int)getpid());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static const char *status_text(long code)
{
	static const struct {
		long code;
		const char *text;
	} t[] = {
	    {200, "OK"},
	    {201, "Created"},
	    {202, "Accepted"},
	    {204, "No Content"},
	    {304, "Not Modified"},
	    {400, "Bad Request"},
	    {401, "Unauthorized"},
	    {403, "Forbidden"},
	    {404, "Not Found"},
	    {405, "Method Not Allowed"},
	    {409, "Conflict"},
	    {410, "Gone"},
	    {415, "Unsupported Media Type"},
	    {422, "Unprocessable Entity"},
	    {429, "Too Many Requests"},
	    {500, "Internal Server Error"},
	    {502, "Bad Gateway"},
	    {503, "Service Unavailable"},
	    {504, "Gateway Timeout"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].code == code)
			return t[i].text;
	return "";
}

static void log_body(const struct kube_client *c, const char *what, const char *body, size_t len)
{
	if (!body || !len)
		return;
	if (len > LOG_BODY_MAX)
		vlog(c, "%s: %.*s [truncated %zu chars]", what, LOG_BODY_MAX, body, len - LOG_BODY_MAX);
	else
		vlog(c, "%s: %.*s", what, (int)len, body);
}

/* Headers as sent, with credentials masked: the log must be safe to paste. */
static void log_request(const struct kube_client *c, const struct http_xfer *x)
{
	if (c->opts.verbosity < 7)
		return;
	vlog(c, "%s %s", x->method, x->url);
	vlog(c, "Request Headers:");
	for (const struct curl_slist *h = x->headers; h; h = h->next) {
		if (h->data[strlen(h->data) - 1] == ':')
			continue; /* a header we remove, not send */
		if (!strncasecmp(h->data, "Authorization:", 14))
			vlog(c, "    Authorization: Bearer <masked>");
		else
			vlog(c, "    %s", h->data);
	}
	if (c->cfg->username && c->cfg->password)
		vlog(c, "    Authorization: Basic <masked>");
	vlog(c, "    User-Agent: %s", c->user_agent);
	if (c->opts.verbosity >= 8)
		log_body(c, "Request Body", x->body, x->body_len);
}

static void log_response(const struct kube_client *c, const struct http_xfer *x, CURLcode rc)
{
	if (c->opts.verbosity < 6)
		return;
	long ms = (long)(http_now_ms() - x->started_ms);
	if (rc != CURLE_OK && !x->stopped)
		vlog(c, "%s %s  in %ld milliseconds (%s)", x->method, x->url, ms,
		     x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	else
		vlog(c, "%s %s %ld %s in %ld milliseconds", x->method, x->url, x->code, status_text(x->code), ms);
	if (c->opts.verbosity >= 8 && !x->on_data)
		log_body(c, "Response Body", x->resp.buf, x->resp.len);
}

/* ---- client -------------------------------------------------------------- */

static char *trim_slash(const char *s)
{
	size_t n = strlen(s);
	while (n && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

/* tls_server_name (kubeconfig): curl verifies the certificate against the URL's
 * host, so the URL names tls_server_name and CONNECT_TO sends the connection to
 * the real host; the Host header keeps the real host. */
static int setup_server_name(struct kube_client *c, struct kube_error *err)
{
	const struct kube_config *cfg = c->cfg;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	int rc = -1;

	if (curl_url_set(u, CURLUPART_URL, cfg->server, 0) || curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0) || curl_url_get(u, CURLUPART_URL, &url, 0)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, "check the cluster's server and tls-server-name",
			       "cannot combine server %s with tls-server-name %s", cfg->server, cfg->tls_server_name);
		goto out;
	}
	char *line = xasprintf("%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
	c->connect_to = curl_slist_append(NULL, line);
	free(line);
	c->host_header = xasprintf("Host: %s:%s", host, port);
	free(c->base_url);
	c->base_url = trim_slash(url);
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int kube_client_new(const struct kube_config *cfg, const struct kube_client_options *opts, struct kube_client **out,
		    struct kube_error *err)
{
	struct kube_client *c;

	*out = NULL;
	if (!cfg || !cfg->server || !*cfg->server) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, "set a cluster server in the kubeconfig or pass --server",
			       "no server URL is configured");
		return -1;
	}
	c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	if (opts)
		c->opts = *opts;
	if (!c->opts.max_retries)
		c->opts.max_retries = 10;
	if (!c->opts.connect_timeout_ms)
		c->opts.connect_timeout_ms = 30000;
	c->user_agent = c->opts.user_agent ? xstrdup(c->opts.user_agent)
					   : xstrdup("kubectl-volsnap/" VOLSNAP_VERSION " (linux/" VOLSNAP_ARCH ")");
	make_request_id(c->request_id);
	c->server_url = trim_slash(cfg->server);
	c->base_url = xstrdup(c->server_url);
	if (cfg->tls_server_name && *cfg->tls_server_name && setup_server_name(c, err) < 0) {
		kube_client_free(c);
		return -1;
	}
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (!c->multi || !c->easy) {
		kube_error_set(err, KUBE_ERR_TRANSPORT, 0, NULL, NULL, "cannot initialise libcurl");
		kube_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->connect_to);
	free(c->host_header);
	free(c->untrusted_hint);
	free(c->base_url);
	free(c->server_url);
	free(c->user_agent);
	free(c);
}

const struct kube_config *kube_client_config(const struct kube_client *c)
{
	return c->cfg;
}

/* ---- transfers ----------------------------------------------------------- */

void http_xfer_init(struct http_xfer *x, const char *method, const char *path, json_object *body,
		    const char *content_type)
{
	memset(x, 0, sizeof *x);
	x->method = method;
	x->path = xstrdup(path);
	x->safe = !strcmp(method, "GET");
	if (body) {
		x->body = jdump(body);
		x->body_len = strlen(x->body);
		x->content_type = content_type ? content_type : "application/json";
	}
	x->retry_after = -1;
	strbuf_init(&x->resp, 0);
}

void http_xfer_release(struct http_xfer *x)
{
	free(x->path);
	free(x->body);
	free(x->content_type_in);
	free(x->url);
	curl_slist_free_all(x->headers);
	strbuf_release(&x->resp);
	kube_error_clear(&x->err);
	if (x->own_easy && x->easy)
		curl_easy_cleanup(x->easy);
	memset(x, 0, sizeof *x);
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct http_xfer *x = ud;
	size_t len = size * n;

	if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
		/* A new status line (after 100 Continue too): forget the previous one. */
		const char *sp = memchr(buf, ' ', len);
		x->code = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->retry_after = -1;
		free(x->content_type_in);
		x->content_type_in = NULL;
	} else if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
		char *end;
		long v = strtol(buf + 12, &end, 10);
		while (end < buf + len && isspace((unsigned char)*end))
			end++;
		/* Only integer seconds count, as in client-go; an HTTP date is ignored. */
		x->retry_after = end == buf + len && v >= 0 ? v : -1;
	} else if (len > 13 && !strncasecmp(buf, "Content-Type:", 13)) {
		const char *v = buf + 13;
		size_t vl = len - 13;
		while (vl && isspace((unsigned char)*v)) {
			v++;
			vl--;
		}
		while (vl && isspace((unsigned char)v[vl - 1]))
			vl--;
		free(x->content_type_in);
		x->content_type_in = xstrndup(v, vl);
	}
	return len;
}

static size_t on_write(char *buf, size_t size, size_t n, void *ud)
{
	struct http_xfer *x = ud;
	size_t len = size * n;

	if (x->on_data && x->code >= 200 && x->code < 300) {
		if (x->on_data(buf, len, x->ud)) {
			x->stopped = true;
			return 0; /* makes curl end the transfer */
		}
		return len;
	}
	if (x->resp.len + len > RESPONSE_MAX) {
		x->too_big = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	strbuf_add(&x->resp, buf, len);
	return len;
}

static char *read_token_file(const char *path, struct kube_error *err)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;

	if (!f) {
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, "check the kubeconfig's tokenFile",
			       "cannot read token file %s: %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (sb.len + n > TOKEN_FILE_MAX) {
			fclose(f);
			strbuf_release(&sb);
			kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, "point tokenFile at the token itself",
				       "token file %s is larger than %u KiB: not a token", path, TOKEN_FILE_MAX >> 10);
			return NULL;
		}
		strbuf_add(&sb, buf, n);
	}
	fclose(f);
	while (sb.len && isspace((unsigned char)sb.buf[sb.len - 1]))
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

static void set_blob(CURL *e, CURLoption opt, const char *data, size_t len)
{
	struct curl_blob blob = {(void *)data, len, CURL_BLOB_COPY};
	curl_easy_setopt(e, opt, &blob);
}

/* The bearer token for this attempt (caller frees), client certificates from
 * an exec plugin set on the handle. Token files are re-read every time, as
 * client-go does, because kubelets rotate projected tokens. */
static int attach_credentials(struct kube_client *c, struct http_xfer *x, char **token, struct kube_error *err)
{
	const struct kube_config *cfg = c->cfg;
	struct kube_exec_credential cred = {0};

	*token = NULL;
	if (cfg->token_file && *cfg->token_file) {
		*token = read_token_file(cfg->token_file, err);
		return *token ? 0 : -1;
	}
	if (cfg->token && *cfg->token) {
		*token = xstrdup(cfg->token);
		return 0;
	}
	if (!cfg->exec)
		return 0;
	bool force = x->force_refresh;
	x->force_refresh = false;
	if (kube_exec_get_credential(cfg, force, &cred, err) < 0)
		return -1;
	*token = xstrdup_or_null(cred.token);
	if (cred.client_cert_data && cred.client_key_data) {
		set_blob(x->easy, CURLOPT_SSLCERT_BLOB, cred.client_cert_data, strlen(cred.client_cert_data));
		set_blob(x->easy, CURLOPT_SSLKEY_BLOB, cred.client_key_data, strlen(cred.client_key_data));
	}
	kube_exec_credential_clear(&cred);
	return 0;
}

/* No CA in the kubeconfig (a server with a publicly trusted certificate): the
 * system's bundle. libcurl knows only the path it was built with (Debian's,
 * for the static binary); kubectl (Go) searches these, so a Fedora or RHEL
 * machine works the same for both. SSL_CERT_FILE overrides, as in Go. */
static const char *system_ca_file(CURL *e)
{
	static const char *const bundles[] = {
	    "/etc/ssl/certs/ca-certificates.crt",		 /* Debian, Ubuntu, Arch, Gentoo */
	    "/etc/pki/tls/certs/ca-bundle.crt",			 /* Fedora, RHEL 6 */
	    "/etc/ssl/ca-bundle.pem",				 /* openSUSE */
	    "/etc/pki/tls/cacert.pem",				 /* OpenELEC */
	    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* CentOS, RHEL 7+ */
	    "/etc/ssl/cert.pem",				 /* Alpine */
	};
	const char *env = getenv("SSL_CERT_FILE");
	char *builtin = NULL;
	if (env && *env)
		return env;
	curl_easy_getinfo(e, CURLINFO_CAINFO, &builtin);
	if (builtin && access(builtin, R_OK) == 0)
		return builtin;
	for (size_t i = 0; i < sizeof bundles / sizeof *bundles; i++)
		if (access(bundles[i], R_OK) == 0)
			return bundles[i];
	return NULL;
}

/* What to do about an untrusted certificate when the kubeconfig names no CA
 * (NULL when it does: the error's own hint then speaks of that CA). */
static const char *untrusted_hint(const struct kube_client *c)
{
	const struct kube_config *cfg = c->cfg;
	if ((cfg->ca_data && cfg->ca_data_len) || (cfg->ca_file && *cfg->ca_file))
		return NULL;
	return c->system_ca
		   ? c->untrusted_hint
		   : "the kubeconfig names no certificate-authority and no system CA bundle was found: add the "
		     "cluster's CA (kubectl config set-cluster NAME --certificate-authority=FILE --embed-certs) "
		     "or set SSL_CERT_FILE";
}

static void setup_tls(struct kube_client *c, CURL *e)
{
	const struct kube_config *cfg = c->cfg;

	if (cfg->insecure_skip_tls_verify) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (cfg->ca_data && cfg->ca_data_len)
		set_blob(e, CURLOPT_CAINFO_BLOB, cfg->ca_data, cfg->ca_data_len);
	else if (cfg->ca_file && *cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	else if (!cfg->insecure_skip_tls_verify) {
		if (!c->system_ca_searched) {
			c->system_ca = system_ca_file(e);
			c->system_ca_searched = true;
			if (c->system_ca)
				c->untrusted_hint = xasprintf("the kubeconfig names no certificate-authority, so the "
							      "system's bundle %s was used: "
							      "add the cluster's CA (kubectl config set-cluster NAME "
							      "--certificate-authority=FILE "
							      "--embed-certs) or set SSL_CERT_FILE",
							      c->system_ca);
		}
		if (c->system_ca)
			curl_easy_setopt(e, CURLOPT_CAINFO, c->system_ca);
		const char *dir = getenv("SSL_CERT_DIR");
		if (dir && *dir)
			curl_easy_setopt(e, CURLOPT_CAPATH, dir);
	}
	if (cfg->client_cert_data && cfg->client_cert_data_len)
		set_blob(e, CURLOPT_SSLCERT_BLOB, cfg->client_cert_data, cfg->client_cert_data_len);
	else if (cfg->client_cert_file && *cfg->client_cert_file)
		curl_easy_setopt(e, CURLOPT_SSLCERT, cfg->client_cert_file);
	if (cfg->client_key_data && cfg->client_key_data_len)
		set_blob(e, CURLOPT_SSLKEY_BLOB, cfg->client_key_data, cfg->client_key_data_len);
	else if (cfg->client_key_file && *cfg->client_key_file)
		curl_easy_setopt(e, CURLOPT_SSLKEY, cfg->client_key_file);
	if (c->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, c->connect_to);
	if (cfg->proxy_url && *cfg->proxy_url)
		curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy_url);
}

static void setup_method(struct http_xfer *x)
{
	CURL *e = x->easy;

	if (x->body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	}
	if (!strcmp(x->method, "GET"))
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(x->method, "POST") || !x->body)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, x->method);
	/* libcurl re-sends a request by itself when a reused connection breaks
	 * before any answer byte, though the server may have carried it out; it
	 * has no option against that (7.88), but never reuses a fresh connection.
	 * So a write goes on a new connection and is sent exactly once per attempt. */
	if (strcmp(x->method, "GET"))
		curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
}

static struct curl_slist *build_headers(struct kube_client *c, struct http_xfer *x, const char *token)
{
	struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
	char *line;

	if (x->body) {
		line = xasprintf("Content-Type: %s", x->content_type);
		h = curl_slist_append(h, line);
		free(line);
	}
	/* No 100-continue round trip: the apiserver reads bodies right away. */
	h = curl_slist_append(h, "Expect:");
	if (c->host_header)
		h = curl_slist_append(h, c->host_header);
	if (c->cfg->impersonate_user) {
		line = xasprintf("Impersonate-User: %s", c->cfg->impersonate_user);
		h = curl_slist_append(h, line);
		free(line);
	}
	for (size_t i = 0; i < c->cfg->n_impersonate_groups; i++) {
		line = xasprintf("Impersonate-Group: %s", c->cfg->impersonate_groups[i]);
		h = curl_slist_append(h, line);
		free(line);
	}
	if (token) {
		line = xasprintf("Authorization: Bearer %s", token);
		h = curl_slist_append(h, line);
		explicit_bzero(line, strlen(line));
		free(line);
	}
	return h;
}

static void setup_timeouts(struct kube_client *c, struct http_xfer *x)
{
	CURL *e = x->easy;

	long connect_ms = c->opts.connect_timeout_ms;
	/* --request-timeout bounds the whole request, so the connect too. */
	if (c->opts.request_timeout_ms > 0 && c->opts.request_timeout_ms < connect_ms)
		connect_ms = c->opts.request_timeout_ms;
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (x->streaming) {
		/* A watch has no total timeout; an idle guard catches a dead peer. */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, x->idle_s > 0 ? x->idle_s : 360L);
	} else if (c->opts.request_timeout_ms > 0) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opts.request_timeout_ms);
	}
}

/* Prepares one attempt. -1 when credentials cannot be had (x->err set). */
static int setup_attempt(struct kube_client *c, struct http_xfer *x)
{
	CURL *e = x->easy;
	char *token = NULL;

	curl_easy_reset(e); /* keeps the live connections, drops the last request's options */
	free(x->url);
	x->url = xasprintf("%s%s", c->server_url, x->path);
	char *url = xasprintf("%s%s", c->base_url, x->path);
	curl_easy_setopt(e, CURLOPT_URL, url); /* libcurl keeps its own copy */
	free(url);
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	if (attach_credentials(c, x, &token, &x->err) < 0)
		return -1;
	x->headers = build_headers(c, x, token);
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Parallel calls wait for the first TLS handshake: if ALPN picks HTTP/2
	 * they share that connection instead of each paying a handshake. Over
	 * plain HTTP nothing would tell before the first answer, so no waiting. */
	if (!strncmp(c->base_url, "https://", 8))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->cfg->username && c->cfg->password) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERNAME, c->cfg->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, c->cfg->password);
	}
	setup_tls(c, e);
	setup_method(x);
	setup_timeouts(c, x);
	return 0;
}

static void reset_response(struct http_xfer *x)
{
	x->code = 0;
	x->retry_after = -1;
	free(x->content_type_in);
	x->content_type_in = NULL;
	strbuf_reset(&x->resp);
	x->stopped = false;
	x->too_big = false;
	x->errbuf[0] = '\0';
	kube_error_clear(&x->err);
}

static void start(struct kube_client *c, struct http_xfer *x)
{
	if (!x->easy) {
		if (!c->easy_busy) {
			x->easy = c->easy;
			c->easy_busy = true;
		} else {
			x->easy = curl_easy_init();
			x->own_easy = true;
		}
	}
	reset_response(x);
	x->attempts++;
	x->started_ms = http_now_ms();
	if (!x->easy || setup_attempt(c, x) < 0) {
		if (!x->easy)
			kube_error_set(&x->err, KUBE_ERR_TRANSPORT, 0, NULL, NULL, "cannot initialise libcurl");
		x->rc = -1;
		x->done = true;
		return;
	}
	log_request(c, x);
	curl_multi_add_handle(c->multi, x->easy);
	x->running = true;
}

static bool refused(const struct http_xfer *x, CURLcode rc)
{
	long os_errno = 0;
	if (rc != CURLE_COULDNT_CONNECT)
		return false;
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
	return os_errno == ECONNREFUSED;
}

/* Time ran out before the request could even be sent (no connection, or no
 * TLS handshake): nothing answers at that address. A reused connection has
 * no connect time, so what tells is that no request byte went out. */
static bool silent_server(const struct http_xfer *x, CURLcode rc)
{
	long sent = 0, os_errno = 0;
	if (rc != CURLE_OPERATION_TIMEDOUT && rc != CURLE_COULDNT_CONNECT)
		return false;
	curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &sent);
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
	return sent == 0 && (rc == CURLE_OPERATION_TIMEDOUT || os_errno == ETIMEDOUT);
}

/* Connection failures worth another try. Writes are retried only when the
 * connection was refused: then no byte of the request reached the server. */
static bool retryable_failure(const struct http_xfer *x, CURLcode rc)
{
	if (x->streaming && x->code)
		return false; /* a broken watch stream is resumed by the watch, not replayed */
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		/* A refused port answers at once: retried briefly, not for 20 s. */
		if (refused(x, rc))
			return x->attempts < REFUSED_ATTEMPTS;
		return !silent_server(x, rc);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return x->safe;
	default:
		return false;
	}
}

static void schedule(struct http_xfer *x, int64_t delay_ms)
{
	x->not_before_ms = http_now_ms() + delay_ms;
}

/* An attempt ended: decide between done and another attempt. */
static void finish(struct kube_client *c, struct http_xfer *x, CURLcode rc)
{
	bool more = x->attempts <= c->opts.max_retries;

	curl_multi_remove_handle(c->multi, x->easy);
	x->running = false;
	log_response(c, x, rc);
	if (rc == CURLE_OK || x->stopped) {
		if (x->code == 401 && c->cfg->exec && !x->refreshed && !c->cfg->token && !c->cfg->token_file) {
			/* The credential may have been revoked before its expiry. */
			x->refreshed = x->force_refresh = true;
			schedule(x, 0);
			return;
		}
		if ((x->code == 429 || x->code >= 500) && x->retry_after >= 0 && more && !x->stopped) {
			long s = x->retry_after < RETRY_AFTER_CAP_S ? x->retry_after : RETRY_AFTER_CAP_S;
			schedule(x, s * 1000);
			return;
		}
		x->rc = 0;
		if (x->on_complete && x->code >= 200 && x->code < 300 && !x->stopped && x->on_complete(x)) {
			x->attempts = 0;
			schedule(x, 0);
			return;
		}
		x->done = true;
		return;
	}
	if (retryable_failure(x, rc) && more) {
		int shift = x->attempts < 6 ? x->attempts - 1 : 5;
		int64_t delay = (int64_t)BACKOFF_BASE_MS << shift;
		schedule(x, delay < BACKOFF_CAP_MS ? delay : BACKOFF_CAP_MS);
		return;
	}
	char *public_url = xasprintf("%s %s", x->method, x->url);
	if (x->too_big)
		kube_error_set(&x->err, KUBE_ERR_PROTOCOL, x->code, NULL, NULL, "%s: the answer is larger than %u MiB",
			       public_url, RESPONSE_MAX >> 20);
	else if (refused(x, rc))
		kube_error_set(&x->err, KUBE_ERR_TRANSPORT, 0, NULL,
			       "is the server running, and is the URL's port right? (the kubeconfig's cluster server)",
			       "%s: connection refused (tried %d times)", public_url, x->attempts);
	else if (silent_server(x, rc))
		kube_error_set(&x->err, KUBE_ERR_TRANSPORT, 0, NULL, "is it reachable (VPN, firewall)?",
			       "%s: the server did not answer (no connection after %ld ms)", public_url,
			       (long)(http_now_ms() - x->started_ms));
	else
		kube_error_from_curl(&x->err, rc, x->errbuf, public_url, untrusted_hint(c));
	free(public_url);
	x->rc = -1;
	x->done = true;
}

static struct http_xfer *xfer_of(CURL *e)
{
	char *p = NULL;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, &p);
	return (struct http_xfer *)(void *)p;
}

/* Starts what is due; returns how many transfers are not done and sets *wait_ms
 * to the time until the next scheduled start. */
static size_t start_due(struct kube_client *c, struct http_xfer **xs, size_t n, int64_t *wait_ms)
{
	int64_t now = http_now_ms();
	size_t open = 0;

	for (size_t i = 0; i < n; i++) {
		struct http_xfer *x = xs[i];
		if (!x->done && !x->running) {
			if (x->not_before_ms <= now)
				start(c, x);
			else if (x->not_before_ms - now < *wait_ms)
				*wait_ms = x->not_before_ms - now;
		}
		if (!x->done)
			open++;
	}
	return open;
}

static void collect(struct kube_client *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left))) {
		if (m->msg == CURLMSG_DONE)
			finish(c, xfer_of(m->easy_handle), m->data.result);
	}
}

/* True when the loop has work to do before waiting: a transfer due to start,
 * or every transfer done. A retry scheduled for later is waited for. */
static bool ready(struct http_xfer **xs, size_t n)
{
	int64_t now = http_now_ms();
	bool open = false;

	for (size_t i = 0; i < n; i++) {
		if (xs[i]->done)
			continue;
		if (!xs[i]->running && xs[i]->not_before_ms <= now)
			return true;
		open = true;
	}
	return !open;
}

static void abandon(struct kube_client *c, struct http_xfer **xs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (xs[i]->running) {
			curl_multi_remove_handle(c->multi, xs[i]->easy);
			/* A watch ended by its deadline still gets its log line. */
			log_response(c, xs[i], xs[i]->code ? CURLE_OK : CURLE_ABORTED_BY_CALLBACK);
		}
		xs[i]->running = false;
	}
}

static void release_easies(struct kube_client *c, struct http_xfer **xs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (xs[i]->easy == c->easy) {
			xs[i]->easy = NULL;
			c->easy_busy = false;
		}
	}
}

static int run_loop(struct kube_client *c, struct http_xfer **xs, size_t n, struct http_run_opts *ro,
		    struct kube_error *err)
{
	int64_t last_tick = http_now_ms();
	int64_t deadline = ro && ro->deadline_ms ? ro->deadline_ms : 0;
	int rc = 0;

	if (c->deadline_ms && (!deadline || c->deadline_ms < deadline))
		deadline = c->deadline_ms;
	for (size_t i = 0; i < n; i++) {
		xs[i]->done = xs[i]->running = false;
		xs[i]->attempts = 0;
		xs[i]->not_before_ms = 0;
	}
	for (;;) {
		int64_t wait = 1000;
		if (!start_due(c, xs, n, &wait))
			break;
		int64_t now = http_now_ms();
		if (deadline && now >= deadline) {
			kube_error_set(err, KUBE_ERR_TIMEOUT, 0, NULL, NULL, "timed out");
			rc = -1;
			break;
		}
		if (ro && ro->on_tick && now - last_tick >= 1000) {
			last_tick = now;
			if ((ro->tick_rc = ro->on_tick(ro->tick_ud))) {
				rc = 1;
				break;
			}
		}
		int running;
		curl_multi_perform(c->multi, &running);
		collect(c);
		if (ready(xs, n))
			continue;
		/* A retry that collect() just scheduled is due before the next poll ends. */
		for (size_t i = 0; i < n; i++)
			if (!xs[i]->done && !xs[i]->running && xs[i]->not_before_ms - now < wait)
				wait = xs[i]->not_before_ms - now;
		if (deadline && deadline - now < wait)
			wait = deadline - now;
		if (ro && ro->on_tick && last_tick + 1000 - now < wait)
			wait = last_tick + 1000 - now;
		if (wait > 0)
			curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL);
	}
	abandon(c, xs, n);
	release_easies(c, xs, n);
	return rc;
}

int http_run(struct kube_client *c, struct http_xfer **xs, size_t n, struct http_run_opts *ro, struct kube_error *err)
{
	CURLM *outer = NULL;
	int rc;

	if (c->depth) {
		/* A callback (a watch event handler, say) makes a request while a run
		 * is under way: libcurl forbids re-entering the multi handle, so this
		 * run gets its own. */
		outer = c->multi;
		c->multi = curl_multi_init();
		if (!c->multi) {
			c->multi = outer;
			kube_error_set(err, KUBE_ERR_TRANSPORT, 0, NULL, NULL, "cannot initialise libcurl");
			return -1;
		}
	}
	c->depth++;
	rc = run_loop(c, xs, n, ro, err);
	c->depth--;
	if (outer) {
		curl_multi_cleanup(c->multi);
		c->multi = outer;
	}
	return rc;
}

int http_xfer_json(struct http_xfer *x, json_object **out, struct kube_error *err)
{
	if (out)
		*out = NULL;
	if (x->rc < 0) {
		kube_error_move(err, &x->err);
		return -1;
	}
	if (x->code < 200 || x->code >= 300) {
		kube_error_from_response(err, x->method, x->path, x->code, x->content_type_in, x->resp.buf,
					 x->resp.len);
		return -1;
	}
	if (!out)
		return 0;
	*out = jparse(x->resp.buf, x->resp.len);
	if (!*out) {
		kube_error_set(err, KUBE_ERR_PROTOCOL, x->code, NULL, NULL, "%s %s: the answer is not JSON", x->method,
			       x->path);
		return -1;
	}
	return 0;
}

int http_json(struct kube_client *c, const char *method, const char *path, json_object *body, const char *content_type,
	      json_object **out, struct kube_error *err)
{
	struct http_xfer x;
	struct http_xfer *xs[1] = {&x};
	int rc;

	http_xfer_init(&x, method, path, body, content_type);
	rc = http_run(c, xs, 1, NULL, err);
	if (rc == 0)
		rc = http_xfer_json(&x, out, err);
	http_xfer_release(&x);
	return rc;
}
