/* snapshot-crds: the VolumeSnapshot CRDs are installed and which versions are
 * served (v1; v1beta1 only is deprecated; none means nothing works). */
#include "checks/check.h"

#include <string.h>

#include "util/json.h"

static const char *const snapshot_resources[] = {"volumesnapshots", "volumesnapshotcontents", "volumesnapshotclasses"};

static bool has_resource(json_object *list, const char *name)
{
	json_object *rs = jget(list, "resources");
	for (size_t i = 0; json_object_is_type(rs, json_type_array) && i < json_object_array_length(rs); i++) {
		const char *n = jstr(json_object_array_get_idx(rs, i), "name");
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static void remedy_install(const struct check_facts *f, struct check_outcome *o)
{
	struct strbuf cmd = STRBUF_INIT;
	const struct provider_step *st = check_provider_step(f, PROVIDER_STEP_CRDS);
	if (f->era && f->era->crds_preinstalled == PROVIDER_YES)
		check_remedy(o, "%s normally installs the snapshot CRDs; check the cluster's storage add-ons",
			     f->provider->name);
	if (st)
		check_remedy(o, "%s: %s", st->title, st->command);
	check_crds_install_cmd(&cmd, f->major, f->minor, "create");
	check_remedy(o, "install the CRDs: %s", cmd.buf);
	check_remedy(o, "or follow `kubectl volsnap setup`");
	strbuf_release(&cmd);
}

/* The served version's resource list must hold all three kinds. */
static void check_resources(const struct check_facts *f, struct check_outcome *o, enum check_read r,
			    const char *version)
{
	json_object *list = check_object(f, r);
	if (!list)
		return; /* discovery said served; a failed read here is not a verdict */
	for (size_t i = 0; i < 3; i++)
		if (!has_resource(list, snapshot_resources[i])) {
			struct strbuf cmd = STRBUF_INIT;
			check_note(o, CHECK_FAIL, "%s is not served at %s: the CRD is missing", snapshot_resources[i],
				   version);
			/* Only the missing one: `create` of all three fails with AlreadyExists. */
			check_crd_install_one_cmd(&cmd, f->major, f->minor, snapshot_resources[i]);
			check_remedy(o, "install the missing CRD: %s", cmd.buf);
			strbuf_release(&cmd);
		}
}

static void run_snapshot_crds(const struct check_facts *f, struct check_outcome *o)
{
	if (!check_object(f, READ_SNAP_GROUP)) {
		if (!check_read_absent(f, READ_SNAP_GROUP)) {
			check_note(o, CHECK_SKIP, "cannot read %s: %s", check_read_name(READ_SNAP_GROUP),
				   check_read_error(f, READ_SNAP_GROUP));
			return;
		}
		check_note(o, CHECK_FAIL, "the VolumeSnapshot CRDs are not installed (%s is not served)",
			   check_read_name(READ_SNAP_GROUP));
		remedy_install(f, o);
		return;
	}
	if (!f->snap_version) {
		check_note(o, CHECK_FAIL, "snapshot.storage.k8s.io serves neither v1 nor v1beta1 (preferred: %s)",
			   f->preferred ? f->preferred : "none");
		remedy_install(f, o);
		return;
	}
	if (strcmp(f->snap_version, "v1") == 0) {
		check_resources(f, o, READ_SNAP_V1, "v1");
		bool beta = false;
		for (size_t i = 0; i < f->n_served; i++)
			beta |= strcmp(f->served[i], "v1beta1") == 0;
		if (!o->set)
			check_note(o, CHECK_PASS, "v1 served%s", beta ? " (v1beta1 too, deprecated)" : "");
		return;
	}
	check_resources(f, o, READ_SNAP_V1BETA1, "v1beta1");
	check_note(o, CHECK_WARN,
		   "only v1beta1 is served: deprecated since external-snapshotter v4.1 and no longer served from v6");
	if (f->major == 1 && f->minor >= 20) {
		struct strbuf cmd = STRBUF_INIT;
		check_crds_install_cmd(&cmd, f->major, f->minor, "replace");
		check_remedy(o, "upgrade the CRDs to a release that serves v1, then the controller: %s", cmd.buf);
		strbuf_release(&cmd);
	} else {
		check_remedy(o, "VolumeSnapshot v1 needs Kubernetes 1.20: upgrade the cluster, then the CRDs");
	}
}

const struct check check_snapshot_crds = {
    .id = "snapshot-crds",
    .title = "Snapshot CRDs",
    .needs = (const char *const[]){"server-version", NULL},
    .reads = CHECK_READ(READ_SNAP_GROUP) | CHECK_READ(READ_SNAP_V1) | CHECK_READ(READ_SNAP_V1BETA1),
    .docs = "https://github.com/kubernetes-csi/external-snapshotter#usage",
    .run = run_snapshot_crds,
};
