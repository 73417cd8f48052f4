/* Archives: the tar.gz files `bundle` and `export` write and `import` reads.
 *
 * Writing: members are spilled to one temporary file as they are produced
 * (memory stays flat whatever their size), each hashed on the way; at the
 * end they are emitted in sorted path order as pax + gzip with a fixed mtime,
 * mode 0600 and no owner names, so the same members give the same bytes.
 *
 * Reading: every member is checked (regular file, relative path without
 * "..", bounded size and count) and read into memory; anything else is a
 * one-line refusal before the caller looks at the contents.
 *
 * The index (export's manifest.json, bundle's index.json) is one struct with
 * one reader and one writer and a format field that carries the version. */
#ifndef VOLSNAP_ARCHIVE_H
#define VOLSNAP_ARCHIVE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strlist.h"

/* Every member's mtime: 2000-01-01T00:00:00Z, so archives do not change with the clock. */
#define ARC_MTIME 946684800
#define ARC_MODE 0600
#define ARC_SHA256_HEX 65 /* 64 hex digits and NUL */

/* sha256 of a buffer as lowercase hex into out. */
void arc_sha256_hex(const void *data, size_t len, char out[ARC_SHA256_HEX]);

/* ---- writing (writer.c) --------------------------------------------------- */

struct arc_entry {
	char *path;
	uint64_t offset; /* in the spill file */
	uint64_t size;
	char sha256[ARC_SHA256_HEX];
};

struct arc_writer;
/* NULL with *why (caller frees) when no temporary file can be made. */
struct arc_writer *arc_writer_new(char **why);
void arc_writer_free(struct arc_writer *w);
/* A member is written as begin, any number of writes, end. Paths must be
 * unique; the writer sorts them at the end. */
void arc_member_begin(struct arc_writer *w, const char *path);
void arc_member_write(struct arc_writer *w, const void *buf, size_t len);
void arc_member_printf(struct arc_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arc_member_end(struct arc_writer *w);
/* One whole member. */
void arc_add(struct arc_writer *w, const char *path, const void *buf, size_t len);
/* obj as indented JSON with a trailing newline (the way kubectl prints it). */
void arc_add_json(struct arc_writer *w, const char *path, json_object *obj);
/* The members so far, in the order they were added. */
const struct arc_entry *arc_writer_entries(const struct arc_writer *w, size_t *n);
/* Emits every member, sorted by path, as a pax tar through gzip to fd.
 * -1 with *why (caller frees) on a write failure (disk full, closed pipe). */
int arc_writer_finish(struct arc_writer *w, int fd, char **why);

/* arc_writer_finish to output: "-" is stdout; a file is written beside itself
 * as FILE.tmp-PID (mode 0600) and renamed, so a failure never leaves half an
 * archive. -1 with *why (caller frees). */
int arc_writer_save(struct arc_writer *w, const char *output, char **why);

/* ---- reading (reader.c) --------------------------------------------------- */

struct arc_limits {
	size_t max_member; /* bytes per member */
	size_t max_total;  /* bytes over all members */
	size_t max_members;
};
/* What import accepts: 4 MiB a member, 64 MiB in all, 4096 members. */
extern const struct arc_limits arc_import_limits;

struct arc_member {
	char *path;
	char *data; /* NUL-terminated for convenience; size excludes it */
	size_t size;
};
struct arc_members {
	struct arc_member *items;
	size_t n;
};

/* true when path is relative, has no empty, "." or ".." component and no
 * backslash: the only paths the reader accepts. */
bool arc_path_is_safe(const char *path);
/* Reads a gzip-compressed tar from fd. name is the file's name for messages
 * ("-" for stdin). -1 with *why (caller frees): not gzip, not tar, truncated,
 * an unsafe path, a link or device, a duplicate, too large or too many. */
int arc_read_fd(int fd, const char *name, const struct arc_limits *lim, struct arc_members *out, char **why);
const struct arc_member *arc_members_find(const struct arc_members *m, const char *path);
void arc_members_clear(struct arc_members *m);

/* ---- the index: manifest.json / index.json (index.c) ---------------------- */

#define ARC_EXPORT_FORMAT "volsnap.io/export/v1"
#define ARC_BUNDLE_FORMAT "volsnap.io/bundle/v1"

struct arc_file {
	char *path;
	int64_t size;
	char sha256[ARC_SHA256_HEX];
};

struct arc_source {
	char *server;	  /* the API server's URL */
	char *cluster_id; /* the kube-system namespace's UID */
	char *version;	  /* the server's gitVersion */
	char *provider;	  /* the detected provider's ID */
};

/* Fills src from the cluster (source.c): the server's URL, the kube-system
 * namespace's UID, /version and the provider doctor detects. Best effort: a
 * read that fails leaves its field NULL. */
struct kube_client;
void arc_source_read(struct kube_client *c, struct arc_source *src);
void arc_source_clear(struct arc_source *src);

struct arc_index {
	char *format;	       /* ARC_EXPORT_FORMAT or ARC_BUNDLE_FORMAT */
	char *volsnap_version; /* the plugin that wrote it */
	char *created_at;      /* RFC 3339; export only (a bundle stays free of times) */
	struct arc_source source;
	struct strlist snapshots; /* export: the snapshots' names, each a folder snapshots/<name>/ */
	char *namespace;	  /* export: the source namespace */
	struct arc_file *files;
	size_t nfiles;
};

void arc_index_add_file(struct arc_index *ix, const char *path, int64_t size, const char *sha256);
/* Adds every member of w (index and manifest excluded by the caller's order). */
void arc_index_add_entries(struct arc_index *ix, const struct arc_writer *w);
json_object *arc_index_to_json(const struct arc_index *ix);
/* Reads an index of the format family of want ("volsnap.io/export/"): -1
 * with *why (caller frees) when a field is missing or the version is not v1. */
int arc_index_from_json(json_object *j, const char *want, struct arc_index *ix, char **why);
void arc_index_clear(struct arc_index *ix);
/* The file entry for path, or NULL. */
const struct arc_file *arc_index_file(const struct arc_index *ix, const char *path);

/* Checks members against the index: every listed file present with its size
 * and sha256, nothing present that is not listed (index_path itself aside).
 * NULL when they agree, else the first difference (caller frees). */
char *arc_index_verify(const struct arc_index *ix, const struct arc_members *m, const char *index_path);

/* ---- redaction (redact.c) ------------------------------------------------- */

#define ARC_HIDDEN "***HIDDEN***"

/* What was masked, counted per file and redactor, for redactions.json. */
struct arc_redactions {
	json_object *by_file; /* {"path": {"redactor": count}} */
};
void arc_redactions_init(struct arc_redactions *r);
void arc_redactions_note(struct arc_redactions *r, const char *file, const char *redactor, int count);
json_object *arc_redactions_json(const struct arc_redactions *r); /* a new reference */
void arc_redactions_clear(struct arc_redactions *r);

/* text with URI credentials (scheme://user:pass@), bearer tokens, JWTs and
 * password=/token=/secret= values masked; counts go to r (may be NULL) under
 * file. Returns a new string (caller frees). */
char *arc_redact_text(const char *text, struct arc_redactions *r, const char *file);
/* Masks in a Kubernetes object, in place: the last-applied-configuration
 * annotation, every env value of containers, and arc_redact_text on every
 * string. Returns how many were masked. */
int arc_redact_object(json_object *obj, struct arc_redactions *r, const char *file);
/* --redact-names: "<prefix>-<first 10 hex digits of sha256(name)>". Caller frees. */
char *arc_hash_name(const char *prefix, const char *name);

#endif
