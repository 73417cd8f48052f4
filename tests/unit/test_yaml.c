/* Unit tests of util/yaml.c: YAML 1.2 core typing on read, kubectl-style output
 * on write, round trips, and error messages with positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"
#include "util/yaml.h"

static json_object *parse_ok(const char *text)
{
	json_object *obj = NULL;
	char *err = NULL;
	int rc = yaml_to_json(text, strlen(text), &obj, &err);
	if (rc != 0)
		fail_msg("yaml_to_json(%s): %s", text, err);
	assert_null(err);
	return obj;
}

static char *parse_err(const char *text)
{
	json_object *obj = NULL;
	char *err = NULL;
	assert_int_equal(yaml_to_json(text, strlen(text), &obj, &err), -1);
	assert_null(obj);
	assert_non_null(err);
	return err;
}

static char *to_yaml(json_object *obj)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(json_to_yaml(f, obj), 0);
	fclose(f);
	return buf;
}

/* JSON text -> YAML text. */
static void assert_yaml_of(const char *json, const char *expected)
{
	json_object *obj = jparse(json, strlen(json));
	assert_non_null(obj);
	char *y = to_yaml(obj);
	assert_string_equal(y, expected);
	free(y);
	json_object_put(obj);
}

/* The plain scalar's JSON form after reading "v: <scalar>". */
static void assert_scalar(const char *yaml_value, const char *json)
{
	char *doc = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&doc, &n);
	fprintf(f, "v: %s\n", yaml_value);
	fclose(f);
	json_object *obj = parse_ok(doc);
	const char *got = json_object_to_json_string_ext(jget(obj, "v"), JSON_C_TO_STRING_PLAIN);
	if (strcmp(got, json) != 0)
		fail_msg("v: %s read as %s, want %s", yaml_value, got, json);
	json_object_put(obj);
	free(doc);
}

static void test_core_schema_typing(void **state)
{
	(void)state;
	assert_scalar("true", "true");
	assert_scalar("False", "false");
	assert_scalar("TRUE", "true");
	assert_scalar("null", "null");
	assert_scalar("~", "null");
	assert_scalar("", "null");
	assert_scalar("42", "42");
	assert_scalar("-17", "-17");
	assert_scalar("+5", "5");
	assert_scalar("0x1F", "31");
	assert_scalar("0o17", "15");
	assert_scalar("1.5", "1.5");
	assert_scalar("-2.5e3", "-2500.0");
	assert_scalar(".5", "0.5");
	/* YAML 1.1 words are strings in 1.2, as Kubernetes reads kubeconfigs. */
	assert_scalar("yes", "\"yes\"");
	assert_scalar("on", "\"on\"");
	assert_scalar("\"true\"", "\"true\"");
	assert_scalar("'42'", "\"42\"");
	assert_scalar("!!str 42", "\"42\"");
	assert_scalar("v1.2.3", "\"v1.2.3\"");
	assert_scalar("2024-01-01T00:00:00Z", "\"2024-01-01T00:00:00Z\"");
	assert_scalar(".inf", "\".inf\"");
	assert_scalar("https://a:6443", "\"https:\\/\\/a:6443\"");
}

static void test_structures_and_blocks(void **state)
{
	(void)state;
	json_object *obj = parse_ok("# a comment\n"
				    "apiVersion: v1\n"
				    "items:\n"
				    "- name: a\n"
				    "  args: [x, 'y', 3]\n"
				    "- {name: b, empty: {}, list: []}\n"
				    "text: |\n"
				    "  line one\n"
				    "  line two\n"
				    "folded: >-\n"
				    "  a\n"
				    "  b\n");
	char *s = jdump(obj);
	assert_string_equal(s, "{\"apiVersion\":\"v1\",\"items\":[{\"name\":\"a\",\"args\":[\"x\",\"y\",3]},"
			       "{\"name\":\"b\",\"empty\":{},\"list\":[]}],\"text\":\"line one\\nline two\\n\","
			       "\"folded\":\"a b\"}");
	free(s);
	json_object_put(obj);
}

static void test_json_is_yaml(void **state)
{
	(void)state;
	json_object *obj = parse_ok("{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": \"d\"}}");
	char *s = jdump(obj);
	assert_string_equal(s, "{\"a\":[1,2.5,\"x\",null,true],\"b\":{\"c\":\"d\"}}");
	free(s);
	json_object_put(obj);
}

static void test_empty_document(void **state)
{
	(void)state;
	assert_null(parse_ok(""));
	assert_null(parse_ok("# only a comment\n"));
	assert_null(parse_ok("---\n"));
}

static void test_first_document_only(void **state)
{
	(void)state;
	json_object *obj = parse_ok("a: 1\n---\nb: 2\n");
	char *s = jdump(obj);
	assert_string_equal(s, "{\"a\":1}");
	free(s);
	json_object_put(obj);
}

static void test_anchors_aliases_merge(void **state)
{
	(void)state;
	json_object *obj = parse_ok("base: &b {server: https://x, port: 1}\n"
				    "copy: *b\n"
				    "merged:\n"
				    "  <<: *b\n"
				    "  port: 2\n"
				    "list: [&s hello, *s]\n");
	char *s = jdump(obj);
	assert_string_equal(s, "{\"base\":{\"server\":\"https://x\",\"port\":1},"
			       "\"copy\":{\"server\":\"https://x\",\"port\":1},"
			       "\"merged\":{\"server\":\"https://x\",\"port\":2},\"list\":[\"hello\",\"hello\"]}");
	free(s);
	/* An alias is a copy: changing it leaves the anchored value alone. */
	json_object_object_add(jget(obj, "copy"), "server", json_object_new_string("changed"));
	assert_string_equal(jstr(obj, "base.server"), "https://x");
	json_object_put(obj);
}

static void test_errors_have_positions(void **state)
{
	(void)state;
	char *e = parse_err("apiVersion: v1\nclusters:\n- name: c\n  cluster: server: https://x\n");
	assert_string_equal(e, "line 4, column 18: mapping values are not allowed in this context");
	free(e);
	e = parse_err("a: [1, 2\n");
	assert_non_null(strstr(e, "line 2, column 1: "));
	free(e);
	e = parse_err("a: *nope\n");
	assert_string_equal(e, "line 1, column 4: unknown anchor 'nope' referenced");
	free(e);
	e = parse_err("? [a, b]\n: c\n");
	assert_string_equal(e, "line 1, column 3: mapping keys must be scalars");
	free(e);
	e = parse_err("a: \"unterminated\n");
	assert_non_null(strstr(e, "found unexpected end of stream"));
	free(e);
}

static void test_alias_bomb_is_bounded(void **state)
{
	(void)state;
	static const char bomb[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
				   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
				   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
	char *e = parse_err(bomb);
	assert_non_null(strstr(e, "too many values or alias expansions"));
	free(e);
}

static void test_write_kubectl_style(void **state)
{
	(void)state;
	assert_yaml_of("{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":[{\"metadata\":{\"name\":\"a\","
		       "\"labels\":{\"app\":\"x\"}},\"spec\":{\"args\":[\"--v\",\"2\"]}}],\"metadata\":{}}",
		       "apiVersion: v1\n"
		       "items:\n"
		       "- metadata:\n"
		       "    labels:\n"
		       "      app: x\n"
		       "    name: a\n"
		       "  spec:\n"
		       "    args:\n"
		       "    - --v\n"
		       "    - \"2\"\n"
		       "kind: List\n"
		       "metadata: {}\n");
	/* go-yaml's key order: non-letters first, numbers by value. */
	assert_yaml_of("{\"aZ\":1,\"a_b\":2,\"a10\":3,\"a9\":4,\"ab\":5,\"a-b\":6,\"B\":7,\"a\":8}",
		       "B: 7\na: 8\na-b: 6\na_b: 2\na9: 4\na10: 3\naZ: 1\nab: 5\n");
	assert_yaml_of("{\"s\":\"two words\",\"u\":18446744073709551615}", "s: two words\nu: 18446744073709551615\n");
	assert_yaml_of("[[1,2],[],{},[{\"a\":null}]]", "- - 1\n  - 2\n- []\n- {}\n- - a: null\n");
	assert_yaml_of("{\"n\":1.5,\"big\":1000000.0,\"i\":-3,\"t\":true,\"f\":0.0001,\"g\":100.0}",
		       /* go-yaml quotes "n": YAML 1.1 reads it as false. */
		       "big: 1e+06\nf: 0.0001\ng: 100\ni: -3\n\"n\": 1.5\nt: true\n");
}

static void test_write_string_quoting(void **state)
{
	(void)state;
	assert_yaml_of("{\"a\":\"true\",\"b\":\"123\",\"c\":\"\",\"d\":\"null\",\"e\":\"yes\",\"f\":\"1.5\","
		       "\"g\":\"2024-05-01T10:00:00Z\",\"h\":\"~\",\"i\":\"0x1F\",\"j\":\"1:20\"}",
		       "a: \"true\"\nb: \"123\"\nc: \"\"\nd: \"null\"\ne: \"yes\"\nf: \"1.5\"\n"
		       "g: \"2024-05-01T10:00:00Z\"\nh: \"~\"\ni: \"0x1F\"\nj: \"1:20\"\n");
	assert_yaml_of("{\"a\":\"*\",\"b\":\"key: value\",\"c\":\" lead\",\"d\":\"trail \",\"e\":\"it's\","
		       "\"f\":\"-\",\"g\":\"a #b\",\"h\":\"{x}\",\"i\":\"ends:\",\"j\":\"@at\"}",
		       "a: '*'\nb: 'key: value'\nc: ' lead'\nd: 'trail '\ne: it's\nf: '-'\ng: 'a #b'\nh: '{x}'\n"
		       "i: 'ends:'\nj: '@at'\n");
	assert_yaml_of("{\"plain\":\"https://x:6443/a,b\",\"dash\":\"-x\",\"q\":\"a'b: c\",\"tab\":\"a\\tb\","
		       "\"k: x\":1}",
		       "dash: -x\n'k: x': 1\nplain: https://x:6443/a,b\nq: 'a''b: c'\ntab: \"a\\tb\"\n");
}

static void test_write_multiline(void **state)
{
	(void)state;
	assert_yaml_of("{\"data\":{\"script\":\"echo a\\necho b\",\"nl\":\"x\\n\",\"many\":\"x\\n\\n\"},"
		       "\"list\":[\"l1\\nl2\"]}",
		       "data:\n"
		       "  many: |+\n"
		       "    x\n"
		       "\n"
		       "  nl: |\n"
		       "    x\n"
		       "  script: |-\n"
		       "    echo a\n"
		       "    echo b\n"
		       "list:\n"
		       "- |-\n"
		       "  l1\n"
		       "  l2\n");
	/* A space before a line break cannot be a block: double quotes instead. */
	assert_yaml_of("{\"a\":\"x \\ny\"}", "a: \"x \\ny\"\n");
}

static void round_trip(const char *json)
{
	json_object *obj = jparse(json, strlen(json));
	assert_non_null(obj);
	char *y = to_yaml(obj);
	json_object *back = parse_ok(y);
	if (!json_object_equal(obj, back))
		fail_msg("round trip changed %s into %s via\n%s", json, json_object_to_json_string(back), y);
	json_object_put(back);
	json_object_put(obj);
	free(y);
}

static void test_round_trips(void **state)
{
	(void)state;
	round_trip("{\"apiVersion\":\"snapshot.storage.k8s.io/v1\",\"kind\":\"VolumeSnapshot\",\"metadata\":"
		   "{\"name\":\"s1\",\"annotations\":{\"a/b\":\"1\",\"note\":\"two\\nlines\\n\",\"empty\":\"\"},"
		   "\"creationTimestamp\":\"2024-05-01T10:00:00Z\"},\"spec\":{\"source\":"
		   "{\"persistentVolumeClaimName\":\"data\"}},\"status\":{\"readyToUse\":true,"
		   "\"restoreSize\":\"10Gi\",\"n\":-7,\"x\":null}}");
	round_trip("[\"true\",\"false\",\"null\",\"~\",\"1e3\",\"-1\",\"0o7\",\"'q'\",\"\\\"dq\\\"\",\"# c\","
		   "\"a: b\",\"- x\",\"?\",\"| x\",\"> y\",\"%p\",\"&a\",\"!t\",\"[x]\",\"k,v\",\"caf\\u00e9\"]");
	round_trip("{\"deep\":[[[{\"a\":[{}],\"b\":[[]]}]]],\"txt\":\"  leading\\nkept\",\"f\":2.25}");
	round_trip("\"just a string\"");
	round_trip("\"two\\nlines\"");
	round_trip("{\"words\":\"a b\",\"nn\":\"n\",\"big\":18446744073709551615}");
	round_trip("[]");
}

/* Issue 9 item 4: long digit runs in keys overflowed the key sort (UBSan
 * aborted). go-yaml's int wraps; so does ours, in the same order. */
static void test_key_sort_long_digit_runs(void **state)
{
	(void)state;
	assert_yaml_of("{\"a1999999999999999999999\":1,\"a2\":2,\"a99999999999999999999999999999999999\":3}",
		       "a2: 2\na99999999999999999999999999999999999: 3\na1999999999999999999999: 1\n");
}

/* Issue 9 item 5: line separators, C1 controls, NUL and huge numbers. */
static void test_write_unreadable_characters(void **state)
{
	(void)state;
	assert_yaml_of("{\"ls\":\"a\\u2028b\",\"ps\":\"a\\u2029b\",\"nel\":\"a\\u0085b\",\"c1\":\"a\\u009bb\","
		       "\"bom\":\"\\ufeffx\",\"nul\":\"a\\u0000b\",\"ok\":\"caf\\u00e9 \\u00a0x\"}",
		       "bom: \"\\uFEFFx\"\nc1: \"a\\x9Bb\"\nls: \"a\\Lb\"\nnel: \"a\\Nb\"\nnul: \"a\\0b\"\n"
		       "ok: caf\u00e9 \u00a0x\nps: \"a\\Pb\"\n");
	/* In a multi-line string too: no literal block can hold them. */
	assert_yaml_of("{\"a\":\"x\\ny\\u2028z\"}", "a: \"x\\ny\\Lz\"\n");
	assert_yaml_of("{\"big\":1e999,\"neg\":-1E400}", "big: 1e999\nneg: -1E400\n");
	round_trip("{\"ls\":\"a\\u2028b\",\"nel\":\"\\u0085\",\"c1\":\"\\u0080\\u009f\",\"nul\":\"a\\u0000b\","
		   "\"k\\u2029\":\"v\",\"mixed\":\"l1\\nl2\\u0085\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_core_schema_typing),
	    cmocka_unit_test(test_structures_and_blocks),
	    cmocka_unit_test(test_json_is_yaml),
	    cmocka_unit_test(test_empty_document),
	    cmocka_unit_test(test_first_document_only),
	    cmocka_unit_test(test_anchors_aliases_merge),
	    cmocka_unit_test(test_errors_have_positions),
	    cmocka_unit_test(test_alias_bomb_is_bounded),
	    cmocka_unit_test(test_write_kubectl_style),
	    cmocka_unit_test(test_write_string_quoting),
	    cmocka_unit_test(test_write_multiline),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_key_sort_long_digit_runs),
	    cmocka_unit_test(test_write_unreadable_characters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
