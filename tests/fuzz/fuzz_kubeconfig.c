/* The kubeconfig loader over any file: YAML, merge rules, base64 fields,
 * exec sections, paths. Loads from a memfd, as --kubeconfig would. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kube/kube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		unsetenv("KUBECONFIG");
		unsetenv("KUBERNETES_SERVICE_HOST");
		fd = memfd_create("kubeconfig", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	struct kube_config_overrides ov = {.kubeconfig = path};
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	if (kube_config_load(&ov, &cfg, &err) == 0) {
		if (!cfg->namespace || !cfg->server)
			abort();
		kube_config_free(cfg);
	}
	kube_error_clear(&err);
	return 0;
}
