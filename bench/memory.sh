#!/usr/bin/env bash
# bench/memory.sh: peak memory of every command that reads all snapshots of a scope (list, prune's
# plan, status and bundle where built), at 10,000 and again at 100,000 snapshots on the emulator:
# flat means the same peak at both sizes. One run each (peak RSS of the binary itself).
# Then prune deleting (`prune -A --keep-last 3 --yes`: all but 300 go) once each on a fresh emulator
# at VOLSNAP_BENCH_PRUNE_SMALL (10000) and VOLSNAP_BENCH_PRUNE_LARGE (30000) snapshots: it changes
# what it measures, so one run, no warm-up; its wall time is mostly the emulator's deletes.
# Knobs: VOLSNAP_BENCH_SMALL (10000), VOLSNAP_BENCH_LARGE (100000), VOLSNAP_BENCH_PRUNE_SMALL,
# VOLSNAP_BENCH_PRUNE_LARGE, VOLSNAP_BIN.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
SMALL=${VOLSNAP_BENCH_SMALL:-10000}
LARGE=${VOLSNAP_BENCH_LARGE:-100000}
PRUNE_SMALL=${VOLSNAP_BENCH_PRUNE_SMALL:-10000}
PRUNE_LARGE=${VOLSNAP_BENCH_PRUNE_LARGE:-30000}
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
# The rest up to LARGE, in the same namespaces.
"$ROOT/bench/seed_emulator.sh" "$STATE" "$LARGE" 10 "$SMALL"
printf '  %-28s %14s %14s %8s\n' "peak MB" "$SMALL" "$LARGE" "ratio"
for c in "${commands[@]}"; do
	name=${c%%|*} args=${c#*|}
	[ -n "${at_small[$name]:-}" ] || continue
	# shellcheck disable=SC2086
	big=$(peak $args || echo failed)
	printf '  %-28s %14s %14s %8s\n' "$name" "${at_small[$name]}" "$big" \
		"$(python3 -c "import sys; a,b=sys.argv[1:]; print('%.2f' % (float(b)/float(a)))" "${at_small[$name]}" "$big" 2>/dev/null || echo -)"
done

# once ARGS...: "PEAK_MB SECONDS" of one run (exit status checked).
once() {
	python3 - "$BIN" "$@" <<'PY'
import os, subprocess, sys, time
start = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit("%s exited %d" % (" ".join(sys.argv[1:]), os.waitstatus_to_exitcode(status)))
print("%.1f %.0f" % (usage.ru_maxrss / 1024, time.monotonic() - start))
PY
}
fresh() {
	"$ROOT/tests/apiserver/stop.sh" "$STATE" >/dev/null 2>&1 || true
	rm -rf "$STATE"
	"$ROOT/tests/apiserver/start.sh" "$STATE" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
}
pruned=()
for n in "$PRUNE_SMALL" "$PRUNE_LARGE"; do
	fresh
	"$ROOT/bench/seed_emulator.sh" "$STATE" "$n" 10
	pruned+=("$(once prune -A --keep-last 3 --yes || echo "failed -")")
done
printf '  %-28s %14s %14s %8s   (%ss, %ss)\n' "prune -A --yes ($PRUNE_SMALL/$PRUNE_LARGE)" "${pruned[0]% *}" \
	"${pruned[1]% *}" "$(python3 -c "import sys; a,b=sys.argv[1:]; print('%.2f' % (float(b)/float(a)))" \
	"${pruned[0]% *}" "${pruned[1]% *}" 2>/dev/null || echo -)" "${pruned[0]#* }" "${pruned[1]#* }"
