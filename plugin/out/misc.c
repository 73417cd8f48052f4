/* Ages and progress lines. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/out.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define PROGRESS_PLAIN_INTERVAL_S 15 /* CI logs show life without filling up */

char *out_age(const char *ts)
{
	int64_t t;
	if (!ts || !time_parse_rfc3339(ts, &t))
		return xstrdup("<unknown>");
	return duration_human((int64_t)time(NULL) - t);
}

struct out_progress {
	FILE *f;
	bool tty;
	bool shown; /* a line is on the terminal, not yet ended */
	char *what;
	long interval_s;
	long start_s, last_plain_s;
};

static long now_s(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)now.tv_sec;
}

/* Seconds between plain lines; VOLSNAP_PROGRESS_INTERVAL_SECONDS changes it
 * (the test suites use a short one, 0 prints every update). */
static long plain_interval_s(void)
{
	const char *env = getenv("VOLSNAP_PROGRESS_INTERVAL_SECONDS");
	char *end = NULL;
	long v = env && *env ? strtol(env, &end, 10) : -1;
	return v >= 0 && end && !*end ? v : PROGRESS_PLAIN_INTERVAL_S;
}

struct out_progress *out_progress_start(FILE *f, bool is_tty, const char *what)
{
	struct out_progress *p = xcalloc(1, sizeof *p);
	p->f = f;
	const char *term = getenv("TERM");
	/* A dumb terminal gets the plain lines: it cannot erase one. */
	p->tty = is_tty && !(term && !strcmp(term, "dumb"));
	p->what = xstrdup(what);
	p->interval_s = plain_interval_s();
	p->start_s = p->last_plain_s = now_s();
	return p;
}

void out_progress_update(struct out_progress *p, const char *fmt, ...)
{
	if (!p)
		return;
	long now = now_s();
	/* Off a terminal: a plain line now and then, never \r or escapes. */
	if (!p->tty && now - p->last_plain_s < p->interval_s)
		return;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (p->tty) {
		/* \r and erase-line rewrite the same line in place. */
		fprintf(p->f, "\r\033[K%s (%lds): %s", p->what, now - p->start_s, sb.buf);
		p->shown = true;
	} else {
		fprintf(p->f, "%s (%lds): %s\n", p->what, now - p->start_s, sb.buf);
		p->last_plain_s = now;
	}
	fflush(p->f);
	strbuf_release(&sb);
}

static void progress_free(struct out_progress *p)
{
	fflush(p->f);
	free(p->what);
	free(p);
}

void out_progress_end(struct out_progress *p, const char *final_line)
{
	if (!p)
		return;
	if (p->shown)
		fputs("\r\033[K", p->f);
	if (final_line)
		fprintf(p->f, "%s\n", final_line);
	progress_free(p);
}

void out_progress_break(struct out_progress *p)
{
	if (!p)
		return;
	if (p->shown)
		fputc('\n', p->f);
	progress_free(p);
}
