/* Declarative option parsing, after git's parse-options: a command lists its
 * options as an array and gets its positional arguments back.
 *
 *   const char *name = NULL; int wait = -1;
 *   struct option options[] = {
 *       OPT_STRING(0, "name", &name, "NAME", "name of the snapshot"),
 *       OPT_BOOL(0, "wait", &wait, "wait until ready"),
 *       OPT_END(),
 *   };
 *   int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
 *   if (rc != OPTS_OK) return rc == OPTS_HELP ? EXIT_OK : rc;
 *
 * Accepted forms: --name VALUE, --name=VALUE, -x VALUE, -xVALUE, --flag,
 * --flag=true|false, --no-flag, and "--" to end options. Booleans are int:
 * the caller may preset -1 to learn whether the flag was given at all. */
#ifndef VOLSNAP_OPTS_H
#define VOLSNAP_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "command.h"
#include "util/strlist.h"

enum opt_kind {
	OPT_KIND_END = 0,
	OPT_KIND_BOOL,	   /* int * */
	OPT_KIND_STRING,   /* const char ** (points into argv) */
	OPT_KIND_INT,	   /* long * */
	OPT_KIND_LIST,	   /* struct strlist *: repeatable, each value pushed */
	OPT_KIND_DURATION, /* int64_t * milliseconds ("30s", "5m") */
	OPT_KIND_OPTARG,   /* const char **: "--dry-run" sets the default, "--dry-run=server" the value */
};

struct option {
	enum opt_kind kind;
	char short_name;
	const char *long_name;
	void *value;
	const char *argh; /* placeholder in help: "NAME" */
	const char *help;
	const char *optarg_default;
};

#define OPT_BOOL(s, l, v, h)                                                                                           \
	{                                                                                                              \
		OPT_KIND_BOOL, (s), (l), (v), NULL, (h), NULL                                                          \
	}
#define OPT_STRING(s, l, v, a, h)                                                                                      \
	{                                                                                                              \
		OPT_KIND_STRING, (s), (l), (v), (a), (h), NULL                                                         \
	}
#define OPT_INT(s, l, v, a, h)                                                                                         \
	{                                                                                                              \
		OPT_KIND_INT, (s), (l), (v), (a), (h), NULL                                                            \
	}
#define OPT_LIST(s, l, v, a, h)                                                                                        \
	{                                                                                                              \
		OPT_KIND_LIST, (s), (l), (v), (a), (h), NULL                                                           \
	}
#define OPT_DURATION(s, l, v, a, h)                                                                                    \
	{                                                                                                              \
		OPT_KIND_DURATION, (s), (l), (v), (a), (h), NULL                                                       \
	}
#define OPT_OPTARG(s, l, v, a, d, h)                                                                                   \
	{                                                                                                              \
		OPT_KIND_OPTARG, (s), (l), (v), (a), (h), (d)                                                          \
	}
#define OPT_END()                                                                                                      \
	{                                                                                                              \
		OPT_KIND_END, 0, NULL, NULL, NULL, NULL, NULL                                                          \
	}

enum { OPTS_OK = 0, OPTS_HELP = -1 };

/* Parses argv (argv[0] is the command name). Positional arguments are returned
 * in *args (a new array of pointers into argv; caller frees the array). Returns
 * OPTS_OK, OPTS_HELP after printing the command's help, or EXIT_USAGE with the
 * error recorded in ctx. */
int opts_parse(struct cmd_ctx *ctx, const struct option *opts, int argc, char **argv, int *nargs, char ***args);
/* Prints a command's usage, help text and option table. */
void opts_print_help(FILE *f, const struct command *cmd, const struct option *opts);

/* Extracts the global flags from anywhere in argv (kubectl passes them through
 * after the plugin name), compacting argv in place. Returns OPTS_OK or
 * EXIT_USAGE with the error recorded. */
int opts_parse_global(struct cmd_ctx *ctx, int *argc, char **argv);
void opts_print_global_help(FILE *f);

/* For shell completion, which needs a command's options without running it:
 * while ctx->describe_opts is set, opts_parse copies the table into
 * ctx->described_opts (value pointers cleared; free() it) and returns OPTS_HELP,
 * so the command returns before doing anything. */
struct option *opts_copy(const struct option *opts);
/* A copy of the global flags' table (value pointers cleared; free() it). */
struct option *opts_global_copy(void);
/* true when the option needs a value (--name VALUE); false for booleans and
 * OPT_OPTARG (whose value only comes as --flag=VALUE). */
bool opts_takes_value(const struct option *o);

#endif
