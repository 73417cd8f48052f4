/* The archive writer: spill, hash, then emit sorted pax + gzip. */
#define _FILE_OFFSET_BITS 64
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/archive.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct arc_writer {
	FILE *spill;
	uint64_t spill_len;
	int spill_errno; /* first write error, reported by finish */
	struct arc_entry *entries;
	size_t n, alloc;
	EVP_MD_CTX *md; /* the open member's hash */
	bool open;
};

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void arc_sha256_hex(const void *data, size_t len, char out[ARC_SHA256_HEX])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL);
	hex(d, dl, out);
}

struct arc_writer *arc_writer_new(char **why)
{
	FILE *f = tmpfile();
	if (!f) {
		*why = xasprintf("cannot make a temporary file for the archive (%s); set TMPDIR to a writable folder",
				 strerror(errno));
		return NULL;
	}
	struct arc_writer *w = xcalloc(1, sizeof *w);
	w->spill = f;
	w->md = EVP_MD_CTX_new();
	return w;
}

void arc_writer_free(struct arc_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->entries[i].path);
	free(w->entries);
	EVP_MD_CTX_free(w->md);
	if (w->spill)
		fclose(w->spill);
	free(w);
}

void arc_member_begin(struct arc_writer *w, const char *path)
{
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 32;
		w->entries = xrealloc(w->entries, w->alloc * sizeof *w->entries);
	}
	struct arc_entry *e = &w->entries[w->n++];
	memset(e, 0, sizeof *e);
	e->path = xstrdup(path);
	e->offset = w->spill_len;
	EVP_DigestInit_ex(w->md, EVP_sha256(), NULL);
	w->open = true;
}

void arc_member_write(struct arc_writer *w, const void *buf, size_t len)
{
	if (!len)
		return;
	if (fwrite(buf, 1, len, w->spill) != len && !w->spill_errno)
		w->spill_errno = errno ? errno : EIO;
	EVP_DigestUpdate(w->md, buf, len);
	w->spill_len += len;
	w->entries[w->n - 1].size += len;
}

void arc_member_printf(struct arc_writer *w, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	arc_member_write(w, sb.buf, sb.len);
	strbuf_release(&sb);
}

void arc_member_end(struct arc_writer *w)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	EVP_DigestFinal_ex(w->md, d, &dl);
	hex(d, dl, w->entries[w->n - 1].sha256);
	w->open = false;
}

void arc_add(struct arc_writer *w, const char *path, const void *buf, size_t len)
{
	arc_member_begin(w, path);
	arc_member_write(w, buf, len);
	arc_member_end(w);
}

void arc_add_json(struct arc_writer *w, const char *path, json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	arc_member_begin(w, path);
	arc_member_write(w, s, strlen(s));
	arc_member_write(w, "\n", 1);
	arc_member_end(w);
}

const struct arc_entry *arc_writer_entries(const struct arc_writer *w, size_t *n)
{
	*n = w->n;
	return w->entries;
}

static int by_path(const void *a, const void *b)
{
	return strcmp((*(const struct arc_entry *const *)a)->path, (*(const struct arc_entry *const *)b)->path);
}

static int fail_archive(struct archive *a, const char *what, char **why)
{
	*why = xasprintf("writing the archive: %s: %s", what, archive_error_string(a) ? archive_error_string(a) : "?");
	return -1;
}

/* Copies one member from the spill file into the archive. */
static int emit(struct arc_writer *w, struct archive *a, struct archive_entry *ae, const struct arc_entry *e,
		char **why)
{
	archive_entry_clear(ae);
	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_size(ae, (la_int64_t)e->size);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, ARC_MODE);
	archive_entry_set_mtime(ae, ARC_MTIME, 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK)
		return fail_archive(a, e->path, why);
	if (fseeko(w->spill, (off_t)e->offset, SEEK_SET) != 0) {
		*why = xasprintf("reading back the archive's temporary file: %s", strerror(errno));
		return -1;
	}
	char buf[65536];
	uint64_t left = e->size;
	while (left) {
		size_t chunk = left < sizeof buf ? (size_t)left : sizeof buf;
		if (fread(buf, 1, chunk, w->spill) != chunk) {
			*why = xasprintf("reading back the archive's temporary file: %s",
					 ferror(w->spill) ? strerror(errno) : "short read");
			return -1;
		}
		if (archive_write_data(a, buf, chunk) != (la_ssize_t)chunk)
			return fail_archive(a, e->path, why);
		left -= chunk;
	}
	return 0;
}

int arc_writer_finish(struct arc_writer *w, int fd, char **why)
{
	if (w->spill_errno || fflush(w->spill) != 0) {
		*why = xasprintf("writing the archive's temporary file: %s",
				 strerror(w->spill_errno ? w->spill_errno : errno));
		return -1;
	}
	const struct arc_entry **sorted = xcalloc(w->n ? w->n : 1, sizeof *sorted);
	for (size_t i = 0; i < w->n; i++)
		sorted[i] = &w->entries[i];
	qsort(sorted, w->n, sizeof *sorted, by_path);
	for (size_t i = 1; i < w->n; i++)
		if (!strcmp(sorted[i - 1]->path, sorted[i]->path)) {
			*why = xasprintf("writing the archive: %s is there twice", sorted[i]->path);
			free(sorted);
			return -1;
		}

	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	int rc = 0;
	archive_write_add_filter_gzip(a);
	/* No timestamp in the gzip header: the same members give the same bytes. */
	archive_write_set_options(a, "gzip:!timestamp");
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
		rc = fail_archive(a, "opening the output", why);
	for (size_t i = 0; !rc && i < w->n; i++)
		rc = emit(w, a, ae, sorted[i], why);
	if (archive_write_close(a) != ARCHIVE_OK && !rc)
		rc = fail_archive(a, "closing", why);
	archive_entry_free(ae);
	archive_write_free(a);
	free(sorted);
	return rc;
}

int arc_writer_save(struct arc_writer *w, const char *output, char **why)
{
	if (!strcmp(output, "-"))
		return arc_writer_finish(w, STDOUT_FILENO, why);
	char *tmp = xasprintf("%s.tmp-%ld", output, (long)getpid()), *detail = NULL;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600), rc = 0;
	if (fd < 0) {
		*why = xasprintf("cannot write %s: %s", output, strerror(errno));
		rc = -1;
	} else if (arc_writer_finish(w, fd, &detail) < 0 || close(fd) < 0 || rename(tmp, output) < 0) {
		*why = xasprintf("writing %s: %s", output, detail ? detail : strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(detail);
	free(tmp);
	return rc;
}
