/* kubectl volsnap bundle: one archive about snapshots a support engineer can
 * read (plugin/archive/bundle.h decides what goes in; this file reads the
 * cluster and writes members as pages arrive, so memory stays flat). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "archive/bundle.h"
#include "checks/check.h"
#include "command.h"
#include "opts.h"
#include "out/out.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define DEFAULT_OUTPUT "volsnap-bundle.tar.gz"
#define DEFAULT_SINCE_MS (60 * 60 * 1000)

struct bundle {
	const char *output;
	int64_t since_ms;
	int redact_names;
	const char *ns; /* NULL: all namespaces */
	struct kube_client *c;
	struct snap_api api;
	bool have_api;
	struct arc_writer *w;
	struct arc_redactions red;
	struct bundle_names names;
	json_object *errors;
	struct arc_index ix;
	struct out_progress *progress;
	long objects;
};

/* A read that failed is an entry of errors.json, not a failure of the bundle. */
static void record_error(struct bundle *b, const char *what, const char *path, struct kube_error *err)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "what", json_object_new_string(what));
	json_object_object_add(e, "path", json_object_new_string(path));
	json_object_object_add(e, "code", json_object_new_int64(err->http_code));
	if (err->reason)
		json_object_object_add(e, "reason", json_object_new_string(err->reason));
	json_object_object_add(e, "message", json_object_new_string(err->message ? err->message : "?"));
	json_object_array_add(b->errors, e);
	kube_error_clear(err);
}

/* Redacts doc (owned) and writes it as one line of a List member. */
static void write_doc(struct bundle *b, const char *member, json_object *doc, bool first)
{
	json_object *md = jget(doc, "metadata");
	if (md)
		json_object_object_del(md, "managedFields");
	arc_redact_object(doc, &b->red, member);
	int renamed = bundle_names_apply(&b->names, doc);
	arc_redactions_note(&b->red, member, "names", renamed);
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	arc_member_printf(b->w, "%s%s", first ? "" : ",\n", s);
	json_object_put(doc);
	if (++b->objects % 500 == 0)
		out_progress_update(b->progress, "%ld objects", b->objects);
}

struct stream {
	struct bundle *b;
	const char *member;
	bool (*want)(json_object *item, void *ud);
	json_object *(*cut)(json_object *item); /* a new object, or NULL to keep the item */
	void *ud;
	long n;
	void (*on_item)(json_object *item, void *ud); /* seen for every kept item (names, logs) */
};

static int stream_item(json_object *item, void *ud)
{
	struct stream *s = ud;
	if (s->want && !s->want(item, s->ud))
		return 0;
	if (s->on_item)
		s->on_item(item, s->ud);
	if (!s->member)
		return 0;
	if (s->n == 0) {
		arc_member_begin(s->b->w, s->member);
		arc_member_printf(s->b->w, "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n");
	}
	write_doc(s->b, s->member, s->cut ? s->cut(item) : json_object_get(item), s->n == 0);
	s->n++;
	return 0;
}

/* LISTs collection page by page into member (only when something is kept). */
static void stream_list(struct bundle *b, struct stream *s, const char *what, char *path)
{
	struct kube_error err = {0};
	s->b = b;
	if (kube_list_each(b->c, path, NULL, stream_item, s, NULL, &err) < 0)
		record_error(b, what, path, &err);
	if (s->n) {
		arc_member_printf(b->w, "\n]}\n");
		arc_member_end(b->w);
	}
	free(path);
}

static void add_json(struct bundle *b, const char *member, json_object *doc)
{
	arc_redact_object(doc, &b->red, member);
	arc_add_json(b->w, member, doc);
	json_object_put(doc);
}

/* ---- doctor.json, version.json ------------------------------------------ */

static int doctor(struct cmd_ctx *ctx, struct bundle *b)
{
	struct check_facts f;
	struct check_outcome out[CHECK_MAX];
	struct kube_error err = {0};
	bool sel[CHECK_MAX] = {0};
	const char *bad = NULL;
	char *why = NULL;
	check_select(NULL, 0, sel, &bad);
	check_facts_init(&f, b->ns, NULL);
	int rc = check_diagnose(b->c, &f, sel, out, &err, &why);
	free(why);
	if (rc == -1) {
		check_facts_release(&f);
		return cmd_fail_kube(ctx, &err, "cannot read the cluster; nothing was written");
	}
	const char *server = kube_client_config(b->c)->server;
	add_json(b, "doctor.json", check_report_json(&f, server, sel, out));
	b->ix.source.server = xstrdup_or_null(server);
	b->ix.source.version = xstrdup_or_null(f.git_version);
	b->ix.source.provider = xstrdup_or_null(f.provider ? f.provider->id : NULL);
	size_t n;
	check_catalogue(&n);
	check_outcomes_release(out, n);
	check_facts_release(&f);
	return EXIT_OK;
}

static void version(struct bundle *b)
{
	struct kube_error err = {0};
	json_object *v = json_object_new_object(), *server = NULL, *ns = NULL;
	json_object_object_add(v, "client", json_object_new_string(VOLSNAP_VERSION));
	if (kube_get(b->c, "/version", &server, &err) == 0)
		json_object_object_add(v, "server", server);
	else
		record_error(b, "server version", "/version", &err);
	char *path = kube_path(&KUBE_NAMESPACES, NULL, "kube-system", NULL);
	if (kube_get(b->c, path, &ns, &err) == 0)
		b->ix.source.cluster_id = xstrdup_or_null(jstr(ns, "metadata.uid"));
	else
		record_error(b, "cluster id (namespace kube-system)", path, &err);
	json_object_put(ns);
	free(path);
	add_json(b, "version.json", v);
}

/* ---- cluster/ ------------------------------------------------------------- */

static bool in_scope(struct bundle *b, const char *ns)
{
	return ns && (!b->ns || !strcmp(ns, b->ns));
}

static bool pv_wanted(json_object *pv, void *ud)
{
	return in_scope(ud, jstr(pv, "spec.claimRef.namespace"));
}

static bool content_wanted(json_object *c, void *ud)
{
	return in_scope(ud, jstr(c, "spec.volumeSnapshotRef.namespace"));
}

static bool content_event_wanted(json_object *e, void *ud)
{
	(void)ud;
	return !strcmp(jstr_or(e, "involvedObject.kind", ""), "VolumeSnapshotContent");
}

static bool event_wanted(json_object *e, void *ud)
{
	(void)ud;
	return bundle_event_wanted(e);
}

static void crds(struct bundle *b)
{
	json_object *list = json_object_new_object(), *items = json_object_new_array();
	json_object_object_add(list, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(list, "kind", json_object_new_string("List"));
	for (const char *const *name = bundle_crds; *name; name++) {
		struct kube_error err = {0};
		json_object *crd = NULL;
		char *path = kube_path(&KUBE_CRDS, NULL, *name, NULL);
		if (kube_get(b->c, path, &crd, &err) == 0)
			json_object_array_add(items, bundle_crd_doc(crd));
		else
			record_error(b, *name, path, &err);
		json_object_put(crd);
		free(path);
	}
	json_object_object_add(list, "items", items);
	add_json(b, "cluster/customresourcedefinitions.json", list);
}

static void cluster(struct bundle *b)
{
	crds(b);
	struct {
		const struct kube_resource *r;
		const char *member;
		bool (*want)(json_object *, void *);
	} lists[] = {
	    {&KUBE_CSIDRIVERS, "cluster/csidrivers.json", NULL},
	    {&KUBE_CSINODES, "cluster/csinodes.json", NULL},
	    {&KUBE_STORAGECLASSES, "cluster/storageclasses.json", NULL},
	    {&KUBE_PVS, "cluster/persistentvolumes.json", pv_wanted},
	    {b->have_api ? &b->api.classes : NULL, "cluster/volumesnapshotclasses.json", NULL},
	    {b->have_api ? &b->api.contents : NULL, "cluster/volumesnapshotcontents.json", content_wanted},
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		if (!lists[i].r)
			continue;
		struct stream s = {.member = lists[i].member, .want = lists[i].want, .ud = b};
		stream_list(b, &s, lists[i].r->plural, kube_path(lists[i].r, NULL, NULL, NULL));
	}
	/* Events of cluster objects (contents) live in "default". */
	struct stream s = {.member = "cluster/events.json", .want = content_event_wanted, .ud = b};
	stream_list(b, &s, "events of VolumeSnapshotContents", kube_path(&KUBE_EVENTS, "default", NULL, NULL));
}

/* ---- namespaces/<ns>/ ------------------------------------------------------- */

static json_object *pod_cut(json_object *pod)
{
	return bundle_pod_doc(pod);
}

static bool pod_wanted(json_object *pod, void *ud)
{
	(void)ud;
	return bundle_pod_mounts_pvc(pod);
}

static void one_namespace(struct bundle *b, const char *ns)
{
	const char *dir = bundle_names_get(&b->names, ns);
	struct {
		const struct kube_resource *r;
		const char *file;
		bool (*want)(json_object *, void *);
		json_object *(*cut)(json_object *);
	} lists[] = {
	    {&KUBE_PVCS, "persistentvolumeclaims.json", NULL, NULL},
	    {b->have_api ? &b->api.snapshots : NULL, "volumesnapshots.json", NULL, NULL},
	    {&KUBE_EVENTS, "events.json", event_wanted, NULL},
	    {&KUBE_PODS, "pods.json", pod_wanted, pod_cut},
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		if (!lists[i].r)
			continue;
		char *member = xasprintf("namespaces/%s/%s", dir, lists[i].file);
		char *what = xasprintf("%s in namespace %s", lists[i].r->plural, dir);
		struct stream s = {.member = member, .want = lists[i].want, .cut = lists[i].cut, .ud = b};
		stream_list(b, &s, what, kube_path(lists[i].r, ns, NULL, NULL));
		free(what);
		free(member);
	}
}

static void push_name(json_object *item, void *ud)
{
	strlist_push(ud, jstr_or(item, "metadata.name", ""));
}

/* The namespaces in scope: -n's, or all of them. */
static void scope(struct bundle *b, struct strlist *namespaces)
{
	if (b->ns) {
		strlist_push(namespaces, b->ns);
		return;
	}
	struct stream s = {.on_item = push_name, .ud = namespaces};
	stream_list(b, &s, "namespaces", kube_path(&KUBE_NAMESPACES, NULL, NULL, NULL));
}

static void collect_pvc_name(json_object *pvc, void *ud)
{
	bundle_names_add(ud, "pvc", jstr_or(pvc, "metadata.name", ""));
}

/* --redact-names needs every name before the first object is written. */
static void learn_names(struct bundle *b, const struct strlist *namespaces)
{
	for (size_t i = 0; i < namespaces->n; i++) {
		bundle_names_add(&b->names, "ns", namespaces->items[i]);
		struct stream s = {.on_item = collect_pvc_name, .ud = &b->names};
		stream_list(b, &s, "persistentvolumeclaims (names)",
			    kube_path(&KUBE_PVCS, namespaces->items[i], NULL, NULL));
	}
}

/* ---- logs/ ------------------------------------------------------------------ */

struct log_target {
	struct strlist keys; /* "ns/pod/container" */
};

static void find_log_targets(json_object *pod, void *ud)
{
	struct log_target *t = ud;
	struct strlist containers = STRLIST_INIT;
	bundle_log_containers(pod, &containers);
	for (size_t i = 0; i < containers.n; i++)
		strlist_take(&t->keys, xasprintf("%s/%s/%s", jstr_or(pod, "metadata.namespace", ""),
						 jstr_or(pod, "metadata.name", ""), containers.items[i]));
	strlist_clear(&containers);
}

struct log_sink {
	struct bundle *b;
	const char *member;
	struct strbuf line;
};

static void log_line(struct log_sink *s)
{
	char *masked = arc_redact_text(s->line.buf, &s->b->red, s->member);
	struct strbuf named = STRBUF_INIT;
	bundle_names_text(&s->b->names, masked, &named);
	arc_member_write(s->b->w, named.buf, named.len);
	strbuf_release(&named);
	free(masked);
	strbuf_reset(&s->line);
}

/* Lines are redacted whole, so a token split across chunks is still found. */
static int log_data(const char *buf, size_t len, void *ud)
{
	struct log_sink *s = ud;
	for (size_t i = 0; i < len; i++) {
		strbuf_addch(&s->line, buf[i]);
		if (buf[i] == '\n')
			log_line(s);
	}
	return 0;
}

static void logs(struct bundle *b)
{
	struct log_target t = {STRLIST_INIT};
	struct stream s = {.on_item = find_log_targets, .ud = &t};
	stream_list(b, &s, "pods (for the snapshot controller's logs)", kube_path(&KUBE_PODS, NULL, NULL, NULL));
	for (size_t i = 0; i < t.keys.n; i++) {
		char *key = xstrdup(t.keys.items[i]), *pod = strchr(key, '/'), *container;
		*pod++ = '\0';
		container = strchr(pod, '/');
		*container++ = '\0';
		char *base = kube_path(&KUBE_PODS, key, pod, "log");
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s?container=%s&sinceSeconds=%lld&limitBytes=%d", base, container,
			    (long long)(b->since_ms / 1000), BUNDLE_LOG_LIMIT_BYTES);
		char *member = xasprintf("logs/%s/%s/%s.log", key, pod, container);
		struct log_sink sink = {b, member, STRBUF_INIT};
		struct kube_error err = {0};
		arc_member_begin(b->w, member);
		if (kube_get_stream(b->c, path.buf, log_data, &sink, &err) < 0)
			record_error(b, member, path.buf, &err);
		if (sink.line.len)
			log_line(&sink);
		arc_member_end(b->w);
		strbuf_release(&sink.line);
		strbuf_release(&path);
		free(member);
		free(base);
		free(key);
	}
	if (!t.keys.n) {
		char *note = bundle_logs_note(b->ix.source.provider);
		arc_add(b->w, "logs/NOTE.txt", note, strlen(note));
		free(note);
	}
	strlist_clear(&t.keys);
}

/* ---- the archive ------------------------------------------------------------ */

static int write_out(struct cmd_ctx *ctx, struct bundle *b)
{
	char *why = NULL;
	if (arc_writer_save(b->w, b->output, &why) == 0)
		return EXIT_OK;
	int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", why);
	free(why);
	return rc;
}

static int collect(struct cmd_ctx *ctx, struct bundle *b)
{
	struct kube_error err = {0};
	struct strlist namespaces = STRLIST_INIT;
	char *why = NULL;
	if (!(b->w = arc_writer_new(&why))) {
		int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", why);
		free(why);
		return rc;
	}
	b->progress = out_progress_start(stderr, ctx->stderr_tty, "bundle");
	int rc = doctor(ctx, b);
	if (rc)
		return rc;
	version(b);
	if (snap_api_discover(b->c, &b->api, &err) == 0)
		b->have_api = true;
	else
		record_error(b, "the snapshot API", "/apis/" SNAP_GROUP, &err);
	scope(b, &namespaces);
	if (b->redact_names > 0)
		learn_names(b, &namespaces);
	cluster(b);
	for (size_t i = 0; i < namespaces.n; i++) {
		out_progress_update(b->progress, "namespace %zu/%zu, %ld objects", i + 1, namespaces.n, b->objects);
		one_namespace(b, namespaces.items[i]);
	}
	strlist_clear(&namespaces);
	logs(b);
	add_json(b, "errors.json", json_object_get(b->errors));
	arc_add_json(b->w, "redactions.json", b->red.by_file);
	b->ix.format = xstrdup(ARC_BUNDLE_FORMAT);
	b->ix.volsnap_version = xstrdup(VOLSNAP_VERSION);
	arc_index_add_entries(&b->ix, b->w);
	json_object *index = arc_index_to_json(&b->ix);
	arc_add_json(b->w, BUNDLE_INDEX, index);
	json_object_put(index);
	out_progress_end(b->progress, NULL);
	b->progress = NULL;
	rc = write_out(ctx, b);
	if (!rc && strcmp(b->output, "-") != 0)
		printf("wrote %s: %zu files, %zu reads failed (errors.json)\n", b->output, b->ix.nfiles + 1,
		       json_object_array_length(b->errors));
	return rc;
}

static int run_bundle(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct bundle b = {.output = DEFAULT_OUTPUT, .since_ms = DEFAULT_SINCE_MS, .redact_names = -1};
	struct option options[] = {
	    OPT_STRING('o', "output", &b.output, "FILE",
		       "the archive to write (default " DEFAULT_OUTPUT "); - for stdout"),
	    OPT_DURATION(0, "since", &b.since_ms, "DURATION", "how much of the controllers' logs (default 1h)"),
	    OPT_BOOL(0, "redact-names", &b.redact_names, "replace namespace and PVC names by their hashes"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		rc = EXIT_OK;
	} else if (rc == OPTS_OK) {
		if (nargs)
			rc = cmd_fail(ctx, EXIT_USAGE, "see 'kubectl volsnap bundle --help'",
				      "bundle takes no arguments: %s", args[0]);
		else if (b.since_ms <= 0)
			rc = cmd_fail(ctx, EXIT_USAGE, NULL, "--since must be positive (e.g. 1h)");
		else if (!strcmp(b.output, "-") && ctx->stdout_tty)
			rc = cmd_fail(ctx, EXIT_USAGE, "redirect it to a file",
				      "refusing to write a binary archive to "
				      "the terminal");
		else if ((b.c = cmd_client(ctx))) {
			b.ns = ctx->g.all_namespaces ? NULL : cmd_namespace(ctx);
			b.errors = json_object_new_array();
			arc_redactions_init(&b.red);
			rc = collect(ctx, &b);
		} else {
			rc = cmd_failed(ctx);
		}
	}
	out_progress_end(b.progress, NULL);
	arc_writer_free(b.w);
	arc_redactions_clear(&b.red);
	bundle_names_clear(&b.names);
	json_object_put(b.errors);
	arc_index_clear(&b.ix);
	snap_api_clear(&b.api);
	free(args);
	return rc;
}

const struct command cmd_bundle = {
    .name = "bundle",
    .summary = "Write a support bundle about snapshots: objects, events, logs, doctor's report",
    .usage = "bundle [-n NS | -A] [--since 1h] [-o FILE.tar.gz|-] [--redact-names]",
    .help = "Collects, for a support engineer, everything about snapshots and nothing else:\n"
	    "  doctor.json, version.json      the doctor report and the versions\n"
	    "  cluster/                       snapshot CRDs (served and stored versions), VolumeSnapshotClasses,\n"
	    "                                 CSIDrivers, CSINodes, StorageClasses, the PVs and\n"
	    "                                 VolumeSnapshotContents of the namespaces in scope, content events\n"
	    "  namespaces/<ns>/               VolumeSnapshots, PVCs, their events, pods mounting PVCs (spec)\n"
	    "  logs/                          snapshot-controller, csi-snapshotter and csi-provisioner logs\n"
	    "                                 (--since), or NOTE.txt saying where the controller runs\n"
	    "  errors.json                    every read that failed (forbidden, missing)\n"
	    "  redactions.json                what was masked, per file\n"
	    "  index.json                     each file's size and sha256\n"
	    "\n"
	    "Secrets are never read. last-applied-configuration, env values, URI credentials, bearer\n"
	    "tokens and JWTs are masked; --redact-names also hashes namespace and PVC names. The archive\n"
	    "is written as the pages arrive (memory stays flat), sorted, with a fixed mtime and mode\n"
	    "0600, so the same cluster gives the same file.\n"
	    "\n"
	    "Examples:\n"
	    "  kubectl volsnap bundle -n shop -o shop-snapshots.tar.gz\n"
	    "  kubectl volsnap bundle -A --since 6h --redact-names -o bundle.tar.gz\n",
    .flags = CMD_ALLOW_ALL_NAMESPACES,
    .run = run_bundle,
};
