#!/usr/bin/env bash
# bench/memory.sh: peak memory of every command that reads all snapshots of a scope (list, prune's
# plan, status and bundle where built), at 10,000 and again at 100,000 snapshots on the emulator:
# flat means the same peak at both sizes. One run each (peak RSS of the binary itself).
# Knobs: VOLSNAP_BENCH_SMALL (10000), VOLSNAP_BENCH_LARGE (100000), VOLSNAP_BIN.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
SMALL=${VOLSNAP_BENCH_SMALL:-10000}
LARGE=${VOLSNAP_BENCH_LARGE:-100000}
WORK=$(mktemp -d /tmp/volsnap-bench-mem.XXXXXX)
STATE="$WORK/state"
trap '"$ROOT/tests/apiserver/stop.sh" "$STATE" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/tests/apiserver/start.sh" "$STATE" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
export KUBECONFIG="$STATE/admin.kubeconfig"

# The commands, as NAME|ARGS; a command this build does not have is left out.
commands=("list -A|list -A" "list -A -o json|list -A -o json" "prune plan -A|prune -A --keep-last 3 --dry-run"
	"status -A|status -A" "bundle -A|bundle -A -o $WORK/b.tar.gz")
peak() { "$ROOT/bench/measure.py" 1 "$BIN" "$@" | python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["rss_kb"] / 1024))'; }
declare -A at_small
"$ROOT/bench/seed_emulator.sh" "$STATE" "$SMALL" 10
for c in "${commands[@]}"; do
	name=${c%%|*} args=${c#*|}
	"$BIN" "${args%% *}" --help >/dev/null 2>&1 || continue
	# shellcheck disable=SC2086 # ARGS are words
	at_small[$name]=$(peak $args || echo failed)
done
# The rest up to LARGE, in other namespaces' worth of names.
python3 - "$STATE" "$SMALL" "$LARGE" <<'PY'
import json, subprocess, sys
state, small, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
server = open(state + "/server").read().strip()
token = open(state + "/admin.token").read().strip()
batch = []
def flush():
    if batch:
        subprocess.run(["curl", "-sSf", "--cacert", state + "/ca.crt", "-H", "Authorization: Bearer " + token,
                        "-H", "Content-Type: application/json", "--data-binary", "@-", server + "/__emulator/objects"],
                       input=json.dumps({"items": batch}).encode(), check=True, stdout=subprocess.DEVNULL)
        batch.clear()
for i in range(small, large):
    ns, pvc = "bench-%02d" % (i % 10), "data-%03d" % (i % 100)
    batch.append({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                  "metadata": {"name": "%s-%06d" % (pvc, i), "namespace": ns,
                               "creationTimestamp": "2024-05-%02dT%02d:00:00Z" % (1 + i % 28, i % 24),
                               "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/source-pvc": pvc}},
                  "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass", "source": {"persistentVolumeClaimName": pvc}},
                  "status": {"boundVolumeSnapshotContentName": "snapcontent-%06d" % i, "readyToUse": True,
                             "restoreSize": "1Gi", "creationTime": "2024-05-01T00:00:00Z"}})
    if len(batch) == 2000:
        flush()
flush()
PY
printf '  %-28s %14s %14s %8s\n' "peak MB" "$SMALL" "$LARGE" "ratio"
for c in "${commands[@]}"; do
	name=${c%%|*} args=${c#*|}
	[ -n "${at_small[$name]:-}" ] || continue
	# shellcheck disable=SC2086
	big=$(peak $args || echo failed)
	printf '  %-28s %14s %14s %8s\n' "$name" "${at_small[$name]}" "$big" \
		"$(python3 -c "import sys; a,b=sys.argv[1:]; print('%.2f' % (float(b)/float(a)))" "${at_small[$name]}" "$big" 2>/dev/null || echo -)"
done
