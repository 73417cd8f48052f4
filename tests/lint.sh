#!/usr/bin/env bash
# clang-format and cppcheck over the C sources; exits non-zero on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h')
rc=0
if ! clang-format --dry-run --Werror "${files[@]}"; then
	echo "clang-format: run 'make format'" >&2
	rc=1
fi
if ! cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
	--inline-suppr --suppress=missingIncludeSystem -Iplugin -I. --std=c11 \
	plugin checks providers tests/unit; then
	rc=1
fi
exit $rc
