/* Kubernetes resource quantities ("10Gi", "500M", "1.5e3") and durations
 * ("90s", "5m", "1h30m", "7d"). */
#ifndef VOLSNAP_QUANTITY_H
#define VOLSNAP_QUANTITY_H

#include <stdbool.h>
#include <stdint.h>

/* Bytes of a quantity, rounded up to a whole byte. false when s is not a quantity
 * or overflows int64. */
bool quantity_parse(const char *s, int64_t *bytes);
/* The shortest exact binary form ("10Gi", "1536Mi", "1000"): caller frees. */
char *quantity_format(int64_t bytes);
/* Milliseconds of a Go-style duration ("300ms", "30s", "5m", "1h30m"; also
 * "7d", and a bare number as seconds). false when invalid or negative. */
bool duration_parse(const char *s, int64_t *ms);
/* kubectl's short age: "45s", "5m", "3h", "2d", "3y" (HumanDuration). Caller frees. */
char *duration_human(int64_t seconds);
/* RFC 3339 "2024-05-01T10:00:00Z" to unix seconds; false when invalid. */
bool time_parse_rfc3339(const char *s, int64_t *unix_seconds);

#endif
