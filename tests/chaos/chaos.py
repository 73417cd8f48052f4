#!/usr/bin/python3
"""The chaos suite's driver: runs a seeded workload of kubectl-volsnap commands
through the fault-injecting proxy (proxy.py) in front of a real
kube-apiserver, then checks the invariants against the server itself.

    chaos.py STATE_DIR PROXY_KUBECONFIG PLUGIN --seed N --rounds R --log PROXY_LOG

Invariants (each a TAP line, with figures):
  * no duplicate: one snapshot per take, one PVC per restore, no object
    sharing another's request-id marker, no "already exists" for a name that
    only this run used;
  * no wrongful deletion: the newest ready snapshot of every PVC, read before
    each prune, is still there after it; nothing vanishes that no command
    reported deleting;
  * every failure is exit 1 with one error line per failed item (progress and
    warnings aside), never a crash or a usage code;
  * no command runs past its deadline (its --timeout plus a fixed allowance
    for the requests before and after the wait);
  * every report is true: what a command says it created exists (ready when
    it waited), what it says it deleted is gone or going.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "realserver"))
from kubeclient import Kube  # noqa: E402
from make_pv import make_pv  # noqa: E402

NS = "chaos"
GROUP = "/apis/snapshot.storage.k8s.io/v1"
WAIT_S = 20       # --timeout of every waiting command
ALLOWANCE_S = 30  # requests outside the wait: with --request-timeout 5s and 429 backoffs
SC, DRIVER = "csi-hostpath-sc", "hostpath.csi.k8s.io"


class Run:
    def __init__(self, args):
        self.args = args
        self.kube = Kube(os.path.join(args.state, "admin.kubeconfig"))
        self.rng = random.Random(args.seed)
        self.results = []   # one dict per invocation
        self.problems = {"duplicates": [], "wrongful": [], "failure_shape": [], "deadline": [],
                         "false_report": []}

    # ---- server reads (admin, straight to the apiserver) -----------------
    def snapshots(self):
        return {s["metadata"]["name"]: s for s in self.kube.get(GROUP + "/namespaces/%s/volumesnapshots" % NS)["items"]}

    def pvcs(self):
        return {p["metadata"]["name"]: p for p in self.kube.get("/api/v1/namespaces/%s/persistentvolumeclaims" % NS)["items"]}

    # ---- running the plugin ----------------------------------------------
    def volsnap(self, kind, *argv, budget):
        env = dict(os.environ, KUBECONFIG=self.args.kubeconfig, NO_COLOR="1")
        cmd = [self.args.plugin] + list(argv) + ["-n", NS, "--request-timeout", "5s"]
        t0 = time.time()
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        r = {"kind": kind, "argv": list(argv), "rc": p.returncode, "out": p.stdout, "err": p.stderr,
             "secs": time.time() - t0, "budget": budget}
        self.results.append(r)
        self.check_shape(r)
        return r

    def problem(self, what, r, text):
        self.problems[what].append("%s %s: %s" % (r["kind"], " ".join(r["argv"]), text) if r else text)

    def check_shape(self, r):
        errors = [l for l in r["err"].splitlines() if l.startswith("error:")]
        if r["secs"] > r["budget"]:
            self.problem("deadline", r, "ran %.1fs, deadline %ds" % (r["secs"], r["budget"]))
        if r["rc"] == 0:
            if errors:
                self.problem("failure_shape", r, "exit 0 with an error line")
            return
        if r["rc"] != 1:
            self.problem("failure_shape", r, "exit %d: %s" % (r["rc"], r["err"].strip()[-300:]))
            return
        m = re.search(r"(\d+) failed\.$", r["out"].strip()) if r["kind"] == "prune" else None
        want = int(m.group(1)) if m and int(m.group(1)) else 1
        if r["kind"] == "delete" and len(errors) >= 1:
            want = len(errors)  # one per named snapshot that failed, checked below
        if len(errors) != want:
            self.problem("failure_shape", r, "%d error lines for %d failures: %r" % (len(errors), want, errors))

    # ---- the workload ------------------------------------------------------
    def setup(self):
        self.kube.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                          "metadata": {"name": NS}})
        for i in range(self.args.pvcs):
            name = "p%d" % i
            self.kube.create("/api/v1/namespaces/%s/persistentvolumeclaims" % NS, {
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": SC,
                         "resources": {"requests": {"storage": "1Gi"}}}})
            make_pv(self.kube, "pv-chaos-%s" % name, DRIVER, SC, claim="%s/%s" % (NS, name))
        deadline = time.time() + 90
        while time.time() < deadline:
            if all((p.get("status") or {}).get("phase") == "Bound" for p in self.pvcs().values()):
                return
            time.sleep(0.5)
        raise SystemExit("chaos: the PVCs did not bind")

    def take(self, pvc, name):
        r = self.volsnap("take", "take", pvc, "--name", name, "-l", "chaos-take=" + name, "--wait",
                         "--timeout", "%ds" % WAIT_S, budget=WAIT_S + ALLOWANCE_S)
        snaps = self.snapshots()
        same = [s for s in snaps.values() if (s["metadata"].get("labels") or {}).get("chaos-take") == name]
        if len(same) > 1:
            self.problem("duplicates", r, "%d snapshots for one take" % len(same))
        if "already exists" in r["err"]:
            self.problem("duplicates", r, "said already exists for a name only it used")
        if (r["rc"] == 0 or " created" in r["out"]) and name not in snaps:
            self.problem("false_report", r, "reported created, not on the server")
        if r["rc"] == 0 and not ((snaps.get(name) or {}).get("status") or {}).get("readyToUse"):
            self.problem("false_report", r, "exit 0 but the snapshot is not ready")
        if r["rc"] != 0 and " created" not in r["out"] and name in snaps and "creating snapshot" not in r["err"]:
            self.problem("false_report", r, "failed before creating, yet the snapshot exists")

    def restore(self, snap, to):
        r = self.volsnap("restore", "restore", snap, "--to", to, "--wait", "--timeout", "%ds" % WAIT_S,
                         budget=WAIT_S + ALLOWANCE_S)
        pvcs = self.pvcs()
        if "already exists" in r["err"]:
            self.problem("duplicates", r, "said already exists for a PVC only it made")
        if (r["rc"] == 0 or " created" in r["out"]) and to not in pvcs:
            self.problem("false_report", r, "reported created, not on the server")
        if r["rc"] == 0 and (pvcs.get(to, {}).get("status") or {}).get("phase") not in ("Bound", None):
            # --wait ends at Bound, or at once for WaitForFirstConsumer classes
            self.problem("false_report", r, "exit 0 but PVC %s is %s" % (to, pvcs[to]["status"]["phase"]))

    def newest_ready(self, snaps):
        best = {}
        for s in snaps.values():
            pvc = ((s.get("spec") or {}).get("source") or {}).get("persistentVolumeClaimName")
            if not pvc or not (s.get("status") or {}).get("readyToUse") or s["metadata"].get("deletionTimestamp"):
                continue
            key = (s["metadata"]["creationTimestamp"], s["metadata"]["name"])
            if pvc not in best or key > best[pvc][0]:
                best[pvc] = (key, s["metadata"]["name"])
        return {p: v[1] for p, v in best.items()}

    def gone_or_going(self, snaps, name):
        return name not in snaps or bool(snaps[name]["metadata"].get("deletionTimestamp"))

    def deleting_command(self, kind, argv):
        before = self.snapshots()
        keep = self.newest_ready(before)
        r = self.volsnap(kind, *argv, budget=ALLOWANCE_S)
        after = self.snapshots()
        reported = set(re.findall(r'"([^"]+)" deleted', r["out"]))
        for name in reported:
            if not self.gone_or_going(after, name):
                self.problem("false_report", r, "reported %s deleted, still there" % name)
        for name in before:
            if self.gone_or_going(after, name) and not self.gone_or_going(before, name) and name not in reported:
                if name in r["err"]:
                    continue  # its own error line said the outcome was not known
                self.problem("false_report", r, "%s went without a word" % name)
        if kind == "prune":
            m = re.search(r"Pruned: (\d+) deleted", r["out"])
            if m and int(m.group(1)) != len(reported):
                self.problem("false_report", r, "summary says %s deleted, %d lines" % (m.group(1), len(reported)))
            for pvc, name in keep.items():
                if self.gone_or_going(after, name):
                    self.problem("wrongful", r, "deleted %s, the newest ready snapshot of %s" % (name, pvc))
        return r

    def workload(self):
        pvcs = ["p%d" % i for i in range(self.args.pvcs)]
        for rnd in range(self.args.rounds):
            for pvc in pvcs:
                self.take(pvc, "%s-r%d" % (pvc, rnd))
            self.volsnap("list", "list", budget=ALLOWANCE_S)
            pick = self.rng.choice(pvcs)
            self.volsnap("describe", "describe", "%s-r%d" % (pick, rnd), budget=ALLOWANCE_S)
            if rnd % 2 == 0:
                self.restore("%s-r%d" % (pick, rnd), "copy-r%d" % rnd)
            self.deleting_command("prune", ["prune", "--keep-last", "2", "--yes"])
        # One plain delete of an old snapshot that survived, if any.
        snaps = self.snapshots()
        keep = set(self.newest_ready(snaps).values())
        olds = sorted(n for n in snaps if n not in keep and not snaps[n]["metadata"].get("deletionTimestamp"))
        if olds:
            self.deleting_command("delete", ["delete", olds[0], "--yes"])

    def markers(self):
        seen = {}
        objs = list(self.snapshots().values()) + list(self.pvcs().values())
        for o in objs:
            rid = (o["metadata"].get("annotations") or {}).get("volsnap.io/request-id")
            if rid:
                seen.setdefault(rid, []).append(o["metadata"]["name"])
        for rid, names in seen.items():
            if len(names) > 1:
                self.problem("duplicates", None, "request-id %s on %s" % (rid, names))

    def report(self):
        faults = {}
        requests = 0
        try:
            with open(self.args.log) as f:
                for line in f:
                    e = json.loads(line)
                    requests += 1
                    if e["fault"]:
                        faults[e["fault"]] = faults.get(e["fault"], 0) + 1
        except OSError:
            pass
        n = len(self.results)
        failed = sum(1 for r in self.results if r["rc"] != 0)
        longest = max((r["secs"] for r in self.results), default=0)
        print("# chaos seed %d: %d invocations, %d failed (exit 1), %d requests through the proxy, %d faults %s"
              % (self.args.seed, n, failed, requests, sum(faults.values()), json.dumps(faults, sort_keys=True)))
        print("# duplicates %d, wrongful deletions %d, false reports %d, badly shaped failures %d, "
              "past deadline %d (longest command %.1fs)"
              % (len(self.problems["duplicates"]), len(self.problems["wrongful"]),
                 len(self.problems["false_report"]), len(self.problems["failure_shape"]),
                 len(self.problems["deadline"]), longest))
        names = {"duplicates": "no duplicate snapshot or restore PVC",
                 "wrongful": "no wrongful deletion (newest ready snapshot of each PVC survives)",
                 "failure_shape": "every failure: exit 1, one error line per failure",
                 "deadline": "no command past its deadline",
                 "false_report": "every command's report is true"}
        ok = True
        for i, (key, title) in enumerate(names.items(), 1):
            if self.problems[key]:
                ok = False
                print("not ok %d - chaos: %s" % (i, title))
                for p in self.problems[key][:10]:
                    print("#   " + p)
            else:
                print("ok %d - chaos: %s" % (i, title))
        if n < 10 or requests == 0 or not faults:
            ok = False
            print("not ok %d - chaos: the workload ran (%d invocations, %d faults)" % (len(names) + 1, n,
                                                                                    sum(faults.values())))
        else:
            print("ok %d - chaos: the workload ran with faults injected" % (len(names) + 1))
        print("1..%d" % (len(names) + 1))
        if self.args.verbose:
            for r in self.results:
                print("# rc=%d %.1fs %s | %s" % (r["rc"], r["secs"], " ".join(r["argv"]),
                                                  r["err"].strip().replace("\n", " / ")[:200]))
        return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("state")
    ap.add_argument("kubeconfig")
    ap.add_argument("plugin")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pvcs", type=int, default=3)
    ap.add_argument("--log", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    run = Run(args)
    run.setup()
    run.workload()
    run.markers()
    return 0 if run.report() else 1


if __name__ == "__main__":
    sys.exit(main())
