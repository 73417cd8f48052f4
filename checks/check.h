/* Doctor checks: each one a stable ID, a title, the checks it depends on, the
 * API reads it needs and a pure function from fetched facts to a verdict.
 *
 * The split is deliberate: checks declare their reads, check_fetch() issues
 * all of them at once (kube_call_many: one round of parallel requests, plus a
 * second only where a read depends on the first), and the checks then run
 * over the fetched data without touching the network. So doctor costs about
 * one round trip plus the slowest read, and every verdict is unit-testable
 * from fixture JSON. */
#ifndef VOLSNAP_CHECK_H
#define VOLSNAP_CHECK_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"
#include "providers/providers.h"
#include "util/strbuf.h"
#include "util/strlist.h"

enum check_result {
	CHECK_PASS = 0,
	CHECK_WARN,
	CHECK_FAIL,
	CHECK_SKIP,
	CHECK_INFO,
	CHECK_NRESULTS,
};

/* What a check may read. One entry per request so a forbidden read skips only
 * the checks that need it. */
enum check_read {
	READ_VERSION = 0,	/* GET /version */
	READ_SNAP_GROUP,	/* GET /apis/snapshot.storage.k8s.io */
	READ_SNAP_V1,		/* GET /apis/snapshot.storage.k8s.io/v1 */
	READ_SNAP_V1BETA1,	/* GET /apis/snapshot.storage.k8s.io/v1beta1 */
	READ_VSCLASSES,		/* LIST volumesnapshotclasses at the served version */
	READ_NODES,		/* LIST nodes */
	READ_CSIDRIVERS,	/* LIST csidrivers */
	READ_CSINODES,		/* LIST csinodes */
	READ_STORAGECLASSES,	/* LIST storageclasses */
	READ_PVS,		/* LIST persistentvolumes */
	READ_PVCS,		/* LIST persistentvolumeclaims in scope */
	READ_DEPLOYMENTS,	/* LIST deployments, all namespaces */
	READ_STATEFULSETS,	/* LIST statefulsets, all namespaces (external-snapshotter < v4.1) */
	READ_CONTROLLER_LEASE,	/* GET the controller's leader Lease in kube-system */
	READ_SHOOT_INFO,	/* GET ConfigMap kube-system/shoot-info (Gardener) */
	READ_OPENSHIFT_GROUP,	/* GET /apis/config.openshift.io */
	READ_OPENSHIFT_VERSION, /* GET ClusterVersion "version" */
	READ_ACCESS,		/* the SelfSubjectAccessReview questions (POSTs) */
	READ_CRONJOBS,		/* LIST cronjobs in scope, batch/v1 (1.21+) */
	READ_CRONJOBS_V1BETA1,	/* LIST cronjobs in scope, batch/v1beta1 (below 1.25) */
	READ_SCHED_JOBS,	/* LIST the Jobs of kubectl-volsnap schedules in scope */
	READ_CRONJOB_EVENTS,	/* LIST events about CronJobs in scope */
	READ_COUNT,
};
#define CHECK_READ(r) (1u << (r))

/* What every doctor run reads, whatever checks were selected: provider
 * detection (the report names the provider), discovery (the report names the
 * served snapshot API; one request) and the evidence known issues and the
 * PVC check are judged by (is a snapshot controller running?). */
#define CHECK_READS_PROVIDER                                                                                           \
	(CHECK_READ(READ_VERSION) | CHECK_READ(READ_NODES) | CHECK_READ(READ_SHOOT_INFO) |                             \
	 CHECK_READ(READ_OPENSHIFT_GROUP) | CHECK_READ(READ_OPENSHIFT_VERSION) | CHECK_READ(READ_CSIDRIVERS) |         \
	 CHECK_READ(READ_STORAGECLASSES) | CHECK_READ(READ_SNAP_GROUP) | CHECK_READ(READ_SNAP_V1) |                    \
	 CHECK_READ(READ_SNAP_V1BETA1) | CHECK_READ(READ_DEPLOYMENTS) | CHECK_READ(READ_STATEFULSETS) |                \
	 CHECK_READ(READ_CONTROLLER_LEASE))

struct check_read_result {
	bool done;	  /* the read was issued */
	json_object *obj; /* the answer (LIST: {"items": [...]}) or NULL on error; owned */
	struct kube_error err;
};

/* One question asked with a SelfSubjectAccessReview: a right some shipped
 * command needs (which commands: check_access_needed_by). */
struct check_access {
	const char *verb;
	const char *group;
	const char *resource;
	bool cluster_scoped;
	bool answered;
	bool allowed;
};

/* The rights each shipped command needs, as data (facts.c): a new command is
 * a new row, and doctor asks each right once. */
#define CHECK_RIGHTS_MAX 8
struct check_command_rights {
	const char *command;	      /* "take" */
	bool essential;		      /* without it snapshots cannot be taken: a denial fails */
	int rights[CHECK_RIGHTS_MAX]; /* indexes into check_access_table, -1 terminated */
};

/* The questions (unique rights) and the commands' needs. */
extern const struct check_access check_access_table[];
extern const size_t check_access_count;
extern const struct check_command_rights check_command_rights_table[];
extern const size_t check_command_rights_count;
/* The commands needing right i, each once ("take, describe, restore"), into
 * sb; returns true when one of them is essential. */
bool check_access_needed_by(size_t i, struct strbuf *sb);

/* What the cluster visibly shows about a fact: the evidence known-issue rows
 * and version rules are judged by (docs/doctor.md "Evidence"). */
enum check_seen {
	CHECK_SEEN_UNKNOWN = 0, /* the read it needs failed */
	CHECK_SEEN_NO,
	CHECK_SEEN_YES,
};

struct check_facts {
	/* Inputs. */
	const char *namespace;	  /* NULL: all namespaces (-A) */
	struct strlist pvc_names; /* --pvc */
	const char *provider_id;  /* --provider NAME; NULL or "auto" to detect */
	int64_t now;		  /* unix seconds, for schedule ages (set by check_facts_init) */

	/* Raw reads, filled by check_fetch() or by unit tests. */
	struct check_read_result reads[READ_COUNT];
	struct check_access access[32];
	size_t n_access;
	struct kube_error access_err; /* set when no access question could be asked */

	/* Derived by check_facts_derive(). */
	char *git_version;
	int major, minor;
	char *served[4]; /* snapshot.storage.k8s.io versions served, server order */
	size_t n_served;
	char *preferred;	  /* the server's preferred version, or NULL */
	const char *snap_version; /* the version doctor read classes at: "v1", "v1beta1" or NULL */
	const struct provider *provider;
	char *provider_evidence;
	const struct provider_era *era;	 /* NULL when the version is below every era */
	struct strlist drivers;		 /* installed CSI drivers: CSIDriver objects and CSINode registrations */
	enum check_seen controller_seen; /* a snapshot controller runs (ready workload or held lease) */
	char *controller_how;		 /* why controller_seen says so ("its leader lease ... is held") */
};

/* Sets the inputs; copies the permissions table. */
void check_facts_init(struct check_facts *f, const char *ns, const char *provider_id);
/* Parses version, served snapshot versions, drivers and detects the provider.
 * Returns -1 with a message in *why (caller frees) when --provider names an
 * unknown provider. */
int check_facts_derive(struct check_facts *f, char **why);
void check_facts_release(struct check_facts *f);

/* Takes ownership of obj as the answer to read r (unit tests, fetch). */
void check_facts_set(struct check_facts *f, enum check_read r, json_object *obj);
/* Records a failed read (copies err's fields). */
void check_facts_set_error(struct check_facts *f, enum check_read r, enum kube_err_kind kind, long code,
			   const char *reason, const char *message);

/* What a check says. */
struct check_outcome {
	enum check_result result;
	bool set;	       /* a verdict was given (check_note) */
	bool incomplete;       /* part of it could not be checked (a CHECK_SKIP finding) */
	struct strbuf message; /* findings joined with "; " */
	struct strlist remediation;
};

struct check {
	const char *id;
	const char *title;
	const char *const *needs; /* NULL-terminated IDs, all earlier in the table */
	unsigned reads;		  /* CHECK_READ() bits */
	const char *docs;
	void (*run)(const struct check_facts *f, struct check_outcome *o);
};

/* ---- helpers for check functions (checks.c) ------------------------------- */

/* Adds a finding; the check's result becomes the worst seen (info < pass <
 * warn < fail). */
void check_note(struct check_outcome *o, enum check_result r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds a remediation step unless it is already there. */
void check_remedy(struct check_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The items of a LIST read, or NULL after marking o "skip" with "cannot read
 * WHAT: <reason>" when the read failed. */
json_object *check_items(const struct check_facts *f, enum check_read r, struct check_outcome *o);
/* The object of a GET read, or NULL (without touching o) when it failed. */
json_object *check_object(const struct check_facts *f, enum check_read r);
/* A failed read's one-line reason ("forbidden", "not found", the message). */
const char *check_read_error(const struct check_facts *f, enum check_read r);
/* What a read is, for messages ("csidrivers"). */
const char *check_read_name(enum check_read r);
/* true when the read failed because the API is not served or the object is absent. */
bool check_read_absent(const struct check_facts *f, enum check_read r);

const char *check_result_name(enum check_result r); /* "pass", "warn", ... */

/* ---- evidence (evidence.c) ------------------------------------------------ */

/* true for a Deployment/StatefulSet that is a snapshot controller. */
bool check_is_controller_workload(json_object *w);
/* Whether the snapshot API is served (YES: v1 or v1beta1). */
enum check_seen check_api_seen(const struct check_facts *f);
/* Whether a VolumeSnapshotClass annotated default exists for driver (any
 * driver when NULL); *name gets its name. */
enum check_seen check_default_class_seen(const struct check_facts *f, const char *driver, const char **name);

/* A known issue as it stands on this cluster. */
struct check_issue {
	const struct provider_issue *is;
	enum check_seen symptom; /* YES: the cluster shows it; NO: it shows the fix; UNKNOWN: cannot tell */
	char *how;		 /* the evidence, for the message (owned) */
};
#define CHECK_ISSUES_MAX 16
/* The provider's issues that apply to this cluster by version and evidence:
 * a row whose symptom the cluster contradicts and that names no fix is left
 * out (v1beta1 "not served" while it is served), as is a row about a driver
 * that is not installed. Returns how many; release with check_issues_release. */
size_t check_issues(const struct check_facts *f, struct check_issue *out);
void check_issues_release(struct check_issue *out, size_t n);
/* The applying issue that blocks snapshots of driver's volumes, or NULL. */
const struct provider_issue *check_driver_blocked(const struct check_facts *f, const char *driver);
/* true when every installed snapshot-capable driver is blocked by an issue. */
bool check_all_drivers_blocked(const struct check_facts *f);

/* The one upgrade target of a report: the minimum version for snapshots
 * (the beta API, the provider's minimum, blocking issues' fixes) and whether
 * the cluster is below it. */
struct check_minimum {
	struct provider_kver kv;
	char *exact;  /* "1.17.6-gke.4" when finer than major.minor, else "1.17" (owned) */
	char *reason; /* "the VolumeSnapshot beta API", "Gardener on GCP's minimum" (owned) */
	bool below;   /* the cluster is older */
	bool partial; /* only one driver's volumes need it (a driver-blocking issue) */
};
void check_minimum(const struct check_facts *f, struct check_minimum *m);
void check_minimum_release(struct check_minimum *m);
/* The upgrade advice, identical wherever a check gives it. */
void check_upgrade_advice(const struct check_facts *f, struct strbuf *sb);
/* Why no volume of this cluster can be snapshotted, whatever its PVC: FAIL
 * with the reason (API not served, version below the minimum, no controller
 * on a provider without one, a blocking issue visibly present), WARN when no
 * controller is visible where one may run unseen, PASS otherwise. */
enum check_result check_cluster_blocker(const struct check_facts *f, struct strbuf *why);

/* ---- setup steps' verify commands (verify.c) ------------------------------- */

enum check_verify {
	CHECK_VERIFY_PASS = 0,	 /* the command would succeed */
	CHECK_VERIFY_NOT_JUDGED, /* not a `kubectl get` doctor's reads can answer */
	CHECK_VERIFY_UNREAD,	 /* a read it needs failed (why says which) */
	CHECK_VERIFY_FAIL,	 /* it would fail (why: "volumesnapshotclass x not found") */
};
/* Whether cmd (a step's verify, `A && B`) would pass, from the reads in f. */
enum check_verify check_verify_command(const struct check_facts *f, const char *cmd, struct strbuf *why);

/* ---- the catalogue and the run (checks.c) --------------------------------- */

/* Every check, in dependency order. */
const struct check *const *check_catalogue(size_t *n);
const struct check *check_find(const char *id);

/* Marks the named checks and their dependencies in selected[] (indexed like
 * the catalogue); all when n == 0. Returns -1 and sets *bad to the first
 * unknown ID. */
int check_select(const char *const *ids, size_t n, bool *selected, const char **bad);
/* The reads the selected checks need (plus provider detection's). */
unsigned check_reads_for(const bool *selected);

/* Runs the selected checks in catalogue order; a check whose dependency failed
 * or was skipped is skipped with the reason. out[] is indexed like the
 * catalogue; release with check_outcomes_release. */
void check_run(const struct check_facts *f, const bool *selected, struct check_outcome *out);
void check_outcomes_release(struct check_outcome *out, size_t n);
/* Exit code from the results: 3 a failure, 1 a check could not read what it
 * needs (skipped), 4 only warnings, 0 every selected check passed. */
int check_exit_code(const bool *selected, const struct check_outcome *out);
/* The summary's closing words, about only what ran. */
void check_verdict(const struct check_facts *f, const bool *selected, const struct check_outcome *out,
		   struct strbuf *sb);

/* ---- fetching (fetch.c) --------------------------------------------------- */

/* Issues the reads in parallel and stores answers and per-read errors in f.
 * Returns -1 with err set only when the cluster cannot be read at all
 * (unreachable, bad credentials). */
int check_fetch(struct kube_client *c, unsigned reads, struct check_facts *f, struct kube_error *err);

/* fetch + derive + run: 0, -1 when the cluster cannot be read (err), -2 when
 * --provider is unknown (*why, caller frees). out[] needs check_outcomes_release. */
int check_diagnose(struct kube_client *c, struct check_facts *f, const bool *selected, struct check_outcome *out,
		   struct kube_error *err, char **why);
#define CHECK_MAX 16 /* room for the catalogue in callers' arrays */

/* ---- the report (report.c) ------------------------------------------------ */

/* The DoctorReport document (docs/doctor.md); server may be NULL. */
json_object *check_report_json(const struct check_facts *f, const char *server, const bool *selected,
			       const struct check_outcome *out);
/* The catalogue as a JSON array for --list-checks -o json. */
json_object *check_catalogue_json(void);

/* ---- remediation helpers (install.c) -------------------------------------- */

/* The external-snapshotter release to install for a Kubernetes minor version. */
const char *check_snapshotter_tag(int major, int minor);
/* Appends the exact command installing the CRDs (verb "create", or "replace"
 * to upgrade) / the controller at that tag. */
void check_crds_install_cmd(struct strbuf *sb, int major, int minor, const char *verb);
void check_controller_install_cmd(struct strbuf *sb, int major, int minor);
/* The command installing only one missing CRD (resource "volumesnapshotclasses")
 * with `kubectl apply`, which succeeds where the other CRDs already exist. */
void check_crd_install_one_cmd(struct strbuf *sb, int major, int minor, const char *resource);
/* A VolumeSnapshotClass doctor/setup propose for a driver (caller puts): the
 * documented name and parameters (providers/snapclasses.c), values the driver
 * needs copied from its StorageClass; a value that cannot be known is a
 * "<key>" placeholder, described in *missing (then the class is not valid
 * as it stands). */
json_object *check_proposed_class(const struct check_facts *f, const char *driver, bool is_default,
				  struct strbuf *missing);
/* Its name: the driver's documented one, else "<driver with dashes>-snapclass". Caller frees. */
char *check_proposed_class_name(const char *driver);
/* The provider's own step of these kinds, or NULL for the generic provider
 * (whose steps are the upstream install the one-liners above give). */
const struct provider_step *check_provider_step(const struct check_facts *f, unsigned kinds);
/* true when the class carries the default-class annotation. */
bool check_class_is_default(json_object *cls);
/* true when the StorageClass carries the default-class annotation. */
bool check_sc_is_default(json_object *sc);
/* The drivers that take snapshots, of f->drivers (not known to lack support). */
bool check_driver_snapshots(const char *driver);

#endif
