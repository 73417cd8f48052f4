/* storage-classes: which classes provision CSI volumes (snapshottable) and
 * which are in-tree or other non-CSI ones. Volumes of an in-tree class keep no
 * CSI source in their PV even after CSI migration, so the snapshot controller
 * refuses them ("snapshotting non-CSI volumes is not supported"). The default
 * class matters most: PVCs without storageClassName get it. */
#include "checks/check.h"

#include <string.h>

#include "util/json.h"

enum sc_kind { SC_CSI, SC_INTREE, SC_UNKNOWN };

#define SC_DEFAULT_ANNOTATION "storageclass.kubernetes.io/is-default-class"

static enum sc_kind classify(const struct check_facts *f, const char *prov)
{
	if (strlist_contains(&f->drivers, prov))
		return SC_CSI;
	if (provider_driver_for_intree(prov) || strncmp(prov, "kubernetes.io/", 14) == 0)
		return SC_INTREE;
	return SC_UNKNOWN;
}

/* "in-tree kubernetes.io/aws-ebs (migrated to ebs.csi.aws.com, but its PVs keep no CSI source)" */
static void describe_intree(struct strbuf *sb, const char *prov)
{
	const struct provider_intree *it = provider_driver_for_intree(prov);
	if (it && it->csi_driver)
		strbuf_addf(sb, "non-CSI %s (even migrated to %s, its PVs keep no CSI source)", prov, it->csi_driver);
	else
		strbuf_addf(sb, "non-CSI %s", prov);
}

static const char *first_csi_class(const struct check_facts *f, json_object *items)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *sc = json_object_array_get_idx(items, i);
		if (classify(f, jstr_or(sc, "provisioner", "")) == SC_CSI)
			return jstr(sc, "metadata.name");
	}
	return NULL;
}

static void judge_default(const struct check_facts *f, json_object *items, json_object *def, struct check_outcome *o)
{
	const char *name = jstr_or(def, "metadata.name", "");
	const char *prov = jstr_or(def, "provisioner", "");
	const char *csi = first_csi_class(f, items);
	struct strbuf why = STRBUF_INIT;

	if (classify(f, prov) == SC_CSI) {
		check_note(o, CHECK_PASS, "default class \"%s\" is CSI (%s)", name, prov);
		return;
	}
	describe_intree(&why, prov);
	check_note(o, CHECK_WARN, "default class \"%s\" is %s: PVCs that take the default cannot be snapshotted", name,
		   why.buf);
	if (csi) {
		check_remedy(o, "create PVCs with storageClassName: %s, or make it the default:", csi);
		check_remedy(o, "kubectl annotate storageclass %s %s=false --overwrite", name, SC_DEFAULT_ANNOTATION);
		check_remedy(o, "kubectl annotate storageclass %s %s=true --overwrite", csi, SC_DEFAULT_ANNOTATION);
	}
	strbuf_release(&why);
}

static void note_classes(const struct check_facts *f, json_object *items, struct check_outcome *o, int *ncsi)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *sc = json_object_array_get_idx(items, i);
		const char *name = jstr_or(sc, "metadata.name", "");
		const char *prov = jstr_or(sc, "provisioner", "");
		enum sc_kind k = classify(f, prov);
		*ncsi += k == SC_CSI;
		if (k == SC_INTREE && !check_sc_is_default(sc)) {
			struct strbuf why = STRBUF_INIT;
			describe_intree(&why, prov);
			check_note(o, CHECK_INFO, "%s is %s: its volumes cannot be snapshotted", name, why.buf);
			strbuf_release(&why);
		} else if (k == SC_UNKNOWN) {
			check_note(o, CHECK_INFO, "%s: provisioner %s is not an installed CSI driver", name, prov);
		}
	}
}

/* Several defaults: name them, keep def, the exact command for the others
 * (the same form as for VolumeSnapshotClasses). */
static void judge_defaults(json_object *items, json_object *def, int ndefault, struct check_outcome *o)
{
	struct strbuf names = STRBUF_INIT;
	const char *keep = jstr_or(def, "metadata.name", "");
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *sc = json_object_array_get_idx(items, i);
		const char *name = jstr_or(sc, "metadata.name", "");
		if (!check_sc_is_default(sc))
			continue;
		strbuf_addf(&names, "%s%s", names.len ? ", " : "", name);
		if (sc != def)
			check_remedy(
			    o, "keep \"%s\" as the default: kubectl annotate storageclass %s %s=false --overwrite",
			    keep, name, SC_DEFAULT_ANNOTATION);
	}
	check_note(o, CHECK_WARN,
		   "%d StorageClasses are marked default (%s): PVCs that name no class get the newest one (before "
		   "Kubernetes 1.26 they are refused)",
		   ndefault, names.buf);
	strbuf_release(&names);
}

static void run_storage_classes(const struct check_facts *f, struct check_outcome *o)
{
	json_object *items = check_items(f, READ_STORAGECLASSES, o);
	json_object *def = NULL;
	int ndefault = 0, ncsi = 0;

	if (!items)
		return;
	if (json_object_array_length(items) == 0) {
		check_note(o, CHECK_WARN, "no StorageClass: PVCs can only bind pre-provisioned PVs");
		check_remedy(o, "create a StorageClass for a CSI driver");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *sc = json_object_array_get_idx(items, i);
		if (!check_sc_is_default(sc))
			continue;
		/* Of several defaults, keep the CSI one (else the first). */
		if (ndefault++ == 0 || (classify(f, jstr_or(sc, "provisioner", "")) == SC_CSI &&
					classify(f, jstr_or(def, "provisioner", "")) != SC_CSI))
			def = sc;
	}
	if (def)
		judge_default(f, items, def, o);
	note_classes(f, items, o, &ncsi);
	if (ncsi == 0) {
		check_note(o, CHECK_FAIL, "no StorageClass provisions CSI volumes");
		check_remedy(o, "create a StorageClass whose provisioner is a CSI driver (%s)",
			     f->drivers.n ? f->drivers.items[0] : "install one first");
	} else if (!def) {
		check_note(o, CHECK_INFO, "no default StorageClass: PVCs must name a class");
	}
	if (ndefault > 1)
		judge_defaults(items, def, ndefault, o);
	if (!o->set || o->result == CHECK_INFO)
		check_note(o, CHECK_PASS, "%d CSI StorageClass%s", ncsi, ncsi == 1 ? "" : "es");
}

const struct check check_storage_classes = {
    .id = "storage-classes",
    .title = "StorageClasses",
    .needs = (const char *const[]){"csi-drivers", NULL},
    .reads = CHECK_READ(READ_STORAGECLASSES),
    .docs = "https://kubernetes.io/docs/concepts/storage/storage-classes/",
    .run = run_storage_classes,
};
