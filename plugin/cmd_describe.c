/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_describe(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'describe' is not implemented yet");
}

const struct command cmd_describe = {
	.name = "describe",
	.summary = "(not implemented yet)",
	.usage = "describe",
	.help = "",
	.run = run_describe,
};
