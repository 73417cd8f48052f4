"""/version and discovery documents (api.md §2): legacy JSON, and aggregated v2 when asked."""
import hashlib

from errors import dumps
from resources import GROUP_ORDER, storage_version_hash

V2_CT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


class Discovery:
    def __init__(self, reg, prof):
        self.reg = reg
        self.prof = prof

    def version(self):
        v = dict(self.prof["version"])
        return v

    def _resource_entries(self, group, version):
        out = []
        types = self.reg.resources_in(group, version)
        if any(rt.crd for rt in types):
            types = sorted(types, key=lambda rt: rt.plural)
        for rt in types:
            e = {"name": rt.plural, "singularName": rt.singular, "namespaced": rt.namespaced,
                 "kind": rt.kind, "verbs": list(rt.verbs)}
            if rt.short:
                e["shortNames"] = list(rt.short)
            if rt.categories:
                e["categories"] = list(rt.categories)
            if not rt.is_create_only():
                e["storageVersionHash"] = storage_version_hash(group, version, rt.kind)
            out.append(e)
            if rt.status and (rt.crd is None or version in rt.sub_status_versions):
                out.append({"name": rt.plural + "/status", "singularName": "", "namespaced": rt.namespaced,
                            "kind": rt.kind, "verbs": ["get", "patch", "update"]})
        return out

    def _ordered_groups(self):
        groups = self.reg.groups()
        builtin = [g for g in GROUP_ORDER if g in groups and not self._is_crd_group(g)]
        rest = sorted(g for g in groups if g not in builtin)
        return [(g, groups[g]) for g in builtin + rest]

    def _is_crd_group(self, g):
        return any(rt.crd for rt in self.reg.types if rt.group == g)

    def _group_doc(self, g, versions):
        vs = [{"groupVersion": g + "/" + v, "version": v} for v in versions]
        return {"name": g, "versions": vs, "preferredVersion": vs[0]}

    def serve(self, parts, accept):
        """Returns (document, content type) or (None, None) for a plain 404."""
        wants_v2 = "g=apidiscovery.k8s.io" in accept and "v=v2" in accept.replace("v=v2beta1", "")
        if parts == ["api"]:
            if wants_v2:
                return self._aggregated(core=True), V2_CT
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                    "serverAddress": "127.0.0.1:6443"}]}, "application/json"
        if parts == ["api", "v1"]:
            return {"kind": "APIResourceList", "groupVersion": "v1",
                    "resources": self._resource_entries("", "v1")}, "application/json"
        if parts == ["apis"]:
            if wants_v2:
                return self._aggregated(core=False), V2_CT
            return {"kind": "APIGroupList", "apiVersion": "v1",
                    "groups": [self._group_doc(g, vs) for g, vs in self._ordered_groups()]}, "application/json"
        if len(parts) == 2 and parts[0] == "apis":
            groups = self.reg.groups()
            if parts[1] not in groups:
                return None, None
            d = {"kind": "APIGroup", "apiVersion": "v1"}
            d.update(self._group_doc(parts[1], groups[parts[1]]))
            return d, "application/json"
        if len(parts) == 3 and parts[0] == "apis":
            g, v = parts[1], parts[2]
            if v not in self.reg.groups().get(g, []):
                return None, None
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": g + "/" + v,
                    "resources": self._resource_entries(g, v)}, "application/json"
        return None, None

    def openapi_v3(self, parts):
        """Just enough OpenAPI v3 for kubectl's fieldValidation support check.

        kubectl (create/apply with --validate=strict, the default) looks for a PATCH operation
        with a `fieldValidation` query parameter for the object's GVK; when it finds one it
        leaves validation to the server and never needs the schemas.
        """
        gvs = [("", "v1")] + [(g, v) for g, vs in self._ordered_groups() for v in vs]
        if parts == ["openapi", "v3"]:
            paths = {}
            for g, v in gvs:
                p = "api/v1" if not g else "apis/%s/%s" % (g, v)
                paths[p] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (
                    p, hashlib.sha256(p.encode()).hexdigest()[:32].upper())}
            return {"paths": paths}
        if len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
            if parts[2] == "api" and parts[3:] == ["v1"]:
                g, v = "", "v1"
            elif parts[2] == "apis" and len(parts) == 5:
                g, v = parts[3], parts[4]
            else:
                return None
            if (g, v) not in gvs:
                return None
            prefix = "/api/v1" if not g else "/apis/%s/%s" % (g, v)
            paths = {}
            for rt in self.reg.resources_in(g, v):
                if rt.is_create_only():
                    continue
                p = prefix + ("/namespaces/{namespace}/" if rt.namespaced else "/") + rt.plural + "/{name}"
                op = {"operationId": "patch" + rt.kind,
                      "x-kubernetes-group-version-kind": {"group": g, "version": v, "kind": rt.kind},
                      "x-kubernetes-action": "patch",
                      "parameters": [{"name": n, "in": "query", "schema": {"type": "string",
                                                                          "uniqueItems": True}}
                                     for n in ("dryRun", "fieldManager", "fieldValidation", "force")]}
                paths[p] = {"patch": op}
            return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": self.prof["version"]
                                                 ["gitVersion"]}, "paths": paths, "components": {}}
        return None

    def _aggregated(self, core):
        items = []
        groups = [("", ["v1"])] if core else self._ordered_groups()
        for g, versions in groups:
            vlist = []
            for v in versions:
                res = []
                types = sorted(self.reg.resources_in(g, v), key=lambda rt: rt.plural)
                for rt in types:
                    e = {"resource": rt.plural,
                         "responseKind": {"group": g, "version": v, "kind": rt.kind},
                         "scope": "Namespaced" if rt.namespaced else "Cluster",
                         "singularResource": rt.singular, "verbs": list(rt.verbs)}
                    if rt.short:
                        e["shortNames"] = list(rt.short)
                    if rt.categories:
                        e["categories"] = list(rt.categories)
                    if rt.status and (rt.crd is None or v in rt.sub_status_versions):
                        e["subresources"] = [{"subresource": "status",
                                              "responseKind": {"group": g, "version": v, "kind": rt.kind},
                                              "verbs": ["get", "patch", "update"]}]
                    res.append(e)
                vlist.append({"version": v, "resources": res, "freshness": "Current"})
            items.append({"metadata": {"name": g}, "versions": vlist})
        return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
                "metadata": {}, "items": items}

    def etag(self, doc):
        return '"%s"' % hashlib.sha512(dumps(doc).encode()).hexdigest()[:32].upper()
