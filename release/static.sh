#!/bin/bash
# `make static`: dist/kubectl-volsnap-linux-<arch>, statically linked against
# musl with the libraries release/static-libs.sh builds (once per machine).
#   release/static.sh [VERSION] [ARCH...]   (defaults: the VERSION file; amd64 arm64)
# Each binary is checked: `file` says statically linked for its machine, and
# `version --client` runs (arm64 under qemu-user, Debian's qemu-user package).
# VOLSNAP_STATIC_OUT and VOLSNAP_STATIC_BUILD put the amd64 binary and its
# objects elsewhere (tests build a second copy to compare).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION=${1:-$(cat VERSION)}
shift || true
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(amd64 arm64)

build_one() {
	local arch=$1 out build cc machine run=()
	out=dist/kubectl-volsnap-linux-$arch
	build=build-static-$arch
	if [ "$arch" = amd64 ]; then
		out=${VOLSNAP_STATIC_OUT:-$out}
		build=${VOLSNAP_STATIC_BUILD:-build-static}
	fi
	local P
	P=$(release/static-libs.sh "$arch")
	case "$arch" in
	amd64) cc=musl-gcc machine=x86-64 ;;
	arm64)
		cc=$(dirname "$P")/musl/bin/musl-gcc machine=aarch64 run=(qemu-aarch64)
		command -v qemu-aarch64 >/dev/null || {
			[ "$(id -u)" = 0 ] || {
				echo "error: qemu-aarch64 is missing; install it with: sudo apt-get install qemu-user" >&2
				exit 1
			}
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
				--no-install-recommends qemu-user >/dev/null
		}
		;;
	esac
	local PKGS="libcurl yaml-0.1 json-c libarchive"
	# The objects hold the version and the libraries' headers: a new one rebuilds.
	local stamp="$VERSION $P"
	[ "$(cat "$build/.stamp" 2>/dev/null)" = "$stamp" ] || rm -rf "$build"
	mkdir -p "$build" "$(dirname "$out")"
	printf '%s\n' "$stamp" >"$build/.stamp"
	# No -g and -s: the release binary is stripped (and so the same bytes each build).
	PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH= make -s CC="$cc" BUILD="$build" BIN="$out" \
		VERSION="$VERSION" CFLAGS=-O2 LDFLAGS="-static -s" \
		PKG_CFLAGS="$(PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH= pkg-config --static --cflags $PKGS)" \
		PKG_LIBS="$(PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH= pkg-config --static --libs $PKGS)" "$out"
	local what
	what=$(file -b "$out")
	case "$what" in
	*"$machine"*"statically linked"*) ;;
	*)
		echo "error: $out is not a static $machine executable: $what" >&2
		exit 1
		;;
	esac
	"${run[@]}" "$out" version --client >/dev/null
}

for arch in "${ARCHES[@]}"; do
	build_one "$arch"
done
