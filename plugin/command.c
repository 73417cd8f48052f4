/* The context commands run in: the lazily made client, and errors recorded
 * where their cause is known (printed once, by main). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "snap/snap.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* ---- errors --------------------------------------------------------------- */

static void set_error(struct cmd_ctx *ctx, char *msg, const char *hint)
{
	free(ctx->error);
	free(ctx->hint);
	ctx->error = msg;
	ctx->hint = xstrdup_or_null(hint);
}

int cmd_fail(struct cmd_ctx *ctx, int code, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(ctx, xvasprintf(fmt, ap), hint);
	va_end(ap);
	return code;
}

int cmd_fail_kube(struct cmd_ctx *ctx, struct kube_error *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		strbuf_vaddf(&sb, fmt, ap);
		va_end(ap);
		strbuf_addstr(&sb, ": ");
	}
	strbuf_addstr(&sb, err->message ? err->message : "unknown error");
	set_error(ctx, strbuf_detach(&sb), err->hint);
	kube_error_clear(err);
	return EXIT_FAILED;
}

int cmd_check_name(struct cmd_ctx *ctx, const char *what, const char *name)
{
	if (snap_valid_name(name))
		return EXIT_OK;
	return cmd_fail(ctx, EXIT_USAGE, NULL, "invalid %s: %s (" SNAP_NAME_RULES ")", what, name);
}

int cmd_fail_output(struct cmd_ctx *ctx, const char *value, const char *names)
{
	return cmd_fail(ctx, EXIT_USAGE, NULL, "unknown output format \"%s\": use one of %s", value, names);
}

int cmd_failed(struct cmd_ctx *ctx)
{
	if (!ctx->error)
		set_error(ctx, xstrdup("failed"), NULL);
	return EXIT_FAILED;
}

/* ---- context -------------------------------------------------------------- */

struct kube_client *cmd_client(struct cmd_ctx *ctx)
{
	if (ctx->client)
		return ctx->client;
	struct kube_error err = {0};
	struct kube_config_overrides ov = {
	    .kubeconfig = ctx->g.kubeconfig,
	    .context = ctx->g.context,
	    .cluster = ctx->g.cluster,
	    .user = ctx->g.user,
	    .namespace = ctx->g.namespace,
	    .server = ctx->g.server,
	    .token = ctx->g.token,
	    .certificate_authority = ctx->g.certificate_authority,
	    .insecure_skip_tls_verify = ctx->g.insecure_skip_tls_verify,
	    .tls_server_name = ctx->g.tls_server_name,
	    .client_certificate = ctx->g.client_certificate,
	    .client_key = ctx->g.client_key,
	    .impersonate_user = ctx->g.as,
	    .impersonate_groups = ctx->g.as_groups.items,
	    .n_impersonate_groups = ctx->g.as_groups.n,
	};
	if (kube_config_load(&ov, &ctx->config, &err)) {
		cmd_fail_kube(ctx, &err, NULL);
		return NULL;
	}
	struct kube_client_options opts = {
	    .request_timeout_ms = ctx->g.request_timeout_ms,
	    .verbosity = ctx->g.verbosity,
	    .log = stderr,
	};
	if (kube_client_new(ctx->config, &opts, &ctx->client, &err)) {
		cmd_fail_kube(ctx, &err, NULL);
		return NULL;
	}
	return ctx->client;
}

const char *cmd_namespace(struct cmd_ctx *ctx)
{
	if (ctx->g.namespace)
		return ctx->g.namespace;
	if (ctx->config && ctx->config->namespace)
		return ctx->config->namespace;
	return "default";
}

bool cmd_confirm(struct cmd_ctx *ctx, const char *prompt)
{
	if (!ctx->stdin_tty)
		return false;
	fprintf(stderr, "%s [y/N]: ", prompt);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int cmd_get_optional(struct cmd_ctx *ctx, struct kube_client *c, const char *path, const char *what,
		     bool allow_forbidden, json_object **obj, bool *forbidden)
{
	struct kube_error err = {0};
	if (forbidden)
		*forbidden = false;
	if (kube_get(c, path, obj, &err) == 0)
		return EXIT_OK;
	*obj = NULL;
	bool denied = kube_error_is_forbidden(&err);
	if (!kube_error_is_not_found(&err) && !(allow_forbidden && denied))
		return cmd_fail_kube(ctx, &err, "reading %s", what);
	if (denied)
		fprintf(stderr, "warning: cannot read %s (forbidden): the checks that need it are skipped\n", what);
	if (forbidden)
		*forbidden = denied;
	kube_error_clear(&err);
	return EXIT_OK;
}

int cmd_parse_output(struct cmd_ctx *ctx, const char *output, unsigned allowed, enum out_format *fmt)
{
	if (out_parse_format(output, allowed, fmt))
		return EXIT_OK;
	return cmd_fail(ctx, EXIT_USAGE, NULL, "-o %s is not supported here; use one of %s", output,
			out_format_names(allowed & ~OUT_ALLOW(OUT_TEXT)));
}

int cmd_parse_dry_run(struct cmd_ctx *ctx, const char *dry_run, bool *client, bool *server)
{
	*client = dry_run && !strcmp(dry_run, "client");
	*server = dry_run && !strcmp(dry_run, "server");
	if (!dry_run || *client || *server || !strcmp(dry_run, "none"))
		return EXIT_OK;
	return cmd_fail(ctx, EXIT_USAGE, NULL, "--dry-run=%s: use client, server or none", dry_run);
}
