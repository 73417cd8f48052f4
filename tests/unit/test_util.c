/* Unit tests of the small utilities: strings, quantities, durations, ages, JSON paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

static void test_strbuf_grows_and_detaches(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	assert_string_equal(sb.buf, "");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i % 10);
	assert_int_equal(sb.len, 2000);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "a b/c=d");
	strbuf_addch(&sb, '\n');
	strbuf_trim_trailing_newlines(&sb);
	char *s = strbuf_detach(&sb);
	assert_string_equal(s, "a b/c=d");
	assert_int_equal(sb.len, 0);
	free(s);
	strbuf_add_urlencoded(&sb, "app=x,tier in (a b)");
	assert_string_equal(sb.buf, "app%3Dx%2Ctier%20in%20%28a%20b%29");
	strbuf_release(&sb);
	s = strbuf_detach(&sb); /* an empty buffer still detaches a real string */
	assert_string_equal(s, "");
	free(s);
}

static void test_strlist(void **state)
{
	(void)state;
	struct strlist l = STRLIST_INIT;
	for (int i = 0; i < 20; i++)
		strlist_take(&l, xasprintf("item-%d", i));
	assert_int_equal(l.n, 20);
	assert_true(strlist_contains(&l, "item-19"));
	assert_false(strlist_contains(&l, "item-20"));
	strlist_clear(&l);
	assert_int_equal(l.n, 0);
}

static void test_quantity_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t bytes;
	} ok[] = {
	    {"10Gi", 10LL << 30}, {"1Ki", 1024},  {"500M", 500000000}, {"1.5Gi", 3LL << 29},
	    {"1e3", 1000},	  {"1E3", 1000},  {"+5", 5},	       {"0", 0},
	    {"100m", 1},	  {"1500m", 2},	  {"0.5", 1},	       {"8Ei", 0},
	    {"1k", 1000},	  {"2.5k", 2500}, {".5Ki", 512},       {"7Ei", 7LL << 60},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t b = -1;
		bool good = quantity_parse(ok[i].in, &b);
		if (!strcmp(ok[i].in, "8Ei")) {
			assert_false(good); /* overflows int64 */
			continue;
		}
		assert_true(good);
		assert_int_equal(b, ok[i].bytes);
	}
	static const char *const bad[] = {"", "Gi", "10GB", "-1Gi", "1..2", "1e", "abc", "10 Gi", "1e99"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t b;
		assert_false(quantity_parse(bad[i], &b));
	}
}

static void test_quantity_format(void **state)
{
	(void)state;
	char *s;
	s = quantity_format(10LL << 30);
	assert_string_equal(s, "10Gi");
	free(s);
	s = quantity_format(1536LL << 20);
	assert_string_equal(s, "1536Mi");
	free(s);
	s = quantity_format(5000000000LL);
	assert_string_equal(s, "5G");
	free(s);
	s = quantity_format(1001);
	assert_string_equal(s, "1001");
	free(s);
	s = quantity_format(0);
	assert_string_equal(s, "0");
	free(s);
}

static void test_duration_parse(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t ms;
	} ok[] = {
	    {"30s", 30000},    {"5m", 300000}, {"1h30m", 5400000}, {"300ms", 300},
	    {"7d", 604800000}, {"30", 30000},  {"0", 0},	   {"1.5s", 1500},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = -1;
		assert_true(duration_parse(ok[i].in, &ms));
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {"", "5x", "m", "-5s", "1h-2m", "s5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms;
		assert_false(duration_parse(bad[i], &ms));
	}
}

static void test_duration_human_matches_kubectl(void **state)
{
	(void)state;
	static const struct {
		int64_t s;
		const char *out;
	} cases[] = {
	    {0, "0s"},
	    {45, "45s"},
	    {119, "119s"},
	    {120, "2m"},
	    {125, "2m5s"},
	    {600, "10m"},
	    {3 * 3600, "3h"},
	    {3 * 3600 + 60, "3h1m"},
	    {9 * 3600, "9h"},
	    {47 * 3600, "47h"},
	    {50 * 3600, "2d2h"},
	    {9 * 86400, "9d"},
	    {800 * 86400, "2y70d"},
	    {10 * 365 * 86400LL, "10y"},
	    {-1, "0s"},
	    {-5, "<invalid>"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = duration_human(cases[i].s);
		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

static void test_rfc3339(void **state)
{
	(void)state;
	int64_t t;
	assert_true(time_parse_rfc3339("1970-01-01T00:00:10Z", &t));
	assert_int_equal(t, 10);
	assert_true(time_parse_rfc3339("2024-05-01T10:00:00.123456Z", &t));
	assert_int_equal(t, 1714557600);
	assert_true(time_parse_rfc3339("2024-05-01T12:00:00+02:00", &t));
	assert_int_equal(t, 1714557600);
	assert_false(time_parse_rfc3339("2024-05-01 10:00:00", &t));
	assert_false(time_parse_rfc3339("2024-13-01T10:00:00Z", &t));
	assert_false(time_parse_rfc3339(NULL, &t));
}

/* Issue 9 item 1: a short UTC offset made the parser read past the string. */
static void test_rfc3339_rejects_short_offsets(void **state)
{
	(void)state;
	int64_t t;
	static const char *const bad[] = {
	    "2099-01-01T00:00:00+1:0",	 "2099-01-01T00:00:00+1:00", "2099-01-01T00:00:00+01:0", "2099-01-01T00:00:00+",
	    "2099-01-01T00:00:00-0100",	 "2099-1-01T00:00:00Z",	     "2099-01-01T0:00:00Z",	 "+099-01-01T00:00:00Z",
	    "2099-01-01T00:00:00+24:00", "2099-01-01T00:00:-1Z",     "2099-01-01T00:00",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* A copy of exactly the string's length, so ASan sees any read past it. */
		size_t n = strlen(bad[i]);
		char *s = malloc(n + 1);
		memcpy(s, bad[i], n + 1);
		assert_false(time_parse_rfc3339(s, &t));
		free(s);
	}
	assert_true(time_parse_rfc3339("2024-05-01T08:30:00-01:30", &t));
	assert_int_equal(t, 1714557600);
}

/* Issue 9 item 2: out-of-range durations are errors, not INT64_MIN. */
static void test_duration_range(void **state)
{
	(void)state;
	static const char *const bad[] = {"1e300", "1e300s", "1e20",  "9999999999999999999999h", "0x10", "inf", "nan",
					  "1e3s",  ".s",     "1.2.3s"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 0;
		assert_false(duration_parse(bad[i], &ms));
	}
	int64_t ms;
	assert_true(duration_parse("100000d", &ms));
	assert_int_equal(ms, 100000LL * 86400000);
	assert_true(duration_parse(".5s", &ms));
	assert_int_equal(ms, 500);
}

/* Issue 9 item 3: scale() overflowed signed integers. */
static void test_quantity_overflow(void **state)
{
	(void)state;
	int64_t b = 0;
	assert_true(quantity_parse("0.9999999999Ei", &b));
	assert_true(b > 0 && b <= (1LL << 60));
	assert_true(quantity_parse("0.9007199254740991Ki", &b));
	assert_int_equal(b, 923);
	assert_true(quantity_parse("9223372036854775807m", &b));
	assert_int_equal(b, 9223372036854776LL);
	assert_true(quantity_parse("9223372036854775807", &b));
	assert_int_equal(b, INT64_MAX);
	assert_false(quantity_parse("9223372036854775807.5", &b));
	assert_false(quantity_parse("7.99999999999999999Ei", &b) && b < 0);
	assert_true(quantity_parse("1.5n", &b));
	assert_int_equal(b, 1);
}

static void test_json_paths(void **state)
{
	(void)state;
	const char *text = "{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}},"
			   "\"status\":{\"readyToUse\":true,\"restoreSize\":\"1073741824\",\"n\":5}}";
	json_object *o = jparse(text, strlen(text));
	assert_non_null(o);
	assert_string_equal(jstr(o, "metadata.name"), "a");
	assert_null(jstr(o, "metadata.missing"));
	assert_null(jstr(o, "status.readyToUse"));
	assert_string_equal(jstr_or(o, "spec.x", "def"), "def");
	bool b = false;
	assert_true(jbool(o, "status.readyToUse", &b));
	assert_true(b);
	int64_t n;
	assert_true(jint64(o, "status.n", &n));
	assert_int_equal(n, 5);
	assert_true(jint64(o, "status.restoreSize", &n));
	assert_int_equal(n, 1073741824);
	jset(o, "spec.source.persistentVolumeClaimName", json_object_new_string("data"));
	assert_string_equal(jstr(o, "spec.source.persistentVolumeClaimName"), "data");
	json_object_put(o);
	assert_null(jparse("{\"a\":1} x", 9));
	assert_null(jparse("{\"a\":", 5));
	o = jparse(" [1,2] \n", 8);
	assert_non_null(o);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strbuf_grows_and_detaches),
	    cmocka_unit_test(test_strlist),
	    cmocka_unit_test(test_quantity_parse),
	    cmocka_unit_test(test_quantity_format),
	    cmocka_unit_test(test_duration_parse),
	    cmocka_unit_test(test_duration_human_matches_kubectl),
	    cmocka_unit_test(test_rfc3339),
	    cmocka_unit_test(test_rfc3339_rejects_short_offsets),
	    cmocka_unit_test(test_duration_range),
	    cmocka_unit_test(test_quantity_overflow),
	    cmocka_unit_test(test_json_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
