/* The command table's entry and the context every command runs in.
 *
 * One command, one file (plugin/cmd_NAME.c), exporting one `const struct command`.
 * A command parses its own options with opts_parse(), asks for the client with
 * cmd_client() only once its arguments are known to be good, and reports
 * failure through cmd_fail(): the message is made where the cause is known and
 * printed once, by main. */
#ifndef VOLSNAP_COMMAND_H
#define VOLSNAP_COMMAND_H

#include <stdbool.h>

#include "kube/kube.h"
#include "out/out.h"
#include "util/strlist.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the operation failed, or the cluster could not be read */
	EXIT_USAGE = 2,		/* bad flags or arguments */
	EXIT_CHECKS_FAILED = 3, /* doctor: a check failed */
	EXIT_CHECKS_WARNED = 4, /* doctor: only warnings */
	EXIT_INTERRUPTED = 130, /* SIGINT/SIGTERM while waiting, as a shell reports ^C */
};

/* Flags kubectl users expect on every command; parsed by main wherever they stand. */
struct global_opts {
	const char *kubeconfig;
	const char *context;
	const char *cluster;
	const char *user;
	const char *namespace;
	const char *server;
	const char *token;
	const char *certificate_authority;
	const char *tls_server_name;
	const char *client_certificate, *client_key;
	const char *as;		  /* --as: impersonate this user */
	struct strlist as_groups; /* --as-group, repeatable */
	bool insecure_skip_tls_verify;
	bool all_namespaces; /* -A; only commands with CMD_ALLOW_ALL_NAMESPACES accept it */
	long request_timeout_ms;
	int verbosity;
};

struct command;
struct option;

struct cmd_ctx {
	const struct command *cmd;
	const struct command *const *commands; /* the table, NULL-terminated (main.c) */
	struct global_opts g;
	bool stdin_tty, stdout_tty, stderr_tty;
	bool color; /* stdout is a terminal and NO_COLOR is unset */

	/* Filled lazily by cmd_client(). */
	struct kube_config *config;
	struct kube_client *client;

	/* Raw tri-state booleans of the global flags, folded into g by opts_parse_global. */
	int g_insecure, g_all_namespaces, g_show_managed_fields;

	/* Shell completion asks a command for its options (see opts_copy in opts.h). */
	bool describe_opts;
	struct option *described_opts;

	/* Set by cmd_fail(); printed by main. */
	char *error;
	char *hint;
};

#define CMD_ALLOW_ALL_NAMESPACES 0x1u /* accepts -A/--all-namespaces */
#define CMD_NO_CLUSTER 0x2u	      /* never talks to a cluster (help, completion) */
#define CMD_HIDDEN 0x4u		      /* left out of --help (__complete) */
#define CMD_RAW_ARGS 0x8u	      /* gets argv as typed, global flags included (__complete) */

struct command {
	const char *name;
	const char *summary; /* one line for `kubectl volsnap --help` */
	const char *usage;   /* "take PVC [flags]" */
	const char *help;    /* description and examples, printed by --help */
	unsigned flags;
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv);
};

/* The config and client, loaded on first use. NULL with the error recorded
 * (return cmd_failed(ctx) then). */
struct kube_client *cmd_client(struct cmd_ctx *ctx);
/* The namespace the command works in: -n, else the context's, else "default". */
const char *cmd_namespace(struct cmd_ctx *ctx);

/* Records a one-line error (and an optional hint on what to do) and returns
 * code, so commands write `return cmd_fail(ctx, EXIT_USAGE, NULL, "...")`. */
int cmd_fail(struct cmd_ctx *ctx, int code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records a client error with context ("creating snapshot x: <server's message>")
 * and its hint; returns EXIT_FAILED. Clears err. */
int cmd_fail_kube(struct cmd_ctx *ctx, struct kube_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* EXIT_OK when name is a valid object name; else records "invalid WHAT: NAME
 * (the rules, with the length limit)" and returns EXIT_USAGE. */
int cmd_check_name(struct cmd_ctx *ctx, const char *what, const char *name);
/* The one wording of a bad -o: "unknown output format \"X\": use one of NAMES"; EXIT_USAGE. */
int cmd_fail_output(struct cmd_ctx *ctx, const char *value, const char *names);
/* For a command that already recorded its error (e.g. after cmd_client). */
int cmd_failed(struct cmd_ctx *ctx);

/* GETs path into *obj. An absent object gives *obj NULL and EXIT_OK; so does
 * a forbidden one when allow_forbidden, with a warning on stderr that the
 * checks needing it are skipped (a namespaced user may lack cluster-wide
 * reads) and *forbidden (may be NULL) set. Any other failure is recorded as
 * the command's error ("reading WHAT: ...") and gives EXIT_FAILED. */
int cmd_get_optional(struct cmd_ctx *ctx, struct kube_client *c, const char *path, const char *what,
		     bool allow_forbidden, json_object **obj, bool *forbidden);

/* -o as commands that create read it: fmt set, or EXIT_USAGE recorded naming
 * the allowed formats. */
int cmd_parse_output(struct cmd_ctx *ctx, const char *output, unsigned allowed, enum out_format *fmt);
/* --dry-run[=client|server|none]: sets client and server, or records EXIT_USAGE. */
int cmd_parse_dry_run(struct cmd_ctx *ctx, const char *dry_run, bool *client, bool *server);

/* Asks "prompt [y/N]" on the terminal; false when stdin is not a terminal. */
bool cmd_confirm(struct cmd_ctx *ctx, const char *prompt);

extern const struct command *const commands[]; /* NULL-terminated, in main.c */
const struct command *command_find(const char *name);
/* The command a mistyped name most likely meant, or NULL. */
const struct command *command_nearest(const char *name);

#endif
