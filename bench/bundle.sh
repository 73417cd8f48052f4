#!/usr/bin/env bash
# bench/bundle.sh [real|emulator]: `kubectl volsnap bundle -A` over N VolumeSnapshots and their N
# VolumeSnapshotContents, then over 3N, on the real kube-apiserver or the API emulator (default):
# wall time and peak memory of the plugin binary, side by side in one run with kubectl dumping the
# same two kinds as JSON through gzip, and with the limit: a bare client (bench/bare_list.c)
# fetching the same two lists page by page (500) with nothing parsed, its two wall times summed.
# Memory's limit is flatness: the 3N peak at most 1.25 times the N peak.
#
# The real server has no seeding endpoint: the snapshots and contents go in through the API
# (bench/seed_real.py --contents, about 125 a second here), so the real bed defaults to 5,000 and
# 15,000 to keep the whole run near 5 minutes; the emulator to 10,000 and 30,000.
#
# Knobs: VOLSNAP_BENCH_SNAPSHOTS (N: 5000 real, 10000 emulator), VOLSNAP_BENCH_RUNS (3; medians,
# after one warm-up run), VOLSNAP_BIN (./kubectl-volsnap). Prints numbers; asserts nothing but the
# archive's snapshot count.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BED=${1:-emulator}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_bed bundle.sh "$BED"
DEFAULT_N=10000
[ "$BED" = emulator ] || DEFAULT_N=5000
N=${VOLSNAP_BENCH_SNAPSHOTS:-$DEFAULT_N}
RUNS=${VOLSNAP_BENCH_RUNS:-3}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
NAMESPACES=10
BATCH=2000

[ -x "$BIN" ] || { echo "bench/bundle.sh: $BIN not built (make)" >&2; exit 1; }

bench_start
if [ "$BED" = real ]; then
	# The stand-in snapshot controller would answer every seeded snapshot (contents, status):
	# stop it, so the server does nothing during the bench but answer the lists.
	pkill -f "snapshot_controller.py --kubeconfig $STATE/admin.kubeconfig" || true
fi
pkg_curl=$(pkg-config --cflags --libs libcurl)
# shellcheck disable=SC2086 # pkg-config's flags are words
cc -O2 -o "$WORK/bare_list" "$ROOT/bench/bare_list.c" $pkg_curl

# seed_emulator FROM TO: ready snapshots FROM..TO-1 over NAMESPACES namespaces, each with its
# content, through the emulator's seeding endpoint in batches.
seed_emulator() {
	rm -f "$WORK"/batch.*.json
	python3 - "$1" "$2" "$NAMESPACES" "$BATCH" "$WORK/batch" <<'PY'
import json, sys
lo, hi, nns, batch = (int(x) for x in sys.argv[1:5])
prefix = sys.argv[5]
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-%02d" % i}} for i in range(nns)] if lo == 0 else []
for i in range(lo, hi):
    ns, pvc = "bench-%02d" % (i % nns), "data-%03d" % (i % 100)
    name, content = "%s-%06d" % (pvc, i), "snapcontent-bench-%06d" % i
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
        "status": {"readyToUse": True, "snapshotHandle": "snap-bench-%06d" % i, "restoreSize": 1073741824}})
for k in range(0, len(items), batch):
    with open("%s.%04d.json" % (prefix, k // batch), "w") as f:
        json.dump({"items": items[k:k + batch]}, f)
PY
	local f
	for f in "$WORK"/batch.*.json; do
		curl -sSf --cacert "$STATE/ca.crt" -H "@$AUTH_HEADER" \
			-H 'Content-Type: application/json' --data-binary "@$f" "$SERVER/__emulator/objects" >/dev/null
	done
}

# seed FROM TO: the same objects on either bed; records the seconds it took.
seed() {
	local t0=$EPOCHREALTIME
	if [ "$BED" = real ]; then
		"$ROOT/bench/seed_real.py" "$STATE" "$2" "$NAMESPACES" bench --from "$1" --contents
	else
		seed_emulator "$1" "$2"
	fi
	echo "$2 $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))" >>"$WORK/seeded"
}

API="$SERVER/apis/snapshot.storage.k8s.io/v1"
m() { # NAME CMD...: one bench/measure.py line (median wall, max peak RSS), kept as $WORK/NAME.json
	local name=$1
	shift
	"$ROOT/bench/measure.py" "$RUNS" "$@" >"$WORK/$name.json"
}

# measure N: the plugin, kubectl and the limit at N snapshots; results in $WORK/N.*.json.
measure() {
	local got
	m "$1.plugin" "$BIN" bundle -A -o "$WORK/b.tar.gz"
	got=$(tar xzf "$WORK/b.tar.gz" -O --wildcards 'namespaces/*/volumesnapshots.json' | grep -c '"kind":"VolumeSnapshot"' || true)
	[ "$got" -eq "$1" ] || { echo "bench/bundle.sh: the bundle holds $got snapshots, expected $1" >&2; exit 1; }
	stat -c %s "$WORK/b.tar.gz" >"$WORK/$1.size"
	# sh waits for both, and wait4 reports the largest peak of its children: kubectl's.
	m "$1.kubectl" sh -c 'kubectl get volumesnapshots,volumesnapshotcontents -A -o json | gzip >/dev/null'
	m "$1.bare_snapshots" "$WORK/bare_list" "$API/volumesnapshots" "$STATE/ca.crt" "$STATE/admin.token" 500
	m "$1.bare_contents" "$WORK/bare_list" "$API/volumesnapshotcontents" "$STATE/ca.crt" "$STATE/admin.token" 500
}

for step in "0 $N" "$N $((3 * N))"; do
	read -r from to <<<"$step"
	echo "Seeding snapshots and contents $from..$((to - 1)) in $NAMESPACES namespaces on the $BED server..." >&2
	seed "$from" "$to"
	echo "Measuring at $to ($RUNS runs each, medians)..." >&2
	measure "$to"
done

python3 - "$WORK" "$BED" "$N" "$RUNS" "$SECONDS" <<'PY'
import json, os, sys
work, bed, n, runs, took = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
def j(name):
    return json.load(open(os.path.join(work, name + ".json")))
seeded = dict(l.split() for l in open(os.path.join(work, "seeded")))
print("bundle -A on the %s server at %d and %d snapshots (+ as many contents); medians of %s runs, "
      "peak = largest of them" % (bed, n, 3 * n, runs))
print("  kubectl: get volumesnapshots,volumesnapshotcontents -A -o json | gzip; limit: bench/bare_list.c"
      " fetching both lists (500 a page), nothing parsed")
print("  %-9s %7s %7s %8s %8s %8s %7s %8s %7s %8s %7s" % ("snapshots", "wall s", "peak MB", "arch KB",
      "kubectl", "kub. MB", "limit", "wall/kub", "/limit", "mem/kub", "seed s"))
peaks = []
for size in (n, 3 * n):
    p, k = j("%d.plugin" % size), j("%d.kubectl" % size)
    lim = j("%d.bare_snapshots" % size)["wall"] + j("%d.bare_contents" % size)["wall"]
    arch = int(open(os.path.join(work, "%d.size" % size)).read())
    peaks.append(p["rss_kb"])
    print("  %-9d %7.3f %7.1f %8d %8.3f %8.1f %7.3f %8.2f %7.2f %8.2f %7.1f" % (
        size, p["wall"], p["rss_kb"] / 1024, arch // 1024, k["wall"], k["rss_kb"] / 1024, lim,
        p["wall"] / k["wall"], p["wall"] / lim, p["rss_kb"] / k["rss_kb"], int(seeded[str(size)]) / 1000))
ratio = peaks[1] / peaks[0]
print("  memory %d -> %d snapshots: %.2fx (limit: flat, at most 1.25x): %s; whole bench %d s with the bed's"
      " start and seeding" % (n, 3 * n, ratio, "within" if ratio <= 1.25 else "OVER", took))
PY
