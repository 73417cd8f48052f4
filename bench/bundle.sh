#!/usr/bin/env bash
# bench/bundle.sh [STATE_DIR]: `kubectl volsnap bundle -A` over 10,000 VolumeSnapshots (and their
# 10,000 contents) seeded into the API emulator, then over 30,000: wall time and peak memory of
# the plugin, side by side with the limit it must keep (memory flat: the 30,000 peak at most 1.25
# times the 10,000 peak) and with kubectl dumping the same two kinds as JSON.
#
# Knobs: VOLSNAP_BENCH_SNAPSHOTS (10000; the second step is three times as many),
# VOLSNAP_BENCH_RUNS (3), VOLSNAP_BIN (default ./kubectl-volsnap). Prints numbers; asserts nothing
# but the archive's snapshot count.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${VOLSNAP_BENCH_SNAPSHOTS:-10000}
RUNS=${VOLSNAP_BENCH_RUNS:-3}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
NAMESPACES=10
BATCH=2000

[ -x "$BIN" ] || { echo "bench/bundle.sh: $BIN not built (make)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/volsnap-bench.XXXXXX)
STATE=${1:-}
OWN_STATE=0
cleanup() {
	[ "$OWN_STATE" = 1 ] && "$ROOT/tests/apiserver/stop.sh" "$STATE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$STATE" ]; then
	STATE="$WORK/state"
	OWN_STATE=1
	"$ROOT/tests/apiserver/start.sh" "$STATE" >"$WORK/start.log" 2>&1 || {
		cat "$WORK/start.log" >&2
		exit 1
	}
fi
export KUBECONFIG="$STATE/admin.kubeconfig"
SERVER=$(cat "$STATE/server")

# seed FROM TO: ready snapshots FROM..TO-1 over NAMESPACES namespaces, each with its content,
# through the emulator's seeding endpoint in batches.
seed() {
	rm -f "$WORK"/batch.*.json
	python3 - "$1" "$2" "$NAMESPACES" "$BATCH" "$WORK/batch" <<'PY'
import json, sys
lo, hi, nns, batch = (int(x) for x in sys.argv[1:5])
prefix = sys.argv[5]
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-%02d" % i}} for i in range(nns)] if lo == 0 else []
for i in range(lo, hi):
    ns, pvc = "bench-%02d" % (i % nns), "data-%03d" % (i % 100)
    name, content = "%s-%06d" % (pvc, i), "snapcontent-%06d" % i
    items.append({
        "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": "2024-05-01T00:00:00Z",
                     "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/source-pvc": pvc}},
        "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass", "source": {"persistentVolumeClaimName": pvc}},
        "status": {"boundVolumeSnapshotContentName": content, "readyToUse": True,
                   "restoreSize": "1Gi", "creationTime": "2024-05-01T00:00:00Z"}})
    items.append({
        "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
        "metadata": {"name": content, "creationTimestamp": "2024-05-01T00:00:00Z"},
        "spec": {"deletionPolicy": "Delete", "driver": "hostpath.csi.k8s.io",
                 "volumeSnapshotClassName": "csi-hostpath-snapclass",
                 "source": {"volumeHandle": "vol-%s-%s" % (ns, pvc)},
                 "volumeSnapshotRef": {"name": name, "namespace": ns}},
        "status": {"readyToUse": True, "snapshotHandle": "snap-%06d" % i, "restoreSize": 1073741824}})
for k in range(0, len(items), batch):
    with open("%s.%04d.json" % (prefix, k // batch), "w") as f:
        json.dump({"items": items[k:k + batch]}, f)
PY
	local f
	for f in "$WORK"/batch.*.json; do
		curl -sSf --cacert "$STATE/ca.crt" -H "Authorization: Bearer $(cat "$STATE/admin.token")" \
			-H 'Content-Type: application/json' --data-binary "@$f" "$SERVER/__emulator/objects" >/dev/null
	done
}

# max_rss_kb CMD...: peak RSS of one run of the binary itself (see bench/list.sh on execve).
max_rss_kb() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
	else
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
	fi
}

# measure LABEL: mean wall seconds and max peak MB of RUNS bundles, and the same for kubectl.
measure() {
	local i start end kb max=0 kmax=0
	start=$(date +%s.%N)
	for ((i = 0; i < RUNS; i++)); do "$BIN" bundle -A -o "$WORK/b.tar.gz" >/dev/null; done
	end=$(date +%s.%N)
	wall=$(python3 -c "print('%.3f' % (($end - $start) / $RUNS))")
	for ((i = 0; i < RUNS; i++)); do
		kb=$(max_rss_kb "$BIN" bundle -A -o "$WORK/b.tar.gz")
		[ "$kb" -gt "$max" ] && max=$kb
		kb=$(max_rss_kb kubectl get volumesnapshots,volumesnapshotcontents -A -o json)
		[ "$kb" -gt "$kmax" ] && kmax=$kb
	done
	start=$(date +%s.%N)
	for ((i = 0; i < RUNS; i++)); do kubectl get volumesnapshots,volumesnapshotcontents -A -o json | gzip >/dev/null; done
	end=$(date +%s.%N)
	kwall=$(python3 -c "print('%.3f' % (($end - $start) / $RUNS))")
	peak=$(python3 -c "print('%.1f' % ($max / 1024))")
	kpeak=$(python3 -c "print('%.1f' % ($kmax / 1024))")
	got=$(tar xzf "$WORK/b.tar.gz" -O --wildcards 'namespaces/*/volumesnapshots.json' | grep -c '"kind":"VolumeSnapshot"' || true)
	[ "$got" -eq "$1" ] || { echo "bench/bundle.sh: the bundle holds $got snapshots, expected $1" >&2; exit 1; }
	size=$(stat -c %s "$WORK/b.tar.gz")
	echo "$1 $wall $peak $kwall $kpeak $size" >>"$WORK/results"
}

echo "Seeding $N VolumeSnapshots and contents in $NAMESPACES namespaces..." >&2
seed 0 "$N"
echo "Measuring ($RUNS runs)..." >&2
measure "$N"
echo "Seeding up to $((3 * N))..." >&2
seed "$N" "$((3 * N))"
echo "Measuring ($RUNS runs)..." >&2
measure "$((3 * N))"

python3 - "$WORK/results" "$RUNS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
print("bundle -A on the emulator (wall: mean of %s runs; peak RSS of the plugin binary: max of %s runs)" % (sys.argv[2], sys.argv[2]))
print("%-10s %10s %10s %12s %26s %26s" % ("snapshots", "wall (s)", "peak (MB)", "archive (KB)",
      "kubectl get -o json|gzip (s)", "kubectl peak (MB)"))
for n, wall, peak, kwall, kpeak, size in rows:
    print("%-10s %10s %10s %12d %26s %26s" % (n, wall, peak, int(size) // 1024, kwall, kpeak))
(n1, _, p1, *_), (n3, _, p3, *_) = rows
ratio = float(p3) / float(p1)
print("memory %s -> %s snapshots: %.2fx (limit: flat, at most 1.25x): %s" % (n1, n3, ratio, "within" if ratio <= 1.25 else "OVER"))
PY
