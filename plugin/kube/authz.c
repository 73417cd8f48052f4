/* SelfSubjectAccessReview (§7.1): "can I?" questions, asked in parallel. */
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/xalloc.h"

#define SSAR_PATH "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"

static void add_attr(json_object *attrs, const char *key, const char *value)
{
	if (value && *value)
		json_object_object_add(attrs, key, json_object_new_string(value));
}

static json_object *review_of(const struct kube_access *q)
{
	json_object *review = json_object_new_object();
	json_object *attrs = json_object_new_object();

	json_object_object_add(review, "apiVersion", json_object_new_string("authorization.k8s.io/v1"));
	json_object_object_add(review, "kind", json_object_new_string("SelfSubjectAccessReview"));
	add_attr(attrs, "namespace", q->namespace);
	add_attr(attrs, "verb", q->verb);
	/* group "" (core) is sent as is: the attribute is always meaningful. */
	json_object_object_add(attrs, "group", json_object_new_string(q->group ? q->group : ""));
	add_attr(attrs, "resource", q->resource);
	add_attr(attrs, "subresource", q->subresource);
	add_attr(attrs, "name", q->name);
	jset(review, "spec.resourceAttributes", attrs);
	return review;
}

static void read_answer(struct kube_access *q, struct kube_call *call)
{
	bool allowed = false;

	free(q->reason);
	q->reason = NULL;
	if (call->rc < 0) {
		/* No answer counts as "no": the reason says why it is unknown. */
		q->allowed = false;
		q->reason = xasprintf("could not ask the server: %s", call->err.message ? call->err.message : "");
		return;
	}
	jbool(call->result, "status.allowed", &allowed);
	q->allowed = allowed;
	const char *reason = jstr(call->result, "status.reason");
	q->reason = reason && *reason ? xstrdup(reason) : NULL;
}

int kube_can_i(struct kube_client *c, struct kube_access *questions, size_t n, struct kube_error *err)
{
	struct kube_call *calls;
	size_t answered = 0;
	int rc = -1;

	if (!n)
		return 0;
	calls = xcalloc(n, sizeof *calls);
	for (size_t i = 0; i < n; i++) {
		calls[i].method = "POST";
		calls[i].path = SSAR_PATH;
		calls[i].body = review_of(&questions[i]);
	}
	if (kube_call_many(c, calls, n, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		read_answer(&questions[i], &calls[i]);
		answered += calls[i].rc == 0;
	}
	rc = 0;
	if (!answered) {
		/* Every question failed the same way, most likely: report the first. */
		kube_error_move(err, &calls[0].err);
		kube_error_prefix(err, "asking the server what you may do");
		rc = -1;
	}
out:
	for (size_t i = 0; i < n; i++) {
		json_object_put(calls[i].body);
		if (calls[i].result)
			json_object_put(calls[i].result);
		kube_error_clear(&calls[i].err);
	}
	free(calls);
	return rc;
}

void kube_access_clear(struct kube_access *questions, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(questions[i].reason);
		questions[i].reason = NULL;
		questions[i].allowed = false;
	}
}
