#!/bin/bash
# Build kube-apiserver and kube-controller-manager v1.20.2 from Debian bookworm's
# `kubernetes` source package and cache them outside the tree in
#   /var/cache/kubectl-volsnap/kube-<debian-package-version>/
# Extra build deps of the source package: rsync, jq (debian/control Build-Depends).
# Run once per machine, as root (needs apt).  Safe to run concurrently (flock).
# If the binaries are already cached, it does nothing.
#
# Env: VOLSNAP_CACHE_ROOT (default /var/cache/kubectl-volsnap)
#      VOLSNAP_KEEP_WORK=1 keeps the temporary work dir (for debugging)
set -euo pipefail

CACHE_ROOT=${VOLSNAP_CACHE_ROOT:-/var/cache/kubectl-volsnap}
SRC_LIST=/etc/apt/sources.list.d/kubectl-volsnap-deb-src.sources
BINS=(kube-apiserver kube-controller-manager)
STEP="init"

log() { printf '[build %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf '[build] FAILED at step "%s": %s\n' "$STEP" "$*" >&2; exit 1; }
step() { STEP=$1; log "step: $1"; }
WORK=""
on_exit() {
	local rc=$?
	if [ -n "$WORK" ]; then
		if [ "${VOLSNAP_KEEP_WORK:-0}" = 1 ]; then log "kept work dir $WORK"; else rm -rf "$WORK"; fi
	fi
	if [ "$rc" -ne 0 ]; then printf '[build] FAILED at step "%s" (exit %s)\n' "$STEP" "$rc" >&2; fi
}
trap on_exit EXIT

cached_dir() {
	# Prints the first cache dir that holds all binaries and the completion marker.
	local d
	for d in "$CACHE_ROOT"/kube-*/; do
		[ -f "$d/.complete" ] || continue
		local ok=1 b
		for b in "${BINS[@]}"; do [ -x "$d/$b" ] || ok=0; done
		if [ "$ok" = 1 ]; then printf '%s\n' "${d%/}"; return 0; fi
	done
	return 1
}

if d=$(cached_dir); then log "already built: $d"; exit 0; fi

[ "$(id -u)" = 0 ] || die "must run as root (apt-get and $CACHE_ROOT)"

step "lock"
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.build.lock"
if ! flock -n 9; then
	log "another build is running; waiting for its lock"
	flock 9
fi
if d=$(cached_dir); then log "already built (by a concurrent run): $d"; exit 0; fi

step "apt-get install build dependencies"
need=()
for p in golang-go etcd-server golang-github-modern-go-reflect2-dev dpkg-dev rsync jq; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
	log "installing: ${need[*]}"
	apt-get update -qq || die "apt-get update"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || die "apt-get install ${need[*]}"
fi

step "add deb-src entry"
DEB822=/etc/apt/sources.list.d/debian.sources
[ -r "$DEB822" ] || die "$DEB822 not found"
# Copy the stanza whose Suites are "bookworm bookworm-updates", with Types: deb-src.
stanza=$(awk -v RS= -v ORS='\n\n' '/(^|\n)Suites:[ \t]*bookworm bookworm-updates[ \t]*(\n|$)/' "$DEB822" |
	sed -e 's/^Types:.*/Types: deb-src/')
[ -n "$stanza" ] || die "no stanza with 'Suites: bookworm bookworm-updates' in $DEB822"
printf '%s\n' "$stanza" | grep -q '^URIs:' || die "stanza has no URIs line"
tmp_list=$(mktemp)
printf '# Added by kubectl-volsnap tests/realserver/build.sh (copied from %s)\n%s\n' "$DEB822" "$stanza" >"$tmp_list"
if ! cmp -s "$tmp_list" "$SRC_LIST" 2>/dev/null; then
	install -m 0644 "$tmp_list" "$SRC_LIST"
fi
rm -f "$tmp_list"

step "apt-get update"
apt-get update -qq || die "apt-get update (with deb-src)"

step "resolve source version"
VERSION=$(apt-cache showsrc --only-source kubernetes 2>/dev/null | awk '/^Version:/{print $2}' | sort -V | tail -n1)
[ -n "$VERSION" ] || die "apt-cache showsrc kubernetes gave no version"
SAFE_VERSION=${VERSION//[:~]/_}
OUT="$CACHE_ROOT/kube-$SAFE_VERSION"
log "kubernetes source package version $VERSION -> $OUT"

step "download source"
WORK=$(mktemp -d /var/tmp/kubectl-volsnap-build.XXXXXX)
(cd "$WORK" && apt-get source -qq --download-only "kubernetes=$VERSION") >"$WORK/apt-source.log" 2>&1 ||
	{ cat "$WORK/apt-source.log" >&2; die "apt-get source --download-only kubernetes=$VERSION"; }

step "unpack source"
dsc=$(find "$WORK" -maxdepth 1 -name 'kubernetes_*.dsc' | head -n1)
[ -n "$dsc" ] || die "no .dsc downloaded"
(cd "$WORK" && dpkg-source --no-check -x "$(basename "$dsc")" src) >"$WORK/unpack.log" 2>&1 ||
	{ tail -n 20 "$WORK/unpack.log" >&2; die "dpkg-source -x"; }
SRC="$WORK/src"
[ -f "$SRC/Makefile" ] || die "unpacked tree has no Makefile"

step "replace vendored modern-go/reflect2 with Debian's 1.0.2"
R2_SYS=/usr/share/gocode/src/github.com/modern-go/reflect2
R2_VEN="$SRC/vendor/github.com/modern-go/reflect2"
[ -d "$R2_SYS" ] || die "$R2_SYS missing (golang-github-modern-go-reflect2-dev)"
[ -d "$R2_VEN" ] || die "$R2_VEN missing in source tree"
rm -rf "$R2_VEN"
mkdir -p "$R2_VEN"
# Only the Go sources + go.mod/LICENSE (no tests), dereferencing symlinks.
find -L "$R2_SYS" -maxdepth 1 -type f \( -name '*.go' ! -name '*_test.go' -o -name 'go.mod' -o -name 'LICENSE' \) \
	-exec cp -L {} "$R2_VEN/" \;
sed -i -e 's#^\(github.com/modern-go/reflect2\) v1\.0\.1$#\1 v1.0.2#' "$SRC/vendor/modules.txt"
sed -i -e 's#^\(\s*github.com/modern-go/reflect2\) v1\.0\.1$#\1 v1.0.2#' "$SRC/go.mod"

build_one() {
	local what=$1
	step "make WHAT=cmd/$what"
	local t0=$SECONDS
	(cd "$SRC" &&
		env CGO_ENABLED=0 GOFLAGS=-mod=vendor GOCACHE="$WORK/gocache" \
			KUBE_GIT_VERSION=v1.20.2 KUBE_GIT_TREE_STATE=clean KUBE_GIT_COMMIT="" \
			KUBE_VERBOSE=1 \
			make WHAT="cmd/$what") >"$WORK/make-$what.log" 2>&1 ||
		{ tail -n 40 "$WORK/make-$what.log" >&2; die "make WHAT=cmd/$what (log above)"; }
	local bin
	bin=$(find "$SRC/_output" -type f -name "$what" -perm -u+x | head -n1)
	[ -n "$bin" ] || die "built binary $what not found under _output"
	log "built $what in $((SECONDS - t0))s"
	install -m 0755 "$bin" "$OUT.tmp/$what"
}

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
for b in "${BINS[@]}"; do build_one "$b"; done

step "verify"
"$OUT.tmp/kube-apiserver" --version || die "kube-apiserver --version"
"$OUT.tmp/kube-controller-manager" --version || die "kube-controller-manager --version"
printf '%s\n' "$VERSION" >"$OUT.tmp/debian-version"
touch "$OUT.tmp/.complete"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
log "done: $OUT"
