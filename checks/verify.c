/* Would a setup step's verify command pass on this cluster? Judged from the
 * reads doctor already made, without running anything: `kubectl get KIND
 * NAME...` passes when every named object exists (kubectl exits 1 on
 * NotFound); without a name it passes (kubectl prints "No resources found"
 * and exits 0). Anything else (placeholders, pipes, other programs) is not
 * judged, so setup falls back to the checks that cover the step's kind. */
#include "checks/check.h"

#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"

#define SNAP_SUFFIX ".snapshot.storage.k8s.io"

static bool named_in(json_object *items, const char *name, const char *ns)
{
	for (size_t i = 0; items && i < json_object_array_length(items); i++) {
		json_object *o = json_object_array_get_idx(items, i);
		if (strcmp(jstr_or(o, "metadata.name", ""), name) == 0 &&
		    (!ns || strcmp(jstr_or(o, "metadata.namespace", ""), ns) == 0))
			return true;
	}
	return false;
}

/* A CRD of the snapshot group exists when discovery lists its plural. */
static bool snapshot_crd_served(const struct check_facts *f, const char *crd)
{
	size_t n = strlen(crd), sl = strlen(SNAP_SUFFIX);
	json_object *list =
	    check_object(f, f->snap_version && !strcmp(f->snap_version, "v1") ? READ_SNAP_V1 : READ_SNAP_V1BETA1);
	json_object *rs = jget(list, "resources");
	if (!f->snap_version || n <= sl)
		return false;
	for (size_t i = 0; json_object_is_type(rs, json_type_array) && i < json_object_array_length(rs); i++) {
		const char *r = jstr(json_object_array_get_idx(rs, i), "name");
		if (r && strlen(r) == n - sl && strncmp(r, crd, n - sl) == 0)
			return true;
	}
	return false;
}

struct kind_read {
	const char *kinds; /* accepted spellings, space separated, with a trailing space */
	enum check_read read;
	bool namespaced;
};

static const struct kind_read kind_reads[] = {
    {"volumesnapshotclass volumesnapshotclasses vsclass ", READ_VSCLASSES, false},
    {"csidriver csidrivers ", READ_CSIDRIVERS, false},
    {"storageclass storageclasses sc ", READ_STORAGECLASSES, false},
    {"deployment deployments deploy ", READ_DEPLOYMENTS, true},
    {"statefulset statefulsets sts ", READ_STATEFULSETS, true},
};

static const struct kind_read *find_kind(const char *kind)
{
	char *key = xasprintf("%s ", kind);
	const struct kind_read *found = NULL;
	for (size_t i = 0; i < sizeof kind_reads / sizeof kind_reads[0] && !found; i++) {
		const char *p = strstr(kind_reads[i].kinds, key);
		if (p && (p == kind_reads[i].kinds || p[-1] == ' '))
			found = &kind_reads[i];
	}
	free(key);
	return found;
}

/* One `kubectl [-n NS] get KIND [NAME...] [-o ...]` segment, tokenised. */
static enum check_verify judge_get(const struct check_facts *f, char **tok, size_t n, struct strbuf *why)
{
	const char *ns = "default", *kind;
	size_t i = 1;
	if (n >= 2 && !strcmp(tok[0], "kubectl") && !strcmp(tok[1], "version"))
		return f->git_version ? CHECK_VERIFY_PASS : CHECK_VERIFY_UNREAD;
	while (i + 1 < n && (!strcmp(tok[i], "-n") || !strcmp(tok[i], "--namespace"))) {
		ns = tok[i + 1];
		i += 2;
	}
	if (i + 1 >= n || strcmp(tok[i], "get") != 0)
		return CHECK_VERIFY_NOT_JUDGED;
	kind = tok[++i];
	for (size_t k = ++i; k < n && tok[k][0] != '-'; k++) {
		const struct kind_read *kr = find_kind(kind);
		if (!strcmp(kind, "crd") || !strcmp(kind, "customresourcedefinition")) {
			if (strlen(tok[k]) <= strlen(SNAP_SUFFIX) ||
			    strcmp(tok[k] + strlen(tok[k]) - strlen(SNAP_SUFFIX), SNAP_SUFFIX) != 0)
				return CHECK_VERIFY_NOT_JUDGED;
			if (check_api_seen(f) == CHECK_SEEN_UNKNOWN) {
				strbuf_addf(why, "cannot read %s: %s", check_read_name(READ_SNAP_GROUP),
					    check_read_error(f, READ_SNAP_GROUP));
				return CHECK_VERIFY_UNREAD;
			}
			if (!snapshot_crd_served(f, tok[k])) {
				strbuf_addf(why, "crd %s is not served", tok[k]);
				return CHECK_VERIFY_FAIL;
			}
			continue;
		}
		if (!strcmp(kind, "lease") && !strcmp(ns, "kube-system") &&
		    !strcmp(tok[k], "snapshot-controller-leader")) {
			if (check_object(f, READ_CONTROLLER_LEASE))
				continue;
			if (!check_read_absent(f, READ_CONTROLLER_LEASE)) {
				strbuf_addf(why, "cannot read %s: %s", check_read_name(READ_CONTROLLER_LEASE),
					    check_read_error(f, READ_CONTROLLER_LEASE));
				return CHECK_VERIFY_UNREAD;
			}
			strbuf_addf(why, "%s not found", check_read_name(READ_CONTROLLER_LEASE));
			return CHECK_VERIFY_FAIL;
		}
		if (!kr)
			return CHECK_VERIFY_NOT_JUDGED;
		json_object *items = check_items(f, kr->read, NULL);
		if (!items) {
			strbuf_addf(why, "cannot read %s: %s", check_read_name(kr->read),
				    check_read_error(f, kr->read));
			return CHECK_VERIFY_UNREAD;
		}
		if (!named_in(items, tok[k], kr->namespaced ? ns : NULL)) {
			strbuf_addf(why, "%s %s%s%s not found", kind, kr->namespaced ? ns : "",
				    kr->namespaced ? "/" : "", tok[k]);
			return CHECK_VERIFY_FAIL;
		}
	}
	return CHECK_VERIFY_PASS;
}

enum check_verify check_verify_command(const struct check_facts *f, const char *cmd, struct strbuf *why)
{
	enum check_verify worst = CHECK_VERIFY_PASS;
	char *copy, *seg, *save = NULL;
	if (!cmd)
		return CHECK_VERIFY_NOT_JUDGED;
	/* The first line up to "||" (what follows is the fallback action). */
	copy = xstrdup(cmd);
	copy[strcspn(copy, "\n")] = '\0';
	if (strstr(copy, "||"))
		*strstr(copy, "||") = '\0';
	if (strchr(copy, '<') || strchr(copy, '|') || strchr(copy, ';')) {
		free(copy);
		return CHECK_VERIFY_NOT_JUDGED;
	}
	for (seg = strtok_r(copy, "&", &save); seg; seg = strtok_r(NULL, "&", &save)) {
		char *tok[32], *tsave = NULL;
		size_t n = 0;
		for (char *t = strtok_r(seg, " \t\\", &tsave); t && n < 32; t = strtok_r(NULL, " \t\\", &tsave))
			tok[n++] = t;
		if (n == 0)
			continue;
		enum check_verify v =
		    strcmp(tok[0], "kubectl") == 0 ? judge_get(f, tok, n, why) : CHECK_VERIFY_NOT_JUDGED;
		if (v == CHECK_VERIFY_FAIL) {
			worst = v;
			break;
		}
		if (v == CHECK_VERIFY_UNREAD || (v == CHECK_VERIFY_NOT_JUDGED && worst == CHECK_VERIFY_PASS))
			worst = v;
	}
	free(copy);
	return worst;
}
