/* Unit tests of the JSONPath subset behind -o jsonpath, -o custom-columns and --sort-by. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/jsonpath.h"

static const char *doc = "{\"kind\":\"List\",\"items\":["
			 "{\"metadata\":{\"name\":\"a\",\"labels\":{\"app.kubernetes.io/name\":\"db\"}},"
			 "\"status\":{\"readyToUse\":true,\"restoreSize\":\"1Gi\"}},"
			 "{\"metadata\":{\"name\":\"b\"},\"status\":{\"readyToUse\":false}}]}";

static char *render(const char *tmpl)
{
	json_object *root = json_tokener_parse(doc);
	struct strbuf sb = STRBUF_INIT;
	char *why = NULL;
	bool ok = jsonpath_render(root, tmpl, &sb, &why);
	json_object_put(root);
	if (!ok) {
		strbuf_release(&sb);
		return why;
	}
	return strbuf_detach(&sb);
}

#define assert_renders(tmpl, want)                                                                                     \
	do {                                                                                                           \
		char *got_ = render(tmpl);                                                                             \
		assert_string_equal(got_, want);                                                                       \
		free(got_);                                                                                            \
	} while (0)

static void test_fields_and_wildcards(void **state)
{
	(void)state;
	assert_renders("{.kind}", "List");
	assert_renders("{.items[*].metadata.name}", "a b");
	assert_renders("{.items[0].status.readyToUse}", "true");
	assert_renders("{.items[-1].metadata.name}", "b");
	assert_renders("{.items[1].status.restoreSize}", "");
	assert_renders("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", "db");
	assert_renders("{.items[0].metadata.labels['app.kubernetes.io/name']}", "db");
	assert_renders("{$.items[0].status}", "{\"readyToUse\":true,\"restoreSize\":\"1Gi\"}");
}

static void test_templates(void **state)
{
	(void)state;
	assert_renders("names: {.items[*].metadata.name}\n", "names: a b\n");
	assert_renders("{range .items[*]}{.metadata.name}{\"\\t\"}{.status.readyToUse}{\"\\n\"}{end}",
		       "a\ttrue\nb\tfalse\n");
	assert_renders("{range .items}[{.metadata.name}]{end}", "[a][b]");
}

static void test_errors(void **state)
{
	(void)state;
	char *why = NULL;
	assert_false(jsonpath_check("{.items[?(@.x)]}", &why));
	assert_non_null(strstr(why, "filters and slices are not supported"));
	free(why);
	assert_false(jsonpath_check("{.items", &why));
	assert_non_null(strstr(why, "unclosed {"));
	free(why);
	assert_false(jsonpath_check("{range .items[*]}x", &why));
	assert_non_null(strstr(why, "{range} without {end}"));
	free(why);
	assert_false(jsonpath_check("{..name}", &why));
	free(why);
	assert_true(jsonpath_check("{.metadata.name}", &why));
}

static void test_select(void **state)
{
	(void)state;
	json_object *root = json_tokener_parse(doc), *out = NULL;
	char *why = NULL;
	assert_true(jsonpath_select(root, ".items[*].status.readyToUse", &out, &why));
	assert_int_equal(json_object_array_length(out), 2);
	assert_true(jsonpath_select(root, "items[0].metadata.name", &out, &why));
	assert_int_equal(json_object_array_length(out), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(out, 2)), "a");
	json_object_put(out);
	json_object_put(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields_and_wildcards),
	    cmocka_unit_test(test_templates),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_select),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
