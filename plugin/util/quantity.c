#include "util/quantity.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strbuf.h"
#include "util/xalloc.h"

/* About 292 years: past it, int64 milliseconds (and time arithmetic on them) overflow. */
#define DURATION_MAX_MS 9.2e15

struct suffix {
	const char *name;
	int64_t mult; /* bytes per unit; 0 for the sub-units below */
	int64_t div;  /* for m, u, n: bytes = value / div, rounded up */
};

static const struct suffix suffixes[] = {
    {"Ki", 1LL << 10, 1},
    {"Mi", 1LL << 20, 1},
    {"Gi", 1LL << 30, 1},
    {"Ti", 1LL << 40, 1},
    {"Pi", 1LL << 50, 1},
    {"Ei", 1LL << 60, 1},
    {"k", 1000LL, 1},
    {"M", 1000000LL, 1},
    {"G", 1000000000LL, 1},
    {"T", 1000000000000LL, 1},
    {"P", 1000000000000000LL, 1},
    {"E", 1000000000000000000LL, 1},
    {"m", 1, 1000LL},
    {"u", 1, 1000000LL},
    {"n", 1, 1000000000LL},
    {"", 1, 1},
};

static int64_t pow10_i64(int e)
{
	int64_t r = 1;
	while (e-- > 0)
		r *= 10;
	return r;
}

/* value = (whole + frac/10^nfrac) * mult / div, rounded up to a whole byte.
 * frac < 10^nfrac <= 10^18 and mult <= 2^60, so frac * mult fits 128 bits;
 * every other step is checked, so overflow gives false, never a wrong size. */
static bool scale(int64_t whole, int64_t frac, int nfrac, int64_t mult, int64_t div, int64_t *out)
{
	int64_t w, total;
	if (__builtin_mul_overflow(whole, mult, &w))
		return false;
	unsigned __int128 fden = (unsigned __int128)pow10_i64(nfrac);
	unsigned __int128 f = (unsigned __int128)frac * (unsigned __int128)mult;
	unsigned __int128 fb = (f + fden - 1) / fden;
	if (fb > (unsigned __int128)INT64_MAX || __builtin_add_overflow(w, (int64_t)fb, &total))
		return false;
	*out = total / div + (total % div != 0);
	return true;
}

bool quantity_parse(const char *s, int64_t *bytes)
{
	if (!s || !*s)
		return false;
	const char *p = s;
	if (*p == '+')
		p++;
	if (*p == '-')
		return false; /* sizes are never negative */
	int64_t whole = 0, frac = 0;
	int nfrac = 0, ndigits = 0;
	while (isdigit((unsigned char)*p)) {
		if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, *p - '0', &whole))
			return false;
		p++, ndigits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (nfrac < 18) {
				frac = frac * 10 + (*p - '0');
				nfrac++;
			}
			p++, ndigits++;
		}
	}
	if (!ndigits)
		return false;
	/* "1E3" is an exponent, but "1E" and "7Ei" are exa and exbi suffixes. */
	char *end = NULL;
	long e = 0;
	if ((*p == 'e' || *p == 'E') && p[1] && p[1] != 'i') {
		e = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end || e > 18 || e < -18)
			return false;
		if (e >= 0)
			return scale(whole, frac, nfrac, pow10_i64((int)e), 1, bytes);
		return scale(whole, frac, nfrac, 1, pow10_i64((int)-e), bytes);
	}
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		if (!strcmp(p, suffixes[i].name))
			return scale(whole, frac, nfrac, suffixes[i].mult, suffixes[i].div, bytes);
	return false;
}

char *quantity_format(int64_t bytes)
{
	static const char *const bin[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
	static const char *const dec[] = {"E", "P", "T", "G", "M", "k"};
	if (bytes == 0)
		return xstrdup("0");
	for (int i = 0; i < 6; i++) {
		int64_t unit = 1LL << (10 * (6 - i));
		if (bytes % unit == 0)
			return xasprintf("%lld%s", (long long)(bytes / unit), bin[i]);
	}
	for (int i = 0; i < 6; i++) {
		int64_t unit = pow10_i64(3 * (6 - i));
		if (bytes % unit == 0)
			return xasprintf("%lld%s", (long long)(bytes / unit), dec[i]);
	}
	return xasprintf("%lld", (long long)bytes);
}

bool duration_parse(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},	{"ms", 1},
		     {"s", 1000},  {"m", 60e3},	 {"h", 3600e3}, {"d", 86400e3}};
	if (!s || !*s)
		return false;
	char *end;
	double total = 0;
	/* A bare number is seconds, as kubectl reads --request-timeout=30. */
	double bare = strtod(s, &end);
	if (*end == '\0' && end != s && isdigit((unsigned char)s[0])) {
		/* strtod also reads hex and exponents: 1e300 seconds is not a duration. */
		if (strpbrk(s, "xXpP") || !(bare >= 0 && bare * 1000 <= DURATION_MAX_MS))
			return false;
		*ms = (int64_t)(bare * 1000);
		return true;
	}
	const char *p = s;
	while (*p) {
		/* Go's number: digits with an optional fraction, no exponent, no hex. */
		size_t nd = strspn(p, "0123456789");
		if (p[nd] == '.')
			nd += 1 + strspn(p + nd + 1, "0123456789");
		if (nd == 0 || (nd == 1 && *p == '.'))
			return false;
		char num[64];
		if (nd >= sizeof num)
			return false;
		memcpy(num, p, nd);
		num[nd] = '\0';
		double v = strtod(num, &end);
		p += nd;
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, n) && n > best) {
				best = n;
				mult = units[i].ms;
			}
		}
		if (!best)
			return false;
		p += best;
		total += v * mult;
	}
	if (!(total <= DURATION_MAX_MS))
		return false;
	*ms = (int64_t)total;
	return true;
}

/* apimachinery's duration.HumanDuration, which kubectl's AGE column uses. */
char *duration_human(int64_t seconds)
{
	if (seconds < -1)
		return xstrdup("<invalid>");
	if (seconds < 0)
		return xstrdup("0s");
	int64_t s = seconds, m = s / 60, h = s / 3600;
	if (s < 60 * 2)
		return xasprintf("%llds", (long long)s);
	if (m < 10) {
		if (s % 60 == 0)
			return xasprintf("%lldm", (long long)m);
		return xasprintf("%lldm%llds", (long long)m, (long long)(s % 60));
	}
	if (m < 60 * 3)
		return xasprintf("%lldm", (long long)m);
	if (h < 8) {
		if (m % 60 == 0)
			return xasprintf("%lldh", (long long)h);
		return xasprintf("%lldh%lldm", (long long)h, (long long)(m % 60));
	}
	if (h < 48)
		return xasprintf("%lldh", (long long)h);
	if (h < 24 * 8) {
		if (h % 24 == 0)
			return xasprintf("%lldd", (long long)(h / 24));
		return xasprintf("%lldd%lldh", (long long)(h / 24), (long long)(h % 24));
	}
	if (h < 24 * 365 * 2)
		return xasprintf("%lldd", (long long)(h / 24));
	if (h < 24 * 365 * 8) {
		int64_t dy = (h / 24) % 365;
		if (dy == 0)
			return xasprintf("%lldy", (long long)(h / 24 / 365));
		return xasprintf("%lldy%lldd", (long long)(h / 24 / 365), (long long)dy);
	}
	return xasprintf("%lldy", (long long)(h / 24 / 365));
}

/* The digits of a fixed-width field, or -1 when any is not a digit. */
static int fixed_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool time_parse_rfc3339(const char *s, int64_t *unix_seconds)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	/* "yyyy-mm-ddThh:mm:ss" exactly: every field has its width, no signs or spaces. */
	if (!s || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return false;
	tm.tm_year = fixed_digits(s, 4);
	tm.tm_mon = fixed_digits(s + 5, 2);
	tm.tm_mday = fixed_digits(s + 8, 2);
	tm.tm_hour = fixed_digits(s + 11, 2);
	tm.tm_min = fixed_digits(s + 14, 2);
	tm.tm_sec = fixed_digits(s + 17, 2);
	if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return false;
	const char *p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		/* Exactly "+hh:mm": sscanf would take "+1:0" and leave p past the end. */
		int oh = fixed_digits(p + 1, 2);
		if (oh < 0 || p[3] != ':')
			return false;
		int om = fixed_digits(p + 4, 2);
		if (om < 0 || oh > 23 || om > 59)
			return false;
		offset = (oh * 3600L + om * 60L) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*unix_seconds = (int64_t)timegm(&tm) - offset;
	return true;
}
