/* Cron expressions as the CronJob controller reads them (robfig/cron's
 * standard parser: five fields, names, ranges, steps, lists, the @ macros),
 * the next run after a time and the period between runs. Pure functions:
 * validated before anything is created, and used by list, status and doctor. */
#ifndef VOLSNAP_SCHED_CRON_H
#define VOLSNAP_SCHED_CRON_H

#include <stdbool.h>
#include <stdint.h>

struct cron_expr {
	uint64_t minute; /* bit n: minute n matches */
	uint32_t hour, dom;
	uint16_t month; /* bits 1..12 */
	uint8_t dow;	/* bits 0..6, Sunday 0 */
	bool dom_star, dow_star;
};

/* Parses s. On failure false and *why says what is wrong and what to write
 * instead (caller frees). TZ=/CRON_TZ= prefixes are refused: the time zone is
 * the CronJob's spec.timeZone (--time-zone). */
bool cron_parse(const char *s, struct cron_expr *e, char **why);

/* The first run strictly after `after` (unix seconds), in the time zone tz
 * (NULL or "" = UTC, an IANA name otherwise), or -1 when there is none within
 * five years (say "0 0 30 2 *"). */
int64_t cron_next(const struct cron_expr *e, int64_t after, const char *tz);

/* The longest gap between consecutive runs over the week (or the two runs)
 * after `from`: what "a run is overdue" is measured against. -1 when the
 * expression never fires. */
int64_t cron_period(const struct cron_expr *e, int64_t from, const char *tz);

/* An IANA time zone name as spec.timeZone accepts it ("Europe/Berlin",
 * "UTC"). Checked against the local tz database when there is one. */
bool cron_valid_time_zone(const char *tz, char **why);

#endif
