/* A watch stream as the client reads it: events split and merged at any
 * byte, ERROR events, garbage. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(const char *type, json_object *obj, void *ud)
{
	(void)ud;
	if (strcmp(type, "ADDED") && strcmp(type, "MODIFIED") && strcmp(type, "DELETED"))
		abort();
	(void)jstr(obj, "metadata.name");
	(void)jstr(obj, "metadata.resourceVersion");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_error err = {0};
	if (size < 1)
		return 0;
	size_t chunk = data[0] % 17; /* 0 = the whole stream in one write */
	(void)watch_decode((const char *)data + 1, size - 1, chunk, on_event, NULL, &err);
	kube_error_clear(&err);
	return 0;
}
