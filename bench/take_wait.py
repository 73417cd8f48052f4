#!/usr/bin/python3
"""bench/take_wait.py STATE_DIR NAMESPACE PVC RUNS BIN: how soon a waiter exits once the server has
answered the update that makes a snapshot ready, for three waiters on fresh snapshots, interleaved:
  - `kubectl-volsnap take PVC --wait` (creates the snapshot, then follows it with a watch),
  - `kubectl wait --for=jsonpath={.status.readyToUse}=true` on a snapshot made with kubectl create,
  - the limit: a bare watch (one HTTP request, nothing parsed but a substring search) that ends at
    the first event carrying readyToUse true.
The PVC carries volsnap.test/never-ready, so the bed's snapshot controller binds a content and
fills the status but never sets readyToUse; this script sets it (PATCH of the status subresource,
over a connection opened beforehand) once the waiter has been watching for a while, and times from
that PATCH's answer to the waiter's exit. Prints one JSON line: the medians in milliseconds."""
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import time
from urllib.parse import urlparse

state, ns, pvc, runs, binary = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
server = urlparse(open(os.path.join(state, "server")).read().strip())
token = open(os.path.join(state, "admin.token")).read().strip()
ca = os.path.join(state, "ca.crt")
kubeconfig = os.path.join(state, "admin.kubeconfig")
ctx = ssl.create_default_context(cafile=ca)
API = "/apis/snapshot.storage.k8s.io/v1/namespaces/%s/volumesnapshots" % ns
HEADERS = {"Authorization": "Bearer " + token}


def request(conn, method, path, body=None, ctype="application/json"):
    headers = dict(HEADERS)
    if body is not None:
        headers["Content-Type"] = ctype
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = conn.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit("take_wait.py: %s %s: %d %s" % (method, path, r.status, data[:300]))
    return json.loads(data)


def bound(conn, name, deadline):
    # The controller has answered: content bound, status filled, readyToUse still false.
    while time.monotonic() < deadline:
        conn.request("GET", API + "/" + name, headers=HEADERS)
        r = conn.getresponse()
        data = r.read()
        if r.status == 200 and (json.loads(data).get("status") or {}).get("boundVolumeSnapshotContentName"):
            return
        time.sleep(0.05)
    sys.exit("take_wait.py: %s was never bound by the bed's snapshot controller" % name)


def one(conn, name, waiter, create):
    if create:
        request(conn, "POST", API, {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                                    "metadata": {"name": name, "namespace": ns},
                                    "spec": {"source": {"persistentVolumeClaimName": pvc}}})
    p = subprocess.Popen(waiter, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bound(conn, name, time.monotonic() + 60)
    time.sleep(0.5)  # the waiter is watching by now
    if p.poll() is not None:
        sys.exit("take_wait.py: %s ended before the snapshot was ready (exit %d)" % (waiter[0], p.returncode))
    request(conn, "PATCH", API + "/" + name + "/status", {"status": {"readyToUse": True}},
            "application/merge-patch+json")
    answered = time.monotonic()
    rc = p.wait(timeout=60)
    ended = time.monotonic()
    if rc != 0:
        sys.exit("take_wait.py: %s exited %d" % (" ".join(waiter), rc))
    request(conn, "DELETE", API + "/" + name)
    return (ended - answered) * 1000


url = "https://%s:%d%s" % (server.hostname, server.port, API)
# grep reads the watch through a process substitution, so the shell need not wait for curl (which
# would linger until its next write): the process waited for ends right after grep has its line.
# The token goes to curl in a header file, not on its command line (which ps shows).
auth = os.path.join(state, "bench-auth.header")
with open(os.open(auth, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    f.write("Authorization: Bearer %s\n" % token)
watch = ("grep -m1 -q '\"readyToUse\":true' < <(exec curl -sSN --cacert %s -H @%s"
         " '%s?watch=1&fieldSelector=metadata.name%%3D{name}'); rc=$?; kill $! 2>/dev/null; exit $rc") % (ca, auth, url)
conn = http.client.HTTPSConnection(server.hostname, server.port, context=ctx, timeout=60)
times = {"volsnap": [], "kubectl": [], "limit": []}
for i in range(runs + 1):  # the first round warms up
    got = {
        "volsnap": one(conn, "bench-v%d" % i, [binary, "--kubeconfig", kubeconfig, "take", pvc, "-n", ns,
                                               "--name", "bench-v%d" % i, "--wait", "--timeout", "2m"], False),
        "kubectl": one(conn, "bench-k%d" % i, ["kubectl", "--kubeconfig", kubeconfig, "wait", "-n", ns,
                                               "--for=jsonpath={.status.readyToUse}=true", "--timeout=2m",
                                               "volumesnapshot/bench-k%d" % i], True),
        "limit": one(conn, "bench-l%d" % i, ["bash", "-c", watch.format(name="bench-l%d" % i)], True),
    }
    if i:
        for k, v in got.items():
            times[k].append(v)
print(json.dumps({k: statistics.median(v) for k, v in times.items()}))
