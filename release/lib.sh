# Sourced by release/dist.sh and release/image.sh (their $1 is the version):
# the release's version, tag and time, and the one way they write a tar.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VERSION=${1:-$(cat VERSION)}
TAG="v${VERSION#v}"
# Every timestamp in the artefacts; the last commit's time unless given.
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

# repro_tar DIR OUT FILE...: a tar of DIR's FILEs, the same bytes every time
# (sorted, mtime EPOCH, owner 0:0, GNU format without atime/ctime).
repro_tar() {
	local dir=$1 out=$2
	shift 2
	tar --format=gnu --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$out" "$@"
}
