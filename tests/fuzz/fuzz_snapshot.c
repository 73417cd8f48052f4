/* The snapshot JSON paths over any objects the server might send: verdicts,
 * restore size and checks, the prune plan, and the -o json/yaml printers.
 * Input: {"snapshot", "content", "events", "pvc", "snapshots", "pvcs", "now"}. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "snap/restore.h"
#include "snap/retention.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	json_object *doc = jparse((const char *)data, size);
	if (!json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return 0;
	}
	json_object *snap = jget(doc, "snapshot"), *content = jget(doc, "content");
	int64_t now = 1700000000;
	(void)jint64(doc, "now", &now);
	if (snap) {
		struct snap_facts f = {.snapshot = snap,
				       .content = content,
				       .snap_events = jget(doc, "events"),
				       .content_events = jget(doc, "events"),
				       .pvc = jget(doc, "pvc"),
				       .now = now};
		struct snap_verdict v = {0};
		snap_verdict(&f, &v);
		if (!v.text)
			abort();
		snap_verdict_clear(&v);
		(void)snap_is_ready(snap);
		(void)snap_error_message(snap);
		int64_t bytes;
		if (restore_size_bytes(snap, content, &bytes) && bytes <= 0)
			abort();
		free(restore_check_snapshot(snap));
		out_json(null, snap);
		out_yaml(null, snap);
	}
	json_object *snaps = jget(doc, "snapshots");
	if (json_object_is_type(snaps, json_type_array)) {
		json_object *pvcs = jget(doc, "pvcs");
		struct prune_policy pol = {.keep_last = 1 + (now & 3),
					   .keep_within_ms = (now & 1) ? 86400000 : 0,
					   .include_unmanaged = now & 4};
		struct prune_plan plan = {0};
		plan_prune(snaps, json_object_is_type(pvcs, json_type_array) ? pvcs : NULL, now, &pol, &plan);
		if (plan.n_keep + plan.n_delete + plan.n_skip != plan.n)
			abort();
		/* The safety rule prune stands on: a PVC losing a snapshot keeps a
		 * ready one (its newest). The plan is read twice: the PVCs with a
		 * ready snapshot kept, then every deletion against them. */
		json_object *kept = json_object_new_object();
		struct prune_item it;
		prune_plan_rewind(&plan);
		while (prune_plan_next(&plan, &it) > 0) {
			if (it.action == PRUNE_KEEP && it.ready && it.namespace && it.pvc) {
				char *key = xasprintf("%s/%s", it.namespace, it.pvc);
				json_object_object_add(kept, key, NULL);
				free(key);
			}
		}
		prune_plan_rewind(&plan);
		while (prune_plan_next(&plan, &it) > 0) {
			if (it.action != PRUNE_DELETE)
				continue;
			char *key = xasprintf("%s/%s", it.namespace ? it.namespace : "", it.pvc ? it.pvc : "");
			bool ok = it.namespace && it.pvc && json_object_object_get_ex(kept, key, NULL);
			free(key);
			if (!ok) {
				fprintf(stderr, "prune deletes %s with no ready snapshot of PVC %s kept\n", it.name,
					it.pvc ? it.pvc : "(none)");
				abort();
			}
		}
		if (plan.error)
			abort();
		json_object_put(kept);
		if (json_object_is_type(pvcs, json_type_array))
			(void)prune_plan_recheck(&plan, pvcs);
		prune_plan_clear(&plan);
		struct out_list_stream *ls = out_list_begin(null, (now & 8) ? OUT_YAML : OUT_JSON);
		for (size_t i = 0; i < json_object_array_length(snaps); i++)
			out_list_item(ls, json_object_array_get_idx(snaps, i));
		out_list_end(ls);
	}
	json_object_put(doc);
	return 0;
}
