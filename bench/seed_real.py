#!/usr/bin/python3
"""bench/seed_real.py STATE_DIR N NAMESPACES [PREFIX] [--from K] [--contents]: ready VolumeSnapshots
number K (0) to N-1 spread over NAMESPACES namespaces on a test bed's server, through the API as any
client would (a create, then the status written through the status subresource, as the snapshot
controller does), over a few keep-alive connections in parallel. Used on the real kube-apiserver,
which has no seeding endpoint. The snapshots look like the ones `take` makes: plugin labels, a
class, a bound content name, readyToUse and restoreSize. With --contents, each snapshot's bound
VolumeSnapshotContent too (cluster-scoped, ready, with its handle and size: the objects
bench/bundle.sh seeds on the emulator). Nothing else acts on them once the bench stops the
stand-in controller."""
import http.client
import json
import os
import ssl
import sys
import threading
from urllib.parse import urlparse

args = sys.argv[1:]
contents = "--contents" in args
start = 0
if "--from" in args:
    k = args.index("--from")
    start = int(args[k + 1])
    del args[k:k + 2]
args = [a for a in args if a != "--contents"]
state, n, nns = args[0], int(args[1]), int(args[2])
prefix = args[3] if len(args) > 3 else "bench"
server = urlparse(open(os.path.join(state, "server")).read().strip())
token = open(os.path.join(state, "admin.token")).read().strip()
ctx = ssl.create_default_context(cafile=os.path.join(state, "ca.crt"))
API = "/apis/snapshot.storage.k8s.io/v1"
THREADS = 32  # the server waits on etcd's fsyncs: more in flight seed faster (with contents: 57/s at 6, 125/s at 32)
failures = []


def conn():
    return http.client.HTTPSConnection(server.hostname, server.port, context=ctx, timeout=60)


def call(c, method, path, body, ctype="application/json"):
    c.request(method, path, json.dumps(body), {"Authorization": "Bearer " + token, "Content-Type": ctype})
    r = c.getresponse()
    data = r.read()
    if r.status not in (200, 201, 409):
        failures.append("%s %s: %d %s" % (method, path, r.status, data[:300]))
        raise SystemExit(1)


def namespace(i):
    return "%s-%02d" % (prefix, i)


def work(lo, hi):
    c = conn()
    for i in range(lo, hi):
        ns, pvc = namespace(i % nns), "data-%03d" % (i % 100)
        name, content = "%s-%06d" % (pvc, i), "snapcontent-%s-%06d" % (prefix, i)
        call(c, "POST", "%s/namespaces/%s/volumesnapshots" % (API, ns), {
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": name, "namespace": ns,
                         "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap",
                                    "volsnap.io/source-pvc": pvc}},
            "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass",
                     "source": {"persistentVolumeClaimName": pvc}}})
        call(c, "PATCH", "%s/namespaces/%s/volumesnapshots/%s/status" % (API, ns, name), {
            "status": {"boundVolumeSnapshotContentName": content,
                       "readyToUse": True, "restoreSize": "1Gi",
                       "creationTime": "2024-05-01T00:00:00Z"}}, "application/merge-patch+json")
        if not contents:
            continue
        call(c, "POST", "%s/volumesnapshotcontents" % API, {
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
            "metadata": {"name": content},
            "spec": {"deletionPolicy": "Delete", "driver": "hostpath.csi.k8s.io",
                     "volumeSnapshotClassName": "csi-hostpath-snapclass",
                     "source": {"volumeHandle": "vol-%s-%s" % (ns, pvc)},
                     "volumeSnapshotRef": {"name": name, "namespace": ns}}})
        call(c, "PATCH", "%s/volumesnapshotcontents/%s/status" % (API, content), {
            "status": {"readyToUse": True, "snapshotHandle": "snap-%s-%06d" % (prefix, i),
                       "restoreSize": 1073741824}}, "application/merge-patch+json")


c = conn()
for i in range(nns if start == 0 else 0):
    call(c, "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": namespace(i)}})
step = (n - start + THREADS - 1) // THREADS
threads = [threading.Thread(target=work, args=(k, min(n, k + step))) for k in range(start, n, step)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    sys.exit("seed_real.py: " + failures[0])
