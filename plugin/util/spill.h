/* A bounded-memory external sort: records (byte blobs) added one by one come
 * back in the comparator's order, equal records in the order they were added.
 * While the records held stay under a budget they are only in memory; beyond
 * it, sorted runs go to an unlinked temporary file ($TMPDIR, else /tmp) and are
 * merged when read (at most SPILL_FANIN runs at a time, a small buffer each),
 * so memory stays flat however many records come. With no comparator the
 * records come back in the order added (a sequential store).
 *
 * No temporary file (an image FROM scratch has no /tmp): everything stays in
 * memory, said at -v=4, never an error. Reading or writing the file failing is
 * an error: sticky, reported by spill_error, so a caller never acts on part of
 * its records. */
#ifndef VOLSNAP_SPILL_H
#define VOLSNAP_SPILL_H

#include <stddef.h>

#define SPILL_FANIN 16

/* <0, 0, >0 as strcmp; both records as added. */
typedef int (*spill_cmp_fn)(const void *a, size_t alen, const void *b, size_t blen);

/* -v level: at 4 and more, spill says when it cannot make a temporary file. */
extern int spill_verbosity;

struct spill;
/* cmp NULL: keep the order added. The budget is spill_budget(). */
struct spill *spill_new(spill_cmp_fn cmp);
/* Bytes held in memory before a run is written: VOLSNAP_SPILL_BUDGET (bytes,
 * a tuning knob that tests set to a few hundred bytes) or 2 MB. */
size_t spill_budget(void);
/* Copies len bytes. 0, or -1 once an error happened (spill_error). Adding
 * after the first spill_next is an error. */
int spill_add(struct spill *s, const void *rec, size_t len);
/* The records in order: 1 with *rec and *len set (valid until the next call on s),
 * 0 at the end, -1 on an error. */
int spill_next(struct spill *s, const void **rec, size_t *len);
/* Reads again from the first record. */
void spill_rewind(struct spill *s);
/* Whether any record went to the temporary file. */
int spill_spilled(const struct spill *s);
/* How many records were added. */
size_t spill_count(const struct spill *s);
/* The first error ("writing a temporary file: No space left on device"), or NULL. */
const char *spill_error(const struct spill *s);
void spill_free(struct spill *s);

#endif
