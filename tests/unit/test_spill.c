/* Unit tests of util/spill: the bounded-memory external sort behind list's
 * table and prune's plan. A budget of a few hundred bytes (VOLSNAP_SPILL_BUDGET)
 * sends nearly every record to the temporary file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "util/spill.h"
#include "util/xalloc.h"

/* A record: a key compared, and the order it was added in, not compared. */
struct rec {
	uint32_t key, seq;
};

static int by_key(const void *a, size_t alen, const void *b, size_t blen)
{
	struct rec x, y;
	assert_int_equal(alen, sizeof x);
	assert_int_equal(blen, sizeof y);
	memcpy(&x, a, sizeof x);
	memcpy(&y, b, sizeof y);
	return (x.key > y.key) - (x.key < y.key);
}

static int setup(void **state)
{
	(void)state;
	unsetenv("VOLSNAP_SPILL_BUDGET");
	unsetenv("TMPDIR");
	return 0;
}

static uint32_t next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 8) % 97; /* few keys: many ties */
}

/* Adds n records with pseudo-random keys and checks they come back sorted,
 * equal keys in the order added, every one exactly once. Returns whether the
 * store spilled. */
static int sort_and_check(size_t n)
{
	struct spill *s = spill_new(by_key);
	uint32_t x = 42;
	char *seen = xcalloc(n ? n : 1, 1);
	for (size_t i = 0; i < n; i++) {
		struct rec r = {next_rand(&x), (uint32_t)i};
		assert_int_equal(spill_add(s, &r, sizeof r), 0);
	}
	assert_int_equal(spill_count(s), n);
	for (int pass = 0; pass < 2; pass++) {
		const void *p;
		size_t len, got = 0;
		struct rec prev = {0, 0};
		memset(seen, 0, n ? n : 1);
		while (spill_next(s, &p, &len) == 1) {
			struct rec r;
			assert_int_equal(len, sizeof r);
			memcpy(&r, p, sizeof r);
			if (got)
				assert_true(prev.key < r.key || (prev.key == r.key && prev.seq < r.seq));
			assert_true(r.seq < n && !seen[r.seq]);
			seen[r.seq] = 1;
			prev = r;
			got++;
		}
		assert_int_equal(got, n);
		assert_null(spill_error(s));
		spill_rewind(s); /* the second pass reads it all again */
	}
	int spilled = spill_spilled(s);
	free(seen);
	spill_free(s);
	return spilled;
}

static void test_in_memory_under_the_budget(void **state)
{
	(void)state;
	assert_false(sort_and_check(5000));
}

static void test_spills_beyond_the_budget(void **state)
{
	(void)state;
	setenv("VOLSNAP_SPILL_BUDGET", "4096", 1);
	assert_true(sort_and_check(5000));
}

/* A few records a run: thousands of runs, merged SPILL_FANIN at a time in
 * several passes. */
static void test_many_runs(void **state)
{
	(void)state;
	setenv("VOLSNAP_SPILL_BUDGET", "100", 1);
	assert_true(sort_and_check(20000));
}

static void test_empty(void **state)
{
	(void)state;
	assert_false(sort_and_check(0));
	setenv("VOLSNAP_SPILL_BUDGET", "1", 1);
	assert_false(sort_and_check(0));
	assert_true(sort_and_check(1));
}

/* No temporary file can be made (FROM scratch: no /tmp): all in memory, same order. */
static void test_no_tmp_dir_holds_in_memory(void **state)
{
	(void)state;
	setenv("VOLSNAP_SPILL_BUDGET", "100", 1);
	setenv("TMPDIR", "/nonexistent/volsnap-test", 1);
	assert_false(sort_and_check(3000));
}

/* Without a comparator: the order added, across runs too. */
static void test_sequential_store(void **state)
{
	(void)state;
	setenv("VOLSNAP_SPILL_BUDGET", "64", 1);
	struct spill *s = spill_new(NULL);
	for (uint32_t i = 0; i < 3000; i++) {
		struct rec r = {3000 - i, i};
		assert_int_equal(spill_add(s, &r, sizeof r), 0);
	}
	assert_true(spill_spilled(s));
	const void *p;
	size_t len;
	uint32_t want = 0;
	for (; spill_next(s, &p, &len) == 1; want++) {
		struct rec r;
		memcpy(&r, p, sizeof r);
		assert_int_equal(r.seq, want);
		if (want == 1000)
			break;
	}
	spill_rewind(s); /* from the start, halfway through */
	for (want = 0; spill_next(s, &p, &len) == 1; want++) {
		struct rec r;
		memcpy(&r, p, sizeof r);
		assert_int_equal(r.seq, want);
	}
	assert_int_equal(want, 3000);
	spill_free(s);
}

/* An empty record sorts first. */
static int first_byte(const void *p, size_t len)
{
	return len ? *(const unsigned char *)p : 0;
}

static int by_first_byte(const void *a, size_t alen, const void *b, size_t blen)
{
	return first_byte(a, alen) - first_byte(b, blen);
}

/* Records larger than a read buffer (64 KB) and of every size, empty ones too. */
static void test_records_of_any_size(void **state)
{
	(void)state;
	setenv("VOLSNAP_SPILL_BUDGET", "1000", 1);
	struct spill *s = spill_new(by_first_byte);
	size_t sizes[] = {200000, 1, 70000, 3, 65536, 65535, 10, 0};
	char *buf = xmalloc(200000);
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		memset(buf, (int)(sizeof sizes / sizeof *sizes - i), sizes[i]);
		assert_int_equal(spill_add(s, buf, sizes[i]), 0);
	}
	const void *p;
	size_t len, got = 0, total = 0;
	int prev = -1;
	/* Added with first bytes 8, 7, ... 2 and an empty one: back in reverse. */
	while (spill_next(s, &p, &len) == 1) {
		size_t want = sizes[sizeof sizes / sizeof *sizes - 1 - got];
		assert_int_equal(len, want);
		assert_true(first_byte(p, len) > prev);
		prev = first_byte(p, len);
		for (size_t k = 1; k < len; k++)
			assert_int_equal(((const char *)p)[k], ((const char *)p)[0]);
		got++;
		total += len;
	}
	assert_int_equal(got, sizeof sizes / sizeof *sizes);
	assert_int_equal(total, 200000 + 1 + 70000 + 3 + 65536 + 65535 + 10);
	free(buf);
	spill_free(s);
}

/* Adding once reading began is a mistake: an error, and the store says so. */
static void test_add_while_reading_fails(void **state)
{
	(void)state;
	struct spill *s = spill_new(by_key);
	struct rec r = {1, 0};
	const void *p;
	size_t len;
	assert_int_equal(spill_add(s, &r, sizeof r), 0);
	assert_int_equal(spill_next(s, &p, &len), 1);
	assert_int_equal(spill_add(s, &r, sizeof r), -1);
	assert_non_null(spill_error(s));
	assert_int_equal(spill_next(s, &p, &len), -1);
	spill_free(s);
}

/* The temporary file cannot grow (RLIMIT_FSIZE, as a full disk): the add that
 * writes fails, the error is kept, and reading gives nothing but the error. */
static void test_write_error_is_sticky(void **state)
{
	(void)state;
	struct rlimit old, small;
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 1000;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	setenv("VOLSNAP_SPILL_BUDGET", "100", 1);
	struct spill *s = spill_new(by_key);
	int rc = 0;
	for (uint32_t i = 0; i < 2000 && rc == 0; i++) {
		struct rec r = {i % 7, i};
		rc = spill_add(s, &r, sizeof r);
	}
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(spill_error(s), "writing a temporary file: "));
	struct rec r = {1, 1};
	assert_int_equal(spill_add(s, &r, sizeof r), -1);
	const void *p;
	size_t len;
	assert_int_equal(spill_next(s, &p, &len), -1);
	spill_free(s);
}

static void test_budget_knob(void **state)
{
	(void)state;
	assert_int_equal(spill_budget(), 2u << 20);
	setenv("VOLSNAP_SPILL_BUDGET", "12345", 1);
	assert_int_equal(spill_budget(), 12345);
	setenv("VOLSNAP_SPILL_BUDGET", "12k", 1); /* not a number of bytes: the default */
	assert_int_equal(spill_budget(), 2u << 20);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_in_memory_under_the_budget),
	    T(test_spills_beyond_the_budget),
	    T(test_many_runs),
	    T(test_empty),
	    T(test_no_tmp_dir_holds_in_memory),
	    T(test_sequential_store),
	    T(test_records_of_any_size),
	    T(test_add_while_reading_fails),
	    T(test_write_error_is_sticky),
	    T(test_budget_knob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
