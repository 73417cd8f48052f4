/* Loading a kubeconfig the way kubectl does (client-go tools/clientcmd):
 * pick the files (--kubeconfig, else $KUBECONFIG merged, else ~/.kube/config,
 * else the pod's service account), choose context, cluster and user, apply the
 * command-line overrides, resolve relative paths against the file that defined
 * them, decode the *-data fields, and validate as client-go's validation.go does.
 *
 * Every error is KUBE_ERR_CONFIG with one line saying what is wrong and what to
 * do. Secret values (tokens, keys, passwords) never appear in messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/strlist.h"
#include "util/xalloc.h"
#include "util/yaml.h"

#define DEFAULT_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX_BYTES (16u << 20)

/* One parsed kubeconfig file. */
struct kc_file {
	char *path;
	char *dir; /* relative paths in this file resolve against it */
	json_object *root;
};

struct kc_set {
	struct kc_file *files;
	size_t n;
	char *source; /* paths joined with ':' for messages */
};

/* A named entry found in one of the files, with the file that defined it. */
struct kc_entry {
	const char *name;
	json_object *obj; /* the inner "cluster"/"user"/"context" mapping (may be NULL) */
	const struct kc_file *file;
};

/* ---- small helpers ------------------------------------------------------ */

static int read_all(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || sb->len + (size_t)n > KUBECONFIG_MAX_BYTES) {
			int e = n < 0 ? errno : EFBIG;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		strbuf_add(sb, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

static bool is_readable(const char *path)
{
	return access(path, R_OK) == 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* An absolute version of path: relative ones are joined to the folder of the
 * kubeconfig file that named them, as client-go's ResolvePaths does. */
static char *resolve_path(const char *path, const struct kc_file *from)
{
	if (path[0] == '/' || !from)
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return xasprintf("%s/%s", from->dir, path);
}

static char *absolute_file(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

static void free_secret(char *s, size_t len);

static void set_str(char **dst, const char *val)
{
	free(*dst);
	*dst = xstrdup_or_null(val);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* ---- base64 ------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 as Go's []byte JSON fields read it; line breaks and
 * missing padding are tolerated. The result is NUL-terminated for PEM users. */
static int b64_decode(const char *in, char **out, size_t *out_len)
{
	size_t cap = strlen(in) / 4 * 3 + 4;
	unsigned char *buf = xmalloc(cap);
	size_t n = 0, quad = 0, pad = 0;
	unsigned acc = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		int v = b64_value(*p);
		if (v < 0 || pad)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		if (++quad == 4) {
			buf[n++] = (unsigned char)(acc >> 16);
			buf[n++] = (unsigned char)(acc >> 8);
			buf[n++] = (unsigned char)acc;
			quad = 0;
			acc = 0;
		}
	}
	if (quad == 1 || pad > 2)
		goto bad;
	if (quad == 2) {
		buf[n++] = (unsigned char)(acc >> 4);
	} else if (quad == 3) {
		buf[n++] = (unsigned char)(acc >> 10);
		buf[n++] = (unsigned char)(acc >> 2);
	}
	buf[n] = '\0';
	*out = (char *)buf;
	*out_len = n;
	return 0;
bad:
	free(buf);
	return -1;
}

/* ---- the file set ------------------------------------------------------- */

static void kc_set_clear(struct kc_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->files[i].path);
		free(set->files[i].dir);
		json_object_put(set->files[i].root);
	}
	free(set->files);
	free(set->source);
	memset(set, 0, sizeof(*set));
}

/* A name-like scalar as text: YAML may type "name: 1" as a number, which is
 * still the name the user wrote. */
static const char *scalar_at(json_object *obj, const char *key)
{
	json_object *n = jget(obj, key);
	if (!n || json_object_is_type(n, json_type_object) || json_object_is_type(n, json_type_array))
		return NULL;
	return json_object_get_string(n);
}

static const char *entry_name(json_object *entry)
{
	return scalar_at(entry, "name");
}

/* client-go refuses a file that names two entries of one list alike. */
static int check_duplicates(const char *path, const char *list, json_object *arr, struct kube_error *err)
{
	struct strlist seen = STRLIST_INIT;
	int rc = 0;
	for (size_t i = 0; i < json_object_array_length(arr) && rc == 0; i++) {
		const char *n = entry_name(json_object_array_get_idx(arr, i));
		if (!n)
			continue;
		if (strlist_contains(&seen, n)) {
			kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
				       "kubeconfig %s: %s has two entries named \"%s\"; remove or rename one", path,
				       list, n);
			rc = -1;
		}
		strlist_push(&seen, n);
	}
	strlist_clear(&seen);
	return rc;
}

static int check_lists(const char *path, json_object *root, struct kube_error *err)
{
	static const char *const lists[] = {"clusters", "users", "contexts"};
	if (!json_object_is_type(root, json_type_object)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "kubeconfig %s: not a kubeconfig (the top level is not a mapping); check the file",
			       path);
		return -1;
	}
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_object *l = jget(root, lists[i]);
		if (!l)
			continue;
		if (!json_object_is_type(l, json_type_array)) {
			kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
				       "kubeconfig %s: %s must be a list of {name, ...} entries; fix the file", path,
				       lists[i]);
			return -1;
		}
		if (check_duplicates(path, lists[i], l, err) < 0)
			return -1;
	}
	return 0;
}

/* Parses one file into the set. A missing file is reported through *missing
 * so the caller decides whether that is an error (--kubeconfig) or not. */
static int kc_set_add(struct kc_set *set, const char *path, bool *missing, struct kube_error *err)
{
	int rc = -1;
	struct strbuf sb = STRBUF_INIT;
	json_object *root = NULL;
	char *yerr = NULL;
	*missing = false;
	if (read_all(path, &sb) < 0) {
		if (errno == ENOENT) {
			*missing = true;
			rc = 0;
			goto out;
		}
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL, "kubeconfig %s: cannot read it: %s", path,
			       strerror(errno));
		goto out;
	}
	if (yaml_to_json(sb.buf, sb.len, &root, &yerr) < 0) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL, "kubeconfig %s: %s; fix the YAML", path, yerr);
		goto out;
	}
	if (!root)
		root = json_object_new_object(); /* an empty file is an empty config */
	if (check_lists(path, root, err) < 0)
		goto out;
	set->files = xrealloc(set->files, (set->n + 1) * sizeof(*set->files));
	set->files[set->n].path = absolute_file(path);
	set->files[set->n].dir = dir_of(set->files[set->n].path);
	set->files[set->n].root = root;
	root = NULL;
	set->n++;
	rc = 0;
out:
	json_object_put(root);
	free(yerr);
	strbuf_release(&sb);
	return rc;
}

static void kc_set_finish_source(struct kc_set *set)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < set->n; i++) {
		if (i)
			strbuf_addch(&sb, ':');
		strbuf_addstr(&sb, set->files[i].path);
	}
	set->source = strbuf_detach(&sb);
}

/* $KUBECONFIG: ':'-separated, empty entries skipped, duplicates read once,
 * missing files ignored (client-go's loader). */
static int load_env_list(struct kc_set *set, const char *list, struct kube_error *err)
{
	int rc = 0;
	struct strlist seen = STRLIST_INIT;
	char *copy = xstrdup(list);
	char *save = NULL;
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
		bool missing;
		if (strlist_contains(&seen, p))
			continue;
		strlist_push(&seen, p);
		if (kc_set_add(set, p, &missing, err) < 0) {
			rc = -1;
			break;
		}
	}
	free(copy);
	strlist_clear(&seen);
	return rc;
}

/* Finds name in list ("clusters", ...) across the files: the first file that
 * defines it wins, as when kubectl merges. */
static bool kc_find(const struct kc_set *set, const char *list, const char *inner, const char *name,
		    struct kc_entry *out)
{
	for (size_t f = 0; f < set->n; f++) {
		json_object *arr = jget(set->files[f].root, list);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			json_object *e = json_object_array_get_idx(arr, i);
			const char *n = entry_name(e);
			if (n && strcmp(n, name) == 0) {
				out->name = n;
				out->obj = jget(e, inner);
				out->file = &set->files[f];
				return true;
			}
		}
	}
	return false;
}

/* "a, b, c" of the names defined in list across the files, for messages. */
static char *kc_names(const struct kc_set *set, const char *list)
{
	struct strlist seen = STRLIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	for (size_t f = 0; f < set->n; f++) {
		json_object *arr = jget(set->files[f].root, list);
		for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
			const char *n = entry_name(json_object_array_get_idx(arr, i));
			if (!n || strlist_contains(&seen, n))
				continue;
			strlist_push(&seen, n);
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", n);
		}
	}
	strlist_clear(&seen);
	if (!sb.len)
		strbuf_addstr(&sb, "none defined");
	return strbuf_detach(&sb);
}

static const char *kc_current_context(const struct kc_set *set)
{
	for (size_t f = 0; f < set->n; f++) {
		const char *c = nonempty(scalar_at(set->files[f].root, "current-context"));
		if (c)
			return c;
	}
	return NULL;
}

/* ---- choosing context, cluster, user ----------------------------------- */

static int pick_context(const struct kc_set *set, const struct kube_config_overrides *ov, struct kube_config *cfg,
			struct kc_entry *ctx, struct kube_error *err)
{
	const char *name = nonempty(ov->context) ? ov->context : kc_current_context(set);
	memset(ctx, 0, sizeof(*ctx));
	if (!name) {
		/* kubectl can still talk to a server given with --server. */
		if (nonempty(ov->server))
			return 0;
		char *names = kc_names(set, "contexts");
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "kubeconfig %s: current-context is not set (available: %s); pick one with --context "
			       "or kubectl config use-context",
			       set->source, names);
		free(names);
		return -1;
	}
	if (!kc_find(set, "contexts", "context", name, ctx)) {
		char *names = kc_names(set, "contexts");
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "kubeconfig %s: context \"%s\" not found (available: %s); pick one with --context",
			       set->source, name, names);
		free(names);
		return -1;
	}
	cfg->context_name = xstrdup(name);
	return 0;
}

static int pick_named(const struct kc_set *set, const char *what, const char *list, const char *inner, const char *name,
		      const char *ctx_name, const char *flag, struct kc_entry *out, struct kube_error *err)
{
	if (kc_find(set, list, inner, name, out))
		return 0;
	char *names = kc_names(set, list);
	kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
		       "kubeconfig %s: %s \"%s\"%s%s%s not found (available: %s); fix the context or pick one with %s",
		       set->source, what, name, ctx_name ? " of context \"" : "", ctx_name ? ctx_name : "",
		       ctx_name ? "\"" : "", names, flag);
	free(names);
	return -1;
}

/* ---- cluster ------------------------------------------------------------ */

static int decode_field(json_object *obj, const char *field, const char *what, const char *name, char **out,
			size_t *out_len, struct kube_error *err)
{
	const char *b64 = nonempty(jstr(obj, field));
	if (!b64)
		return 0;
	if (b64_decode(b64, out, out_len) < 0) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "%s \"%s\": %s is not valid base64; it must hold the base64 of the PEM file "
			       "(base64 -w0 FILE)",
			       what, name, field);
		return -1;
	}
	return 0;
}

static int check_file(const char *path, const char *what, const char *name, const char *field, struct kube_error *err)
{
	if (is_readable(path))
		return 0;
	kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL, "%s \"%s\": cannot read %s %s: %s; fix the path", what,
		       name, field, path, strerror(errno));
	return -1;
}

static void read_cluster_fields(const struct kc_entry *cl, struct kube_config *cfg)
{
	const char *ca = nonempty(jstr(cl->obj, "certificate-authority"));
	bool insecure = false;
	set_str(&cfg->server, nonempty(jstr(cl->obj, "server")));
	if (ca)
		cfg->ca_file = resolve_path(ca, cl->file);
	if (jbool(cl->obj, "insecure-skip-tls-verify", &insecure))
		cfg->insecure_skip_tls_verify = insecure;
	set_str(&cfg->tls_server_name, nonempty(jstr(cl->obj, "tls-server-name")));
	set_str(&cfg->proxy_url, nonempty(jstr(cl->obj, "proxy-url")));
}

static int load_cluster(const struct kc_entry *cl, struct kube_config *cfg, struct kube_error *err)
{
	if (cl->obj && !json_object_is_type(cl->obj, json_type_object)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "kubeconfig %s: cluster \"%s\" has no cluster mapping; fix the file", cl->file->path,
			       cl->name);
		return -1;
	}
	read_cluster_fields(cl, cfg);
	if (decode_field(cl->obj, "certificate-authority-data", "cluster", cl->name, &cfg->ca_data, &cfg->ca_data_len,
			 err) < 0)
		return -1;
	if (cfg->ca_file && cfg->ca_data) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "cluster \"%s\": certificate-authority and certificate-authority-data are both set; "
			       "keep only one",
			       cl->name);
		return -1;
	}
	return 0;
}

/* --server, --certificate-authority and --insecure-skip-tls-verify, with
 * client-go's side effects on the settings they replace. */
static void apply_cluster_overrides(const struct kube_config_overrides *ov, struct kube_config *cfg)
{
	if (nonempty(ov->server)) {
		set_str(&cfg->server, ov->server);
		/* A name meant for the kubeconfig's server is wrong for another one. */
		set_str(&cfg->tls_server_name, NULL);
	}
	if (nonempty(ov->certificate_authority)) {
		free(cfg->ca_file);
		cfg->ca_file = absolute_file(ov->certificate_authority);
		set_str(&cfg->ca_data, NULL);
		cfg->ca_data_len = 0;
		cfg->insecure_skip_tls_verify = false;
	}
	if (nonempty(ov->tls_server_name))
		set_str(&cfg->tls_server_name, ov->tls_server_name);
	if (ov->insecure_skip_tls_verify) {
		/* The flag without a CA clears the kubeconfig's CA, as kubectl does. */
		cfg->insecure_skip_tls_verify = true;
		if (!nonempty(ov->certificate_authority)) {
			set_str(&cfg->ca_file, NULL);
			set_str(&cfg->ca_data, NULL);
			cfg->ca_data_len = 0;
		}
	}
}

static int validate_cluster(const struct kube_config *cfg, const char *cluster, struct kube_error *err)
{
	const char *name = cluster ? cluster : "(none)";
	if (!cfg->server && !cluster && cfg->context_name) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "context \"%s\" names no cluster; add cluster: to the context, or pass --cluster or "
			       "--server",
			       cfg->context_name);
		return -1;
	}
	if (!cfg->server) {
		kube_error_set(
		    err, KUBE_ERR_CONFIG, 0, NULL, NULL,
		    "no server in cluster \"%s\" of context \"%s\"; add server: to the cluster or pass --server", name,
		    cfg->context_name ? cfg->context_name : "(none)");
		return -1;
	}
	if (cfg->insecure_skip_tls_verify && (cfg->ca_file || cfg->ca_data)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "cluster \"%s\": insecure-skip-tls-verify is set together with a certificate authority; "
			       "remove one of them",
			       name);
		return -1;
	}
	if (cfg->ca_file && check_file(cfg->ca_file, "cluster", name, "certificate-authority", err) < 0)
		return -1;
	return 0;
}

/* ---- user --------------------------------------------------------------- */

static void exec_config_free(struct kube_exec_config *ex);

/* The in-tree auth providers left kubectl in 1.26 (kubernetes#112341); each
 * has an exec plugin that replaces it. */
static int reject_auth_provider(const char *user, json_object *ap, struct kube_error *err)
{
	const char *name = jstr_or(ap, "name", "");
	const char *fix;
	if (strcmp(name, "gcp") == 0)
		fix = "install gke-gcloud-auth-plugin and run gcloud container clusters get-credentials again "
		      "(https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)";
	else if (strcmp(name, "azure") == 0)
		fix = "install kubelogin and run kubelogin convert-kubeconfig "
		      "(https://azure.github.io/kubelogin/)";
	else if (strcmp(name, "oidc") == 0)
		fix = "use the kubelogin exec plugin (int128/kubelogin, kubectl oidc-login) "
		      "(https://github.com/int128/kubelogin)";
	else
		fix = "switch the user to an exec credential plugin "
		      "(https://kubernetes.io/docs/reference/access-authn-authz/authentication/"
		      "#client-go-credential-plugins)";
	kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
		       "user \"%s\": the auth-provider \"%s\" is no longer supported by kubectl; %s", user, name, fix);
	return -1;
}

static int exec_strings(json_object *arr, char ***out, size_t *n)
{
	size_t len = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	*out = xcalloc(len + 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		/* YAML may type an argument like "3" or "true"; it is still text. */
		(*out)[(*n)++] = xstrdup(v ? json_object_get_string(v) : "");
	}
	return 0;
}

static int exec_env(const char *user, json_object *arr, struct kube_exec_config *ex, struct kube_error *err)
{
	size_t len = json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
	ex->env = xcalloc(len + 1, sizeof(*ex->env));
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *name = nonempty(jstr(e, "name"));
		json_object *v = jget(e, "value");
		if (!name) {
			kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
				       "user \"%s\": exec env entry %zu has no name; give every env entry a name", user,
				       i + 1);
			return -1;
		}
		ex->env[ex->nenv++] = xasprintf("%s=%s", name, v ? json_object_get_string(v) : "");
	}
	return 0;
}

static int exec_api_version(const char *user, struct kube_exec_config *ex, struct kube_error *err)
{
	if (!ex->api_version) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": exec has no apiVersion; set it to client.authentication.k8s.io/v1", user);
		return -1;
	}
	if (strcmp(ex->api_version, "client.authentication.k8s.io/v1") != 0 &&
	    strcmp(ex->api_version, "client.authentication.k8s.io/v1beta1") != 0) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": exec apiVersion \"%s\" is not supported; use "
			       "client.authentication.k8s.io/v1 (or v1beta1)",
			       user, ex->api_version);
		return -1;
	}
	return 0;
}

/* v1 must say interactiveMode; v1beta1 defaults to IfAvailable (client-go). */
static int exec_interactive_mode(const char *user, struct kube_exec_config *ex, struct kube_error *err)
{
	if (!ex->interactive_mode) {
		if (strcmp(ex->api_version, "client.authentication.k8s.io/v1beta1") == 0) {
			ex->interactive_mode = xstrdup("IfAvailable");
			return 0;
		}
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "interactiveMode must be specified for %s to use exec authentication plugin; add "
			       "interactiveMode: Never (or IfAvailable, Always) to its exec section",
			       user);
		return -1;
	}
	if (strcmp(ex->interactive_mode, "Never") && strcmp(ex->interactive_mode, "IfAvailable") &&
	    strcmp(ex->interactive_mode, "Always")) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": invalid exec interactiveMode \"%s\"; use Never, IfAvailable or Always",
			       user, ex->interactive_mode);
		return -1;
	}
	return 0;
}

static int load_exec(const struct kc_entry *us, json_object *ej, struct kube_config *cfg, struct kube_error *err)
{
	struct kube_exec_config *ex = xcalloc(1, sizeof(*ex));
	const char *cmd = nonempty(jstr(ej, "command"));
	bool pci = false;
	cfg->exec = ex;
	ex->api_version = xstrdup_or_null(nonempty(jstr(ej, "apiVersion")));
	ex->install_hint = xstrdup_or_null(nonempty(jstr(ej, "installHint")));
	ex->interactive_mode = xstrdup_or_null(nonempty(jstr(ej, "interactiveMode")));
	if (jbool(ej, "provideClusterInfo", &pci))
		ex->provide_cluster_info = pci;
	if (!cmd) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": exec has no command; set command: to the credential plugin", us->name);
		return -1;
	}
	/* A bare name is looked up in PATH; a path with a slash is a file. */
	ex->command = strchr(cmd, '/') ? resolve_path(cmd, us->file) : xstrdup(cmd);
	exec_strings(jget(ej, "args"), &ex->args, &ex->nargs);
	if (exec_env(us->name, jget(ej, "env"), ex, err) < 0)
		return -1;
	if (exec_api_version(us->name, ex, err) < 0)
		return -1;
	return exec_interactive_mode(us->name, ex, err);
}

static void read_user_strings(const struct kc_entry *us, struct kube_config *cfg)
{
	const char *tf = nonempty(jstr(us->obj, "tokenFile"));
	const char *cc = nonempty(jstr(us->obj, "client-certificate"));
	const char *ck = nonempty(jstr(us->obj, "client-key"));
	set_str(&cfg->token, nonempty(jstr(us->obj, "token")));
	if (tf)
		cfg->token_file = resolve_path(tf, us->file);
	if (cc)
		cfg->client_cert_file = resolve_path(cc, us->file);
	if (ck)
		cfg->client_key_file = resolve_path(ck, us->file);
	set_str(&cfg->username, nonempty(jstr(us->obj, "username")));
	set_str(&cfg->password, nonempty(jstr(us->obj, "password")));
}

static int load_user(const struct kc_entry *us, struct kube_config *cfg, struct kube_error *err)
{
	json_object *ap = jget(us->obj, "auth-provider");
	json_object *ej = jget(us->obj, "exec");
	if (us->obj && !json_object_is_type(us->obj, json_type_object)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "kubeconfig %s: user \"%s\" has no user mapping; fix the file", us->file->path,
			       us->name);
		return -1;
	}
	if (ap)
		return reject_auth_provider(us->name, ap, err);
	read_user_strings(us, cfg);
	if (decode_field(us->obj, "client-certificate-data", "user", us->name, &cfg->client_cert_data,
			 &cfg->client_cert_data_len, err) < 0)
		return -1;
	if (decode_field(us->obj, "client-key-data", "user", us->name, &cfg->client_key_data, &cfg->client_key_data_len,
			 err) < 0)
		return -1;
	if (json_object_is_type(ej, json_type_object))
		return load_exec(us, ej, cfg, err);
	return 0;
}

/* --client-certificate/--client-key replace the file's certificate and key;
 * --as/--as-group impersonate. */
static void apply_cert_overrides(const struct kube_config_overrides *ov, struct kube_config *cfg)
{
	if (nonempty(ov->client_certificate)) {
		free(cfg->client_cert_file);
		cfg->client_cert_file = absolute_file(ov->client_certificate);
		set_str(&cfg->client_cert_data, NULL);
		cfg->client_cert_data_len = 0;
	}
	if (nonempty(ov->client_key)) {
		free(cfg->client_key_file);
		cfg->client_key_file = absolute_file(ov->client_key);
		free_secret(cfg->client_key_data, cfg->client_key_data_len);
		cfg->client_key_data = NULL;
		cfg->client_key_data_len = 0;
	}
	set_str(&cfg->impersonate_user, nonempty(ov->impersonate_user));
	if (ov->n_impersonate_groups) {
		cfg->impersonate_groups = xcalloc(ov->n_impersonate_groups, sizeof *cfg->impersonate_groups);
		for (size_t i = 0; i < ov->n_impersonate_groups; i++)
			cfg->impersonate_groups[i] = xstrdup(ov->impersonate_groups[i]);
		cfg->n_impersonate_groups = ov->n_impersonate_groups;
	}
}

static void apply_user_overrides(const struct kube_config_overrides *ov, struct kube_config *cfg)
{
	apply_cert_overrides(ov, cfg);
	if (!nonempty(ov->token))
		return;
	/* --token replaces the file's bearer and basic credentials, so the
	 * command line wins instead of tripping the one-method rule. */
	set_str(&cfg->token, ov->token);
	set_str(&cfg->token_file, NULL);
	set_str(&cfg->username, NULL);
	set_str(&cfg->password, NULL);
}

static int validate_client_cert(const struct kube_config *cfg, const char *name, struct kube_error *err)
{
	bool cert = cfg->client_cert_file || cfg->client_cert_data;
	bool key = cfg->client_key_file || cfg->client_key_data;
	if (cfg->client_cert_file && cfg->client_cert_data) {
		kube_error_set(
		    err, KUBE_ERR_CONFIG, 0, NULL, NULL,
		    "user \"%s\": client-certificate and client-certificate-data are both set; keep only one", name);
		return -1;
	}
	if (cfg->client_key_file && cfg->client_key_data) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": client-key and client-key-data are both set; keep only one", name);
		return -1;
	}
	if (cert != key) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "user \"%s\": %s is set without %s; a client certificate needs both", name,
			       cert ? "client-certificate" : "client-key", cert ? "client-key" : "client-certificate");
		return -1;
	}
	if (cfg->client_cert_file && check_file(cfg->client_cert_file, "user", name, "client-certificate", err) < 0)
		return -1;
	if (cfg->client_key_file && check_file(cfg->client_key_file, "user", name, "client-key", err) < 0)
		return -1;
	return 0;
}

/* client-go's validateAuthInfo: a token and basic auth together is an error.
 * A token, basic auth or certificate beside exec is not: client-go then skips
 * the plugin, so we drop it too. */
static int validate_user(struct kube_config *cfg, struct kube_error *err)
{
	const char *name = cfg->user_name ? cfg->user_name : "(none)";
	if (cfg->token && (cfg->username || cfg->password)) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "more than one authentication method found for %s; found [token basicAuth], only one "
			       "is allowed; remove token or username/password",
			       name);
		return -1;
	}
	if (validate_client_cert(cfg, name, err) < 0)
		return -1;
	if (cfg->token_file && check_file(cfg->token_file, "user", name, "tokenFile", err) < 0)
		return -1;
	bool other = cfg->token || cfg->token_file || cfg->username || cfg->client_cert_file || cfg->client_cert_data;
	if (cfg->exec && other) {
		exec_config_free(cfg->exec);
		cfg->exec = NULL;
	}
	return 0;
}

/* ---- the whole load ----------------------------------------------------- */

static int load_from_files(const struct kc_set *set, const struct kube_config_overrides *ov, struct kube_config *cfg,
			   struct kube_error *err)
{
	struct kc_entry ctx, cl, us;
	const char *cluster_name, *user_name;
	if (pick_context(set, ov, cfg, &ctx, err) < 0)
		return -1;
	cluster_name = nonempty(ov->cluster) ? ov->cluster : nonempty(scalar_at(ctx.obj, "cluster"));
	user_name = nonempty(ov->user) ? ov->user : nonempty(scalar_at(ctx.obj, "user"));
	if (cluster_name) {
		if (pick_named(set, "cluster", "clusters", "cluster", cluster_name, cfg->context_name, "--cluster", &cl,
			       err) < 0)
			return -1;
		cfg->cluster_name = xstrdup(cluster_name);
		if (load_cluster(&cl, cfg, err) < 0)
			return -1;
	}
	if (user_name) {
		if (pick_named(set, "user", "users", "user", user_name, cfg->context_name, "--user", &us, err) < 0)
			return -1;
		cfg->user_name = xstrdup(user_name);
		if (load_user(&us, cfg, err) < 0)
			return -1;
	}
	if (!nonempty(ov->namespace))
		set_str(&cfg->namespace, nonempty(scalar_at(ctx.obj, "namespace")));
	return 0;
}

/* Overrides and validation shared by kubeconfig and in-cluster loads. */
static int finish(const struct kube_config_overrides *ov, struct kube_config *cfg, struct kube_error *err)
{
	apply_cluster_overrides(ov, cfg);
	apply_user_overrides(ov, cfg);
	if (nonempty(ov->namespace)) {
		set_str(&cfg->namespace, ov->namespace);
		cfg->namespace_explicit = true;
	}
	if (!cfg->namespace)
		cfg->namespace = xstrdup("default");
	if (validate_cluster(cfg, cfg->cluster_name, err) < 0)
		return -1;
	return validate_user(cfg, err);
}

static bool in_cluster_env(void)
{
	return nonempty(getenv("KUBERNETES_SERVICE_HOST")) && nonempty(getenv("KUBERNETES_SERVICE_PORT"));
}

static void no_config_error(const char *env, struct kube_error *err)
{
	if (env)
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "no kubeconfig found: none of the files in KUBECONFIG (%s) exist; fix KUBECONFIG or "
			       "point at a file with --kubeconfig",
			       env);
	else
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "no Kubernetes configuration found: ~/.kube/config does not exist, KUBECONFIG is not "
			       "set and this is not a pod; point at a kubeconfig with --kubeconfig or KUBECONFIG");
}

/* Which files to read: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
static int collect_files(const struct kube_config_overrides *ov, struct kc_set *set, struct kube_error *err)
{
	const char *env = nonempty(getenv("KUBECONFIG"));
	bool missing;
	if (nonempty(ov->kubeconfig)) {
		if (kc_set_add(set, ov->kubeconfig, &missing, err) < 0)
			return -1;
		if (missing) {
			kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
				       "kubeconfig %s: no such file; check the --kubeconfig path", ov->kubeconfig);
			return -1;
		}
		return 0;
	}
	if (env)
		return load_env_list(set, env, err);
	const char *home = nonempty(getenv("HOME"));
	if (!home)
		return 0;
	char *path = xasprintf("%s/.kube/config", home);
	int rc = kc_set_add(set, path, &missing, err);
	free(path);
	return rc;
}

int kube_config_load(const struct kube_config_overrides *ov, struct kube_config **out, struct kube_error *err)
{
	static const struct kube_config_overrides none;
	struct kc_set set = {0};
	struct kube_config *cfg = NULL;
	int rc = -1;
	*out = NULL;
	if (!ov)
		ov = &none;
	if (collect_files(ov, &set, err) < 0)
		goto out;
	if (set.n == 0 && !nonempty(ov->server)) {
		if (!in_cluster_env()) {
			no_config_error(nonempty(getenv("KUBECONFIG")), err);
			goto out;
		}
		if (kube_config_load_in_cluster(NULL, &cfg, err) < 0)
			goto out;
	} else {
		kc_set_finish_source(&set);
		cfg = xcalloc(1, sizeof(*cfg));
		cfg->source = xstrdup(set.n ? set.source : "command line");
		if (set.n && load_from_files(&set, ov, cfg, err) < 0)
			goto out;
	}
	if (finish(ov, cfg, err) < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	kube_config_free(cfg);
	kc_set_clear(&set);
	return rc;
}

/* ---- in-cluster --------------------------------------------------------- */

static char *read_trimmed(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	if (read_all(path, &sb) < 0) {
		int e = errno;
		strbuf_release(&sb);
		errno = e;
		return NULL;
	}
	while (sb.len && strchr(" \t\r\n", sb.buf[sb.len - 1]))
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

static int in_cluster_token(const char *dir, struct kube_config *cfg, struct kube_error *err)
{
	char *path = xasprintf("%s/token", dir);
	int rc = -1;
	cfg->token = read_trimmed(path);
	if (!cfg->token) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "in-cluster: cannot read the service account token %s: %s; mount a service account "
			       "token or use a kubeconfig",
			       path, strerror(errno));
		goto out;
	}
	/* Kept as a file too: the kubelet rotates projected tokens. */
	cfg->token_file = path;
	path = NULL;
	rc = 0;
out:
	free(path);
	return rc;
}

int kube_config_load_in_cluster(const char *sa_dir, struct kube_config **out, struct kube_error *err)
{
	const char *host = nonempty(getenv("KUBERNETES_SERVICE_HOST"));
	const char *port = nonempty(getenv("KUBERNETES_SERVICE_PORT"));
	/* VOLSNAP_SERVICEACCOUNT_DIR: tests run the in-cluster path outside a pod. */
	const char *env_dir = nonempty(getenv("VOLSNAP_SERVICEACCOUNT_DIR"));
	const char *dir = sa_dir ? sa_dir : env_dir ? env_dir : DEFAULT_SA_DIR;
	*out = NULL;
	if (!host || !port) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL,
			       "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
			       "set; use a kubeconfig (--kubeconfig or KUBECONFIG)");
		return -1;
	}
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->source = xstrdup("in-cluster");
	/* net.JoinHostPort: IPv6 literals need brackets. */
	cfg->server = xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	if (in_cluster_token(dir, cfg, err) < 0) {
		kube_config_free(cfg);
		return -1;
	}
	char *ca = xasprintf("%s/ca.crt", dir);
	if (is_readable(ca))
		cfg->ca_file = ca;
	else
		free(ca);
	const char *pod_ns = nonempty(getenv("POD_NAMESPACE"));
	if (pod_ns) {
		cfg->namespace = xstrdup(pod_ns);
	} else {
		char *nsfile = xasprintf("%s/namespace", dir);
		cfg->namespace = read_trimmed(nsfile);
		free(nsfile);
		if (cfg->namespace && !*cfg->namespace)
			set_str(&cfg->namespace, NULL);
	}
	if (!cfg->namespace)
		cfg->namespace = xstrdup("default");
	*out = cfg;
	return 0;
}

/* ---- freeing ------------------------------------------------------------ */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void exec_config_free(struct kube_exec_config *ex)
{
	if (!ex)
		return;
	free(ex->api_version);
	free(ex->command);
	free_strv(ex->args, ex->nargs);
	free_strv(ex->env, ex->nenv);
	free(ex->install_hint);
	free(ex->interactive_mode);
	free(ex);
}

static void free_secret(char *s, size_t len)
{
	if (!s)
		return;
	/* Secrets do not linger in freed heap memory. */
	memset(s, 0, len ? len : strlen(s));
	free(s);
}

void kube_config_free(struct kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->source);
	free(cfg->context_name);
	free(cfg->cluster_name);
	free(cfg->user_name);
	free(cfg->server);
	free(cfg->ca_file);
	free(cfg->ca_data);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	free_secret(cfg->token, 0);
	free(cfg->token_file);
	free(cfg->client_cert_file);
	free(cfg->client_cert_data);
	free(cfg->client_key_file);
	free_secret(cfg->client_key_data, cfg->client_key_data_len);
	free(cfg->username);
	free_secret(cfg->password, 0);
	exec_config_free(cfg->exec);
	free(cfg->impersonate_user);
	for (size_t i = 0; i < cfg->n_impersonate_groups; i++)
		free(cfg->impersonate_groups[i]);
	free(cfg->impersonate_groups);
	free(cfg->namespace);
	free(cfg);
}
