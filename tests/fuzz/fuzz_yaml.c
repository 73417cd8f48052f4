/* The YAML reader, and the writer by round trip: whatever the reader makes,
 * the writer must print as YAML that reads back to the same value. */
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Numbers that YAML cannot carry exactly are not the writer's fault. */
static int comparable(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_object: {
		json_object_object_foreach(o, k, v)
		{
			(void)k;
			if (!comparable(v))
				return 0;
		}
		return 1;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!comparable(json_object_array_get_idx(o, i)))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/* json_object_equal, but 1 and 1.0 are the same number, as they are to YAML
 * and JSON readers (kubectl prints a float 1.0 as 1 too). */
static int same(json_object *a, json_object *b)
{
	enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);
	bool na = ta == json_type_int || ta == json_type_double, nb = tb == json_type_int || tb == json_type_double;
	if (na && nb && (ta != tb))
		return json_object_get_double(a) == json_object_get_double(b);
	if (ta != tb)
		return 0;
	if (ta == json_type_object) {
		if (json_object_object_length(a) != json_object_object_length(b))
			return 0;
		json_object_object_foreach(a, k, v)
		{
			json_object *w = NULL;
			if (!json_object_object_get_ex(b, k, &w) || !same(v, w))
				return 0;
		}
		return 1;
	}
	if (ta == json_type_array) {
		size_t n = json_object_array_length(a);
		if (n != json_object_array_length(b))
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!same(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i)))
				return 0;
		return 1;
	}
	return json_object_equal(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *obj = NULL, *back = NULL;
	char *err = NULL, *err2 = NULL, *out = NULL;
	size_t out_len = 0;

	if (yaml_to_json((const char *)data, size, &obj, &err) != 0) {
		free(err);
		return 0;
	}
	FILE *f = open_memstream(&out, &out_len);
	if (json_to_yaml(f, obj) != 0)
		abort();
	fclose(f);
	if (yaml_to_json(out, out_len, &back, &err2) != 0) {
		fprintf(stderr, "written YAML does not read back: %s\n%s\n", err2, out);
		abort();
	}
	if (comparable(obj) && !same(obj, back)) {
		fprintf(stderr, "round trip changed\n%s\ninto\n%s\nvia\n%s\n", json_object_to_json_string(obj),
			json_object_to_json_string(back), out);
		abort();
	}
	json_object_put(obj);
	json_object_put(back);
	free(out);
	return 0;
}
