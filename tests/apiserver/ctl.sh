#!/bin/bash
# Drive the emulator's control API (/__emulator/) from tests:
#   ctl.sh STATE_DIR faults '<json rule or list>'   add fault/latency rules
#   ctl.sh STATE_DIR clear-faults                     remove all rules
#   ctl.sh STATE_DIR watch-expire                     end every open watch with an ERROR 410 event
#   ctl.sh STATE_DIR close-watches                    end every open watch cleanly
#   ctl.sh STATE_DIR objects FILE.json|-              seed objects (a JSON list or {"items":[...]})
#   ctl.sh STATE_DIR requests [SINCE]                 the request log (JSON)
#   ctl.sh STATE_DIR clear-requests                   empty the request log
#   ctl.sh STATE_DIR config ['<json>']                show or change knobs (watch_history, ...)
set -euo pipefail
STATE=${1:?usage: ctl.sh STATE_DIR COMMAND [ARG]}
CMD=${2:?usage: ctl.sh STATE_DIR COMMAND [ARG]}
URL=$(cat "$STATE/server")
c() { curl -sS --fail-with-body --cacert "$STATE/ca.crt" -H "Authorization: Bearer $(cat "$STATE/admin.token")" \
	-H 'Content-Type: application/json' "$@"; echo; }
case "$CMD" in
faults) c -X POST "$URL/__emulator/faults" --data-binary "${3:?fault JSON}" ;;
clear-faults) c -X DELETE "$URL/__emulator/faults" ;;
list-faults) c "$URL/__emulator/faults" ;;
watch-expire) c -X POST "$URL/__emulator/watch-expire" ;;
close-watches) c -X POST "$URL/__emulator/close-watches" ;;
objects) if [ "${3:--}" = - ]; then c -X POST "$URL/__emulator/objects" --data-binary @-; else c -X POST "$URL/__emulator/objects" --data-binary "@$3"; fi ;;
requests) c "$URL/__emulator/requests?since=${3:-0}" ;;
clear-requests) c -X DELETE "$URL/__emulator/requests" ;;
config) if [ -n "${3:-}" ]; then c -X POST "$URL/__emulator/config" --data-binary "$3"; else c "$URL/__emulator/config"; fi ;;
*) echo "ctl.sh: unknown command $CMD" >&2; exit 2 ;;
esac
