/* Answers become errors: Status objects, plain-text 404s, other bodies, and
 * libcurl failures, with their hints. Also kube_path (resources.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"

#define SNAP_PATH "/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots"

static void from(struct kube_error *err, const char *method, const char *path, long code, const char *ctype,
		 const char *body)
{
	kube_error_from_response(err, method, path, code, ctype, body, strlen(body));
}

static void test_status_not_found(void **state)
{
	(void)state;
	struct kube_error err = {0};
	from(&err, "GET", SNAP_PATH "/snap1", 404, "application/json",
	     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
	     "\"volumesnapshots.snapshot.storage.k8s.io \\\"snap1\\\" not found\",\"reason\":\"NotFound\","
	     "\"details\":{\"name\":\"snap1\",\"group\":\"snapshot.storage.k8s.io\",\"kind\":\"volumesnapshots\"},"
	     "\"code\":404}\n");
	assert_int_equal(err.kind, KUBE_ERR_API);
	assert_int_equal(err.http_code, 404);
	assert_string_equal(err.reason, "NotFound");
	assert_string_equal(err.message, "volumesnapshots.snapshot.storage.k8s.io \"snap1\" not found");
	assert_non_null(err.status);
	assert_string_equal(jstr(err.status, "details.name"), "snap1");
	assert_true(kube_error_is_not_found(&err));
	assert_false(kube_error_is_forbidden(&err));
	kube_error_clear(&err);
	assert_null(err.message);
	assert_null(err.status);
}

static void test_text_404_is_not_installed(void **state)
{
	(void)state;
	struct kube_error err = {0};
	from(&err, "GET", SNAP_PATH "?limit=500", 404, "text/plain; charset=utf-8", "404 page not found\n");
	assert_int_equal(err.kind, KUBE_ERR_NOT_INSTALLED);
	assert_int_equal(err.http_code, 404);
	assert_string_equal(err.message, "the server does not serve snapshot.storage.k8s.io/v1 volumesnapshots");
	assert_null(err.status);
	assert_false(kube_error_is_not_found(&err));

	from(&err, "GET", "/apis/snapshot.storage.k8s.io", 404, "text/plain", "404 page not found\n");
	assert_int_equal(err.kind, KUBE_ERR_NOT_INSTALLED);
	assert_string_equal(err.message, "the server does not serve the API group snapshot.storage.k8s.io");

	from(&err, "GET", "/apis/snapshot.storage.k8s.io/v1beta1", 404, "text/plain", "404 page not found\n");
	assert_string_equal(err.message, "the server does not serve snapshot.storage.k8s.io/v1beta1");

	from(&err, "GET", "/api/v1/nodes/n1", 404, "text/plain", "404 page not found\n");
	assert_string_equal(err.message, "the server does not serve v1 nodes");
	kube_error_clear(&err);
}

static void test_text_429_and_kindless_504(void **state)
{
	(void)state;
	struct kube_error err = {0};
	from(&err, "GET", SNAP_PATH, 429, "text/plain", "Too many requests, please try again later.\nmore\n");
	assert_int_equal(err.kind, KUBE_ERR_API);
	assert_int_equal(err.http_code, 429);
	assert_string_equal(err.reason, "TooManyRequests");
	assert_string_equal(err.message, "Too many requests, please try again later.");
	assert_null(err.status);

	from(&err, "GET", SNAP_PATH, 504, "application/json", "{\"message\":\"gateway timeout\"}");
	assert_int_equal(err.kind, KUBE_ERR_API);
	assert_string_equal(err.reason, "Timeout");
	assert_string_equal(err.message, "{\"message\":\"gateway timeout\"}");
	assert_string_equal(err.hint, "raise --request-timeout");

	from(&err, "POST", SNAP_PATH, 409, "text/html", "");
	assert_string_equal(err.reason, "AlreadyExists");
	assert_string_equal(err.message, "the server answered HTTP 409");
	assert_true(kube_error_is_conflict(&err));
	kube_error_clear(&err);
}

static void test_hints(void **state)
{
	(void)state;
	struct kube_error err = {0};
	from(&err, "GET", SNAP_PATH, 401, "application/json",
	     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
	     "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}");
	assert_string_equal(err.message, "Unauthorized");
	assert_string_equal(err.hint, "check your credentials (token expired? run the exec plugin / re-login)");

	from(&err, "POST", SNAP_PATH, 403, "application/json",
	     "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"nope\","
	     "\"reason\":\"Forbidden\",\"code\":403}");
	assert_true(kube_error_is_forbidden(&err));
	assert_string_equal(
	    err.hint, "ask an administrator for RBAC permission to create volumesnapshots.snapshot.storage.k8s.io");
	from(&err, "GET", "/api/v1/persistentvolumeclaims?limit=500", 403, "text/plain", "forbidden");
	assert_string_equal(err.hint, "ask an administrator for RBAC permission to list persistentvolumeclaims");
	from(&err, "GET", "/api/v1/namespaces/ns1/pods?watch=1", 403, "text/plain", "forbidden");
	assert_string_equal(err.hint, "ask an administrator for RBAC permission to watch pods");

	kube_error_from_curl(&err, CURLE_COULDNT_CONNECT, "Failed to connect", "GET https://x/version", NULL);
	assert_int_equal(err.kind, KUBE_ERR_TRANSPORT);
	assert_int_equal(err.http_code, 0);
	assert_string_equal(err.message, "GET https://x/version: Failed to connect");
	assert_string_equal(err.hint, "is the server URL right? (the kubeconfig's cluster server)");
	kube_error_from_curl(&err, CURLE_PEER_FAILED_VERIFICATION, "", "GET https://x/version", NULL);
	assert_non_null(strstr(err.hint, "not trusted by certificate-authority"));
	/* No CA in the kubeconfig: the caller's hint (naming the bundle used)... */
	kube_error_from_curl(&err, CURLE_PEER_FAILED_VERIFICATION, "unable to get local issuer certificate",
			     "GET https://x/version", "the system's bundle /b was used");
	assert_string_equal(err.hint, "the system's bundle /b was used");
	/* ...but a certificate for another name is not about which CA was trusted. */
	kube_error_from_curl(&err, CURLE_PEER_FAILED_VERIFICATION, "SSL: no alternative certificate subject name",
			     "GET https://x/version", "the system's bundle /b was used");
	assert_non_null(strstr(err.hint, "not issued for this host name"));
	kube_error_from_curl(&err, CURLE_OPERATION_TIMEDOUT, "", "GET https://x/version", NULL);
	assert_int_equal(err.kind, KUBE_ERR_TIMEOUT);
	assert_string_equal(err.hint, "raise --request-timeout");
	kube_error_clear(&err);
}

static void test_set_and_prefix(void **state)
{
	(void)state;
	struct kube_error err = {0};
	kube_error_set(&err, KUBE_ERR_CONFIG, 0, "R", "do this", "bad %s", "thing");
	kube_error_set(&err, KUBE_ERR_CONFIG, 0, NULL, NULL, "worse %d", 2); /* no leak of the first */
	kube_error_prefix(&err, "loading %s", "x");
	assert_string_equal(err.message, "loading x: worse 2");
	assert_null(err.reason);
	assert_null(err.hint);
	kube_error_clear(&err);
}

static void test_paths(void **state)
{
	(void)state;
	struct {
		const struct kube_resource *r;
		const char *ns, *name, *sub, *want;
	} cases[] = {
	    {&KUBE_PVCS, "default", "data", NULL, "/api/v1/namespaces/default/persistentvolumeclaims/data"},
	    {&KUBE_PVCS, NULL, NULL, NULL, "/api/v1/persistentvolumeclaims"},
	    {&KUBE_NAMESPACES, "ignored", "kube-system", NULL, "/api/v1/namespaces/kube-system"},
	    {&KUBE_STORAGECLASSES, NULL, "fast", NULL, "/apis/storage.k8s.io/v1/storageclasses/fast"},
	    {&KUBE_DEPLOYMENTS, "a", "b", "status", "/apis/apps/v1/namespaces/a/deployments/b/status"},
	    {&KUBE_CRDS, NULL, "x.y", NULL, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y"},
	    {&KUBE_CONFIGMAPS, "d", "a/../b?c", NULL, "/api/v1/namespaces/d/configmaps/a%2F..%2Fb%3Fc"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p = kube_path(cases[i].r, cases[i].ns, cases[i].name, cases[i].sub);
		assert_string_equal(p, cases[i].want);
		free(p);
	}
	assert_string_equal(KUBE_CRONJOBS.group, "batch");
	assert_true(KUBE_ROLEBINDINGS.namespaced);
	assert_false(KUBE_CSINODES.namespaced);
}

/* Issue 9 item 7: server text reaches the terminal as one plain line, capped. */
static void test_server_text_is_cleaned_and_capped(void **state)
{
	(void)state;
	struct kube_error err = {0};
	from(&err, "GET", SNAP_PATH "/x", 422, "application/json",
	     "{\"kind\":\"Status\",\"message\":\"bad\\u001b]0;pwned\\u0007 \\u009b31m\\nnext caf\\u00e9\","
	     "\"reason\":\"Invalid\\u001b[2J\",\"code\":422}");
	assert_string_equal(err.message, "bad?]0;pwned? ?31m next caf\u00e9");
	assert_string_equal(err.reason, "Invalid?[2J");
	kube_error_clear(&err);

	struct strbuf body = STRBUF_INIT;
	strbuf_addstr(&body, "{\"kind\":\"Status\",\"code\":500,\"message\":\"");
	for (int i = 0; i < 5000; i++)
		strbuf_addch(&body, 'x');
	strbuf_addstr(&body, "\"}");
	from(&err, "GET", SNAP_PATH, 500, "application/json", body.buf);
	assert_int_equal(strlen(err.message), STATUS_MESSAGE_MAX + 3);
	assert_string_equal(err.message + STATUS_MESSAGE_MAX, "...");
	kube_error_clear(&err);
	strbuf_release(&body);

	from(&err, "GET", SNAP_PATH, 502, "text/html", "<html>\x1b[31mBad gateway\xc2\x85</html>");
	assert_string_equal(err.message, "<html>?[31mBad gateway?</html>");
	kube_error_clear(&err);

	/* Found by fuzzing: 0xFF is no lead byte, and a cut never splits a character. */
	char *c = kube_clean_text("\xff\x87\x87x", 4, 10);
	assert_string_equal(c, "???x");
	free(c);
	c = kube_clean_text("ab\xe2\x82\xac", 5, 4);
	assert_string_equal(c, "ab...");
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status_not_found),
	    cmocka_unit_test(test_text_404_is_not_installed),
	    cmocka_unit_test(test_text_429_and_kindless_504),
	    cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_set_and_prefix),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_server_text_is_cleaned_and_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
