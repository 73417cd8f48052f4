/* Ages and progress lines. */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "out/out.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

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
	char *what;
	struct timespec start;
};

struct out_progress *out_progress_start(FILE *f, bool is_tty, const char *what)
{
	struct out_progress *p = xcalloc(1, sizeof *p);
	p->f = f;
	p->tty = is_tty;
	p->what = xstrdup(what);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

void out_progress_update(struct out_progress *p, const char *fmt, ...)
{
	if (!p || !p->tty)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long secs = (long)(now.tv_sec - p->start.tv_sec);
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* \r and erase-line rewrite the same line in place. */
	fprintf(p->f, "\r\033[K%s (%lds): %s", p->what, secs, sb.buf);
	fflush(p->f);
	strbuf_release(&sb);
}

void out_progress_end(struct out_progress *p, const char *final_line)
{
	if (!p)
		return;
	if (p->tty)
		fputs("\r\033[K", p->f);
	if (final_line && p->tty)
		fprintf(p->f, "%s\n", final_line);
	fflush(p->f);
	free(p->what);
	free(p);
}
