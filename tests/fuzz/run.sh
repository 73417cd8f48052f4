#!/usr/bin/env bash
# Runs the libFuzzer targets (build-fuzz/fuzz_*, built by `make fuzz-bins`) and
# prints one TAP line per target.
#   tests/fuzz/run.sh SECONDS     each target fuzzes SECONDS from its corpus
#   tests/fuzz/run.sh             replay every corpus input, then fuzz 3 s each
#                                 (what tests/run.sh fuzz, and so make test, does)
# New inputs go to a scratch folder, never into tests/fuzz/corpus; a crash's
# input is kept in FUZZ_ARTIFACTS (default /tmp/volsnap-fuzz-artifacts) and
# its first lines are shown. FUZZ_ONLY=REGEX picks targets.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
seconds=${1:-3}
artifacts=${FUZZ_ARTIFACTS:-/tmp/volsnap-fuzz-artifacts}
mkdir -p "$artifacts"
scratch=$(mktemp -d /tmp/volsnap-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# Leaks are findings too; UBSan already aborts (-fno-sanitize-recover).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

n=0 bad=0
for bin in build-fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	[[ "$name" =~ ${FUZZ_ONLY:-.} ]] || continue
	n=$((n + 1))
	corpus="tests/fuzz/corpus/$name"
	log="$scratch/$name.log"
	mkdir -p "$scratch/$name"
	ok=1
	# Every input in the corpus once: the regression inputs must stay clean.
	"$bin" -runs=0 -rss_limit_mb=2048 "$corpus" >"$log" 2>&1 || ok=0
	if [ "$ok" = 1 ] && [ "$seconds" -gt 0 ]; then
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
			-artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$scratch/$name" "$corpus" \
			>"$log" 2>&1 || ok=0
	fi
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
	if [ "$ok" = 1 ]; then
		echo "ok $n - fuzz_$name (${runs:-corpus} runs${seconds:+ in ${seconds}s})"
	else
		bad=$((bad + 1))
		echo "not ok $n - fuzz_$name: a finding (inputs in $artifacts)"
		grep -E 'ERROR|runtime error|SUMMARY|abort|Test unit written' "$log" | head -n 12 | sed 's/^/# /'
	fi
done
[ "$n" -gt 0 ] || { echo "not ok 1 - no fuzz targets built (make fuzz-bins)"; exit 1; }
echo "1..$n"
[ "$bad" -eq 0 ]
