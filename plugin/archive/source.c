/* The source cluster an archive came from, as manifest.json records it. */
#include <stdlib.h>
#include <string.h>

#include "archive/archive.h"
#include "checks/check.h"
#include "kube/kube.h"
#include "util/json.h"
#include "util/xalloc.h"

void arc_source_read(struct kube_client *c, struct arc_source *src)
{
	struct kube_error err = {0};
	json_object *ns = NULL;
	char *path = kube_path(&KUBE_NAMESPACES, NULL, "kube-system", NULL);
	memset(src, 0, sizeof *src);
	src->server = xstrdup_or_null(kube_client_config(c)->server);
	if (kube_get(c, path, &ns, &err) == 0)
		src->cluster_id = xstrdup_or_null(jstr(ns, "metadata.uid"));
	kube_error_clear(&err);
	json_object_put(ns);
	free(path);

	/* Provider detection is doctor's: the same reads, the same answer. */
	struct check_facts f;
	char *why = NULL;
	check_facts_init(&f, NULL, NULL);
	if (check_fetch(c, CHECK_READS_PROVIDER, &f, &err) == 0 && check_facts_derive(&f, &why) == 0) {
		src->version = xstrdup_or_null(f.git_version);
		src->provider = xstrdup_or_null(f.provider ? f.provider->id : NULL);
	}
	free(why);
	kube_error_clear(&err);
	check_facts_release(&f);
}

void arc_source_clear(struct arc_source *src)
{
	free(src->server);
	free(src->cluster_id);
	free(src->version);
	free(src->provider);
	memset(src, 0, sizeof *src);
}
