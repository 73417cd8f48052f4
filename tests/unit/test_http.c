/* The transport against a scripted server: headers, retries (§3.4), timeouts,
 * credentials and the redacted -v log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "support/fixture.c"
#include "util/json.h"
#include "util/xalloc.h"

#define VERSION_BODY "{\"major\":\"1\",\"minor\":\"31+\",\"gitVersion\":\"v1.31.4-gke.1\",\"platform\":\"linux/amd64\"}"

static bool has_header(const struct ts_request *r, const char *line)
{
	return strstr(r->headers, line) != NULL;
}

static void test_get_sends_headers_and_logs(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *out = NULL;

	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{\"kind\":\"Namespace\"}"});
	f->opts.verbosity = 6;
	assert_int_equal(kube_get(fixture_client(f), "/api/v1/namespaces/default", &out, &err), 0);
	assert_string_equal(jstr(out, "kind"), "Namespace");
	json_object_put(out);

	const struct ts_request *r = ts_request(f->ts, 0);
	assert_string_equal(r->method, "GET");
	assert_string_equal(r->target, "/api/v1/namespaces/default");
	assert_true(has_header(r, "Accept: application/json\r\n"));
	assert_true(has_header(r, "Authorization: Bearer s3cr3t-token-value\r\n"));
	assert_true(has_header(r, "User-Agent: kubectl-volsnap/"));
	assert_true(has_header(r, " (linux/"));

	char *want = NULL;
	want = xasprintf("http.c] GET %s/api/v1/namespaces/default 200 OK in ", ts_url(f->ts));
	assert_non_null(strstr(fixture_log(f), want));
	assert_non_null(strstr(fixture_log(f), " milliseconds\n"));
	assert_null(strstr(fixture_log(f), "Request Headers")); /* that is -v=7 */
	free(want);
}

static void test_429_retry_after_is_honoured(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *out = NULL;

	ts_add(f->ts, &(struct ts_reply){.status = 429,
					 .headers = "Content-Type: text/plain\r\nRetry-After: 1\r\n",
					 .body = "Too many requests, please try again later.\n"});
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = VERSION_BODY});
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_get(fixture_client(f), "/version", &out, &err), 0);
	assert_true(http_now_ms() - t0 >= 950);
	assert_int_equal(ts_nrequests(f->ts), 2);
	json_object_put(out);
}

static void test_429_gives_up_after_max_retries(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};

	f->opts.max_retries = 2;
	for (int i = 0; i < 3; i++)
		ts_add(f->ts,
		       &(struct ts_reply){.status = 429, .headers = "Retry-After: 0\r\n", .body = "slow down\n"});
	assert_int_equal(kube_get(fixture_client(f), "/version", NULL, &err), -1);
	assert_int_equal(ts_nrequests(f->ts), 3);
	assert_int_equal(err.kind, KUBE_ERR_API);
	assert_int_equal(err.http_code, 429);
	assert_string_equal(err.message, "slow down");
	kube_error_clear(&err);
}

static void test_503_without_retry_after_not_retried_for_post(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *obj = json_object_new_object();

	ts_add(f->ts,
	       &(struct ts_reply){.status = 503,
				  .headers = JSON_CT,
				  .body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
					  "\"Failure\",\"message\":\"unavailable\",\"reason\":"
					  "\"ServiceUnavailable\",\"code\":503}"});
	ts_add(f->ts, &(struct ts_reply){.status = 201, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_create(fixture_client(f), "/api/v1/namespaces/default/configmaps", obj, 0, NULL, &err),
			 -1);
	assert_int_equal(ts_nrequests(f->ts), 1);
	assert_int_equal(err.http_code, 503);
	assert_string_equal(err.reason, "ServiceUnavailable");
	assert_string_equal(err.message, "unavailable");
	kube_error_clear(&err);
	json_object_put(obj);
}

static void test_503_with_retry_after_retried_for_post(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *obj = jparse("{\"a\":1}", 7);
	json_object *out = NULL;

	ts_add(f->ts, &(struct ts_reply){.status = 503, .headers = "Retry-After: 0\r\n", .body = "later"});
	ts_add(f->ts, &(struct ts_reply){.status = 201, .headers = JSON_CT, .body = "{\"made\":true}"});
	assert_int_equal(
	    kube_create(fixture_client(f), "/api/v1/namespaces/default/configmaps", obj, KUBE_DRY_RUN, &out, &err), 0);
	assert_int_equal(ts_nrequests(f->ts), 2);
	/* The body is replayed byte for byte. */
	assert_string_equal(ts_request(f->ts, 1)->body, "{\"a\":1}");
	assert_string_equal(ts_request(f->ts, 1)->target, "/api/v1/namespaces/default/configmaps?dryRun=All");
	assert_true(has_header(ts_request(f->ts, 1), "Content-Type: application/json\r\n"));
	json_object_put(out);
	json_object_put(obj);
}

static void test_reset_retried_for_get_not_for_post(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *out = NULL;

	ts_add(f->ts, &(struct ts_reply){.match = "GET", .status = 0});
	ts_add(f->ts, &(struct ts_reply){.match = "GET", .status = 200, .headers = JSON_CT, .body = VERSION_BODY});
	assert_int_equal(kube_get(fixture_client(f), "/version", &out, &err), 0);
	assert_int_equal(ts_count(f->ts, "GET /version"), 2);
	json_object_put(out);

	/* A new client: on a reused keep-alive connection libcurl itself replays a
	 * request that got no byte back (the idle server may have closed it). */
	kube_client_free(f->client);
	f->client = NULL;
	json_object *obj = json_object_new_object();
	ts_add(f->ts, &(struct ts_reply){.match = "POST", .status = 0});
	ts_add(f->ts, &(struct ts_reply){.match = "POST", .status = 201, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_create(fixture_client(f), "/api/v1/namespaces/default/configmaps", obj, 0, NULL, &err),
			 -1);
	assert_int_equal(ts_count(f->ts, "POST"), 1);
	assert_int_equal(err.kind, KUBE_ERR_TRANSPORT);
	assert_int_equal(err.http_code, 0);
	kube_error_clear(&err);
	json_object_put(obj);
}

static void test_connection_refused(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};

	free(f->cfg.server);
	f->cfg.server = strdup("http://127.0.0.1:1"); /* nothing listens on port 1 */
	/* Issue 8 item 7: retried briefly (not 21 s of silent retries) and said so. */
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_get(fixture_client(f), "/version", NULL, &err), -1);
	if (http_now_ms() - t0 >= 2000)
		fail_msg("took %lld ms: %s", (long long)(http_now_ms() - t0), err.message);
	assert_int_equal(err.kind, KUBE_ERR_TRANSPORT);
	assert_string_equal(err.hint,
			    "is the server running, and is the URL's port right? (the kubeconfig's cluster server)");
	assert_non_null(strstr(err.message, "GET http://127.0.0.1:1/version: connection refused (tried 3 times)"));
	kube_error_clear(&err);
}

static void test_request_timeout(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};

	ts_add(f->ts, &(struct ts_reply){.status = 200, .delay_ms = 1500, .body = "{}"});
	f->opts.request_timeout_ms = 200;
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_get(fixture_client(f), "/version", NULL, &err), -1);
	assert_true(http_now_ms() - t0 < 1400);
	assert_int_equal(err.kind, KUBE_ERR_TIMEOUT);
	assert_string_equal(err.hint, "raise --request-timeout");
	kube_error_clear(&err);
}

static void test_secrets_never_logged(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	const char *text = "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}";
	json_object *patch = jparse(text, strlen(text));
	json_object *out = NULL;

	f->cfg.username = "admin";
	f->cfg.password = "hunter2-password";
	f->cfg.client_key_data = "-----BEGIN EC PRIVATE KEY-----secret-key-bytes";
	f->cfg.client_key_data_len = strlen(f->cfg.client_key_data);
	f->opts.verbosity = 9;
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{\"kind\":\"ConfigMap\"}"});
	kube_patch(fixture_client(f), "/api/v1/namespaces/default/configmaps/c", KUBE_PATCH_MERGE, patch, 0, &out,
		   &err);
	kube_error_clear(&err);
	const char *log = fixture_log(f);
	assert_non_null(strstr(log, "Authorization: Bearer <masked>"));
	assert_non_null(strstr(log, "Request Body: {\"metadata\":{\"labels\":{\"a\":\"b\"}}}"));
	assert_non_null(strstr(log, "Response Body: {\"kind\":\"ConfigMap\"}"));
	assert_non_null(strstr(log, "Content-Type: application/merge-patch+json"));
	assert_null(strstr(log, "s3cr3t"));
	assert_null(strstr(log, "hunter2"));
	assert_null(strstr(log, "secret-key-bytes"));
	f->cfg.username = f->cfg.password = f->cfg.client_key_data = NULL;
	json_object_put(patch);
	json_object_put(out);
}

static void test_patch_content_types(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *patch = json_object_new_array();

	for (int i = 0; i < 3; i++)
		ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_patch(fixture_client(f), "/x", KUBE_PATCH_JSON, patch, KUBE_DRY_RUN, NULL, &err), 0);
	assert_int_equal(kube_patch(f->client, "/x", KUBE_PATCH_STRATEGIC, patch, 0, NULL, &err), 0);
	assert_int_equal(kube_patch(f->client, "/x", KUBE_PATCH_MERGE, patch, 0, NULL, &err), 0);
	assert_string_equal(ts_request(f->ts, 0)->method, "PATCH");
	assert_string_equal(ts_request(f->ts, 0)->target, "/x?dryRun=All");
	assert_true(has_header(ts_request(f->ts, 0), "Content-Type: application/json-patch+json\r\n"));
	assert_true(has_header(ts_request(f->ts, 1), "Content-Type: application/strategic-merge-patch+json\r\n"));
	assert_true(has_header(ts_request(f->ts, 2), "Content-Type: application/merge-patch+json\r\n"));
	json_object_put(patch);
}

static void test_token_file_reread(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	char path[] = "/tmp/volsnap-token-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "first-token\n", 12), 12);
	close(fd);
	f->cfg.token_file = path;
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_get(fixture_client(f), "/a", NULL, &err), 0);
	FILE *fp = fopen(path, "w");
	fputs("second-token", fp);
	fclose(fp);
	assert_int_equal(kube_get(f->client, "/b", NULL, &err), 0);
	assert_true(has_header(ts_request(f->ts, 0), "Authorization: Bearer first-token\r\n"));
	assert_true(has_header(ts_request(f->ts, 1), "Authorization: Bearer second-token\r\n"));

	unlink(path);
	assert_int_equal(kube_get(f->client, "/c", NULL, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_CREDENTIALS);
	kube_error_clear(&err);

	/* Issue 9 item 6: a token file that never ends is refused, not read to OOM. */
	f->cfg.token_file = "/dev/zero";
	assert_int_equal(kube_get(f->client, "/d", NULL, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_CREDENTIALS);
	assert_non_null(strstr(err.message, "token file /dev/zero is larger than 1024 KiB"));
	kube_error_clear(&err);
	f->cfg.token_file = NULL;
}

static void test_keep_alive(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};

	for (int i = 0; i < 3; i++)
		ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	for (int i = 0; i < 3; i++)
		assert_int_equal(kube_get(i ? f->client : fixture_client(f), "/v", NULL, &err), 0);
	assert_int_equal(f->ts->nconns, 1);
}

/* tls-server-name: the URL names it (so TLS would verify it) while the
 * connection goes to the configured server, whose host the Host header keeps. */
static void test_tls_server_name_connects_to_server(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	char *host = xstrdup(f->cfg.server + strlen("http://"));

	f->cfg.tls_server_name = "kubernetes.default.svc";
	f->opts.verbosity = 6;
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_get(fixture_client(f), "/version", NULL, &err), 0);
	char *want = xasprintf("Host: %s\r\n", host);
	assert_true(has_header(ts_request(f->ts, 0), want));
	free(want);
	free(host);
	f->cfg.tls_server_name = NULL;
}

/* An exec plugin whose credential the server rejects once: the plugin runs
 * again (force refresh) and the request is retried with the new token. */
static void test_exec_refreshed_after_401(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	char dir[] = "/tmp/volsnap-exec-XXXXXX";
	char *script = NULL, *counter = NULL;
	struct kube_exec_config ex = {0};
	char *args[1];

	assert_non_null(mkdtemp(dir));
	script = xasprintf("%s/plugin.sh", dir);
	counter = xasprintf("%s/n", dir);
	FILE *fp = fopen(script, "w");
	fprintf(fp,
		"#!/bin/sh\nn=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s\n"
		"printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
		"\"status\":{\"token\":\"exec-token-%%s\"}}' $n\n",
		counter, counter);
	fclose(fp);
	chmod(script, 0700);
	ex.api_version = "client.authentication.k8s.io/v1";
	ex.command = script;
	args[0] = NULL;
	ex.args = args;
	ex.interactive_mode = "Never";
	free(f->cfg.token);
	f->cfg.token = NULL;
	f->cfg.exec = &ex;
	f->cfg.user_name = "exec-user";
	f->opts.verbosity = 9;

	ts_add(f->ts,
	       &(struct ts_reply){.status = 401,
				  .headers = JSON_CT,
				  .body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
					  "\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\","
					  "\"code\":401}"});
	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_get(fixture_client(f), "/version", NULL, &err), 0);
	assert_true(has_header(ts_request(f->ts, 0), "Authorization: Bearer exec-token-1\r\n"));
	assert_true(has_header(ts_request(f->ts, 1), "Authorization: Bearer exec-token-2\r\n"));
	assert_null(strstr(fixture_log(f), "exec-token"));

	unlink(counter);
	unlink(script);
	rmdir(dir);
	free(script);
	free(counter);
	f->cfg.exec = NULL;
	f->cfg.user_name = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FIXTURE_TEST(test_get_sends_headers_and_logs),
	    FIXTURE_TEST(test_429_retry_after_is_honoured),
	    FIXTURE_TEST(test_429_gives_up_after_max_retries),
	    FIXTURE_TEST(test_503_without_retry_after_not_retried_for_post),
	    FIXTURE_TEST(test_503_with_retry_after_retried_for_post),
	    FIXTURE_TEST(test_reset_retried_for_get_not_for_post),
	    FIXTURE_TEST(test_connection_refused),
	    FIXTURE_TEST(test_request_timeout),
	    FIXTURE_TEST(test_secrets_never_logged),
	    FIXTURE_TEST(test_patch_content_types),
	    FIXTURE_TEST(test_token_file_reread),
	    FIXTURE_TEST(test_keep_alive),
	    FIXTURE_TEST(test_exec_refreshed_after_401),
	    FIXTURE_TEST(test_tls_server_name_connects_to_server),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
