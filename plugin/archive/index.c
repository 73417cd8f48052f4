/* manifest.json (export) and index.json (bundle): one struct, one writer, one
 * reader. The format field names the family and its version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "util/json.h"
#include "util/xalloc.h"

void arc_index_add_file(struct arc_index *ix, const char *path, int64_t size, const char *sha256)
{
	ix->files = xrealloc(ix->files, (ix->nfiles + 1) * sizeof *ix->files);
	struct arc_file *f = &ix->files[ix->nfiles++];
	f->path = xstrdup(path);
	f->size = size;
	snprintf(f->sha256, sizeof f->sha256, "%s", sha256);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct arc_file *)a)->path, ((const struct arc_file *)b)->path);
}

void arc_index_add_entries(struct arc_index *ix, const struct arc_writer *w)
{
	size_t n;
	const struct arc_entry *e = arc_writer_entries(w, &n);
	for (size_t i = 0; i < n; i++)
		arc_index_add_file(ix, e[i].path, (int64_t)e[i].size, e[i].sha256);
	qsort(ix->files, ix->nfiles, sizeof *ix->files, by_path);
}

static void add_str(json_object *o, const char *key, const char *val)
{
	if (val)
		json_object_object_add(o, key, json_object_new_string(val));
}

json_object *arc_index_to_json(const struct arc_index *ix)
{
	json_object *j = json_object_new_object();
	add_str(j, "format", ix->format);
	add_str(j, "volsnapVersion", ix->volsnap_version);
	add_str(j, "createdAt", ix->created_at);
	if (ix->source.server || ix->source.cluster_id || ix->source.version || ix->source.provider) {
		json_object *s = json_object_new_object();
		add_str(s, "server", ix->source.server);
		add_str(s, "clusterID", ix->source.cluster_id);
		add_str(s, "version", ix->source.version);
		add_str(s, "provider", ix->source.provider);
		json_object_object_add(j, "source", s);
	}
	add_str(j, "namespace", ix->namespace);
	if (ix->snapshots.n) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < ix->snapshots.n; i++)
			json_object_array_add(a, json_object_new_string(ix->snapshots.items[i]));
		json_object_object_add(j, "snapshots", a);
	}
	json_object *files = json_object_new_array();
	for (size_t i = 0; i < ix->nfiles; i++) {
		json_object *f = json_object_new_object();
		add_str(f, "path", ix->files[i].path);
		json_object_object_add(f, "size", json_object_new_int64(ix->files[i].size));
		add_str(f, "sha256", ix->files[i].sha256);
		json_object_array_add(files, f);
	}
	json_object_object_add(j, "files", files);
	return j;
}

static char *dup_field(json_object *j, const char *path)
{
	return xstrdup_or_null(jstr(j, path));
}

static bool is_sha256(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return false;
	return true;
}

static int read_files(json_object *j, struct arc_index *ix, char **why)
{
	json_object *files = jget(j, "files");
	if (!files || !json_object_is_type(files, json_type_array)) {
		*why = xstrdup("it has no \"files\" list");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i);
		const char *path = jstr(f, "path"), *sha = jstr(f, "sha256");
		int64_t size;
		if (!arc_path_is_safe(path) || !jint64(f, "size", &size) || size < 0 || !is_sha256(sha)) {
			*why = xasprintf("file entry %zu needs a relative path, a size and a sha256", i + 1);
			return -1;
		}
		arc_index_add_file(ix, path, size, sha);
	}
	return 0;
}

int arc_index_from_json(json_object *j, const char *want, struct arc_index *ix, char **why)
{
	memset(ix, 0, sizeof *ix);
	const char *format = jstr(j, "format");
	size_t wl = strlen(want);
	if (!format || strncmp(format, want, wl) != 0) {
		*why = xasprintf("it is not a kubectl-volsnap %s archive (format \"%s\")", want,
				 format ? format : "missing");
		return -1;
	}
	if (strcmp(format + wl, "v1") != 0) {
		*why = xasprintf("unknown format version %s: this kubectl-volsnap reads %sv1; use a newer one", format,
				 want);
		return -1;
	}
	ix->format = xstrdup(format);
	ix->volsnap_version = dup_field(j, "volsnapVersion");
	ix->created_at = dup_field(j, "createdAt");
	ix->source.server = dup_field(j, "source.server");
	ix->source.cluster_id = dup_field(j, "source.clusterID");
	ix->source.version = dup_field(j, "source.version");
	ix->source.provider = dup_field(j, "source.provider");
	ix->namespace = dup_field(j, "namespace");
	json_object *snaps = jget(j, "snapshots");
	for (size_t i = 0; snaps && json_object_is_type(snaps, json_type_array) && i < json_object_array_length(snaps);
	     i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(snaps, i));
		if (s)
			strlist_push(&ix->snapshots, s);
	}
	if (read_files(j, ix, why) < 0) {
		arc_index_clear(ix);
		return -1;
	}
	return 0;
}

void arc_index_clear(struct arc_index *ix)
{
	free(ix->format);
	free(ix->volsnap_version);
	free(ix->created_at);
	free(ix->source.server);
	free(ix->source.cluster_id);
	free(ix->source.version);
	free(ix->source.provider);
	free(ix->namespace);
	strlist_clear(&ix->snapshots);
	for (size_t i = 0; i < ix->nfiles; i++)
		free(ix->files[i].path);
	free(ix->files);
	memset(ix, 0, sizeof *ix);
}

const struct arc_file *arc_index_file(const struct arc_index *ix, const char *path)
{
	for (size_t i = 0; i < ix->nfiles; i++)
		if (!strcmp(ix->files[i].path, path))
			return &ix->files[i];
	return NULL;
}

char *arc_index_verify(const struct arc_index *ix, const struct arc_members *m, const char *index_path)
{
	for (size_t i = 0; i < ix->nfiles; i++) {
		const struct arc_file *f = &ix->files[i];
		const struct arc_member *mem = arc_members_find(m, f->path);
		if (!mem)
			return xasprintf("member %s is missing", f->path);
		char sha[ARC_SHA256_HEX];
		arc_sha256_hex(mem->data, mem->size, sha);
		if ((int64_t)mem->size != f->size || strcmp(sha, f->sha256) != 0)
			return xasprintf("member %s does not match its sha256 in %s: the archive was changed or "
					 "damaged",
					 f->path, index_path);
	}
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].path, index_path) != 0 && !arc_index_file(ix, m->items[i].path))
			return xasprintf("member %s is not listed in %s", m->items[i].path, index_path);
	return NULL;
}
