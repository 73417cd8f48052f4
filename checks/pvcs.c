/* pvcs: the claims in scope (-n NS, -A, --pvc) that a snapshot would be taken
 * of. An unbound claim fails the snapshot (the source document's
 * troubleshooting); a PV without a CSI source (in-tree, even migrated) can
 * never be snapshotted; a driver without a VolumeSnapshotClass neither. */
#include "checks/check.h"

#include <string.h>

#include "util/json.h"

#define MAX_LISTED 5 /* per finding kind, so a big namespace stays one line */

struct pvc_scan {
	enum check_result bad; /* warn, or fail when the user named the PVCs */
	int ok, listed[4];
	int more[4];
};
/* Finding kinds, for room() and the "and N more" lines. */
enum { K_UNBOUND, K_NO_CSI, K_NO_CLASS, K_BLOCKED };

static json_object *find_by_name(json_object *items, const char *name)
{
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *o = json_object_array_get_idx(items, i);
		if (strcmp(jstr_or(o, "metadata.name", ""), name) == 0)
			return o;
	}
	return NULL;
}

static bool driver_has_class(const struct check_facts *f, const char *driver)
{
	json_object *cls = check_items(f, READ_VSCLASSES, NULL);
	if (!cls)
		return true; /* unknown: snapshot-classes reports it */
	for (size_t i = 0; i < json_object_array_length(cls); i++)
		if (strcmp(jstr_or(json_object_array_get_idx(cls, i), "driver", ""), driver) == 0)
			return true;
	return false;
}

static const char *annotation(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(jget(obj, "metadata.annotations"), key, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Why a PV is not CSI, from the annotations migration leaves behind. */
static void describe_source(json_object *pv, struct strbuf *sb)
{
	const char *by = annotation(pv, "pv.kubernetes.io/provisioned-by");
	const char *to = annotation(pv, "pv.kubernetes.io/migrated-to");
	if (!pv)
		strbuf_addstr(sb, "PV not found");
	else if (by && to)
		strbuf_addf(sb, "provisioned by in-tree %s, migrated to %s", by, to);
	else if (by)
		strbuf_addf(sb, "provisioned by %s", by);
	else
		strbuf_addstr(sb, "in-tree or static volume");
}

/* Notes at most MAX_LISTED findings of one kind; counts the rest. */
static bool room(struct pvc_scan *s, int kind)
{
	if (s->listed[kind] < MAX_LISTED) {
		s->listed[kind]++;
		return true;
	}
	s->more[kind]++;
	return false;
}

static void judge_bound(const struct check_facts *f, json_object *pvc, json_object *pvs, struct check_outcome *o,
			struct pvc_scan *s)
{
	const char *ns = jstr_or(pvc, "metadata.namespace", "");
	const char *name = jstr_or(pvc, "metadata.name", "");
	const char *vol = jstr_or(pvc, "spec.volumeName", "");
	json_object *pv = find_by_name(pvs, vol);
	const char *driver = jstr(pv, "spec.csi.driver");

	if (pv && !driver) {
		struct strbuf why = STRBUF_INIT;
		describe_source(pv, &why);
		if (room(s, K_NO_CSI))
			check_note(o, s->bad, "%s/%s: PV %s has no CSI source (%s): it cannot be snapshotted", ns, name,
				   vol, why.buf);
		check_remedy(o, "move the data to a PVC of a CSI StorageClass (snapshots need spec.csi in the PV)");
		strbuf_release(&why);
		return;
	}
	const struct provider_issue *blocked = driver ? check_driver_blocked(f, driver) : NULL;
	if (blocked) {
		if (room(s, K_BLOCKED))
			check_note(o, s->bad, "%s/%s: %s volumes cannot be snapshotted on %s (%s)", ns, name, driver,
				   f->git_version, blocked->id);
		check_remedy(o, "see the provider-issues check");
		return;
	}
	if (driver && !driver_has_class(f, driver)) {
		if (room(s, K_NO_CLASS))
			check_note(o, s->bad, "%s/%s: driver %s has no VolumeSnapshotClass", ns, name, driver);
		check_remedy(o, "create a VolumeSnapshotClass for %s (see the snapshot-classes check)", driver);
		return;
	}
	s->ok++;
}

static void judge_pvc(const struct check_facts *f, json_object *pvc, json_object *pvs, struct check_outcome *o,
		      struct pvc_scan *s)
{
	const char *phase = jstr_or(pvc, "status.phase", "Pending");
	const char *ns = jstr_or(pvc, "metadata.namespace", "");
	const char *name = jstr_or(pvc, "metadata.name", "");

	if (strcmp(phase, "Bound") != 0) {
		if (room(s, K_UNBOUND))
			check_note(o, s->bad, "%s/%s is %s, not bound: a snapshot of it fails until it is bound", ns,
				   name, phase);
		check_remedy(o,
			     "wait until the PVC is Bound (kubectl get pvc -n %s -w) before taking a snapshot; do not "
			     "create a VolumeSnapshot in the same apply as its PVC",
			     ns);
		return;
	}
	judge_bound(f, pvc, pvs, o, s);
}

/* --pvc names that are not in scope are failures: the user asked about them. */
static void missing_named(const struct check_facts *f, json_object *items, struct check_outcome *o)
{
	for (size_t i = 0; i < f->pvc_names.n; i++)
		if (!find_by_name(items, f->pvc_names.items[i]))
			check_note(o, CHECK_FAIL, "PVC %s not found in %s", f->pvc_names.items[i],
				   f->namespace ? f->namespace : "any namespace");
}

static void summarise(const struct check_facts *f, struct check_outcome *o, const struct pvc_scan *s, int total,
		      const json_object *pvs)
{
	static const char *const what[] = {"unbound", "without CSI source", "without class", "on a blocked driver"};
	for (int k = 0; k < 4; k++)
		if (s->more[k])
			check_note(o, s->bad, "and %d more %s", s->more[k], what[k]);
	struct strbuf why = STRBUF_INIT;
	enum check_result blocker = check_cluster_blocker(f, &why);
	if (total == 0 && f->pvc_names.n == 0)
		check_note(o, CHECK_INFO, "no PVCs in %s", f->namespace ? f->namespace : "any namespace");
	else if (s->ok && blocker == CHECK_FAIL)
		/* What the PVC itself allows means nothing while the cluster cannot snapshot at all. */
		check_note(o, s->bad, "none of the %d PVC%s can be snapshotted here: %s", total, total == 1 ? "" : "s",
			   why.buf);
	else if (s->ok && blocker == CHECK_WARN)
		check_note(o, CHECK_WARN, "%d of %d PVC%s can be snapshotted only if a snapshot controller runs: %s",
			   s->ok, total, total == 1 ? "" : "s", why.buf);
	else if (s->ok)
		check_note(o, CHECK_PASS, "%d of %d PVC%s can be snapshotted", s->ok, total, total == 1 ? "" : "s");
	strbuf_release(&why);
	if (!pvs && total)
		check_note(o, CHECK_INFO, "PV CSI sources not checked (cannot read persistentvolumes: %s)",
			   check_read_error(f, READ_PVS));
}

static void run_pvcs(const struct check_facts *f, struct check_outcome *o)
{
	json_object *items = check_items(f, READ_PVCS, o);
	json_object *pvs = check_items(f, READ_PVS, NULL);
	struct pvc_scan s = {.bad = f->pvc_names.n ? CHECK_FAIL : CHECK_WARN};
	int total = 0;

	if (!items)
		return;
	missing_named(f, items, o);
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		json_object *pvc = json_object_array_get_idx(items, i);
		if (f->pvc_names.n && !strlist_contains(&f->pvc_names, jstr_or(pvc, "metadata.name", "")))
			continue;
		total++;
		judge_pvc(f, pvc, pvs, o, &s);
	}
	summarise(f, o, &s, total, pvs);
}

const struct check check_pvcs = {
    .id = "pvcs",
    .title = "PersistentVolumeClaims",
    .needs = (const char *const[]){"csi-drivers", NULL},
    .reads = CHECK_READ(READ_PVCS) | CHECK_READ(READ_PVS) | CHECK_READ(READ_VSCLASSES) | CHECK_READS_PROVIDER,
    .docs = "https://kubernetes.io/docs/concepts/storage/volume-snapshots/#provisioning-volume-snapshot",
    .run = run_pvcs,
};
