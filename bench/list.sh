#!/usr/bin/env bash
# bench/list.sh [STATE_DIR]: `kubectl volsnap list -A` beside `kubectl get volumesnapshots -A`
# on 10,000 VolumeSnapshots seeded into the API emulator, in one run: wall time (hyperfine, or the
# mean of repeated runs without it) and peak memory (/usr/bin/time -f %M), and their ratios.
#
# With the STATE_DIR of a running emulator it seeds that one; otherwise it starts its own and stops
# it at the end. Knobs: VOLSNAP_BENCH_SNAPSHOTS (10000), VOLSNAP_BENCH_RUNS (5),
# VOLSNAP_BIN (the kubectl-volsnap to measure, default ./kubectl-volsnap).
#
# Memory is measured on the plugin binary itself: kubectl runs plugins with execve, and Linux keeps
# the RSS high-water mark across execve, so `/usr/bin/time kubectl volsnap ...` would report
# kubectl's own start-up peak instead of the plugin's.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${VOLSNAP_BENCH_SNAPSHOTS:-10000}
RUNS=${VOLSNAP_BENCH_RUNS:-5}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
NAMESPACES=10
BATCH=2000

[ -x "$BIN" ] || { echo "bench/list.sh: $BIN not built (make)" >&2; exit 1; }

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

# The plugin on PATH, so `kubectl volsnap` runs the binary under test.
mkdir -p "$WORK/bin"
ln -s "$BIN" "$WORK/bin/kubectl-volsnap"
export PATH="$WORK/bin:$PATH"

# Seeds N ready snapshots over NAMESPACES namespaces through the emulator's seeding endpoint, in
# batches (one request per BATCH objects instead of N creates).
seed() {
	python3 - "$N" "$NAMESPACES" "$BATCH" "$WORK/batch" <<'PY'
import json, sys
n, nns, batch, prefix = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-%02d" % i}} for i in range(nns)]
for i in range(n):
    ns, pvc = "bench-%02d" % (i % nns), "data-%03d" % (i % 100)
    items.append({
        "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
        "metadata": {"name": "%s-%06d" % (pvc, i), "namespace": ns,
                     "creationTimestamp": "2024-05-%02dT%02d:00:00Z" % (1 + i % 28, i % 24),
                     "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/source-pvc": pvc}},
        "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass", "source": {"persistentVolumeClaimName": pvc}},
        "status": {"boundVolumeSnapshotContentName": "snapcontent-%06d" % i, "readyToUse": True,
                   "restoreSize": "1Gi", "creationTime": "2024-05-01T00:00:00Z"}})
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

# mean_seconds NAME CMD: mean wall time of RUNS runs (hyperfine when installed).
mean_seconds() {
	local name=$1 cmd=$2
	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/$name.json" "$cmd" >/dev/null 2>&1
		python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' \
			"$WORK/$name.json"
	else
		local start end i
		bash -c "$cmd" >/dev/null 2>&1
		start=$(date +%s.%N)
		for ((i = 0; i < RUNS; i++)); do bash -c "$cmd" >/dev/null 2>&1; done
		end=$(date +%s.%N)
		python3 -c "print('%.3f' % (($end - $start) / $RUNS))"
	fi
}

# max_rss_kb CMD...: peak RSS of one run, in KB: /usr/bin/time -f %M, or the
# same number from getrusage when the time package is not installed.
max_rss_kb() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1
	else
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
	fi
}

# peak_mb CMD...: the largest peak RSS of RUNS runs, in MB.
peak_mb() {
	local i kb max=0
	for ((i = 0; i < RUNS; i++)); do
		kb=$(max_rss_kb "$@")
		[ "$kb" -gt "$max" ] && max=$kb
	done
	python3 -c "print('%.1f' % ($max / 1024))"
}

# Both must see every snapshot, or the timings compare different work.
check_rows() {
	local got
	got=$("$@" 2>/dev/null | tail -n +2 | wc -l)
	[ "$got" -eq "$N" ] || { echo "bench/list.sh: '$*' printed $got rows, expected $N" >&2; exit 1; }
}

echo "Seeding $N VolumeSnapshots in $NAMESPACES namespaces..." >&2
seed
check_rows "$BIN" list -A
check_rows kubectl get volumesnapshots -A

echo "Measuring ($RUNS runs each)..." >&2
t_plugin=$(mean_seconds plugin "kubectl volsnap list -A")
t_direct=$(mean_seconds direct "$BIN list -A")
t_kubectl=$(mean_seconds kubectl "kubectl get volumesnapshots -A")
m_direct=$(peak_mb "$BIN" list -A)
m_kubectl=$(peak_mb kubectl get volumesnapshots -A)

python3 - "$N" "$RUNS" "$t_plugin" "$t_direct" "$t_kubectl" "$m_direct" "$m_kubectl" <<'PY'
import sys
n, runs = sys.argv[1], sys.argv[2]
tp, td, tk, md, mk = (float(x) for x in sys.argv[3:])
print("list -A over %s VolumeSnapshots on the emulator (mean of %s runs; peak RSS: max of %s runs)" % (n, runs, runs))
print("%-38s %10s %12s" % ("", "wall (s)", "peak (MB)"))
print("%-38s %10.3f %12s" % ("kubectl volsnap list -A", tp, "-"))
print("%-38s %10.3f %12.1f" % ("kubectl-volsnap list -A (binary)", td, md))
print("%-38s %10.3f %12.1f" % ("kubectl get volumesnapshots -A", tk, mk))
print("ratio volsnap / kubectl get: wall %.2f (via kubectl), %.2f (binary); peak memory %.3f"
      % (tp / tk, td / tk, md / mk))
PY
