/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_take(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'take' is not implemented yet");
}

const struct command cmd_take = {
	.name = "take",
	.summary = "(not implemented yet)",
	.usage = "take",
	.help = "",
	.run = run_take,
};
