/* An exec credential plugin's output, checked as client-go checks it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_exec_config ex = {.api_version = "client.authentication.k8s.io/v1", .command = "plugin"};
	struct kube_config cfg = {.exec = &ex};
	struct kube_exec_credential cred = {0};
	struct kube_error err = {0};
	char *copy = malloc(size ? size : 1); /* exactly sized: no NUL after the output */
	memcpy(copy, data, size);
	if (exec_parse_credential(&cfg, copy, size, &cred, &err) == 0) {
		if (!cred.token && !cred.client_cert_data)
			abort();
		kube_exec_credential_clear(&cred);
	}
	kube_error_clear(&err);
	free(copy);
	return 0;
}
