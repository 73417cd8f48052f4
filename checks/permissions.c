/* permissions: can the current user do what take, restore, prune and a
 * scheduled job need? Asked with SelfSubjectAccessReviews in the same round
 * as the other reads. Denials are grouped by resource so a user who may do
 * nothing still gets one readable line. */
#include "checks/check.h"

#include <string.h>

struct denials {
	struct strbuf what;  /* "create, get volumesnapshots; create cronjobs" */
	struct strbuf grant; /* "create volumesnapshots.snapshot.storage.k8s.io, ..." */
	struct strlist by;   /* commands affected */
	const char *last;    /* resource of the current group */
	bool essential;
};

static void deny(struct denials *d, const struct check_access *a)
{
	if (d->last && strcmp(d->last, a->resource) != 0)
		strbuf_addf(&d->what, " %s; ", d->last);
	else if (d->last)
		strbuf_addstr(&d->what, ", ");
	strbuf_addstr(&d->what, a->verb);
	d->last = a->resource;
	strbuf_addf(&d->grant, "%s%s %s%s%s", d->grant.len ? ", " : "", a->verb, a->resource, a->group[0] ? "." : "",
		    a->group);
	if (!strlist_contains(&d->by, a->needed_by))
		strlist_push(&d->by, a->needed_by);
	d->essential |= a->essential;
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

static void run_permissions(const struct check_facts *f, struct check_outcome *o)
{
	const char *where = f->namespace ? f->namespace : "all namespaces";
	struct denials d = {.what = STRBUF_INIT, .grant = STRBUF_INIT, .by = STRLIST_INIT};
	int answered = 0;

	for (size_t i = 0; i < f->n_access; i++) {
		if (!f->access[i].answered)
			continue;
		answered++;
		if (!f->access[i].allowed)
			deny(&d, &f->access[i]);
	}
	if (answered == 0)
		check_note(o, CHECK_SKIP, "cannot ask the server (selfsubjectaccessreviews): %s",
			   f->access_err.message ? f->access_err.message : "no answer");
	else if (d.last)
		report(&d, where, o);
	else
		check_note(o, CHECK_PASS, "all %d permissions for take, restore, prune and schedule in %s", answered,
			   where);
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
