/* __complete (hidden): shell completion candidates in the protocol kubectl
 * uses for plugins; the logic lives in plugin/complete/. */
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "complete/complete.h"
#include "opts.h"
#include "util/xalloc.h"

#define LOOKUP_TIMEOUT_MS 2000

/* The typed command's options, asked of the command itself (see opts_copy). */
static struct option *command_options(struct cmd_ctx *ctx, const struct command *cmd)
{
	const struct command *self = ctx->cmd;
	char *argv[] = {(char *)cmd->name, NULL};
	ctx->cmd = cmd;
	ctx->describe_opts = true;
	cmd->run(ctx, 1, argv);
	ctx->describe_opts = false;
	ctx->cmd = self;
	struct option *opts = ctx->described_opts;
	ctx->described_opts = NULL;
	free(ctx->error);
	free(ctx->hint);
	ctx->error = ctx->hint = NULL;
	return opts;
}

static int run_complete(struct cmd_ctx *ctx, int argc, char **argv)
{
	char *none[] = {"", NULL};
	char **words = argc > 1 ? argv + 1 : none;
	int nwords = argc > 1 ? argc - 1 : 1;
	struct option *global = opts_global_copy(), *cmd_opts = NULL;
	size_t n = 0;
	while (ctx->commands[n])
		n++;
	struct complete_cmd *cmds = xcalloc(n + 1, sizeof *cmds);
	const char *word = complete_command_word(words, nwords, global);
	for (size_t i = 0; i < n; i++) {
		const struct command *c = ctx->commands[i];
		cmds[i] = (struct complete_cmd){c->name, c->summary, c->usage, (c->flags & CMD_HIDDEN) != 0};
		if (word && !strcmp(word, c->name) && !(c->flags & CMD_RAW_ARGS))
			cmd_opts = command_options(ctx, c);
	}
	struct complete_plan plan;
	complete_plan(cmds, global, cmd_opts, words, nwords, &plan);
	complete_run(&plan, LOOKUP_TIMEOUT_MS, stdout);
	complete_plan_clear(&plan);
	free(cmds);
	free(cmd_opts);
	free(global);
	return EXIT_OK;
}

const struct command cmd_complete = {
    .name = "__complete",
    .summary = "Shell completion candidates (used by kubectl_complete-volsnap)",
    .usage = "__complete [ARGS...] PARTIAL",
    .help = "Prints the completions of PARTIAL after ARGS, one per line, then \":<directive>\"\n"
	    "(cobra's protocol, which kubectl uses for plugins).",
    .flags = CMD_HIDDEN | CMD_RAW_ARGS | CMD_NO_CLUSTER,
    .run = run_complete,
};
