/* Unit tests of kube/kubeconfig.c: file selection and merging, contexts,
 * overrides, path resolution, *-data decoding, validation errors and the
 * in-cluster service account. Fixtures: tests/fixtures/kubeconfig/. Every test
 * runs with HOME in a fresh temp folder and no KUBECONFIG, so the machine's
 * own ~/.kube never matters. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kube/kube.h"
#include "util/xalloc.h"

static char fix[PATH_MAX]; /* absolute tests/fixtures/kubeconfig */
static char home[PATH_MAX];

static char *fx(const char *name)
{
	return xasprintf("%s/%s", fix, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *in_home(const char *name)
{
	return xasprintf("%s/%s", home, name);
}

static int setup(void **state)
{
	(void)state;
	strcpy(home, "/tmp/volsnap-kc.XXXXXX");
	if (!mkdtemp(home))
		return -1;
	setenv("HOME", home, 1);
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("POD_NAMESPACE");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", home);
	int rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static struct kube_config *load_ok(const struct kube_config_overrides *ov)
{
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	if (kube_config_load(ov, &cfg, &err) != 0)
		fail_msg("kube_config_load: %s", err.message);
	assert_non_null(cfg);
	return cfg;
}

/* Loads expecting failure and checks the whole one-line message. */
static void assert_load_error(const struct kube_config_overrides *ov, const char *expected)
{
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_config_load(ov, &cfg, &err), -1);
	assert_null(cfg);
	assert_int_equal(err.kind, KUBE_ERR_CONFIG);
	assert_non_null(err.message);
	assert_null(strchr(err.message, '\n'));
	assert_string_equal(err.message, expected);
	kube_error_clear(&err);
}

static void assert_path(const char *got, const char *name)
{
	char *want = fx(name);
	assert_string_equal(got, want);
	free(want);
}

/* ---- which files --------------------------------------------------------- */

static void test_explicit_kubeconfig(void **state)
{
	(void)state;
	char *a = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = a};
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->source, a);
	assert_string_equal(cfg->context_name, "ctx-a");
	assert_string_equal(cfg->cluster_name, "c-a");
	assert_string_equal(cfg->user_name, "u-a");
	assert_string_equal(cfg->server, "https://a.example:6443");
	assert_path(cfg->ca_file, "certs/ca.crt"); /* relative to a.yaml's folder */
	assert_null(cfg->ca_data);
	assert_string_equal(cfg->tls_server_name, "api.a.example");
	assert_string_equal(cfg->proxy_url, "http://proxy.a.example:3128");
	assert_false(cfg->insecure_skip_tls_verify);
	assert_string_equal(cfg->token, "token-a");
	assert_null(cfg->exec);
	assert_string_equal(cfg->namespace, "ns-a");
	assert_false(cfg->namespace_explicit);
	kube_config_free(cfg);
	free(a);
}

static void test_explicit_kubeconfig_missing(void **state)
{
	(void)state;
	struct kube_config_overrides ov = {.kubeconfig = "/nonexistent/config"};
	setenv("KUBECONFIG", fix, 1); /* --kubeconfig wins even over a set KUBECONFIG */
	assert_load_error(&ov, "kubeconfig /nonexistent/config: no such file; check the --kubeconfig path");
}

static void test_kubeconfig_list_merges_first_wins(void **state)
{
	(void)state;
	char *a = fx("a.yaml"), *b = fx("b.yaml");
	char *list = xasprintf("%s:%s", a, b);
	setenv("KUBECONFIG", list, 1);
	struct kube_config *cfg = load_ok(NULL);
	assert_string_equal(cfg->source, list);
	/* current-context from a.yaml; ctx-a exists in both, a.yaml's wins. */
	assert_string_equal(cfg->context_name, "ctx-a");
	assert_string_equal(cfg->cluster_name, "c-a");
	kube_config_free(cfg);

	struct kube_config_overrides ov = {.context = "ctx-shared"};
	cfg = load_ok(&ov);
	assert_string_equal(cfg->server, "https://shared-from-a.example"); /* not b's */
	assert_true(cfg->insecure_skip_tls_verify);
	kube_config_free(cfg);

	ov.context = "ctx-b"; /* only in b.yaml */
	cfg = load_ok(&ov);
	assert_string_equal(cfg->server, "https://b.example");
	assert_string_equal(cfg->username, "bob");
	assert_string_equal(cfg->password, "bobs-password");
	assert_null(cfg->token);
	kube_config_free(cfg);
	free(list);
	free(a);
	free(b);
}

static void test_current_context_from_first_file_that_sets_it(void **state)
{
	(void)state;
	char *nocc = in_home("nocc.yaml"), *b = fx("b.yaml");
	write_file(nocc, "apiVersion: v1\nkind: Config\nclusters: []\n");
	char *list = xasprintf("%s:%s", nocc, b);
	setenv("KUBECONFIG", list, 1);
	struct kube_config *cfg = load_ok(NULL);
	assert_string_equal(cfg->context_name, "ctx-b");
	kube_config_free(cfg);
	free(list);
	free(nocc);
	free(b);
}

static void test_missing_and_empty_entries_ignored(void **state)
{
	(void)state;
	char *a = fx("a.yaml");
	char *list = xasprintf("/nonexistent/one::%s:%s:/nonexistent/two:", a, a);
	setenv("KUBECONFIG", list, 1);
	struct kube_config *cfg = load_ok(NULL);
	assert_string_equal(cfg->source, a); /* read once, missing ones skipped */
	assert_string_equal(cfg->context_name, "ctx-a");
	kube_config_free(cfg);
	free(list);
	free(a);
}

static void test_all_listed_files_missing(void **state)
{
	(void)state;
	setenv("KUBECONFIG", "/nonexistent/x:/nonexistent/y", 1);
	assert_load_error(NULL, "no kubeconfig found: none of the files in KUBECONFIG (/nonexistent/x:/nonexistent/y) "
				"exist; fix KUBECONFIG or point at a file with --kubeconfig");
}

static void test_home_kube_config_and_relative_paths(void **state)
{
	(void)state;
	char *dir = in_home(".kube");
	assert_int_equal(mkdir(dir, 0700), 0);
	char *cfgpath = in_home(".kube/config"), *ca = in_home(".kube/pki/ca.pem");
	char *pki = in_home(".kube/pki"), *tok = in_home(".kube/pki/tok");
	assert_int_equal(mkdir(pki, 0700), 0);
	write_file(ca, "CA\n");
	write_file(tok, "t\n");
	write_file(cfgpath, "current-context: h\n"
			    "clusters: [{name: c, cluster: {server: 'https://h', certificate-authority: pki/ca.pem}}]\n"
			    "users: [{name: u, user: {tokenFile: ./pki/tok}}]\n"
			    "contexts: [{name: h, context: {cluster: c, user: u}}]\n");
	struct kube_config *cfg = load_ok(NULL);
	assert_string_equal(cfg->source, cfgpath);
	assert_string_equal(cfg->ca_file, ca);
	assert_string_equal(cfg->token_file, tok); /* "./" dropped, as filepath.Join does */
	kube_config_free(cfg);
	free(dir);
	free(cfgpath);
	free(ca);
	free(pki);
	free(tok);
}

static void test_no_configuration_anywhere(void **state)
{
	(void)state;
	assert_load_error(NULL, "no Kubernetes configuration found: ~/.kube/config does not exist, KUBECONFIG is not "
				"set and this is not a pod; point at a kubeconfig with --kubeconfig or KUBECONFIG");
}

static void test_server_flag_alone_is_enough(void **state)
{
	(void)state;
	struct kube_config_overrides ov = {.server = "https://flag.example", .token = "flag-token"};
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->source, "command line");
	assert_string_equal(cfg->server, "https://flag.example");
	assert_string_equal(cfg->token, "flag-token");
	assert_string_equal(cfg->namespace, "default");
	kube_config_free(cfg);
}

/* ---- fields ---------------------------------------------------------------- */

static void test_data_fields_are_decoded(void **state)
{
	(void)state;
	char *p = fx("data.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	struct kube_config *cfg = load_ok(&ov);
	static const char ca[] = "-----BEGIN CERTIFICATE-----\nTEST CA (not a real certificate)\n"
				 "-----END CERTIFICATE-----\n";
	assert_string_equal(cfg->ca_data, ca);
	assert_int_equal(cfg->ca_data_len, strlen(ca));
	assert_non_null(strstr(cfg->client_cert_data, "TEST CLIENT"));
	assert_int_equal(cfg->client_cert_data_len, strlen(cfg->client_cert_data));
	assert_non_null(strstr(cfg->client_key_data, "TEST KEY"));
	assert_null(cfg->ca_file);
	kube_config_free(cfg);
	free(p);
}

static void test_bad_base64_names_the_field(void **state)
{
	(void)state;
	char *p = fx("bad-base64.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	assert_load_error(&ov, "user \"u\": client-certificate-data is not valid base64; it must hold the base64 of "
			       "the PEM file (base64 -w0 FILE)");
	free(p);
}

static void test_client_cert_files_and_insecure(void **state)
{
	(void)state;
	char *p = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p, .context = "ctx-shared"};
	struct kube_config *cfg = load_ok(&ov);
	assert_path(cfg->client_cert_file, "certs/client.crt");
	assert_path(cfg->client_key_file, "certs/client.key");
	assert_true(cfg->insecure_skip_tls_verify);
	assert_null(cfg->ca_file);
	assert_string_equal(cfg->namespace, "default");
	kube_config_free(cfg);

	ov.user = "u-tokenfile";
	cfg = load_ok(&ov);
	assert_path(cfg->token_file, "certs/token");
	assert_null(cfg->token);
	kube_config_free(cfg);
	free(p);
}

/* ---- contexts, clusters, users -------------------------------------------- */

static void test_context_not_found(void **state)
{
	(void)state;
	char *p = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p, .context = "prod"};
	char *want = xasprintf("kubeconfig %s: context \"prod\" not found (available: ctx-a, ctx-shared); pick one "
			       "with --context",
			       p);
	assert_load_error(&ov, want);
	free(want);
	free(p);
}

static void test_cluster_and_user_missing(void **state)
{
	(void)state;
	char *p = fx("missing-refs.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	char *want = xasprintf("kubeconfig %s: cluster \"ghost\" of context \"no-cluster\" not found (available: "
			       "real); fix the context or pick one with --cluster",
			       p);
	assert_load_error(&ov, want);
	free(want);
	ov.context = "no-user";
	want = xasprintf("kubeconfig %s: user \"ghost\" of context \"no-user\" not found (available: alice); fix the "
			 "context or pick one with --user",
			 p);
	assert_load_error(&ov, want);
	free(want);
	/* --cluster / --user repair a broken context. */
	ov.context = "no-cluster";
	ov.cluster = "real";
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->server, "https://real.example");
	kube_config_free(cfg);
	free(p);
}

static void test_no_server(void **state)
{
	(void)state;
	char *p = fx("no-server.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	assert_load_error(&ov, "no server in cluster \"c\" of context \"x\"; add server: to the cluster or pass "
			       "--server");
	ov.server = "https://given.example";
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->server, "https://given.example");
	kube_config_free(cfg);
	free(p);
}

static void test_no_current_context(void **state)
{
	(void)state;
	char *p = fx("empty.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	char *want = xasprintf("kubeconfig %s: current-context is not set (available: none defined); pick one with "
			       "--context or kubectl config use-context",
			       p);
	assert_load_error(&ov, want);
	free(want);
	free(p);
}

static void test_namespace_sources(void **state)
{
	(void)state;
	char *p = fx("missing-refs.yaml"), *a = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p, .context = "no-namespace"};
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->namespace, "default");
	assert_false(cfg->namespace_explicit);
	kube_config_free(cfg);

	struct kube_config_overrides ova = {.kubeconfig = a};
	cfg = load_ok(&ova);
	assert_string_equal(cfg->namespace, "ns-a");
	kube_config_free(cfg);

	ova.namespace = "override";
	cfg = load_ok(&ova);
	assert_string_equal(cfg->namespace, "override");
	assert_true(cfg->namespace_explicit);
	kube_config_free(cfg);
	free(p);
	free(a);
}

static void test_overrides(void **state)
{
	(void)state;
	char *a = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = a, .server = "https://other.example"};
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->server, "https://other.example");
	assert_null(cfg->tls_server_name); /* meant for the kubeconfig's server */
	kube_config_free(cfg);

	ov = (struct kube_config_overrides){.kubeconfig = a, .insecure_skip_tls_verify = true};
	cfg = load_ok(&ov);
	assert_true(cfg->insecure_skip_tls_verify);
	assert_null(cfg->ca_file); /* the flag without a CA clears the file's CA */
	kube_config_free(cfg);

	ov = (struct kube_config_overrides){.kubeconfig = a, .cluster = "c-shared", .user = "u-cert"};
	cfg = load_ok(&ov);
	assert_string_equal(cfg->context_name, "ctx-a");
	assert_string_equal(cfg->cluster_name, "c-shared");
	assert_string_equal(cfg->user_name, "u-cert");
	assert_string_equal(cfg->namespace, "ns-a");
	kube_config_free(cfg);
	free(a);
}

static void test_certificate_authority_flag(void **state)
{
	(void)state;
	char *a = fx("a.yaml");
	struct kube_config_overrides ov = {.kubeconfig = a,
					   .certificate_authority = "tests/fixtures/kubeconfig/"
								    "certs/client.crt"};
	struct kube_config *cfg = load_ok(&ov);
	assert_path(cfg->ca_file, "certs/client.crt");
	kube_config_free(cfg);
	ov.certificate_authority = "/nonexistent/ca.crt";
	assert_load_error(&ov, "cluster \"c-a\": cannot read certificate-authority /nonexistent/ca.crt: No such file "
			       "or directory; fix the path");
	free(a);
}

static void test_token_flag_replaces_file_credentials(void **state)
{
	(void)state;
	char *b = fx("b.yaml");
	struct kube_config_overrides ov = {.kubeconfig = b, .token = "flag-token"};
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->token, "flag-token");
	assert_null(cfg->username);
	assert_null(cfg->password);
	kube_config_free(cfg);
	free(b);
}

/* ---- broken files ---------------------------------------------------------- */

static void test_broken_yaml(void **state)
{
	(void)state;
	char *p = fx("broken.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	char *want = xasprintf(
	    "kubeconfig %s: line 4, column 18: mapping values are not allowed in this context; fix the YAML", p);
	assert_load_error(&ov, want);
	free(want);
	free(p);
}

static void test_not_a_kubeconfig(void **state)
{
	(void)state;
	char *p = in_home("list.yaml");
	write_file(p, "- a\n- b\n");
	struct kube_config_overrides ov = {.kubeconfig = p};
	char *want = xasprintf("kubeconfig %s: not a kubeconfig (the top level is not a mapping); check the file", p);
	assert_load_error(&ov, want);
	free(want);
	write_file(p, "clusters: {name: c}\n");
	want = xasprintf("kubeconfig %s: clusters must be a list of {name, ...} entries; fix the file", p);
	assert_load_error(&ov, want);
	free(want);
	write_file(p, "current-context: x\ncontexts: [{name: x, context: {namespace: n}}]\n");
	assert_load_error(&ov, "context \"x\" names no cluster; add cluster: to the context, or pass --cluster or "
			       "--server");
	write_file(p, "users: [{name: u, user: {}}, {name: u, user: {token: t}}]\n");
	want = xasprintf("kubeconfig %s: users has two entries named \"u\"; remove or rename one", p);
	assert_load_error(&ov, want);
	free(want);
	/* A name YAML reads as a number is still that name. */
	write_file(p, "current-context: 1\nclusters: [{name: 2, cluster: {server: 'https://n'}}]\n"
		      "contexts: [{name: 1, context: {cluster: 2}}]\n");
	struct kube_config *cfg = load_ok(&ov);
	assert_string_equal(cfg->context_name, "1");
	assert_string_equal(cfg->cluster_name, "2");
	kube_config_free(cfg);
	free(p);
}

static void test_unreadable_ca_file(void **state)
{
	(void)state;
	char *p = in_home("cfg");
	write_file(p, "current-context: x\n"
		      "clusters: [{name: c, cluster: {server: 'https://x', certificate-authority: nope.crt}}]\n"
		      "contexts: [{name: x, context: {cluster: c}}]\n");
	struct kube_config_overrides ov = {.kubeconfig = p};
	char *want = xasprintf("cluster \"c\": cannot read certificate-authority %s/nope.crt: No such file or "
			       "directory; fix the path",
			       home);
	assert_load_error(&ov, want);
	free(want);
	free(p);
}

static void test_cert_and_ca_conflicts(void **state)
{
	(void)state;
	char *p = in_home("cfg");
	struct kube_config_overrides ov = {.kubeconfig = p};
	write_file(p, "current-context: x\n"
		      "clusters: [{name: c, cluster: {server: 'https://x', certificate-authority-data: Q0E=, "
		      "insecure-skip-tls-verify: true}}]\n"
		      "contexts: [{name: x, context: {cluster: c}}]\n");
	assert_load_error(&ov, "cluster \"c\": insecure-skip-tls-verify is set together with a certificate "
			       "authority; remove one of them");
	write_file(p, "current-context: x\n"
		      "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		      "users: [{name: u, user: {client-certificate-data: Q0E=}}]\n"
		      "contexts: [{name: x, context: {cluster: c, user: u}}]\n");
	assert_load_error(&ov, "user \"u\": client-certificate is set without client-key; a client certificate needs "
			       "both");
	free(p);
}

static void test_token_and_basic_auth_conflict(void **state)
{
	(void)state;
	char *p = fx("conflict.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	assert_load_error(&ov, "more than one authentication method found for u; found [token basicAuth], only one is "
			       "allowed; remove token or username/password");
	free(p);
}

static void check_auth_provider(const char *name, const char *needle)
{
	char *file = xasprintf("auth-provider-%s.yaml", name);
	char *p = fx(file);
	struct kube_config_overrides ov = {.kubeconfig = p};
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_config_load(&ov, &cfg, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_CONFIG);
	char *head = xasprintf("user \"u\": the auth-provider \"%s\" is no longer supported by kubectl; ", name);
	assert_true(strncmp(err.message, head, strlen(head)) == 0);
	if (!strstr(err.message, needle))
		fail_msg("%s: no %s in: %s", name, needle, err.message);
	assert_non_null(strstr(err.message, "https://"));
	assert_null(strstr(err.message, "secret-access-token"));
	kube_error_clear(&err);
	free(head);
	free(p);
	free(file);
}

static void test_auth_provider_removed(void **state)
{
	(void)state;
	check_auth_provider("gcp", "gke-gcloud-auth-plugin");
	check_auth_provider("azure", "kubelogin convert-kubeconfig");
	check_auth_provider("oidc", "int128/kubelogin");
}

/* ---- exec ----------------------------------------------------------------- */

static void test_exec_config(void **state)
{
	(void)state;
	char *p = fx("exec.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p};
	struct kube_config *cfg = load_ok(&ov);
	const struct kube_exec_config *ex = cfg->exec;
	assert_non_null(ex);
	assert_string_equal(ex->api_version, "client.authentication.k8s.io/v1");
	assert_path(ex->command, "bin/plugin.sh");
	assert_int_equal(ex->nargs, 2);
	assert_string_equal(ex->args[0], "token");
	assert_string_equal(ex->args[1], "3");
	assert_int_equal(ex->nenv, 2);
	assert_string_equal(ex->env[0], "PLUGIN_A=one");
	assert_string_equal(ex->env[1], "PLUGIN_B=2");
	assert_string_equal(ex->install_hint, "install the plugin");
	assert_true(ex->provide_cluster_info);
	assert_string_equal(ex->interactive_mode, "Never");
	kube_config_free(cfg);

	ov.context = "exec-beta";
	cfg = load_ok(&ov);
	assert_string_equal(cfg->exec->command, "aws"); /* no slash: looked up in PATH */
	assert_string_equal(cfg->exec->interactive_mode, "IfAvailable");
	assert_false(cfg->exec->provide_cluster_info);
	kube_config_free(cfg);

	ov.context = "token-and-exec"; /* client-go skips the plugin when a token is set */
	cfg = load_ok(&ov);
	assert_null(cfg->exec);
	assert_string_equal(cfg->token, "static-token");
	kube_config_free(cfg);
	free(p);
}

static void test_exec_config_errors(void **state)
{
	(void)state;
	char *p = fx("exec.yaml");
	struct kube_config_overrides ov = {.kubeconfig = p, .context = "exec-nomode"};
	assert_load_error(&ov, "interactiveMode must be specified for u-v1-nomode to use exec authentication plugin; "
			       "add interactiveMode: Never (or IfAvailable, Always) to its exec section");
	ov.context = "exec-alpha";
	assert_load_error(&ov, "user \"u-alpha\": exec apiVersion \"client.authentication.k8s.io/v1alpha1\" is not "
			       "supported; use client.authentication.k8s.io/v1 (or v1beta1)");
	free(p);
}

/* ---- in-cluster ------------------------------------------------------------ */

static char *make_sa_dir(bool with_ns)
{
	char *dir = in_home("sa");
	mkdir(dir, 0700);
	char *t = in_home("sa/token"), *ca = in_home("sa/ca.crt"), *ns = in_home("sa/namespace");
	write_file(t, "sa-token\n");
	write_file(ca, "CA\n");
	if (with_ns)
		write_file(ns, "team-a");
	free(t);
	free(ca);
	free(ns);
	return dir;
}

static void test_in_cluster(void **state)
{
	(void)state;
	char *dir = make_sa_dir(true);
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_config_load_in_cluster(dir, &cfg, &err), 0);
	assert_string_equal(cfg->source, "in-cluster");
	assert_string_equal(cfg->server, "https://10.96.0.1:443");
	assert_string_equal(cfg->token, "sa-token");
	char *want = xasprintf("%s/token", dir);
	assert_string_equal(cfg->token_file, want);
	free(want);
	want = xasprintf("%s/ca.crt", dir);
	assert_string_equal(cfg->ca_file, want);
	free(want);
	assert_string_equal(cfg->namespace, "team-a");
	kube_config_free(cfg);

	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("POD_NAMESPACE", "from-env", 1);
	assert_int_equal(kube_config_load_in_cluster(dir, &cfg, &err), 0);
	assert_string_equal(cfg->server, "https://[fd00::1]:443");
	assert_string_equal(cfg->namespace, "from-env");
	kube_config_free(cfg);
	free(dir);
}

static void test_in_cluster_errors(void **state)
{
	(void)state;
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	assert_int_equal(kube_config_load_in_cluster("/nonexistent", &cfg, &err), -1);
	assert_string_equal(err.message, "not running in a cluster: KUBERNETES_SERVICE_HOST and "
					 "KUBERNETES_SERVICE_PORT are not set; use a kubeconfig (--kubeconfig or "
					 "KUBECONFIG)");
	kube_error_clear(&err);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_config_load_in_cluster("/nonexistent", &cfg, &err), -1);
	assert_int_equal(err.kind, KUBE_ERR_CONFIG);
	assert_string_equal(err.message, "in-cluster: cannot read the service account token /nonexistent/token: No "
					 "such file or directory; mount a service account token or use a kubeconfig");
	kube_error_clear(&err);

	/* Namespace file absent: "default". */
	char *dir = make_sa_dir(false);
	assert_int_equal(kube_config_load_in_cluster(dir, &cfg, &err), 0);
	assert_string_equal(cfg->namespace, "default");
	kube_config_free(cfg);
	free(dir);
}

static void test_load_falls_back_to_in_cluster(void **state)
{
	(void)state;
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	struct kube_config *cfg = NULL;
	struct kube_error err = {0};
	if (access("/var/run/secrets/kubernetes.io/serviceaccount/token", R_OK) == 0)
		skip(); /* actually inside a pod */
	assert_int_equal(kube_config_load(NULL, &cfg, &err), -1);
	assert_non_null(strstr(err.message, "in-cluster: cannot read the service account token "
					    "/var/run/secrets/kubernetes.io/serviceaccount/token"));
	kube_error_clear(&err);
}

int main(void)
{
	if (!realpath("tests/fixtures/kubeconfig", fix)) {
		fprintf(stderr, "run from the repository root (tests/fixtures/kubeconfig not found)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_explicit_kubeconfig, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_explicit_kubeconfig_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kubeconfig_list_merges_first_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_current_context_from_first_file_that_sets_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_and_empty_entries_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_all_listed_files_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_kube_config_and_relative_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_configuration_anywhere, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_flag_alone_is_enough, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_data_fields_are_decoded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_base64_names_the_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_client_cert_files_and_insecure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_context_not_found, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cluster_and_user_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_server, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_current_context, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_namespace_sources, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certificate_authority_flag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_flag_replaces_file_credentials, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_yaml, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_not_a_kubeconfig, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_ca_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cert_and_ca_conflicts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_and_basic_auth_conflict, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_auth_provider_removed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exec_config_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_in_cluster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_in_cluster_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_falls_back_to_in_cluster, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
