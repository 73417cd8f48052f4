#include "sched/sched.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/xalloc.h"

#ifndef VOLSNAP_VERSION
#define VOLSNAP_VERSION "0.0.0-dev"
#endif

#define RECORD_VERSION 1
#define RUN_SLACK_S 120 /* activeDeadlineSeconds above --timeout: pod start-up and prune */

void sched_spec_clear(struct sched_spec *s)
{
	free(s->name);
	free(s->ns);
	strlist_clear(&s->pvcs);
	free(s->selector);
	free(s->cron);
	free(s->time_zone);
	free(s->klass);
	free(s->image);
	memset(s, 0, sizeof *s);
}

const char *sched_cronjob_version(int minor)
{
	return minor >= 21 ? "v1" : "v1beta1";
}

struct kube_resource sched_cronjob_resource(int minor)
{
	return (struct kube_resource){"batch", sched_cronjob_version(minor), "cronjobs", "CronJob", true};
}

const struct kube_resource SCHED_JOBS = {"batch", "v1", "jobs", "Job", true};

bool sched_time_zone_supported(int minor)
{
	return minor >= 25;
}

bool sched_valid_name(const char *name, char **why)
{
	size_t n = strlen(name);
	bool ok = n > 0 && isalnum((unsigned char)name[0]) && isalnum((unsigned char)name[n - 1]);
	for (size_t i = 0; ok && i < n; i++)
		ok = (islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '-');
	*why = NULL;
	if (!ok)
		*why = xasprintf("\"%s\" is not a valid schedule name: lowercase letters, digits and '-', starting "
				 "and ending with a letter or digit",
				 name);
	else if (n > SCHED_NAME_MAX)
		*why = xasprintf("schedule name \"%s\" has %zu characters, at most %d are allowed (the CronJob "
				 "controller appends 11 to name its Jobs); choose a shorter name",
				 name, n, SCHED_NAME_MAX);
	return *why == NULL;
}

char *sched_account_name(const char *schedule)
{
	return xasprintf("volsnap-%s", schedule);
}

char *sched_default_image(void)
{
	return xasprintf("%s:v%s", SCHED_IMAGE_REPO, VOLSNAP_VERSION);
}

/* ---- manifests ------------------------------------------------------------ */

static json_object *str(const char *s)
{
	return json_object_new_string(s);
}

static json_object *strs(const char *const *v)
{
	json_object *a = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(a, str(*v));
	return a;
}

static json_object *labels(const char *schedule)
{
	json_object *l = json_object_new_object();
	json_object_object_add(l, SNAP_LABEL_MANAGED_BY, str(SNAP_MANAGED_BY));
	json_object_object_add(l, SCHED_LABEL, str(schedule));
	return l;
}

static json_object *object(const char *api_version, const char *kind, const char *name, const struct sched_spec *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "apiVersion", str(api_version));
	json_object_object_add(o, "kind", str(kind));
	jset(o, "metadata.name", str(name));
	jset(o, "metadata.namespace", str(s->ns));
	jset(o, "metadata.labels", labels(s->name));
	return o;
}

static json_object *rule(const char *group, const char *resource, const char *const *verbs)
{
	json_object *r = json_object_new_object();
	const char *g[] = {group, NULL}, *res[] = {resource, NULL};
	json_object_object_add(r, "apiGroups", strs(g));
	json_object_object_add(r, "resources", strs(res));
	json_object_object_add(r, "verbs", strs(verbs));
	return r;
}

/* Exactly what run-job calls: take (get the PVC, create, watch until ready),
 * prune (list snapshots and PVCs, delete), the idempotence read (get). */
static json_object *role(const struct sched_spec *s, const char *account)
{
	static const char *const snap_verbs[] = {"get", "list", "watch", "create", "delete", NULL};
	static const char *const pvc_verbs[] = {"get", "list", NULL};
	json_object *o = object("rbac.authorization.k8s.io/v1", "Role", account, s);
	json_object *rules = json_object_new_array();
	json_object_array_add(rules, rule(SNAP_GROUP, "volumesnapshots", snap_verbs));
	json_object_array_add(rules, rule("", "persistentvolumeclaims", pvc_verbs));
	json_object_object_add(o, "rules", rules);
	return o;
}

static json_object *role_binding(const struct sched_spec *s, const char *account)
{
	json_object *o = object("rbac.authorization.k8s.io/v1", "RoleBinding", account, s);
	jset(o, "roleRef.apiGroup", str("rbac.authorization.k8s.io"));
	jset(o, "roleRef.kind", str("Role"));
	jset(o, "roleRef.name", str(account));
	json_object *subj = json_object_new_object();
	json_object_object_add(subj, "kind", str("ServiceAccount"));
	json_object_object_add(subj, "name", str(account));
	json_object_object_add(subj, "namespace", str(s->ns));
	json_object *subjects = json_object_new_array();
	json_object_array_add(subjects, subj);
	json_object_object_add(o, "subjects", subjects);
	return o;
}

static char *ms_text(int64_t ms)
{
	if (ms % 1000)
		return xasprintf("%lldms", (long long)ms);
	if (ms % 60000)
		return xasprintf("%llds", (long long)(ms / 1000));
	if (ms % 3600000)
		return xasprintf("%lldm", (long long)(ms / 60000));
	return xasprintf("%lldh", (long long)(ms / 3600000));
}

json_object *sched_job_args(const struct sched_spec *s)
{
	json_object *a = json_object_new_array();
	const char *head[] = {"schedule", "run-job", s->name, NULL};
	for (const char *const *p = head; *p; p++)
		json_object_array_add(a, str(*p));
	for (size_t i = 0; i < s->pvcs.n; i++) {
		json_object_array_add(a, str("--pvc"));
		json_object_array_add(a, str(s->pvcs.items[i]));
	}
	if (s->selector) {
		json_object_array_add(a, str("--selector"));
		json_object_array_add(a, str(s->selector));
	}
	char *n = xasprintf("%ld", s->keep_last);
	json_object_array_add(a, str("--keep-last"));
	json_object_array_add(a, str(n));
	free(n);
	if (s->keep_within_ms > 0) {
		char *d = ms_text(s->keep_within_ms);
		json_object_array_add(a, str("--keep-within"));
		json_object_array_add(a, str(d));
		free(d);
	}
	if (s->klass) {
		json_object_array_add(a, str("--class"));
		json_object_array_add(a, str(s->klass));
	}
	char *t = ms_text(s->timeout_ms);
	json_object_array_add(a, str("--timeout"));
	json_object_array_add(a, str(t));
	free(t);
	return a;
}

static json_object *env_from_field(const char *name, const char *path)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "name", str(name));
	jset(e, "valueFrom.fieldRef.fieldPath", str(path));
	return e;
}

/* The "restricted" Pod Security level: non-root, no privilege escalation, no
 * capabilities, RuntimeDefault seccomp; plus a read-only root filesystem. */
static json_object *container(const struct sched_spec *s)
{
	static const char *const drop[] = {"ALL", NULL};
	json_object *c = json_object_new_object();
	json_object_object_add(c, "name", str("volsnap"));
	json_object_object_add(c, "image", str(s->image));
	json_object_object_add(c, "args", sched_job_args(s));
	json_object *env = json_object_new_array();
	json_object_array_add(env, env_from_field(SCHED_JOB_ENV, "metadata.labels['job-name']"));
	json_object_array_add(env, env_from_field("POD_NAMESPACE", "metadata.namespace"));
	json_object_object_add(c, "env", env);
	jset(c, "securityContext.allowPrivilegeEscalation", json_object_new_boolean(0));
	jset(c, "securityContext.readOnlyRootFilesystem", json_object_new_boolean(1));
	jset(c, "securityContext.runAsNonRoot", json_object_new_boolean(1));
	jset(c, "securityContext.capabilities.drop", strs(drop));
	jset(c, "resources.requests.cpu", str("10m"));
	jset(c, "resources.requests.memory", str("32Mi"));
	jset(c, "resources.limits.memory", str("128Mi"));
	return c;
}

static json_object *pod_template(const struct sched_spec *s, const char *account)
{
	json_object *t = json_object_new_object();
	jset(t, "metadata.labels", labels(s->name));
	jset(t, "spec.serviceAccountName", str(account));
	jset(t, "spec.restartPolicy", str("Never"));
	jset(t, "spec.securityContext.runAsNonRoot", json_object_new_boolean(1));
	jset(t, "spec.securityContext.runAsUser", json_object_new_int(65532));
	jset(t, "spec.securityContext.runAsGroup", json_object_new_int(65532));
	jset(t, "spec.securityContext.seccompProfile.type", str("RuntimeDefault"));
	json_object *cs = json_object_new_array();
	json_object_array_add(cs, container(s));
	jset(t, "spec.containers", cs);
	return t;
}

/* Missed runs are counted only this far back, so they never reach the
 * controller's 100 that stops a schedule, and a late run still starts. */
static int64_t starting_deadline(const struct sched_spec *s)
{
	(void)s;
	return 300;
}

static json_object *cronjob(const struct sched_spec *s, const struct sched_server *srv, const char *account)
{
	char *api = xasprintf("batch/%s", sched_cronjob_version(srv->minor));
	json_object *o = object(api, "CronJob", s->name, s);
	free(api);
	char *record = sched_record_write(s);
	json_object *ann = json_object_new_object();
	json_object_object_add(ann, SCHED_ANNOTATION, str(record));
	free(record);
	jset(o, "metadata.annotations", ann);
	jset(o, "spec.schedule", str(s->cron));
	if (s->time_zone)
		jset(o, "spec.timeZone", str(s->time_zone));
	jset(o, "spec.concurrencyPolicy", str("Forbid"));
	jset(o, "spec.startingDeadlineSeconds", json_object_new_int64(starting_deadline(s)));
	jset(o, "spec.successfulJobsHistoryLimit", json_object_new_int(3));
	jset(o, "spec.failedJobsHistoryLimit", json_object_new_int(3));
	jset(o, "spec.suspend", json_object_new_boolean(0));
	jset(o, "spec.jobTemplate.metadata.labels", labels(s->name));
	jset(o, "spec.jobTemplate.spec.backoffLimit", json_object_new_int(2));
	jset(o, "spec.jobTemplate.spec.activeDeadlineSeconds",
	     json_object_new_int64((s->timeout_ms + 999) / 1000 + RUN_SLACK_S));
	jset(o, "spec.jobTemplate.spec.template", pod_template(s, account));
	return o;
}

json_object *sched_manifests(const struct sched_spec *s, const struct sched_server *srv)
{
	char *account = sched_account_name(s->name);
	json_object *a = json_object_new_array();
	json_object_array_add(a, object("v1", "ServiceAccount", account, s));
	json_object_array_add(a, role(s, account));
	json_object_array_add(a, role_binding(s, account));
	json_object_array_add(a, cronjob(s, srv, account));
	free(account);
	return a;
}

/* ---- the record ------------------------------------------------------------ */

char *sched_record_write(const struct sched_spec *s)
{
	json_object *r = json_object_new_object();
	json_object_object_add(r, "version", json_object_new_int(RECORD_VERSION));
	if (s->pvcs.n) {
		json_object *p = json_object_new_array();
		for (size_t i = 0; i < s->pvcs.n; i++)
			json_object_array_add(p, str(s->pvcs.items[i]));
		json_object_object_add(r, "pvcs", p);
	}
	if (s->selector)
		json_object_object_add(r, "selector", str(s->selector));
	json_object_object_add(r, "keepLast", json_object_new_int64(s->keep_last));
	if (s->keep_within_ms > 0) {
		char *d = ms_text(s->keep_within_ms);
		json_object_object_add(r, "keepWithin", str(d));
		free(d);
	}
	if (s->klass)
		json_object_object_add(r, "class", str(s->klass));
	char *t = ms_text(s->timeout_ms);
	json_object_object_add(r, "timeout", str(t));
	free(t);
	char *out = jdump(r);
	json_object_put(r);
	return out;
}

static const char *annotation(json_object *obj, const char *key)
{
	json_object *a = jget(obj, "metadata.annotations"), *v = NULL;
	if (!json_object_is_type(a, json_type_object) || !json_object_object_get_ex(a, key, &v))
		return NULL;
	return json_object_get_string(v);
}

bool sched_record_read(json_object *cj, struct sched_spec *s, char **why)
{
	memset(s, 0, sizeof *s);
	*why = NULL;
	const char *name = jstr_or(cj, "metadata.name", "?"), *text = annotation(cj, SCHED_ANNOTATION);
	json_object *r = text ? jparse(text, strlen(text)) : NULL;
	int64_t version = 0, keep = 0;
	if (!r || !jint64(r, "version", &version) || !jint64(r, "keepLast", &keep)) {
		*why = xasprintf("CronJob %s has no readable %s annotation", name, SCHED_ANNOTATION);
		json_object_put(r);
		return false;
	}
	if (version != RECORD_VERSION) {
		*why = xasprintf("CronJob %s was made by another kubectl-volsnap version (record version %lld); "
				 "upgrade the plugin",
				 name, (long long)version);
		json_object_put(r);
		return false;
	}
	s->name = xstrdup(name);
	s->ns = xstrdup_or_null(jstr(cj, "metadata.namespace"));
	json_object *pvcs = jget(r, "pvcs");
	for (size_t i = 0; json_object_is_type(pvcs, json_type_array) && i < json_object_array_length(pvcs); i++)
		strlist_push(&s->pvcs, json_object_get_string(json_object_array_get_idx(pvcs, i)));
	s->selector = xstrdup_or_null(jstr(r, "selector"));
	s->keep_last = (long)keep;
	const char *d = jstr(r, "keepWithin");
	if (d)
		duration_parse(d, &s->keep_within_ms);
	d = jstr(r, "timeout");
	if (!d || !duration_parse(d, &s->timeout_ms))
		s->timeout_ms = SCHED_DEFAULT_TIMEOUT_MS;
	s->klass = xstrdup_or_null(jstr(r, "class"));
	s->cron = xstrdup_or_null(jstr(cj, "spec.schedule"));
	s->time_zone = xstrdup_or_null(jstr(cj, "spec.timeZone"));
	json_object *cs = jget(cj, "spec.jobTemplate.spec.template.spec.containers");
	if (json_object_is_type(cs, json_type_array) && json_object_array_length(cs))
		s->image = xstrdup_or_null(jstr(json_object_array_get_idx(cs, 0), "image"));
	json_object_put(r);
	return true;
}

/* ---- the job's run ---------------------------------------------------------- */

bool sched_job_time(const char *job_name, int64_t *t)
{
	const char *dash = job_name ? strrchr(job_name, '-') : NULL;
	if (!dash || !dash[1] || strlen(dash + 1) > 12)
		return false;
	int64_t minutes = 0;
	for (const char *p = dash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		minutes = minutes * 10 + (*p - '0');
	}
	*t = minutes * 60;
	return true;
}

char *sched_snapshot_name(const char *pvc, int64_t scheduled)
{
	time_t tt = (time_t)scheduled;
	struct tm tm;
	char stamp[32];
	gmtime_r(&tt, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M", &tm);
	size_t n = strlen(pvc), max = 253 - 1 - strlen(stamp);
	if (n > max)
		n = max;
	while (n > 0 && (pvc[n - 1] == '.' || pvc[n - 1] == '-'))
		n--;
	if (n == 0)
		return xasprintf("snapshot-%s", stamp);
	return xasprintf("%.*s-%s", (int)n, pvc, stamp);
}

static const char *label(json_object *obj, const char *key)
{
	json_object *l = jget(obj, "metadata.labels"), *v = NULL;
	if (!json_object_is_type(l, json_type_object) || !json_object_object_get_ex(l, key, &v))
		return NULL;
	return json_object_get_string(v);
}

bool sched_snapshot_is_ours(json_object *snap, const char *schedule, const char *pvc)
{
	const char *s = label(snap, SCHED_LABEL), *src = jstr(snap, "spec.source.persistentVolumeClaimName");
	return s && !strcmp(s, schedule) && src && !strcmp(src, pvc);
}

json_object *sched_snapshot_manifest(const char *snap_version, const struct sched_spec *s, const char *pvc,
				     const char *name)
{
	struct snap_api api = {0};
	struct strlist l = STRLIST_INIT;
	snap_api_set(&api, snap_version);
	strlist_take(&l, xasprintf("%s=%s", SCHED_LABEL, s->name));
	json_object *m = snap_manifest(&api, s->ns, name, pvc, s->klass, &l);
	strlist_clear(&l);
	snap_api_clear(&api);
	return m;
}

/* ---- the run's plan ------------------------------------------------------- */

static json_object *find_pvc(json_object *pvcs, const char *name)
{
	size_t n = json_object_is_type(pvcs, json_type_array) ? json_object_array_length(pvcs) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(pvcs, i);
		if (!strcmp(jstr_or(p, "metadata.name", ""), name))
			return p;
	}
	return NULL;
}

static void plan_one(struct sched_item *it, const char *name, json_object *pvc, int64_t scheduled)
{
	memset(it, 0, sizeof *it);
	it->pvc = xstrdup(name);
	const char *phase = jstr_or(pvc, "status.phase", "Pending");
	if (!pvc) {
		it->state = SCHED_MISSING;
		it->why = xstrdup("PVC not found");
	} else if (strcmp(phase, "Bound")) {
		it->state = SCHED_UNBOUND;
		it->why =
		    xasprintf("PVC is %s, not Bound: the snapshot controller would fail it without retrying", phase);
	} else {
		it->state = SCHED_TAKE;
		it->snapshot = sched_snapshot_name(name, scheduled);
	}
}

static int cmp_items(const void *a, const void *b)
{
	return strcmp(((const struct sched_item *)a)->pvc, ((const struct sched_item *)b)->pvc);
}

void sched_plan_run(const struct sched_spec *s, json_object *pvcs, int64_t scheduled, struct sched_plan *plan)
{
	size_t n = s->pvcs.n;
	if (!n)
		n = json_object_is_type(pvcs, json_type_array) ? json_object_array_length(pvcs) : 0;
	plan->n = 0;
	plan->items = xcalloc(n ? n : 1, sizeof *plan->items);
	for (size_t i = 0; i < n; i++) {
		const char *name;
		json_object *pvc;
		if (s->pvcs.n) {
			name = s->pvcs.items[i];
			pvc = find_pvc(pvcs, name);
		} else {
			pvc = json_object_array_get_idx(pvcs, i);
			name = jstr_or(pvc, "metadata.name", "");
			/* Being deleted: nothing left to protect. */
			if (jget(pvc, "metadata.deletionTimestamp"))
				continue;
		}
		plan_one(&plan->items[plan->n++], name, pvc, scheduled);
	}
	qsort(plan->items, plan->n, sizeof *plan->items, cmp_items);
}

void sched_plan_clear(struct sched_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->items[i].pvc);
		free(plan->items[i].snapshot);
		free(plan->items[i].why);
	}
	free(plan->items);
	memset(plan, 0, sizeof *plan);
}
