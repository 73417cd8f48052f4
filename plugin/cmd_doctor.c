/* doctor: will volume snapshots work on this cluster, for which volumes, and
 * what to do where they won't. The checks live in checks/; this file parses
 * options, asks for the facts and prints the verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "command.h"
#include "opts.h"
#include "out/out.h"

#define FORMATS (OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML))

struct doctor_opts {
	const char *provider, *output;
	int list_checks;
	struct strlist checks, pvcs;
	enum out_format fmt;
};

static const struct {
	const char *mark, *color;
} marks[] = {
    [CHECK_PASS] = {"✓", "green"}, [CHECK_WARN] = {"!", "yellow"}, [CHECK_FAIL] = {"✗", "red"},
    [CHECK_SKIP] = {"-", "reset"}, [CHECK_INFO] = {"i", "bold"},
};

static void print_catalogue(enum out_format fmt)
{
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	if (fmt != OUT_TEXT) {
		json_object *a = check_catalogue_json();
		fmt == OUT_JSON ? out_json(stdout, a) : out_yaml(stdout, a);
		json_object_put(a);
		return;
	}
	printf("%-20s %-24s %s\n", "ID", "TITLE", "NEEDS");
	for (size_t i = 0; i < n; i++) {
		struct strbuf needs = STRBUF_INIT;
		for (const char *const *d = cat[i]->needs; d && *d; d++)
			strbuf_addf(&needs, "%s%s", needs.len ? "," : "", *d);
		printf("%-20s %-24s %s\n", cat[i]->id, cat[i]->title, needs.len ? needs.buf : "-");
		strbuf_release(&needs);
	}
}

static void print_header(const struct check_facts *f, const char *server)
{
	printf("Cluster:      %s (%s)\n", server ? server : "?", f->git_version ? f->git_version : "version unknown");
	printf("Provider:     %s (%s)\n", f->provider->name, f->provider_evidence ? f->provider_evidence : "");
	printf("Snapshot API: ");
	if (!f->n_served)
		printf("not served\n");
	for (size_t i = 0; i < f->n_served; i++)
		printf("%s%s%s", f->served[i],
		       f->preferred && !strcmp(f->served[i], f->preferred) ? " (preferred)" : "",
		       i + 1 < f->n_served ? ", " : "\n");
	printf("\n");
}

/* Multi-line commands (a provider's steps) stay aligned under their arrow. */
static void print_indented(const char *lead, const char *text)
{
	fputs(lead, stdout);
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			fputs("      ", stdout);
	}
	putchar('\n');
}

static void print_check(bool color, const struct check *c, const struct check_outcome *o)
{
	printf("%s%s%s %s: %s\n", out_color(color, marks[o->result].color), marks[o->result].mark,
	       out_color(color, "reset"), c->title, o->message.buf);
	for (size_t i = 0; i < o->remediation.n; i++)
		print_indented("    → ", o->remediation.items[i]);
	if (o->result == CHECK_WARN || o->result == CHECK_FAIL)
		printf("    docs: %s\n", c->docs);
}

static void print_text(struct cmd_ctx *ctx, const struct check_facts *f, const char *server, const bool *sel,
		       const struct check_outcome *out)
{
	int count[CHECK_NRESULTS] = {0};
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	struct strbuf verdict = STRBUF_INIT;

	print_header(f, server);
	for (size_t i = 0; i < n; i++)
		if (sel[i]) {
			print_check(ctx->color, cat[i], &out[i]);
			count[out[i].result]++;
		}
	check_verdict(f, sel, out, &verdict);
	printf("\n%d passed, %d warning%s, %d failed, %d skipped, %d info: %s\n", count[CHECK_PASS], count[CHECK_WARN],
	       count[CHECK_WARN] == 1 ? "" : "s", count[CHECK_FAIL], count[CHECK_SKIP], count[CHECK_INFO], verdict.buf);
	strbuf_release(&verdict);
}

static int diagnose_and_print(struct cmd_ctx *ctx, struct doctor_opts *o, const bool *sel)
{
	struct kube_client *c = cmd_client(ctx);
	struct check_facts f;
	struct check_outcome out[CHECK_MAX];
	struct kube_error err = {0};
	char *why = NULL;
	int rc;

	if (!c)
		return cmd_failed(ctx);
	check_facts_init(&f, ctx->g.all_namespaces ? NULL : cmd_namespace(ctx), o->provider);
	for (size_t i = 0; i < o->pvcs.n; i++)
		strlist_push(&f.pvc_names, o->pvcs.items[i]);
	rc = check_diagnose(c, &f, sel, out, &err, &why);
	if (rc == -1) {
		check_facts_release(&f);
		return cmd_fail_kube(ctx, &err, "cannot read the cluster");
	}
	if (rc == -2) {
		check_facts_release(&f);
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why);
		free(why);
		return rc;
	}
	rc = check_exit_code(sel, out);
	const char *server = kube_client_config(c)->server;
	if (o->fmt == OUT_TEXT) {
		print_text(ctx, &f, server, sel, out);
	} else {
		json_object *doc = check_report_json(&f, server, sel, out);
		o->fmt == OUT_JSON ? out_json(stdout, doc) : out_yaml(stdout, doc);
		json_object_put(doc);
	}
	size_t n;
	check_catalogue(&n);
	check_outcomes_release(out, n);
	check_facts_release(&f);
	return rc;
}

static int doctor(struct cmd_ctx *ctx, struct doctor_opts *o, int nargs, char **args)
{
	bool sel[CHECK_MAX] = {0};
	const char *bad = NULL;

	if (nargs)
		return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap doctor --help'", "doctor takes no arguments: %s",
				args[0]);
	if (!out_parse_format(o->output, FORMATS, &o->fmt))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "unknown output format \"%s\": use one of %s", o->output,
				out_format_names(FORMATS));
	if (o->list_checks > 0) {
		print_catalogue(o->fmt);
		return EXIT_OK;
	}
	if (check_select((const char *const *)o->checks.items, o->checks.n, sel, &bad) < 0) {
		struct strbuf ids = STRBUF_INIT;
		size_t n;
		const struct check *const *cat = check_catalogue(&n);
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&ids, "%s%s", i ? ", " : "", cat[i]->id);
		int rc = cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap doctor --list-checks'",
				  "unknown check \"%s\"; valid: %s", bad, ids.buf);
		strbuf_release(&ids);
		return rc;
	}
	if (o->provider && strcmp(o->provider, "auto") != 0 && !provider_find(o->provider)) {
		struct strbuf ids = STRBUF_INIT;
		provider_ids(&ids);
		int rc =
		    cmd_fail(ctx, EXIT_USAGE, NULL, "unknown provider \"%s\"; valid: auto, %s", o->provider, ids.buf);
		strbuf_release(&ids);
		return rc;
	}
	return diagnose_and_print(ctx, o, sel);
}

static int run_doctor(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct doctor_opts o = {.list_checks = -1, .checks = STRLIST_INIT, .pvcs = STRLIST_INIT};
	const struct option options[] = {
	    OPT_STRING(0, "provider", &o.provider, "NAME", "auto (default) or a provider ID to skip detection"),
	    OPT_STRING('o', "output", &o.output, "FORMAT", "text (default), json or yaml"),
	    OPT_LIST(0, "check", &o.checks, "ID", "run only this check and its dependencies (repeatable)"),
	    OPT_BOOL(0, "list-checks", &o.list_checks, "print the checks (ID, title, needs) and exit"),
	    OPT_LIST(0, "pvc", &o.pvcs, "NAME", "judge only this PVC (repeatable)"),
	    OPT_END(),
	};
	int nargs;
	char **args;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_OK) {
		rc = doctor(ctx, &o, nargs, args);
		free(args);
	} else if (rc == OPTS_HELP) {
		rc = EXIT_OK;
	}
	strlist_clear(&o.checks);
	strlist_clear(&o.pvcs);
	return rc;
}

const struct command cmd_doctor = {
    .name = "doctor",
    .summary = "Check whether volume snapshots will work on this cluster, and how to fix them",
    .usage = "doctor [-n NS | -A] [--provider auto|NAME] [-o text|json|yaml] [--check ID]... [--list-checks] "
	     "[--pvc NAME]...",
    .help = "Runs checks, one per concern (server version, snapshot CRDs, snapshot controller, CSI drivers,\n"
	    "StorageClasses, VolumeSnapshotClasses, PVCs in scope, your permissions, provider known issues),\n"
	    "reading the cluster in parallel, and prints one line per check with what to do where it fails.\n\n"
	    "Exit status: 0 every check passed, 3 a check failed, 4 only warnings, 1 the cluster or what a check\n"
	    "needs could not be read (the report says what could not be checked), 2 bad usage.\n\n"
	    "Examples:\n"
	    "  kubectl volsnap doctor -A\n"
	    "  kubectl volsnap doctor -n shop --pvc data-postgres-0\n"
	    "  kubectl volsnap doctor --check snapshot-classes -o json\n"
	    "  kubectl volsnap doctor --list-checks\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_doctor,
};
