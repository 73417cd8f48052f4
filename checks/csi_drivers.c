/* csi-drivers: only CSI volumes can be snapshotted, so a CSI driver must be
 * installed (CSIDriver object) and running on the nodes (CSINode registration). */
#include "checks/check.h"

#include <string.h>

#include "util/json.h"

/* How many CSINodes register driver. */
static int nodes_registering(json_object *csinodes, const char *driver)
{
	int n = 0;
	for (size_t i = 0; csinodes && i < json_object_array_length(csinodes); i++) {
		json_object *ds = jget(json_object_array_get_idx(csinodes, i), "spec.drivers");
		for (size_t k = 0; json_object_is_type(ds, json_type_array) && k < json_object_array_length(ds); k++) {
			const char *name = jstr(json_object_array_get_idx(ds, k), "name");
			if (name && strcmp(name, driver) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

static void remedy_no_driver(const struct check_facts *f, struct check_outcome *o)
{
	const struct provider_step *st = check_provider_step(f, PROVIDER_STEP_DRIVER);
	if (st)
		check_remedy(o, "%s: %s", st->title, st->command);
	check_remedy(
	    o, "install a CSI driver that supports snapshots (https://kubernetes-csi.github.io/docs/drivers.html)");
}

static void judge_driver(const char *d, json_object *csinodes, int nnodes, struct check_outcome *o, int *usable)
{
	bool registrations_known = csinodes && nnodes > 0;
	int reg = registrations_known ? nodes_registering(csinodes, d) : 0;

	if (!check_driver_snapshots(d)) {
		check_note(o, CHECK_INFO, "%s does not support snapshots", d);
		return;
	}
	if (registrations_known && reg == 0) {
		check_note(o, CHECK_WARN, "%s: no node registers it (its node plugin is not running)", d);
		check_remedy(o, "check the driver's node DaemonSet: kubectl get pods -A -o wide | grep -i '%.*s'",
			     (int)strcspn(d, "."), d);
		return;
	}
	(*usable)++;
	if (registrations_known)
		check_note(o, CHECK_PASS, "%s (%d/%d nodes)", d, reg, nnodes);
	else
		check_note(o, CHECK_PASS, "%s", d);
}

static void run_csi_drivers(const struct check_facts *f, struct check_outcome *o)
{
	json_object *drivers = check_items(f, READ_CSIDRIVERS, o);
	json_object *csinodes = check_items(f, READ_CSINODES, NULL);
	json_object *nodes = check_items(f, READ_NODES, NULL);
	int nnodes = csinodes ? (int)json_object_array_length(csinodes) : 0;
	int usable = 0;

	if (!drivers)
		return;
	if (nodes && json_object_array_length(nodes) > (size_t)nnodes)
		nnodes = (int)json_object_array_length(nodes);
	if (f->drivers.n == 0) {
		check_note(o, CHECK_FAIL, "no CSI driver is installed: only CSI volumes can be snapshotted");
		remedy_no_driver(f, o);
		return;
	}
	for (size_t i = 0; i < f->drivers.n; i++)
		judge_driver(f->drivers.items[i], csinodes, nnodes, o, &usable);
	if (usable == 0 && o->result != CHECK_WARN) {
		check_note(o, CHECK_FAIL, "no installed CSI driver supports snapshots");
		remedy_no_driver(f, o);
	}
	if (!csinodes)
		check_note(o, CHECK_INFO, "node registrations not checked (cannot read csinodes: %s)",
			   check_read_error(f, READ_CSINODES));
}

const struct check check_csi_drivers = {
    .id = "csi-drivers",
    .title = "CSI drivers",
    .needs = (const char *const[]){"server-version", NULL},
    .reads = CHECK_READ(READ_CSIDRIVERS) | CHECK_READ(READ_CSINODES) | CHECK_READ(READ_NODES),
    .docs = "https://kubernetes-csi.github.io/docs/drivers.html",
    .run = run_csi_drivers,
};
