/* The built-in resources the commands read, and their API paths (§1.1). */
#include <string.h>

#include "kube/kube.h"
#include "util/strbuf.h"

const struct kube_resource KUBE_NAMESPACES = {"", "v1", "namespaces", "Namespace", false};
const struct kube_resource KUBE_NODES = {"", "v1", "nodes", "Node", false};
const struct kube_resource KUBE_PVS = {"", "v1", "persistentvolumes", "PersistentVolume", false};
const struct kube_resource KUBE_PVCS = {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true};
const struct kube_resource KUBE_EVENTS = {"", "v1", "events", "Event", true};
const struct kube_resource KUBE_PODS = {"", "v1", "pods", "Pod", true};
const struct kube_resource KUBE_CONFIGMAPS = {"", "v1", "configmaps", "ConfigMap", true};
const struct kube_resource KUBE_SERVICEACCOUNTS = {"", "v1", "serviceaccounts", "ServiceAccount", true};
const struct kube_resource KUBE_STORAGECLASSES = {"storage.k8s.io", "v1", "storageclasses", "StorageClass", false};
const struct kube_resource KUBE_CSIDRIVERS = {"storage.k8s.io", "v1", "csidrivers", "CSIDriver", false};
const struct kube_resource KUBE_CSINODES = {"storage.k8s.io", "v1", "csinodes", "CSINode", false};
const struct kube_resource KUBE_DEPLOYMENTS = {"apps", "v1", "deployments", "Deployment", true};
const struct kube_resource KUBE_CRONJOBS = {"batch", "v1", "cronjobs", "CronJob", true};
const struct kube_resource KUBE_ROLES = {"rbac.authorization.k8s.io", "v1", "roles", "Role", true};
const struct kube_resource KUBE_ROLEBINDINGS = {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true};
const struct kube_resource KUBE_CRDS = {"apiextensions.k8s.io", "v1", "customresourcedefinitions",
					"CustomResourceDefinition", false};

/* One path segment, escaped so a name can never add segments or a query. */
static void add_segment(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '/');
	strbuf_add_urlencoded(sb, s);
}

char *kube_path(const struct kube_resource *r, const char *ns, const char *name, const char *subresource)
{
	struct strbuf sb = STRBUF_INIT;

	if (!r->group || !*r->group) {
		strbuf_addstr(&sb, "/api");
	} else {
		strbuf_addstr(&sb, "/apis");
		add_segment(&sb, r->group);
	}
	add_segment(&sb, r->version);
	if (r->namespaced && ns) {
		add_segment(&sb, "namespaces");
		add_segment(&sb, ns);
	}
	add_segment(&sb, r->plural);
	if (name) {
		add_segment(&sb, name);
		if (subresource)
			add_segment(&sb, subresource);
	}
	return strbuf_detach(&sb);
}
