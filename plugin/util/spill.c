/* External sort: in memory under the budget, sorted runs in an unlinked
 * temporary file beyond it, merged SPILL_FANIN at a time. */
#include "util/spill.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/xalloc.h"

#define SPILL_DEFAULT_BUDGET (2u << 20)
#define SPILL_BUF (64u << 10) /* per run read, and the write buffer */
#define REC_OVERHEAD 32	      /* what one held record costs besides its bytes */

int spill_verbosity;

struct rec {
	char *p;
	size_t len;
};

struct run {
	off_t start, end;
};

struct reader {
	off_t pos, end;
	char *buf;
	size_t cap, off, fill;
	const char *cur; /* the record at the head, or NULL when the run is done */
	size_t curlen;
};

struct spill {
	spill_cmp_fn cmp;
	size_t budget, held, count;
	struct rec *recs;
	size_t n, cap;
	bool sorted;
	int fd; /* -1: none yet */
	bool no_file;
	off_t fend;
	char *wbuf;
	size_t wlen;
	struct run *runs;
	size_t nruns, runcap;
	char *err;
	/* reading */
	bool reading;
	size_t at; /* in memory: the next record */
	struct reader *rd;
	size_t nrd;
	long last; /* the reader whose record was returned last, -1 none */
};

size_t spill_budget(void)
{
	const char *v = getenv("VOLSNAP_SPILL_BUDGET");
	char *end;
	unsigned long long b = v && *v ? strtoull(v, &end, 10) : 0;
	return b && !*end ? (size_t)b : SPILL_DEFAULT_BUDGET;
}

struct spill *spill_new(spill_cmp_fn cmp)
{
	struct spill *s = xcalloc(1, sizeof *s);
	s->cmp = cmp;
	s->budget = spill_budget();
	s->fd = -1;
	s->last = -1;
	return s;
}

static int fail(struct spill *s, const char *what)
{
	if (!s->err)
		s->err = xasprintf("%s a temporary file: %s", what, errno ? strerror(errno) : "short read");
	return -1;
}

int spill_spilled(const struct spill *s)
{
	return s->nruns > 0;
}

size_t spill_count(const struct spill *s)
{
	return s->count;
}

const char *spill_error(const struct spill *s)
{
	return s->err;
}

/* ---- sorting in memory: a stable merge sort ----------------------------- */

static void merge_sort(spill_cmp_fn cmp, struct rec *a, struct rec *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2, i = 0, j = h, k = 0;
	merge_sort(cmp, a, tmp, h);
	merge_sort(cmp, a + h, tmp, n - h);
	while (i < h && j < n)
		tmp[k++] = cmp(a[j].p, a[j].len, a[i].p, a[i].len) < 0 ? a[j++] : a[i++];
	while (i < h)
		tmp[k++] = a[i++];
	memcpy(a, tmp, k * sizeof *a); /* a[j..n) are in place already */
}

static void sort_held(struct spill *s)
{
	if (s->sorted || !s->cmp || s->n < 2) {
		s->sorted = true;
		return;
	}
	struct rec *tmp = xcalloc(s->n, sizeof *tmp);
	merge_sort(s->cmp, s->recs, tmp, s->n);
	free(tmp);
	s->sorted = true;
}

/* ---- the temporary file -------------------------------------------------- */

static bool open_file(struct spill *s)
{
	if (s->fd >= 0)
		return true;
	if (s->no_file)
		return false;
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/volsnap-spill.XXXXXX", dir && *dir ? dir : "/tmp");
	s->fd = mkstemp(path);
	if (s->fd >= 0) {
		unlink(path);
	} else {
		s->no_file = true;
		if (spill_verbosity >= 4)
			fprintf(stderr, "spill: cannot make a temporary file %s (%s): holding everything in memory\n",
				path, strerror(errno));
	}
	free(path);
	return s->fd >= 0;
}

static int flush_wbuf(struct spill *s)
{
	size_t done = 0;
	while (done < s->wlen) {
		errno = 0;
		ssize_t w = pwrite(s->fd, s->wbuf + done, s->wlen - done, s->fend);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail(s, "writing");
		done += (size_t)w;
		s->fend += w;
	}
	s->wlen = 0;
	return 0;
}

static int put(struct spill *s, const void *p, size_t len)
{
	if (!s->wbuf)
		s->wbuf = xmalloc(SPILL_BUF);
	while (len) {
		size_t room = SPILL_BUF - s->wlen, k = len < room ? len : room;
		memcpy(s->wbuf + s->wlen, p, k);
		s->wlen += k;
		p = (const char *)p + k;
		len -= k;
		if (s->wlen == SPILL_BUF && flush_wbuf(s) < 0)
			return -1;
	}
	return 0;
}

static int put_rec(struct spill *s, const void *p, size_t len)
{
	uint32_t n = (uint32_t)len;
	return put(s, &n, sizeof n) < 0 || put(s, p, len) < 0 ? -1 : 0;
}

static void add_run(struct spill *s, off_t start)
{
	if (s->nruns == s->runcap) {
		s->runcap = s->runcap ? s->runcap * 2 : 16;
		s->runs = xrealloc(s->runs, s->runcap * sizeof *s->runs);
	}
	s->runs[s->nruns].start = start;
	s->runs[s->nruns].end = s->fend;
	s->nruns++;
}

static void drop_held(struct spill *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->recs[i].p);
	s->n = 0;
	s->held = 0;
	s->sorted = false;
}

/* The held records, sorted, as the next run. */
static int write_run(struct spill *s)
{
	off_t start = s->fend;
	sort_held(s);
	for (size_t i = 0; i < s->n; i++)
		if (put_rec(s, s->recs[i].p, s->recs[i].len) < 0)
			return -1;
	if (flush_wbuf(s) < 0)
		return -1;
	drop_held(s);
	add_run(s, start);
	return 0;
}

int spill_add(struct spill *s, const void *rec, size_t len)
{
	if (s->err)
		return -1;
	if (s->reading || len > UINT32_MAX) {
		errno = EINVAL;
		return fail(s, "adding to");
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->recs = xrealloc(s->recs, s->cap * sizeof *s->recs);
	}
	s->recs[s->n].p = xmalloc(len ? len : 1);
	memcpy(s->recs[s->n].p, rec, len);
	s->recs[s->n++].len = len;
	s->held += len + REC_OVERHEAD;
	s->count++;
	s->sorted = false;
	if (s->held > s->budget && open_file(s))
		return write_run(s);
	return 0;
}

/* ---- reading runs ---------------------------------------------------------- */

/* At least want bytes after off in the buffer: 1, 0 when the run ended
 * cleanly before any, -1 on an error. */
static int need(struct spill *s, struct reader *r, size_t want)
{
	if (r->fill - r->off >= want)
		return 1;
	memmove(r->buf, r->buf + r->off, r->fill - r->off);
	r->fill -= r->off;
	r->off = 0;
	if (want > r->cap) {
		r->cap = want;
		r->buf = xrealloc(r->buf, r->cap);
	}
	while (r->fill < want) {
		off_t left = r->end - r->pos;
		size_t room = r->cap - r->fill;
		if (left <= 0) {
			errno = 0;
			return r->fill ? fail(s, "reading") : 0;
		}
		if ((off_t)room > left)
			room = (size_t)left;
		errno = 0;
		ssize_t got = pread(s->fd, r->buf + r->fill, room, r->pos);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return fail(s, "reading");
		r->fill += (size_t)got;
		r->pos += got;
	}
	return 1;
}

static int advance(struct spill *s, struct reader *r)
{
	uint32_t n;
	int rc = need(s, r, sizeof n);
	r->cur = NULL;
	if (rc <= 0)
		return rc;
	memcpy(&n, r->buf + r->off, sizeof n);
	rc = need(s, r, sizeof n + n);
	if (rc <= 0) {
		errno = 0;
		return fail(s, "reading");
	}
	r->cur = r->buf + r->off + sizeof n;
	r->curlen = n;
	r->off += sizeof n + n;
	return 1;
}

static void close_readers(struct spill *s)
{
	for (size_t i = 0; i < s->nrd; i++)
		free(s->rd[i].buf);
	free(s->rd);
	s->rd = NULL;
	s->nrd = 0;
	s->last = -1;
}

static int open_readers(struct spill *s, const struct run *runs, size_t n)
{
	close_readers(s);
	s->rd = xcalloc(n ? n : 1, sizeof *s->rd);
	s->nrd = n;
	for (size_t i = 0; i < n; i++) {
		s->rd[i].pos = runs[i].start;
		s->rd[i].end = runs[i].end;
		s->rd[i].cap = SPILL_BUF;
		s->rd[i].buf = xmalloc(SPILL_BUF);
		if (advance(s, &s->rd[i]) < 0)
			return -1;
	}
	return 0;
}

/* The reader with the least head; equal heads: the earlier run. -1 when all are done. */
static long least(const struct spill *s)
{
	long best = -1;
	for (size_t i = 0; i < s->nrd; i++) {
		const struct reader *r = &s->rd[i];
		if (!r->cur)
			continue;
		if (best < 0 || (s->cmp && s->cmp(r->cur, r->curlen, s->rd[best].cur, s->rd[best].curlen) < 0))
			best = (long)i;
		if (!s->cmp)
			break;
	}
	return best;
}

/* Merges runs [from, from+n) into one new run at the end of the file. */
static int merge_runs(struct spill *s, size_t from, size_t n)
{
	off_t start = s->fend;
	long i;
	if (open_readers(s, s->runs + from, n) < 0)
		return -1;
	while ((i = least(s)) >= 0) {
		if (put_rec(s, s->rd[i].cur, s->rd[i].curlen) < 0 || advance(s, &s->rd[i]) < 0)
			return -1;
	}
	if (flush_wbuf(s) < 0)
		return -1;
	close_readers(s);
	add_run(s, start);
	return 0;
}

/* Until at most SPILL_FANIN runs are left, each pass merging them in groups. */
static int reduce_runs(struct spill *s)
{
	while (s->cmp && s->nruns > SPILL_FANIN) {
		size_t old = s->nruns;
		for (size_t from = 0; from < old; from += SPILL_FANIN) {
			size_t n = old - from < SPILL_FANIN ? old - from : SPILL_FANIN;
			if (merge_runs(s, from, n) < 0)
				return -1;
		}
		memmove(s->runs, s->runs + old, (s->nruns - old) * sizeof *s->runs);
		s->nruns -= old;
	}
	if (!s->cmp && s->nruns > 1) { /* in order already, one after another */
		s->runs[0].end = s->runs[s->nruns - 1].end;
		s->nruns = 1;
	}
	return 0;
}

static int start_reading(struct spill *s)
{
	s->reading = true;
	if (s->fd < 0 || !s->nruns) {
		sort_held(s);
		return 0;
	}
	if ((s->n && write_run(s) < 0) || reduce_runs(s) < 0)
		return -1;
	return open_readers(s, s->runs, s->nruns);
}

void spill_rewind(struct spill *s)
{
	s->at = 0;
	close_readers(s);
	s->reading = false; /* the next spill_next starts again from the first record */
}

int spill_next(struct spill *s, const void **rec, size_t *len)
{
	if (s->err)
		return -1;
	if (!s->reading && start_reading(s) < 0)
		return -1;
	if (!s->nruns || s->fd < 0) {
		if (s->at >= s->n)
			return 0;
		*rec = s->recs[s->at].p;
		*len = s->recs[s->at++].len;
		return 1;
	}
	if (s->last >= 0 && advance(s, &s->rd[s->last]) < 0)
		return -1;
	s->last = least(s);
	if (s->last < 0)
		return 0;
	*rec = s->rd[s->last].cur;
	*len = s->rd[s->last].curlen;
	return 1;
}

void spill_free(struct spill *s)
{
	if (!s)
		return;
	drop_held(s);
	free(s->recs);
	close_readers(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s->wbuf);
	free(s->runs);
	free(s->err);
	free(s);
}
