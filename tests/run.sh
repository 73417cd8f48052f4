#!/usr/bin/env bash
# Runs the test suites and ends with one line "N passed, N failed[, N skipped]".
#   tests/run.sh all        unit tests (plain and under valgrind), the CLI suites on
#                           the emulator with the ASan+UBSan build, and the CLI suites
#                           on a real kube-apiserver with the plain build
#   tests/run.sh unit emulator real unit-valgrind emulator-asan fuzz chaos   any subset, in order
#                           (fuzz: the libFuzzer targets over their corpora, a few
#                           seconds each; chaos: commands through a fault-injecting
#                           proxy in front of the real kube-apiserver, tests/chaos/)
#   tests/run.sh emulator-static real-static   the static release binary (make static)
#                           through the same suites, plus tests/release/ (krew
#                           archive and manifest, container image); builds
#                           dist/ first (make static dist image)
# VOLSNAP_BUILD=build-asan uses the sanitizer build throughout; VOLSNAP_VALGRIND=1
# runs every binary under valgrind. Sanitizer and valgrind findings count as failures.
# VOLSNAP_CLI_ONLY=REGEX runs only the bats files whose path matches (for development);
# VOLSNAP_CLI_FILTER=REGEX only their tests whose name matches (bats --filter).
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD="${VOLSNAP_BUILD:-build}"
BIN="$ROOT/kubectl-volsnap"
[ "$BUILD" = build ] || BIN="$ROOT/$BUILD/kubectl-volsnap"

suites=("$@")
[ ${#suites[@]} -eq 0 ] || [ "${suites[0]}" = all ] &&
	suites=(lint unit unit-valgrind fuzz emulator-asan real chaos emulator-static real-static)

passed=0 failed=0 skipped=0
failures=()
WORK="$(mktemp -d /tmp/volsnap-test.XXXXXX)"
FINDINGS="$WORK/findings"
mkdir -p "$FINDINGS"
export ASAN_OPTIONS="log_path=$FINDINGS/asan:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$FINDINGS/ubsan:print_stacktrace=1"
STATE=""
cleanup() {
	[ -n "$STATE" ] && [ -x "$STOP" ] && "$STOP" "$STATE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# One valgrind command for unit tests and the plugin alike: every leak kind
# and every error counts, reports go to FINDINGS.
VALGRIND=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "--log-file=$FINDINGS/valgrind.%p")

# PATH for the CLI suites: a folder whose kubectl-volsnap is the binary under
# test (under valgrind when asked), so `kubectl volsnap` finds it.
PLUGIN_DIR="$WORK/bin"
use_binary() {
	local bin=$1
	mkdir -p "$PLUGIN_DIR"
	rm -f "$PLUGIN_DIR/kubectl-volsnap"
	if [ "${VOLSNAP_VALGRIND:-0}" = 1 ]; then
		cat >"$PLUGIN_DIR/kubectl-volsnap" <<SH
#!/bin/sh
exec ${VALGRIND[*]} "$bin" "\$@"
SH
		chmod +x "$PLUGIN_DIR/kubectl-volsnap"
	else
		ln -sf "$bin" "$PLUGIN_DIR/kubectl-volsnap"
	fi
}
use_binary "$BIN"

# Counts TAP lines ("ok", "not ok", "# skip") of one suite's output.
count_tap() {
	local suite=$1 file=$2 line
	while IFS= read -r line; do
		case "$line" in
		"not ok"*)
			failed=$((failed + 1))
			failures+=("$suite: ${line#not ok }")
			;;
		"ok "*"# skip"* | "ok "*"# SKIP"*) skipped=$((skipped + 1)) ;;
		"ok "*) passed=$((passed + 1)) ;;
		esac
	done <"$file"
}

# Reports sanitizer/valgrind findings (files in FINDINGS) as failures.
check_findings() {
	local suite=$1 f
	for f in "$FINDINGS"/*; do
		[ -e "$f" ] || continue
		if [ "${f##*/valgrind.}" != "$f" ] && ! grep -qE 'ERROR SUMMARY: [1-9]|definitely lost|Invalid' "$f"; then
			rm -f "$f"
			continue
		fi
		[ -s "$f" ] || { rm -f "$f"; continue; }
		failed=$((failed + 1))
		failures+=("$suite: memory finding in ${f##*/}")
		echo "---- $f" >&2
		head -n 40 "$f" >&2
		rm -f "$f"
	done
}

run_unit() {
	[ "${VOLSNAP_VALGRIND:-0}" = 1 ] && echo "== unit tests under valgrind" || echo "== unit tests"
	local t out="$WORK/unit.tap"
	: >"$out"
	for t in "$BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		local runner=()
		[ "${VOLSNAP_VALGRIND:-0}" = 1 ] &&
			runner=("${VALGRIND[@]}")
		if ! CMOCKA_MESSAGE_OUTPUT=TAP "${runner[@]}" "$t" >"$WORK/one.tap" 2>&1; then
			grep -q '^not ok' "$WORK/one.tap" || echo "not ok 1 - ${t##*/} exited with an error" >>"$WORK/one.tap"
		fi
		sed "s/^\(not ok\|ok\) \([0-9]*\) - /\1 \2 - ${t##*/}: /" "$WORK/one.tap" >>"$out"
	done
	grep -E '^not ok' "$out" || true
	count_tap unit "$out"
	check_findings unit
}

# The cluster-scoped objects tests may add or remove, as "kind/name" lines.
cluster_scoped_names() {
	kubectl --kubeconfig "$STATE/admin.kubeconfig" get volumesnapshotclasses,storageclasses,csidrivers \
		-o name 2>/dev/null | sort
}

# Deletes what a test file added and recreates the shared fixtures it removed.
restore_cluster_scoped() {
	local kc=(kubectl --kubeconfig "$STATE/admin.kubeconfig")
	comm -13 "$WORK/baseline" <(cluster_scoped_names) | xargs -r "${kc[@]}" delete --wait=false >/dev/null 2>&1
	"${kc[@]}" create --validate=false -f tests/cli/fixtures/base.yaml >/dev/null 2>&1 || true
}

# Starts a test bed, seeds the shared fixtures, runs the bats folders on it.
run_cli() {
	local bed=$1
	shift
	local dirs=("$@")
	STOP="$ROOT/tests/$bed/stop.sh"
	STATE="$WORK/state-$bed"
	mkdir -p "$STATE"
	echo "== CLI suites on the $bed test bed"
	if ! "$ROOT/tests/$bed/start.sh" "$STATE" >"$WORK/$bed-start.log" 2>&1; then
		cat "$WORK/$bed-start.log" >&2
		failed=$((failed + 1))
		failures+=("$bed: the test bed did not start (see above)")
		STATE=""
		return
	fi
	# shellcheck disable=SC1091
	. "$STATE/env"
	export VOLSNAP_STATE="$STATE" VOLSNAP_TEST_SERVER
	if ! kubectl --kubeconfig "$STATE/admin.kubeconfig" create --validate=false \
		-f tests/cli/fixtures/base.yaml >"$WORK/seed.log" 2>&1 &&
		grep -v 'AlreadyExists\|already exists' "$WORK/seed.log" | grep -q .; then
		cat "$WORK/seed.log" >&2
	fi
	local out="$WORK/$bed.tap" file
	cluster_scoped_names >"$WORK/baseline"
	: >"$out"
	# One bats run per file, with the shared cluster-scoped objects put back in
	# between, so no file depends on what an earlier one left behind.
	for file in $(find "${dirs[@]}" -name '*.bats' | sort | grep -E -- "${VOLSNAP_CLI_ONLY:-.}"); do
		PATH="$PLUGIN_DIR:$PATH" bats --tap ${VOLSNAP_CLI_FILTER:+--filter "$VOLSNAP_CLI_FILTER"} "$file" >"$WORK/one.tap" 2>&1
		sed "s#^\(not ok\|ok\) \([0-9]*\) #\1 \2 ${file#tests/cli/}: #" "$WORK/one.tap" >>"$out"
		restore_cluster_scoped
	done
	grep -vE '^(ok |1\.\.)' "$out" | head -n 300
	count_tap "$bed" "$out"
	check_findings "$bed"
	"$STOP" "$STATE" >/dev/null 2>&1
	STATE=""
}

# The release artefacts (dist/) the *-static suites test; built once per run.
release_built=""
build_release() {
	[ -n "$release_built" ] && return "$release_built"
	echo "== building the static binary, the krew archive and the image (make static dist image)"
	local t0=$SECONDS
	if make -s static dist image >"$WORK/release.log" 2>&1; then
		release_built=0
		passed=$((passed + 1))
		echo "built in $((SECONDS - t0)) s"
	else
		release_built=1
		tail -n 40 "$WORK/release.log" >&2
		failed=$((failed + 1))
		failures+=("release: make static dist image failed (see above)")
	fi
	return "$release_built"
}

build_realserver() {
	echo "== building (once per machine) a real kube-apiserver"
	"$ROOT/tests/realserver/build.sh" && return 0
	echo "error: the real kube-apiserver could not be built: the real-server half FAILS (it is never skipped)" >&2
	failed=$((failed + 1))
	failures+=("real: kube-apiserver build failed")
	return 1
}

STATIC_BIN="$ROOT/dist/kubectl-volsnap-linux-amd64"
export VOLSNAP_DIST="$ROOT/dist"

for s in "${suites[@]}"; do
	case "$s" in
	lint)
		echo "== clang-format and cppcheck"
		if "$ROOT/tests/lint.sh" >"$WORK/lint.log" 2>&1; then
			passed=$((passed + 1))
		else
			head -n 60 "$WORK/lint.log"
			failed=$((failed + 1))
			failures+=("lint: clang-format or cppcheck findings (make format; tests/lint.sh)")
		fi
		;;
	unit) run_unit ;;
	fuzz)
		# Each libFuzzer target replays its corpus (the regression inputs) and
		# fuzzes a few seconds; `make fuzz` runs them for minutes.
		echo "== fuzz targets over their corpora"
		tests/fuzz/run.sh "${VOLSNAP_FUZZ_SECONDS:-3}" >"$WORK/fuzz.tap" 2>&1
		grep -vE '^(ok |1\.\.)' "$WORK/fuzz.tap"
		count_tap fuzz "$WORK/fuzz.tap"
		;;
	unit-valgrind) VOLSNAP_VALGRIND=1 run_unit ;;
	emulator) run_cli apiserver tests/cli/common tests/cli/emulator ;;
	emulator-asan)
		use_binary "$ROOT/build-asan/kubectl-volsnap"
		run_cli apiserver tests/cli/common tests/cli/emulator
		use_binary "$BIN"
		;;
	real)
		build_realserver || continue
		run_cli realserver tests/cli/common
		;;
	emulator-static)
		build_release || continue
		use_binary "$STATIC_BIN"
		run_cli apiserver tests/cli/common tests/cli/emulator tests/release/emulator
		use_binary "$BIN"
		;;
	real-static)
		build_release && build_realserver || continue
		use_binary "$STATIC_BIN"
		run_cli realserver tests/cli/common tests/release/real
		use_binary "$BIN"
		;;
	chaos)
		# The commands through a seeded fault-injecting proxy in front of the
		# real kube-apiserver, invariants checked afterwards (about a minute).
		build_realserver || continue
		echo "== chaos: 20% faults in front of the real kube-apiserver"
		tests/chaos/run.sh "$BIN" >"$WORK/chaos.tap" 2>&1
		grep -vE '^(ok |1\.\.)' "$WORK/chaos.tap"
		grep -q '^ok ' "$WORK/chaos.tap" || echo "not ok 1 - chaos suite did not run" >>"$WORK/chaos.tap"
		count_tap chaos "$WORK/chaos.tap"
		;;
	*)
		echo "unknown suite: $s (use lint, unit, unit-valgrind, fuzz, emulator, emulator-asan, real, chaos," \
			"emulator-static, real-static or all)" >&2
		exit 2
		;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
