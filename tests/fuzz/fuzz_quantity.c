/* Quantities, durations and times: no crash, no UB, and the invariants the
 * callers rely on (sizes never negative, a formatted size parses back). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1); /* exactly sized: ASan sees a read past the end */
	memcpy(s, data, size);
	s[size] = '\0';

	int64_t bytes;
	if (quantity_parse(s, &bytes)) {
		if (bytes < 0)
			abort();
		char *f = quantity_format(bytes);
		int64_t again;
		if (!quantity_parse(f, &again) || again != bytes)
			abort();
		free(f);
	}
	int64_t ms;
	if (duration_parse(s, &ms)) {
		if (ms < 0)
			abort();
		free(duration_human(ms / 1000));
	}
	int64_t t;
	(void)time_parse_rfc3339(s, &t);
	if (size == 8) {
		int64_t secs;
		memcpy(&secs, data, sizeof secs);
		free(duration_human(secs));
		free(quantity_format(secs < 0 ? -(secs + 1) : secs));
	}
	free(s);
	return 0;
}
