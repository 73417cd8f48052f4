#!/usr/bin/env bash
# bench/memory.sh: peak memory of every command that reads all snapshots of a scope (list, prune's
# plan, status and bundle where built), at 10,000 and again at 100,000 snapshots on the emulator:
# flat means the same peak at both sizes: memory's limit, shown as large/small. One run each (peak
# RSS of the binary itself). Beside the list rows, kubectl's peak for `kubectl get volumesnapshots
# -A` (and `-o json`), one run per size, and the plugin's ratio to it at each size.
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
commands=("list -A|list -A" "list -A -o json|list -A -o json" "list -A -o json --sort-by|list -A -o json --sort-by .metadata.name"
	"prune plan -A|prune -A --keep-last 3 --dry-run"
	"status -A|status -A" "bundle -A|bundle -A -o $WORK/b.tar.gz")
peak() { "$ROOT/bench/measure.py" 1 "$BIN" "$@" | python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["rss_kb"] / 1024))'; }
# run_once CMD...: "PEAK_MB SECONDS" of one run, no warm-up (exit status checked).
run_once() {
	python3 - "$@" <<'PY'
import os, subprocess, sys, time
start = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
if os.waitstatus_to_exitcode(status) != 0:
    sys.exit("%s exited %d" % (" ".join(sys.argv[1:]), os.waitstatus_to_exitcode(status)))
print("%.1f %.0f" % (usage.ru_maxrss / 1024, time.monotonic() - start))
PY
}
# kpeak ARGS...: kubectl's peak MB over one run (at 100,000 a run takes a while).
kpeak() {
	local r
	r=$(run_once kubectl "$@") || { echo failed; return; }
	echo "${r% *}"
}
ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('%.2f' % (float(b)/float(a)))" "$1" "$2" 2>/dev/null || echo -; }
# kubectl's nearest command for a row, as ARGS (none for the rest).
kubectl_for() {
	case "$1" in
	"list -A") echo "get volumesnapshots -A" ;;
	"list -A -o json") echo "get volumesnapshots -A -o json" ;;
	"list -A -o json --sort-by") echo "get volumesnapshots -A -o json --sort-by .metadata.name" ;;
	esac
}
declare -A mb kmb # "SIZE|NAME" -> peak MB of the plugin, of kubectl's nearest command
measure_size() { # SIZE: each command's peak (and kubectl's) at the seeded size
	local c name args kargs
	for c in "${commands[@]}"; do
		name=${c%%|*} args=${c#*|}
		"$BIN" "${args%% *}" --help >/dev/null 2>&1 || continue
		# shellcheck disable=SC2086 # ARGS are words
		mb["$1|$name"]=$(peak $args || echo failed)
		kargs=$(kubectl_for "$name")
		# shellcheck disable=SC2086
		[ -z "$kargs" ] || kmb["$1|$name"]=$(kpeak $kargs)
	done
}
"$ROOT/bench/seed_emulator.sh" "$STATE" "$SMALL" 10
measure_size "$SMALL"
# The rest up to LARGE, in the same namespaces.
"$ROOT/bench/seed_emulator.sh" "$STATE" "$LARGE" 10 "$SMALL"
measure_size "$LARGE"
echo "peak memory (MB) on the emulator at $SMALL and $LARGE snapshots, one run each; memory's limit is flat: large/small 1.00"
printf '  %-28s %9s %9s %12s %9s %9s %9s %9s\n' "" "$SMALL" "$LARGE" "large/small" \
	"kubectl" "kubectl" "/kubectl" "/kubectl"
printf '  %-28s %9s %9s %12s %9s %9s %9s %9s\n' "" "" "" "(limit: 1)" "$SMALL" "$LARGE" "$SMALL" "$LARGE"
for c in "${commands[@]}"; do
	name=${c%%|*}
	[ -n "${mb["$SMALL|$name"]:-}" ] || continue
	a=${mb["$SMALL|$name"]} b=${mb["$LARGE|$name"]}
	if [ -n "${kmb["$SMALL|$name"]:-}" ]; then
		ks=${kmb["$SMALL|$name"]} kl=${kmb["$LARGE|$name"]}
		printf '  %-28s %9s %9s %12s %9s %9s %9s %9s\n' "$name" "$a" "$b" "$(ratio "$a" "$b")" \
			"$ks" "$kl" "$(ratio "$ks" "$a")" "$(ratio "$kl" "$b")"
	else
		printf '  %-28s %9s %9s %12s %9s %9s %9s %9s\n' "$name" "$a" "$b" "$(ratio "$a" "$b")" - - - -
	fi
done

# once ARGS...: "PEAK_MB SECONDS" of one run of the plugin.
once() { run_once "$BIN" "$@"; }
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
echo "prune -A --keep-last 3 --yes (deleting all but 300) on a fresh emulator at $PRUNE_SMALL and $PRUNE_LARGE, one run each"
printf '  %-28s %9s %9s %12s   wall %ss, %ss\n' "prune -A --yes" "${pruned[0]% *}" "${pruned[1]% *}" \
	"$(ratio "${pruned[0]% *}" "${pruned[1]% *}")" "${pruned[0]#* }" "${pruned[1]#* }"
