/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_setup(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'setup' is not implemented yet");
}

const struct command cmd_setup = {
	.name = "setup",
	.summary = "(not implemented yet)",
	.usage = "setup",
	.help = "",
	.run = run_setup,
};
