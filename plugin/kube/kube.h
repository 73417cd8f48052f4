/* The Kubernetes client library used by every command.
 *
 * It knows nothing of argv or terminals: it returns errors as values and never
 * prints (except the -v request log, to the FILE the caller names) or exits.
 * Objects are json-c objects; every json_object ** out parameter hands one
 * reference to the caller, who releases it with json_object_put().
 *
 * Conventions: functions return 0 on success and -1 on failure with *err filled
 * (kube_error_clear() it afterwards). err may not be NULL.
 */
#ifndef VOLSNAP_KUBE_H
#define VOLSNAP_KUBE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- errors ---------------------------------------------------------- */

enum kube_err_kind {
	KUBE_ERR_NONE = 0,
	KUBE_ERR_CONFIG,	/* kubeconfig, flags or in-cluster files are unusable */
	KUBE_ERR_CREDENTIALS,	/* an exec plugin or token file failed */
	KUBE_ERR_TRANSPORT,	/* no HTTP answer: connect, TLS, reset, DNS */
	KUBE_ERR_TIMEOUT,	/* --request-timeout or a wait deadline passed */
	KUBE_ERR_API,		/* the server answered with an error (Status or HTTP code) */
	KUBE_ERR_NOT_INSTALLED, /* plain-text 404 on a group/version/resource: API not served */
	KUBE_ERR_PROTOCOL,	/* an answer we cannot parse */
	KUBE_ERR_CALLBACK,	/* a caller's callback stopped an iteration with an error */
};

struct kube_error {
	enum kube_err_kind kind;
	long http_code;	     /* 0 when no HTTP answer arrived */
	char *reason;	     /* Status.reason ("NotFound", "Forbidden", "Expired", ...), or NULL */
	char *message;	     /* one line: what went wrong (the server's own message for API errors) */
	char *hint;	     /* one line: what the user can do, or NULL */
	json_object *status; /* the Status object when the server sent one, or NULL (owned) */
};

void kube_error_clear(struct kube_error *err);
void kube_error_set(struct kube_error *err, enum kube_err_kind kind, long http_code, const char *reason,
		    const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Prefixes err->message with "what: " to add context as an error travels up. */
void kube_error_prefix(struct kube_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool kube_error_is_not_found(const struct kube_error *err); /* JSON 404 NotFound: the object is absent */
bool kube_error_is_forbidden(const struct kube_error *err); /* 403 */
bool kube_error_is_conflict(const struct kube_error *err);  /* 409 AlreadyExists or Conflict */

/* ---- configuration (kubeconfig.c, auth_exec.c) ---------------------------- */

struct kube_exec_config {
	char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;	   /* resolved against the kubeconfig's folder when relative with a slash */
	char **args;
	size_t nargs;
	char **env; /* "NAME=value" */
	size_t nenv;
	char *install_hint;
	bool provide_cluster_info;
	char *interactive_mode; /* Never, IfAvailable, Always */
};

struct kube_config {
	/* Where the settings came from, for messages. */
	char *source; /* the kubeconfig path(s), or "in-cluster" */
	char *context_name;
	char *cluster_name;
	char *user_name;

	/* Cluster. File paths are absolute (resolved against their kubeconfig's folder). */
	char *server;
	char *ca_file;
	char *ca_data; /* PEM bytes, decoded from base64; NUL-terminated */
	size_t ca_data_len;
	bool insecure_skip_tls_verify;
	char *tls_server_name;
	char *proxy_url;

	/* User. Secrets here are never printed by anyone. */
	char *token;
	char *token_file;
	char *client_cert_file;
	char *client_cert_data;
	size_t client_cert_data_len;
	char *client_key_file;
	char *client_key_data;
	size_t client_key_data_len;
	char *username;
	char *password;
	struct kube_exec_config *exec;
	/* Impersonation (--as, --as-group): sent as Impersonate-User/-Group. */
	char *impersonate_user;
	char **impersonate_groups;
	size_t n_impersonate_groups;

	/* Namespace: never NULL after loading ("default" when nothing says otherwise). */
	char *namespace;
	bool namespace_explicit; /* came from -n */
};

/* Command-line overrides, kubectl's names. NULL/false = not given. */
struct kube_config_overrides {
	const char *kubeconfig; /* --kubeconfig: one file, wins over KUBECONFIG */
	const char *context;
	const char *cluster;
	const char *user;
	const char *namespace;
	const char *server;
	const char *token;
	const char *certificate_authority;
	bool insecure_skip_tls_verify;
	const char *tls_server_name;
	const char *client_certificate; /* --client-certificate/--client-key: files */
	const char *client_key;
	const char *impersonate_user;	 /* --as */
	char *const *impersonate_groups; /* --as-group, repeatable */
	size_t n_impersonate_groups;
};

/* Loads --kubeconfig, else $KUBECONFIG (a ':'-separated list merged as kubectl
 * merges it: the first file to set a map entry or current-context wins), else
 * ~/.kube/config, else the in-cluster service account. */
int kube_config_load(const struct kube_config_overrides *ov, struct kube_config **out, struct kube_error *err);
/* In-cluster config from a service-account folder (token, ca.crt, namespace) and
 * KUBERNETES_SERVICE_HOST/PORT; sa_dir NULL = $VOLSNAP_SERVICEACCOUNT_DIR, else
 * /var/run/secrets/kubernetes.io/serviceaccount. */
int kube_config_load_in_cluster(const char *sa_dir, struct kube_config **out, struct kube_error *err);
void kube_config_free(struct kube_config *cfg);

/* Runs the exec credential plugin (or returns the cached credential while it is
 * valid) and fills the token or client cert/key. force_refresh after a 401. */
struct kube_exec_credential {
	char *token;
	char *client_cert_data;
	char *client_key_data;
	int64_t expires_at; /* unix seconds; 0 = never */
};
int kube_exec_get_credential(const struct kube_config *cfg, bool force_refresh, struct kube_exec_credential *out,
			     struct kube_error *err);
void kube_exec_credential_clear(struct kube_exec_credential *cred);

/* ---- the client (http.c, api.c) ------------------------------------------- */

struct kube_client;

struct kube_client_options {
	long request_timeout_ms; /* whole request, 0 = none (kubectl's default); watches use their own deadline */
	long connect_timeout_ms; /* 0 = 30 s */
	int max_retries;	 /* for 429/5xx with Retry-After and failed connections on safe requests; 0 = 10 */
	int verbosity;		 /* -v: >=6 logs method, URL, status, time; >=8 bodies (secrets redacted) */
	FILE *log;		 /* where the -v log goes; NULL = stderr */
	const char *user_agent;	 /* NULL = "kubectl-volsnap/<version>" */
};

/* cfg must outlive the client. No network I/O happens here. */
int kube_client_new(const struct kube_config *cfg, const struct kube_client_options *opts, struct kube_client **out,
		    struct kube_error *err);
void kube_client_free(struct kube_client *c);
const struct kube_config *kube_client_config(const struct kube_client *c);

/* ---- resources and paths ---------------------------------------------- */

struct kube_resource {
	const char *group; /* "" for the core group */
	const char *version;
	const char *plural;
	const char *kind;
	bool namespaced;
};

extern const struct kube_resource KUBE_NAMESPACES, KUBE_NODES, KUBE_PVS, KUBE_PVCS, KUBE_EVENTS, KUBE_CONFIGMAPS,
    KUBE_SERVICEACCOUNTS, KUBE_STORAGECLASSES, KUBE_CSIDRIVERS, KUBE_CSINODES, KUBE_DEPLOYMENTS, KUBE_CRONJOBS,
    KUBE_ROLES, KUBE_ROLEBINDINGS, KUBE_CRDS, KUBE_PODS;

/* The API path of a collection or object: ns NULL on a namespaced resource means
 * all namespaces; name and subresource may be NULL. Caller frees. */
char *kube_path(const struct kube_resource *r, const char *ns, const char *name, const char *subresource);

/* ---- requests (api.c) ----------------------------------------------------- */

enum kube_patch_type { KUBE_PATCH_MERGE, KUBE_PATCH_JSON, KUBE_PATCH_STRATEGIC };

#define KUBE_DRY_RUN 0x1u /* ?dryRun=All: the server validates and persists nothing */

int kube_get(struct kube_client *c, const char *path, json_object **out, struct kube_error *err);
/* GET of a text answer (a pod's log): the 2xx body goes to on_data in chunks as
 * it arrives (on_data returns 0 to go on); an error answer becomes err. */
typedef int (*kube_data_fn)(const char *buf, size_t len, void *ud);
int kube_get_stream(struct kube_client *c, const char *path, kube_data_fn on_data, void *ud, struct kube_error *err);
/* POST obj to a collection path; *out (may be NULL) gets the created object. */
int kube_create(struct kube_client *c, const char *collection_path, json_object *obj, unsigned flags, json_object **out,
		struct kube_error *err);
int kube_patch(struct kube_client *c, const char *path, enum kube_patch_type type, json_object *patch, unsigned flags,
	       json_object **out, struct kube_error *err);

struct kube_delete_opts {
	const char *uid;	      /* precondition: delete only this incarnation */
	const char *resource_version; /* precondition: delete only if unchanged since read */
	const char *propagation;      /* Foreground, Background, Orphan, or NULL */
	unsigned flags;		      /* KUBE_DRY_RUN */
};
int kube_delete(struct kube_client *c, const char *path, const struct kube_delete_opts *opts, json_object **out,
		struct kube_error *err);

/* Idempotent writes. An answer can be lost after the server carried a write
 * out (a reset connection, a proxy's 5xx): then the write is looked up rather
 * than trusted or blindly repeated.
 *
 * kube_create_once POSTs obj (which must have metadata.name) with this
 * invocation's marker, annotation KUBE_REQUEST_ID_ANNOTATION = the client's
 * request id (added to obj). An object of that name found afterwards
 * carrying the marker is ours: created, whatever the answer said (AlreadyExists
 * included). When no answer came and the object is absent, the POST is sent
 * again (at most KUBE_WRITE_ATTEMPTS in all): safe, because a copy that did land
 * makes the next one AlreadyExists-with-our-marker. *out (may be NULL) gets
 * the object. Dry runs are sent once, as kube_create. */
#define KUBE_REQUEST_ID_ANNOTATION "volsnap.io/request-id"
#define KUBE_WRITE_ATTEMPTS 4
int kube_create_once(struct kube_client *c, const char *collection_path, json_object *obj, unsigned flags,
		     json_object **out, struct kube_error *err);
/* DELETE that counts as done when the object (with opts->uid, when given) is
 * gone or being deleted after an attempt whose answer was lost: NotFound or a
 * failed precondition after such an attempt is our own deletion. A NotFound
 * or Conflict on the first answered attempt is returned as kube_delete does. */
int kube_delete_once(struct kube_client *c, const char *path, const struct kube_delete_opts *opts,
		     struct kube_error *err);
/* This invocation's id (random, 32 hex digits), the marker's value. */
const char *kube_client_request_id(const struct kube_client *c);

/* LIST with limit/continue paging. Items are delivered one at a time and
 * borrowed for the call, so memory stays bounded by one page.
 * on_item returns 0 to go on, >0 to stop early (kube_list_each then returns 0),
 * <0 to abort (kube_list_each returns -1 with err kind KUBE_ERR_CALLBACK). */
typedef int (*kube_item_fn)(json_object *item, void *ud);
typedef int (*kube_page_fn)(void *ud); /* after each page's items; same return convention */

struct kube_list_opts {
	const char *label_selector;
	const char *field_selector;
	long limit;	      /* page size; 0 = 500 */
	kube_page_fn on_page; /* optional */
};
int kube_list_each(struct kube_client *c, const char *path, const struct kube_list_opts *opts, kube_item_fn on_item,
		   void *ud, char **list_resource_version, struct kube_error *err);
/* Convenience for small collections: all items in one array (*items owned by caller). */
int kube_list_all(struct kube_client *c, const char *path, const struct kube_list_opts *opts, json_object **items,
		  struct kube_error *err);

/* WATCH as an informer would: with resource_version NULL it lists first and
 * delivers current objects as "ADDED", then watches from the list's
 * resourceVersion; it resumes from the last seen resourceVersion when the server
 * closes the stream and relists on 410 Expired. Types delivered: ADDED,
 * MODIFIED, DELETED. on_event follows kube_item_fn's return convention.
 * on_tick, when set, is called about once a second while waiting (progress). */
typedef int (*kube_event_fn)(const char *type, json_object *obj, void *ud);

struct kube_watch_opts {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;
	long timeout_ms; /* give up after this long with KUBE_ERR_TIMEOUT; 0 = never */
	int (*on_tick)(void *ud);
};
int kube_watch(struct kube_client *c, const char *collection_path, const struct kube_watch_opts *opts,
	       kube_event_fn on_event, void *ud, struct kube_error *err);

/* Several independent requests at once (curl multi), so a command that needs
 * many reads pays about one round trip plus the slowest, not their sum.
 * For method "LIST" the path is a collection and all pages are gathered into
 * result as {"items": [...], "metadata": {...}}. Each call gets its own result or err. */
struct kube_call {
	const char *method; /* "GET", "LIST", "POST" */
	const char *path;
	json_object *body;   /* for POST; borrowed */
	json_object *result; /* owned by the caller afterwards */
	struct kube_error err;
	int rc; /* 0 or -1 */
};
/* Returns 0 when every call was attempted (check each rc); -1 only on setup failure. */
int kube_call_many(struct kube_client *c, struct kube_call *calls, size_t n, struct kube_error *err);

/* ---- discovery (discovery.c) ---------------------------------------------- */

struct kube_version {
	char *git_version; /* "v1.31.4-gke.1256000" */
	char *platform;
	int major;
	int minor; /* "31+" reads as 31 */
};
int kube_server_version(struct kube_client *c, struct kube_version *out, struct kube_error *err);
void kube_version_clear(struct kube_version *v);

/* The versions of an API group the server serves, preferred first. A group that
 * is not installed gives n = 0 and returns 0 (not an error). */
int kube_group_versions(struct kube_client *c, const char *group, char ***versions, size_t *n, struct kube_error *err);
void kube_strv_free(char **v, size_t n);

/* ---- authorization (authz.c) ---------------------------------------------- */

/* One SelfSubjectAccessReview question. */
struct kube_access {
	const char *verb;
	const char *group;
	const char *resource;
	const char *subresource; /* may be NULL */
	const char *namespace;	 /* NULL = cluster-wide */
	const char *name;	 /* may be NULL */
	bool allowed;		 /* answer */
	char *reason;		 /* the authorizer's reason, or NULL (owned) */
};
/* Asks all questions in parallel. Returns -1 only if no answer could be had. */
int kube_can_i(struct kube_client *c, struct kube_access *questions, size_t n, struct kube_error *err);
void kube_access_clear(struct kube_access *questions, size_t n);

#endif
