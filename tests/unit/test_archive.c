/* plugin/archive/: the writer (sorted, deterministic, 0600, fixed mtime), the
 * reader's refusals, manifest.json as one struct, redaction, and export/import
 * as pure functions over tests/fixtures/archive/. Golden files are rewritten
 * with VOLSNAP_UPDATE_GOLDEN=1 (then review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "archive/archive.h"
#include "archive/bundle.h"
#include "archive/transfer.h"
#include "util/json.h"
#include "util/xalloc.h"

#define FIX "tests/fixtures/archive/"

static json_object *load(const char *path)
{
	json_object *o = json_object_from_file(path);
	if (!o)
		fail_msg("cannot read %s (run from the repository root)", path);
	return o;
}

static char *pretty(json_object *o)
{
	return xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* Compares obj with the golden file, or rewrites it under VOLSNAP_UPDATE_GOLDEN=1. */
static void assert_golden(json_object *obj, const char *path)
{
	char *got = pretty(obj);
	const char *update = getenv("VOLSNAP_UPDATE_GOLDEN");
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("golden file %s missing; run with VOLSNAP_UPDATE_GOLDEN=1", path);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (strcmp(buf, got) != 0)
		fail_msg("%s differs from the golden file; got:\n%s", path, got);
	free(got);
}

/* ---- writer and reader ------------------------------------------------------ */

/* The archive w writes, as bytes in a temporary file (returned open, at 0). */
static FILE *finish(struct arc_writer *w)
{
	FILE *f = tmpfile();
	char *why = NULL;
	assert_non_null(f);
	if (arc_writer_finish(w, fileno(f), &why) < 0)
		fail_msg("finish: %s", why);
	rewind(f);
	return f;
}

static char *slurp(FILE *f, size_t *len)
{
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *b = xmalloc(*len + 1);
	assert_int_equal(fread(b, 1, *len, f), *len);
	return b;
}

static struct arc_writer *three_members(void)
{
	char *why = NULL;
	struct arc_writer *w = arc_writer_new(&why);
	assert_non_null(w);
	arc_add(w, "namespaces/b/x.json", "{}\n", 3);
	arc_member_begin(w, "a.json");
	for (int i = 0; i < 1000; i++)
		arc_member_printf(w, "line %d\n", i);
	arc_member_end(w);
	arc_add(w, "namespaces/a/x.json", "[]\n", 3);
	return w;
}

static void test_writer_sorts_and_is_deterministic(void **state)
{
	(void)state;
	struct arc_writer *w1 = three_members(), *w2 = three_members();
	FILE *f1 = finish(w1), *f2 = finish(w2);
	size_t l1, l2;
	char *b1 = slurp(f1, &l1), *b2 = slurp(f2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(b1, b2, l1);
	assert_true((unsigned char)b1[0] == 0x1f && (unsigned char)b1[1] == 0x8b);

	/* Entries come out sorted, regular, 0600, at the fixed mtime, owned by 0. */
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, b1, l1), ARCHIVE_OK);
	const char *want[] = {"a.json", "namespaces/a/x.json", "namespaces/b/x.json"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(archive_read_next_header(a, &ae), ARCHIVE_OK);
		assert_string_equal(archive_entry_pathname(ae), want[i]);
		assert_int_equal(archive_entry_filetype(ae), AE_IFREG);
		assert_int_equal(archive_entry_perm(ae), 0600);
		assert_int_equal(archive_entry_mtime(ae), ARC_MTIME);
		assert_int_equal(archive_entry_uid(ae), 0);
	}
	assert_int_equal(archive_read_next_header(a, &ae), ARCHIVE_EOF);
	assert_int_equal(archive_filter_code(a, 0), ARCHIVE_FILTER_GZIP);
	archive_read_free(a);

	/* And the reader gets them back with their contents and hashes. */
	struct arc_members m;
	char *why = NULL;
	lseek(fileno(f1), 0, SEEK_SET); /* the fd itself: rewind() may only move the stdio buffer */
	assert_int_equal(arc_read_fd(fileno(f1), "t", &arc_import_limits, &m, &why), 0);
	assert_int_equal(m.n, 3);
	const struct arc_member *big = arc_members_find(&m, "a.json");
	assert_non_null(big);
	assert_memory_equal(big->data, "line 0\nline 1\n", 14);
	size_t n;
	const struct arc_entry *e = arc_writer_entries(w1, &n);
	char sha[ARC_SHA256_HEX];
	arc_sha256_hex(big->data, big->size, sha);
	assert_string_equal(e[1].sha256, sha);
	assert_int_equal(e[1].size, big->size);
	arc_members_clear(&m);
	free(b1);
	free(b2);
	fclose(f1);
	fclose(f2);
	arc_writer_free(w1);
	arc_writer_free(w2);
}

static void test_sha256_known_vector(void **state)
{
	(void)state;
	char sha[ARC_SHA256_HEX];
	arc_sha256_hex("abc", 3, sha);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_safe_paths(void **state)
{
	(void)state;
	assert_true(arc_path_is_safe("manifest.json"));
	assert_true(arc_path_is_safe("snapshots/s1/content.json"));
	const char *bad[] = {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", "a\\b", "..", NULL};
	for (const char **p = bad; *p; p++)
		if (arc_path_is_safe(*p))
			fail_msg("\"%s\" accepted", *p);
}

/* A tar.gz made with libarchive directly, with whatever entries a test needs. */
static FILE *raw_archive(const char *path, mode_t type, const char *link, size_t size, bool gzip)
{
	FILE *f = tmpfile();
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	if (gzip)
		archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_fd(a, fileno(f));
	archive_entry_set_pathname(ae, path);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, 0644);
	if (link)
		archive_entry_set_symlink(ae, link);
	archive_entry_set_size(ae, type == AE_IFREG ? (la_int64_t)size : 0);
	archive_write_header(a, ae);
	char *zeros = xcalloc(1, size + 1);
	if (type == AE_IFREG)
		archive_write_data(a, zeros, size);
	free(zeros);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(ae);
	rewind(f);
	return f;
}

static void expect_refusal(FILE *f, const char *needle)
{
	struct arc_members m;
	char *why = NULL;
	assert_int_equal(arc_read_fd(fileno(f), "in.tar.gz", &arc_import_limits, &m, &why), -1);
	if (!strstr(why, needle))
		fail_msg("\"%s\" does not say \"%s\"", why, needle);
	assert_int_equal(m.n, 0);
	free(why);
	fclose(f);
}

static void test_reader_refusals(void **state)
{
	(void)state;
	expect_refusal(raw_archive("x", AE_IFREG, NULL, 3, false), "not gzip-compressed");
	expect_refusal(raw_archive("/abs", AE_IFREG, NULL, 3, true), "absolute or \"..\" path");
	expect_refusal(raw_archive("a/../../b", AE_IFREG, NULL, 3, true), "absolute or \"..\" path");
	expect_refusal(raw_archive("link", AE_IFLNK, "/etc/passwd", 0, true), "is a symbolic link");
	expect_refusal(raw_archive("fifo", AE_IFIFO, NULL, 0, true), "is a FIFO");
	expect_refusal(raw_archive("big", AE_IFREG, NULL, (4u << 20) + 1, true), "over the limit");

	/* Truncated: the first half of a good archive. */
	struct arc_writer *w = three_members();
	FILE *f = finish(w);
	size_t len;
	char *b = slurp(f, &len);
	FILE *t = tmpfile();
	fwrite(b, 1, len / 2, t);
	fflush(t);
	lseek(fileno(t), 0, SEEK_SET);
	expect_refusal(t, "damaged or truncated");
	free(b);
	fclose(f);
	arc_writer_free(w);
}

/* ---- the index ------------------------------------------------------------ */

static void fill_index(struct arc_index *ix)
{
	memset(ix, 0, sizeof *ix);
	ix->format = xstrdup(ARC_EXPORT_FORMAT);
	ix->volsnap_version = xstrdup("0.1.0");
	ix->created_at = xstrdup("2025-06-01T12:00:00Z");
	ix->source.server = xstrdup("https://api.example:443");
	ix->source.cluster_id = xstrdup("3c9b0e2a-kube-system");
	ix->source.version = xstrdup("v1.31.4-gke.1256000");
	ix->source.provider = xstrdup("gke");
	ix->namespace = xstrdup("shop");
	strlist_push(&ix->snapshots, "s1");
	char sha[ARC_SHA256_HEX];
	arc_sha256_hex("{}\n", 3, sha);
	arc_index_add_file(ix, "snapshots/s1/snapshot.json", 3, sha);
}

static void test_manifest_golden_and_round_trip(void **state)
{
	(void)state;
	struct arc_index ix, back;
	char *why = NULL;
	fill_index(&ix);
	json_object *j = arc_index_to_json(&ix);
	assert_golden(j, FIX "manifest.golden.json");
	assert_int_equal(arc_index_from_json(j, "volsnap.io/export/", &back, &why), 0);
	json_object *j2 = arc_index_to_json(&back);
	assert_true(json_object_equal(j, j2));
	json_object_put(j2);
	arc_index_clear(&back);

	/* A newer version, another family, a bad file entry. */
	json_object_object_add(j, "format", json_object_new_string("volsnap.io/export/v2"));
	assert_int_equal(arc_index_from_json(j, "volsnap.io/export/", &back, &why), -1);
	assert_non_null(strstr(why, "unknown format version volsnap.io/export/v2"));
	free(why);
	json_object_object_add(j, "format", json_object_new_string(ARC_BUNDLE_FORMAT));
	assert_int_equal(arc_index_from_json(j, "volsnap.io/export/", &back, &why), -1);
	assert_non_null(strstr(why, "not a kubectl-volsnap"));
	free(why);
	json_object_object_add(j, "format", json_object_new_string(ARC_EXPORT_FORMAT));
	json_object_object_add(json_object_array_get_idx(jget(j, "files"), 0), "path", json_object_new_string("../x"));
	assert_int_equal(arc_index_from_json(j, "volsnap.io/export/", &back, &why), -1);
	free(why);
	json_object_put(j);
	arc_index_clear(&ix);
}

static void test_index_verify(void **state)
{
	(void)state;
	struct arc_index ix;
	fill_index(&ix);
	struct arc_member items[] = {
	    {"manifest.json", "{}", 2},
	    {"snapshots/s1/snapshot.json", "{}\n", 3},
	    {"extra", "x", 1},
	};
	struct arc_members m = {items, 2};
	assert_null(arc_index_verify(&ix, &m, "manifest.json"));
	m.n = 3;
	char *why = arc_index_verify(&ix, &m, "manifest.json");
	assert_string_equal(why, "member extra is not listed in manifest.json");
	free(why);
	items[1].data = "{}}";
	why = arc_index_verify(&ix, &m, "manifest.json");
	assert_non_null(strstr(why, "does not match its sha256"));
	free(why);
	m.n = 1;
	why = arc_index_verify(&ix, &m, "manifest.json");
	assert_string_equal(why, "member snapshots/s1/snapshot.json is missing");
	free(why);
	arc_index_clear(&ix);
}

/* ---- redaction ------------------------------------------------------------ */

static void test_redact_text(void **state)
{
	(void)state;
	struct arc_redactions r;
	arc_redactions_init(&r);
	const char *in = "GET https://admin:s3cret@db.example/x with Authorization: Bearer abc.DEF-123 "
			 "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln end password=hunter2; ok "
			 "http://host/no-credentials mail@example.com";
	char *out = arc_redact_text(in, &r, "logs/x.log");
	assert_string_equal(out, "GET https://***HIDDEN***@db.example/x with Authorization: Bearer ***HIDDEN*** "
				 "token ***HIDDEN*** end password=***HIDDEN***; ok "
				 "http://host/no-credentials mail@example.com");
	free(out);
	json_object *j = arc_redactions_json(&r);
	assert_string_equal(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
			    "{\"logs/x.log\":{\"uri-credentials\":1,\"bearer-token\":1,\"jwt\":1,\"secret-value\":1}}");
	json_object_put(j);
	arc_redactions_clear(&r);
}

static void test_redact_object(void **state)
{
	(void)state;
	struct arc_redactions r;
	arc_redactions_init(&r);
	const char *text = "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
			   "\"{...}\",\"keep\":\"me\"}},\"spec\":{\"containers\":[{\"env\":[{\"name\":\"DB_URL\","
			   "\"value\":\"postgres://u:p@db/x\"},{\"name\":\"FROM\",\"valueFrom\":{\"secretKeyRef\":"
			   "{\"name\":\"s\"}}}],\"args\":[\"--dsn=mysql://root:pw@tcp(db)/x\"]}]}}";
	json_object *o = jparse(text, strlen(text));
	assert_int_equal(arc_redact_object(o, &r, "pods.json"), 3);
	assert_string_equal(jstr_key(o, "metadata.annotations", "kubectl.kubernetes.io/last-applied-configuration"),
			    ARC_HIDDEN);
	assert_string_equal(jstr_key(o, "metadata.annotations", "keep"), "me");
	json_object *c = json_object_array_get_idx(jget(o, "spec.containers"), 0);
	assert_string_equal(jstr(json_object_array_get_idx(jget(c, "env"), 0), "value"), ARC_HIDDEN);
	assert_string_equal(jstr(json_object_array_get_idx(jget(c, "env"), 1), "valueFrom.secretKeyRef.name"), "s");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(jget(c, "args"), 0)),
			    "--dsn=mysql://***HIDDEN***@tcp(db)/x");
	json_object_put(o);
	arc_redactions_clear(&r);

	char *h = arc_hash_name("ns", "shop");
	assert_int_equal(strlen(h), 13);
	assert_memory_equal(h, "ns-", 3);
	free(h);
}

/* ---- export and import ---------------------------------------------------- */

static json_object *export_fixture_docs(json_object *in)
{
	struct export_input ei = {
	    .snapshot = jget(in, "snapshot"),
	    .content = jget(in, "content"),
	    .klass = jget(in, "class"),
	    .pvc = jget(in, "pvc"),
	    .storage_class = jget(in, "storageclass"),
	    .pv = jget(in, "pv"),
	};
	assert_null(export_check(ei.snapshot, ei.content));
	return export_docs(&ei);
}

static void test_export_docs_golden(void **state)
{
	(void)state;
	json_object *in = load(FIX "export-input.json");
	json_object *docs = export_fixture_docs(in);
	assert_golden(docs, FIX "export-docs.golden.json");
	/* Nothing volatile or secret travels. */
	const char *s = json_object_to_json_string(docs);
	assert_null(strstr(s, "resourceVersion"));
	assert_null(strstr(s, "managedFields"));
	assert_null(strstr(s, "last-applied"));
	assert_null(strstr(s, "\"uid\""));
	assert_null(strstr(s, "dropped"));
	json_object_put(docs);

	json_object *unready = json_object_get(jget(in, "snapshot"));
	jset(unready, "status.readyToUse", json_object_new_boolean(false));
	char *why = export_check(unready, jget(in, "content"));
	assert_non_null(strstr(why, "is not ready to use"));
	free(why);
	json_object_put(unready);
	json_object_put(in);
}

/* The members an export of the fixture would hold. */
static void fixture_members(struct arc_members *m, json_object *docs)
{
	struct arc_index ix;
	memset(&ix, 0, sizeof ix);
	memset(m, 0, sizeof *m);
	m->items = xcalloc(16, sizeof *m->items);
	json_object_object_foreach(docs, file, doc)
	{
		struct arc_member *mem = &m->items[m->n++];
		mem->path = xasprintf("snapshots/s1/%s", file);
		mem->data = pretty(doc);
		mem->size = strlen(mem->data);
		char sha[ARC_SHA256_HEX];
		arc_sha256_hex(mem->data, mem->size, sha);
		arc_index_add_file(&ix, mem->path, (int64_t)mem->size, sha);
	}
	json_object *j = arc_index_to_json(&ix);
	json_object_object_add(j, "format", json_object_new_string(ARC_EXPORT_FORMAT));
	json_object_object_add(j, "namespace", json_object_new_string("shop"));
	json_object *snaps = json_object_new_array();
	json_object_array_add(snaps, json_object_new_string("s1"));
	json_object_object_add(j, "snapshots", snaps);
	jset(j, "source.clusterID", json_object_new_string("3c9b0e2a-kube-system"));
	struct arc_member *man = &m->items[m->n++];
	man->path = xstrdup(EXPORT_MANIFEST);
	man->data = pretty(j);
	man->size = strlen(man->data);
	json_object_put(j);
	arc_index_clear(&ix);
}

struct import_fx {
	json_object *in, *docs, *target_json;
	struct arc_members m;
	struct import_doc doc;
	struct import_target t;
};

static void import_fx_init(struct import_fx *f)
{
	char *why = NULL;
	memset(f, 0, sizeof *f);
	f->in = load(FIX "export-input.json");
	f->docs = export_fixture_docs(f->in);
	f->target_json = load(FIX "target.json");
	fixture_members(&f->m, f->docs);
	if (import_parse(&f->m, &f->doc, &why) < 0)
		fail_msg("import_parse: %s", why);
	f->t = (struct import_target){
	    .csidrivers = jget(f->target_json, "csidrivers"),
	    .storage_classes = jget(f->target_json, "storage_classes"),
	    .snapshot_classes = jget(f->target_json, "snapshot_classes"),
	    .nodes = jget(f->target_json, "nodes"),
	};
}

static void import_fx_clear(struct import_fx *f)
{
	import_doc_clear(&f->doc);
	arc_members_clear(&f->m);
	json_object_put(f->in);
	json_object_put(f->docs);
	json_object_put(f->target_json);
}

static void test_import_plan_golden(void **state)
{
	(void)state;
	struct import_fx f;
	struct import_plan plan;
	char *why = NULL;
	import_fx_init(&f);
	struct import_opts o = {.ns = "staging", .api_version = "v1", .restore_to = "data"};
	if (import_plan(&f.doc, &o, &f.t, &plan, &why) < 0)
		fail_msg("import_plan: %s", why);
	assert_int_equal(plan.n, 1);
	json_object *out = json_object_new_object();
	json_object_object_add(out, "content", json_object_get(plan.items[0].content));
	json_object_object_add(out, "snapshot", json_object_get(plan.items[0].snapshot));
	json_object_object_add(out, "pvc", json_object_get(plan.items[0].pvc));
	json_object *warn = json_object_new_array();
	for (size_t i = 0; i < plan.warnings.n; i++)
		json_object_array_add(warn, json_object_new_string(plan.warnings.items[i]));
	json_object_object_add(out, "warnings", warn);
	assert_golden(out, FIX "import-plan.golden.json");
	/* The rules of a pre-provisioned content (operations.md section 5). */
	assert_string_equal(jstr(plan.items[0].content, "spec.deletionPolicy"), "Retain");
	assert_string_equal(jstr(plan.items[0].content, "spec.source.snapshotHandle"),
			    "projects/p/global/snapshots/snapshot-9f1c");
	assert_null(jget(plan.items[0].content, "spec.volumeSnapshotClassName"));
	assert_string_equal(jstr(plan.items[0].pvc, "spec.resources.requests.storage"), "10Gi");
	json_object_put(out);
	import_plan_clear(&plan);
	import_fx_clear(&f);
}

static void expect_plan_refusal(struct import_fx *f, const struct import_opts *o, const char *needle)
{
	struct import_plan plan;
	char *why = NULL;
	assert_int_equal(import_plan(&f->doc, o, &f->t, &plan, &why), -1);
	if (!strstr(why, needle))
		fail_msg("\"%s\" does not say \"%s\"", why, needle);
	assert_int_equal(plan.n, 0);
	free(why);
}

static void test_import_plan_refusals(void **state)
{
	(void)state;
	struct import_fx f;
	import_fx_init(&f);
	struct import_opts o = {.ns = "staging", .api_version = "v1"};

	o.klass = "filestore";
	expect_plan_refusal(&f, &o, "--class filestore belongs to driver filestore.csi.storage.gke.io");
	o.klass = "nope";
	expect_plan_refusal(&f, &o, "--class nope: no such VolumeSnapshotClass");
	o.klass = NULL;

	json_object *no_drivers = json_object_new_array();
	f.t.csidrivers = no_drivers;
	expect_plan_refusal(&f, &o, "this cluster has no CSIDriver pd.csi.storage.gke.io");
	f.t.csidrivers = jget(f.target_json, "csidrivers");
	f.t.storage_classes = no_drivers;
	expect_plan_refusal(&f, &o, "no StorageClass with provisioner pd.csi.storage.gke.io");
	json_object_put(no_drivers);

	/* Unreadable facts warn instead of refusing. */
	f.t.storage_classes = NULL;
	f.t.csidrivers = NULL;
	struct import_plan plan;
	char *why = NULL;
	assert_int_equal(import_plan(&f.doc, &o, &f.t, &plan, &why), 0);
	assert_non_null(strstr(plan.warnings.items[0], "could not read CSIDrivers"));
	import_plan_clear(&plan);
	import_fx_clear(&f);
}

static void test_import_parse_refusals(void **state)
{
	(void)state;
	struct import_fx f;
	struct import_doc doc;
	char *why = NULL;
	import_fx_init(&f);
	/* content.json gone from the members (the manifest still lists it). */
	size_t ci = 0;
	while (ci + 1 < f.m.n && !strstr(f.m.items[ci].path, "content.json"))
		ci++;
	struct arc_member *content = &f.m.items[ci];
	struct arc_member saved = *content;
	content->path = xstrdup("snapshots/s1/other.json");
	assert_int_equal(import_parse(&f.m, &doc, &why), -1);
	assert_string_equal(why, "member snapshots/s1/content.json is missing");
	free(why);
	free(content->path);
	*content = saved;
	/* No manifest at all. */
	struct arc_members none = {f.m.items, 1};
	assert_int_equal(import_parse(&none, &doc, &why), -1);
	assert_non_null(strstr(why, "manifest.json is missing"));
	free(why);
	import_fx_clear(&f);
}

static void test_content_name(void **state)
{
	(void)state;
	char *n = import_content_name("staging", "s1", "id", "shop", "s1");
	assert_memory_equal(n, "imported-staging-s1-", 20);
	assert_int_equal(strlen(n), 30);
	char *n2 = import_content_name("other", "s1", "id", "shop", "s1");
	assert_string_not_equal(n, n2);
	free(n2);
	char longname[254];
	memset(longname, 'a', 253);
	longname[253] = '\0';
	n2 = import_content_name("staging", longname, "id", "shop", "s1");
	assert_true(strlen(n2) <= 253);
	free(n2);
	free(n);
}

/* ---- bundle ----------------------------------------------------------------- */

static void test_bundle_names(void **state)
{
	(void)state;
	struct bundle_names n = {STRLIST_INIT, STRLIST_INIT};
	bundle_names_add(&n, "ns", "shop");
	bundle_names_add(&n, "pvc", "data");
	const char *ns = bundle_names_get(&n, "shop"), *pvc = bundle_names_get(&n, "data");
	assert_memory_equal(ns, "ns-", 3);
	assert_memory_equal(pvc, "pvc-", 4);
	assert_string_equal(bundle_names_get(&n, "other"), "other");
	const char *text = "{\"metadata\":{\"namespace\":\"shop\",\"name\":\"data\"},\"kind\":"
			   "\"PersistentVolumeClaim\",\"message\":\"claim \\\"shop/data\\\" bound. database data2 "
			   "shopping\",\"list\":[\"data\",\"x\"]}";
	json_object *o = jparse(text, strlen(text));
	assert_non_null(o);
	assert_int_equal(bundle_names_apply(&n, o), 4);
	assert_string_equal(jstr(o, "metadata.namespace"), ns);
	assert_string_equal(jstr(o, "metadata.name"), pvc);
	assert_string_equal(jstr(o, "kind"), "PersistentVolumeClaim");
	char *want = xasprintf("claim \"%s/%s\" bound. database data2 shopping", ns, pvc);
	assert_string_equal(jstr(o, "message"), want);
	free(want);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(jget(o, "list"), 0)), pvc);
	json_object_put(o);
	bundle_names_clear(&n);
}

static void test_bundle_choices(void **state)
{
	(void)state;
	const char *pod_text =
	    "{\"metadata\":{\"name\":\"csi-gce-pd-controller-0\",\"namespace\":\"kube-system\",\"labels\":{\"app\":"
	    "\"gcp-compute-persistent-disk-csi-driver\"},\"managedFields\":[{}]},\"spec\":{\"containers\":["
	    "{\"name\":\"csi-provisioner\",\"image\":\"registry.k8s.io/sig-storage/csi-provisioner:v5.0.1\"},"
	    "{\"name\":\"gce-pd-driver\",\"image\":\"gke.gcr.io/gcp-compute-persistent-disk-csi-driver:v1.13\"},"
	    "{\"name\":\"csi-snapshotter\",\"image\":\"registry.k8s.io/sig-storage/csi-snapshotter:v8.0.1\"}],"
	    "\"volumes\":[{\"name\":\"socket\",\"emptyDir\":{}}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"1.2.3."
	    "4\"}}";
	json_object *pod = jparse(pod_text, strlen(pod_text));
	struct strlist c = STRLIST_INIT;
	bundle_log_containers(pod, &c);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.items[0], "csi-provisioner");
	assert_string_equal(c.items[1], "csi-snapshotter");
	strlist_clear(&c);
	assert_false(bundle_pod_mounts_pvc(pod));
	json_object *doc = bundle_pod_doc(pod);
	assert_null(jget(doc, "metadata.managedFields"));
	assert_null(jget(doc, "status.podIP"));
	assert_string_equal(jstr(doc, "status.phase"), "Running");
	json_object_put(doc);
	json_object_put(pod);

	char *note = bundle_logs_note("gardener-aws");
	assert_non_null(strstr(note, "Gardener seed"));
	free(note);
	note = bundle_logs_note("gke");
	assert_non_null(strstr(note, "Cloud Logging"));
	free(note);

	const char *crd_text = "{\"metadata\":{\"name\":\"volumesnapshots.snapshot.storage.k8s.io\"},\"spec\":{"
			       "\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,\"schema\":{}},"
			       "{\"name\":\"v1beta1\",\"served\":false,\"storage\":false}]},\"status\":{"
			       "\"storedVersions\":[\"v1beta1\",\"v1\"]}}";
	json_object *crd = jparse(crd_text, strlen(crd_text));
	json_object *d = bundle_crd_doc(crd);
	assert_string_equal(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN),
			    "{\"name\":\"volumesnapshots.snapshot.storage.k8s.io\",\"versions\":[{\"name\":\"v1\","
			    "\"served\":true,\"storage\":true},{\"name\":\"v1beta1\",\"served\":false,\"storage\":"
			    "false}],\"storedVersions\":[\"v1beta1\",\"v1\"]}");
	json_object_put(d);
	json_object_put(crd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writer_sorts_and_is_deterministic),
	    cmocka_unit_test(test_sha256_known_vector),
	    cmocka_unit_test(test_safe_paths),
	    cmocka_unit_test(test_reader_refusals),
	    cmocka_unit_test(test_manifest_golden_and_round_trip),
	    cmocka_unit_test(test_index_verify),
	    cmocka_unit_test(test_redact_text),
	    cmocka_unit_test(test_redact_object),
	    cmocka_unit_test(test_export_docs_golden),
	    cmocka_unit_test(test_import_plan_golden),
	    cmocka_unit_test(test_import_plan_refusals),
	    cmocka_unit_test(test_import_parse_refusals),
	    cmocka_unit_test(test_content_name),
	    cmocka_unit_test(test_bundle_names),
	    cmocka_unit_test(test_bundle_choices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
