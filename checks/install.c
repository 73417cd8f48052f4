/* Remediation helpers shared by doctor's checks and setup: the upstream
 * install commands at a release tag chosen for the server's version, and the
 * VolumeSnapshotClass the plugin proposes for a driver that has none. */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

#define EXT_SNAP "https://github.com/kubernetes-csi/external-snapshotter"

/* external-snapshotter releases by the Kubernetes versions they support
 * (facts/providers.md §3.2): v8.x needs 1.25+, v6.x 1.20+ and serves only v1;
 * before 1.20 only v1beta1 exists (v3.0.0). The same tags as providers/'
 * upstream steps, as one-line remote-kustomize commands. */
static const struct {
	struct provider_kver from;
	const char *tag;
} snapshotter_tags[] = {
    {.from = {1, 25}, .tag = "v8.6.0"},
    {.from = {1, 20}, .tag = "v6.3.0"},
    {.from = {1, 17}, .tag = "v3.0.0"},
};

const char *check_snapshotter_tag(int major, int minor)
{
	struct provider_kver v = {major, minor};
	for (size_t i = 0; i < sizeof snapshotter_tags / sizeof snapshotter_tags[0]; i++)
		if (provider_kver_cmp(v, snapshotter_tags[i].from) >= 0)
			return snapshotter_tags[i].tag;
	/* Unknown (0.0) or older: the current release is the useful advice. */
	return major == 0 ? snapshotter_tags[0].tag : snapshotter_tags[2].tag;
}

void check_crds_install_cmd(struct strbuf *sb, int major, int minor, const char *verb)
{
	strbuf_addf(sb, "kubectl kustomize '" EXT_SNAP "/client/config/crd?ref=%s' | kubectl %s -f -",
		    check_snapshotter_tag(major, minor), verb);
}

void check_crd_install_one_cmd(struct strbuf *sb, int major, int minor, const char *resource)
{
	strbuf_addf(sb,
		    "kubectl apply -f https://raw.githubusercontent.com/kubernetes-csi/external-snapshotter/%s/client/"
		    "config/crd/" SNAP_GROUP "_%s.yaml",
		    check_snapshotter_tag(major, minor), resource);
}

void check_controller_install_cmd(struct strbuf *sb, int major, int minor)
{
	strbuf_addf(sb,
		    "kubectl -n kube-system kustomize '" EXT_SNAP
		    "/deploy/kubernetes/snapshot-controller?ref=%s' | kubectl create -f -",
		    check_snapshotter_tag(major, minor));
}

char *check_proposed_class_name(const char *driver)
{
	const struct provider_snapclass *c = provider_snapclass_for(driver);
	if (c)
		return xstrdup(c->name);
	/* No documented name: the whole driver name, so two drivers never share
	 * one (rbd and cephfs of one Ceph would with a first-label name). */
	char *name = xasprintf("%.53s-snapclass", driver);
	for (char *p = name; *p; p++)
		if (*p == '.' || *p == '_')
			*p = '-';
	return name;
}

/* The value of StorageClass parameter key in a class of driver, or NULL. */
static const char *sc_parameter(const struct check_facts *f, const char *driver, const char *key)
{
	json_object *scs = check_items(f, READ_STORAGECLASSES, NULL);
	for (size_t i = 0; scs && i < json_object_array_length(scs); i++) {
		json_object *sc = json_object_array_get_idx(scs, i), *params = NULL, *v = NULL;
		if (strcmp(jstr_or(sc, "provisioner", ""), driver) != 0 ||
		    !json_object_object_get_ex(sc, "parameters", &params) ||
		    !json_object_object_get_ex(params, key, &v) || !json_object_is_type(v, json_type_string))
			continue;
		return json_object_get_string(v);
	}
	return NULL;
}

json_object *check_proposed_class(const struct check_facts *f, const char *driver, bool is_default,
				  struct strbuf *missing)
{
	const struct provider_snapclass *pc = provider_snapclass_for(driver);
	json_object *c = json_object_new_object();
	json_object *params = json_object_new_object();
	char *name = check_proposed_class_name(driver);
	char *av = xasprintf(SNAP_GROUP "/%s", f->snap_version ? f->snap_version : "v1");
	json_object_object_add(c, "apiVersion", json_object_new_string(av));
	json_object_object_add(c, "kind", json_object_new_string("VolumeSnapshotClass"));
	jset(c, "metadata.name", json_object_new_string(name));
	if (is_default) {
		json_object *ann = json_object_new_object();
		json_object_object_add(ann, SNAP_ANNOTATION_DEFAULT_CLASS, json_object_new_string("true"));
		jset(c, "metadata.annotations", ann);
	}
	json_object_object_add(c, "driver", json_object_new_string(driver));
	json_object_object_add(c, "deletionPolicy", json_object_new_string("Delete"));
	for (size_t i = 0; pc && i < sizeof pc->params / sizeof pc->params[0] && pc->params[i].key; i++) {
		const struct provider_class_param *p = &pc->params[i];
		const char *v = p->value ? p->value : sc_parameter(f, driver, p->from_sc);
		char *fill = NULL;
		if (!v) {
			fill = xasprintf("<%s>", p->key);
			strbuf_addf(missing, "%s%s (%s)", missing->len ? ", " : "", p->key, p->hint);
		}
		json_object_object_add(params, p->key, json_object_new_string(v ? v : fill));
		free(fill);
	}
	if (missing->len)
		strbuf_addf(missing, "; no StorageClass of %s carries them", driver);
	if (json_object_object_length(params))
		json_object_object_add(c, "parameters", params);
	else
		json_object_put(params);
	free(name);
	free(av);
	return c;
}

static bool annotation_true(json_object *obj, const char *key)
{
	json_object *ann = jget(obj, "metadata.annotations");
	json_object *v = NULL;
	return json_object_is_type(ann, json_type_object) && json_object_object_get_ex(ann, key, &v) &&
	       json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), "true") == 0;
}

bool check_class_is_default(json_object *cls)
{
	return annotation_true(cls, SNAP_ANNOTATION_DEFAULT_CLASS);
}

bool check_sc_is_default(json_object *sc)
{
	return annotation_true(sc, "storageclass.kubernetes.io/is-default-class") ||
	       annotation_true(sc, "storageclass.beta.kubernetes.io/is-default-class");
}

bool check_driver_snapshots(const char *driver)
{
	return provider_is_known_snapshot_driver(driver) != PROVIDER_NO;
}

const struct provider_step *check_provider_step(const struct check_facts *f, unsigned kinds)
{
	if (!f->provider || f->provider == provider_generic())
		return NULL;
	return provider_era_step(f->era, kinds);
}
