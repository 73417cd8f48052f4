/* completion: shell completion scripts, and the kubectl_complete-volsnap helper
 * through which kubectl (1.26+) completes `kubectl volsnap <TAB>`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "complete/complete.h"
#include "opts.h"
#include "util/xalloc.h"

#define HELPER "kubectl_complete-volsnap"

/* Where kubectl found this plugin: the first kubectl-volsnap on PATH (for a
 * krew install, krew's bin folder, where the helper must go too). NULL if none. */
static char *plugin_dir(void)
{
	const char *path = getenv("PATH");
	if (!path)
		return NULL;
	char *copy = xstrdup(path), *save = NULL, *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *bin = xasprintf("%s/kubectl-volsnap", *d ? d : ".");
		if (access(bin, X_OK) == 0)
			found = xstrdup(*d ? d : ".");
		free(bin);
	}
	free(copy);
	return found;
}

static int install(struct cmd_ctx *ctx, const char *dir_arg)
{
	char *dir = dir_arg ? xstrdup(dir_arg) : plugin_dir();
	if (!dir)
		return cmd_fail(ctx, EXIT_FAILED, "name a folder on PATH: kubectl volsnap completion install DIR",
				"kubectl-volsnap is not on PATH, so the helper's folder is unknown");
	char *path = xasprintf("%s/" HELPER, dir), *tmp = xasprintf("%s/." HELPER ".tmp", dir);
	int rc = EXIT_OK;
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(complete_helper_script, f) == EOF || fchmod(fileno(f), 0755) || fclose(f) == EOF ||
	    rename(tmp, path)) {
		rc = cmd_fail(ctx, EXIT_FAILED, "run it as the folder's owner, or name another folder on PATH",
			      "cannot write %s: %s", path, strerror(errno));
		if (f)
			unlink(tmp);
	} else {
		printf("wrote %s\nkubectl completes 'kubectl volsnap <TAB>' with it when kubectl's own completion "
		       "is loaded\n(source <(kubectl completion bash), or zsh, fish) and %s is on PATH.\n",
		       path, dir);
	}
	free(tmp);
	free(path);
	free(dir);
	return rc;
}

static int run_completion(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct option options[] = {OPT_END()};
	int nargs;
	char **args;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	const char *what = nargs ? args[0] : NULL, *script = what ? complete_script(what) : NULL;
	if (what && !strcmp(what, "install") && nargs <= 2)
		rc = install(ctx, nargs == 2 ? args[1] : NULL);
	else if (script && nargs == 1)
		fputs(script, stdout);
	else
		rc = cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap completion --help'",
			      what ? "unknown shell or too many arguments: completion takes bash, zsh, fish or install "
				     "[DIR]"
				   : "which shell? name bash, zsh or fish, or install");
	free(args);
	return rc;
}

const struct command cmd_completion = {
    .name = "completion",
    .summary = "Shell completion: scripts, and the helper kubectl uses",
    .usage = "completion bash|zsh|fish | completion install [DIR]",
    .help = "Prints a completion script for kubectl-volsnap run by its own name, or installs\n"
	    "kubectl_complete-volsnap, which kubectl (1.26+) runs to complete 'kubectl volsnap <TAB>'.\n"
	    "install writes it into DIR, by default the folder of the kubectl-volsnap that kubectl\n"
	    "finds on PATH (krew's bin folder after a krew install).\n\n"
	    "Examples:\n"
	    "  kubectl volsnap completion install\n"
	    "  source <(kubectl volsnap completion bash)\n"
	    "  kubectl volsnap completion fish | source",
    .flags = CMD_NO_CLUSTER,
    .run = run_completion,
};
