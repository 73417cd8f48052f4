/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'delete' is not implemented yet");
}

const struct command cmd_delete = {
	.name = "delete",
	.summary = "(not implemented yet)",
	.usage = "delete",
	.help = "",
	.run = run_delete,
};
