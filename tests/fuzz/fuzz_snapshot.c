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
		 * ready one (its newest). */
		for (size_t i = 0; i < plan.n; i++) {
			const struct prune_item *d = &plan.items[i];
			bool kept = false;
			if (d->action != PRUNE_DELETE)
				continue;
			for (size_t j = 0; j < plan.n && !kept; j++) {
				const struct prune_item *k = &plan.items[j];
				kept = k->action == PRUNE_KEEP && k->pvc && d->pvc && !strcmp(k->pvc, d->pvc) &&
				       k->namespace && d->namespace && !strcmp(k->namespace, d->namespace) && k->ready;
			}
			if (!kept) {
				fprintf(stderr, "prune deletes %s with no ready snapshot of PVC %s kept\n", d->name,
					d->pvc ? d->pvc : "(none)");
				abort();
			}
		}
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
