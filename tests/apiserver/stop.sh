#!/bin/bash
# Stop the emulator started by start.sh STATE_DIR (idempotent).
set -u
STATE=${1:?usage: $0 STATE_DIR}
[ -f "$STATE/pids" ] || exit 0
while read -r pid; do
	[ -n "$pid" ] || continue
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$pid" 2>/dev/null
	fi
done <"$STATE/pids"
rm -f "$STATE/pids" "$STATE/port"
exit 0
