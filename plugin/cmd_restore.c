/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_restore(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'restore' is not implemented yet");
}

const struct command cmd_restore = {
	.name = "restore",
	.summary = "(not implemented yet)",
	.usage = "restore",
	.help = "",
	.run = run_restore,
};
