#include "sched/cron.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

#define CRON_HINT "write five fields: minute hour day-of-month month day-of-week, e.g. \"0 3 * * *\""

struct field {
	const char *what;
	int lo, hi;
	const char *const *names; /* lowercase three-letter names for lo.., or NULL */
};

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
					  "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const dow_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const struct field fields[5] = {
    {"minute", 0, 59, NULL},	      {"hour", 0, 23, NULL},
    {"day of month", 1, 31, NULL},    {"month", 1, 12, month_names},
    {"day of week", 0, 6, dow_names},
};

static const struct {
	const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

/* A number or a name; advances *p. */
static bool parse_value(const struct field *f, const char **p, int *v)
{
	const char *s = *p;
	if (isdigit((unsigned char)*s)) {
		long n = 0;
		while (isdigit((unsigned char)*s) && n < 1000)
			n = n * 10 + (*s++ - '0');
		*v = (int)n;
		*p = s;
		return true;
	}
	for (int i = 0; f->names && f->names[i]; i++) {
		if (!strncasecmp(s, f->names[i], 3)) {
			*v = f->lo + i;
			*p = s + 3;
			return true;
		}
	}
	return false;
}

static char *field_error(const struct field *f, const char *text, const char *problem)
{
	return xasprintf("cron %s \"%s\": %s (%d-%d); " CRON_HINT, f->what, text, problem, f->lo, f->hi);
}

/* One comma-separated part: "*", "?", "a", "a-b", each optionally "/step". */
static bool parse_part(const struct field *f, const char *part, uint64_t *bits, bool *star, char **why)
{
	const char *p = part;
	int lo, hi, step = 1;
	if (*p == '*' || *p == '?') {
		lo = f->lo;
		hi = f->hi;
		*star = true;
		p++;
	} else {
		if (!parse_value(f, &p, &lo)) {
			*why = field_error(f, part, "not a number or name");
			return false;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_value(f, &p, &hi)) {
				*why = field_error(f, part, "the range has no end");
				return false;
			}
		}
	}
	if (*p == '/') {
		p++;
		if (!parse_value(f, &p, &step) || step < 1) {
			*why = field_error(f, part, "the step must be a positive number");
			return false;
		}
		/* "a/n" means a through the end, as robfig reads it. */
		if (hi == lo && part[0] != '*' && part[0] != '?')
			hi = f->hi;
	}
	if (*p) {
		*why = field_error(f, part, "unexpected characters");
		return false;
	}
	if (lo < f->lo || hi > f->hi || lo > hi) {
		*why = field_error(f, part, "out of range");
		return false;
	}
	for (int v = lo; v <= hi; v += step)
		*bits |= (uint64_t)1 << v;
	return true;
}

static bool parse_field(const struct field *f, const char *text, uint64_t *bits, bool *star, char **why)
{
	char *copy = xstrdup(text), *save = NULL;
	bool ok = true;
	*bits = 0;
	*star = false;
	for (char *part = strtok_r(copy, ",", &save); part && ok; part = strtok_r(NULL, ",", &save))
		ok = parse_part(f, part, bits, star, why);
	if (ok && !*bits) {
		*why = field_error(f, text, "empty");
		ok = false;
	}
	free(copy);
	return ok;
}

static bool parse_fields(const char *s, struct cron_expr *e, char **why)
{
	char *copy = xstrdup(s), *save = NULL, *words[6];
	int n = 0;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (n < 6)
			words[n++] = w;
		else
			n++;
	bool ok = n == 5;
	if (!ok)
		*why = xasprintf("cron expression \"%s\" has %d field%s, expected exactly 5; " CRON_HINT, s, n,
				 n == 1 ? "" : "s");
	uint64_t bits[5] = {0};
	bool stars[5] = {false};
	for (int i = 0; ok && i < 5; i++)
		ok = parse_field(&fields[i], words[i], &bits[i], &stars[i], why);
	if (ok) {
		e->minute = bits[0];
		e->hour = (uint32_t)bits[1];
		e->dom = (uint32_t)bits[2];
		e->month = (uint16_t)bits[3];
		e->dow = (uint8_t)bits[4];
		e->dom_star = stars[2];
		e->dow_star = stars[4];
	}
	free(copy);
	return ok;
}

bool cron_parse(const char *s, struct cron_expr *e, char **why)
{
	memset(e, 0, sizeof *e);
	*why = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncmp(s, "TZ=", 3) || !strncmp(s, "CRON_TZ=", 8)) {
		*why = xasprintf("cron expression \"%s\": a TZ=/CRON_TZ= prefix is refused (servers from 1.29 reject "
				 "it, older ones ignore or warn); pass the zone with --time-zone instead",
				 s);
		return false;
	}
	if (*s == '@') {
		for (size_t i = 0; i < sizeof macros / sizeof *macros; i++)
			if (!strcmp(s, macros[i].name))
				return parse_fields(macros[i].expr, e, why);
		*why = xasprintf("cron expression \"%s\": unknown macro; use @yearly, @monthly, @weekly, @daily or "
				 "@hourly, or " CRON_HINT,
				 s);
		return false;
	}
	return parse_fields(s, e, why);
}

/* ---- next run -------------------------------------------------------------- */

/* Broken-down time in tz (the TZ variable set by with_tz) or UTC. */
static void to_tm(int64_t t, bool local, struct tm *tm)
{
	time_t tt = (time_t)t;
	if (local)
		localtime_r(&tt, tm);
	else
		gmtime_r(&tt, tm);
}

static int64_t from_tm(struct tm *tm, bool local)
{
	if (!local)
		return (int64_t)timegm(tm);
	tm->tm_isdst = -1;
	return (int64_t)mktime(tm);
}

static bool day_matches(const struct cron_expr *e, const struct tm *tm)
{
	bool dom = (e->dom >> tm->tm_mday) & 1u, dow = (e->dow >> tm->tm_wday) & 1u;
	/* Vixie cron and robfig: both restricted means either may match. */
	if (!e->dom_star && !e->dow_star)
		return dom || dow;
	return dom && dow;
}

static int64_t next_in(const struct cron_expr *e, int64_t after, bool local)
{
	int64_t t = after - (after % 60 + 60) % 60 + 60, limit = after + 5LL * 366 * 86400;
	struct tm tm;
	while (t <= limit) {
		to_tm(t, local, &tm);
		if (!((e->month >> (tm.tm_mon + 1)) & 1u)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!day_matches(e, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		} else if (!((e->hour >> tm.tm_hour) & 1u)) {
			tm.tm_hour++;
			tm.tm_min = tm.tm_sec = 0;
		} else if (!((e->minute >> tm.tm_min) & 1u)) {
			tm.tm_min++;
			tm.tm_sec = 0;
		} else {
			return t;
		}
		int64_t n = from_tm(&tm, local);
		/* A DST gap can map back; always move forward. */
		t = n > t ? n : t + 60;
	}
	return -1;
}

struct saved_tz {
	char *old;
	bool had;
};

static bool set_tz(const char *tz, struct saved_tz *s)
{
	s->old = NULL;
	s->had = false;
	if (!tz || !*tz || !strcmp(tz, "UTC") || !strcmp(tz, "Etc/UTC"))
		return false;
	const char *old = getenv("TZ");
	s->had = old != NULL;
	s->old = xstrdup_or_null(old);
	setenv("TZ", tz, 1);
	tzset();
	return true;
}

static void restore_tz(struct saved_tz *s)
{
	if (s->had)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->old);
}

int64_t cron_next(const struct cron_expr *e, int64_t after, const char *tz)
{
	struct saved_tz s;
	bool local = set_tz(tz, &s);
	int64_t t = next_in(e, after, local);
	if (local)
		restore_tz(&s);
	return t;
}

int64_t cron_period(const struct cron_expr *e, int64_t from, const char *tz)
{
	struct saved_tz s;
	bool local = set_tz(tz, &s);
	int64_t prev = next_in(e, from, local), gap = -1;
	for (int i = 0; prev >= 0 && i < 20000; i++) {
		int64_t t = next_in(e, prev, local);
		if (t < 0)
			break;
		if (t - prev > gap)
			gap = t - prev;
		if (t - from > 8 * 86400 && i >= 1)
			break;
		prev = t;
	}
	if (local)
		restore_tz(&s);
	return gap;
}

bool cron_valid_time_zone(const char *tz, char **why)
{
	*why = NULL;
	bool ok = *tz && *tz != '/' && strlen(tz) < 128 && !strstr(tz, "..");
	for (const char *p = tz; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
	struct stat st;
	if (ok && stat("/usr/share/zoneinfo", &st) == 0) {
		char *path = xasprintf("/usr/share/zoneinfo/%s", tz);
		ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
		free(path);
	}
	if (!ok)
		*why = xasprintf("--time-zone \"%s\" is not a known time zone; use an IANA name such as "
				 "Europe/Berlin or UTC",
				 tz);
	return ok;
}
