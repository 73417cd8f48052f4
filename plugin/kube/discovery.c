/* Discovery (§2): the server's version and the versions a group serves. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kube/http.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/strlist.h"
#include "util/xalloc.h"

/* Leading digits: managed clusters report minor "31+". -1 when there are none. */
static int leading_int(const char *s)
{
	int n = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s) && n < 100000; s++)
		n = n * 10 + (*s - '0');
	return n;
}

/* "v1.31.4-gke.1" -> 1, 31; used when major/minor are unreadable. */
static void version_from_git(const char *git, int *major, int *minor)
{
	if (!git || *git != 'v')
		return;
	if (*major < 0)
		*major = leading_int(git + 1);
	const char *dot = strchr(git, '.');
	if (*minor < 0 && dot)
		*minor = leading_int(dot + 1);
}

int kube_server_version(struct kube_client *c, struct kube_version *out, struct kube_error *err)
{
	json_object *v = NULL;

	memset(out, 0, sizeof *out);
	if (kube_get(c, "/version", &v, err) < 0) {
		kube_error_prefix(err, "reading the server version");
		return -1;
	}
	out->git_version = xstrdup_or_null(jstr(v, "gitVersion"));
	out->platform = xstrdup_or_null(jstr(v, "platform"));
	out->major = leading_int(jstr(v, "major"));
	out->minor = leading_int(jstr(v, "minor"));
	version_from_git(out->git_version, &out->major, &out->minor);
	json_object_put(v);
	if (out->major < 0 || out->minor < 0) {
		kube_error_set(err, KUBE_ERR_PROTOCOL, 200, NULL, NULL,
			       "the server's /version has no readable version");
		kube_version_clear(out);
		return -1;
	}
	return 0;
}

void kube_version_clear(struct kube_version *v)
{
	free(v->git_version);
	free(v->platform);
	memset(v, 0, sizeof *v);
}

static void push_unique(struct strlist *l, const char *s)
{
	if (s && *s && !strlist_contains(l, s))
		strlist_push(l, s);
}

int kube_group_versions(struct kube_client *c, const char *group, char ***versions, size_t *n, struct kube_error *err)
{
	struct strlist l = STRLIST_INIT;
	json_object *g = NULL;
	char *path = xasprintf("/apis/%s", group);
	int rc = kube_get(c, path, &g, err);

	*versions = NULL;
	*n = 0;
	free(path);
	if (rc < 0) {
		/* Text 404 (the usual) or a JSON one: the group is simply not there. */
		if (err->http_code == 404 && (err->kind == KUBE_ERR_NOT_INSTALLED || err->kind == KUBE_ERR_API)) {
			kube_error_clear(err);
			return 0;
		}
		return -1;
	}
	push_unique(&l, jstr(g, "preferredVersion.version"));
	json_object *vs = jget(g, "versions");
	for (size_t i = 0; json_object_is_type(vs, json_type_array) && i < json_object_array_length(vs); i++)
		push_unique(&l, jstr(json_object_array_get_idx(vs, i), "version"));
	json_object_put(g);
	*versions = l.items;
	*n = l.n;
	return 0;
}

void kube_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}
