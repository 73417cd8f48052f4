# shellcheck shell=bash
# Helpers for smoke.sh and knobs.sh (sourced after lib.sh): a bed in a temp dir that is always
# stopped, plus kubectl wait helpers.  Set TEST_NAME before sourcing.
# Env: VOLSNAP_SMOKE_KEEP=1 keeps the state dir (logs) afterwards.

command -v kubectl >/dev/null || { echo "$TEST_NAME: kubectl not found" >&2; exit 1; }
STATE=$(mktemp -d "${TMPDIR:-/tmp}/volsnap-realserver.XXXXXX")
export STATE
T0=$SECONDS
cleanup() {
	local rc=$?
	"$REALSERVER_DIR/stop.sh" "$STATE" || true
	if [ "$rc" -ne 0 ]; then
		echo "$TEST_NAME: FAILED (exit $rc); snapshot-controller log tail:" >&2
		tail -n 30 "$STATE/logs/snapshot-controller.log" >&2 2>/dev/null || true
	fi
	if [ "${VOLSNAP_SMOKE_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
		echo "$TEST_NAME: state kept in $STATE" >&2
	else
		rm -rf "$STATE"
	fi
}
trap cleanup EXIT
step() { printf '[%s t+%ss] %s\n' "$TEST_NAME" "$((SECONDS - T0))" "$*"; }
fail() { echo "$TEST_NAME: FAIL: $*" >&2; exit 1; }
k() { kubectl --kubeconfig "$STATE/admin.kubeconfig" "$@"; }
# waits until jsonpath $2 of object $1 equals $3 (timeout $4 seconds)
wait_jp() {
	local obj=$1 jp=$2 want=$3 secs=${4:-60} got="" deadline=$((SECONDS + ${4:-60}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		got=$(k get "$obj" -o "jsonpath=$jp" 2>/dev/null || true)
		[ "$got" = "$want" ] && return 0
		sleep 0.2
	done
	fail "$obj: $jp is '$got', wanted '$want' after ${secs}s"
}
wait_event() { # OBJECT-NAME REASON MESSAGE-SUBSTRING [SECONDS]
	local deadline=$((SECONDS + ${4:-30})) out=""
	while [ "$SECONDS" -lt "$deadline" ]; do
		out=$(k get events --field-selector "involvedObject.name=$1,reason=$2" -o 'jsonpath={range .items[*]}{.type} {.message}{"\n"}{end}' 2>/dev/null || true)
		case "$out" in *"$3"*) printf '    event %s: %s\n' "$2" "$out"; return 0 ;; esac
		sleep 0.3
	done
	fail "no event $2 on $1 containing '$3' (got: $out)"
}

