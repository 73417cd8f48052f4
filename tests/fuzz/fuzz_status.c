/* Answers the server (or a proxy) sends become errors: any body, type and
 * code; the message must be one clean line of bounded length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *s, size_t max)
{
	if (!s)
		return;
	size_t n = strlen(s);
	if (n > max + 3)
		abort();
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"application/json", "text/plain", NULL, "application/json; charset=utf-8"};
	static const long codes[] = {400, 401, 403, 404, 409, 410, 422, 429, 500, 503, 504};
	static const char *const paths[] = {"/apis/snapshot.storage.k8s.io/v1/namespaces/a/volumesnapshots/x",
					    "/api/v1/persistentvolumeclaims?watch=1", "/version", "/apis/x"};
	if (size < 1)
		return 0;
	struct kube_error err = {0};
	uint8_t sel = data[0];
	kube_error_from_response(&err, sel & 0x80 ? "POST" : "GET", paths[(sel >> 5) & 3], codes[sel % 11],
				 types[(sel >> 3) & 3], (const char *)data + 1, size - 1);
	check_line(err.message, STATUS_MESSAGE_MAX);
	check_line(err.reason, STATUS_REASON_MAX);
	(void)kube_error_is_not_found(&err);
	kube_error_clear(&err);

	char *clean = kube_clean_text((const char *)data, size, 64);
	check_line(clean, 64);
	free(clean);
	return 0;
}
