/* kubectl-volsnap: entry point. Global flags, the command table, dispatch,
 * and the one place where errors reach the user. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "command.h"
#include "opts.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

extern const struct command cmd_version, cmd_doctor, cmd_setup, cmd_take, cmd_list, cmd_describe, cmd_restore,
    cmd_delete, cmd_prune, cmd_export, cmd_import, cmd_bundle, cmd_completion, cmd_complete, cmd_schedule, cmd_status;

/* The order is the order of `kubectl volsnap --help`. One per line, so that a
 * new command is a one-line change. */
/* clang-format off */
const struct command *const commands[] = {
    &cmd_doctor,
    &cmd_setup,
    &cmd_take,
    &cmd_list,
    &cmd_describe,
    &cmd_restore,
    &cmd_delete,
    &cmd_prune,
    &cmd_schedule,
    &cmd_status,
    &cmd_export,
    &cmd_import,
    &cmd_bundle,
    &cmd_version,
    &cmd_completion,
    &cmd_complete,
    NULL,
};
/* clang-format on */

const struct command *command_find(const char *name)
{
	for (const struct command *const *c = commands; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}

/* Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 32 || m > 32)
		return 99;
	size_t d[33][33];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

/* The command a mistyped name most likely meant (as cobra suggests: within 2
 * edits, or a prefix), or NULL. */
const struct command *command_nearest(const char *name)
{
	const struct command *best = NULL;
	size_t best_d = 3;
	for (const struct command *const *c = commands; *c; c++) {
		size_t d = distance(name, (*c)->name);
		if (strlen(name) >= 2 && !strncmp((*c)->name, name, strlen(name)))
			d = 1;
		if (d < best_d) {
			best_d = d;
			best = *c;
		}
	}
	return best;
}

/* One line: "error: what went wrong; what to do". */
static void print_error(const struct cmd_ctx *ctx)
{
	if (!ctx->error)
		return;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "error: %s", ctx->error);
	strbuf_trim_trailing_newlines(&sb);
	if (ctx->hint && *ctx->hint)
		strbuf_addf(&sb, "; %s", ctx->hint);
	/* Keep it one line even when a server message spans several. */
	for (char *p = sb.buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s\n", sb.buf);
	strbuf_release(&sb);
}

/* ---- help --------------------------------------------------------------- */

static void print_main_help(FILE *f)
{
	fprintf(f, "kubectl volsnap: safe CSI volume snapshots.\n\n"
		   "Find out whether snapshots work on this cluster and how to make them work,\n"
		   "then take, list, restore and prune snapshots with one command each.\n\n"
		   "Usage:\n  kubectl volsnap COMMAND [flags]\n\nCommands:\n");
	for (const struct command *const *c = commands; *c; c++)
		if (!((*c)->flags & CMD_HIDDEN))
			fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nExamples:\n"
		   "  kubectl volsnap doctor -A          # will snapshots work here? what to fix?\n"
		   "  kubectl volsnap take data-db-0     # snapshot a PVC and wait until it is ready\n"
		   "  kubectl volsnap restore data-db-0-20250101120000 --to data-db-restored\n"
		   "  kubectl volsnap export data-db-0-20250101120000 -o - | kubectl volsnap import - -n staging\n"
		   "  kubectl volsnap bundle -A -o snapshots-bundle.tar.gz   # for a support ticket\n"
		   "\nGlobal flags:\n");
	opts_print_global_help(f);
	fprintf(f, "\nRun 'kubectl volsnap COMMAND --help' for a command's flags and examples.\n");
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct command *raw = argc > 1 ? command_find(argv[1]) : NULL;
	if (raw && (raw->flags & CMD_RAW_ARGS)) {
		ctx->cmd = raw;
		return raw->run(ctx, argc - 1, argv + 1);
	}
	if (opts_parse_global(ctx, &argc, argv))
		return EXIT_USAGE;
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_main_help(stdout); /* bare, as kubectl: help, and success */
		return EXIT_OK;
	}
	const char *name = argv[1];
	char *help_argv[4];
	if (!strcmp(name, "help")) {
		if (argc < 3) {
			print_main_help(stdout);
			return EXIT_OK;
		}
		/* "help CMD" runs as "CMD --help". */
		help_argv[0] = argv[0];
		help_argv[1] = argv[2];
		help_argv[2] = "--help";
		help_argv[3] = NULL;
		argv = help_argv;
		argc = 3;
		name = argv[1];
	}
	if (name[0] == '-')
		return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap --help'", "unknown flag: %s", name);
	ctx->cmd = command_find(name);
	if (!ctx->cmd) {
		const struct command *near = command_nearest(name);
		if (near)
			return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap --help' for the list of commands",
					"unknown command \"%s\" for \"kubectl volsnap\"; did you mean \"%s\"?", name,
					near->name);
		return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap --help' for the list of commands",
				"unknown command \"%s\" for \"kubectl volsnap\"", name);
	}
	if (ctx->g.all_namespaces && !(ctx->cmd->flags & CMD_ALLOW_ALL_NAMESPACES))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "'%s' does not take -A/--all-namespaces", name);
	if (ctx->g.all_namespaces && ctx->g.namespace)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "-A and -n cannot be used together: pick one");
	return ctx->cmd->run(ctx, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.commands = commands;
	ctx.stdin_tty = isatty(STDIN_FILENO);
	ctx.stdout_tty = isatty(STDOUT_FILENO);
	ctx.stderr_tty = isatty(STDERR_FILENO);
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	/* TERM=dumb (an editor's shell, a CI runner) shows escape codes as they are. */
	ctx.color = ctx.stdout_tty && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = run(&ctx, argc, argv);
	print_error(&ctx);
	if (fflush(stdout) == EOF && rc == EXIT_OK) {
		fprintf(stderr, "error: could not write the output\n");
		rc = EXIT_FAILED;
	}
	kube_client_free(ctx.client);
	kube_config_free(ctx.config);
	free(ctx.error);
	free(ctx.hint);
	strlist_clear(&ctx.g.as_groups);
	curl_global_cleanup();
	return rc;
}
