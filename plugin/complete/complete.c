/* What to offer for the word being completed, decided from the words alone. */
#include "complete.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "providers/providers.h"
#include "util/xalloc.h"

/* What a flag's value is, by the flag's long name (any command). */
static const struct {
	const char *flag;
	enum complete_source source;
} flag_values[] = {
    {"namespace", COMPLETE_NAMESPACES},
    {"context", COMPLETE_CONTEXTS},
    {"cluster", COMPLETE_CLUSTERS},
    {"user", COMPLETE_USERS},
    {"kubeconfig", COMPLETE_FILES},
    {"certificate-authority", COMPLETE_FILES},
    {"class", COMPLETE_SNAPSHOT_CLASSES},
    {"storage-class", COMPLETE_STORAGE_CLASSES},
    {"pvc", COMPLETE_PVCS},
    {"replace", COMPLETE_PVCS},
};

/* The same flags as options, so that a value flag a command does not (yet)
 * declare still takes the next word as its value. */
static const struct option value_flags[] = {
    OPT_STRING(0, "class", NULL, NULL, NULL),
    OPT_STRING(0, "storage-class", NULL, NULL, NULL),
    OPT_STRING(0, "pvc", NULL, NULL, NULL),
    OPT_STRING(0, "replace", NULL, NULL, NULL),
    OPT_END(),
};

/* What a command's positional arguments are: the first, and the ones after it. */
static const struct {
	const char *command;
	enum complete_source first, rest;
	bool more; /* rest applies (else nothing after the first) */
} positionals[] = {
    {"take", COMPLETE_PVCS, COMPLETE_WORDS, false},	    {"list", COMPLETE_PVCS, COMPLETE_WORDS, false},
    {"prune", COMPLETE_PVCS, COMPLETE_WORDS, false},	    {"describe", COMPLETE_SNAPSHOTS, COMPLETE_WORDS, false},
    {"restore", COMPLETE_SNAPSHOTS, COMPLETE_WORDS, false}, {"delete", COMPLETE_SNAPSHOTS, COMPLETE_SNAPSHOTS, true},
};

static const char *const access_modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod", NULL};
static const char *const dry_run_modes[] = {"client", "server", NULL};
static const char *const shells[] = {"bash", "zsh", "fish", "install", NULL};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void offer(struct complete_plan *p, const char *word, const char *desc)
{
	if (!starts_with(word, p->match))
		return;
	strlist_take(&p->words, desc && *desc ? xasprintf("%s\t%s", word, desc) : xstrdup(word));
}

static void offer_all(struct complete_plan *p, const char *const *words)
{
	for (; *words; words++)
		offer(p, *words, NULL);
}

/* The option named by a word ("--name", "--name=v", "-n", "-nv"); *inline_value
 * gets what follows '=' (or the short flag), or NULL. */
static const struct option *find_option(const struct option *opts, const char *w, const char **inline_value)
{
	*inline_value = NULL;
	if (!opts || w[0] != '-' || !w[1])
		return NULL;
	if (w[1] == '-') {
		const char *name = w + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		for (const struct option *o = opts; o->kind; o++)
			if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len)) {
				*inline_value = eq ? eq + 1 : NULL;
				return o;
			}
		return NULL;
	}
	for (const struct option *o = opts; o->kind; o++)
		if (o->short_name == w[1]) {
			*inline_value = w[2] ? (w[2] == '=' ? w + 3 : w + 2) : NULL;
			return o;
		}
	return NULL;
}

static void record_global(struct complete_globals *g, const struct option *o, const char *value)
{
	static const struct {
		const char *flag;
		size_t offset;
	} fields[] = {
	    {"kubeconfig", offsetof(struct complete_globals, kubeconfig)},
	    {"context", offsetof(struct complete_globals, context)},
	    {"cluster", offsetof(struct complete_globals, cluster)},
	    {"user", offsetof(struct complete_globals, user)},
	    {"namespace", offsetof(struct complete_globals, namespace)},
	    {"server", offsetof(struct complete_globals, server)},
	    {"token", offsetof(struct complete_globals, token)},
	    {"certificate-authority", offsetof(struct complete_globals, certificate_authority)},
	};
	if (!o->long_name)
		return;
	if (!strcmp(o->long_name, "insecure-skip-tls-verify"))
		g->insecure_skip_tls_verify = !value || !strcmp(value, "true");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (value && !strcmp(o->long_name, fields[i].flag))
			*(const char **)((char *)g + fields[i].offset) = value;
}

static bool is_global(const struct option *global, const struct option *o)
{
	for (const struct option *g = global; g && g->kind; g++)
		if (g == o)
			return true;
	return false;
}

/* Walks the words before the one being completed. */
struct walk {
	const char *command;
	int npos;		      /* positional arguments after the command */
	const struct option *pending; /* a flag still waiting for its value */
	bool only_args;		      /* after "--" */
};

static void walk_words(const struct option *global, const struct option *cmd_opts, char **words, int n,
		       struct complete_globals *g, struct walk *w)
{
	memset(w, 0, sizeof *w);
	for (int i = 0; i < n; i++) {
		const char *word = words[i], *value;
		if (w->pending) {
			if (is_global(global, w->pending))
				record_global(g, w->pending, word);
			w->pending = NULL;
			continue;
		}
		if (!w->only_args && !strcmp(word, "--")) {
			w->only_args = true;
			continue;
		}
		if (!w->only_args && word[0] == '-' && word[1]) {
			const struct option *o = find_option(global, word, &value);
			if (!o && w->command)
				o = find_option(cmd_opts, word, &value);
			if (!o && w->command)
				o = find_option(value_flags, word, &value);
			if (o && opts_takes_value(o) && !value)
				w->pending = o;
			else if (o && is_global(global, o))
				record_global(g, o, value);
			continue;
		}
		if (!w->command)
			w->command = word;
		else
			w->npos++;
	}
}

const char *complete_command_word(char **words, int nwords, const struct option *global)
{
	struct complete_globals g;
	struct walk w;
	memset(&g, 0, sizeof g);
	/* The word being completed is not a command yet. */
	walk_words(global, NULL, words, nwords - 1, &g, &w);
	return w.command;
}

/* "-o json|yaml" in the command's usage line gives the -o values. */
static void offer_formats(struct complete_plan *p, const char *usage)
{
	const char *at = usage ? strstr(usage, "-o ") : NULL;
	if (!at) {
		offer(p, "json", NULL);
		offer(p, "yaml", NULL);
		return;
	}
	at += 3;
	while (*at && !strchr(" ]", *at)) {
		size_t len = strcspn(at, "| ]");
		/* "jsonpath=..." in a usage line offers "jsonpath=", the rest is the user's. */
		size_t keep = len >= 4 && !strncmp(at + len - 4, "=...", 4) ? len - 3 : len;
		char *word = xstrndup(at, keep);
		offer(p, word, NULL);
		free(word);
		at += len;
		if (*at == '|')
			at++;
	}
}

static void offer_providers(struct complete_plan *p, bool with_auto)
{
	size_t n;
	const struct provider *const *list = provider_list(&n);
	if (with_auto)
		offer(p, "auto", "detect the provider");
	for (size_t i = 0; i < n; i++)
		offer(p, list[i]->id, list[i]->name);
}

static void plan_value(struct complete_plan *p, const struct complete_cmd *cmd, const struct option *o)
{
	const char *name = o->long_name ? o->long_name : "";
	for (size_t i = 0; i < sizeof flag_values / sizeof flag_values[0]; i++)
		if (!strcmp(name, flag_values[i].flag)) {
			p->source = flag_values[i].source;
			if (p->source == COMPLETE_FILES)
				p->directive = COMPLETE_DEFAULT;
			return;
		}
	if (!strcmp(name, "output"))
		offer_formats(p, cmd ? cmd->usage : NULL);
	else if (!strcmp(name, "provider"))
		offer_providers(p, true);
	else if (!strcmp(name, "access-mode"))
		offer_all(p, access_modes);
	else if (!strcmp(name, "dry-run"))
		offer_all(p, dry_run_modes);
	else if (!strcmp(name, "check")) {
		size_t n;
		const struct check *const *checks = check_catalogue(&n);
		for (size_t i = 0; i < n; i++)
			offer(p, checks[i]->id, checks[i]->title);
	}
}

static void offer_flags(struct complete_plan *p, const struct option *opts)
{
	bool shorts = p->match[0] == '-' && p->match[1] != '-';
	for (const struct option *o = opts; o && o->kind; o++) {
		if (o->long_name) {
			char *flag = xasprintf("--%s", o->long_name);
			offer(p, flag, o->help);
			free(flag);
		}
		if (shorts && o->short_name) {
			char flag[3] = {'-', o->short_name, '\0'};
			offer(p, flag, o->help);
		}
	}
}

static void offer_commands(struct complete_plan *p, const struct complete_cmd *cmds)
{
	for (const struct complete_cmd *c = cmds; c->name; c++)
		if (!c->hidden)
			offer(p, c->name, c->summary);
}

static void plan_positional(struct complete_plan *p, const struct complete_cmd *cmds, const char *command, int npos)
{
	if (!strcmp(command, "help")) {
		if (npos == 0)
			offer_commands(p, cmds);
		return;
	}
	if (!strcmp(command, "setup")) {
		if (npos == 0)
			offer_providers(p, false);
		return;
	}
	if (!strcmp(command, "completion")) {
		if (npos == 0)
			offer_all(p, shells);
		else
			p->directive = COMPLETE_DEFAULT; /* install DIR */
		return;
	}
	for (size_t i = 0; i < sizeof positionals / sizeof positionals[0]; i++)
		if (!strcmp(command, positionals[i].command)) {
			if (npos == 0)
				p->source = positionals[i].first;
			else if (positionals[i].more)
				p->source = positionals[i].rest;
			return;
		}
}

void complete_plan(const struct complete_cmd *cmds, const struct option *global, const struct option *cmd_opts,
		   char **words, int nwords, struct complete_plan *p)
{
	memset(p, 0, sizeof *p);
	p->source = COMPLETE_WORDS;
	p->directive = COMPLETE_NO_FILE;
	p->match = nwords > 0 ? words[nwords - 1] : "";
	struct walk w;
	walk_words(global, cmd_opts, words, nwords > 0 ? nwords - 1 : 0, &p->g, &w);
	p->command = w.command;
	const struct complete_cmd *cmd = NULL;
	for (const struct complete_cmd *c = cmds; w.command && c->name; c++)
		if (!strcmp(c->name, w.command))
			cmd = c;

	const char *value;
	if (w.pending) {
		plan_value(p, cmd, w.pending);
	} else if (!w.only_args && p->match[0] == '-') {
		const struct option *o = find_option(global, p->match, &value);
		if (!o && w.command)
			o = find_option(cmd_opts, p->match, &value);
		if (o && value && (p->match[1] == '-' || p->match[2] == '=')) {
			p->match = value; /* --flag=VALUE: the shell keeps the "--flag=" part */
			plan_value(p, cmd, o);
			return;
		}
		offer_flags(p, global);
		if (w.command)
			offer_flags(p, cmd_opts);
	} else if (!w.command) {
		offer_commands(p, cmds);
		offer(p, "help", "Help about any command");
	} else {
		plan_positional(p, cmds, w.command, w.npos);
	}
}

void complete_plan_clear(struct complete_plan *p)
{
	strlist_clear(&p->words);
}
