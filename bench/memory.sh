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
