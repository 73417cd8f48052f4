#!/bin/bash
# Builds the libraries of the static binary (musl libc) from Debian bookworm's
# source packages and caches them outside the tree, once per machine and
# architecture:
#   release/static-libs.sh [amd64|arm64]      (default amd64)
#   /var/cache/kubectl-volsnap/static-<key>/
#     prefix/         include/, lib/*.a, lib/pkgconfig/*.pc
#     musl/           arm64 only: musl built for aarch64, bin/musl-gcc its wrapper
#     versions        one "package version" line per source package and tool
#     times           one "package seconds" line per build step (wall time)
# <key> is a hash of the versions, the target and RECIPE below (bump RECIPE when
# a configure flag changes), so a new Debian version builds a new set.
# Prints the prefix directory on stdout; the log goes to stderr.
#
# Libraries: zlib, OpenSSL (TLS), nghttp2 (HTTP/2), libcurl (HTTP and HTTPS
# only), libyaml, json-c, libarchive (tar + gzip). Why OpenSSL and not mbedTLS:
# bookworm's mbedTLS 2.28 cannot verify a server given by IP address
# (../shared/facts/static-build.md).
#
# amd64 uses Debian's musl-tools (musl-gcc); arm64 cross-compiles with Debian's
# gcc-aarch64-linux-gnu and a musl built here from Debian's musl source package
# (Debian has no cross musl-tools), wrapped the same way.
#
# Run as root the first time (apt-get, the cache). Safe to run concurrently:
# the build holds a lock (flock) and a second run waits, then finds the result.
# Env: VOLSNAP_CACHE_ROOT (default /var/cache/kubectl-volsnap),
#      VOLSNAP_KEEP_WORK=1 keeps the work dir, JOBS (default: nproc).
set -euo pipefail

RECIPE=3
ARCH=${1:-amd64}
case "$ARCH" in
amd64)
	TARGET=x86_64-linux-musl OSSL_TARGET=linux-x86_64 CROSS=""
	TOOLS=(musl-tools)
	;;
arm64)
	TARGET=aarch64-linux-musl OSSL_TARGET=linux-aarch64 CROSS=aarch64-linux-gnu-
	TOOLS=(gcc-aarch64-linux-gnu linux-libc-dev-arm64-cross)
	;;
*)
	echo "release/static-libs.sh: unknown architecture '$ARCH' (amd64 or arm64)" >&2
	exit 2
	;;
esac
CACHE_ROOT=${VOLSNAP_CACHE_ROOT:-/var/cache/kubectl-volsnap}
JOBS=${JOBS:-$(nproc)}
PACKAGES=(zlib openssl nghttp2 libyaml json-c libarchive curl)
[ "$ARCH" = amd64 ] || PACKAGES=(musl "${PACKAGES[@]}")
HERE="$(cd "$(dirname "$0")" && pwd)"
STEP=init

log() { printf '[static %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	printf '[static] FAILED at step "%s": %s\n' "$STEP" "$*" >&2
	exit 1
}
step() {
	STEP=$1
	log "step: $1"
}
WORK=""
on_exit() {
	local rc=$?
	if [ -n "$WORK" ]; then
		if [ "${VOLSNAP_KEEP_WORK:-0}" = 1 ]; then log "kept work dir $WORK"; else rm -rf "$WORK"; fi
	fi
	[ "$rc" -eq 0 ] || printf '[static] FAILED at step "%s" (exit %s)\n' "$STEP" "$rc" >&2
}
trap on_exit EXIT

# The highest version of source package $1 that apt knows (empty if none).
source_version() {
	local best="" v
	for v in $(apt-cache showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/{print $2}'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	printf '%s' "$best"
}

step "install build tools"
need=()
for p in "${TOOLS[@]}" cmake dpkg-dev make perl file; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}"
	log "installing: ${need[*]}"
	apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || die "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		"${need[@]}" >/dev/null || die "apt-get install ${need[*]}"
fi

step "resolve source versions"
if [ -z "$(source_version zlib)" ]; then
	[ "$(id -u)" = 0 ] || die "no deb-src entry for bookworm; run once as root"
	"$HERE/deb-src.sh" >&2 || die "adding the deb-src entry"
	apt-get -o DPkg::Lock::Timeout=600 update -qq >&2 || die "apt-get update (with deb-src)"
fi
versions="recipe $RECIPE"$'\n'"target $TARGET"
for t in "${TOOLS[@]}"; do versions+=$'\n'"$t $(dpkg-query -W -f='${Version}' "$t")"; done
for p in "${PACKAGES[@]}"; do
	v=$(source_version "$p")
	[ -n "$v" ] || die "apt-cache showsrc $p gave no version"
	versions+=$'\n'"$p $v"
done
KEY=$(printf '%s\n' "$versions" | sha256sum | cut -c1-16)
OUT="$CACHE_ROOT/static-$KEY"
if [ -f "$OUT/.complete" ]; then
	printf '%s\n' "$OUT/prefix"
	exit 0
fi

step "lock"
[ "$(id -u)" = 0 ] || [ -w "$CACHE_ROOT" ] || die "cannot write $CACHE_ROOT; run once as root"
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.static-build.lock"
if ! flock -n 9; then
	log "another build is running; waiting for its lock"
	flock 9
fi
if [ -f "$OUT/.complete" ]; then
	printf '%s\n' "$OUT/prefix"
	exit 0
fi
log "building into $OUT:"$'\n'"$versions"

# A fixed work dir (we hold the lock): its name reaches the libraries (OpenSSL
# keeps its compiler flags as a string), so a random one would make every
# machine's release binary differ.
WORK=/var/tmp/kubectl-volsnap-static-$ARCH
rm -rf "$WORK"
mkdir -p "$WORK"
# Built in place (the .pc files name the prefix); .complete marks it usable.
P="$OUT/prefix"
rm -rf "$OUT"
mkdir -p "$P/lib/pkgconfig" "$P/include"
printf '%s\n' "$versions" >"$OUT/versions"
: >"$OUT/times"
# The work dir's random name must not reach the binary (assert() file names):
# a fixed name instead keeps the release binary the same on every machine.
MUSL="$OUT/musl"
if [ "$ARCH" = amd64 ]; then
	CC=musl-gcc
	UAPI=/usr/include ASM="/usr/include/$(gcc -dumpmachine)/asm"
else
	CC="$MUSL/bin/musl-gcc"
	UAPI=/usr/aarch64-linux-gnu/include ASM=/usr/aarch64-linux-gnu/include/asm
fi
export CC CFLAGS="-O2 -ffile-prefix-map=$WORK=/usr/src/volsnap-static" AR="${CROSS}ar" RANLIB="${CROSS}ranlib" \
	PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" PKG_CONFIG_PATH=
# musl-gcc sees no kernel headers; OpenSSL's mem_sec.c needs <linux/mman.h>.
# The kernel's UAPI headers do not depend on the libc, so link them in.
KINC="$WORK/kinc"
mkdir -p "$KINC"
ln -s "$UAPI/linux" "$KINC/linux"
ln -s "$UAPI/asm-generic" "$KINC/asm-generic"
ln -s "$ASM" "$KINC/asm"

timed() {
	local name=$1 t0=$SECONDS
	shift
	step "build $name"
	"$@" >"$WORK/$name.log" 2>&1 || {
		tail -n 40 "$WORK/$name.log" >&2
		die "building $name (log above)"
	}
	printf '%s %s\n' "$name" "$((SECONDS - t0))" >>"$OUT/times"
	log "$name: $((SECONDS - t0)) s"
}

fetch() {
	local p v
	cd "$WORK"
	for p in "${PACKAGES[@]}"; do
		v=$(awk -v p="$p" '$1 == p {print $2}' "$OUT/versions")
		apt-get source -qq --download-only "$p=$v"
		dpkg-source --no-check -x "$(ls "${p}"_*.dsc)" "src-$p"
	done
}

# Debian's patches touch configure.ac/Makefile.am; without autotools installed,
# make would try to regenerate. Make the generated files newer than their sources.
touch_generated() {
	touch aclocal.m4
	sleep 1
	touch configure
	sleep 1
	touch -c config.h.in lib/curl_config.h.in
	find . -name Makefile.in -exec touch {} +
}

cmake_static() {
	local cross=()
	[ "$ARCH" = amd64 ] || cross=(-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64
		-DCMAKE_AR="$(command -v "${CROSS}ar")" -DCMAKE_RANLIB="$(command -v "${CROSS}ranlib")")
	cmake -S . -B _b -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" \
		-DCMAKE_INSTALL_LIBDIR=lib "${cross[@]}" "$@"
}

# arm64: musl itself, with its gcc wrapper (musl-gcc + specs) around the cross gcc.
build_musl() {
	cd "$WORK/src-musl"
	CC="${CROSS}gcc" CFLAGS="-O2 -ffile-prefix-map=$WORK=/usr/src/volsnap-static" ./configure \
		--prefix="$MUSL" --target="${CROSS%-}" --disable-shared --enable-wrapper=gcc
	make -j"$JOBS"
	make install
	[ -x "$MUSL/bin/musl-gcc" ]
}

build_zlib() {
	cd "$WORK/src-zlib"
	./configure --static --prefix="$P"
	make -j"$JOBS" libz.a
	make install
}

build_openssl() {
	cd "$WORK/src-openssl"
	CPPFLAGS="-idirafter $KINC" ./Configure "$OSSL_TARGET" --prefix="$P" --libdir=lib --openssldir=/etc/ssl \
		no-shared no-module no-tests no-afalgeng no-dso no-engine no-comp no-ssl3 no-weak-ssl-ciphers
	make -j"$JOBS" build_libs
	make install_dev
}

build_nghttp2() {
	cd "$WORK/src-nghttp2"
	cmake_static -DENABLE_LIB_ONLY=ON -DENABLE_STATIC_LIB=ON -DENABLE_SHARED_LIB=OFF -DENABLE_DOC=OFF
	cmake --build _b -j"$JOBS"
	cmake --install _b
}

build_libyaml() {
	cd "$WORK/src-libyaml"
	cmake_static -DINSTALL_LIB_DIR=lib -DINSTALL_CMAKE_DIR=lib/cmake/yaml -DBUILD_SHARED_LIBS=OFF \
		-DBUILD_TESTING=OFF
	cmake --build _b -j"$JOBS" --target yaml
	cmake --install _b
	# Its cmake build installs no yaml-0.1.pc; the plugin's Makefile asks pkg-config.
	cat >"$P/lib/pkgconfig/yaml-0.1.pc" <<PC
prefix=$P
Name: LibYAML
Description: Library to parse and emit YAML
Version: 0.2.5
Cflags: -I\${prefix}/include -DYAML_DECLARE_STATIC
Libs: -L\${prefix}/lib -lyaml
PC
}

build_json_c() {
	cd "$WORK/src-json-c"
	cmake_static -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DDISABLE_WERROR=ON
	cmake --build _b -j"$JOBS"
	cmake --install _b
}

build_libarchive() {
	cd "$WORK/src-libarchive"
	touch_generated
	CPPFLAGS="-I$P/include" LDFLAGS="-L$P/lib" ./configure --host=$TARGET --prefix="$P" \
		--disable-shared --enable-static --disable-bsdtar --disable-bsdcpio --disable-bsdcat --disable-acl \
		--disable-xattr --with-zlib --without-bz2lib --without-lzma --without-zstd --without-lz4 \
		--without-lzo2 --without-libb2 --without-xml2 --without-expat --without-openssl --without-nettle \
		--without-mbedtls --without-cng --without-iconv
	make -j"$JOBS" libarchive.la
	make install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA
}

build_curl() {
	cd "$WORK/src-curl"
	touch_generated
	# The CA bundle path is only a fallback for a kubeconfig with no CA
	# (certificate-authority[-data]); see docs/install.md, "Trust".
	./configure --host=$TARGET --prefix="$P" --disable-shared --enable-static \
		--with-openssl="$P" --with-nghttp2="$P" --with-zlib="$P" \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-fallback \
		--disable-ldap --disable-ldaps --without-libpsl --without-libidn2 --without-brotli --without-zstd \
		--without-librtmp --without-libssh2 --without-libgsasl --without-gssapi --without-hyper --without-msh3 \
		--without-ngtcp2 --without-nghttp3 --without-quiche --disable-ftp --disable-file --disable-dict \
		--disable-gopher --disable-imap --disable-mqtt --disable-pop3 --disable-rtsp --disable-smb \
		--disable-smtp --disable-telnet --disable-tftp --disable-manual --disable-ntlm --disable-ntlm-wb \
		--enable-threaded-resolver --enable-ipv6
	make -j"$JOBS" -C lib libcurl.la
	make -C lib install
	make -C include install
	make install-pkgconfigDATA install-binSCRIPTS
}

T0=$SECONDS
timed fetch fetch
[ "$ARCH" = amd64 ] || timed musl build_musl
timed zlib build_zlib
timed openssl build_openssl
timed nghttp2 build_nghttp2
timed libyaml build_libyaml
timed json-c build_json_c
timed libarchive build_libarchive
timed curl build_curl
printf 'total %s\n' "$((SECONDS - T0))" >>"$OUT/times"

step "verify"
for pc in libcurl yaml-0.1 json-c libarchive openssl zlib libnghttp2; do
	pkg-config --exists "$pc" || die "no $pc.pc in $P/lib/pkgconfig"
done
grep -q 'HTTP2' <("$P/bin/curl-config" --features) || die "libcurl was built without HTTP/2"
touch "$OUT/.complete"
log "done in $((SECONDS - T0)) s: $OUT"
printf '%s\n' "$OUT/prefix"
