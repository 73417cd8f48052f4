# bench/lib.sh: what the server benchmarks share, sourced after ROOT is set.
#   bench_bed NAME BED   checks BED (real|emulator), sets BEDDIR, makes WORK and STATE, and
#                        stops the bed, the proxy and removes WORK on exit
#   bench_start          builds the real bed if needed, starts the bed, exports KUBECONFIG, sets SERVER
#                        and AUTH_HEADER (a file for curl -H @FILE)
#   bench_far RTT        starts bench/rtt_proxy.py in front of the bed; sets FAR (its URL) and
#                        writes $WORK/far.kubeconfig pointing at it
# shellcheck shell=bash

bench_bed() {
	BENCH_NAME=$1 BED=$2
	case "$BED" in
	real) BEDDIR=realserver ;;
	emulator) BEDDIR=apiserver ;;
	*) echo "usage: bench/$BENCH_NAME [real|emulator]" >&2; exit 2 ;;
	esac
	WORK=$(mktemp -d "/tmp/volsnap-bench-${BENCH_NAME%%.*}.XXXXXX")
	STATE="$WORK/state"
	PROXY_PID=
	trap bench_cleanup EXIT
}

bench_cleanup() {
	[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null || true
	"$ROOT/tests/$BEDDIR/stop.sh" "$STATE" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}

bench_start() {
	if [ "$BED" = real ]; then
		"$ROOT/tests/realserver/build.sh" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
	fi
	"$ROOT/tests/$BEDDIR/start.sh" "$STATE" >"$WORK/start.log" 2>&1 || { cat "$WORK/start.log" >&2; exit 1; }
	export KUBECONFIG="$STATE/admin.kubeconfig"
	SERVER=$(cat "$STATE/server")
	# For curl -H @FILE: the token stays off command lines (ps shows them).
	AUTH_HEADER="$WORK/auth.header"
	(umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$STATE/admin.token")" >"$AUTH_HEADER")
}

bench_far() {
	"$ROOT/bench/rtt_proxy.py" "$SERVER" "$1" "$WORK/proxy.port" &
	PROXY_PID=$!
	for _ in $(seq 50); do [ -s "$WORK/proxy.port" ] && break; sleep 0.1; done
	FAR="https://127.0.0.1:$(cat "$WORK/proxy.port")"
	sed "s#server: $SERVER#server: $FAR#" "$STATE/admin.kubeconfig" >"$WORK/far.kubeconfig"
	grep -q "server: $FAR" "$WORK/far.kubeconfig" || { echo "bench/$BENCH_NAME: no server line in the kubeconfig" >&2; exit 1; }
}
