/* Version strings and provider detection over any signals: the input is a
 * JSON document {"gitVersion", "major", "minor", "nodes", "shoot_info",
 * "storage_classes", "drivers", "openshift"}, or any bytes as a version. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "providers/providers.h"
#include "util/json.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	int ma, mi, pa;
	if (provider_parse_version(s, &ma, &mi, &pa) && (ma < 0 || mi < 0 || pa < 0))
		abort();

	json_object *doc = jparse((const char *)data, size);
	if (json_object_is_type(doc, json_type_object)) {
		const char *drivers[8];
		size_t nd = 0;
		json_object *dl = jget(doc, "drivers");
		for (size_t i = 0;
		     json_object_is_type(dl, json_type_array) && i < json_object_array_length(dl) && nd < 8; i++) {
			const char *d = json_object_get_string(json_object_array_get_idx(dl, i));
			if (d)
				drivers[nd++] = d;
		}
		int64_t major = 0, minor = 0;
		(void)jint64(doc, "major", &major);
		(void)jint64(doc, "minor", &minor);
		bool os = false;
		(void)jbool(doc, "openshift", &os);
		struct provider_signals sig = {
		    .git_version = jstr(doc, "gitVersion"),
		    .major = (int)(major & 0xffff),
		    .minor = (int)(minor & 0xffff),
		    .nodes = jget(doc, "nodes"),
		    .shoot_info = jget(doc, "shoot_info"),
		    .csi_drivers = drivers,
		    .n_csi_drivers = nd,
		    .storage_classes = jget(doc, "storage_classes"),
		    .openshift_api = os,
		    .openshift_version = jstr(doc, "openshift_version"),
		};
		struct strbuf ev = STRBUF_INIT;
		const struct provider *p = provider_detect(&sig, &ev);
		if (!p)
			abort();
		if (provider_parse_version(sig.git_version, &ma, &mi, NULL)) {
			(void)provider_min_version_ok(p, ma, mi);
			(void)provider_era_for(p, ma, mi);
		}
		strbuf_release(&ev);
	}
	json_object_put(doc);
	free(s);
	return 0;
}
