/* kube_watch against scripted streams: events split across and merged within
 * chunks, bookmarks, resume after a clean close, 410 relists, ERROR events,
 * deadlines and ticks. */
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
#include "util/xalloc.h"

#define VS "/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots"
#define OBJ(name, rv)                                                                                                  \
	"{\"kind\":\"VolumeSnapshot\",\"metadata\":{\"name\":\"" name "\",\"resourceVersion\":\"" rv "\"}}"
#define EV(type, name, rv) "{\"type\":\"" type "\",\"object\":" OBJ(name, rv) "}\n"
#define LIST(rv, items)                                                                                                \
	"{\"kind\":\"VolumeSnapshotList\",\"metadata\":{\"resourceVersion\":\"" rv "\"},\"items\":[" items "]}"

struct seen {
	struct strbuf log;   /* "TYPE name;" per event */
	const char *stop_at; /* name whose event ends the watch */
	int ticks;
	int tick_stop_after;
};

static int on_event(const char *type, json_object *obj, void *ud)
{
	struct seen *s = ud;
	const char *name = jstr_or(obj, "metadata.name", "?");
	strbuf_addf(&s->log, "%s %s;", type, name);
	return s->stop_at && !strcmp(name, s->stop_at) ? 1 : 0;
}

static int on_tick(void *ud)
{
	struct seen *s = ud;
	s->ticks++;
	return s->tick_stop_after && s->ticks >= s->tick_stop_after ? 1 : 0;
}

static void test_list_watch_split_merged_bookmark_resume(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, "d", 0, 0};
	struct kube_watch_opts o = {.label_selector = "app=db"};

	ts_add(f->ts, &(struct ts_reply){
			  .match = "limit=500", .status = 200, .headers = JSON_CT, .body = LIST("10", OBJ("a", "9"))});
	/* One event split in two writes, two events in one, a bookmark, then a clean end. */
	ts_add(f->ts, &(struct ts_reply){.match = "resourceVersion=10&",
					 .status = 200,
					 .headers = JSON_CT,
					 .chunk_delay_ms = 30,
					 .chunks = {EV("ADDED", "b", "11") "{\"type\":\"MODI",
						    "FIED\",\"object\":" OBJ("b", "12") "}\n" EV("DELETED", "c", "13"),
						    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"VolumeSnapshot\","
						    "\"metadata\":{\"resourceVersion\":\"15\"}}}\n"}});
	ts_add(f->ts, &(struct ts_reply){.match = "resourceVersion=15&",
					 .status = 200,
					 .headers = JSON_CT,
					 .chunks = {EV("MODIFIED", "d", "16")}});
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), 0);
	assert_string_equal(s.log.buf, "ADDED a;ADDED b;MODIFIED b;DELETED c;MODIFIED d;");
	assert_int_equal(ts_nrequests(f->ts), 3);
	assert_string_equal(ts_request(f->ts, 0)->target, VS "?limit=500&labelSelector=app%3Ddb");
	assert_string_equal(
	    ts_request(f->ts, 1)->target,
	    VS "?watch=1&allowWatchBookmarks=true&resourceVersion=10&timeoutSeconds=300&labelSelector=app%3Ddb");
	strbuf_release(&s.log);
}

static void test_410_relists(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, "z", 0, 0};
	struct kube_watch_opts o = {.resource_version = "5"};

	ts_add(f->ts, &(struct ts_reply){
			  .match = "resourceVersion=5&",
			  .status = 200,
			  .headers = JSON_CT,
			  .chunks = {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
				     "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version: "
				     "5 (40)\",\"reason\":\"Expired\",\"code\":410}}\n"}});
	ts_add(f->ts, &(struct ts_reply){.match = "limit=500",
					 .status = 200,
					 .headers = JSON_CT,
					 .body = LIST("40", OBJ("a", "39") "," OBJ("b", "38"))});
	ts_add(f->ts, &(struct ts_reply){.match = "resourceVersion=40&",
					 .status = 200,
					 .headers = JSON_CT,
					 .chunks = {EV("ADDED", "z", "41")}});
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), 0);
	assert_string_equal(s.log.buf, "ADDED a;ADDED b;ADDED z;");
	assert_int_equal(ts_nrequests(f->ts), 3);
	strbuf_release(&s.log);
}

static void test_error_event_and_http_error(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, NULL, 0, 0};
	struct kube_watch_opts o = {.resource_version = "5"};

	ts_add(f->ts, &(struct ts_reply){
			  .status = 200,
			  .headers = JSON_CT,
			  .chunks = {EV("ADDED", "a", "6") "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
							   "\"message\":\"bad \\u001b[31mrequest\",\"reason\":"
							   "\"BadRequest\",\"code\":400}}\n"}});
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_API);
	assert_int_equal(err.http_code, 400);
	assert_string_equal(err.reason, "BadRequest");
	/* Server text reaches the terminal without its escape sequences. */
	assert_non_null(strstr(err.message, "bad ?[31mrequest"));
	assert_non_null(err.status);
	assert_string_equal(s.log.buf, "ADDED a;");

	ts_add(f->ts, &(struct ts_reply){.status = 403,
					 .headers = JSON_CT,
					 .body = "{\"kind\":\"Status\",\"message\":\"forbidden!\",\"reason\":"
						 "\"Forbidden\",\"code\":403}"});
	assert_int_equal(kube_watch(f->client, VS, &o, on_event, &s, &err), -1);
	assert_true(kube_error_is_forbidden(&err));
	assert_string_equal(err.message, "forbidden!");
	assert_string_equal(
	    err.hint, "ask an administrator for RBAC permission to watch volumesnapshots.snapshot.storage.k8s.io");

	ts_add(f->ts, &(struct ts_reply){.status = 200, .headers = JSON_CT, .chunks = {"{\"type\":\"ADDED\",]\n"}});
	assert_int_equal(kube_watch(f->client, VS, &o, on_event, &s, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_PROTOCOL);
	kube_error_clear(&err);
	strbuf_release(&s.log);
}

/* Issue 9 item 10: a 500, a 503 or a reset inside a wait is retried until the
 * deadline; the list that starts the watch too. */
static void test_transient_errors_are_retried(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, NULL, 0, 0};
	struct kube_watch_opts o = {.timeout_ms = 20000};
	s.stop_at = "done";

	ts_add(f->ts, &(struct ts_reply){.match = "GET " VS "?limit",
					 .status = 503,
					 .headers = JSON_CT,
					 .body = "{\"kind\":\"Status\",\"message\":\"busy\",\"code\":503}"});
	ts_add(f->ts, &(struct ts_reply){.match = "GET " VS "?limit", .status = 0});
	ts_add(f->ts, &(struct ts_reply){.match = "GET " VS "?limit",
					 .status = 200,
					 .headers = JSON_CT,
					 .body = "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"5\"},"
						 "\"items\":[]}"});
	ts_add(f->ts,
	       &(struct ts_reply){.match = "watch=1",
				  .status = 200,
				  .headers = JSON_CT,
				  .chunks = {"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
					     "\"message\":\"etcd\",\"reason\":\"InternalError\",\"code\":500}}\n"}});
	ts_add(f->ts, &(struct ts_reply){.match = "watch=1",
					 .status = 500,
					 .headers = JSON_CT,
					 .body = "{\"kind\":\"Status\",\"message\":\"oops\",\"code\":500}"});
	ts_add(f->ts, &(struct ts_reply){
			  .match = "watch=1", .status = 200, .headers = JSON_CT, .chunks = {EV("ADDED", "done", "7")}});
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), 0);
	assert_string_equal(s.log.buf, "ADDED done;");
	assert_int_equal(ts_count(f->ts, "watch=1"), 3);
	kube_error_clear(&err);
	strbuf_release(&s.log);
}

/* Issue 9 item 9: the deadline bounds the watch's first list too. */
static void test_deadline_bounds_the_list(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, NULL, 0, 0};
	struct kube_watch_opts o = {.timeout_ms = 700};

	ts_add(f->ts, &(struct ts_reply){.status = 200,
					 .delay_ms = 3000,
					 .headers = JSON_CT,
					 .body = "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"5\"}}"});
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), -1);
	assert_true(http_now_ms() - t0 < 2000);
	assert_int_equal(err.kind, KUBE_ERR_TIMEOUT);
	kube_error_clear(&err);
	strbuf_release(&s.log);
}

static void test_deadline_and_ticks(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, NULL, 0, 0};
	struct kube_watch_opts o = {.resource_version = "5", .timeout_ms = 1300, .on_tick = on_tick};

	/* A quiet stream: one event, then nothing for longer than the deadline. */
	ts_add(f->ts, &(struct ts_reply){.status = 200,
					 .headers = JSON_CT,
					 .chunk_delay_ms = 0,
					 .chunks = {EV("ADDED", "a", "6")},
					 .delay_ms = 0});
	ts_add(f->ts,
	       &(struct ts_reply){
		   .status = 200, .headers = JSON_CT, .chunk_delay_ms = 1800, .chunks = {EV("ADDED", "late", "7")}});
	int64_t t0 = http_now_ms();
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), -1);
	int64_t took = http_now_ms() - t0;
	assert_int_equal(err.kind, KUBE_ERR_TIMEOUT);
	assert_true(took >= 1250 && took < 3000); /* the late event (1.8 s) never arrives */
	assert_true(s.ticks >= 1);
	assert_string_equal(s.log.buf, "ADDED a;");
	/* The second watch resumed from the first one's last event. */
	assert_non_null(strstr(ts_request(f->ts, 1)->target, "resourceVersion=6&timeoutSeconds="));
	kube_error_clear(&err);
	strbuf_release(&s.log);
}

static void test_tick_stops(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct seen s = {STRBUF_INIT, NULL, 0, 1};
	struct kube_watch_opts o = {.resource_version = "5", .on_tick = on_tick};

	ts_add(f->ts,
	       &(struct ts_reply){
		   .status = 200, .headers = JSON_CT, .chunk_delay_ms = 1500, .chunks = {EV("ADDED", "late", "7")}});
	assert_int_equal(kube_watch(fixture_client(f), VS, &o, on_event, &s, &err), 0);
	assert_int_equal(s.ticks, 1);
	strbuf_release(&s.log);
}

struct nested {
	struct kube_client *c;
	int gets;
};

/* A handler that reads another object while the stream is open. */
static int get_on_event(const char *type, json_object *obj, void *ud)
{
	struct nested *n = ud;
	struct kube_error err = {0};
	json_object *out = NULL;
	(void)type;
	(void)obj;
	if (kube_get(n->c, "/api/v1/namespaces/default", &out, &err) == 0)
		n->gets++;
	json_object_put(out);
	kube_error_clear(&err);
	return n->gets == 2 ? 1 : 0;
}

static void test_request_from_event_handler(void **state)
{
	struct fixture *f = *state;
	struct kube_error err = {0};
	struct kube_watch_opts o = {.resource_version = "5"};
	struct nested n = {fixture_client(f), 0};

	ts_add(f->ts, &(struct ts_reply){.match = "watch=1",
					 .status = 200,
					 .headers = JSON_CT,
					 .chunk_delay_ms = 20,
					 .chunks = {EV("ADDED", "a", "6"), EV("ADDED", "b", "7")}});
	for (int i = 0; i < 2; i++)
		ts_add(f->ts, &(struct ts_reply){
				  .match = "namespaces/default ", .status = 200, .headers = JSON_CT, .body = "{}"});
	assert_int_equal(kube_watch(n.c, VS, &o, get_on_event, &n, &err), 0);
	assert_int_equal(n.gets, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    FIXTURE_TEST(test_list_watch_split_merged_bookmark_resume),
	    FIXTURE_TEST(test_410_relists),
	    FIXTURE_TEST(test_error_event_and_http_error),
	    FIXTURE_TEST(test_deadline_and_ticks),
	    FIXTURE_TEST(test_transient_errors_are_retried),
	    FIXTURE_TEST(test_deadline_bounds_the_list),
	    FIXTURE_TEST(test_tick_stops),
	    FIXTURE_TEST(test_request_from_event_handler),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
