/* snapshot-classes: every CSI driver that takes snapshots needs a
 * VolumeSnapshotClass, and exactly one default so snapshots that name no class
 * work (the controller fails with "cannot find default snapshot class" or
 * "2 default snapshot classes were found" otherwise). */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"

struct per_driver {
	int nclasses, ndefault;
	const char *first, *def, *policy;
	const char *defaults[8]; /* the classes annotated default, in list order */
};

static void tally(json_object *classes, const char *driver, struct per_driver *pd)
{
	*pd = (struct per_driver){0};
	for (size_t i = 0; i < json_object_array_length(classes); i++) {
		json_object *c = json_object_array_get_idx(classes, i);
		if (strcmp(jstr_or(c, "driver", ""), driver) != 0)
			continue;
		if (pd->nclasses++ == 0)
			pd->first = jstr_or(c, "metadata.name", "");
		if (!check_class_is_default(c))
			continue;
		if (pd->ndefault < 8)
			pd->defaults[pd->ndefault] = jstr_or(c, "metadata.name", "");
		if (pd->ndefault++ == 0) {
			pd->def = jstr_or(c, "metadata.name", "");
			pd->policy = jstr_or(c, "deletionPolicy", "?");
		}
	}
}

/* The driver of the default StorageClass: missing classes there fail. */
static const char *default_sc_driver(const struct check_facts *f)
{
	json_object *scs = check_items(f, READ_STORAGECLASSES, NULL);
	for (size_t i = 0; scs && i < json_object_array_length(scs); i++) {
		json_object *sc = json_object_array_get_idx(scs, i);
		if (check_sc_is_default(sc))
			return jstr(sc, "provisioner");
	}
	return NULL;
}

static void remedy_create(const struct check_facts *f, struct check_outcome *o, const char *driver, bool is_default)
{
	struct strbuf missing = STRBUF_INIT;
	json_object *cls = check_proposed_class(f, driver, is_default, &missing);
	const char *json = json_object_to_json_string_ext(cls, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (missing.len)
		check_remedy(o, "create one after filling in %s: echo '%s' | kubectl create -f -", missing.buf, json);
	else
		check_remedy(o, "create one: kubectl volsnap setup --apply, or: echo '%s' | kubectl create -f -", json);
	strbuf_release(&missing);
	json_object_put(cls);
}

/* Several defaults: name them all, keep the provider's managed one (else the
 * first), and give the exact command for each of the others. Snapshots that
 * name no class fail until then ("2 default snapshot classes were found"). */
static void judge_defaults(const struct check_facts *f, const struct per_driver *pd, const char *d, bool critical,
			   struct check_outcome *o)
{
	struct strbuf names = STRBUF_INIT;
	const char *managed = f->era ? f->era->default_snapshot_class : NULL;
	size_t n = pd->ndefault < 8 ? (size_t)pd->ndefault : 8, keep = 0;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&names, "%s%s", i ? ", " : "", pd->defaults[i]);
		if (managed && strcmp(pd->defaults[i], managed) == 0)
			keep = i;
	}
	check_note(o, critical ? CHECK_FAIL : CHECK_WARN,
		   "%s has %d default classes (%s): snapshots that name no class fail until only one is default", d,
		   pd->ndefault, names.buf);
	for (size_t i = 0; i < n; i++)
		if (i != keep)
			check_remedy(
			    o,
			    "keep \"%s\" as the default: kubectl annotate volumesnapshotclass %s %s=false --overwrite",
			    pd->defaults[keep], pd->defaults[i], "snapshot.storage.kubernetes.io/is-default-class");
	strbuf_release(&names);
}

static void judge_driver(const struct check_facts *f, json_object *classes, const char *d, bool critical,
			 struct check_outcome *o)
{
	struct per_driver pd;
	tally(classes, d, &pd);
	if (pd.nclasses == 0) {
		check_note(o, critical ? CHECK_FAIL : CHECK_WARN,
			   "%s has no VolumeSnapshotClass: its volumes cannot be "
			   "snapshotted",
			   d);
		remedy_create(f, o, d, true);
	} else if (pd.ndefault == 0) {
		check_note(o, CHECK_WARN, "%s has %d class%s (%s%s) but no default: snapshots must name a class", d,
			   pd.nclasses, pd.nclasses == 1 ? "" : "es", pd.first, pd.nclasses > 1 ? ", ..." : "");
		check_remedy(o, "kubectl annotate volumesnapshotclass %s %s=true", pd.first,
			     "snapshot.storage.kubernetes.io/is-default-class");
	} else if (pd.ndefault > 1) {
		judge_defaults(f, &pd, d, critical, o);
	} else {
		check_note(o, CHECK_PASS, "%s: default class \"%s\" (deletionPolicy %s)", d, pd.def, pd.policy);
		if (strcmp(pd.policy, "Retain") == 0)
			check_note(o, CHECK_INFO,
				   "%s: Retain keeps the storage snapshot when the VolumeSnapshot is deleted", pd.def);
	}
}

static void orphans(const struct check_facts *f, json_object *classes, struct check_outcome *o)
{
	for (size_t i = 0; i < json_object_array_length(classes); i++) {
		json_object *c = json_object_array_get_idx(classes, i);
		const char *d = jstr_or(c, "driver", "");
		if (!strlist_contains(&f->drivers, d)) {
			check_note(o, CHECK_WARN, "class %s: driver %s is not installed",
				   jstr_or(c, "metadata.name", ""), d);
			check_remedy(o, "delete the class or install its driver");
		}
	}
}

static void run_snapshot_classes(const struct check_facts *f, struct check_outcome *o)
{
	json_object *classes = check_items(f, READ_VSCLASSES, o);
	const char *critical = default_sc_driver(f);
	int judged = 0;

	if (!classes)
		return;
	for (size_t i = 0; i < f->drivers.n; i++) {
		const char *d = f->drivers.items[i];
		if (!check_driver_snapshots(d))
			continue;
		/* Without a CSI default StorageClass, every driver is the one that matters. */
		bool crit = !critical || !strlist_contains(&f->drivers, critical) || strcmp(critical, d) == 0;
		judge_driver(f, classes, d, crit, o);
		judged++;
	}
	orphans(f, classes, o);
	if (!judged && !o->set)
		check_note(o, CHECK_INFO, "no snapshot-capable CSI driver to check");
}

const struct check check_snapshot_classes = {
    .id = "snapshot-classes",
    .title = "VolumeSnapshotClasses",
    .needs = (const char *const[]){"snapshot-crds", "csi-drivers", NULL},
    .reads = CHECK_READ(READ_VSCLASSES) | CHECK_READ(READ_STORAGECLASSES),
    .docs = "https://kubernetes.io/docs/concepts/storage/volume-snapshot-classes/",
    .run = run_snapshot_classes,
};
