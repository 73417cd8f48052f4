/* version: the plugin's version and, when a cluster is reachable, the server's,
 * as `kubectl version` prints them. */
#include <stdio.h>
#include <stdlib.h>

#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "util/xalloc.h"

static int run_version(struct cmd_ctx *ctx, int argc, char **argv)
{
	int client_only = 0;
	const char *output = NULL;
	const struct option options[] = {
	    OPT_BOOL(0, "client", &client_only, "print the plugin's version only; do not contact the server"),
	    OPT_STRING('o', "output", &output, "FORMAT", "json or yaml"),
	    OPT_END(),
	};
	int nargs;
	char **args;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	free(args);
	if (nargs)
		return cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap version --help'", "version takes no arguments");
	enum out_format fmt;
	if (!out_parse_format(output, OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_JSON) | OUT_ALLOW(OUT_YAML), &fmt))
		return cmd_fail_output(ctx, output, "json|yaml");

	json_object *doc = json_object_new_object();
	json_object *client = json_object_new_object();
	json_object_object_add(client, "version", json_object_new_string(VOLSNAP_VERSION));
	json_object_object_add(doc, "clientVersion", client);

	struct kube_version sv = {0};
	struct kube_error err = {0};
	if (!client_only) {
		struct kube_client *c = cmd_client(ctx);
		if (!c) {
			json_object_put(doc);
			return cmd_failed(ctx);
		}
		if (kube_server_version(c, &sv, &err)) {
			/* The plugin's own version is still useful when the server is not. */
			if (fmt == OUT_TEXT)
				printf("Client Version: %s\n", VOLSNAP_VERSION);
			json_object_put(doc);
			return cmd_fail_kube(ctx, &err, NULL); /* the client says "reading the server version" */
		}
		json_object *server = json_object_new_object();
		json_object_object_add(server, "gitVersion",
				       json_object_new_string(sv.git_version ? sv.git_version : ""));
		/* Strings, as the server and kubectl give them. */
		char *major = xasprintf("%d", sv.major), *minor = xasprintf("%d", sv.minor);
		json_object_object_add(server, "major", json_object_new_string(major));
		json_object_object_add(server, "minor", json_object_new_string(minor));
		free(major);
		free(minor);
		if (sv.platform)
			json_object_object_add(server, "platform", json_object_new_string(sv.platform));
		json_object_object_add(doc, "serverVersion", server);
	}

	if (fmt == OUT_JSON) {
		out_json(stdout, doc);
	} else if (fmt == OUT_YAML) {
		out_yaml(stdout, doc);
	} else {
		printf("Client Version: %s\n", VOLSNAP_VERSION);
		if (!client_only)
			printf("Server Version: %s\n", sv.git_version ? sv.git_version : "unknown");
	}
	kube_version_clear(&sv);
	json_object_put(doc);
	return EXIT_OK;
}

const struct command cmd_version = {
    .name = "version",
    .summary = "Print the plugin's version and the server's",
    .usage = "version [--client] [-o json|yaml]",
    .help = "Print the plugin's version and, unless --client is given, the API server's.\n\n"
	    "Examples:\n"
	    "  kubectl volsnap version\n"
	    "  kubectl volsnap version --client\n"
	    "  kubectl volsnap version -o json",
    .flags = 0,
    .run = run_version,
};
