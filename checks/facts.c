/* The facts checks run over: raw reads plus what is derived once from them
 * (version, served snapshot versions, installed drivers, the provider). */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SNAP "snapshot.storage.k8s.io"
#define RBAC "rbac.authorization.k8s.io"

/* The rights doctor asks about, each once. */
enum {
	R_CREATE_VS,
	R_GET_VS,
	R_WATCH_VS,
	R_LIST_VS,
	R_DELETE_VS,
	R_GET_VSCONTENT,
	R_LIST_VSCLASS,
	R_GET_PVC,
	R_CREATE_PVC,
	R_LIST_PVC,
	R_CREATE_CRONJOB,
	R_CREATE_SA,
	R_CREATE_ROLE,
	R_CREATE_ROLEBINDING,
	R_COUNT,
};
const struct check_access check_access_table[] = {
    [R_CREATE_VS] = {.verb = "create", .group = SNAP, .resource = "volumesnapshots"},
    [R_GET_VS] = {.verb = "get", .group = SNAP, .resource = "volumesnapshots"},
    [R_WATCH_VS] = {.verb = "watch", .group = SNAP, .resource = "volumesnapshots"},
    [R_LIST_VS] = {.verb = "list", .group = SNAP, .resource = "volumesnapshots"},
    [R_DELETE_VS] = {.verb = "delete", .group = SNAP, .resource = "volumesnapshots"},
    [R_GET_VSCONTENT] = {.verb = "get", .group = SNAP, .resource = "volumesnapshotcontents", .cluster_scoped = true},
    [R_LIST_VSCLASS] = {.verb = "list", .group = SNAP, .resource = "volumesnapshotclasses", .cluster_scoped = true},
    [R_GET_PVC] = {.verb = "get", .group = "", .resource = "persistentvolumeclaims"},
    [R_CREATE_PVC] = {.verb = "create", .group = "", .resource = "persistentvolumeclaims"},
    [R_LIST_PVC] = {.verb = "list", .group = "", .resource = "persistentvolumeclaims"},
    [R_CREATE_CRONJOB] = {.verb = "create", .group = "batch", .resource = "cronjobs"},
    [R_CREATE_SA] = {.verb = "create", .group = "", .resource = "serviceaccounts"},
    [R_CREATE_ROLE] = {.verb = "create", .group = RBAC, .resource = "roles"},
    [R_CREATE_ROLEBINDING] = {.verb = "create", .group = RBAC, .resource = "rolebindings"},
};
const size_t check_access_count = R_COUNT;

/* What each shipped command asks the API server for (plugin/cmd_*.c). Only
 * take is essential: without it no snapshot can be made. */
const struct check_command_rights check_command_rights_table[] = {
    {.command = "take",
     .essential = true,
     .rights = {R_CREATE_VS, R_GET_VS, R_WATCH_VS, R_LIST_VSCLASS, R_GET_PVC, -1}},
    {.command = "list", .rights = {R_LIST_VS, -1}},
    {.command = "describe", .rights = {R_GET_VS, R_GET_VSCONTENT, -1}},
    {.command = "restore", .rights = {R_GET_VS, R_GET_VSCONTENT, R_GET_PVC, R_CREATE_PVC, -1}},
    {.command = "delete", .rights = {R_GET_VS, R_DELETE_VS, R_LIST_PVC, -1}},
    {.command = "prune", .rights = {R_LIST_VS, R_DELETE_VS, R_LIST_PVC, -1}},
    /* The Kyma guide's CronJob needs a ServiceAccount, Role and RoleBinding besides it. */
    {.command = "schedule create", .rights = {R_CREATE_CRONJOB, R_CREATE_SA, R_CREATE_ROLE, R_CREATE_ROLEBINDING, -1}},
};
const size_t check_command_rights_count = sizeof check_command_rights_table / sizeof check_command_rights_table[0];

bool check_access_needed_by(size_t i, struct strbuf *sb)
{
	bool essential = false;
	for (size_t c = 0; c < check_command_rights_count; c++) {
		const struct check_command_rights *cr = &check_command_rights_table[c];
		for (size_t k = 0; k < CHECK_RIGHTS_MAX && cr->rights[k] >= 0; k++)
			if ((size_t)cr->rights[k] == i) {
				strbuf_addf(sb, "%s%s", sb->len ? ", " : "", cr->command);
				essential |= cr->essential;
				break;
			}
	}
	return essential;
}

void check_facts_init(struct check_facts *f, const char *ns, const char *provider_id)
{
	memset(f, 0, sizeof *f);
	f->namespace = ns;
	f->provider_id = provider_id;
	f->now = (int64_t)time(NULL);
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

/* A ready controller workload, else a held leader lease (the controller may
 * run outside the cluster, as Gardener's does in the seed). */
static void derive_controller(struct check_facts *f)
{
	static const enum check_read workloads[] = {READ_DEPLOYMENTS, READ_STATEFULSETS};
	bool all_read = true;
	for (size_t k = 0; k < 2; k++) {
		json_object *items = check_items(f, workloads[k], NULL);
		all_read &= items != NULL;
		for (size_t i = 0; items && i < json_object_array_length(items); i++) {
			json_object *w = json_object_array_get_idx(items, i);
			int64_t ready = 0;
			jint64(w, "status.readyReplicas", &ready);
			if (check_is_controller_workload(w) && ready > 0) {
				f->controller_seen = CHECK_SEEN_YES;
				f->controller_how =
				    xasprintf("%s %s/%s is ready", k ? "StatefulSet" : "Deployment",
					      jstr_or(w, "metadata.namespace", ""), jstr_or(w, "metadata.name", ""));
				return;
			}
		}
	}
	if (check_object(f, READ_CONTROLLER_LEASE)) {
		f->controller_seen = CHECK_SEEN_YES;
		f->controller_how = xstrdup("its leader lease kube-system/snapshot-controller-leader is held");
	} else if (all_read && check_read_absent(f, READ_CONTROLLER_LEASE)) {
		f->controller_seen = CHECK_SEEN_NO;
		f->controller_how = xstrdup("no ready snapshot controller workload and no leader lease");
	} else {
		enum check_read r = !f->reads[READ_DEPLOYMENTS].obj ? READ_DEPLOYMENTS : READ_CONTROLLER_LEASE;
		f->controller_how = xasprintf("cannot read %s: %s", check_read_name(r), check_read_error(f, r));
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
	free(f->controller_how);
	f->git_version = f->preferred = f->provider_evidence = f->controller_how = NULL;
	f->controller_seen = CHECK_SEEN_UNKNOWN;
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
	derive_controller(f);
	if (derive_provider(f, why) < 0)
		return -1;
	f->era = provider_era_for(f->provider, f->major, f->minor);
	return 0;
}
