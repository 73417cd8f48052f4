/* setup: the numbered steps that enable snapshots for the detected (or named)
 * provider and version, from providers/ data, with the steps doctor's checks
 * find satisfied marked done; and what the plugin can create itself (a
 * VolumeSnapshotClass for a driver without one, the default-class annotation)
 * printed as YAML or, with --apply, created after confirmation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/check.h"
#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Which check tells that a step of a kind is already satisfied. */
static const struct {
	unsigned kind;
	const char *check;
} step_checks[] = {
    {.kind = PROVIDER_STEP_CRDS, .check = "snapshot-crds"},
    {.kind = PROVIDER_STEP_CONTROLLER, .check = "snapshot-controller"},
    {.kind = PROVIDER_STEP_DRIVER, .check = "csi-drivers"},
    {.kind = PROVIDER_STEP_STORAGE_CLASS, .check = "storage-classes"},
    {.kind = PROVIDER_STEP_SNAPSHOT_CLASS, .check = "snapshot-classes"},
    {.kind = PROVIDER_STEP_UPGRADE, .check = "provider-issues"},
    {.kind = PROVIDER_STEP_CHECK, .check = "snapshot-classes"},
};

/* One thing the plugin can create or change. */
struct action {
	json_object *obj;   /* the class as it will be (owned) */
	json_object *patch; /* merge patch for an existing class, or NULL to create obj */
	char *what;	    /* "create VolumeSnapshotClass x for driver y" */
	bool invalid;	    /* holds "<key>" placeholders: setup --apply refuses it */
};

struct setup {
	struct check_facts f;
	bool sel[CHECK_MAX];
	struct check_outcome out[CHECK_MAX];
	bool have_cluster;
	struct action actions[16];
	size_t nactions;
};

static const struct check_outcome *outcome_of(struct setup *s, const char *id)
{
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cat[i]->id, id))
			return &s->out[i];
	return NULL;
}

enum step_state { STEP_DONE, STEP_TODO, STEP_UNKNOWN };

/* A step is done only when the checks covering its kinds pass and its own
 * verify command (and a check step's command) would pass; todo when any of
 * them says not; unknown, with the reason in *why, when what decides it
 * could not be read (a forbidden read is never "not installed"). */
static enum step_state step_state(struct setup *s, const struct provider_step *st, struct strbuf *why)
{
	bool todo = false, unknown = false;
	struct strbuf unread = STRBUF_INIT;
	for (size_t i = 0; i < sizeof step_checks / sizeof step_checks[0]; i++) {
		if (!(st->kinds & step_checks[i].kind))
			continue;
		const struct check_outcome *o = outcome_of(s, step_checks[i].check);
		if (o->result == CHECK_SKIP) {
			if (!unread.len)
				strbuf_addf(&unread, "%s: %s", step_checks[i].check, o->message.buf);
			unknown = true;
		} else if (o->result != CHECK_PASS && o->result != CHECK_INFO) {
			todo = true;
		}
	}
	const char *cmds[] = {st->verify, st->kinds & PROVIDER_STEP_CHECK ? st->command : NULL};
	for (size_t i = 0; i < 2 && !todo; i++) {
		struct strbuf v = STRBUF_INIT;
		enum check_verify r = cmds[i] ? check_verify_command(&s->f, cmds[i], &v) : CHECK_VERIFY_NOT_JUDGED;
		if (r == CHECK_VERIFY_FAIL) {
			todo = true;
			strbuf_addstr(why, v.buf);
		} else if (r == CHECK_VERIFY_UNREAD && !unread.len) {
			strbuf_addstr(&unread, v.buf);
			unknown = true;
		}
		strbuf_release(&v);
	}
	if (!todo && unknown)
		strbuf_addstr(why, unread.buf);
	strbuf_release(&unread);
	return todo ? STEP_TODO : unknown ? STEP_UNKNOWN : STEP_DONE;
}

static void add_action(struct setup *s, json_object *obj, json_object *patch, char *what, bool invalid)
{
	if (s->nactions == sizeof s->actions / sizeof s->actions[0]) {
		json_object_put(obj);
		json_object_put(patch);
		free(what);
		return;
	}
	s->actions[s->nactions++] = (struct action){.obj = obj, .patch = patch, .what = what, .invalid = invalid};
}

/* The default-class annotation on the only class of a driver that has no default. */
static void plan_annotation(struct setup *s, json_object *cls)
{
	json_object *obj = json_object_new_object();
	json_object *patch = json_object_new_object();
	const char *name = jstr_or(cls, "metadata.name", "");
	json_object *ann = json_object_new_object();

	json_object_object_add(ann, SNAP_ANNOTATION_DEFAULT_CLASS, json_object_new_string("true"));
	jset(patch, "metadata.annotations", ann);
	json_object_object_add(obj, "apiVersion", json_object_new_string(jstr_or(cls, "apiVersion", "")));
	json_object_object_add(obj, "kind", json_object_new_string("VolumeSnapshotClass"));
	jset(obj, "metadata.name", json_object_new_string(name));
	jset(obj, "metadata.annotations", json_object_get(ann));
	json_object_object_add(obj, "driver", json_object_new_string(jstr_or(cls, "driver", "")));
	json_object_object_add(obj, "deletionPolicy", json_object_new_string(jstr_or(cls, "deletionPolicy", "Delete")));
	add_action(s, obj, patch,
		   xasprintf("mark VolumeSnapshotClass %s the default for %s", name, jstr_or(cls, "driver", "")),
		   false);
}

static void plan_driver(struct setup *s, json_object *classes, const char *driver)
{
	json_object *only = NULL;
	int n = 0, ndefault = 0;
	for (size_t i = 0; i < json_object_array_length(classes); i++) {
		json_object *c = json_object_array_get_idx(classes, i);
		if (strcmp(jstr_or(c, "driver", ""), driver) != 0)
			continue;
		n++;
		only = c;
		ndefault += check_class_is_default(c);
	}
	if (n == 0) {
		char *name = check_proposed_class_name(driver);
		struct strbuf missing = STRBUF_INIT;
		json_object *cls = check_proposed_class(&s->f, driver, true, &missing);
		if (missing.len)
			add_action(s, cls, NULL,
				   xasprintf("cannot create a valid VolumeSnapshotClass %s for %s: fill in %s", name,
					     driver, missing.buf),
				   true);
		else
			add_action(s, cls, NULL,
				   xasprintf("create VolumeSnapshotClass %s (default) for %s", name, driver), false);
		strbuf_release(&missing);
		free(name);
	} else if (n == 1 && ndefault == 0) {
		plan_annotation(s, only);
	}
}

/* Only with the CRDs served: a class cannot be created before. */
static void plan_actions(struct setup *s)
{
	json_object *classes = jget(check_object(&s->f, READ_VSCLASSES), "items");
	if (!s->have_cluster || !s->f.snap_version || !json_object_is_type(classes, json_type_array))
		return;
	for (size_t i = 0; i < s->f.drivers.n; i++)
		if (check_driver_snapshots(s->f.drivers.items[i]))
			plan_driver(s, classes, s->f.drivers.items[i]);
}

/* The headline from the cluster's state: steps done of all, and whether a
 * doctor check still fails. Without a cluster there is no state to tell. */
static void print_headline(struct setup *s, const int *count)
{
	const struct provider_era *e = s->f.era;
	size_t n = e ? e->n_steps : 0;
	bool failed = false;
	size_t nc;
	check_catalogue(&nc);
	for (size_t i = 0; s->have_cluster && i < nc; i++)
		failed |= s->out[i].result == CHECK_FAIL;
	printf("Snapshots on %s, Kubernetes %s: ", s->f.provider->name,
	       s->f.git_version ? s->f.git_version : "version unknown");
	if (!s->have_cluster)
		printf("the provider's current steps (no cluster read)\n");
	else if ((size_t)count[STEP_DONE] == n && !failed)
		printf("ready (%zu of %zu steps done)\n", n, n);
	else if (count[STEP_UNKNOWN])
		printf("not known (%d of %zu steps done, %d could not be checked)\n", count[STEP_DONE], n,
		       count[STEP_UNKNOWN]);
	else
		printf("not ready (%d of %zu steps done%s)\n", count[STEP_DONE], n,
		       (size_t)count[STEP_DONE] == n ? "; a check still fails: see kubectl volsnap doctor" : "");
}

static void print_steps(struct setup *s)
{
	const struct provider_era *e = s->f.era;
	static const char *const marks[] = {[STEP_DONE] = "done", [STEP_TODO] = "todo", [STEP_UNKNOWN] = "?"};
	int count[3] = {0};
	enum step_state state[32] = {0};
	struct strbuf why[32] = {0};

	for (size_t i = 0; e && i < e->n_steps && i < 32; i++) {
		strbuf_init(&why[i], 0);
		state[i] = s->have_cluster ? step_state(s, &e->steps[i], &why[i]) : STEP_UNKNOWN;
		count[state[i]]++;
	}
	print_headline(s, count);
	if (e && e->summary)
		printf("%s\n", e->summary);
	printf("\n");
	for (size_t i = 0; e && i < e->n_steps && i < 32; i++) {
		const struct provider_step *st = &e->steps[i];
		printf("%zu. [%s] %s", i + 1, marks[state[i]], st->title);
		if (why[i].len)
			printf(" (%s)", why[i].buf);
		printf("\n");
		strbuf_release(&why[i]);
		for (const char *p = st->command; p && *p;) {
			size_t n = strcspn(p, "\n");
			printf("     %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		if (st->verify)
			printf("   verify: %s\n", st->verify);
	}
	if (!e || !e->n_steps)
		printf("No setup steps are known for this version.\n");
}

static void print_objects(struct setup *s)
{
	for (size_t i = 0; i < s->nactions; i++) {
		printf("---\n");
		out_yaml(stdout, s->actions[i].obj);
	}
}

static void print_actions_yaml(struct setup *s)
{
	/* Never an empty stream: `setup -o yaml | kubectl apply -f -` then says why. */
	if (!s->nactions)
		printf("# kubectl volsnap setup: nothing for the plugin to create or annotate%s\n",
		       s->have_cluster ? " (every snapshot-capable driver has one default VolumeSnapshotClass, or the "
					 "snapshot API is not served yet: see `kubectl volsnap setup`)"
				       : " without a cluster");
	print_objects(s);
}

static void print_actions_text(struct setup *s)
{
	if (!s->nactions)
		return;
	printf("\nThe plugin can do this itself (kubectl volsnap setup --apply):\n");
	for (size_t i = 0; i < s->nactions; i++)
		printf("  - %s\n", s->actions[i].what);
	print_objects(s);
}

static int apply_one(struct cmd_ctx *ctx, struct kube_client *c, struct setup *s, struct action *a)
{
	struct kube_error err = {0};
	char *coll = xasprintf("/apis/" SNAP_GROUP "/%s/volumesnapshotclasses", s->f.snap_version);
	const char *name = jstr_or(a->obj, "metadata.name", "");
	char *path = xasprintf("%s/%s", coll, name);
	int rc = a->patch ? kube_patch(c, path, KUBE_PATCH_MERGE, a->patch, 0, NULL, &err)
			  : kube_create_once(c, coll, a->obj, 0, NULL, &err);
	free(coll);
	free(path);
	if (rc < 0)
		return cmd_fail_kube(ctx, &err, "%s", a->what);
	printf("volumesnapshotclass.%s/%s %s\n", SNAP_GROUP, name, a->patch ? "annotated" : "created");
	return EXIT_OK;
}

static int apply(struct cmd_ctx *ctx, struct kube_client *c, struct setup *s, bool yes)
{
	if (!s->nactions) {
		printf("Nothing for the plugin to create: see the steps above.\n");
		return EXIT_OK;
	}
	/* Refuse before changing anything: a class the plugin cannot make valid. */
	for (size_t i = 0; i < s->nactions; i++)
		if (s->actions[i].invalid)
			return cmd_fail(ctx, EXIT_FAILED, "edit the YAML above and create it with kubectl create -f -",
					"%s; nothing changed", s->actions[i].what);
	if (!yes && !ctx->stdin_tty)
		return cmd_fail(ctx, EXIT_USAGE, "add --yes to apply without a terminal",
				"--apply asks for confirmation and stdin is not a terminal");
	if (!yes && !cmd_confirm(ctx, "Create/annotate the VolumeSnapshotClasses above?"))
		return cmd_fail(ctx, EXIT_FAILED, NULL, "not confirmed: nothing changed");
	for (size_t i = 0; i < s->nactions; i++) {
		int rc = apply_one(ctx, c, s, &s->actions[i]);
		if (rc)
			return rc;
	}
	return EXIT_OK;
}

static void release(struct setup *s)
{
	size_t n;
	check_catalogue(&n);
	if (s->have_cluster)
		check_outcomes_release(s->out, n);
	for (size_t i = 0; i < s->nactions; i++) {
		json_object_put(s->actions[i].obj);
		json_object_put(s->actions[i].patch);
		free(s->actions[i].what);
	}
	check_facts_release(&s->f);
}

/* Without a cluster a named provider still gets its current steps. */
static int offline(struct cmd_ctx *ctx, struct setup *s, const char *provider)
{
	if (!provider)
		return cmd_failed(ctx);
	free(ctx->error);
	free(ctx->hint);
	ctx->error = ctx->hint = NULL;
	s->f.provider = provider_find(provider);
	s->f.era = s->f.provider->n_eras ? &s->f.provider->eras[s->f.provider->n_eras - 1] : NULL;
	return EXIT_OK;
}

static int setup_run(struct cmd_ctx *ctx, const char *provider, bool do_apply, bool yes, enum out_format fmt)
{
	struct setup *s = xcalloc(1, sizeof *s);
	struct kube_client *c = cmd_client(ctx);
	struct kube_error err = {0};
	char *why = NULL;
	int rc = EXIT_OK;

	check_facts_init(&s->f, NULL, provider);
	check_select(NULL, 0, s->sel, &(const char *){NULL});
	if (!c) {
		rc = offline(ctx, s, provider);
	} else if ((rc = check_diagnose(c, &s->f, s->sel, s->out, &err, &why)) != 0) {
		rc = rc == -1 ? cmd_fail_kube(ctx, &err, "cannot read the cluster")
			      : cmd_fail(ctx, EXIT_USAGE, NULL, "%s", why);
		free(why);
	} else {
		s->have_cluster = true;
	}
	if (rc == EXIT_OK) {
		plan_actions(s);
		if (fmt == OUT_YAML) {
			print_actions_yaml(s);
		} else {
			print_steps(s);
			print_actions_text(s);
		}
		if (do_apply)
			rc = apply(ctx, c, s, yes);
	}
	release(s);
	free(s);
	return rc;
}

static int run_setup(struct cmd_ctx *ctx, int argc, char **argv)
{
	int do_apply = 0, yes = 0;
	const char *output = NULL;
	const struct option options[] = {
	    OPT_BOOL(0, "apply", &do_apply, "create what the plugin can (VolumeSnapshotClasses), after confirmation"),
	    OPT_BOOL(0, "yes", &yes, "do not ask for confirmation (needed with --apply when not on a terminal)"),
	    OPT_STRING('o', "output", &output, "FORMAT", "yaml: print only the objects the plugin would create"),
	    OPT_END(),
	};
	int nargs;
	char **args;
	enum out_format fmt;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc != OPTS_OK)
		return rc == OPTS_HELP ? EXIT_OK : rc;
	const char *provider = nargs ? args[0] : NULL;
	if (nargs > 1)
		rc = cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap setup --help'", "too many arguments: %s", args[1]);
	else if (!out_parse_format(output, OUT_ALLOW(OUT_TEXT) | OUT_ALLOW(OUT_YAML), &fmt))
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "unknown output format \"%s\": use yaml", output);
	else if (provider && !provider_find(provider)) {
		struct strbuf ids = STRBUF_INIT;
		provider_ids(&ids);
		rc = cmd_fail(ctx, EXIT_USAGE, NULL, "unknown provider \"%s\"; valid: %s", provider, ids.buf);
		strbuf_release(&ids);
	} else
		rc = setup_run(ctx, provider, do_apply, yes, fmt);
	free(args);
	return rc;
}

const struct command cmd_setup = {
    .name = "setup",
    .summary = "Show (and partly do) the steps that enable volume snapshots on this cluster",
    .usage = "setup [PROVIDER] [--apply] [--yes] [-o yaml]",
    .help = "Prints the numbered steps that enable snapshots for the detected provider (or PROVIDER) and\n"
	    "Kubernetes version, each with its command and how to verify it; steps already satisfied are\n"
	    "marked done. What the plugin can create itself (a VolumeSnapshotClass for a CSI driver without\n"
	    "one, the default-class annotation) is printed as YAML, or created with --apply.\n\n"
	    "Examples:\n"
	    "  kubectl volsnap setup\n"
	    "  kubectl volsnap setup gardener-azure\n"
	    "  kubectl volsnap setup -o yaml | kubectl apply -f -\n"
	    "  kubectl volsnap setup --apply --yes\n",
    .run = run_setup,
};
