/* Prints a completion plan's candidates, looking up names in the kubeconfig or
 * the cluster. A completion must never hang a shell or print an error into
 * it: every lookup is one try with a short timeout, and a failure gives no
 * candidates. */
#include <stdlib.h>
#include <string.h>

#include "complete.h"
#include "kube/kube.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"
#include "util/yaml.h"

struct names {
	const char *match;
	struct strlist found;
};

static void add_name(struct names *n, const char *name)
{
	if (name && !strncmp(name, n->match, strlen(n->match)) && !strlist_contains(&n->found, name))
		strlist_push(&n->found, name);
}

static int on_item(json_object *item, void *ud)
{
	add_name(ud, jstr(item, "metadata.name"));
	return 0;
}

/* ---- kubeconfig: contexts, clusters, users -------------------------------- */

static void kubeconfig_names(const char *path, const char *section, struct names *n)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t got;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_add(&sb, buf, got);
	fclose(f);
	json_object *doc = NULL;
	char *errmsg = NULL;
	if (yaml_to_json(sb.buf ? sb.buf : "", sb.len, &doc, &errmsg) == 0) {
		json_object *list = jget(doc, section);
		for (size_t i = 0;
		     list && json_object_is_type(list, json_type_array) && i < json_object_array_length(list); i++)
			add_name(n, jstr(json_object_array_get_idx(list, i), "name"));
	}
	json_object_put(doc);
	free(errmsg);
	strbuf_release(&sb);
}

/* The files kubectl would read: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
static void kubeconfig_lookup(const struct complete_globals *g, const char *section, struct names *n)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	if (g->kubeconfig) {
		kubeconfig_names(g->kubeconfig, section, n);
	} else if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;
		for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
			kubeconfig_names(p, section, n);
		free(copy);
	} else if (home && *home) {
		char *path = xasprintf("%s/.kube/config", home);
		kubeconfig_names(path, section, n);
		free(path);
	}
}

/* ---- the cluster ----------------------------------------------------------- */

static void cluster_lookup(const struct complete_plan *p, long timeout_ms, struct names *n)
{
	const struct complete_globals *g = &p->g;
	struct kube_config_overrides ov = {
	    .kubeconfig = g->kubeconfig,
	    .context = g->context,
	    .cluster = g->cluster,
	    .user = g->user,
	    .namespace = g->namespace,
	    .server = g->server,
	    .token = g->token,
	    .certificate_authority = g->certificate_authority,
	    .insecure_skip_tls_verify = g->insecure_skip_tls_verify,
	};
	/* One try each: max_retries < 0 turns retries off. */
	struct kube_client_options opts = {
	    .request_timeout_ms = timeout_ms, .connect_timeout_ms = timeout_ms, .max_retries = -1};
	struct kube_config *cfg = NULL;
	struct kube_client *c = NULL;
	struct kube_error err = {0};
	struct snap_api api = {0};
	char *path = NULL;
	if (kube_config_load(&ov, &cfg, &err) < 0 || kube_client_new(cfg, &opts, &c, &err) < 0)
		goto out;
	const char *ns = g->namespace ? g->namespace : cfg->namespace;
	switch (p->source) {
	case COMPLETE_NAMESPACES:
		path = kube_path(&KUBE_NAMESPACES, NULL, NULL, NULL);
		break;
	case COMPLETE_PVCS:
		path = kube_path(&KUBE_PVCS, ns, NULL, NULL);
		break;
	case COMPLETE_STORAGE_CLASSES:
		path = kube_path(&KUBE_STORAGECLASSES, NULL, NULL, NULL);
		break;
	case COMPLETE_SNAPSHOTS:
	case COMPLETE_SNAPSHOT_CLASSES:
		if (snap_api_discover(c, &api, &err) < 0)
			goto out;
		path = p->source == COMPLETE_SNAPSHOTS ? kube_path(&api.snapshots, ns, NULL, NULL)
						       : kube_path(&api.classes, NULL, NULL, NULL);
		break;
	default:
		goto out;
	}
	if (kube_list_each(c, path, NULL, on_item, n, NULL, &err) < 0)
		strlist_clear(&n->found);
out:
	free(path);
	snap_api_clear(&api);
	kube_error_clear(&err);
	kube_client_free(c);
	kube_config_free(cfg);
}

void complete_run(const struct complete_plan *p, long timeout_ms, FILE *out)
{
	struct names n = {.match = p->match, .found = STRLIST_INIT};
	switch (p->source) {
	case COMPLETE_WORDS:
	case COMPLETE_FILES:
		break;
	case COMPLETE_CONTEXTS:
		kubeconfig_lookup(&p->g, "contexts", &n);
		break;
	case COMPLETE_CLUSTERS:
		kubeconfig_lookup(&p->g, "clusters", &n);
		break;
	case COMPLETE_USERS:
		kubeconfig_lookup(&p->g, "users", &n);
		break;
	default:
		cluster_lookup(p, timeout_ms, &n);
		break;
	}
	for (size_t i = 0; i < p->words.n; i++)
		fprintf(out, "%s\n", p->words.items[i]);
	for (size_t i = 0; i < n.found.n; i++)
		fprintf(out, "%s\n", n.found.items[i]);
	fprintf(out, ":%u\n", p->directive);
	strlist_clear(&n.found);
}
