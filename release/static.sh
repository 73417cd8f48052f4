#!/bin/bash
# `make static`: dist/kubectl-volsnap-linux-amd64, statically linked against
# musl with the libraries release/static-libs.sh builds (once per machine).
#   release/static.sh [VERSION]     (default: the VERSION file)
# VOLSNAP_STATIC_OUT and VOLSNAP_STATIC_BUILD put the binary and the objects
# elsewhere (tests build a second copy to compare).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION=${1:-$(cat VERSION)}
OUT=${VOLSNAP_STATIC_OUT:-dist/kubectl-volsnap-linux-amd64}
BUILD=${VOLSNAP_STATIC_BUILD:-build-static}

P=$(release/static-libs.sh)
export PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH=
PKGS="libcurl yaml-0.1 json-c libarchive"
# The objects hold the version and the libraries' headers: a new one rebuilds.
stamp="$VERSION $P"
[ "$(cat "$BUILD/.stamp" 2>/dev/null)" = "$stamp" ] || rm -rf "$BUILD"
mkdir -p "$BUILD" "$(dirname "$OUT")"
printf '%s\n' "$stamp" >"$BUILD/.stamp"
# No -g and -s: the release binary is stripped (and so the same bytes each build).
make -s CC=musl-gcc BUILD="$BUILD" BIN="$OUT" VERSION="$VERSION" CFLAGS=-O2 LDFLAGS="-static -s" \
	PKG_CFLAGS="$(pkg-config --static --cflags $PKGS)" PKG_LIBS="$(pkg-config --static --libs $PKGS)" "$OUT"
file -b "$OUT" | grep -q 'statically linked' || {
	echo "error: $OUT is not statically linked: $(file -b "$OUT")" >&2
	exit 1
}
"$OUT" version --client >/dev/null
