/* kubectl volsnap export: ready snapshots, with what a restore elsewhere needs
 * to know about them, into one tar.gz (plugin/archive/transfer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive/archive.h"
#include "archive/transfer.h"
#include "command.h"
#include "opts.h"
#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

struct export
{
	const char *output;
	const char *ns;
	struct snap_api api;
	struct arc_writer *w;
	struct arc_index ix;
};

static int validate(struct cmd_ctx *ctx, struct export *e, int nargs, char **args)
{
	if (!nargs)
		return cmd_fail(ctx, EXIT_USAGE, "usage: kubectl volsnap export SNAPSHOT... -o FILE.tar.gz",
				"which snapshots?");
	for (int i = 0; i < nargs; i++) {
		if (!snap_valid_name(args[i]))
			return cmd_fail(ctx, EXIT_USAGE, NULL, "\"%s\" is not a valid snapshot name", args[i]);
		for (int k = 0; k < i; k++)
			if (!strcmp(args[k], args[i]))
				return cmd_fail(ctx, EXIT_USAGE, NULL, "snapshot %s is named twice", args[i]);
	}
	if (!e->output)
		return cmd_fail(ctx, EXIT_USAGE, "-o - writes to stdout",
				"-o FILE.tar.gz is required: where to write the archive");
	if (!strcmp(e->output, "-") && ctx->stdout_tty)
		return cmd_fail(ctx, EXIT_USAGE, "redirect it to a file or pipe it into 'kubectl volsnap import -'",
				"refusing to write a binary archive to the terminal");
	return EXIT_OK;
}

static int get(struct cmd_ctx *ctx, struct kube_client *c, char *path, const char *what, bool optional,
	       json_object **obj)
{
	int rc = cmd_get_optional(ctx, c, path, what, optional, obj, NULL);
	free(path);
	return rc;
}

/* Reads one snapshot and what belongs to it; adds its members to the archive. */
static int export_one(struct cmd_ctx *ctx, struct kube_client *c, struct export *e, const char *name)
{
	struct export_input in = {0};
	char *what = xasprintf("snapshot %s/%s", e->ns, name), *why = NULL;
	int rc = get(ctx, c, kube_path(&e->api.snapshots, e->ns, name, NULL), what, false, &in.snapshot);
	if (!rc && !in.snapshot)
		rc = cmd_fail(ctx, EXIT_FAILED, "kubectl volsnap list shows the snapshots",
			      "%s not found; nothing was "
			      "written",
			      what);
	const char *cname = jstr(in.snapshot, "status.boundVolumeSnapshotContentName");
	if (!rc && cname)
		rc = get(ctx, c, kube_path(&e->api.contents, NULL, cname, NULL), "its VolumeSnapshotContent", false,
			 &in.content);
	if (!rc && (why = export_check(in.snapshot, in.content)))
		rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s; nothing was written", why);
	const char *klass = jstr(in.snapshot, "spec.volumeSnapshotClassName");
	if (!klass)
		klass = jstr(in.content, "spec.volumeSnapshotClassName");
	if (!rc && klass)
		rc = get(ctx, c, kube_path(&e->api.classes, NULL, klass, NULL), "its VolumeSnapshotClass", true,
			 &in.klass);
	const char *pvc = jstr(in.snapshot, "spec.source.persistentVolumeClaimName");
	if (!rc && pvc)
		rc = get(ctx, c, kube_path(&KUBE_PVCS, e->ns, pvc, NULL), "its source PVC", true, &in.pvc);
	const char *sc = jstr(in.pvc, "spec.storageClassName"), *pv = jstr(in.pvc, "spec.volumeName");
	if (!rc && sc)
		rc = get(ctx, c, kube_path(&KUBE_STORAGECLASSES, NULL, sc, NULL), "its StorageClass", true,
			 &in.storage_class);
	if (!rc && pv)
		rc = get(ctx, c, kube_path(&KUBE_PVS, NULL, pv, NULL), "its PersistentVolume", true, &in.pv);
	if (!rc) {
		if (!strcmp(jstr_or(in.content, "spec.deletionPolicy", ""), "Delete"))
			fprintf(stderr,
				"warning: snapshot %s/%s: its content's deletionPolicy is Delete, so deleting this "
				"snapshot destroys the storage snapshot an import of it uses; patch the "
				"VolumeSnapshotContent %s to Retain first\n",
				e->ns, name, cname);
		json_object *docs = export_docs(&in);
		json_object_object_foreach(docs, file, doc)
		{
			char *path = xasprintf("snapshots/%s/%s", name, file);
			arc_add_json(e->w, path, doc);
			free(path);
		}
		json_object_put(docs);
		strlist_push(&e->ix.snapshots, name);
	}
	json_object *objs[] = {in.snapshot, in.content, in.klass, in.pvc, in.storage_class, in.pv};
	for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
		json_object_put(objs[i]);
	free(why);
	free(what);
	return rc;
}

static char *now_rfc3339(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static int write_out(struct cmd_ctx *ctx, struct export *e)
{
	char *why = NULL;
	if (arc_writer_save(e->w, e->output, &why) == 0)
		return EXIT_OK;
	int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", why);
	free(why);
	return rc;
}

static int export(struct cmd_ctx *ctx, struct kube_client *c, struct export *e, int nargs, char **args)
{
	struct kube_error err = {0};
	char *why = NULL;
	if (snap_api_discover(c, &e->api, &err) < 0)
		return cmd_fail_kube(ctx, &err, NULL);
	if (!(e->w = arc_writer_new(&why))) {
		int rc = cmd_fail(ctx, EXIT_FAILED, NULL, "%s", why);
		free(why);
		return rc;
	}
	for (int i = 0; i < nargs; i++) {
		int rc = export_one(ctx, c, e, args[i]);
		if (rc)
			return rc;
	}
	e->ix.format = xstrdup(ARC_EXPORT_FORMAT);
	e->ix.volsnap_version = xstrdup(VOLSNAP_VERSION);
	e->ix.created_at = now_rfc3339();
	e->ix.namespace = xstrdup(e->ns);
	arc_source_read(c, &e->ix.source);
	arc_index_add_entries(&e->ix, e->w);
	json_object *manifest = arc_index_to_json(&e->ix);
	arc_add_json(e->w, EXPORT_MANIFEST, manifest);
	json_object_put(manifest);
	int rc = write_out(ctx, e);
	if (!rc && strcmp(e->output, "-") != 0)
		printf("exported %d snapshot%s to %s\n", nargs, nargs == 1 ? "" : "s", e->output);
	return rc;
}

static int run_export(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct export e = {0};
	struct option options[] = {
	    OPT_STRING('o', "output", &e.output, "FILE", "the archive to write (.tar.gz); - for stdout"),
	    OPT_END(),
	};
	int nargs = 0;
	char **args = NULL;
	int rc = opts_parse(ctx, options, argc, argv, &nargs, &args);
	if (rc == OPTS_HELP) {
		rc = EXIT_OK;
	} else if (rc == OPTS_OK && !(rc = validate(ctx, &e, nargs, args))) {
		struct kube_client *c = cmd_client(ctx);
		if (c) {
			e.ns = cmd_namespace(ctx);
			rc = export(ctx, c, &e, nargs, args);
		} else {
			rc = cmd_failed(ctx);
		}
	}
	arc_writer_free(e.w);
	arc_index_clear(&e.ix);
	snap_api_clear(&e.api);
	free(args);
	return rc;
}

const struct command cmd_export = {
    .name = "export",
    .summary = "Write ready snapshots to an archive another namespace or cluster can import",
    .usage = "export SNAPSHOT... [-n NS] -o FILE.tar.gz|-",
    .help = "Writes, for each ready snapshot, its VolumeSnapshot, its content (driver, snapshotHandle,\n"
	    "sourceVolumeMode, deletionPolicy, restoreSize; deletion secrets by name only), its class, the\n"
	    "source PVC's spec and StorageClass and the PV's zones and regions, with manifest.json naming\n"
	    "the source cluster and a sha256 per file. No data is copied: the archive points at the\n"
	    "storage snapshot, which must stay. It warns when the content's deletionPolicy is Delete,\n"
	    "since deleting the source snapshot would then destroy what an import uses.\n"
	    "\n"
	    "Examples:\n"
	    "  # Into another namespace of the same cluster\n"
	    "  kubectl volsnap export data-db-0-20250601100000 -n shop -o - | kubectl volsnap import - -n staging\n"
	    "\n"
	    "  # Keep it for another cluster of the same provider account\n"
	    "  kubectl volsnap export snap1 snap2 -n shop -o shop-snapshots.tar.gz\n",
    .run = run_export,
};
