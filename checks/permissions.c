/* permissions: can the current user do what the shipped commands need? The
 * rights per command are data (check_command_rights_table); each right is
 * asked once with a SelfSubjectAccessReview in the same round as the other
 * reads. Denials are grouped by resource so a user who may do nothing still
 * gets one readable line; a question the server did not answer is counted,
 * never taken for a yes. */
#include "checks/check.h"

#include <string.h>

struct denials {
	struct strbuf what;  /* "create, get volumesnapshots; create persistentvolumeclaims" */
	struct strbuf grant; /* "create volumesnapshots.snapshot.storage.k8s.io, ..." */
	struct strlist by;   /* commands affected, each once */
	const char *last;    /* resource of the current group */
	bool essential;
};

static void deny(struct denials *d, size_t i, const struct check_access *a)
{
	struct strbuf by = STRBUF_INIT;
	if (d->last && strcmp(d->last, a->resource) != 0)
		strbuf_addf(&d->what, " %s; ", d->last);
	else if (d->last)
		strbuf_addstr(&d->what, ", ");
	strbuf_addstr(&d->what, a->verb);
	d->last = a->resource;
	strbuf_addf(&d->grant, "%s%s %s%s%s", d->grant.len ? ", " : "", a->verb, a->resource, a->group[0] ? "." : "",
		    a->group);
	d->essential |= check_access_needed_by(i, &by);
	/* "take, describe" -> one entry per command */
	for (char *p = by.buf, *end; p && *p; p = end ? end + 2 : NULL) {
		end = strstr(p, ", ");
		if (end)
			*end = '\0';
		if (!strlist_contains(&d->by, p))
			strlist_push(&d->by, p);
	}
	strbuf_release(&by);
}

static void report(struct denials *d, const char *where, struct check_outcome *o)
{
	struct strbuf by = STRBUF_INIT;
	for (size_t i = 0; i < d->by.n; i++)
		strbuf_addf(&by, "%s%s", i ? ", " : "", d->by.items[i]);
	check_note(o, d->essential ? CHECK_FAIL : CHECK_WARN, "cannot %s %s in %s (needed by %s)", d->what.buf, d->last,
		   where, by.buf);
	check_remedy(o, "ask your cluster admin to grant: %s", d->grant.buf);
	strbuf_release(&by);
}

static void commands(struct strbuf *sb)
{
	for (size_t i = 0; i < check_command_rights_count; i++)
		strbuf_addf(sb, "%s%s",
			    i == 0				  ? ""
			    : i + 1 == check_command_rights_count ? " and "
								  : ", ",
			    check_command_rights_table[i].command);
}

static void run_permissions(const struct check_facts *f, struct check_outcome *o)
{
	const char *where = f->namespace ? f->namespace : "all namespaces";
	const char *why = f->access_err.message ? f->access_err.message : "no answer";
	struct denials d = {.what = STRBUF_INIT, .grant = STRBUF_INIT, .by = STRLIST_INIT};
	struct strbuf cmds = STRBUF_INIT;
	size_t answered = 0;

	for (size_t i = 0; i < f->n_access; i++) {
		if (!f->access[i].answered)
			continue;
		answered++;
		if (!f->access[i].allowed)
			deny(&d, i, &f->access[i]);
	}
	commands(&cmds);
	if (answered == 0)
		check_note(o, CHECK_SKIP, "cannot ask the server (selfsubjectaccessreviews): %s", why);
	else if (d.last)
		report(&d, where, o);
	else if (answered == f->n_access)
		check_note(o, CHECK_PASS, "all %zu permissions for %s in %s", answered, cmds.buf, where);
	if (answered && answered < f->n_access)
		check_note(o, CHECK_SKIP, "%zu of %zu questions unanswered (%s): not known whether %s work",
			   f->n_access - answered, f->n_access, why, cmds.buf);
	strbuf_release(&cmds);
	strbuf_release(&d.what);
	strbuf_release(&d.grant);
	strlist_clear(&d.by);
}

const struct check check_permissions = {
    .id = "permissions",
    .title = "Permissions",
    .needs = NULL,
    .reads = CHECK_READ(READ_ACCESS),
    .docs = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/",
    .run = run_permissions,
};
