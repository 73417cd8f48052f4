/* The archive reader: a gzip-compressed tar into memory, refusing anything
 * import should never see. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/archive.h"
#include "util/xalloc.h"

const struct arc_limits arc_import_limits = {
    .max_member = 4u << 20,
    .max_total = 64u << 20,
    .max_members = 4096,
};

bool arc_path_is_safe(const char *path)
{
	if (!path || !*path || path[0] == '/' || strchr(path, '\\'))
		return false;
	const char *p = path;
	for (;;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

const struct arc_member *arc_members_find(const struct arc_members *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->items[i].path, path))
			return &m->items[i];
	return NULL;
}

void arc_members_clear(struct arc_members *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].path);
		free(m->items[i].data);
	}
	free(m->items);
	m->items = NULL;
	m->n = 0;
}

static const char *kind_name(mode_t type)
{
	switch (type) {
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFCHR:
	case AE_IFBLK:
		return "a device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

/* Checks one header; NULL when the member is acceptable, else why not. */
static char *check_entry(struct archive_entry *ae, const struct arc_members *m, const struct arc_limits *lim,
			 size_t total)
{
	const char *path = archive_entry_pathname(ae);
	if (!path)
		return xstrdup("a member has no name");
	if (!arc_path_is_safe(path))
		return xasprintf("member \"%s\" has an absolute or \"..\" path", path);
	if (archive_entry_hardlink(ae))
		return xasprintf("member %s is a hard link", path);
	mode_t type = archive_entry_filetype(ae);
	if (type != AE_IFREG)
		return xasprintf("member %s is %s", path, kind_name(type));
	la_int64_t size = archive_entry_size(ae);
	if (size < 0 || (uint64_t)size > lim->max_member)
		return xasprintf("member %s is %lld bytes, over the limit of %zu", path, (long long)size,
				 lim->max_member);
	if (total + (size_t)size > lim->max_total)
		return xasprintf("the members are over %zu bytes in all", lim->max_total);
	if (m->n >= lim->max_members)
		return xasprintf("more than %zu members", lim->max_members);
	if (arc_members_find(m, path))
		return xasprintf("member %s is there twice", path);
	return NULL;
}

static int read_data(struct archive *a, struct arc_member *mem, char **why)
{
	size_t got = 0;
	while (got < mem->size) {
		la_ssize_t r = archive_read_data(a, mem->data + got, mem->size - got);
		if (r < 0) {
			*why = xstrdup(archive_error_string(a) ? archive_error_string(a) : "read error");
			return -1;
		}
		if (r == 0) {
			*why = xstrdup("unexpected end of data");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

/* The whole input, at most max bytes; -1 with *why when larger or unreadable. */
static int slurp(int fd, const char *name, size_t max, char **buf, size_t *len, char **why)
{
	size_t alloc = 65536;
	*buf = xmalloc(alloc);
	*len = 0;
	for (;;) {
		if (*len == alloc) {
			if (alloc > max) {
				*why = xasprintf("%s is over %zu bytes, more than an export archive holds", name, max);
				return -1;
			}
			alloc *= 2;
			*buf = xrealloc(*buf, alloc);
		}
		ssize_t r = read(fd, *buf + *len, alloc - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = xasprintf("cannot read %s: %s", name, strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		*len += (size_t)r;
	}
}

static int read_members(struct archive *a, const char *name, const struct arc_limits *lim, struct arc_members *out,
			char **why)
{
	struct archive_entry *ae;
	size_t total = 0, alloc = 0;
	char *detail = NULL;
	int rc = 0;
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			*why = xasprintf("%s is damaged or truncated (%s)", name, archive_error_string(a));
			rc = -1;
			break;
		}
		if (archive_entry_filetype(ae) == AE_IFDIR && arc_path_is_safe(archive_entry_pathname(ae)))
			continue; /* folders written by other tar tools carry nothing */
		if ((detail = check_entry(ae, out, lim, total))) {
			*why = xasprintf("%s: %s", name, detail);
			rc = -1;
			break;
		}
		if (out->n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			out->items = xrealloc(out->items, alloc * sizeof *out->items);
		}
		struct arc_member *mem = &out->items[out->n++];
		mem->path = xstrdup(archive_entry_pathname(ae));
		mem->size = (size_t)archive_entry_size(ae);
		mem->data = xmalloc(mem->size + 1);
		mem->data[mem->size] = '\0';
		total += mem->size;
		if (read_data(a, mem, &detail) < 0) {
			*why = xasprintf("%s is damaged or truncated (member %s: %s)", name, mem->path, detail);
			rc = -1;
			break;
		}
	}
	free(detail);
	return rc;
}

int arc_read_fd(int fd, const char *name, const struct arc_limits *lim, struct arc_members *out, char **why)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if (slurp(fd, name, lim->max_total, &buf, &len, why) < 0) {
		free(buf);
		return -1;
	}
	if (len < 2 || (unsigned char)buf[0] != 0x1f || (unsigned char)buf[1] != 0x8b) {
		*why = xasprintf("%s is not gzip-compressed: export writes a .tar.gz", name);
		free(buf);
		return -1;
	}
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK)
		*why =
		    xasprintf("%s is damaged or truncated, or not a tar archive (%s)", name, archive_error_string(a));
	else
		rc = read_members(a, name, lim, out, why);
	archive_read_free(a);
	free(buf);
	if (rc)
		arc_members_clear(out);
	return rc;
}
