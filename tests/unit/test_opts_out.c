/* Unit tests of option parsing and output formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"

static const struct command fake_cmd = {.name = "fake", .usage = "fake ARG [flags]", .help = "Examples:\n  x"};

static void reset_ctx(struct cmd_ctx *ctx)
{
	free(ctx->error);
	free(ctx->hint);
	memset(ctx, 0, sizeof *ctx);
	ctx->cmd = &fake_cmd;
}

static void test_opts_forms(void **state)
{
	(void)state;
	struct cmd_ctx ctx = {0};
	reset_ctx(&ctx);
	const char *name = NULL, *dry = NULL;
	int wait = -1, yes = -1;
	long keep = 0;
	int64_t timeout = 0;
	struct strlist labels = STRLIST_INIT;
	struct option options[] = {
	    OPT_STRING(0, "name", &name, "NAME", "name"),
	    OPT_BOOL(0, "wait", &wait, "wait"),
	    OPT_BOOL('y', "yes", &yes, "yes"),
	    OPT_INT(0, "keep-last", &keep, "N", "keep"),
	    OPT_DURATION(0, "timeout", &timeout, "D", "timeout"),
	    OPT_LIST('l', "label", &labels, "K=V", "labels"),
	    OPT_OPTARG(0, "dry-run", &dry, "MODE", "client", "dry run"),
	    OPT_END(),
	};
	char *argv[] = {"fake",	 "pvc-a", "--name=snap", "--no-wait", "-y", "--keep-last",  "3", "--timeout=5m",
			"-la=b", "-l",	  "c=d",	 "--dry-run", "--", "--not-a-flag", NULL};
	int nargs;
	char **args;
	assert_int_equal(opts_parse(&ctx, options, 14, argv, &nargs, &args), OPTS_OK);
	assert_int_equal(nargs, 2);
	assert_string_equal(args[0], "pvc-a");
	assert_string_equal(args[1], "--not-a-flag");
	free(args);
	assert_string_equal(name, "snap");
	assert_int_equal(wait, 0);
	assert_int_equal(yes, 1);
	assert_int_equal(keep, 3);
	assert_int_equal(timeout, 300000);
	assert_int_equal(labels.n, 2);
	assert_string_equal(labels.items[1], "c=d");
	assert_string_equal(dry, "client");
	strlist_clear(&labels);

	char *argv2[] = {"fake", "--dry-run=server", "--wait=true", NULL};
	assert_int_equal(opts_parse(&ctx, options, 3, argv2, &nargs, &args), OPTS_OK);
	free(args);
	assert_string_equal(dry, "server");
	assert_int_equal(wait, 1);
	reset_ctx(&ctx);
}

static void test_opts_errors(void **state)
{
	(void)state;
	struct cmd_ctx ctx = {0};
	reset_ctx(&ctx);
	long keep = 0;
	int wait = -1;
	int64_t timeout = 0;
	struct option options[] = {
	    OPT_INT(0, "keep-last", &keep, "N", "keep"),
	    OPT_BOOL(0, "wait", &wait, "wait"),
	    OPT_DURATION(0, "timeout", &timeout, "D", "timeout"),
	    OPT_END(),
	};
	int nargs;
	char **args;
	char *a1[] = {"fake", "--frob", NULL};
	assert_int_equal(opts_parse(&ctx, options, 2, a1, &nargs, &args), EXIT_USAGE);
	assert_string_equal(ctx.error, "unknown flag: --frob; see 'kubectl volsnap fake --help'");
	reset_ctx(&ctx);
	char *a2[] = {"fake", "--keep-last", "many", NULL};
	assert_int_equal(opts_parse(&ctx, options, 3, a2, &nargs, &args), EXIT_USAGE);
	assert_string_equal(ctx.error, "invalid value \"many\" for --keep-last: expected a whole number");
	reset_ctx(&ctx);
	char *a3[] = {"fake", "--keep-last", NULL};
	assert_int_equal(opts_parse(&ctx, options, 2, a3, &nargs, &args), EXIT_USAGE);
	assert_string_equal(ctx.error, "flag needs an argument: --keep-last");
	reset_ctx(&ctx);
	char *a4[] = {"fake", "--wait=maybe", NULL};
	assert_int_equal(opts_parse(&ctx, options, 2, a4, &nargs, &args), EXIT_USAGE);
	reset_ctx(&ctx);
	char *a5[] = {"fake", "--timeout", "soon", NULL};
	assert_int_equal(opts_parse(&ctx, options, 3, a5, &nargs, &args), EXIT_USAGE);
	assert_non_null(strstr(ctx.error, "a duration"));
	reset_ctx(&ctx);
}

static void test_global_flags_anywhere(void **state)
{
	(void)state;
	struct cmd_ctx ctx = {0};
	reset_ctx(&ctx);
	char *argv[] = {"kubectl-volsnap",   "-n",  "prod", "take", "--context=c1", "pvc", "-v=6", "--name", "x", "-A",
			"--request-timeout", "30s", NULL};
	int argc = 12;
	assert_int_equal(opts_parse_global(&ctx, &argc, argv), OPTS_OK);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[1], "take");
	assert_string_equal(argv[2], "pvc");
	assert_string_equal(argv[3], "--name");
	assert_string_equal(argv[4], "x");
	assert_string_equal(ctx.g.namespace, "prod");
	assert_string_equal(ctx.g.context, "c1");
	assert_int_equal(ctx.g.verbosity, 6);
	assert_true(ctx.g.all_namespaces);
	assert_int_equal(ctx.g.request_timeout_ms, 30000);

	reset_ctx(&ctx);
	char *bad[] = {"kubectl-volsnap", "-v=loud", NULL};
	argc = 2;
	assert_int_equal(opts_parse_global(&ctx, &argc, bad), EXIT_USAGE);
	reset_ctx(&ctx);
}

/* Captures what a printer writes. */
static char *capture(void (*print)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	print(f, arg);
	fclose(f);
	return buf;
}

static void print_table(FILE *f, void *arg)
{
	(void)arg;
	const char *headers[] = {"NAME", "READY", "AGE"};
	struct out_table *t = out_table_new(f, headers, 3);
	const char *r1[] = {"a-long-name", "true", "5m"};
	const char *r2[] = {"b", NULL, "10d"};
	out_table_row(t, r1);
	out_table_row(t, r2);
	out_table_flush(t);
	out_table_free(t);
}

static void test_table_aligns_like_kubectl(void **state)
{
	(void)state;
	char *s = capture(print_table, NULL);
	assert_string_equal(s, "NAME          READY    AGE\n"
			       "a-long-name   true     5m\n"
			       "b             <none>   10d\n");
	free(s);
}

static void print_pages(FILE *f, void *arg)
{
	(void)arg;
	const char *h[] = {"NAME", "READY"};
	const char *p1[] = {"a-long-name", "true"}, *p2[] = {"b", "false"}, *p3[] = {"a-longer-name!", "true"};
	struct out_table *t = out_table_new(f, h, 2);
	out_table_row(t, p1);
	out_table_flush(t);
	out_table_row(t, p2);
	out_table_row(t, p3);
	out_table_flush(t);
	out_table_free(t);
}

static void test_table_widths_stable_over_pages(void **state)
{
	(void)state;
	char *s = capture(print_pages, NULL);
	assert_string_equal(s, "NAME          READY\n"
			       "a-long-name   true\n"
			       "b             false\n"
			       "a-longer-name!   true\n");
	free(s);
}

/* 3000 rows keyed by quantities with many ties (and some without a key),
 * sorted at the flush; then two more pages that keep the widths. */
static void print_sorted(FILE *f, void *arg)
{
	(void)arg;
	const char *h[] = {"NAME", "SIZE"};
	struct out_table *t = out_table_new(f, h, 2);
	static const char *const sizes[] = {"1Gi", "512Mi", "2Gi", "1024Mi", "10", "abc", NULL};
	for (int i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof name, "row-%0*d", 1 + i % 9, i);
		const char *cells[] = {name, sizes[i % 7]};
		out_table_row_keyed(t, cells, sizes[(i * 5) % 7]);
	}
	out_table_flush(t);
	const char *late[] = {"a-row-longer-than-all-before-it", "1"};
	out_table_row_keyed(t, late, "1");
	out_table_row(t, late);
	out_table_flush(t);
	assert_null(out_table_error(t));
	assert_int_equal(out_table_rows_printed(t), 3002);
	out_table_free(t);
}

/* Where needle starts in s, or -1. */
__attribute__((noinline)) static long at(const char *s, const char *needle)
{
	const char *p = strstr(s, needle);
	return p ? (long)(p - s) : -1;
}

/* Beyond the budget the rows wait in a temporary file: the same bytes, equal
 * keys in the order they came, as with everything in memory. */
static void test_table_sorted_through_the_temporary_file(void **state)
{
	(void)state;
	unsetenv("VOLSNAP_SPILL_BUDGET");
	char *in_memory = capture(print_sorted, NULL);
	setenv("VOLSNAP_SPILL_BUDGET", "500", 1);
	char *spilled = capture(print_sorted, NULL);
	unsetenv("VOLSNAP_SPILL_BUDGET");
	assert_string_equal(spilled, in_memory);
	/* NULL keys first, then "10" < "512Mi" < "1Gi" = "1024Mi" < "2Gi" < "abc" (a quantity
	 * and a word compare as text); ties as added. */
	/* Rows 0, 7 and 14 share the key "1Gi". */
	long r0 = at(in_memory, "\nrow-0 "), r7 = at(in_memory, "\nrow-00000007 "),
	     r14 = at(in_memory, "\nrow-000014 ");
	assert_true(r0 >= 0 && r0 < r7 && r7 < r14);
	assert_true(at(in_memory, "\nrow-000005 ") < r0); /* row 5's key: "10" */
	free(in_memory);
	free(spilled);
}

static void print_json_doc(FILE *f, void *arg)
{
	out_json(f, arg);
}

static void test_json_like_kubectl(void **state)
{
	(void)state;
	json_object *o = json_tokener_parse("{\"a\":{\"b\":[1,\"x/y\"],\"e\":{},\"f\":[]},\"c\":true}");
	char *s = capture(print_json_doc, o);
	assert_string_equal(s, "{\n"
			       "    \"a\": {\n"
			       "        \"b\": [\n"
			       "            1,\n"
			       "            \"x/y\"\n"
			       "        ],\n"
			       "        \"e\": {},\n"
			       "        \"f\": []\n"
			       "    },\n"
			       "    \"c\": true\n"
			       "}\n");
	free(s);
	json_object_put(o);
}

static void print_list(FILE *f, void *arg)
{
	json_object *items = arg;
	struct out_list_stream *s = out_list_begin(f, OUT_JSON);
	for (size_t i = 0; i < json_object_array_length(items); i++)
		out_list_item(s, json_object_array_get_idx(items, i));
	out_list_end(s);
}

static void test_json_list_stream_is_valid_json(void **state)
{
	(void)state;
	json_object *items = json_tokener_parse("[{\"n\":1},{\"n\":2}]");
	char *s = capture(print_list, items);
	json_object *back = json_tokener_parse(s);
	assert_non_null(back);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "kind")), "List");
	assert_int_equal(json_object_array_length(json_object_object_get(back, "items")), 2);
	json_object_put(back);
	free(s);
	json_object_put(items);
	items = json_tokener_parse("[]");
	s = capture(print_list, items);
	back = json_tokener_parse(s);
	assert_non_null(back);
	assert_int_equal(json_object_array_length(json_object_object_get(back, "items")), 0);
	json_object_put(back);
	free(s);
	json_object_put(items);
}

static void test_created_like_kubectl(void **state)
{
	(void)state;
	json_object *o = json_tokener_parse("{\"metadata\":{\"name\":\"s1\"}}");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	out_created(f, OUT_TEXT, o, "volumesnapshot.snapshot.storage.k8s.io", "x", " (dry run)");
	out_created(f, OUT_NAME, o, "persistentvolumeclaim", "x", "");
	out_created(f, OUT_TEXT, NULL, "persistentvolumeclaim", "fallback", "");
	fclose(f);
	assert_string_equal(buf, "volumesnapshot.snapshot.storage.k8s.io/s1 created (dry run)\n"
				 "persistentvolumeclaim/s1\n"
				 "persistentvolumeclaim/fallback created\n");
	free(buf);
	json_object_put(o);
}

static void test_formats(void **state)
{
	(void)state;
	enum out_format f;
	unsigned allowed = OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML);
	assert_true(out_parse_format(NULL, allowed, &f));
	assert_int_equal(f, OUT_TEXT);
	assert_true(out_parse_format("yaml", allowed, &f));
	assert_int_equal(f, OUT_YAML);
	assert_false(out_parse_format("wide", allowed, &f));
	assert_string_equal(out_format_names(allowed), "text|json|yaml");
	assert_string_equal(out_color(false, "red"), "");
}

/* Off a terminal: plain lines at the interval only, then the closing line;
 * on one: the line rewritten in place, erased before the closing line. */
static void test_progress_plain_and_tty(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	setenv("VOLSNAP_PROGRESS_INTERVAL_SECONDS", "3600", 1);
	struct out_progress *p = out_progress_start(f, false, "snapshot ns/s1");
	out_progress_update(p, "waiting %d", 1);
	out_progress_end(p, "snapshot ns/s1 is ready to use");
	fflush(f);
	assert_string_equal(buf, "snapshot ns/s1 is ready to use\n");

	rewind(f);
	setenv("VOLSNAP_PROGRESS_INTERVAL_SECONDS", "0", 1);
	p = out_progress_start(f, false, "PVC ns/c");
	out_progress_update(p, "Pending");
	out_progress_break(p);
	fputc('\0', f);
	fflush(f);
	assert_string_equal(buf, "PVC ns/c (0s): Pending\n");

	rewind(f);
	p = out_progress_start(f, true, "PVC ns/c");
	out_progress_update(p, "Pending");
	out_progress_end(p, "PVC ns/c is Bound");
	fputc('\0', f);
	fflush(f);
	assert_string_equal(buf, "\r\033[KPVC ns/c (0s): Pending\r\033[KPVC ns/c is Bound\n");
	unsetenv("VOLSNAP_PROGRESS_INTERVAL_SECONDS");
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opts_forms),
	    cmocka_unit_test(test_opts_errors),
	    cmocka_unit_test(test_global_flags_anywhere),
	    cmocka_unit_test(test_table_aligns_like_kubectl),
	    cmocka_unit_test(test_table_widths_stable_over_pages),
	    cmocka_unit_test(test_table_sorted_through_the_temporary_file),
	    cmocka_unit_test(test_json_like_kubectl),
	    cmocka_unit_test(test_json_list_stream_is_valid_json),
	    cmocka_unit_test(test_created_like_kubectl),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_progress_plain_and_tty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
