# shellcheck shell=bash
# Shared helpers for start.sh / stop.sh / smoke.sh (sourced, not executed).

REALSERVER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
REPO_ROOT=$(cd "$REALSERVER_DIR/../.." && pwd)
VOLSNAP_CACHE_ROOT=${VOLSNAP_CACHE_ROOT:-/var/cache/kubectl-volsnap}
# shellcheck disable=SC2034
PYTHON=${VOLSNAP_PYTHON:-/usr/bin/python3}
export PYTHONDONTWRITEBYTECODE=1

rs_log() { printf '[realserver %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Directory holding kube-apiserver and kube-controller-manager: $VOLSNAP_KUBE_BIN_DIR, else the
# newest complete build in the cache (see build.sh).
rs_kube_bin_dir() {
	if [ -n "${VOLSNAP_KUBE_BIN_DIR:-}" ]; then
		printf '%s\n' "$VOLSNAP_KUBE_BIN_DIR"
		return 0
	fi
	local d found=""
	for d in "$VOLSNAP_CACHE_ROOT"/kube-*/; do
		[ -f "$d/.complete" ] && [ -x "$d/kube-apiserver" ] && [ -x "$d/kube-controller-manager" ] && found=${d%/}
	done
	[ -n "$found" ] || return 1
	printf '%s\n' "$found"
}

# Stop every PID listed in $1/pids: TERM (to the process group when the PID leads one, which is
# the case for everything start.sh launches under `timeout`), then KILL after a grace period.
rs_stop_pids() {
	local state grace=${VOLSNAP_STOP_GRACE_SECONDS:-5}
	state=$(cd "$1" && pwd -P)
	local pidfile="$state/pids"
	[ -f "$pidfile" ] || return 0
	# Only processes whose command line names this state dir are ours (guards against PID reuse).
	ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$state"; }
	local pids=() pid
	while read -r pid; do
		if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid"; then pids+=("$pid"); fi
	done <"$pidfile"
	rs_signal() {
		local sig=$1 p=$2 pgid
		kill -0 "$p" 2>/dev/null || return 0
		pgid=$(ps -o pgid= -p "$p" 2>/dev/null | tr -d ' ')
		if [ "$pgid" = "$p" ]; then kill "-$sig" -- "-$p" 2>/dev/null || true; else kill "-$sig" "$p" 2>/dev/null || true; fi
	}
	# Reverse order: controllers first, etcd last.
	local i
	[ "${#pids[@]}" -gt 0 ] || { : >"$pidfile"; return 0; }
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do rs_signal TERM "${pids[$i]}"; done
	local deadline=$((SECONDS + grace)) alive
	while :; do
		alive=0
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		[ "$SECONDS" -ge "$deadline" ] && break
		sleep 0.2
	done
	for pid in "${pids[@]}"; do rs_signal KILL "$pid"; done
	: >"$pidfile"
}
