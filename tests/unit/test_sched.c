/* plugin/sched/: cron expressions, the schedule's manifests and record, the
 * job run's plan and the coverage verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/check.h"
#include "sched/cover.h"
#include "sched/cron.h"
#include "sched/sched.h"
#include "snap/retention.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

/* 2024-05-10T12:00:00Z, a Friday */
#define NOW 1715342400
#define MIN 60
#define HOUR 3600
#define DAY 86400

static void parse_ok(const char *s, struct cron_expr *e)
{
	char *why = NULL;
	bool ok = cron_parse(s, e, &why);
	if (!ok)
		fprintf(stderr, "%s: %s\n", s, why);
	assert_true(ok);
	assert_null(why);
}

static void parse_bad(const char *s, const char *want)
{
	struct cron_expr e;
	char *why = NULL;
	assert_false(cron_parse(s, &e, &why));
	assert_non_null(why);
	if (!strstr(why, want))
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", s, why, want);
	assert_non_null(strstr(why, want));
	free(why);
}

static void test_cron_parse(void **state)
{
	(void)state;
	struct cron_expr e;
	parse_ok("*/15 2-4 1,15 jan-mar mon-fri", &e);
	assert_int_equal(e.minute, (1ull << 0) | (1ull << 15) | (1ull << 30) | (1ull << 45));
	assert_int_equal(e.hour, (1u << 2) | (1u << 3) | (1u << 4));
	assert_int_equal(e.dom, (1u << 1) | (1u << 15));
	assert_int_equal(e.month, (1u << 1) | (1u << 2) | (1u << 3));
	assert_int_equal(e.dow, 0x3e);
	assert_false(e.dom_star);
	parse_ok("@daily", &e);
	assert_int_equal(e.minute, 1);
	assert_int_equal(e.hour, 1);
	parse_ok("5/20 * ? * *", &e);
	assert_int_equal(e.minute, (1ull << 5) | (1ull << 25) | (1ull << 45));
	assert_true(e.dom_star);
	parse_bad("* * * *", "has 4 fields, expected exactly 5");
	parse_bad("60 * * * *", "minute \"60\": out of range (0-59)");
	parse_bad("* * * * 7", "day of week \"7\": out of range (0-6)");
	parse_bad("*/0 * * * *", "step must be a positive number");
	parse_bad("5-1 * * * *", "out of range");
	parse_bad("a * * * *", "not a number or name");
	parse_bad("CRON_TZ=Europe/Berlin 0 3 * * *", "pass the zone with --time-zone instead");
	parse_bad("TZ=UTC 0 3 * * *", "TZ=/CRON_TZ= prefix is refused");
	parse_bad("@every 1h", "unknown macro");
}

static void test_cron_next(void **state)
{
	(void)state;
	struct cron_expr e;
	parse_ok("*/5 * * * *", &e);
	assert_int_equal(cron_next(&e, NOW, NULL), NOW + 5 * MIN);
	assert_int_equal(cron_next(&e, NOW + 1, NULL), NOW + 5 * MIN);
	parse_ok("0 3 * * *", &e);
	assert_int_equal(cron_next(&e, NOW, NULL), NOW + 15 * HOUR);
	/* Berlin is UTC+2 in May: 03:00 there is 01:00 UTC. */
	assert_int_equal(cron_next(&e, NOW, "Europe/Berlin"), NOW + 13 * HOUR);
	/* Saturday 00:00 next: Friday noon + 12h. */
	parse_ok("0 0 * * sat", &e);
	assert_int_equal(cron_next(&e, NOW, NULL), NOW + 12 * HOUR);
	/* Either day field may match when both are restricted: the 11th (Sat) or a Monday. */
	parse_ok("0 0 11 * mon", &e);
	assert_int_equal(cron_next(&e, NOW, NULL), NOW + 12 * HOUR);
	parse_ok("0 0 30 2 *", &e);
	assert_int_equal(cron_next(&e, NOW, NULL), -1);
}

static void test_cron_period(void **state)
{
	(void)state;
	struct cron_expr e;
	parse_ok("*/1 * * * *", &e);
	assert_int_equal(cron_period(&e, NOW, NULL), MIN);
	parse_ok("@daily", &e);
	assert_int_equal(cron_period(&e, NOW, NULL), DAY);
	/* Weekdays at 9: the weekend is the longest gap. */
	parse_ok("0 9 * * 1-5", &e);
	assert_int_equal(cron_period(&e, NOW, NULL), 3 * DAY);
	parse_ok("0 0 1 1 *", &e);
	assert_true(cron_period(&e, NOW, NULL) >= 365 * DAY);
}

static void test_time_zone(void **state)
{
	(void)state;
	char *why = NULL;
	assert_true(cron_valid_time_zone("Europe/Berlin", &why));
	assert_true(cron_valid_time_zone("UTC", &why));
	assert_false(cron_valid_time_zone("../etc/passwd", &why));
	assert_non_null(strstr(why, "not a known time zone"));
	free(why);
	assert_false(cron_valid_time_zone("Mars/Olympus", &why));
	free(why);
}

static void test_names(void **state)
{
	(void)state;
	char *why = NULL;
	assert_true(sched_valid_name("nightly-db", &why));
	char long_name[60];
	memset(long_name, 'a', 53);
	long_name[53] = '\0';
	assert_false(sched_valid_name(long_name, &why));
	assert_non_null(strstr(why, "53 characters, at most 52"));
	free(why);
	long_name[52] = '\0';
	assert_true(sched_valid_name(long_name, &why));
	assert_false(sched_valid_name("Nightly", &why));
	free(why);
	assert_false(sched_valid_name("a.b", &why));
	free(why);
	assert_string_equal(sched_cronjob_version(20), "v1beta1");
	assert_string_equal(sched_cronjob_version(21), "v1");
	assert_false(sched_time_zone_supported(24));
	assert_true(sched_time_zone_supported(25));

	int64_t t = 0;
	assert_true(sched_job_time("nightly-28590706", &t));
	assert_int_equal(t, 28590706LL * 60);
	assert_false(sched_job_time("nightly-manual-x1y2z", &t));
	assert_false(sched_job_time("nightly", &t));
	char *n = sched_snapshot_name("data", NOW);
	assert_string_equal(n, "data-202405101200");
	free(n);
	char big[300];
	memset(big, 'p', 260);
	big[260] = '\0';
	big[239] = '-';
	n = sched_snapshot_name(big, NOW);
	assert_true(strlen(n) <= 253);
	assert_true(snap_valid_name(n));
	free(n);
}

static void spec_fill(struct sched_spec *s)
{
	memset(s, 0, sizeof *s);
	s->name = xstrdup("nightly");
	s->ns = xstrdup("shop");
	strlist_push(&s->pvcs, "data-0");
	strlist_push(&s->pvcs, "data-1");
	s->cron = xstrdup("0 3 * * *");
	s->keep_last = 7;
	s->keep_within_ms = 2LL * DAY * 1000;
	s->klass = xstrdup("csi-snapclass");
	s->timeout_ms = 10 * 60 * 1000;
	s->image = xstrdup("example/volsnap:v1");
}

static json_object *find_kind(json_object *objs, const char *kind)
{
	for (size_t i = 0; i < json_object_array_length(objs); i++)
		if (!strcmp(jstr_or(json_object_array_get_idx(objs, i), "kind", ""), kind))
			return json_object_array_get_idx(objs, i);
	return NULL;
}

static char *args_text(json_object *args)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < json_object_array_length(args); i++) {
		char *n =
		    xasprintf("%s%s%s", s, i ? " " : "", json_object_get_string(json_object_array_get_idx(args, i)));
		free(s);
		s = n;
	}
	return s;
}

static void test_manifests(void **state)
{
	(void)state;
	struct sched_spec s;
	spec_fill(&s);
	struct sched_server old = {.minor = 20, .snap_version = "v1beta1"}, cur = {.minor = 31, .snap_version = "v1"};
	json_object *objs = sched_manifests(&s, &old);
	assert_int_equal(json_object_array_length(objs), 4);
	assert_string_equal(jstr(json_object_array_get_idx(objs, 0), "kind"), "ServiceAccount");
	json_object *cj = find_kind(objs, "CronJob");
	assert_string_equal(jstr(cj, "apiVersion"), "batch/v1beta1");
	json_object_put(objs);

	s.time_zone = xstrdup("Europe/Berlin");
	objs = sched_manifests(&s, &cur);
	cj = find_kind(objs, "CronJob");
	assert_string_equal(jstr(cj, "apiVersion"), "batch/v1");
	assert_string_equal(jstr(cj, "metadata.name"), "nightly");
	assert_string_equal(jstr(cj, "spec.timeZone"), "Europe/Berlin");
	assert_string_equal(jstr(cj, "spec.concurrencyPolicy"), "Forbid");
	int64_t v = 0;
	assert_true(jint64(cj, "spec.startingDeadlineSeconds", &v) && v >= 300);
	assert_true(jint64(cj, "spec.jobTemplate.spec.backoffLimit", &v) && v == 2);
	assert_true(jint64(cj, "spec.jobTemplate.spec.activeDeadlineSeconds", &v) && v > 600);
	assert_true(jint64(cj, "spec.successfulJobsHistoryLimit", &v) && v == 3);
	json_object *pod = jget(cj, "spec.jobTemplate.spec.template.spec");
	assert_string_equal(jstr(pod, "serviceAccountName"), "volsnap-nightly");
	assert_string_equal(jstr(pod, "securityContext.seccompProfile.type"), "RuntimeDefault");
	bool b = false;
	assert_true(jbool(pod, "securityContext.runAsNonRoot", &b) && b);
	json_object *c = json_object_array_get_idx(jget(pod, "containers"), 0);
	assert_string_equal(jstr(c, "image"), "example/volsnap:v1");
	assert_true(jbool(c, "securityContext.allowPrivilegeEscalation", &b) && !b);
	assert_true(jbool(c, "securityContext.readOnlyRootFilesystem", &b) && b);
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(jget(c, "securityContext.capabilities.drop"), 0)), "ALL");
	char *a = args_text(jget(c, "args"));
	assert_string_equal(a, "schedule run-job nightly --pvc data-0 --pvc data-1 --keep-last 7 --keep-within 48h "
			       "--class csi-snapclass --timeout 10m");
	free(a);
	json_object *env = json_object_array_get_idx(jget(c, "env"), 0);
	assert_string_equal(jstr(env, "name"), SCHED_JOB_ENV);
	assert_string_equal(jstr(env, "valueFrom.fieldRef.fieldPath"), "metadata.labels['job-name']");

	/* The Role: namespaced, exactly the run's verbs. */
	json_object *role = find_kind(objs, "Role");
	char *rules = jdump(jget(role, "rules"));
	assert_string_equal(rules,
			    "[{\"apiGroups\":[\"snapshot.storage.k8s.io\"],\"resources\":[\"volumesnapshots\"],"
			    "\"verbs\":[\"get\",\"list\",\"watch\",\"create\",\"delete\"]},{\"apiGroups\":[\"\"],"
			    "\"resources\":[\"persistentvolumeclaims\"],\"verbs\":[\"get\",\"list\"]}]");
	free(rules);
	json_object *rb = find_kind(objs, "RoleBinding");
	assert_string_equal(jstr(rb, "roleRef.name"), "volsnap-nightly");

	/* The record reads back. */
	struct sched_spec r;
	char *why = NULL;
	assert_true(sched_record_read(cj, &r, &why));
	assert_string_equal(r.name, "nightly");
	assert_string_equal(r.ns, "shop");
	assert_int_equal(r.pvcs.n, 2);
	assert_int_equal(r.keep_last, 7);
	assert_int_equal(r.keep_within_ms, 2LL * DAY * 1000);
	assert_string_equal(r.klass, "csi-snapclass");
	assert_string_equal(r.time_zone, "Europe/Berlin");
	assert_string_equal(r.image, "example/volsnap:v1");
	sched_spec_clear(&r);
	json_object_put(objs);
	sched_spec_clear(&s);

	json_object *bare = json_object_new_object();
	jset(bare, "metadata.name", json_object_new_string("x"));
	assert_false(sched_record_read(bare, &r, &why));
	assert_non_null(strstr(why, "no readable volsnap.io/schedule-spec"));
	free(why);
	json_object_put(bare);
}

static json_object *pvc(const char *name, const char *phase, const char *app)
{
	json_object *p = json_object_new_object();
	jset(p, "metadata.name", json_object_new_string(name));
	jset(p, "metadata.namespace", json_object_new_string("shop"));
	if (app) {
		json_object *l = json_object_new_object();
		json_object_object_add(l, "app", json_object_new_string(app));
		jset(p, "metadata.labels", l);
	}
	jset(p, "status.phase", json_object_new_string(phase));
	return p;
}

static void test_plan(void **state)
{
	(void)state;
	struct sched_spec s;
	spec_fill(&s);
	strlist_push(&s.pvcs, "gone");
	json_object *pvcs = json_object_new_array();
	json_object_array_add(pvcs, pvc("data-1", "Pending", NULL));
	json_object_array_add(pvcs, pvc("data-0", "Bound", NULL));
	struct sched_plan plan;
	sched_plan_run(&s, pvcs, NOW, &plan);
	assert_int_equal(plan.n, 3);
	assert_string_equal(plan.items[0].pvc, "data-0");
	assert_int_equal(plan.items[0].state, SCHED_TAKE);
	assert_string_equal(plan.items[0].snapshot, "data-0-202405101200");
	assert_int_equal(plan.items[1].state, SCHED_UNBOUND);
	assert_non_null(strstr(plan.items[1].why, "PVC is Pending, not Bound"));
	assert_int_equal(plan.items[2].state, SCHED_MISSING);
	sched_plan_clear(&plan);
	/* A selector: every PVC the list gave. */
	strlist_clear(&s.pvcs);
	s.selector = xstrdup("app=db");
	sched_plan_run(&s, pvcs, NOW, &plan);
	assert_int_equal(plan.n, 2);
	sched_plan_clear(&plan);
	json_object_put(pvcs);
	sched_spec_clear(&s);
}

static void test_selector(void **state)
{
	(void)state;
	json_object *p = pvc("a", "Bound", "db");
	json_object *l = jget(p, "metadata.labels");
	assert_true(cover_selector_matches("app=db", l));
	assert_true(cover_selector_matches("app==db", l));
	assert_false(cover_selector_matches("app!=db", l));
	assert_true(cover_selector_matches("app in (web, db)", l));
	assert_false(cover_selector_matches("app notin (web,db)", l));
	assert_true(cover_selector_matches("app,!tier", l));
	assert_false(cover_selector_matches("app=db,tier=x", l));
	json_object_put(p);
}

static struct cover_schedule sched_at(const char *name, bool suspended, int64_t period, enum cover_run out)
{
	struct cover_schedule s;
	memset(&s, 0, sizeof s);
	s.name = name;
	s.suspended = suspended;
	s.period = period;
	s.outcome = out;
	s.created = NOW - 30 * DAY;
	s.last_job = "job-1";
	return s;
}

static void verdict_is(int64_t newest, const struct cover_schedule *const *s, size_t n, enum cover_verdict want,
		       const char *why_part)
{
	char *why = NULL;
	enum cover_verdict v = cover_decide(newest, s, n, NOW, &why);
	if (v != want || !strstr(why, why_part))
		fprintf(stderr, "got %s: %s\n", cover_verdict_name(v), why);
	assert_int_equal(v, want);
	assert_non_null(strstr(why, why_part));
	free(why);
}

static void test_verdicts(void **state)
{
	(void)state;
	struct cover_schedule ok = sched_at("hourly", false, HOUR, COVER_RUN_OK),
			      failed = sched_at("hourly", false, HOUR, COVER_RUN_FAILED),
			      paused = sched_at("hourly", true, HOUR, COVER_RUN_OK);
	const struct cover_schedule *s[] = {&ok}, *f[] = {&failed}, *p[] = {&paused};
	verdict_is(NOW - 30 * MIN, s, 1, COVER_OK, "30m old");
	verdict_is(NOW - 3 * HOUR, s, 1, COVER_STALE, "more than twice the period of hourly (60m)");
	verdict_is(0, s, 1, COVER_STALE, "no ready snapshot although schedule hourly");
	verdict_is(NOW - 30 * MIN, f, 1, COVER_FAILING, "the last run of schedule hourly failed (Job job-1)");
	verdict_is(NOW - 30 * MIN, p, 1, COVER_PAUSED, "schedule hourly is suspended");
	verdict_is(0, NULL, 0, COVER_UNPROTECTED, "no schedule and no ready snapshot");
	verdict_is(NOW - 2 * DAY, NULL, 0, COVER_UNPROTECTED, "no ready snapshot in the last 24h");
	verdict_is(NOW - HOUR, NULL, 0, COVER_OK, "no schedule");
	/* A new schedule has two periods for its first run. */
	ok.created = NOW - 10 * MIN;
	verdict_is(0, s, 1, COVER_OK, "waiting for the first run of hourly");
}

static void test_objects_line(void **state)
{
	(void)state;
	char *l = cover_objects_line(true, false, NULL, NULL, NOW);
	assert_non_null(strstr(l, "Gardener backs up etcd"));
	free(l);
	l = cover_objects_line(false, false, NULL, NULL, NOW);
	assert_non_null(strstr(l, "nothing visible backs them up"));
	free(l);
	json_object *scheds = json_object_new_array(), *backups = json_object_new_array(),
		    *b = json_object_new_object();
	json_object_array_add(scheds, json_object_new_object());
	jset(b, "metadata.name", json_object_new_string("daily-1"));
	jset(b, "status.phase", json_object_new_string("Completed"));
	jset(b, "status.completionTimestamp", json_object_new_string("2024-05-10T10:00:00Z"));
	json_object_array_add(backups, b);
	l = cover_objects_line(false, true, scheds, backups, NOW);
	assert_string_equal(l, "Cluster objects: Velero, 1 schedule, last completed backup daily-1 120m ago");
	free(l);
	json_object_put(scheds);
	json_object_put(backups);
}

/* volsnap.io/keep=true pins a snapshot: plan_prune keeps it and it does not
 * count among the N newest. */
static void test_prune_pin(void **state)
{
	(void)state;
	json_object *snaps = json_object_new_array();
	const char *names[] = {"s1", "s2", "s3"};
	for (int i = 0; i < 3; i++) {
		json_object *o = json_object_new_object();
		jset(o, "metadata.namespace", json_object_new_string("shop"));
		jset(o, "metadata.name", json_object_new_string(names[i]));
		char ts[32];
		snprintf(ts, sizeof ts, "2024-05-10T0%d:00:00Z", i + 1);
		jset(o, "metadata.creationTimestamp", json_object_new_string(ts));
		json_object *l = json_object_new_object();
		json_object_object_add(l, SNAP_LABEL_MANAGED_BY, json_object_new_string(SNAP_MANAGED_BY));
		if (i == 0)
			json_object_object_add(l, SNAP_LABEL_KEEP, json_object_new_string("true"));
		jset(o, "metadata.labels", l);
		jset(o, "spec.source.persistentVolumeClaimName", json_object_new_string("data"));
		jset(o, "status.readyToUse", json_object_new_boolean(1));
		json_object_array_add(snaps, o);
	}
	struct prune_policy policy = {1, 0, false};
	struct prune_plan plan;
	plan_prune(snaps, NULL, NOW, &policy, &plan);
	assert_int_equal(plan.n_keep, 2);
	assert_int_equal(plan.n_delete, 1);
	struct prune_item it;
	size_t seen = 0;
	while (prune_plan_next(&plan, &it) > 0) {
		seen++;
		if (!strcmp(it.name, "s1"))
			assert_string_equal(it.reason, "pinned by volsnap.io/keep=true");
		if (!strcmp(it.name, "s2"))
			assert_int_equal(it.action, PRUNE_DELETE);
	}
	assert_int_equal(seen, plan.n);
	prune_plan_clear(&plan);
	json_object_put(snaps);
}

/* doctor's schedules check, over fetched facts. */
static json_object *items_of(const char *json)
{
	json_object *o = json_tokener_parse(json);
	assert_non_null(o);
	return o;
}

static void test_doctor_schedules(void **state)
{
	(void)state;
	extern const struct check check_schedules;
	struct check_facts f;
	struct check_outcome o;
	char *why = NULL;
	check_facts_init(&f, "shop", NULL);
	f.now = NOW;
	check_facts_set(&f, READ_VERSION, items_of("{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.4\"}"));
	check_facts_set_error(&f, READ_CRONJOBS, KUBE_ERR_API, 403, "Forbidden", "forbidden");
	check_facts_set_error(&f, READ_CRONJOBS_V1BETA1, KUBE_ERR_NOT_INSTALLED, 404, NULL, "not served");
	assert_int_equal(check_facts_derive(&f, &why), 0);
	memset(&o, 0, sizeof o);
	check_schedules.run(&f, &o);
	assert_int_equal(o.result, CHECK_SKIP);
	assert_non_null(strstr(o.message.buf, "cannot read cronjobs: forbidden"));
	check_outcomes_release(&o, 1);

	check_facts_set(
	    &f, READ_CRONJOBS,
	    items_of("{\"items\":[{\"metadata\":{\"name\":\"n\",\"namespace\":\"shop\",\"creationTimestamp\":"
		     "\"2024-05-01T00:00:00Z\",\"labels\":{\"volsnap.io/schedule\":\"n\"}},\"spec\":{\"schedule\":"
		     "\"@hourly\"},\"status\":{\"lastSuccessfulTime\":\"2024-05-10T11:30:00Z\"}},"
		     "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":{\"schedule\":\"TZ=UTC "
		     "@hourly\",\"jobTemplate\":{\"spec\":{}}}}]}"));
	memset(&o, 0, sizeof o);
	check_schedules.run(&f, &o);
	assert_int_equal(o.result, CHECK_PASS);
	assert_string_equal(o.message.buf, "1 snapshot schedule on time");
	check_outcomes_release(&o, 1);

	f.now = NOW + 3 * HOUR;
	memset(&o, 0, sizeof o);
	check_schedules.run(&f, &o);
	assert_int_equal(o.result, CHECK_WARN);
	assert_string_equal(o.message.buf, "schedule shop/n last succeeded 3h30m ago, longer than its period (60m)");
	check_outcomes_release(&o, 1);
	check_facts_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cron_parse),	cmocka_unit_test(test_cron_next),
	    cmocka_unit_test(test_cron_period), cmocka_unit_test(test_time_zone),
	    cmocka_unit_test(test_names),	cmocka_unit_test(test_manifests),
	    cmocka_unit_test(test_plan),	cmocka_unit_test(test_selector),
	    cmocka_unit_test(test_verdicts),	cmocka_unit_test(test_objects_line),
	    cmocka_unit_test(test_prune_pin),	cmocka_unit_test(test_doctor_schedules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
