/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_prune(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'prune' is not implemented yet");
}

const struct command cmd_prune = {
	.name = "prune",
	.summary = "(not implemented yet)",
	.usage = "prune",
	.help = "",
	.run = run_prune,
};
