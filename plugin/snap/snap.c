#include "snap/snap.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"

/* ---- the served API ------------------------------------------------------ */

void snap_api_set(struct snap_api *api, const char *version)
{
	api->version = xstrdup(version);
	api->snapshots = (struct kube_resource){SNAP_GROUP, api->version, "volumesnapshots", "VolumeSnapshot", true};
	api->contents =
	    (struct kube_resource){SNAP_GROUP, api->version, "volumesnapshotcontents", "VolumeSnapshotContent", false};
	api->classes =
	    (struct kube_resource){SNAP_GROUP, api->version, "volumesnapshotclasses", "VolumeSnapshotClass", false};
}

static bool has_version(char **v, size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], want))
			return true;
	return false;
}

int snap_api_discover(struct kube_client *c, struct snap_api *api, struct kube_error *err)
{
	char **versions = NULL;
	size_t n = 0;
	memset(api, 0, sizeof *api);
	if (kube_group_versions(c, SNAP_GROUP, &versions, &n, err) < 0) {
		kube_error_prefix(err, "discovering the snapshot API");
		return -1;
	}
	/* v1 first: v1beta1 is deprecated and no longer served by current CRDs,
	 * but clusters from before external-snapshotter v4 serve only it. */
	const char *use = has_version(versions, n, "v1")	? "v1"
			  : has_version(versions, n, "v1beta1") ? "v1beta1"
								: NULL;
	kube_strv_free(versions, n);
	if (!use) {
		kube_error_set(err, KUBE_ERR_NOT_INSTALLED, 0, NULL,
			       "kubectl volsnap setup gives the steps to add them and the controller; kubectl volsnap "
			       "doctor shows "
			       "what else is missing",
			       "the snapshot CRDs (%s) are not installed in this cluster", SNAP_GROUP);
		return -1;
	}
	snap_api_set(api, use);
	return 0;
}

void snap_api_clear(struct snap_api *api)
{
	free(api->version);
	memset(api, 0, sizeof *api);
}

/* ---- names and labels ---------------------------------------------------- */

#define DNS_SUBDOMAIN_MAX 253
#define LABEL_MAX 63
#define NAME_SUFFIX_LEN 15 /* "-yyyymmddhhmmss" */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool snap_valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > DNS_SUBDOMAIN_MAX)
		return false;
	/* Each dot-separated part starts and ends alphanumeric, '-' inside. */
	char prev = '.';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (!is_lower_alnum(prev))
				return false;
		} else if (c == '-') {
			if (prev == '.')
				return false;
		} else if (!is_lower_alnum(c)) {
			return false;
		}
		prev = c;
	}
	return is_lower_alnum(prev);
}

bool snap_valid_namespace(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > LABEL_MAX || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* "<pvc>-<stamp><suffix>", the PVC's name cut so the whole stays a valid name. */
static char *stamped_name(const char *pvc, time_t now, const char *suffix)
{
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);

	size_t n = strlen(pvc), room = DNS_SUBDOMAIN_MAX - NAME_SUFFIX_LEN - strlen(suffix);
	if (n > room)
		n = room;
	/* A cut may end on '.' or '-', and ".-" is not valid in a DNS name. */
	while (n > 0 && (pvc[n - 1] == '.' || pvc[n - 1] == '-'))
		n--;
	if (n == 0)
		return xasprintf("snapshot-%s%s", stamp, suffix);
	return xasprintf("%.*s-%s%s", (int)n, pvc, stamp, suffix);
}

char *snap_default_name(const char *pvc, time_t now)
{
	return stamped_name(pvc, now, "");
}

char *snap_unique_name(const char *pvc, time_t now, uint32_t rnd)
{
	/* kubectl's generateName alphabet: no vowels, no look-alikes. */
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	char suffix[7] = "-";
	for (int i = 1; i < 6; i++) {
		suffix[i] = alphabet[rnd % (sizeof alphabet - 1)];
		rnd /= sizeof alphabet - 1;
	}
	return stamped_name(pvc, now, suffix);
}

static bool is_alnum(char c)
{
	return isalnum((unsigned char)c) != 0;
}

/* Kubernetes' qualified-name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63. */
static bool valid_label_part(const char *s, size_t n)
{
	if (n == 0 || n > LABEL_MAX || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

bool snap_valid_label_value(const char *s)
{
	return *s == '\0' || valid_label_part(s, strlen(s));
}

static bool valid_label_key(const char *k)
{
	const char *slash = strchr(k, '/');
	if (!slash)
		return valid_label_part(k, strlen(k));
	char *prefix = xstrndup(k, (size_t)(slash - k));
	bool ok = snap_valid_name(prefix) && valid_label_part(slash + 1, strlen(slash + 1));
	free(prefix);
	return ok;
}

bool snap_parse_label(const char *kv, char **key, char **value, char **why)
{
	const char *eq = strchr(kv, '=');
	if (!eq) {
		*why = xasprintf("label \"%s\" is not key=value", kv);
		return false;
	}
	char *k = xstrndup(kv, (size_t)(eq - kv));
	const char *v = eq + 1;
	if (!valid_label_key(k)) {
		*why = xasprintf("label key \"%s\" is not valid: [prefix/]name, name at most 63 characters of "
				 "alphanumerics, '-', '_', '.', starting and ending alphanumeric",
				 k);
	} else if (!snap_valid_label_value(v)) {
		*why = xasprintf("label value \"%s\" is not valid: at most 63 characters of alphanumerics, '-', '_', "
				 "'.', starting and ending alphanumeric",
				 v);
	} else if (!strcmp(k, SNAP_LABEL_MANAGED_BY) || !strcmp(k, SNAP_LABEL_PVC)) {
		/* list and prune select on these; letting -l change them would hide
		 * the snapshot from the plugin or tie it to the wrong PVC. */
		*why = xasprintf("label %s is set by kubectl-volsnap and cannot be given", k);
	} else {
		*key = k;
		*value = xstrdup(v);
		return true;
	}
	free(k);
	return false;
}

/* ---- class resolution ------------------------------------------------- */

static bool class_is_default(json_object *cls)
{
	json_object *ann = jget(cls, "metadata.annotations"), *v = NULL;
	/* Keys hold dots, so no jget on them; the controller compares with "true" exactly. */
	return ann && json_object_object_get_ex(ann, SNAP_ANNOTATION_DEFAULT_CLASS, &v) &&
	       json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), "true");
}

/* "a, b, c" of the names of classes for driver (all classes when driver is NULL,
 * then with their driver), only defaults when defaults_only. */
static char *class_names(json_object *classes, const char *driver, bool defaults_only)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = json_object_array_length(classes);
	for (size_t i = 0; i < n; i++) {
		json_object *cls = json_object_array_get_idx(classes, i);
		const char *d = jstr_or(cls, "driver", "");
		if ((driver && strcmp(d, driver)) || (defaults_only && !class_is_default(cls)))
			continue;
		strbuf_addstr(&sb, sb.len ? ", " : "");
		strbuf_addstr(&sb, jstr_or(cls, "metadata.name", "?"));
		if (!driver)
			strbuf_addf(&sb, " (%s)", d);
	}
	if (!sb.len)
		strbuf_addstr(&sb, "none");
	return strbuf_detach(&sb);
}

static json_object *find_class(json_object *classes, const char *name)
{
	size_t n = json_object_array_length(classes);
	for (size_t i = 0; i < n; i++) {
		json_object *cls = json_object_array_get_idx(classes, i);
		const char *cn = jstr(cls, "metadata.name");
		if (cn && !strcmp(cn, name))
			return cls;
	}
	return NULL;
}

static json_object *resolve_wanted(json_object *classes, const char *driver, const char *wanted, char **why)
{
	json_object *cls = find_class(classes, wanted);
	const char *d = cls ? jstr_or(cls, "driver", "") : NULL;
	if (cls && !strcmp(d, driver))
		return cls;
	char *names = class_names(classes, driver, false);
	if (!cls)
		*why =
		    xasprintf("VolumeSnapshotClass \"%s\" not found; classes for driver %s: %s", wanted, driver, names);
	else
		*why = xasprintf("VolumeSnapshotClass \"%s\" is for driver %s but the volume is on %s, whose driver "
				 "would never cut the snapshot; classes for %s: %s",
				 wanted, d, driver, driver, names);
	free(names);
	return NULL;
}

static json_object *resolve_default(json_object *classes, const char *driver, char **why)
{
	json_object *found = NULL;
	int ndefault = 0, nforeign = 0;
	size_t n = json_object_array_length(classes);
	for (size_t i = 0; i < n; i++) {
		json_object *cls = json_object_array_get_idx(classes, i);
		if (strcmp(jstr_or(cls, "driver", ""), driver)) {
			nforeign++;
			continue;
		}
		if (class_is_default(cls) && ndefault++ == 0)
			found = cls;
	}
	if (ndefault == 1)
		return found;

	char *names = class_names(classes, driver, ndefault > 1);
	if (ndefault > 1) {
		*why = xasprintf("%d VolumeSnapshotClasses are default for driver %s (%s) and the snapshot controller "
				 "refuses to choose; pass --class NAME, or keep one default: kubectl annotate "
				 "volumesnapshotclass NAME " SNAP_ANNOTATION_DEFAULT_CLASS "-",
				 ndefault, driver, names);
	} else if ((size_t)nforeign < n) {
		*why = xasprintf(
		    "no default VolumeSnapshotClass for driver %s (classes for it: %s); pass --class NAME, "
		    "or make one the default: kubectl annotate volumesnapshotclass NAME " SNAP_ANNOTATION_DEFAULT_CLASS
		    "=true",
		    driver, names);
	} else {
		char *all = class_names(classes, NULL, false);
		*why = xasprintf("no VolumeSnapshotClass for driver %s (classes: %s); create one with driver: %s and "
				 "the annotation " SNAP_ANNOTATION_DEFAULT_CLASS ": \"true\" (kubectl volsnap doctor "
				 "shows what the cluster offers)",
				 driver, all, driver);
		free(all);
	}
	free(names);
	return NULL;
}

json_object *snap_resolve_class(json_object *classes, const char *driver, const char *wanted, char **why)
{
	*why = NULL;
	if (!json_object_is_type(classes, json_type_array)) {
		*why = xstrdup("no VolumeSnapshotClass list to choose from");
		return NULL;
	}
	return wanted ? resolve_wanted(classes, driver, wanted, why) : resolve_default(classes, driver, why);
}

/* ---- state ------------------------------------------------------------- */

bool snap_is_ready(json_object *snapshot)
{
	bool ready = false;
	return jbool(snapshot, "status.readyToUse", &ready) && ready;
}

char *snap_restore_size(json_object *snapshot)
{
	json_object *v = jget(snapshot, "status.restoreSize");
	if (json_object_is_type(v, json_type_string))
		return xstrdup(json_object_get_string(v));
	if (json_object_is_type(v, json_type_int))
		return quantity_format(json_object_get_int64(v));
	return NULL;
}

const char *snap_error_message(json_object *snapshot)
{
	if (snap_is_ready(snapshot))
		return NULL;
	const char *msg = jstr(snapshot, "status.error.message");
	if (msg && *msg)
		return msg;
	if (!jget(snapshot, "status"))
		return "waiting for the snapshot controller";
	if (!jstr(snapshot, "status.boundVolumeSnapshotContentName"))
		return "waiting for the snapshot controller to create the content";
	return "waiting for the CSI driver to cut the snapshot";
}

/* ---- before a snapshot is taken ---------------------------------------- */

/* The in-tree volume type of a PV without a CSI source ("awsElasticBlockStore"). */
static const char *intree_kind(json_object *pv)
{
	static const char *const not_sources[] = {"accessModes",
						  "capacity",
						  "claimRef",
						  "mountOptions",
						  "nodeAffinity",
						  "persistentVolumeReclaimPolicy",
						  "storageClassName",
						  "volumeMode",
						  "volumeAttributesClassName",
						  NULL};
	json_object *spec = jget(pv, "spec");
	if (!json_object_is_type(spec, json_type_object))
		return "unknown";
	json_object_object_foreach(spec, key, val)
	{
		(void)val;
		bool skip = false;
		for (const char *const *p = not_sources; *p && !skip; p++)
			skip = !strcmp(key, *p);
		if (!skip)
			return key;
	}
	return "unknown";
}

char *snap_pvc_unbound(json_object *pvc)
{
	const char *name = jstr_or(pvc, "metadata.name", "?"), *ns = jstr_or(pvc, "metadata.namespace", "?");
	const char *phase = jstr_or(pvc, "status.phase", "Pending");
	if (!strcmp(phase, "Bound"))
		return NULL;
	return xasprintf("PVC %s/%s is %s, not Bound: a snapshot of an unbound PVC fails and the snapshot "
			 "controller never retries it; wait until it is Bound (or pass --wait-bound)",
			 ns, name, phase);
}

const char *snap_source_driver(json_object *pvc, json_object *pv, char **why)
{
	const char *name = jstr_or(pvc, "metadata.name", "?"), *ns = jstr_or(pvc, "metadata.namespace", "?");
	*why = snap_pvc_unbound(pvc);
	if (*why)
		return NULL;
	const char *pvname = jstr_or(pvc, "spec.volumeName", "");
	if (!pv) {
		*why = xasprintf("PVC %s/%s is Bound but its volume \"%s\" was not found", ns, name, pvname);
		return NULL;
	}
	const char *ref = jstr(pv, "spec.claimRef.name"), *refns = jstr(pv, "spec.claimRef.namespace");
	if (!ref || !refns || strcmp(ref, name) || strcmp(refns, ns)) {
		*why = xasprintf("volume %s does not point back to PVC %s/%s (claimRef %s/%s), so the snapshot "
				 "controller would refuse it; check the binding with kubectl get pv %s",
				 pvname, ns, name, refns ? refns : "-", ref ? ref : "-", pvname);
		return NULL;
	}
	const char *driver = jstr(pv, "spec.csi.driver");
	if (!driver || !*driver) {
		*why = xasprintf("the volume of PVC %s/%s (%s) is an in-tree %s volume, not CSI, and only CSI volumes "
				 "can be snapshotted; copy the data to a PVC of a CSI StorageClass (kubectl volsnap "
				 "doctor lists them)",
				 ns, name, pvname, intree_kind(pv));
		return NULL;
	}
	return driver;
}

static void add_label(json_object *labels, const char *key, const char *value)
{
	json_object_object_add(labels, key, json_object_new_string(value));
}

json_object *snap_manifest(const struct snap_api *api, const char *ns, const char *name, const char *pvc,
			   const char *klass, const struct strlist *labels)
{
	json_object *obj = json_object_new_object();
	char *api_version = xasprintf("%s/%s", SNAP_GROUP, api->version);
	jset(obj, "apiVersion", json_object_new_string(api_version));
	free(api_version);
	jset(obj, "kind", json_object_new_string("VolumeSnapshot"));
	jset(obj, "metadata.name", json_object_new_string(name));
	jset(obj, "metadata.namespace", json_object_new_string(ns));

	json_object *lab = json_object_new_object();
	add_label(lab, SNAP_LABEL_MANAGED_BY, SNAP_MANAGED_BY);
	if (snap_valid_label_value(pvc))
		add_label(lab, SNAP_LABEL_PVC, pvc);
	for (size_t i = 0; labels && i < labels->n; i++) {
		const char *eq = strchr(labels->items[i], '=');
		if (!eq)
			continue;
		char *k = xstrndup(labels->items[i], (size_t)(eq - labels->items[i]));
		add_label(lab, k, eq + 1);
		free(k);
	}
	jset(obj, "metadata.labels", lab);

	if (klass)
		jset(obj, "spec.volumeSnapshotClassName", json_object_new_string(klass));
	jset(obj, "spec.source.persistentVolumeClaimName", json_object_new_string(pvc));
	return obj;
}

/* ---- why a snapshot is (not) ready ---------------------------------------- */

static const char *event_time(json_object *ev)
{
	const char *t = jstr(ev, "lastTimestamp");
	if (!t)
		t = jstr(ev, "eventTime");
	if (!t)
		t = jstr(ev, "firstTimestamp");
	return t ? t : jstr_or(ev, "metadata.creationTimestamp", "");
}

json_object *snap_latest_warning(json_object *events)
{
	json_object *best = NULL;
	const char *best_time = "";
	size_t n = json_object_is_type(events, json_type_array) ? json_object_array_length(events) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		if (strcmp(jstr_or(ev, "type", ""), "Warning"))
			continue;
		/* RFC 3339 UTC stamps order as strings; on a tie the later item is newer. */
		const char *t = event_time(ev);
		if (strcmp(t, best_time) >= 0) {
			best = ev;
			best_time = t;
		}
	}
	return best;
}

/* What to do about a controller or driver message, by the texts the
 * external-snapshotter writes (facts/api.md §6.5). */
struct advice {
	const char *needle;
	const char *what_to_do;
};
static const struct advice advices[] = {
    {"not yet bound", "the PVC was not bound when the snapshot was taken and the controller does not retry; "
		      "delete this snapshot and take a new one (kubectl volsnap take PVC --wait-bound)"},
    {"cannot find default snapshot class",
     "no default VolumeSnapshotClass for the volume's driver; take it again with --class NAME, or annotate one "
     "class " SNAP_ANNOTATION_DEFAULT_CLASS "=true"},
    {"default snapshot classes were found",
     "several VolumeSnapshotClasses are default for the driver; keep one: kubectl annotate volumesnapshotclass "
     "NAME " SNAP_ANNOTATION_DEFAULT_CLASS "-"},
    {"Failed to get snapshot class",
     "its VolumeSnapshotClass does not exist; delete it and take a new one with an existing --class"},
    {"cannot find CSI PersistentVolumeSource", "the volume is not CSI and cannot be snapshotted"},
    {"cannot get claim", "its source PVC does not exist; delete the snapshot"},
    {NULL, NULL},
};

/* gRPC codes of the CSI driver's answer, and what they mean for the user. */
static const struct advice csi_advices[] = {
    {"ResourceExhausted", "a quota or limit at the storage provider is reached; free some (kubectl volsnap prune) "
			  "or raise the quota, then delete this snapshot and take a new one"},
    {"PermissionDenied", "the CSI driver's cloud credentials may not snapshot this volume; give its identity "
			 "(IAM role, service account) the snapshot rights, then delete this snapshot and take a new "
			 "one"},
    {"Unauthenticated", "the CSI driver cannot log in to the storage provider; fix its credentials, then delete "
			"this snapshot and take a new one"},
    {"DeadlineExceeded", "the storage provider did not answer in time; if it keeps failing, delete this snapshot "
			 "and take a new one later"},
    {"NotFound", "the storage provider does not know the volume; check the PV's volumeHandle, then delete this "
		 "snapshot"},
    {NULL, NULL},
};

static char *explain(const char *msg)
{
	for (const struct advice *a = advices; a->needle; a++)
		if (strstr(msg, a->needle))
			return xasprintf("not ready: %s: %s", a->what_to_do, msg);
	for (const struct advice *a = csi_advices; a->needle; a++)
		if (strstr(msg, a->needle))
			return xasprintf("not ready: %s: %s", a->what_to_do, msg);
	/* Any other failure: say what to do, not only what went wrong. */
	return xasprintf("not ready: %s; fix the cause (its events and the CSI driver's logs tell more), then "
			 "delete this snapshot and take a new one",
			 msg);
}

static char *verdict_pending(json_object *snapshot, json_object *content, int64_t now)
{
	int64_t created = 0;
	if (!jget(snapshot, "status")) {
		/* The controller writes status within seconds; a minute of silence
		 * means nothing is watching snapshots. */
		const char *ts = jstr(snapshot, "metadata.creationTimestamp");
		if (ts && time_parse_rfc3339(ts, &created) && now - created >= 60)
			return xasprintf("not ready: no status after %llds, so no snapshot controller is handling it; "
					 "is it installed and running? (kubectl volsnap doctor)",
					 (long long)(now - created));
		return xstrdup("not ready yet: waiting for the snapshot controller to pick it up");
	}
	const char *bound = jstr(snapshot, "status.boundVolumeSnapshotContentName");
	if (!bound)
		return xstrdup("not ready yet: waiting for the snapshot controller to create its content");
	const char *cerr = jstr(content, "status.error.message");
	if (cerr)
		return explain(cerr);
	return xasprintf("not ready yet: waiting for the CSI driver %s to cut the snapshot (content %s)",
			 jstr_or(content, "spec.driver", "?"), bound);
}

static char *verdict_unbound_pvc(json_object *pvc)
{
	const char *phase = jstr(pvc, "status.phase");
	if (!pvc || (phase && !strcmp(phase, "Bound")))
		return NULL;
	return xasprintf("not ready: its PVC %s is %s, not Bound, and the controller does not retry; delete this "
			 "snapshot and take a new one once the PVC is Bound (kubectl volsnap take PVC --wait-bound)",
			 jstr_or(pvc, "metadata.name", "?"), phase ? phase : "Pending");
}

const char *snap_restoring_pvc(json_object *pvcs, const char *snapshot)
{
	size_t n = json_object_is_type(pvcs, json_type_array) ? json_object_array_length(pvcs) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pvcs, i);
		json_object *src = jget(p, "spec.dataSourceRef");
		if (!src)
			src = jget(p, "spec.dataSource");
		if (strcmp(jstr_or(src, "kind", ""), "VolumeSnapshot") || strcmp(jstr_or(src, "name", ""), snapshot))
			continue;
		if (strcmp(jstr_or(p, "status.phase", "Pending"), "Bound"))
			return jstr(p, "metadata.name");
	}
	return NULL;
}

void snap_verdict(const struct snap_facts *f, struct snap_verdict *v)
{
	json_object *snapshot = f->snapshot;
	v->ready = snap_is_ready(snapshot);
	v->text = NULL;
	json_object *warn = snap_latest_warning(f->snap_events);
	if (!warn)
		warn = snap_latest_warning(f->content_events);
	const char *msg = jstr(snapshot, "status.error.message");

	if (jstr(snapshot, "metadata.deletionTimestamp") && f->restoring_pvc)
		v->text = xasprintf("being deleted: waiting until PVC %s, which restores from it, is bound (kubectl "
				    "describe pvc %s shows why it is not; delete that PVC to let the deletion finish)",
				    f->restoring_pvc, f->restoring_pvc);
	else if (jstr(snapshot, "metadata.deletionTimestamp"))
		v->text = xasprintf("being deleted%s", warn && strstr(jstr_or(warn, "message", ""), "restore")
							   ? ": waiting until the PVC restoring from it is bound"
							   : "");
	else if (v->ready)
		v->text = xstrdup("ready to use");
	else if (msg && *msg)
		v->text = explain(msg);
	else if (warn)
		v->text = explain(jstr_or(warn, "message", jstr_or(warn, "reason", "?")));
	else if (!(v->text = verdict_unbound_pvc(f->pvc)))
		v->text = verdict_pending(snapshot, f->content, f->now);
}

void snap_verdict_clear(struct snap_verdict *v)
{
	free(v->text);
	v->text = NULL;
}
