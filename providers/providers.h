/* Per-provider knowledge as data: how to recognise a cluster's provider, which
 * CSI drivers take snapshots there, what the provider preinstalls, how to set
 * snapshots up, and the known issues by version. Every fact carries a source
 * (URL or issue) taken from /work/shared/facts/providers.md; facts that source
 * marks unconfirmed carry PROVIDER_UNCONFIRMED or say so in their text.
 *
 * Advice is time-aware: a provider's facts are split into eras (Kubernetes
 * version ranges), so an old cluster gets the advice of its time (the 2020
 * Kyma backup guide) and a current cluster today's.
 *
 * Everything here is pure: no I/O, and nothing allocated outlives a call
 * except what is appended to the caller's strbuf. Tables are const and live
 * for the whole program. */
#ifndef VOLSNAP_PROVIDERS_H
#define VOLSNAP_PROVIDERS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* A Kubernetes version as major.minor; {0, 0} means "no bound". */
struct provider_kver {
	int major;
	int minor;
};

enum provider_tristate {
	PROVIDER_NO = 0,
	PROVIDER_YES,
	PROVIDER_UNCONFIRMED, /* the fact sheet could not confirm either way */
};

/* ---- what detection reads ------------------------------------------------ */

/* Gathered by doctor; every member may be NULL/0/false when not read. All
 * pointers are borrowed for the duration of the call. */
struct provider_signals {
	const char *git_version;	/* /version gitVersion, "v1.31.4-gke.1256000" */
	int major, minor;		/* /version major/minor; 0 = parse git_version */
	json_object *nodes;		/* json array of Node objects (spec.providerID, metadata.labels) */
	json_object *shoot_info;	/* data of ConfigMap kube-system/shoot-info (object), or NULL */
	const char *const *csi_drivers; /* CSIDriver names */
	size_t n_csi_drivers;
	json_object *storage_classes;  /* json array of StorageClass objects (weak signals), or NULL */
	bool openshift_api;	       /* group config.openshift.io is served */
	const char *openshift_version; /* ClusterVersion "version" status.desired.version, "4.16.3", or NULL */
};

/* ---- per-provider data ---------------------------------------------------- */

/* A CSI driver a provider ships or documents. */
struct provider_driver {
	const char *name; /* CSIDriver name, "disk.csi.azure.com" */
	const char *what; /* "Azure Disk" */
	bool snapshots;	  /* driver implements CREATE_DELETE_SNAPSHOT */
	const char *note; /* limits, e.g. "block volumes only"; or NULL */
	const char *source;
};

/* An in-tree (or other non-CSI) provisioner and the CSI driver it migrated to.
 * Volumes provisioned in-tree keep a PV without spec.csi even after migration,
 * and the snapshot controller refuses them ("snapshotting non-CSI volumes is
 * not supported"): snapshots never work for them, whatever the CSI driver. */
struct provider_intree {
	const char *provisioner;	   /* "kubernetes.io/azure-disk" */
	const char *csi_driver;		   /* "disk.csi.azure.com", NULL when there is none */
	struct provider_kver migration_ga; /* CSI migration GA, {0,0} when none */
	struct provider_kver removed;	   /* in-tree code removed, {0,0} when not (or unconfirmed) */
	bool snapshots;			   /* always false: kept so callers need not special-case */
	const char *note;
	const char *source;
};

/* Where the snapshot controller runs. */
enum provider_controller {
	PROVIDER_CTRL_NONE = 0,	  /* not provided: the user installs CRDs + controller */
	PROVIDER_CTRL_IN_CLUSTER, /* preinstalled and visible in the cluster */
	PROVIDER_CTRL_HIDDEN,	  /* managed outside the cluster (Gardener seed, GKE):
				   * no controller Pod is visible and that is not a failure */
	PROVIDER_CTRL_ADDON,	  /* a provider add-on the user enables (EKS, minikube) */
	PROVIDER_CTRL_UNKNOWN,	  /* the fact sheet could not confirm */
};

/* How well snapshots work in an era. */
enum provider_support {
	PROVIDER_SNAP_UNSUPPORTED = 0, /* no CSI snapshots on this version */
	PROVIDER_SNAP_BROKEN,	       /* CSI present, a known issue breaks snapshots */
	PROVIDER_SNAP_SETUP,	       /* possible after the setup steps */
	PROVIDER_SNAP_READY,	       /* works out of the box (a class may still be needed) */
};

/* What a setup step provides (bits), so a check can offer the step for the
 * piece it found missing (provider_era_step). */
enum provider_step_kind {
	PROVIDER_STEP_CRDS = 1 << 0,	       /* the VolumeSnapshot CRDs */
	PROVIDER_STEP_CONTROLLER = 1 << 1,     /* the snapshot controller */
	PROVIDER_STEP_DRIVER = 1 << 2,	       /* a CSI driver with snapshot support */
	PROVIDER_STEP_STORAGE_CLASS = 1 << 3,  /* a CSI StorageClass */
	PROVIDER_STEP_SNAPSHOT_CLASS = 1 << 4, /* a VolumeSnapshotClass */
	PROVIDER_STEP_UPGRADE = 1 << 5,	       /* upgrade the cluster or the provider's components */
	PROVIDER_STEP_CHECK = 1 << 6,	       /* nothing to install: verify what the provider manages */
};

/* One setup step: the exact command (or manifest fragment) and how to verify. */
struct provider_step {
	const char *title;
	const char *command; /* shell command(s) or a YAML fragment; placeholders in <angle brackets> */
	const char *verify;  /* a command whose output shows the step worked, or NULL */
	const char *source;
	unsigned kinds; /* enum provider_step_kind bits */
};

/* The facts for a Kubernetes version range of one provider. */
struct provider_era {
	struct provider_kver from, to; /* inclusive; to {0,0} = open-ended */
	enum provider_support support;
	const char *summary; /* the advice of its time, one or two sentences */
	enum provider_tristate crds_preinstalled;
	enum provider_controller controller;
	const char *controller_where;	    /* "seed: Deployment csi-snapshot-controller", or NULL */
	const char *default_storage_class;  /* name the provider ships, or NULL */
	const char *default_snapshot_class; /* name the provider ships, or NULL */
	const char *default_class_note;	    /* e.g. "since provider-aws v1.12.0", or NULL */
	const struct provider_step *steps;
	size_t n_steps;
	const char *source;
};

enum provider_severity {
	PROVIDER_SEV_INFO = 0,
	PROVIDER_SEV_WARNING,
	PROVIDER_SEV_BLOCKER, /* snapshots do not work while it applies */
};

/* What a known issue visibly does to a cluster, so doctor can judge it by
 * evidence rather than by the version string (docs/doctor.md "Evidence"): a
 * fix that came with a provider component (a Gardener extension) does not
 * change the Kubernetes version, but it does change what the cluster shows. */
enum provider_symptom {
	PROVIDER_SYMPTOM_NONE = 0,	     /* judged by the version alone */
	PROVIDER_SYMPTOM_NO_CONTROLLER,	     /* no snapshot controller runs (no ready workload, no held lease) */
	PROVIDER_SYMPTOM_NO_DEFAULT_CLASS,   /* no VolumeSnapshotClass annotated default for `driver` */
	PROVIDER_SYMPTOM_V1BETA1_NOT_SERVED, /* snapshot.storage.k8s.io/v1beta1 is not served */
	PROVIDER_SYMPTOM_NO_SNAPSHOT_API,    /* snapshot.storage.k8s.io is not served at all */
	PROVIDER_SYMPTOM_PROVISIONER_USED,   /* a StorageClass has provisioner `driver` (a non-CSI one) */
};

/* A known issue. The affected range is in Kubernetes versions; when the fix
 * came with a provider component (a Gardener extension), fixed_in names it and
 * fixed_k8s stays {0,0}. */
struct provider_issue {
	const char *id; /* "gardener-extension-provider-aws#75" */
	const char *title;
	enum provider_severity severity;
	struct provider_kver affected_from, affected_to; /* inclusive; to {0,0} = open */
	struct provider_kver fixed_k8s;			 /* first Kubernetes version without it, or {0,0} */
	const char *fixed_in; /* "gardener-extension-provider-aws v1.7.0 (2020-05-07)", or NULL */
	/* The first version without it when that is finer than major.minor
	 * ("1.17.6-gke.4"): clusters at or past it are not affected. */
	const char *fixed_version;
	const char *remediation; /* what to do besides upgrading (the upgrade target is computed, one per report) */
	const char *source;
	bool unconfirmed;
	const char *confirm; /* for an unconfirmed fact: what would confirm it */
	enum provider_symptom symptom;
	const char *driver; /* the CSI driver (NO_DEFAULT_CLASS; NULL: any) or provisioner (PROVISIONER_USED) */
	const char *requires_driver; /* applies only when this CSI driver is installed (vSphere rows), or NULL */
	const char *blocks_driver;   /* while it applies, volumes of this driver cannot be snapshotted */
};

struct provider {
	const char *id;			       /* "gardener-aws" */
	const char *name;		       /* "Gardener on AWS" */
	const char *summary;		       /* one line for --provider help */
	const struct provider_driver *drivers; /* CSI drivers, snapshot-capable first; may be NULL */
	size_t n_drivers;
	const char *const *intree;	  /* in-tree/non-CSI provisioners seen there, NULL-terminated; may be NULL */
	struct provider_kver min_version; /* minimum for VolumeSnapshots, {0,0} = unknown */
	const char *min_version_source;
	const struct provider_era *eras; /* ascending, non-overlapping */
	size_t n_eras;
	const struct provider_issue *issues;
	size_t n_issues;
	const char *const *docs; /* documentation links, NULL-terminated; may be NULL */
};

/* ---- queries (all pure) --------------------------------------------------- */

/* Every provider in detection-help order; generic is last. */
const struct provider *const *provider_list(size_t *n);
/* By id ("aks", "gardener-gcp"...); NULL when unknown. */
const struct provider *provider_find(const char *id);
/* The ids joined with ", " into sb (for --provider help and errors). */
void provider_ids(struct strbuf *sb);
/* The fallback provider (id "generic"); never NULL. */
const struct provider *provider_generic(void);

/* Detects the provider from the signals by the ordered rule table (Gardener's
 * shoot-info, OpenShift API groups, version markers, managed node labels,
 * providerID prefixes, weak hints) and falls back to generic. Never NULL. When
 * evidence is not NULL it gets one line saying why ("nodes' spec.providerID
 * starts with azure://"). */
const struct provider *provider_detect(const struct provider_signals *s, struct strbuf *evidence);

/* Parses "v1.31.4-gke.1256000" / "1.18" into major.minor (patch optional, may
 * be NULL). Returns false when it is not a version. */
bool provider_parse_version(const char *s, int *major, int *minor, int *patch);
/* <0, 0, >0 like strcmp; {0,0} sorts first. */
int provider_kver_cmp(struct provider_kver a, struct provider_kver b);
/* true when v lies in [from, to], to {0,0} meaning open-ended. */
bool provider_kver_in(struct provider_kver v, struct provider_kver from, struct provider_kver to);

/* true when major.minor is at least p's minimum for VolumeSnapshots (or the
 * minimum is unknown). */
bool provider_min_version_ok(const struct provider *p, int major, int minor);
/* The era covering major.minor, or NULL (below the first era). */
const struct provider_era *provider_era_for(const struct provider *p, int major, int minor);
/* The issues of p affecting major.minor, in table order. Fills up to max into
 * out and returns how many apply (may exceed max, like snprintf). */
size_t provider_issues_for(const struct provider *p, int major, int minor, const struct provider_issue **out,
			   size_t max);

/* Compares two version strings by their runs of digits ("v1.17.5-gke.9" <
 * "1.17.6-gke.4"): <0, 0, >0. */
int provider_version_cmp(const char *a, const char *b);
/* true when is affects a cluster at git_version (major.minor and, when the
 * row has one, fixed_version). */
bool provider_issue_affects(const struct provider_issue *is, const char *git_version, int major, int minor);

/* The first step of e providing any of kinds (enum provider_step_kind bits),
 * or NULL. */
const struct provider_step *provider_era_step(const struct provider_era *e, unsigned kinds);

/* In-tree/non-CSI provisioner lookup ("kubernetes.io/gce-pd" ->
 * pd.csi.storage.gke.io, no snapshots); NULL when provisioner is not a known
 * non-CSI one (it may then be a CSI driver). */
const struct provider_intree *provider_driver_for_intree(const char *provisioner);
/* A CSI driver from any provider's table or the well-known third-party list
 * (hostpath, Longhorn, Rook, OpenEBS, Portworx, vSphere, Linode...); NULL when
 * unknown. */
const struct provider_driver *provider_find_driver(const char *name);
/* YES when the driver is known to take snapshots, NO when known not to
 * (Azure Blob, Linode), UNCONFIRMED when it is not in the tables. */
enum provider_tristate provider_is_known_snapshot_driver(const char *name);

/* A parameter a driver's VolumeSnapshotClass needs. */
struct provider_class_param {
	const char *key;
	const char *value;   /* a fixed value, or NULL: copied from the driver's StorageClass */
	const char *from_sc; /* the StorageClass parameter holding the same value */
	const char *hint;    /* where the value comes from, when it must be filled in */
};

/* The VolumeSnapshotClass a driver's documentation gives (snapclasses.c). */
struct provider_snapclass {
	const char *driver; /* the driver, or a suffix (".rbd.csi.ceph.com") when suffix */
	bool suffix;
	const char *name; /* the documented class name */
	struct provider_class_param params[4];
	const char *source;
};
/* The documented class for driver, or NULL when none is known. */
const struct provider_snapclass *provider_snapclass_for(const char *driver);

/* Names for output. */
const char *provider_support_name(enum provider_support s);	  /* "unsupported", "broken", "setup", "ready" */
const char *provider_controller_name(enum provider_controller c); /* "none", "in-cluster", "hidden", ... */
const char *provider_severity_name(enum provider_severity s);	  /* "info", "warning", "blocker" */

#endif
