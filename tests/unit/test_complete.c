/* complete_plan: what shell completion offers for the words typed so far. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "complete/complete.h"
#include "util/strbuf.h"

static const struct complete_cmd cmds[] = {
    {"take", "Snapshot a PVC", "take PVC [-o name|json|yaml]", false},
    {"list", "List snapshots", "list [PVC] [-o wide|json|yaml|name]", false},
    {"restore", "Restore", "restore SNAPSHOT --to PVC", false},
    {"delete", "Delete", "delete SNAPSHOT...", false},
    {"__complete", "hidden", "", true},
    {NULL, NULL, NULL, false},
};

static const struct option take_opts[] = {
    OPT_STRING(0, "class", NULL, "CLASS", "the class"),
    OPT_BOOL(0, "wait", NULL, "wait"),
    OPT_STRING('o', "output", NULL, "FORMAT", "format"),
    OPT_OPTARG(0, "dry-run", NULL, "MODE", "client", "dry run"),
    OPT_END(),
};

/* Plans words (the last one is being completed) and returns the offered words
 * joined with ' ' (descriptions cut), in a static buffer. */
static const char *plan(struct complete_plan *p, const struct option *cmd_opts, int n, ...)
{
	static struct strbuf sb = STRBUF_INIT;
	static char *words[16];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		words[i] = va_arg(ap, char *);
	va_end(ap);
	struct option *global = opts_global_copy();
	complete_plan(cmds, global, cmd_opts, words, n, p);
	free(global);
	strbuf_reset(&sb);
	for (size_t i = 0; i < p->words.n; i++) {
		const char *w = p->words.items[i];
		if (sb.len)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, w, strcspn(w, "\t"));
	}
	return sb.len ? sb.buf : "";
}

static void test_commands(void **state)
{
	(void)state;
	struct complete_plan p;
	assert_string_equal(plan(&p, NULL, 1, ""), "take list restore delete help");
	assert_int_equal(p.directive, COMPLETE_NO_FILE);
	assert_null(p.command);
	complete_plan_clear(&p);
	assert_string_equal(plan(&p, NULL, 1, "l"), "list");
	complete_plan_clear(&p);
	/* Global flags and their values before the command are skipped. */
	assert_string_equal(plan(&p, NULL, 3, "-n", "prod", "t"), "take");
	assert_string_equal(p.g.namespace, "prod");
	complete_plan_clear(&p);
}

static void test_flags_and_values(void **state)
{
	(void)state;
	struct complete_plan p;
	assert_string_equal(plan(&p, take_opts, 2, "take", "--c"),
			    "--context --cluster --certificate-authority --client-certificate --client-key --class");
	complete_plan_clear(&p);
	assert_string_equal(plan(&p, take_opts, 3, "take", "-o", ""), "name json yaml");
	complete_plan_clear(&p);
	assert_string_equal(plan(&p, take_opts, 2, "take", "--output=y"), "yaml");
	complete_plan_clear(&p);
	assert_string_equal(plan(&p, take_opts, 2, "take", "--dry-run=s"), "server");
	complete_plan_clear(&p);
	/* A boolean takes no value: the next word is the PVC. */
	plan(&p, take_opts, 3, "take", "--wait", "");
	assert_int_equal(p.source, COMPLETE_PVCS);
	complete_plan_clear(&p);
	plan(&p, take_opts, 3, "take", "--class", "");
	assert_int_equal(p.source, COMPLETE_SNAPSHOT_CLASSES);
	complete_plan_clear(&p);
	plan(&p, take_opts, 4, "take", "--context", "dev", "");
	assert_int_equal(p.source, COMPLETE_PVCS);
	assert_string_equal(p.g.context, "dev");
	complete_plan_clear(&p);
	plan(&p, NULL, 2, "--kubeconfig", "");
	assert_int_equal(p.source, COMPLETE_FILES);
	assert_int_equal(p.directive, COMPLETE_DEFAULT);
	complete_plan_clear(&p);
}

static void test_positionals(void **state)
{
	(void)state;
	struct complete_plan p;
	plan(&p, NULL, 2, "restore", "sn");
	assert_int_equal(p.source, COMPLETE_SNAPSHOTS);
	assert_string_equal(p.match, "sn");
	complete_plan_clear(&p);
	/* restore takes one snapshot; --replace (even undeclared) takes a PVC. */
	plan(&p, NULL, 3, "restore", "snap", "");
	assert_int_equal(p.source, COMPLETE_WORDS);
	assert_int_equal(p.words.n, 0);
	complete_plan_clear(&p);
	plan(&p, NULL, 4, "restore", "snap", "--replace", "d");
	assert_int_equal(p.source, COMPLETE_PVCS);
	complete_plan_clear(&p);
	plan(&p, NULL, 4, "delete", "a", "b", "");
	assert_int_equal(p.source, COMPLETE_SNAPSHOTS);
	complete_plan_clear(&p);
	/* After "--" everything is an argument. */
	plan(&p, NULL, 3, "delete", "--", "-x");
	assert_int_equal(p.source, COMPLETE_SNAPSHOTS);
	complete_plan_clear(&p);
	assert_string_equal(plan(&p, NULL, 2, "help", "re"), "restore");
	complete_plan_clear(&p);
}

static void test_command_word(void **state)
{
	(void)state;
	struct option *global = opts_global_copy();
	char *w1[] = {"--context", "x", "take", ""};
	assert_string_equal(complete_command_word(w1, 4, global), "take");
	char *w2[] = {"ta"};
	assert_null(complete_command_word(w2, 1, global));
	free(global);
}

static void test_scripts(void **state)
{
	(void)state;
	assert_non_null(strstr(complete_script("bash"), "__complete"));
	assert_non_null(strstr(complete_script("zsh"), "__complete"));
	assert_non_null(strstr(complete_script("fish"), "__complete"));
	assert_null(complete_script("tcsh"));
	assert_non_null(strstr(complete_helper_script, "exec kubectl-volsnap __complete \"$@\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_commands),	cmocka_unit_test(test_flags_and_values),
	    cmocka_unit_test(test_positionals), cmocka_unit_test(test_command_word),
	    cmocka_unit_test(test_scripts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
