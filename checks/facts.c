/* The facts checks run over: raw reads plus what is derived once from them
 * (version, served snapshot versions, installed drivers, the provider). */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SNAP "snapshot.storage.k8s.io"
#define RBAC "rbac.authorization.k8s.io"

/* What take, restore, prune and a scheduled job need (the Kyma guide's CronJob
 * needs a ServiceAccount, Role and RoleBinding besides the CronJob). */
const struct check_access check_access_table[] = {
    {.verb = "create", .group = SNAP, .resource = "volumesnapshots", .needed_by = "take", .essential = true},
    {.verb = "get", .group = SNAP, .resource = "volumesnapshots", .needed_by = "take", .essential = true},
    {.verb = "watch", .group = SNAP, .resource = "volumesnapshots", .needed_by = "take --wait"},
    {.verb = "list", .group = SNAP, .resource = "volumesnapshots", .needed_by = "list, prune"},
    {.verb = "delete", .group = SNAP, .resource = "volumesnapshots", .needed_by = "prune, delete"},
    {.verb = "get",
     .group = SNAP,
     .resource = "volumesnapshotcontents",
     .cluster_scoped = true,
     .needed_by = "describe, restore"},
    {.verb = "list", .group = SNAP, .resource = "volumesnapshotclasses", .cluster_scoped = true, .needed_by = "take"},
    {.verb = "get", .group = "", .resource = "persistentvolumeclaims", .needed_by = "take"},
    {.verb = "create", .group = "", .resource = "persistentvolumeclaims", .needed_by = "restore"},
    {.verb = "create", .group = "batch", .resource = "cronjobs", .needed_by = "schedule"},
    {.verb = "create", .group = "", .resource = "serviceaccounts", .needed_by = "schedule"},
    {.verb = "create", .group = RBAC, .resource = "roles", .needed_by = "schedule"},
    {.verb = "create", .group = RBAC, .resource = "rolebindings", .needed_by = "schedule"},
};
const size_t check_access_count = sizeof check_access_table / sizeof check_access_table[0];

void check_facts_init(struct check_facts *f, const char *ns, const char *provider_id)
{
	memset(f, 0, sizeof *f);
	f->namespace = ns;
	f->provider_id = provider_id;
	for (size_t i = 0; i < check_access_count; i++)
		f->access[i] = check_access_table[i];
	f->n_access = check_access_count;
}

void check_facts_set(struct check_facts *f, enum check_read r, json_object *obj)
{
	json_object_put(f->reads[r].obj);
	kube_error_clear(&f->reads[r].err);
	f->reads[r].obj = obj;
	f->reads[r].done = true;
}

void check_facts_set_error(struct check_facts *f, enum check_read r, enum kube_err_kind kind, long code,
			   const char *reason, const char *message)
{
	json_object_put(f->reads[r].obj);
	f->reads[r].obj = NULL;
	f->reads[r].done = true;
	kube_error_clear(&f->reads[r].err);
	kube_error_set(&f->reads[r].err, kind, code, reason, NULL, "%s", message ? message : "");
}

static void clear_derived(struct check_facts *f);

void check_facts_release(struct check_facts *f)
{
	for (int r = 0; r < READ_COUNT; r++) {
		json_object_put(f->reads[r].obj);
		kube_error_clear(&f->reads[r].err);
	}
	kube_error_clear(&f->access_err);
	clear_derived(f);
	strlist_clear(&f->pvc_names);
	memset(f, 0, sizeof *f);
}

/* Leading digits, bounded: atoi overflows on a server's "99999999999". */
static int version_number(const char *s)
{
	int n = 0;
	for (; *s >= '0' && *s <= '9' && n < 100000; s++)
		n = n * 10 + (*s - '0');
	return n;
}

static void derive_version(struct check_facts *f)
{
	json_object *v = check_object(f, READ_VERSION);
	const char *gv = jstr(v, "gitVersion");
	int patch = 0;
	if (!gv)
		return;
	f->git_version = xstrdup(gv);
	if (!provider_parse_version(gv, &f->major, &f->minor, &patch)) {
		f->major = version_number(jstr_or(v, "major", "0"));
		f->minor = version_number(jstr_or(v, "minor", "0")); /* "30+" reads as 30 */
	}
}

static bool is_served(const struct check_facts *f, const char *version)
{
	for (size_t i = 0; i < f->n_served; i++)
		if (strcmp(f->served[i], version) == 0)
			return true;
	return false;
}

/* Served versions from the group document; the version the classes were read
 * at is the one whose read succeeded (fetch tries v1 first). */
static void derive_snapshot_api(struct check_facts *f)
{
	json_object *g = check_object(f, READ_SNAP_GROUP);
	json_object *versions = jget(g, "versions");
	size_t n = json_object_is_type(versions, json_type_array) ? json_object_array_length(versions) : 0;
	for (size_t i = 0; i < n && f->n_served < sizeof f->served / sizeof f->served[0]; i++) {
		const char *v = jstr(json_object_array_get_idx(versions, i), "version");
		if (v)
			f->served[f->n_served++] = xstrdup(v);
	}
	const char *pref = jstr(g, "preferredVersion.version");
	f->preferred = xstrdup_or_null(pref);
	if (is_served(f, "v1"))
		f->snap_version = "v1";
	else if (is_served(f, "v1beta1"))
		f->snap_version = "v1beta1";
}

static void add_driver(struct check_facts *f, const char *name)
{
	if (name && *name && !strlist_contains(&f->drivers, name))
		strlist_push(&f->drivers, name);
}

static void derive_drivers(struct check_facts *f)
{
	json_object *items = check_items(f, READ_CSIDRIVERS, NULL);
	for (size_t i = 0; items && i < json_object_array_length(items); i++)
		add_driver(f, jstr(json_object_array_get_idx(items, i), "metadata.name"));
	items = check_items(f, READ_CSINODES, NULL);
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *ds = jget(json_object_array_get_idx(items, i), "spec.drivers");
		for (size_t k = 0; json_object_is_type(ds, json_type_array) && k < json_object_array_length(ds); k++)
			add_driver(f, jstr(json_object_array_get_idx(ds, k), "name"));
	}
}

static int derive_provider(struct check_facts *f, char **why)
{
	struct strbuf ev = STRBUF_INIT;
	if (f->provider_id && strcmp(f->provider_id, "auto") != 0) {
		f->provider = provider_find(f->provider_id);
		if (!f->provider) {
			provider_ids(&ev);
			*why = xasprintf("unknown provider \"%s\"; valid: auto, %s", f->provider_id, ev.buf);
			strbuf_release(&ev);
			return -1;
		}
		f->provider_evidence = xasprintf("--provider %s", f->provider_id);
		return 0;
	}
	struct provider_signals s = {
	    .git_version = f->git_version,
	    .major = f->major,
	    .minor = f->minor,
	    .nodes = check_items(f, READ_NODES, NULL),
	    .shoot_info = jget(check_object(f, READ_SHOOT_INFO), "data"),
	    .csi_drivers = (const char *const *)f->drivers.items,
	    .n_csi_drivers = f->drivers.n,
	    .storage_classes = check_items(f, READ_STORAGECLASSES, NULL),
	    .openshift_api = check_object(f, READ_OPENSHIFT_GROUP) != NULL,
	    .openshift_version = jstr(check_object(f, READ_OPENSHIFT_VERSION), "status.desired.version"),
	};
	f->provider = provider_detect(&s, &ev);
	f->provider_evidence = strbuf_detach(&ev);
	return 0;
}

/* So deriving again (after a test changes a read) starts clean. */
static void clear_derived(struct check_facts *f)
{
	for (size_t i = 0; i < f->n_served; i++)
		free(f->served[i]);
	f->n_served = 0;
	free(f->git_version);
	free(f->preferred);
	free(f->provider_evidence);
	f->git_version = f->preferred = f->provider_evidence = NULL;
	f->major = f->minor = 0;
	f->snap_version = NULL;
	f->provider = NULL;
	f->era = NULL;
	strlist_clear(&f->drivers);
}

int check_facts_derive(struct check_facts *f, char **why)
{
	clear_derived(f);
	derive_version(f);
	derive_snapshot_api(f);
	derive_drivers(f);
	if (derive_provider(f, why) < 0)
		return -1;
	f->era = provider_era_for(f->provider, f->major, f->minor);
	return 0;
}
