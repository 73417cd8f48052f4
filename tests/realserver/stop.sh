#!/bin/bash
# Stop the real-server test bed started by start.sh.  Idempotent.
# Usage: stop.sh STATE_DIR
set -euo pipefail
# shellcheck source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
[ -d "$1" ] || exit 0
rs_stop_pids "$1"
