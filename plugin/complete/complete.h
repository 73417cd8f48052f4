/* Shell completion for `kubectl volsnap`, in the protocol kubectl (1.26+) uses
 * for plugins, which is cobra's `__complete`: kubectl runs
 * `kubectl_complete-volsnap ARGS... PARTIAL`, which runs
 * `kubectl-volsnap __complete ARGS... PARTIAL`, which prints one candidate per
 * line ("word" or "word<TAB>description") and then ":<directive>".
 *
 * complete_plan() decides from the words alone what to offer (pure);
 * complete_run() fetches what lives in the cluster or the kubeconfig, quietly
 * and with a short timeout, and prints the answer. */
#ifndef VOLSNAP_COMPLETE_H
#define VOLSNAP_COMPLETE_H

#include <stdbool.h>
#include <stdio.h>

#include "opts.h"
#include "util/strlist.h"

/* cobra's ShellCompDirective bits. */
enum {
	COMPLETE_DEFAULT = 0,  /* the shell may fall back to file names */
	COMPLETE_ERROR = 1,    /* nothing to offer, no fallback */
	COMPLETE_NO_SPACE = 2, /* no space after the candidate */
	COMPLETE_NO_FILE = 4,  /* no file-name fallback */
	COMPLETE_KEEP_ORDER = 32,
};

enum complete_source {
	COMPLETE_WORDS,	     /* plan->words only */
	COMPLETE_FILES,	     /* file names (the shell's own) */
	COMPLETE_NAMESPACES, /* from the cluster */
	COMPLETE_PVCS,	     /* in the namespace */
	COMPLETE_SNAPSHOTS,  /* in the namespace */
	COMPLETE_SNAPSHOT_CLASSES,
	COMPLETE_STORAGE_CLASSES,
	COMPLETE_CONTEXTS, /* from the kubeconfig */
	COMPLETE_CLUSTERS,
	COMPLETE_USERS,
};

/* What a command offers: its table entry's text and its options. */
struct complete_cmd {
	const char *name;
	const char *summary;
	const char *usage; /* "-o json|yaml" in it gives the -o values */
	bool hidden;
};

/* The global flags typed so far (pointers into the words), for lookups. */
struct complete_globals {
	const char *kubeconfig, *context, *cluster, *user, *namespace, *server, *token, *certificate_authority;
	bool insecure_skip_tls_verify;
};

struct complete_plan {
	enum complete_source source;
	const char *command;  /* the command typed, or NULL */
	const char *match;    /* every candidate starts with this */
	struct strlist words; /* COMPLETE_WORDS: "word" or "word\tdescription", already matched */
	unsigned directive;
	struct complete_globals g;
};

/* The command word among words (global flags and their values skipped), or NULL. */
const char *complete_command_word(char **words, int nwords, const struct option *global);

/* Plans the completion of words[nwords - 1] (may be "") after words[0..nwords-2]
 * (the arguments after "volsnap"). cmds lists every command (NULL name ends it);
 * cmd_opts are the typed command's options (NULL before a command). */
void complete_plan(const struct complete_cmd *cmds, const struct option *global, const struct option *cmd_opts,
		   char **words, int nwords, struct complete_plan *plan);
void complete_plan_clear(struct complete_plan *plan);

/* Prints the candidates and the directive, looking up what the plan needs in
 * the kubeconfig or the cluster (at most timeout_ms per request; any failure
 * just gives no candidates). */
void complete_run(const struct complete_plan *plan, long timeout_ms, FILE *out);

/* The shell scripts of `completion bash|zsh|fish` (NULL for another shell) and
 * the kubectl_complete-volsnap helper that `completion install` writes. */
const char *complete_script(const char *shell);
extern const char complete_helper_script[];

#endif
