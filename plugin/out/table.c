/* Aligned columns as `kubectl get` prints them (tabwriter, padding 3). */
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "util/quantity.h"
#include "util/spill.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct out_table {
	FILE *f;
	int ncols;
	char **headers;
	/* Held rows, each one record: a byte saying whether a key follows, the
	 * key, then the ncols cells, all NUL-terminated. Beyond a few MB they go
	 * to a temporary file (util/spill.h), so a sorted table of any length
	 * holds the same memory. */
	struct spill *rows;
	int printed;
	bool header_done, no_headers;
	size_t *seen;	/* widest cell of each column among the rows held before the first flush */
	size_t *widths; /* fixed by the first flush: later pages keep them, so columns never shift */
	char *err;	/* the temporary file failed; rows were lost (owned) */
};

int out_key_cmp(const char *a, const char *b)
{
	int64_t x, y;
	if (a && b && quantity_parse(a, &x) && quantity_parse(b, &y))
		return x < y ? -1 : x > y;
	return strcmp(a ? a : "", b ? b : "");
}

static const char *keyed_key(const void *rec)
{
	const char *p = rec;
	return *p ? p + 1 : NULL;
}

void out_keyed_begin(struct strbuf *sb, const char *key)
{
	strbuf_addch(sb, key ? 1 : 0);
	if (key)
		strbuf_add(sb, key, strlen(key) + 1);
}

/* By key (NULL first); spill keeps equal keys in the order they came. */
int out_keyed_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	(void)alen, (void)blen;
	return out_key_cmp(keyed_key(a), keyed_key(b));
}

const char *out_keyed_body(const void *rec)
{
	const char *p = rec;
	return *p ? p + strlen(p + 1) + 2 : p + 1;
}

struct out_table *out_table_new(FILE *f, const char *const *headers, int ncols)
{
	struct out_table *t = xcalloc(1, sizeof *t);
	t->f = f;
	t->ncols = ncols;
	t->headers = xcalloc((size_t)ncols, sizeof *t->headers);
	for (int i = 0; i < ncols; i++)
		t->headers[i] = xstrdup(headers[i]);
	t->seen = xcalloc((size_t)ncols, sizeof *t->seen);
	t->rows = spill_new(out_keyed_cmp);
	return t;
}

static size_t width(const char *s);

void out_table_row_keyed(struct out_table *t, const char *const *cells, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	out_keyed_begin(&sb, key);
	for (int i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "<none>";
		strbuf_add(&sb, c, strlen(c) + 1);
		if (!t->widths && width(c) > t->seen[i])
			t->seen[i] = width(c);
	}
	if (spill_add(t->rows, sb.buf, sb.len) < 0 && !t->err)
		t->err = xstrdup(spill_error(t->rows));
	strbuf_release(&sb);
}

void out_table_row(struct out_table *t, const char *const *cells)
{
	out_table_row_keyed(t, cells, NULL);
}

/* Display width: count UTF-8 lead bytes so marks like ✓ take one column. */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void print_row(struct out_table *t, const char *const *cells, const size_t *widths)
{
	for (int i = 0; i < t->ncols; i++) {
		fputs(cells[i], t->f);
		if (i == t->ncols - 1)
			break;
		/* A later page's longer cell pushes only its own row, still 3 apart. */
		size_t w = width(cells[i]), pad = w < widths[i] ? widths[i] - w + 3 : 3;
		while (pad--)
			fputc(' ', t->f);
	}
	fputc('\n', t->f);
}

void out_table_flush(struct out_table *t)
{
	const void *rec;
	size_t len;
	int rc;
	if (!spill_count(t->rows))
		return;
	if (!t->widths) {
		t->widths = xcalloc((size_t)t->ncols, sizeof *t->widths);
		for (int i = 0; i < t->ncols; i++) {
			t->widths[i] = t->no_headers ? 0 : width(t->headers[i]);
			if (t->seen[i] > t->widths[i])
				t->widths[i] = t->seen[i];
		}
	}
	if (!t->header_done) {
		if (!t->no_headers)
			print_row(t, (const char *const *)t->headers, t->widths);
		t->header_done = true;
	}
	const char **cells = xcalloc((size_t)t->ncols, sizeof *cells);
	while ((rc = spill_next(t->rows, &rec, &len)) > 0) {
		const char *p = out_keyed_body(rec);
		for (int i = 0; i < t->ncols; i++, p += strlen(p) + 1)
			cells[i] = p;
		print_row(t, cells, t->widths);
		t->printed++;
	}
	if (rc < 0 && !t->err)
		t->err = xstrdup(spill_error(t->rows));
	free(cells);
	spill_free(t->rows);
	t->rows = spill_new(out_keyed_cmp);
}

const char *out_table_error(const struct out_table *t)
{
	return t->err;
}

void out_table_set_no_headers(struct out_table *t, bool no_headers)
{
	t->no_headers = no_headers;
}

int out_table_rows_printed(const struct out_table *t)
{
	return t->printed + (int)spill_count(t->rows);
}

void out_table_free(struct out_table *t)
{
	if (!t)
		return;
	spill_free(t->rows);
	for (int i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->seen);
	free(t->widths);
	free(t->err);
	free(t);
}
