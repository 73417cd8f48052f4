/* Placeholder until the command lands: keeps the command table linking. */
#include "command.h"

static int run_doctor(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_fail(ctx, EXIT_FAILED, NULL, "'doctor' is not implemented yet");
}

const struct command cmd_doctor = {
	.name = "doctor",
	.summary = "(not implemented yet)",
	.usage = "doctor",
	.help = "",
	.run = run_doctor,
};
