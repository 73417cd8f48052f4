#include "opts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "snap/snap.h"
#include "util/quantity.h"
#include "util/spill.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- one option's value --------------------------------------------------- */

static int parse_bool_text(const char *s, int *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "t") || !strcmp(s, "TRUE") || !strcmp(s, "True"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "f") || !strcmp(s, "FALSE") ||
		 !strcmp(s, "False"))
		*out = 0;
	else
		return -1;
	return 0;
}

static void flag_name(struct strbuf *sb, const struct option *o)
{
	if (o->long_name)
		strbuf_addf(sb, "--%s", o->long_name);
	else
		strbuf_addf(sb, "-%c", o->short_name);
}

static int bad_value(struct cmd_ctx *ctx, const struct option *o, const char *value, const char *expected)
{
	struct strbuf name = STRBUF_INIT;
	flag_name(&name, o);
	int rc = cmd_fail(ctx, EXIT_USAGE, NULL, "invalid value \"%s\" for %s: expected %s", value, name.buf, expected);
	strbuf_release(&name);
	return rc;
}

/* Stores value (NULL for a bare flag) into o. */
static int set_value(struct cmd_ctx *ctx, const struct option *o, const char *value, bool negated)
{
	switch (o->kind) {
	case OPT_KIND_BOOL: {
		int b = !negated;
		if (value && parse_bool_text(value, &b))
			return bad_value(ctx, o, value, "true or false");
		*(int *)o->value = b;
		return 0;
	}
	case OPT_KIND_STRING:
	case OPT_KIND_OPTARG:
		*(const char **)o->value = value ? value : o->optarg_default;
		return 0;
	case OPT_KIND_INT: {
		char *end;
		errno = 0;
		long n = strtol(value, &end, 10);
		if (errno || end == value || *end)
			return bad_value(ctx, o, value, "a whole number");
		*(long *)o->value = n;
		return 0;
	}
	case OPT_KIND_LIST:
		strlist_push((struct strlist *)o->value, value);
		return 0;
	case OPT_KIND_DURATION: {
		int64_t ms;
		if (!duration_parse(value, &ms))
			return bad_value(ctx, o, value, "a duration such as 30s, 5m or 1h");
		*(int64_t *)o->value = ms;
		return 0;
	}
	case OPT_KIND_END:
		break;
	}
	return 0;
}

bool opts_takes_value(const struct option *o)
{
	return o->kind != OPT_KIND_BOOL && o->kind != OPT_KIND_OPTARG;
}

struct option *opts_copy(const struct option *opts)
{
	size_t n = 0;
	while (opts && opts[n].kind)
		n++;
	struct option *copy = xcalloc(n + 1, sizeof *copy);
	for (size_t i = 0; i < n; i++) {
		copy[i] = opts[i];
		copy[i].value = NULL;
	}
	return copy;
}

static const struct option *find_long(const struct option *opts, const char *name, size_t len, bool *negated)
{
	*negated = false;
	for (const struct option *o = opts; o && o->kind; o++)
		if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	if (len > 3 && !strncmp(name, "no-", 3)) {
		for (const struct option *o = opts; o && o->kind; o++)
			if (o->kind == OPT_KIND_BOOL && o->long_name && strlen(o->long_name) == len - 3 &&
			    !strncmp(o->long_name, name + 3, len - 3)) {
				*negated = true;
				return o;
			}
	}
	return NULL;
}

static const struct option *find_short(const struct option *opts, char c)
{
	for (const struct option *o = opts; o && o->kind; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

/* Parses argv[*i] (and maybe argv[*i + 1]) as one option of opts. Returns 1 when
 * argv[*i] is not one of opts, 0 when consumed, EXIT_USAGE on a bad value. */
static int parse_one(struct cmd_ctx *ctx, const struct option *opts, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const struct option *o;
	bool negated = false;
	const char *value = NULL;

	if (arg[0] == '-' && arg[1] == '-') {
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		o = find_long(opts, name, len, &negated);
		if (!o)
			return 1;
		if (eq)
			value = eq + 1;
	} else if (arg[0] == '-' && arg[1] && arg[2] != '-') {
		o = find_short(opts, arg[1]);
		if (!o)
			return 1;
		if (arg[2])
			value = arg[2] == '=' ? arg + 3 : arg + 2;
	} else {
		return 1;
	}
	if (opts_takes_value(o) && !value) {
		if (*i + 1 >= argc) {
			struct strbuf name = STRBUF_INIT;
			flag_name(&name, o);
			int rc = cmd_fail(ctx, EXIT_USAGE, NULL, "flag needs an argument: %s", name.buf);
			strbuf_release(&name);
			return rc;
		}
		value = argv[++*i];
	}
	if (negated && value)
		return bad_value(ctx, o, value, "no value with --no-");
	return set_value(ctx, o, value, negated);
}

int opts_parse(struct cmd_ctx *ctx, const struct option *opts, int argc, char **argv, int *nargs, char ***args)
{
	if (ctx->describe_opts) {
		ctx->described_opts = opts_copy(opts);
		return OPTS_HELP;
	}
	char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	int n = 0;
	bool only_args = false;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_args || arg[0] != '-' || !arg[1]) {
			pos[n++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_args = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			opts_print_help(stdout, ctx->cmd, opts);
			free(pos);
			return OPTS_HELP;
		}
		int rc = parse_one(ctx, opts, argc, argv, &i);
		if (rc == 1)
			rc = cmd_fail(ctx, EXIT_USAGE, NULL, "unknown flag: %s; see 'kubectl volsnap %s --help'", arg,
				      ctx->cmd->name);
		if (rc) {
			free(pos);
			return rc;
		}
	}
	*nargs = n;
	*args = pos;
	return OPTS_OK;
}

/* ---- global flags ------------------------------------------------------- */

static const char *global_request_timeout;
static const char *global_verbosity;

static struct option global_options(struct cmd_ctx *ctx, int i)
{
	struct global_opts *g = &ctx->g;
	const struct option table[] = {
	    OPT_STRING(0, "kubeconfig", &g->kubeconfig, "PATH", "path to the kubeconfig file"),
	    OPT_STRING(0, "context", &g->context, "NAME", "the kubeconfig context to use"),
	    OPT_STRING(0, "cluster", &g->cluster, "NAME", "the kubeconfig cluster to use"),
	    OPT_STRING(0, "user", &g->user, "NAME", "the kubeconfig user to use"),
	    OPT_STRING('n', "namespace", &g->namespace, "NS", "the namespace to work in"),
	    OPT_STRING('s', "server", &g->server, "URL", "the API server's address"),
	    OPT_STRING(0, "token", &g->token, "TOKEN", "bearer token for authentication"),
	    OPT_STRING(0, "certificate-authority", &g->certificate_authority, "PATH",
		       "CA certificate file for the server"),
	    {OPT_KIND_BOOL, 0, "insecure-skip-tls-verify", &ctx->g_insecure, NULL,
	     "do not verify the server's certificate (insecure)", NULL},
	    OPT_STRING(0, "tls-server-name", &g->tls_server_name, "NAME",
		       "the name to verify the server's certificate against"),
	    OPT_STRING(0, "client-certificate", &g->client_certificate, "PATH", "client certificate file for TLS"),
	    OPT_STRING(0, "client-key", &g->client_key, "PATH", "client key file for TLS"),
	    OPT_STRING(0, "as", &g->as, "USER", "act as this user (impersonation)"),
	    OPT_LIST(0, "as-group", &g->as_groups, "GROUP", "act as this group (repeatable; needs --as)"),
	    {OPT_KIND_BOOL, 'A', "all-namespaces", &ctx->g_all_namespaces, NULL, "work across all namespaces", NULL},
	    {OPT_KIND_BOOL, 0, "show-managed-fields", &ctx->g_show_managed_fields, NULL,
	     "keep metadata.managedFields in -o json|yaml (left out by default, as kubectl does)", NULL},
	    OPT_STRING(0, "request-timeout", &global_request_timeout, "DURATION",
		       "give up on a single request after this long (0 = never)"),
	    OPT_STRING('v', "v", &global_verbosity, "LEVEL", "log level: 6 requests, 8 bodies"),
	    OPT_END(),
	};
	return table[i];
}

#define N_GLOBAL_OPTIONS 18

int opts_parse_global(struct cmd_ctx *ctx, int *argc, char **argv)
{
	struct option opts[N_GLOBAL_OPTIONS + 1];
	for (int i = 0; i <= N_GLOBAL_OPTIONS; i++)
		opts[i] = global_options(ctx, i);
	ctx->g_insecure = 0;
	ctx->g_all_namespaces = 0;
	ctx->g_show_managed_fields = 0;
	global_request_timeout = NULL;
	global_verbosity = NULL;

	int out = 1;
	bool only_args = false;
	for (int i = 1; i < *argc; i++) {
		const char *arg = argv[i];
		if (only_args || arg[0] != '-' || !arg[1]) {
			argv[out++] = argv[i];
			continue;
		}
		if (!strcmp(arg, "--"))
			only_args = true;
		int rc = parse_one(ctx, opts, *argc, argv, &i);
		if (rc == 1) {
			argv[out++] = argv[i];
			continue;
		}
		if (rc)
			return rc;
	}
	*argc = out;
	argv[out] = NULL;

	ctx->g.insecure_skip_tls_verify = ctx->g_insecure == 1;
	ctx->g.all_namespaces = ctx->g_all_namespaces == 1;
	out_show_managed_fields = ctx->g_show_managed_fields == 1;
	if (global_request_timeout) {
		int64_t ms;
		if (!duration_parse(global_request_timeout, &ms))
			return cmd_fail(ctx, EXIT_USAGE, NULL,
					"invalid value \"%s\" for --request-timeout: expected a duration such as 30s "
					"or 1m, or 0 for none",
					global_request_timeout);
		ctx->g.request_timeout_ms = (long)ms;
	}
	if (global_verbosity) {
		char *end;
		long v = strtol(global_verbosity, &end, 10);
		if (*end || end == global_verbosity || v < 0 || v > 10)
			return cmd_fail(ctx, EXIT_USAGE, NULL,
					"invalid value \"%s\" for -v: expected a log level from 0 to 10",
					global_verbosity);
		ctx->g.verbosity = (int)v;
		spill_verbosity = ctx->g.verbosity; /* util/ has no ctx */
	}
	if (ctx->g.namespace && !*ctx->g.namespace)
		return cmd_fail(ctx, EXIT_USAGE, NULL, "--namespace needs a name; omit it to use the context's");
	if (ctx->g.namespace && !snap_valid_namespace(ctx->g.namespace))
		return cmd_fail(ctx, EXIT_USAGE, NULL, "invalid namespace: %s (" SNAP_NAMESPACE_RULES ")",
				ctx->g.namespace);
	if (ctx->g.as_groups.n && !(ctx->g.as && *ctx->g.as))
		return cmd_fail(ctx, EXIT_USAGE, "add --as USER",
				"--as-group needs --as: impersonating groups without a user is not allowed");
	return OPTS_OK;
}

/* ---- help ------------------------------------------------------------------ */

static void print_option_table(FILE *f, const struct option *opts)
{
	for (const struct option *o = opts; o && o->kind; o++) {
		struct strbuf left = STRBUF_INIT;
		if (o->short_name)
			strbuf_addf(&left, "-%c, ", o->short_name);
		else
			strbuf_addstr(&left, "    ");
		if (o->long_name)
			strbuf_addf(&left, "--%s", o->long_name);
		if (o->kind == OPT_KIND_OPTARG)
			strbuf_addf(&left, "[=%s]", o->argh ? o->argh : "VALUE");
		else if (opts_takes_value(o))
			strbuf_addf(&left, " %s", o->argh ? o->argh : "VALUE");
		fprintf(f, "  %-34s %s\n", left.buf, o->help ? o->help : "");
		strbuf_release(&left);
	}
}

void opts_print_help(FILE *f, const struct command *cmd, const struct option *opts)
{
	fprintf(f, "Usage:\n  kubectl volsnap %s\n\n", cmd->usage);
	if (cmd->help && *cmd->help)
		fprintf(f, "%s\n", cmd->help);
	if (opts && opts->kind) {
		fprintf(f, "\nOptions:\n");
		print_option_table(f, opts);
	}
	fprintf(f, "\nGlobal flags (all commands): see 'kubectl volsnap --help'.\n");
}

struct option *opts_global_copy(void)
{
	struct cmd_ctx dummy;
	memset(&dummy, 0, sizeof dummy);
	struct option opts[N_GLOBAL_OPTIONS + 1];
	for (int i = 0; i <= N_GLOBAL_OPTIONS; i++)
		opts[i] = global_options(&dummy, i);
	return opts_copy(opts);
}

void opts_print_global_help(FILE *f)
{
	struct option *opts = opts_global_copy();
	print_option_table(f, opts);
	free(opts);
}
