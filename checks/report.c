/* The DoctorReport document (schema in docs/doctor.md). Key order is fixed and
 * nothing volatile (times, durations) goes in, so reports compare as text. */
#include "checks/check.h"

#include "util/json.h"

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *needs_json(const struct check *c)
{
	json_object *a = json_object_new_array();
	for (const char *const *n = c->needs; n && *n; n++)
		json_object_array_add(a, json_object_new_string(*n));
	return a;
}

static json_object *check_json(const struct check *c, const struct check_outcome *o)
{
	json_object *j = json_object_new_object();
	json_object *rem = json_object_new_array();
	for (size_t i = 0; i < o->remediation.n; i++)
		json_object_array_add(rem, json_object_new_string(o->remediation.items[i]));
	json_object_object_add(j, "id", json_object_new_string(c->id));
	json_object_object_add(j, "title", json_object_new_string(c->title));
	json_object_object_add(j, "result", json_object_new_string(check_result_name(o->result)));
	json_object_object_add(j, "message", json_object_new_string(o->message.buf));
	json_object_object_add(j, "remediation", rem);
	json_object_object_add(j, "docs", json_object_new_string(c->docs));
	json_object_object_add(j, "needs", needs_json(c));
	return j;
}

static json_object *snapshot_api_json(const struct check_facts *f)
{
	json_object *j = json_object_new_object();
	json_object *served = json_object_new_array();
	for (size_t i = 0; i < f->n_served; i++)
		json_object_array_add(served, json_object_new_string(f->served[i]));
	json_object_object_add(j, "served", served);
	json_object_object_add(j, "preferred", str_or_null(f->preferred));
	return j;
}

static json_object *summary_json(const bool *selected, const struct check_outcome *out, size_t n)
{
	int count[CHECK_NRESULTS] = {0};
	json_object *j = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		if (selected[i])
			count[out[i].result]++;
	for (int r = 0; r < CHECK_NRESULTS; r++)
		json_object_object_add(j, check_result_name(r), json_object_new_int(count[r]));
	return j;
}

json_object *check_report_json(const struct check_facts *f, const char *server, const bool *selected,
			       const struct check_outcome *out)
{
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	json_object *r = json_object_new_object();
	json_object *cluster = json_object_new_object();
	json_object *prov = json_object_new_object();
	json_object *checks = json_object_new_array();

	json_object_object_add(r, "apiVersion", json_object_new_string("volsnap.io/v1"));
	json_object_object_add(r, "kind", json_object_new_string("DoctorReport"));
	json_object_object_add(cluster, "server", str_or_null(server));
	json_object_object_add(cluster, "version", str_or_null(f->git_version));
	json_object_object_add(r, "cluster", cluster);
	json_object_object_add(prov, "id", str_or_null(f->provider ? f->provider->id : NULL));
	json_object_object_add(prov, "name", str_or_null(f->provider ? f->provider->name : NULL));
	json_object_object_add(prov, "evidence", str_or_null(f->provider_evidence));
	json_object_object_add(r, "provider", prov);
	json_object_object_add(r, "snapshotAPI", snapshot_api_json(f));
	for (size_t i = 0; i < n; i++)
		if (selected[i])
			json_object_array_add(checks, check_json(cat[i], &out[i]));
	json_object_object_add(r, "checks", checks);
	json_object_object_add(r, "summary", summary_json(selected, out, n));
	return r;
}

json_object *check_catalogue_json(void)
{
	size_t n;
	const struct check *const *cat = check_catalogue(&n);
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "id", json_object_new_string(cat[i]->id));
		json_object_object_add(j, "title", json_object_new_string(cat[i]->title));
		json_object_object_add(j, "needs", needs_json(cat[i]));
		json_object_object_add(j, "docs", json_object_new_string(cat[i]->docs));
		json_object_array_add(a, j);
	}
	return a;
}
