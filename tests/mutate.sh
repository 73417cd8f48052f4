#!/usr/bin/env bash
# The mutation check (`make mutate`): breaks each safety rule of
# tests/mutations.txt on purpose, one at a time, in a scratch copy of the tree,
# builds it and runs the CLI suites that guard the rule (tests/run.sh with
# VOLSNAP_CLI_ONLY, VOLSNAP_CLI_FILTER). Every break must make at least one CLI test fail; unit
# tests do not count. Prints each rule and the tests that caught it; exits 1
# when a break went unnoticed, did not apply or did not build.
#   tests/mutate.sh [REGEX]    only the rules whose text matches REGEX
# Not part of `make test`: it takes about a minute per rule on a busy machine.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ONLY="${1:-.}"
SCRATCH="$(mktemp -d /tmp/volsnap-mutate.XXXXXX)"
trap 'rm -rf "$SCRATCH"' EXIT

# Reads tests/mutations.txt into parallel arrays.
rules=() files=() seds=() tests=() filters=() beds=()
add_block() {
	[ -n "${rule:-}" ] || return 0
	rules+=("$rule") files+=("$file") seds+=("$sed") tests+=("$tst") filters+=("${filter:-.}") beds+=("${bed:-emulator}")
	rule="" file="" sed="" tst="" filter="" bed=""
}
rule="" file="" sed="" tst="" filter="" bed=""
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in
	"#"*) ;;
	"") add_block ;;
	rule:*) rule=$(sed 's/^rule: *//' <<<"$line") ;;
	file:*) file=$(sed 's/^file: *//' <<<"$line") ;;
	sed:*) sed=$(sed 's/^sed: *//' <<<"$line") ;;
	tests:*) tst=$(sed 's/^tests: *//' <<<"$line") ;;
	filter:*) filter=$(sed 's/^filter: *//' <<<"$line") ;;
	bed:*) bed=$(sed 's/^bed: *//' <<<"$line") ;;
	*) echo "tests/mutations.txt: cannot read: $line" >&2 && exit 2 ;;
	esac
done <"$ROOT/tests/mutations.txt"
add_block

# A copy of the tree with the plain build done once, so each mutant only
# recompiles the file it changes. Never the worktree itself.
echo "== copying and building the tree in $SCRATCH"
mkdir -p "$SCRATCH/base"
# The beds read ../shared (the CRDs) next to the tree.
[ -d "$ROOT/../shared" ] && ln -s "$(cd "$ROOT/../shared" && pwd)" "$SCRATCH/shared"
(cd "$ROOT" && tar --exclude=./.git --exclude=./build-asan -cf - .) | (cd "$SCRATCH/base" && tar -xf -)
if ! make -s -C "$SCRATCH/base" all >"$SCRATCH/build.log" 2>&1; then
	cat "$SCRATCH/build.log" >&2
	echo "error: the unmutated tree does not build" >&2
	exit 1
fi

# run_suites DIR BED FILES FILTER LOG: the CLI suites of the copy in DIR, only
# the bats files matching FILES and their tests matching FILTER; prints the
# failed tests, one a line ("file: title").
run_suites() {
	local dir=$1 bed=$2 regex=$3 filter=$4 log=$5 suite=emulator
	[ "$bed" = real ] && suite=real
	VOLSNAP_CLI_ONLY="$regex" VOLSNAP_CLI_FILTER="$filter" "$dir/tests/run.sh" "$suite" >"$log" 2>&1
	sed -n '/^Failures:$/,/^$/p' "$log" | sed -n 's/^  [a-z]*: [0-9]* //p'
}

# The unmutated tree must pass what the breaks are checked with.
n=${#rules[@]} selected=()
for ((i = 0; i < n; i++)); do
	grep -Eq -- "$ONLY" <<<"${rules[i]}" || continue
	selected+=("$i")
done
if [ ${#selected[@]} -eq 0 ]; then
	echo "no rule matches $ONLY" >&2
	exit 2
fi
# union REGEX...: one alternation of the distinct regexes.
union() { printf '%s\n' "$@" | sort -u | paste -sd '|'; }
for bed in emulator real; do
	these_tests=() these_filters=()
	for i in "${selected[@]}"; do
		[ "${beds[i]}" = "$bed" ] || continue
		these_tests+=("${tests[i]}") these_filters+=("${filters[i]}")
	done
	[ ${#these_tests[@]} -gt 0 ] || continue
	regex_all=$(union "${these_tests[@]}") filter_all=$(union "${these_filters[@]}")
	echo "== the unmutated tree on the $bed bed (files $regex_all; tests $filter_all)"
	base_fail=$(run_suites "$SCRATCH/base" "$bed" "$regex_all" "$filter_all" "$SCRATCH/base-$bed.log")
	if [ -n "$base_fail" ] || ! tail -n 1 "$SCRATCH/base-$bed.log" | grep -q ' passed, 0 failed'; then
		tail -n 40 "$SCRATCH/base-$bed.log" >&2
		echo "error: the unmutated tree fails these suites; fix that first" >&2
		exit 1
	fi
	tail -n 1 "$SCRATCH/base-$bed.log"
done

caught=0 missed=0 broken=0 report=()
for i in "${selected[@]}"; do
	rule=${rules[i]} file=${files[i]} bed=${beds[i]}
	echo "== [$((i + 1))/$n] $rule"
	rm -rf "$SCRATCH/mutant"
	cp -a "$SCRATCH/base" "$SCRATCH/mutant"
	sed -i -e "${seds[i]}" "$SCRATCH/mutant/$file"
	if cmp -s "$SCRATCH/base/$file" "$SCRATCH/mutant/$file"; then
		echo "   NOT APPLIED: the sed changed nothing in $file"
		report+=("NOT APPLIED  $rule ($file: ${seds[i]})")
		broken=$((broken + 1))
		continue
	fi
	diff -U0 "$SCRATCH/base/$file" "$SCRATCH/mutant/$file" | grep '^[-+][^-+]' | head -n 4 | sed 's/^/   /'
	if ! make -s -C "$SCRATCH/mutant" all >"$SCRATCH/mutant-build.log" 2>&1; then
		echo "   DOES NOT BUILD:"
		head -n 5 "$SCRATCH/mutant-build.log" | sed 's/^/   /'
		report+=("NO BUILD     $rule")
		broken=$((broken + 1))
		continue
	fi
	fails=$(run_suites "$SCRATCH/mutant" "$bed" "${tests[i]}" "${filters[i]}" "$SCRATCH/mutant-run.log")
	# A bed that did not start catches nothing.
	fails=$(grep -v 'test bed did not start\|kube-apiserver build failed' <<<"$fails" | sed '/^$/d')
	if [ -n "$fails" ]; then
		caught=$((caught + 1))
		echo "   caught ($bed bed) by:"
		sed 's/^/     /' <<<"$fails"
		report+=("caught       $rule: $(head -n 1 <<<"$fails")$([ "$(wc -l <<<"$fails")" -gt 1 ] && echo " (+$(($(wc -l <<<"$fails") - 1)) more)")")
	else
		missed=$((missed + 1))
		echo "   MISSED: every test passed ($(tail -n 1 "$SCRATCH/mutant-run.log"))"
		report+=("MISSED       $rule")
	fi
done

echo
echo "Safety rules, each broken on purpose:"
printf '  %s\n' "${report[@]}"
echo
echo "${#selected[@]} rules: $caught caught by a CLI test, $missed missed, $broken not applied or not built"
[ "$missed" -eq 0 ] && [ "$broken" -eq 0 ]
