"""The resource types the emulator serves: built-ins from a table, snapshot CRDs from YAML.

A ResourceType is version-independent storage (one bucket per group+plural);
`versions` lists the API versions it is served at. Objects are stored at the
storage version and only their apiVersion is rewritten when read at another
version (the snapshot CRDs' v1beta1 and v1 schemas are wire-compatible).
"""
import base64
import glob
import hashlib
import os

import yaml

CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
CRD_VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]


class ResourceType:
    def __init__(self, group, versions, kind, plural, singular, namespaced, short=(),
                 status=False, crd=None, verbs=None, categories=(), generation=False,
                 field_labels=()):
        self.group = group
        self.versions = list(versions)          # served versions, preferred first
        self.storage_version = self.versions[0] if self.versions else None
        self.kind = kind
        self.list_kind = kind + "List"
        self.plural = plural
        self.singular = singular
        self.namespaced = namespaced
        self.short = list(short)
        self.status = status                    # has a /status subresource
        self.crd = crd                          # the CRD object (dict) for custom resources
        self.verbs = verbs or (CRD_VERBS if crd else CRUD)
        self.categories = list(categories)
        self.generation = generation or bool(crd)
        self.field_labels = set(field_labels) | {"metadata.name", "metadata.namespace"}
        self.schemas = {}                       # version -> openAPIV3Schema (CRDs)
        self.printer_columns = {}               # version -> additionalPrinterColumns
        self.sub_status_versions = set()

    @property
    def gr(self):
        return (self.group, self.plural)

    def api_version(self, version=None):
        v = version or self.storage_version
        return self.group + "/" + v if self.group else v

    def is_create_only(self):
        return self.verbs == ["create"]


def storage_version_hash(group, version, kind):
    h = hashlib.sha256(("%s/%s/%s" % (group, version, kind)).encode()).digest()[:8]
    return base64.b64encode(h).decode()


# Built-in resources: (group, version, kind, plural, singular, namespaced, shortNames,
# status subresource, generation, categories, extra field selector labels)
_BUILTINS = [
    ("", "v1", "Namespace", "namespaces", "namespace", False, ["ns"], True, False, [], ["status.phase"]),
    ("", "v1", "Node", "nodes", "node", False, ["no"], True, False, [], ["spec.unschedulable"]),
    ("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", False, ["pv"], True, False, [],
     ["name"]),
    ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", True, ["pvc"],
     True, False, [], ["name"]),
    ("", "v1", "Event", "events", "event", True, ["ev"], False, False, [],
     ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
      "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
      "reason", "reportingComponent", "source", "type"]),
    ("", "v1", "ConfigMap", "configmaps", "configmap", True, ["cm"], False, False, [], []),
    ("", "v1", "Secret", "secrets", "secret", True, [], False, False, [], ["type"]),
    ("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ["sa"], False, False, [], []),
    ("", "v1", "Pod", "pods", "pod", True, ["po"], True, False, ["all"],
     ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
      "status.phase", "status.podIP", "status.nominatedNodeName"]),
    ("storage.k8s.io", "v1", "StorageClass", "storageclasses", "storageclass", False, ["sc"], False, False,
     [], []),
    ("storage.k8s.io", "v1", "CSIDriver", "csidrivers", "csidriver", False, [], False, False, [], []),
    ("storage.k8s.io", "v1", "CSINode", "csinodes", "csinode", False, [], False, False, [], []),
    ("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", "volumeattachment", False, [], True,
     False, [], []),
    ("apps", "v1", "Deployment", "deployments", "deployment", True, ["deploy"], True, True, ["all"], []),
    ("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ["rs"], True, True, ["all"], []),
    ("apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ["sts"], True, True, ["all"], []),
    ("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ["ds"], True, True, ["all"], []),
    ("batch", "v1", "Job", "jobs", "job", True, [], True, True, ["all"], []),
    ("batch", "v1", "CronJob", "cronjobs", "cronjob", True, ["cj"], True, True, ["all"], []),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", "role", True, [], False, False, [], []),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", True, [], False,
     False, [], []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", False, [], False,
     False, [], []),
    ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "clusterrolebinding",
     False, [], False, False, [], []),
    ("coordination.k8s.io", "v1", "Lease", "leases", "lease", True, [], False, False, [], []),
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
     "customresourcedefinition", False, ["crd", "crds"], True, True, [], []),
    ("apiregistration.k8s.io", "v1", "APIService", "apiservices", "apiservice", False, [], True, False,
     [], []),
]

# Create-only review APIs (no storage).
_REVIEWS = [
    ("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
     "selfsubjectaccessreview"),
    ("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
     "selfsubjectrulesreview"),
]

# Order of groups in /apis, like kube-aggregator: apiregistration first, CRD groups last.
GROUP_ORDER = ["apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io",
               "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
               "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
               "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
               "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io"]


class Registry:
    """All served types, indexed for routing and discovery."""

    def __init__(self):
        self.types = []                 # every ResourceType
        self.by_gvr = {}                # (group, version, plural) -> ResourceType
        self.by_gr = {}                 # (group, plural) -> ResourceType
        self.crds = []                  # CRD objects (dicts) to expose as customresourcedefinitions

    def add(self, rt):
        self.types.append(rt)
        self.by_gr[rt.gr] = rt
        for v in rt.versions:
            self.by_gvr[(rt.group, v, rt.plural)] = rt

    def lookup(self, group, version, plural):
        return self.by_gvr.get((group, version, plural))

    def groups(self):
        """{group: [versions]} for served groups, group '' excluded."""
        out = {}
        for rt in self.types:
            if not rt.group:
                continue
            vs = out.setdefault(rt.group, [])
            for v in rt.versions:
                if v not in vs:
                    vs.append(v)
        return out

    def resources_in(self, group, version):
        return [rt for rt in self.types if rt.group == group and version in rt.versions]


def _kube_version_key(v):
    """Kube-aware version order: GA > beta > alpha, higher numbers first."""
    import re
    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", v)
    if not m:
        return (3, 0, 0, v)
    major = int(m.group(1))
    rank = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    minor = int(m.group(3) or 0)
    return (rank, -major, -minor, v)


# Kinds of well-known non-Kubernetes groups, served when a profile lists the group in
# `served_groups` (OpenShift: providers.md §2.5). Stored like built-ins, without schemas.
KNOWN_GROUP_KINDS = {
    "config.openshift.io": [("ClusterVersion", "clusterversions", False, []),
                            ("Infrastructure", "infrastructures", False, []),
                            ("ClusterOperator", "clusteroperators", False, ["co"])],
    "operator.openshift.io": [("CSISnapshotController", "csisnapshotcontrollers", False, []),
                              ("Storage", "storages", False, [])],
    "route.openshift.io": [("Route", "routes", True, [])],
    "project.openshift.io": [("Project", "projects", False, [])],
    "security.openshift.io": [("SecurityContextConstraints", "securitycontextconstraints", False, ["scc"])],
}


def add_extra(reg, served_groups, extra_resources):
    """Profile-defined groups/resources (e.g. OpenShift's) beyond the built-in table."""
    for group, versions in (served_groups or {}).items():
        for kind, plural, nsd, short in KNOWN_GROUP_KINDS.get(group, []):
            if (group, plural) not in reg.by_gr:
                reg.add(ResourceType(group, list(versions), kind, plural, kind.lower(), nsd, short, status=True))
    for r in extra_resources or []:
        versions = r.get("versions") or [r.get("version", "v1")]
        reg.add(ResourceType(r["group"], versions, r["kind"], r.get("plural") or r["kind"].lower() + "s",
                             r.get("singular") or r["kind"].lower(), bool(r.get("namespaced", True)),
                             r.get("shortNames") or [], status=bool(r.get("status", False)),
                             categories=r.get("categories") or []))


def build_registry(crd_dir, served_overrides):
    """served_overrides: {crd name or group: [versions]} from the profile (None = as in the file)."""
    reg = Registry()
    for (g, v, kind, plural, singular, nsd, short, status, gen, cats, fl) in _BUILTINS:
        reg.add(ResourceType(g, [v], kind, plural, singular, nsd, short, status, generation=gen,
                             categories=cats, field_labels=fl))
    for (g, v, kind, plural, singular) in _REVIEWS:
        reg.add(ResourceType(g, [v], kind, plural, singular, False, verbs=["create"]))
    for path in sorted(glob.glob(os.path.join(crd_dir, "*.yaml"))):
        with open(path) as f:
            crd = yaml.safe_load(f)
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        spec = crd["spec"]
        group = spec["group"]
        name = crd["metadata"]["name"]
        want = served_overrides.get(name, served_overrides.get(group, "file"))
        if want is None or want == []:
            continue                    # CRD not installed
        for ver in spec["versions"]:
            if want != "file":
                ver["served"] = ver["name"] in want
                ver["storage"] = False
        served = [ver for ver in spec["versions"] if ver.get("served")]
        if not served:
            continue
        if want != "file":
            # Storage = the most preferred served version (v1 when served).
            served_sorted = sorted(served, key=lambda x: _kube_version_key(x["name"]))
            served_sorted[0]["storage"] = True
        names = spec["names"]
        order = sorted([v["name"] for v in served], key=_kube_version_key)
        storage = [v["name"] for v in spec["versions"] if v.get("storage")]
        rt = ResourceType(group, order, names["kind"], names["plural"], names.get("singular", ""),
                          spec.get("scope") == "Namespaced", names.get("shortNames", []),
                          status=any("status" in (v.get("subresources") or {}) for v in served),
                          crd=crd, categories=names.get("categories", []))
        rt.storage_version = storage[0] if storage and storage[0] in order else order[0]
        for v in served:
            rt.schemas[v["name"]] = (v.get("schema") or {}).get("openAPIV3Schema") or {}
            rt.printer_columns[v["name"]] = v.get("additionalPrinterColumns") or []
            if "status" in (v.get("subresources") or {}):
                rt.sub_status_versions.add(v["name"])
        reg.add(rt)
        reg.crds.append(crd)
    return reg


def serve_cronjobs_by_version(reg, minor, override=None):
    """CronJob versions as the real servers serve them: batch/v1beta1 only below 1.21, both
    from 1.21 to 1.24, batch/v1 only from 1.25 (facts/operations.md §1). A profile's
    `cronjob_versions` overrides that."""
    rt = reg.by_gr.get(("batch", "cronjobs"))
    if rt is None:
        return
    versions = override or (["v1beta1"] if minor < 21 else ["v1", "v1beta1"] if minor < 25 else ["v1"])
    for v in rt.versions:
        reg.by_gvr.pop(("batch", v, "cronjobs"), None)
    rt.versions = list(versions)
    rt.storage_version = rt.versions[0]
    for v in rt.versions:
        reg.by_gvr[("batch", v, "cronjobs")] = rt
