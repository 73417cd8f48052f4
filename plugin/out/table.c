/* Aligned columns as `kubectl get` prints them (tabwriter, padding 3). */
#include <stdlib.h>
#include <string.h>

#include "out/out.h"
#include "util/quantity.h"
#include "util/xalloc.h"

struct out_table {
	FILE *f;
	int ncols;
	char **headers;
	char **cells; /* rows * ncols */
	char **keys;  /* rows: sort keys (out_table_row_keyed), NULL entries allowed */
	size_t rows, alloc;
	int printed;
	bool header_done, no_headers;
	size_t *widths; /* fixed by the first flush: later pages keep them, so columns never shift */
};

struct out_table *out_table_new(FILE *f, const char *const *headers, int ncols)
{
	struct out_table *t = xcalloc(1, sizeof *t);
	t->f = f;
	t->ncols = ncols;
	t->headers = xcalloc((size_t)ncols, sizeof *t->headers);
	for (int i = 0; i < ncols; i++)
		t->headers[i] = xstrdup(headers[i]);
	return t;
}

void out_table_row_keyed(struct out_table *t, const char *const *cells, const char *key)
{
	if (t->rows == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 64;
		t->cells = xrealloc(t->cells, t->alloc * (size_t)t->ncols * sizeof *t->cells);
		t->keys = xrealloc(t->keys, t->alloc * sizeof *t->keys);
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->rows * (size_t)t->ncols + (size_t)i] = xstrdup(cells[i] ? cells[i] : "<none>");
	t->keys[t->rows] = xstrdup_or_null(key);
	t->rows++;
}

void out_table_row(struct out_table *t, const char *const *cells)
{
	out_table_row_keyed(t, cells, NULL);
}

int out_key_cmp(const char *a, const char *b)
{
	int64_t x, y;
	if (a && b && quantity_parse(a, &x) && quantity_parse(b, &y))
		return x < y ? -1 : x > y;
	return strcmp(a ? a : "", b ? b : "");
}

static const struct out_table *sorting; /* qsort has no user pointer in C11 */

static int row_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = out_key_cmp(sorting->keys[a], sorting->keys[b]);
	return c ? c : (a > b) - (a < b); /* stable: equal keys keep their order */
}

void out_table_sort(struct out_table *t)
{
	size_t n = t->rows, nc = (size_t)t->ncols;
	if (n < 2)
		return;
	size_t *order = xcalloc(n, sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sorting = t;
	qsort(order, n, sizeof *order, row_cmp);
	sorting = NULL;
	char **cells = xcalloc(n * nc, sizeof *cells), **keys = xcalloc(n, sizeof *keys);
	for (size_t i = 0; i < n; i++) {
		memcpy(cells + i * nc, t->cells + order[i] * nc, nc * sizeof *cells);
		keys[i] = t->keys[order[i]];
	}
	memcpy(t->cells, cells, n * nc * sizeof *cells);
	memcpy(t->keys, keys, n * sizeof *keys);
	free(cells);
	free(keys);
	free(order);
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

static void print_row(struct out_table *t, char *const *cells, const size_t *widths)
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
	if (!t->rows)
		return;
	if (!t->widths) {
		t->widths = xcalloc((size_t)t->ncols, sizeof *t->widths);
		for (int i = 0; i < t->ncols; i++)
			t->widths[i] = t->no_headers ? 0 : width(t->headers[i]);
		for (size_t r = 0; r < t->rows; r++)
			for (int i = 0; i < t->ncols; i++) {
				size_t w = width(t->cells[r * (size_t)t->ncols + (size_t)i]);
				if (w > t->widths[i])
					t->widths[i] = w;
			}
	}
	if (!t->header_done) {
		if (!t->no_headers)
			print_row(t, t->headers, t->widths);
		t->header_done = true;
	}
	for (size_t r = 0; r < t->rows; r++) {
		print_row(t, t->cells + r * (size_t)t->ncols, t->widths);
		for (int i = 0; i < t->ncols; i++)
			free(t->cells[r * (size_t)t->ncols + (size_t)i]);
		free(t->keys[r]);
	}
	t->printed += (int)t->rows;
	t->rows = 0;
}

void out_table_set_no_headers(struct out_table *t, bool no_headers)
{
	t->no_headers = no_headers;
}

int out_table_rows_printed(const struct out_table *t)
{
	return t->printed + (int)t->rows;
}

void out_table_free(struct out_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->rows * (size_t)t->ncols; r++)
		free(t->cells[r]);
	for (size_t r = 0; r < t->rows; r++)
		free(t->keys[r]);
	free(t->keys);
	for (int i = 0; i < t->ncols; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->cells);
	free(t->widths);
	free(t);
}
