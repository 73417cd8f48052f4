/* Requests over the scripted server: paged lists, delete options, parallel
 * calls, discovery and access reviews. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "support/fixture.c"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#define VS "/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots"
#define PAGE(items, cont)                                                                                              \
	"{\"kind\":\"VolumeSnapshotList\",\"metadata\":{\"resourceVersion\":\"4711\",\"continue\":\"" cont             \
	"\"},\"items\":[" items "]}"
#define ITEM(name) "{\"metadata\":{\"name\":\"" name "\"}}"

static void add_json(struct fixture *f, const char *match, int status, const char *body)
{
	ts_add(f->ts, &(struct ts_reply){.match = match, .status = status, .headers = JSON_CT, .body = body});
}

static void three_pages(struct fixture *f)
{
	add_json(f, "GET " VS "?limit=2&labelSelector=app%3Ddb%2Ctier%21%3Dx ", 200,
		 PAGE(ITEM("a") "," ITEM("b"), "t1"));
	add_json(f, "continue=t1", 200, PAGE(ITEM("c") "," ITEM("d"), "t2"));
	add_json(f, "continue=t2", 200, PAGE(ITEM("e"), ""));
}

static int collect(json_object *item, void *ud)
{
	strlist_push(ud, jstr(item, "metadata.name"));
	return 0;
}

static void test_list_each_pages(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_list_opts lo = {.label_selector = "app=db,tier!=x", .limit = 2};
	struct strlist names = STRLIST_INIT;
	char *rv = NULL;

	three_pages(f);
	assert_int_equal(kube_list_each(fixture_client(f), VS, &lo, collect, &names, &rv, &err), 0);
	assert_int_equal(names.n, 5);
	assert_string_equal(names.items[0], "a");
	assert_string_equal(names.items[4], "e");
	assert_string_equal(rv, "4711");
	assert_int_equal(ts_nrequests(f->ts), 3);
	assert_string_equal(ts_request(f->ts, 1)->target,
			    VS "?limit=2&labelSelector=app%3Ddb%2Ctier%21%3Dx&continue=t1");
	free(rv);
	strlist_clear(&names);
}

static void test_list_error_on_page_two(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *items = NULL;

	add_json(f, "limit=500 ", 200, PAGE(ITEM("a"), "t1"));
	add_json(f, "continue=t1", 410,
		 "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
		 "\"message\":\"The provided continue parameter is too old\",\"reason\":\"Expired\","
		 "\"code\":410}");
	assert_int_equal(kube_list_all(fixture_client(f), VS, NULL, &items, &err), -1);
	assert_null(items);
	assert_int_equal(err.http_code, 410);
	assert_string_equal(err.reason, "Expired");
	kube_error_clear(&err);
}

static int stop_at_c(json_object *item, void *ud)
{
	(void)ud;
	return !strcmp(jstr(item, "metadata.name"), "c") ? 1 : 0;
}

static int fail_at_b(json_object *item, void *ud)
{
	(void)ud;
	return !strcmp(jstr(item, "metadata.name"), "b") ? -1 : 0;
}

static void test_list_callbacks_stop_and_abort(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_list_opts lo = {.label_selector = "app=db,tier!=x", .limit = 2};

	three_pages(f);
	assert_int_equal(kube_list_each(fixture_client(f), VS, &lo, stop_at_c, NULL, NULL, &err), 0);
	assert_int_equal(ts_nrequests(f->ts), 2); /* page three never asked for */

	add_json(f, NULL, 200, PAGE(ITEM("a") "," ITEM("b"), ""));
	assert_int_equal(kube_list_each(f->client, VS, NULL, fail_at_b, NULL, NULL, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_CALLBACK);
	kube_error_clear(&err);
}

static void test_list_all_and_not_installed(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *items = NULL;

	add_json(f, "limit=500 ", 200,
		 "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[" ITEM("x") "]}");
	assert_int_equal(kube_list_all(fixture_client(f), VS, NULL, &items, &err), 0);
	assert_int_equal(json_object_array_length(items), 1);
	json_object_put(items);

	ts_add(f->ts, &(struct ts_reply){.status = 404,
					 .headers = "Content-Type: text/plain; charset=utf-8\r\n",
					 .body = "404 page not found\n"});
	assert_int_equal(kube_list_all(f->client, VS, NULL, &items, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_NOT_INSTALLED);
	assert_string_equal(err.message, "the server does not serve snapshot.storage.k8s.io/v1 volumesnapshots");
	kube_error_clear(&err);
}

static void test_delete_options(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_delete_opts o = {
	    .uid = "u-1", .resource_version = "42", .propagation = "Foreground", .flags = KUBE_DRY_RUN};
	json_object *out = NULL;

	add_json(f, NULL, 200, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\"}");
	add_json(f, NULL, 200, "{}");
	assert_int_equal(kube_delete(fixture_client(f), VS "/s1", &o, &out, &err), 0);
	assert_string_equal(jstr(out, "status"), "Success");
	json_object_put(out);

	const struct ts_request *r = ts_request(f->ts, 0);
	assert_string_equal(r->method, "DELETE");
	assert_string_equal(r->target, VS "/s1?dryRun=All");
	json_object *body = jparse(r->body, r->body_len);
	assert_string_equal(jstr(body, "kind"), "DeleteOptions");
	assert_string_equal(jstr(body, "preconditions.uid"), "u-1");
	assert_string_equal(jstr(body, "preconditions.resourceVersion"), "42");
	assert_string_equal(jstr(body, "propagationPolicy"), "Foreground");
	json_object_put(body);

	assert_int_equal(kube_delete(f->client, VS "/s2", NULL, NULL, &err), 0);
	assert_string_equal(ts_request(f->ts, 1)->target, VS "/s2");
	assert_int_equal(ts_request(f->ts, 1)->body_len, 0);
}

/* Three reads the server answers after 300 ms each: one after another they
 * would take 900 ms. The server holds each answer until all three are in
 * flight (a barrier), which proves the overlap however slow this machine is;
 * the wall-clock bound is generous and skipped under valgrind. */
static void test_call_many_in_parallel(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_call calls[4] = {
	    {.method = "GET", .path = "/a"},
	    {.method = "LIST", .path = VS},
	    {.method = "GET", .path = "/missing"},
	    {.method = "GET", .path = "/b"},
	};

	ts_add(f->ts, &(struct ts_reply){.match = "GET /a ",
					 .status = 200,
					 .headers = JSON_CT,
					 .body = "{\"ok\":true}",
					 .delay_ms = 300,
					 .barrier = 3});
	ts_add(f->ts, &(struct ts_reply){.match = "limit=500 ",
					 .status = 200,
					 .headers = JSON_CT,
					 .body = PAGE(ITEM("a"), "t1"),
					 .delay_ms = 300,
					 .barrier = 3});
	add_json(f, "continue=t1", 200, PAGE(ITEM("b"), ""));
	ts_add(f->ts,
	       &(struct ts_reply){.match = "/missing",
				  .status = 404,
				  .headers = JSON_CT,
				  .delay_ms = 300,
				  .barrier = 3,
				  .body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":"
					  "\"Failure\",\"message\":\"x not found\",\"reason\":\"NotFound\","
					  "\"code\":404}"});
	add_json(f, "GET /b ", 200, "{}");
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_call_many(fixture_client(f), calls, 4, &err), 0);
	int64_t took = http_now_ms() - t0;

	if (!getenv("VOLSNAP_VALGRIND"))
		assert_true(took < 850);

	assert_int_equal(calls[0].rc, 0);
	assert_true(json_object_get_boolean(jget(calls[0].result, "ok")));
	assert_int_equal(calls[1].rc, 0);
	assert_int_equal(json_object_array_length(jget(calls[1].result, "items")), 2);
	assert_string_equal(jstr(calls[1].result, "metadata.resourceVersion"), "4711");
	assert_null(jget(calls[1].result, "metadata.continue"));
	assert_int_equal(calls[2].rc, -1);
	assert_true(kube_error_is_not_found(&calls[2].err));
	assert_string_equal(calls[2].err.message, "x not found");
	assert_int_equal(calls[3].rc, 0);
	for (int i = 0; i < 4; i++) {
		json_object_put(calls[i].result);
		kube_error_clear(&calls[i].err);
	}
}

static void test_discovery(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_version v;
	char **vs = NULL;
	size_t n = 9;

	add_json(f, "/version", 200,
		 "{\"major\":\"1\",\"minor\":\"31+\",\"gitVersion\":\"v1.31.4-gke.1\","
		 "\"platform\":\"linux/amd64\"}");
	add_json(f, "/apis/snapshot.storage.k8s.io ", 200,
		 "{\"kind\":\"APIGroup\",\"name\":\"snapshot.storage.k8s.io\",\"versions\":[{\"groupVersion\":"
		 "\"snapshot.storage.k8s.io/v1beta1\",\"version\":\"v1beta1\"},{\"groupVersion\":"
		 "\"snapshot.storage.k8s.io/v1\",\"version\":\"v1\"}],\"preferredVersion\":{\"groupVersion\":"
		 "\"snapshot.storage.k8s.io/v1\",\"version\":\"v1\"}}");
	ts_add(f->ts, &(struct ts_reply){.match = "/apis/nope.io",
					 .status = 404,
					 .headers = "Content-Type: text/plain\r\n",
					 .body = "404 page not found\n"});
	assert_int_equal(kube_server_version(fixture_client(f), &v, &err), 0);
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 31);
	assert_string_equal(v.git_version, "v1.31.4-gke.1");
	assert_string_equal(v.platform, "linux/amd64");
	kube_version_clear(&v);

	assert_int_equal(kube_group_versions(f->client, "snapshot.storage.k8s.io", &vs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(vs[0], "v1");
	assert_string_equal(vs[1], "v1beta1");
	kube_strv_free(vs, n);

	assert_int_equal(kube_group_versions(f->client, "nope.io", &vs, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(err.kind, KUBE_ERR_NONE);
	kube_strv_free(vs, n);
}

static void test_can_i(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_access q[2] = {
	    {.verb = "create",
	     .group = "snapshot.storage.k8s.io",
	     .resource = "volumesnapshots",
	     .namespace = "default"},
	    {.verb = "patch",
	     .group = "snapshot.storage.k8s.io",
	     .resource = "volumesnapshots",
	     .subresource = "status"},
	};

	add_json(f, "POST", 201,
		 "{\"kind\":\"SelfSubjectAccessReview\",\"status\":{\"allowed\":true,\"reason\":\"RBAC: ok\"}}");
	add_json(f, "POST", 201, "{\"kind\":\"SelfSubjectAccessReview\",\"status\":{\"allowed\":false}}");
	assert_int_equal(kube_can_i(fixture_client(f), q, 2, &err), 0);
	/* Answers may come in any order: match them by what was asked. */
	int allowed = q[0].allowed + q[1].allowed;
	assert_int_equal(allowed, 1);
	for (size_t i = 0; i < 2; i++) {
		const struct ts_request *r = ts_request(f->ts, i);
		assert_string_equal(r->target, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
		json_object *body = jparse(r->body, r->body_len);
		assert_string_equal(jstr(body, "kind"), "SelfSubjectAccessReview");
		assert_string_equal(jstr(body, "spec.resourceAttributes.resource"), "volumesnapshots");
		json_object_put(body);
	}
	kube_access_clear(q, 2);

	for (int i = 0; i < 2; i++)
		ts_add(f->ts,
		       &(struct ts_reply){.status = 401, .headers = "Content-Type: text/plain\r\n", .body = "no"});
	assert_int_equal(kube_can_i(f->client, q, 2, &err), -1);
	assert_int_equal(err.http_code, 401);
	kube_access_clear(q, 2);
	kube_error_clear(&err);
}

/* Issue 9 item 6: a continue token handed back again would page forever. */
static void test_list_repeated_continue_ends(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	json_object *items = NULL;

	add_json(f, "limit=500 ", 200, PAGE(ITEM("a"), "same"));
	add_json(f, "continue=same", 200, PAGE(ITEM("b"), "same"));
	assert_int_equal(kube_list_all(fixture_client(f), VS, NULL, &items, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_PROTOCOL);
	assert_non_null(strstr(err.message, "a continue token repeats"));
	assert_int_equal(ts_nrequests(f->ts), 2);
	kube_error_clear(&err);

	/* The same under parallel calls. */
	add_json(f, "limit=500 ", 200, PAGE(ITEM("a"), "same"));
	add_json(f, "continue=same", 200, PAGE(ITEM("b"), "same"));
	struct kube_call call = {.method = "LIST", .path = VS};
	assert_int_equal(kube_call_many(f->client, &call, 1, &err), 0);
	assert_int_equal(call.rc, -1);
	assert_non_null(strstr(call.err.message, "a continue token repeats"));
	kube_error_clear(&call.err);
}

/* jparse: a NUL is not white space; managedFields-deep nesting parses. */
static void test_jparse_nul_and_depth(void **state)
{
	(void)state;
	assert_null(jparse("{\"a\":1}\0", 8));
	assert_null(jparse("{\"a\":1} \0 ", 10));
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&sb, "{\"a\":");
	strbuf_addstr(&sb, "1");
	for (int i = 0; i < 100; i++)
		strbuf_addch(&sb, '}');
	json_object *o = jparse(sb.buf, sb.len);
	assert_non_null(o);
	json_object_put(o);
	strbuf_release(&sb);
}

#define SNAP_BODY(id)                                                                                                  \
	"{\"metadata\":{\"name\":\"s1\",\"uid\":\"u1\",\"annotations\":{\"volsnap.io/request-id\":\"" id "\"}}}"

/* Issue 9 item 8: the answer to a create is lost after the server made the
 * object; the marker shows it is ours, and it is not made twice. */
static void test_create_once_after_lost_answer(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	const char *text = "{\"metadata\":{\"name\":\"s1\"}}";
	json_object *obj = jparse(text, strlen(text)), *out = NULL;
	struct kube_client *c = fixture_client(f);
	const char *id = kube_client_request_id(c);
	char *ours = xasprintf(SNAP_BODY("%s"), id);

	assert_int_equal(strlen(id), 32);
	/* A GET first, so a keep-alive connection exists: a reset on it must not
	 * make libcurl re-send the POST by itself. */
	add_json(f, "GET /version", 200, "{}");
	assert_int_equal(kube_get(c, "/version", NULL, &err), 0);
	ts_add(f->ts, &(struct ts_reply){.match = "POST", .status = 0});
	add_json(f, "GET " VS "/s1 ", 200, ours);
	assert_int_equal(kube_create_once(c, VS, obj, 0, &out, &err), 0);
	assert_int_equal(ts_count(f->ts, "POST"), 1);
	assert_string_equal(jstr(out, "metadata.uid"), "u1");
	assert_non_null(strstr(ts_request(f->ts, 1)->body, id));
	json_object_put(out);

	/* Lost answer, nothing there: sent again; AlreadyExists with our marker. */
	ts_add(f->ts, &(struct ts_reply){.match = "POST", .status = 0});
	add_json(f, "GET " VS "/s1 ", 404, "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
	add_json(f, "POST", 409, "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409}");
	add_json(f, "GET " VS "/s1 ", 200, ours);
	assert_int_equal(kube_create_once(c, VS, obj, 0, &out, &err), 0);
	assert_int_equal(ts_count(f->ts, "POST"), 3);
	json_object_put(out);

	/* Someone else's object of that name: AlreadyExists stands. */
	add_json(f, "POST", 409, "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\",\"code\":409}");
	add_json(f, "GET " VS "/s1 ", 200, SNAP_BODY("someone-else"));
	assert_int_equal(kube_create_once(c, VS, obj, 0, &out, &err), -1);
	assert_true(kube_error_is_conflict(&err));
	assert_null(out);
	kube_error_clear(&err);
	free(ours);
	json_object_put(obj);
}

/* A DELETE whose answer was lost and whose retry finds nothing: done. */
static void test_delete_once_after_lost_answer(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_delete_opts o = {.uid = "u1", .resource_version = "7"};
	struct kube_client *c = fixture_client(f);

	ts_add(f->ts, &(struct ts_reply){.match = "DELETE", .status = 0});
	add_json(f, "GET " VS "/s1 ", 200, "{\"metadata\":{\"name\":\"s1\",\"uid\":\"u1\"}}");
	add_json(f, "DELETE", 409, "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409}");
	add_json(f, "GET " VS "/s1 ", 404, "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
	assert_int_equal(kube_delete_once(c, VS "/s1", &o, &err), 0);
	assert_int_equal(ts_count(f->ts, "DELETE"), 2);

	/* A first answer of NotFound is the caller's to judge. */
	add_json(f, "DELETE", 404, "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}");
	assert_int_equal(kube_delete_once(c, VS "/s1", &o, &err), -1);
	assert_true(kube_error_is_not_found(&err));
	kube_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FIXTURE_TEST(test_list_each_pages),
	    FIXTURE_TEST(test_list_error_on_page_two),
	    FIXTURE_TEST(test_list_callbacks_stop_and_abort),
	    FIXTURE_TEST(test_list_all_and_not_installed),
	    FIXTURE_TEST(test_delete_options),
	    FIXTURE_TEST(test_call_many_in_parallel),
	    FIXTURE_TEST(test_discovery),
	    FIXTURE_TEST(test_can_i),
	    FIXTURE_TEST(test_list_repeated_continue_ends),
	    cmocka_unit_test(test_jparse_nul_and_depth),
	    FIXTURE_TEST(test_create_once_after_lost_answer),
	    FIXTURE_TEST(test_delete_once_after_lost_answer),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
