/* snapshot-controller: a controller must run for any VolumeSnapshot to become
 * ready. It is looked for as a workload in any namespace, then as its leader
 * Lease (held in the cluster even when the controller runs elsewhere), then by
 * what the provider says: Gardener and GKE run it outside the cluster, so its
 * absence there is not a failure. */
#include "checks/check.h"

#include <string.h>

#include "util/json.h"

/* Names used upstream and by distributions (facts/providers.md §3.3):
 * snapshot-controller, csi-snapshot-controller, volume-snapshot-controller. */
bool check_is_controller_workload(json_object *w)
{
	const char *name = jstr_or(w, "metadata.name", "");
	if (!strstr(name, "snapshot-controller"))
		return false;
	/* OpenShift's operator and the webhooks are not the controller. */
	return !strstr(name, "operator") && !strstr(name, "webhook") && !strstr(name, "validation");
}

struct found {
	int n;
	const char *kind, *ns, *name;
	int64_t ready, want;
};

static void scan(json_object *items, const char *kind, struct found *fd)
{
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *w = json_object_array_get_idx(items, i);
		if (!check_is_controller_workload(w))
			continue;
		if (fd->n++ == 0) {
			fd->kind = kind;
			fd->ns = jstr_or(w, "metadata.namespace", "");
			fd->name = jstr_or(w, "metadata.name", "");
			fd->ready = 0;
			fd->want = 1;
			jint64(w, "status.readyReplicas", &fd->ready);
			jint64(w, "spec.replicas", &fd->want);
		}
	}
}

static void remedy_install(const struct check_facts *f, struct check_outcome *o)
{
	struct strbuf cmd = STRBUF_INIT;
	const struct provider_step *st = check_provider_step(f, PROVIDER_STEP_CONTROLLER);
	if (st) {
		check_remedy(o, "%s: %s", st->title, st->command);
		check_remedy(o, "or follow `kubectl volsnap setup`");
		return;
	}
	check_controller_install_cmd(&cmd, f->major, f->minor);
	check_remedy(o, "install the snapshot controller: %s", cmd.buf);
	check_remedy(o, "or follow `kubectl volsnap setup`");
	strbuf_release(&cmd);
}

/* No workload visible: decide from the lease and the provider. */
static void judge_absent(const struct check_facts *f, struct check_outcome *o, bool could_list)
{
	enum provider_controller ctrl = f->era ? f->era->controller : PROVIDER_CTRL_UNKNOWN;
	const char *where = f->era && f->era->controller_where ? f->era->controller_where : "outside the cluster";

	if (check_object(f, READ_CONTROLLER_LEASE)) {
		check_note(o, CHECK_PASS, "no controller workload visible, but its leader lease %s is held",
			   "kube-system/snapshot-controller-leader");
		return;
	}
	/* Hidden, but in an era a known issue breaks (Gardener 1.18: the seed ran
	 * no snapshot-controller until the extension was fixed). */
	if (ctrl == PROVIDER_CTRL_HIDDEN && f->era->support == PROVIDER_SNAP_BROKEN) {
		check_note(o, CHECK_WARN,
			   "not visible in the cluster: %s runs it outside (%s), but on %d.%d a known issue left it "
			   "missing (see provider-issues)",
			   f->provider->name, where, f->major, f->minor);
		return;
	}
	if (ctrl == PROVIDER_CTRL_HIDDEN) {
		check_note(o, CHECK_INFO, "not visible in the cluster: %s runs it (%s); that is expected",
			   f->provider->name, where);
		return;
	}
	if (!could_list) {
		check_note(o, CHECK_SKIP, "cannot read %s: %s", check_read_name(READ_DEPLOYMENTS),
			   check_read_error(f, READ_DEPLOYMENTS));
		return;
	}
	/* Only a known provider's "none" is proof; a generic cluster may run it anywhere. */
	if ((ctrl == PROVIDER_CTRL_NONE || ctrl == PROVIDER_CTRL_ADDON) && f->provider != provider_generic()) {
		check_note(o, CHECK_FAIL, "no snapshot controller is installed: %s does not run one unless you add it",
			   f->provider->name);
		remedy_install(f, o);
		return;
	}
	check_note(o, CHECK_WARN,
		   "no snapshot controller visible (no Deployment or StatefulSet named "
		   "*snapshot-controller*): snapshots stay not ready without one");
	if (ctrl == PROVIDER_CTRL_IN_CLUSTER)
		check_remedy(o, "%s normally runs it (%s): check that the storage operator is healthy",
			     f->provider->name, where);
	remedy_install(f, o);
}

static void run_snapshot_controller(const struct check_facts *f, struct check_outcome *o)
{
	struct found fd = {0};
	json_object *deps = check_items(f, READ_DEPLOYMENTS, NULL);
	json_object *sts = check_items(f, READ_STATEFULSETS, NULL);

	scan(deps, "Deployment", &fd);
	scan(sts, "StatefulSet", &fd);
	if (fd.n == 0) {
		judge_absent(f, o, deps != NULL);
		return;
	}
	if (fd.ready > 0)
		check_note(o, CHECK_PASS, "%s %s/%s (%lld/%lld ready)", fd.kind, fd.ns, fd.name, (long long)fd.ready,
			   (long long)fd.want);
	else {
		check_note(o, CHECK_WARN, "%s %s/%s has no ready replica (0/%lld)", fd.kind, fd.ns, fd.name,
			   (long long)fd.want);
		check_remedy(o, "kubectl -n %s describe %s %s", fd.ns, fd.kind[0] == 'D' ? "deployment" : "statefulset",
			     fd.name);
	}
	if (fd.n > 1) {
		check_note(o, CHECK_WARN, "%d snapshot controllers found: there should be only one per cluster", fd.n);
		check_remedy(o, "remove the extra controllers (e.g. the one a CSI driver's chart bundled)");
	}
}

const struct check check_snapshot_controller = {
    .id = "snapshot-controller",
    .title = "Snapshot controller",
    .needs = (const char *const[]){"snapshot-crds", NULL},
    .reads = CHECK_READ(READ_DEPLOYMENTS) | CHECK_READ(READ_STATEFULSETS) | CHECK_READ(READ_CONTROLLER_LEASE),
    .docs = "https://github.com/kubernetes-csi/external-snapshotter#snapshot-controller",
    .run = run_snapshot_controller,
};
