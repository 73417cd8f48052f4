#!/bin/bash
# Adds a deb-src entry for bookworm (a copy of the system's "deb" stanza with
# Types: deb-src) so `apt-get source` works. Idempotent; run as root; does not
# run apt-get update (the caller does).
set -euo pipefail
SRC_LIST=/etc/apt/sources.list.d/kubectl-volsnap-deb-src.sources
DEB822=/etc/apt/sources.list.d/debian.sources
[ -r "$DEB822" ] || {
	echo "error: $DEB822 not found; add a deb-src line for bookworm by hand" >&2
	exit 1
}
# Copy the stanza whose Suites are "bookworm bookworm-updates", with Types: deb-src.
stanza=$(awk -v RS= -v ORS='\n\n' '/(^|\n)Suites:[ \t]*bookworm bookworm-updates[ \t]*(\n|$)/' "$DEB822" |
	sed -e 's/^Types:.*/Types: deb-src/')
if [ -z "$stanza" ] || ! printf '%s\n' "$stanza" | grep -q '^URIs:'; then
	echo "error: no stanza with 'Suites: bookworm bookworm-updates' and URIs in $DEB822" >&2
	exit 1
fi
tmp_list=$(mktemp)
printf '# Added by kubectl-volsnap tests/realserver/build.sh (copied from %s)\n%s\n' "$DEB822" "$stanza" >"$tmp_list"
cmp -s "$tmp_list" "$SRC_LIST" 2>/dev/null || install -m 0644 "$tmp_list" "$SRC_LIST"
rm -f "$tmp_list"
