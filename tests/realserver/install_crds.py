#!/usr/bin/python3
"""Install the snapshot CRDs from a directory into the test API server and wait until Established.

Usage: install_crds.py KUBECONFIG CRD_DIR

The files are upstream external-snapshotter CRDs (apiextensions.k8s.io/v1).  kube-apiserver
v1.20 predates CEL (x-kubernetes-validations, k8s 1.25+) and server-side field validation (1.25),
so it silently prunes fields it does not know; the CRDs are therefore sent as given, except that
fields listed in STRIP (unknown to v1.20) are removed first so that what is stored is exactly
what v1.20 enforces (VOLSNAP_CRD_AS_GIVEN=1 sends the files unmodified; v1.20 accepts them too).  Served/storage versions are left untouched (v1 served, v1beta1 not).
"""
import sys
import time

import yaml

sys.path.insert(0, __import__("os").path.dirname(__file__))
from kubeclient import ApiError, Kube  # noqa: E402

# Schema keys v1.20's apiextensions does not know; removed recursively from each version's schema.
STRIP = {"x-kubernetes-validations"}
CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in STRIP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    kubeconfig, crd_dir = sys.argv[1], sys.argv[2]
    import glob
    import os
    files = sorted(glob.glob(os.path.join(crd_dir, "*.yaml")))
    if not files:
        sys.exit("install_crds: no *.yaml in %s" % crd_dir)
    kube = Kube(kubeconfig)
    names = []
    for f in files:
        with open(f) as fh:
            docs = [d for d in yaml.safe_load_all(fh) if d]
        for crd in docs:
            if crd.get("kind") != "CustomResourceDefinition":
                continue
            if os.environ.get("VOLSNAP_CRD_AS_GIVEN") != "1":
                for v in crd["spec"]["versions"]:
                    if "schema" in v:
                        v["schema"] = strip(v["schema"])
                    # Version-level field v1.20 does not know (pruned anyway).
                    v.pop("selectableFields", None)
            name = crd["metadata"]["name"]
            try:
                kube.create(CRD_PATH, crd)
            except ApiError as e:
                if e.code == 409:
                    cur = kube.get(CRD_PATH + "/" + name)
                    crd["metadata"]["resourceVersion"] = cur["metadata"]["resourceVersion"]
                    kube.put(CRD_PATH + "/" + name, crd)
                else:
                    sys.exit("install_crds: %s rejected by the server: %s" % (os.path.basename(f), e))
            print("installed %s (%s)" % (name, os.path.basename(f)))
            names.append(name)
    deadline = time.time() + 90
    pending = set(names)
    while pending and time.time() < deadline:
        for name in sorted(pending):
            crd = kube.get(CRD_PATH + "/" + name)
            conds = {c["type"]: c["status"] for c in crd.get("status", {}).get("conditions", [])}
            if conds.get("Established") == "True":
                pending.discard(name)
        if pending:
            time.sleep(0.2)
    if pending:
        sys.exit("install_crds: not Established after 90s: %s" % ", ".join(sorted(pending)))
    # Discovery for the new groups can lag behind Established by a moment; wait for it too.
    for group in sorted({n.split(".", 1)[1] for n in names}):
        for _ in range(100):
            try:
                kube.get("/apis/%s" % group)
                break
            except ApiError:
                time.sleep(0.1)
    print("all Established: %s" % ", ".join(names))


if __name__ == "__main__":
    main()
