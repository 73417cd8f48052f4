/* Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as
 * client-go's plugin/pkg/client/auth/exec runs them: the plugin gets our
 * environment plus its configured env plus KUBERNETES_EXEC_INFO, our stderr
 * (plugins prompt there), our stdin only when interactive, and prints an
 * ExecCredential on stdout.
 *
 * Credentials are cached per process, keyed by the exec configuration, until
 * their expirationTimestamp. Tokens and keys never reach a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kube/kube.h"
#include "util/json.h"
#include "util/quantity.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define EXEC_MAX_OUTPUT (1u << 20)
#define EXEC_DOCS "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins"

extern char **environ;

struct cache_entry {
	char *key;
	struct kube_exec_credential cred;
	struct cache_entry *next;
};

static struct cache_entry *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static bool cache_atexit_registered;

/* ---- credentials -------------------------------------------------------- */

static void free_secret(char *s)
{
	if (!s)
		return;
	memset(s, 0, strlen(s));
	free(s);
}

void kube_exec_credential_clear(struct kube_exec_credential *cred)
{
	if (!cred)
		return;
	free_secret(cred->token);
	free_secret(cred->client_cert_data);
	free_secret(cred->client_key_data);
	memset(cred, 0, sizeof(*cred));
}

static void cred_copy(struct kube_exec_credential *dst, const struct kube_exec_credential *src)
{
	dst->token = xstrdup_or_null(src->token);
	dst->client_cert_data = xstrdup_or_null(src->client_cert_data);
	dst->client_key_data = xstrdup_or_null(src->client_key_data);
	dst->expires_at = src->expires_at;
}

/* ---- the cache ---------------------------------------------------------- */

static void cache_free_all(void)
{
	while (cache) {
		struct cache_entry *e = cache;
		cache = e->next;
		free(e->key);
		kube_exec_credential_clear(&e->cred);
		free(e);
	}
}

/* Everything that can change what the plugin returns. The server is part of
 * it when the plugin is told which cluster it serves. */
static char *cache_key(const struct kube_config *cfg)
{
	const struct kube_exec_config *ex = cfg->exec;
	struct strbuf sb = STRBUF_INIT;
	/* \037 (unit separator) cannot appear in a kubeconfig value by accident. */
	strbuf_addf(&sb, "%s\037%s", ex->api_version, ex->command);
	for (size_t i = 0; i < ex->nargs; i++)
		strbuf_addf(&sb, "\037a%s", ex->args[i]);
	for (size_t i = 0; i < ex->nenv; i++)
		strbuf_addf(&sb, "\037e%s", ex->env[i]);
	if (ex->provide_cluster_info)
		strbuf_addf(&sb, "\037s%s", cfg->server ? cfg->server : "");
	return strbuf_detach(&sb);
}

static struct cache_entry *cache_find(const char *key)
{
	for (struct cache_entry *e = cache; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static bool cred_valid(const struct kube_exec_credential *c)
{
	return c->expires_at == 0 || (int64_t)time(NULL) < c->expires_at;
}

/* Takes ownership of key and of cred's strings. */
static void cache_store(char *key, struct kube_exec_credential *cred)
{
	struct cache_entry *e = cache_find(key);
	if (e) {
		free(key);
		kube_exec_credential_clear(&e->cred);
	} else {
		e = xcalloc(1, sizeof(*e));
		e->key = key;
		e->next = cache;
		cache = e;
	}
	e->cred = *cred;
	memset(cred, 0, sizeof(*cred));
	if (!cache_atexit_registered) {
		/* Leaves no secrets or reachable blocks behind for leak checkers. */
		atexit(cache_free_all);
		cache_atexit_registered = true;
	}
}

/* ---- KUBERNETES_EXEC_INFO ---------------------------------------------- */

static void b64_encode(struct strbuf *sb, const unsigned char *in, size_t len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		strbuf_addch(sb, tbl[(v >> 18) & 63]);
		strbuf_addch(sb, tbl[(v >> 12) & 63]);
		strbuf_addch(sb, i + 1 < len ? tbl[(v >> 6) & 63] : '=');
		strbuf_addch(sb, i + 2 < len ? tbl[v & 63] : '=');
	}
}

/* A CA bundle is some KiB; a path to /dev/zero must not read forever. */
#define CA_FILE_MAX (4u << 20)

static int read_file(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (sb->len + (size_t)n > CA_FILE_MAX) {
			n = -1;
			break;
		}
		strbuf_add(sb, chunk, (size_t)n);
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The CA as the plugin sees it: client-go sends the file's bytes as data. */
static json_object *ca_data_b64(const struct kube_config *cfg)
{
	struct strbuf pem = STRBUF_INIT, b64 = STRBUF_INIT;
	json_object *out = NULL;
	if (cfg->ca_data)
		strbuf_add(&pem, cfg->ca_data, cfg->ca_data_len);
	else if (cfg->ca_file && read_file(cfg->ca_file, &pem) < 0)
		strbuf_reset(&pem);
	if (pem.len) {
		b64_encode(&b64, (const unsigned char *)pem.buf, pem.len);
		out = json_object_new_string(b64.buf);
	}
	strbuf_release(&pem);
	strbuf_release(&b64);
	return out;
}

static json_object *cluster_info(const struct kube_config *cfg)
{
	json_object *c = json_object_new_object();
	json_object *ca = ca_data_b64(cfg);
	json_object_object_add(c, "server", json_object_new_string(cfg->server ? cfg->server : ""));
	if (cfg->tls_server_name)
		json_object_object_add(c, "tls-server-name", json_object_new_string(cfg->tls_server_name));
	if (cfg->insecure_skip_tls_verify)
		json_object_object_add(c, "insecure-skip-tls-verify", json_object_new_boolean(1));
	if (ca)
		json_object_object_add(c, "certificate-authority-data", ca);
	if (cfg->proxy_url)
		json_object_object_add(c, "proxy-url", json_object_new_string(cfg->proxy_url));
	return c;
}

static char *exec_info(const struct kube_config *cfg, bool interactive)
{
	json_object *info = json_object_new_object();
	json_object *spec = json_object_new_object();
	json_object_object_add(info, "kind", json_object_new_string("ExecCredential"));
	json_object_object_add(info, "apiVersion", json_object_new_string(cfg->exec->api_version));
	/* spec.interactive has no omitempty in client-go: always sent. */
	json_object_object_add(spec, "interactive", json_object_new_boolean(interactive));
	if (cfg->exec->provide_cluster_info)
		json_object_object_add(spec, "cluster", cluster_info(cfg));
	json_object_object_add(info, "spec", spec);
	char *s = jdump(info);
	json_object_put(info);
	return s;
}

/* ---- running the plugin ------------------------------------------------- */

static const char *plugin_name(const struct kube_config *cfg)
{
	return cfg->exec->command;
}

static int decide_interactive(const struct kube_config *cfg, bool *interactive, struct kube_error *err)
{
	const char *mode = cfg->exec->interactive_mode ? cfg->exec->interactive_mode : "IfAvailable";
	bool tty = isatty(STDIN_FILENO);
	*interactive = false;
	if (strcmp(mode, "Never") == 0)
		return 0;
	if (strcmp(mode, "Always") == 0 && !tty) {
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL,
			       "exec plugin \"%s\" needs a terminal (interactiveMode Always) but stdin is not one; run "
			       "in a terminal or change interactiveMode",
			       plugin_name(cfg));
		return -1;
	}
	*interactive = tty;
	return 0;
}

static bool env_name_eq(const char *a, const char *b)
{
	size_t na = strcspn(a, "="), nb = strcspn(b, "=");
	return na == nb && strncmp(a, b, na) == 0;
}

/* environ minus what the configuration sets, then the configured env, then
 * KUBERNETES_EXEC_INFO. Borrowed strings except info_var. */
static char **build_env(const struct kube_exec_config *ex, char *info_var)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = xcalloc(n + ex->nenv + 2, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool overridden = env_name_eq(environ[i], info_var);
		for (size_t j = 0; j < ex->nenv && !overridden; j++)
			overridden = env_name_eq(environ[i], ex->env[j]);
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < ex->nenv; j++)
		envp[k++] = ex->env[j];
	envp[k++] = info_var;
	envp[k] = NULL;
	return envp;
}

static char **build_argv(const struct kube_exec_config *ex)
{
	char **argv = xcalloc(ex->nargs + 2, sizeof(*argv));
	argv[0] = ex->command;
	for (size_t i = 0; i < ex->nargs; i++)
		argv[i + 1] = ex->args[i];
	return argv;
}

/* The executable for command: itself when it has a slash, else the first
 * PATH entry holding it. Resolved here rather than by posix_spawnp so "not
 * installed" is told apart from "exited 127" however spawn is implemented. */
static char *find_command(const char *command)
{
	if (strchr(command, '/'))
		return access(command, X_OK) == 0 ? xstrdup(command) : NULL;
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL, *found = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", dir, command);
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

static int spawn_plugin(const struct kube_config *cfg, const char *exe, bool interactive, int out_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char *info = exec_info(cfg, interactive);
	char *info_var = xasprintf("KUBERNETES_EXEC_INFO=%s", info);
	char **envp = build_env(cfg->exec, info_var);
	char **argv = build_argv(cfg->exec);
	int rc;
	posix_spawn_file_actions_init(&fa);
	if (!interactive)
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, out_fd);
	rc = posix_spawn(pid, exe, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	free(envp);
	free(info_var);
	free(info);
	return rc;
}

/* Reads the plugin's stdout to EOF; false when it is larger than we accept. */
static bool read_output(int fd, struct strbuf *out)
{
	char chunk[8192];
	bool ok = true;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep draining so the plugin is not blocked on a full pipe. */
		if (out->len + (size_t)n > EXEC_MAX_OUTPUT)
			ok = false;
		if (ok)
			strbuf_add(out, chunk, (size_t)n);
	}
	return ok;
}

static int wait_child(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static void not_found_error(const struct kube_config *cfg, const char *what, struct kube_error *err)
{
	const char *hint = cfg->exec->install_hint;
	char *h = NULL;
	if (hint) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, hint);
		strbuf_trim_trailing_newlines(&sb);
		h = strbuf_detach(&sb);
	}
	kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, h ? h : "install the plugin; see " EXEC_DOCS,
		       "exec plugin \"%s\" %s; install it or fix the command in the kubeconfig", plugin_name(cfg),
		       what);
	free(h);
}

static int check_status(const struct kube_config *cfg, int status, struct kube_error *err)
{
	if (status < 0) {
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL, "exec plugin \"%s\": cannot wait for it: %s",
			       plugin_name(cfg), strerror(errno));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		/* What a shell wrapper returns when the real binary is missing. */
		not_found_error(cfg, "failed with exit code 127 (command not found)", err);
		return -1;
	}
	if (WIFEXITED(status))
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL,
			       "run the plugin by hand to see its error, or check its messages above",
			       "exec plugin \"%s\" failed with exit code %d", plugin_name(cfg), WEXITSTATUS(status));
	else
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL, "exec plugin \"%s\" was killed by signal %d",
			       plugin_name(cfg), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

static int run_plugin(const struct kube_config *cfg, struct strbuf *out, struct kube_error *err)
{
	int fds[2] = {-1, -1};
	bool interactive;
	pid_t pid;
	if (decide_interactive(cfg, &interactive, err) < 0)
		return -1;
	char *exe = find_command(cfg->exec->command);
	if (!exe) {
		not_found_error(cfg, "was not found", err);
		return -1;
	}
	if (pipe(fds) < 0) {
		free(exe);
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL, "exec plugin \"%s\": cannot create a pipe: %s",
			       plugin_name(cfg), strerror(errno));
		return -1;
	}
	/* Other children must not inherit the pipe, or EOF would never come. */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	int rc = spawn_plugin(cfg, exe, interactive, fds[1], &pid);
	free(exe);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		if (rc == ENOENT)
			not_found_error(cfg, "was not found", err);
		else
			kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL, "exec plugin \"%s\" cannot run: %s",
				       plugin_name(cfg), strerror(rc));
		return -1;
	}
	bool fits = read_output(fds[0], out);
	close(fds[0]);
	int status = wait_child(pid);
	if (check_status(cfg, status, err) < 0)
		return -1;
	if (!fits) {
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, NULL,
			       "exec plugin \"%s\" printed more than %u bytes; it is not a credential plugin",
			       plugin_name(cfg), EXEC_MAX_OUTPUT);
		return -1;
	}
	return 0;
}

/* ---- the ExecCredential ------------------------------------------------- */

static int cred_fail(const struct kube_config *cfg, struct kube_error *err, const char *what)
{
	kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL, "run the plugin by hand and check its output",
		       "exec plugin \"%s\": %s", plugin_name(cfg), what);
	return -1;
}

static int check_header(const struct kube_config *cfg, json_object *obj, struct kube_error *err)
{
	const char *av = jstr(obj, "apiVersion");
	const char *kind = jstr(obj, "kind");
	if (!av || strcmp(av, cfg->exec->api_version) != 0) {
		kube_error_set(err, KUBE_ERR_CREDENTIALS, 0, NULL,
			       "set the kubeconfig's exec apiVersion to what the plugin speaks",
			       "exec plugin \"%s\" is configured to use API version %s, plugin returned version %s",
			       plugin_name(cfg), cfg->exec->api_version, av ? av : "(none)");
		return -1;
	}
	if (kind && strcmp(kind, "ExecCredential") != 0)
		return cred_fail(cfg, err, "output is not an ExecCredential");
	return 0;
}

/* Parses and checks the plugin's output as client-go does; the output itself
 * never goes into a message because it may hold a token. */
static int parse_credential(const struct kube_config *cfg, const struct strbuf *outb, struct kube_exec_credential *cred,
			    struct kube_error *err)
{
	int rc = -1;
	json_object *obj = jparse(outb->buf, outb->len);
	if (!json_object_is_type(obj, json_type_object)) {
		rc = cred_fail(cfg, err, "output is not a JSON ExecCredential");
		goto out;
	}
	if (check_header(cfg, obj, err) < 0)
		goto out;
	json_object *st = jget(obj, "status");
	if (!json_object_is_type(st, json_type_object)) {
		rc = cred_fail(cfg, err, "didn't return a status field");
		goto out;
	}
	const char *token = jstr(st, "token"), *cert = jstr(st, "clientCertificateData");
	const char *key = jstr(st, "clientKeyData"), *exp = jstr(st, "expirationTimestamp");
	token = token && *token ? token : NULL;
	cert = cert && *cert ? cert : NULL;
	key = key && *key ? key : NULL;
	if (!token && !cert && !key) {
		rc = cred_fail(cfg, err, "didn't return a token or cert/key pair");
		goto out;
	}
	if (!cert != !key) {
		rc = cred_fail(cfg, err, "returned only certificate or key, not both");
		goto out;
	}
	if (exp && *exp && !time_parse_rfc3339(exp, &cred->expires_at)) {
		rc = cred_fail(cfg, err, "status.expirationTimestamp is not an RFC 3339 time");
		goto out;
	}
	cred->token = xstrdup_or_null(token);
	cred->client_cert_data = xstrdup_or_null(cert);
	cred->client_key_data = xstrdup_or_null(key);
	rc = 0;
out:
	json_object_put(obj);
	return rc;
}

int exec_parse_credential(const struct kube_config *cfg, const char *buf, size_t len, struct kube_exec_credential *cred,
			  struct kube_error *err)
{
	const struct strbuf sb = {(char *)buf, len, len};
	return parse_credential(cfg, &sb, cred, err);
}

static void wipe(struct strbuf *sb)
{
	if (sb->alloc)
		memset(sb->buf, 0, sb->alloc);
	strbuf_release(sb);
}

int kube_exec_get_credential(const struct kube_config *cfg, bool force_refresh, struct kube_exec_credential *out,
			     struct kube_error *err)
{
	struct kube_exec_credential fresh = {0};
	struct strbuf outb = STRBUF_INIT;
	int rc = -1;
	memset(out, 0, sizeof(*out));
	if (!cfg->exec) {
		kube_error_set(err, KUBE_ERR_CONFIG, 0, NULL, NULL, "user \"%s\" has no exec plugin",
			       cfg->user_name ? cfg->user_name : "(none)");
		return -1;
	}
	char *key = cache_key(cfg);
	/* One plugin run at a time, like client-go's per-authenticator lock. */
	pthread_mutex_lock(&cache_lock);
	struct cache_entry *hit = cache_find(key);
	if (hit && !force_refresh && cred_valid(&hit->cred)) {
		cred_copy(out, &hit->cred);
		rc = 0;
		goto out;
	}
	if (run_plugin(cfg, &outb, err) < 0 || parse_credential(cfg, &outb, &fresh, err) < 0)
		goto out;
	cred_copy(out, &fresh);
	cache_store(key, &fresh);
	key = NULL;
	rc = 0;
out:
	pthread_mutex_unlock(&cache_lock);
	free(key);
	wipe(&outb);
	kube_exec_credential_clear(&fresh);
	return rc;
}
