/* The I/O edge of doctor: every read the selected checks declared goes out in
 * one kube_call_many round (SelfSubjectAccessReviews included, so permissions
 * cost no extra round trip). A second round happens only for the
 * VolumeSnapshotClass list when the server turns out to serve v1beta1 but not
 * v1: it is read at v1 speculatively in the first round. */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "snap/snap.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SSAR_PATH "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
#define CALLS_MAX (READ_COUNT + 32)

struct plan {
	struct kube_call calls[CALLS_MAX];
	int read_of[CALLS_MAX];	  /* enum check_read, or -1 for an access question */
	int access_of[CALLS_MAX]; /* index into f->access */
	char *paths[CALLS_MAX];	  /* owned */
	size_t n;
};

static void add(struct plan *p, const char *method, char *path, int read, int access, json_object *body)
{
	p->calls[p->n] = (struct kube_call){.method = method, .path = path, .body = body};
	p->paths[p->n] = path;
	p->read_of[p->n] = read;
	p->access_of[p->n] = access;
	p->n++;
}

static char *vsclasses_path(const char *version)
{
	return xasprintf("/apis/" SNAP_GROUP "/%s/volumesnapshotclasses", version);
}

/* Paths for every read but READ_ACCESS; ns NULL = all namespaces. */
static char *read_path(enum check_read r, const char *ns)
{
	switch (r) {
	case READ_VERSION:
		return xstrdup("/version");
	case READ_SNAP_GROUP:
		return xstrdup("/apis/" SNAP_GROUP);
	case READ_SNAP_V1:
		return xstrdup("/apis/" SNAP_GROUP "/v1");
	case READ_SNAP_V1BETA1:
		return xstrdup("/apis/" SNAP_GROUP "/v1beta1");
	case READ_VSCLASSES:
		return vsclasses_path("v1");
	case READ_NODES:
		return kube_path(&KUBE_NODES, NULL, NULL, NULL);
	case READ_CSIDRIVERS:
		return kube_path(&KUBE_CSIDRIVERS, NULL, NULL, NULL);
	case READ_CSINODES:
		return kube_path(&KUBE_CSINODES, NULL, NULL, NULL);
	case READ_STORAGECLASSES:
		return kube_path(&KUBE_STORAGECLASSES, NULL, NULL, NULL);
	case READ_PVS:
		return kube_path(&KUBE_PVS, NULL, NULL, NULL);
	case READ_PVCS:
		return kube_path(&KUBE_PVCS, ns, NULL, NULL);
	case READ_DEPLOYMENTS:
		return kube_path(&KUBE_DEPLOYMENTS, NULL, NULL, NULL);
	case READ_STATEFULSETS:
		return xstrdup("/apis/apps/v1/statefulsets");
	case READ_CONTROLLER_LEASE:
		return xstrdup("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/snapshot-controller-leader");
	case READ_SHOOT_INFO:
		return kube_path(&KUBE_CONFIGMAPS, "kube-system", "shoot-info", NULL);
	case READ_OPENSHIFT_GROUP:
		return xstrdup("/apis/config.openshift.io");
	case READ_OPENSHIFT_VERSION:
		return xstrdup("/apis/config.openshift.io/v1/clusterversions/version");
	case READ_CRONJOBS:
		return kube_path(&KUBE_CRONJOBS, ns, NULL, NULL);
	case READ_CRONJOBS_V1BETA1: {
		struct kube_resource r = KUBE_CRONJOBS;
		r.version = "v1beta1";
		return kube_path(&r, ns, NULL, NULL);
	}
	case READ_SCHED_JOBS: {
		char *p = kube_path(&KUBE_CRONJOBS, ns, NULL, NULL), *q;
		/* The same path with jobs for cronjobs: /apis/batch/v1[/namespaces/NS]/jobs. */
		p[strlen(p) - strlen("cronjobs")] = '\0';
		q = xasprintf("%sjobs?labelSelector=volsnap.io%%2Fschedule", p);
		free(p);
		return q;
	}
	case READ_CRONJOB_EVENTS: {
		char *p = kube_path(&KUBE_EVENTS, ns, NULL, NULL),
		     *q = xasprintf("%s?fieldSelector=involvedObject.kind%%3DCronJob", p);
		free(p);
		return q;
	}
	default:
		return NULL;
	}
}

/* Collections are LISTed (all pages); the rest are single GETs. */
static const char *read_method(enum check_read r)
{
	switch (r) {
	case READ_VSCLASSES:
	case READ_NODES:
	case READ_CSIDRIVERS:
	case READ_CSINODES:
	case READ_STORAGECLASSES:
	case READ_PVS:
	case READ_PVCS:
	case READ_DEPLOYMENTS:
	case READ_STATEFULSETS:
	case READ_CRONJOBS:
	case READ_CRONJOBS_V1BETA1:
	case READ_SCHED_JOBS:
	case READ_CRONJOB_EVENTS:
		return "LIST";
	default:
		return "GET";
	}
}

static json_object *ssar_body(const struct check_access *a, const char *ns)
{
	json_object *review = json_object_new_object();
	json_object *attrs = json_object_new_object();
	json_object_object_add(review, "apiVersion", json_object_new_string("authorization.k8s.io/v1"));
	json_object_object_add(review, "kind", json_object_new_string("SelfSubjectAccessReview"));
	if (ns && !a->cluster_scoped)
		json_object_object_add(attrs, "namespace", json_object_new_string(ns));
	json_object_object_add(attrs, "verb", json_object_new_string(a->verb));
	json_object_object_add(attrs, "group", json_object_new_string(a->group));
	json_object_object_add(attrs, "resource", json_object_new_string(a->resource));
	jset(review, "spec.resourceAttributes", attrs);
	return review;
}

static void plan_reads(struct plan *p, unsigned reads, const struct check_facts *f)
{
	for (int r = 0; r < READ_COUNT; r++)
		if (r != READ_ACCESS && (reads & CHECK_READ(r)))
			add(p, read_method(r), read_path(r, f->namespace), r, -1, NULL);
	if (reads & CHECK_READ(READ_ACCESS))
		for (size_t i = 0; i < f->n_access; i++)
			add(p, "POST", xstrdup(SSAR_PATH), -1, (int)i, ssar_body(&f->access[i], f->namespace));
}

static void store(struct plan *p, struct check_facts *f)
{
	for (size_t i = 0; i < p->n; i++) {
		struct kube_call *c = &p->calls[i];
		if (p->read_of[i] >= 0) {
			struct check_read_result *rr = &f->reads[p->read_of[i]];
			json_object_put(rr->obj);
			kube_error_clear(&rr->err);
			rr->done = true;
			rr->obj = c->rc == 0 ? c->result : NULL;
			rr->err = c->err; /* ownership moves */
		} else {
			struct check_access *a = &f->access[p->access_of[i]];
			a->answered = c->rc == 0 && jbool(c->result, "status.allowed", &a->allowed);
			if (c->rc < 0 && !f->access_err.message)
				f->access_err = c->err;
			else
				kube_error_clear(&c->err);
			json_object_put(c->result);
		}
		memset(&c->err, 0, sizeof c->err);
		json_object_put(c->body);
		free(p->paths[i]);
	}
	p->n = 0;
}

/* The version list of the group document read in round one. */
static bool group_serves(const struct check_facts *f, const char *version)
{
	json_object *vs = jget(f->reads[READ_SNAP_GROUP].obj, "versions");
	for (size_t i = 0; json_object_is_type(vs, json_type_array) && i < json_object_array_length(vs); i++)
		if (strcmp(jstr_or(json_object_array_get_idx(vs, i), "version", ""), version) == 0)
			return true;
	return false;
}

/* Unreachable or unauthenticated: nothing doctor says would mean anything. */
static bool cluster_unreadable(const struct kube_error *e)
{
	return e->kind == KUBE_ERR_TRANSPORT || e->kind == KUBE_ERR_TIMEOUT || e->kind == KUBE_ERR_CONFIG ||
	       e->kind == KUBE_ERR_CREDENTIALS || e->http_code == 401;
}

int check_fetch(struct kube_client *c, unsigned reads, struct check_facts *f, struct kube_error *err)
{
	struct plan *p = xcalloc(1, sizeof *p);
	int rc = -1;

	plan_reads(p, reads | CHECK_READ(READ_VERSION), f);
	if (kube_call_many(c, p->calls, p->n, err) < 0)
		goto out;
	store(p, f);
	if (cluster_unreadable(&f->reads[READ_VERSION].err)) {
		*err = f->reads[READ_VERSION].err; /* ownership moves */
		memset(&f->reads[READ_VERSION].err, 0, sizeof *err);
		goto out;
	}
	if ((reads & CHECK_READ(READ_VSCLASSES)) && !group_serves(f, "v1") && group_serves(f, "v1beta1")) {
		add(p, "LIST", vsclasses_path("v1beta1"), READ_VSCLASSES, -1, NULL);
		if (kube_call_many(c, p->calls, p->n, err) < 0)
			goto out;
		store(p, f);
	}
	rc = 0;
out:
	for (size_t i = 0; i < p->n; i++) {
		json_object_put(p->calls[i].body);
		free(p->paths[i]);
	}
	free(p);
	return rc;
}

int check_diagnose(struct kube_client *c, struct check_facts *f, const bool *selected, struct check_outcome *out,
		   struct kube_error *err, char **why)
{
	if (check_fetch(c, check_reads_for(selected), f, err) < 0)
		return -1;
	if (check_facts_derive(f, why) < 0)
		return -2;
	check_run(f, selected, out);
	return 0;
}
