/* Unit tests of kube/auth_exec.c with the fixture plugin
 * tests/fixtures/exec/plugin.sh: tokens, client certificates, caching until
 * expiry, forced refresh, failures, and what the plugin is given
 * (KUBERNETES_EXEC_INFO, env, stdin). The plugin counts its runs in a file, so
 * the tests can prove when the cache answered instead. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kube/kube.h"
#include "util/json.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define V1 "client.authentication.k8s.io/v1"
#define V1BETA1 "client.authentication.k8s.io/v1beta1"

static char plugin[PATH_MAX];
static char tmp[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/volsnap-exec.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	setenv("HOME", tmp, 1);
	unsetenv("KUBECONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmp);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", tmp, name);
}

/* A config whose user runs `command args...` with PLUGIN_COUNTER and
 * PLUGIN_INFO_OUT pointing into this test's folder, plus extra_env. */
static struct kube_config *exec_cfg(const char *command, const char *api_version, const char *mode, const char *expiry,
				    const char *extra_env)
{
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	struct kube_exec_config *ex = xcalloc(1, sizeof(*ex));
	cfg->server = xstrdup("https://api.example:6443");
	cfg->namespace = xstrdup("default");
	cfg->user_name = xstrdup("tester");
	cfg->exec = ex;
	ex->api_version = xstrdup(api_version);
	ex->command = xstrdup(command);
	ex->interactive_mode = xstrdup("Never");
	ex->install_hint = xstrdup("Install it with: make plugin\n");
	ex->args = xcalloc(3, sizeof(char *));
	ex->args[ex->nargs++] = xstrdup(mode);
	if (expiry)
		ex->args[ex->nargs++] = xstrdup(expiry);
	ex->env = xcalloc(4, sizeof(char *));
	ex->env[ex->nenv++] = xasprintf("PLUGIN_COUNTER=%s/count", tmp);
	ex->env[ex->nenv++] = xasprintf("PLUGIN_INFO_OUT=%s/info.json", tmp);
	if (extra_env)
		ex->env[ex->nenv++] = xstrdup(extra_env);
	return cfg;
}

static int runs(void)
{
	char *p = tmp_path("count");
	FILE *f = fopen(p, "r");
	int n = 0, c;
	free(p);
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void get_ok(const struct kube_config *cfg, bool force, struct kube_exec_credential *cred)
{
	struct kube_error err = {0};
	if (kube_exec_get_credential(cfg, force, cred, &err) != 0)
		fail_msg("kube_exec_get_credential: %s", err.message);
}

static void assert_token(const struct kube_config *cfg, bool force, const char *want)
{
	struct kube_exec_credential cred = {0};
	get_ok(cfg, force, &cred);
	assert_string_equal(cred.token, want);
	kube_exec_credential_clear(&cred);
}

/* Expects failure; returns the error for more checks (caller clears it). */
static struct kube_error get_fails(const struct kube_config *cfg)
{
	struct kube_exec_credential cred = {0};
	struct kube_error err = {0};
	assert_int_equal(kube_exec_get_credential(cfg, false, &cred, &err), -1);
	assert_null(cred.token);
	assert_int_equal(err.kind, KUBE_ERR_CREDENTIALS);
	assert_null(strchr(err.message, '\n'));
	return err;
}

static void assert_fails_with(const struct kube_config *cfg, const char *fmt_with_plugin)
{
	struct kube_error err = get_fails(cfg);
	struct strbuf want = STRBUF_INIT;
	strbuf_addf(&want, fmt_with_plugin, cfg->exec->command);
	assert_string_equal(err.message, want.buf);
	strbuf_release(&want);
	kube_error_clear(&err);
}

static void test_token_is_cached_without_expiry(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, NULL);
	struct kube_exec_credential cred = {0};
	get_ok(cfg, false, &cred);
	assert_string_equal(cred.token, "token-run-1");
	assert_null(cred.client_cert_data);
	assert_int_equal(cred.expires_at, 0);
	kube_exec_credential_clear(&cred);
	assert_null(cred.token);
	assert_token(cfg, false, "token-run-1");
	assert_token(cfg, false, "token-run-1");
	assert_int_equal(runs(), 1);
	kube_config_free(cfg);
}

static void test_force_refresh_reruns(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, NULL);
	assert_token(cfg, false, "token-run-1");
	assert_token(cfg, true, "token-run-2");	 /* after a 401 */
	assert_token(cfg, false, "token-run-2"); /* the refreshed one is cached */
	assert_int_equal(runs(), 2);
	kube_config_free(cfg);
}

static void test_cached_until_expiry(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", "2099-01-01T00:00:00Z", NULL);
	struct kube_exec_credential cred = {0};
	get_ok(cfg, false, &cred);
	assert_int_equal(cred.expires_at, 4070908800LL);
	kube_exec_credential_clear(&cred);
	assert_token(cfg, false, "token-run-1");
	assert_int_equal(runs(), 1);
	kube_config_free(cfg);

	/* Already expired: every call runs the plugin again. */
	cfg = exec_cfg(plugin, V1, "token", "2000-01-01T00:00:00Z", NULL);
	assert_token(cfg, false, "token-run-2");
	assert_token(cfg, false, "token-run-3");
	assert_int_equal(runs(), 3);
	kube_config_free(cfg);
}

static void test_client_certificate(void **state)
{
	(void)state;
	struct kube_config *cfg =
	    exec_cfg(plugin, V1BETA1, "cert", "2099-01-01T00:00:00+02:00", "PLUGIN_API_VERSION=" V1BETA1);
	struct kube_exec_credential cred = {0};
	get_ok(cfg, false, &cred);
	assert_null(cred.token);
	assert_string_equal(cred.client_cert_data, "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n");
	assert_string_equal(cred.client_key_data, "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
	assert_int_equal(cred.expires_at, 4070908800LL - 7200);
	kube_exec_credential_clear(&cred);
	kube_config_free(cfg);
}

static void test_failing_plugin(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "fail", NULL, NULL);
	struct kube_error err = get_fails(cfg);
	char *want = xasprintf("exec plugin \"%s\" failed with exit code 1", plugin);
	assert_string_equal(err.message, want);
	free(want);
	kube_error_clear(&err);
	/* A failure is not cached: the next call tries again. */
	err = get_fails(cfg);
	kube_error_clear(&err);
	assert_int_equal(runs(), 2);
	kube_config_free(cfg);
}

static void test_missing_plugin_gives_install_hint(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg("volsnap-no-such-plugin", V1, "token", NULL, NULL);
	struct kube_error err = get_fails(cfg);
	assert_string_equal(err.message, "exec plugin \"volsnap-no-such-plugin\" was not found; install it or fix the "
					 "command in the kubeconfig");
	assert_string_equal(err.hint, "Install it with: make plugin");
	kube_error_clear(&err);
	kube_config_free(cfg);

	/* A wrapper script whose real binary is missing exits 127. */
	cfg = exec_cfg(plugin, V1, "notfound", NULL, NULL);
	err = get_fails(cfg);
	char *want = xasprintf("exec plugin \"%s\" failed with exit code 127 (command not found); install it or fix "
			       "the command in the kubeconfig",
			       plugin);
	assert_string_equal(err.message, want);
	assert_string_equal(err.hint, "Install it with: make plugin");
	free(want);
	kube_error_clear(&err);
	kube_config_free(cfg);
}

static void test_bad_output(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "badjson", NULL, NULL);
	struct kube_error err = get_fails(cfg);
	char *want = xasprintf("exec plugin \"%s\": output is not a JSON ExecCredential", plugin);
	assert_string_equal(err.message, want);
	assert_null(strstr(err.message, "leaky-secret-token"));
	assert_null(err.hint ? strstr(err.hint, "leaky-secret-token") : NULL);
	free(want);
	kube_error_clear(&err);
	kube_config_free(cfg);

	cfg = exec_cfg(plugin, V1, "nostatus", NULL, NULL);
	assert_fails_with(cfg, "exec plugin \"%s\": didn't return a status field");
	kube_config_free(cfg);
	cfg = exec_cfg(plugin, V1, "empty", NULL, NULL);
	assert_fails_with(cfg, "exec plugin \"%s\": didn't return a token or cert/key pair");
	kube_config_free(cfg);
	cfg = exec_cfg(plugin, V1, "onlycert", NULL, NULL);
	assert_fails_with(cfg, "exec plugin \"%s\": returned only certificate or key, not both");
	kube_config_free(cfg);
	cfg = exec_cfg(plugin, V1, "huge", NULL, NULL);
	assert_fails_with(cfg, "exec plugin \"%s\" printed more than 1048576 bytes; it is not a credential plugin");
	kube_config_free(cfg);
	cfg = exec_cfg(plugin, V1, "token", "next tuesday", NULL);
	assert_fails_with(cfg, "exec plugin \"%s\": status.expirationTimestamp is not an RFC 3339 time");
	kube_config_free(cfg);
}

static void test_wrong_api_version(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, "PLUGIN_API_VERSION=" V1BETA1);
	assert_fails_with(cfg, "exec plugin \"%s\" is configured to use API version " V1
			       ", plugin returned version " V1BETA1);
	kube_config_free(cfg);
}

static json_object *read_info(void)
{
	char *p = tmp_path("info.json");
	FILE *f = fopen(p, "r");
	free(p);
	assert_non_null(f);
	char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	json_object *obj = jparse(buf, n);
	assert_non_null(obj);
	return obj;
}

static void test_exec_info_with_cluster(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, NULL);
	cfg->exec->provide_cluster_info = true;
	cfg->ca_data = xstrdup("CA\n");
	cfg->ca_data_len = 3;
	cfg->tls_server_name = xstrdup("api.internal");
	cfg->proxy_url = xstrdup("http://proxy:3128");
	assert_token(cfg, false, "token-run-1");
	json_object *info = read_info();
	assert_string_equal(jstr(info, "kind"), "ExecCredential");
	assert_string_equal(jstr(info, "apiVersion"), V1);
	bool b = true;
	assert_true(jbool(info, "spec.interactive", &b));
	assert_false(b); /* interactiveMode Never */
	assert_string_equal(jstr(info, "spec.cluster.server"), "https://api.example:6443");
	assert_string_equal(jstr(info, "spec.cluster.certificate-authority-data"), "Q0EK");
	assert_string_equal(jstr(info, "spec.cluster.tls-server-name"), "api.internal");
	assert_string_equal(jstr(info, "spec.cluster.proxy-url"), "http://proxy:3128");
	assert_null(jget(info, "spec.cluster.insecure-skip-tls-verify"));
	json_object_put(info);
	kube_config_free(cfg);
}

/* Issue 9 item 6: a CA file that never ends is not read to OOM; the plugin
 * runs without certificate-authority-data. */
static void test_exec_info_ca_file_is_bounded(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, NULL);
	cfg->exec->provide_cluster_info = true;
	cfg->ca_file = xstrdup("/dev/zero");
	assert_token(cfg, false, "token-run-1");
	json_object *info = read_info();
	assert_string_equal(jstr(info, "spec.cluster.server"), "https://api.example:6443");
	assert_null(jget(info, "spec.cluster.certificate-authority-data"));
	json_object_put(info);
	kube_config_free(cfg);
}

static void test_exec_info_without_cluster(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1BETA1, "token", NULL, "PLUGIN_API_VERSION=" V1BETA1);
	cfg->insecure_skip_tls_verify = true;
	assert_token(cfg, false, "token-run-1");
	json_object *info = read_info();
	assert_string_equal(jstr(info, "apiVersion"), V1BETA1);
	assert_non_null(jget(info, "spec.interactive"));
	assert_null(jget(info, "spec.cluster"));
	json_object_put(info);
	kube_config_free(cfg);
}

static void test_stdin_is_dev_null_when_not_interactive(void **state)
{
	(void)state;
	struct kube_config *cfg = exec_cfg(plugin, V1, "stdin", NULL, NULL);
	assert_token(cfg, false, "stdin-eof");
	kube_config_free(cfg);
}

static void test_always_needs_a_terminal(void **state)
{
	(void)state;
	if (isatty(STDIN_FILENO))
		skip();
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, NULL);
	free(cfg->exec->interactive_mode);
	cfg->exec->interactive_mode = xstrdup("Always");
	assert_fails_with(cfg, "exec plugin \"%s\" needs a terminal (interactiveMode Always) but stdin is not one; run "
			       "in a terminal or change interactiveMode");
	assert_int_equal(runs(), 0);
	kube_config_free(cfg);
}

static void test_configured_env_overrides_ours(void **state)
{
	(void)state;
	/* Our own PLUGIN_API_VERSION loses to the configured one. */
	setenv("PLUGIN_API_VERSION", "something/else", 1);
	struct kube_config *cfg = exec_cfg(plugin, V1, "token", NULL, "PLUGIN_API_VERSION=" V1);
	assert_token(cfg, false, "token-run-1");
	unsetenv("PLUGIN_API_VERSION");
	kube_config_free(cfg);
}

int main(void)
{
	if (!realpath("tests/fixtures/exec/plugin.sh", plugin)) {
		fprintf(stderr, "run from the repository root (tests/fixtures/exec/plugin.sh not found)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_token_is_cached_without_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_force_refresh_reruns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cached_until_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_certificate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failing_plugin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_plugin_gives_install_hint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_api_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_info_with_cluster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_info_ca_file_is_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_info_without_cluster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stdin_is_dev_null_when_not_interactive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_always_needs_a_terminal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_configured_env_overrides_ours, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
