#!/bin/bash
# `make dist VERSION=x.y.z`: the krew release under dist/:
#   kubectl-volsnap_vX.Y.Z_linux_{amd64,arm64}.tar.gz   the static binary,
#                                               LICENSE and the completion helper
#   krew-manifest.yaml                           krew-manifest.yaml rendered with
#                                               the release tag's uris and sha256s
# The archives are reproducible: sorted entries, mtime SOURCE_DATE_EPOCH (default:
# the last commit's time), owner 0:0, fixed modes, gzip without name or time.
set -euo pipefail
# shellcheck source=release/lib.sh
. "$(dirname "$0")/lib.sh"

release/static.sh "${TAG#v}"
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
archive_platform() {
	local os=$1 arch=$2 bin=$3
	local name="kubectl-volsnap_${TAG}_${os}_${arch}.tar.gz" dir="$STAGE/$os-$arch"
	mkdir -p "$dir"
	install -m 0755 "$bin" "$dir/kubectl-volsnap"
	install -m 0644 LICENSE "$dir/LICENSE"
	# The helper is a script naming no architecture: the amd64 binary writes it.
	dist/kubectl-volsnap-linux-amd64 completion install "$dir" >/dev/null
	chmod 0755 "$dir/kubectl_complete-volsnap"
	(cd "$dir" && find . -type f -printf '%P\n' | LC_ALL=C sort) >"$STAGE/files"
	repro_tar "$dir" - -T "$STAGE/files" | gzip -n -9 >"dist/$name.tmp"
	mv "dist/$name.tmp" "dist/$name"
	printf '%s %s\n' "$name" "$(sha256sum "dist/$name" | cut -d' ' -f1)" >>"$STAGE/sums"
}
: >"$STAGE/sums"
archive_platform linux amd64 dist/kubectl-volsnap-linux-amd64
archive_platform linux arm64 dist/kubectl-volsnap-linux-arm64
python3 release/krew-manifest.py render krew-manifest.yaml "$TAG" "$STAGE/sums" >dist/krew-manifest.yaml
(cd dist && sha256sum kubectl-volsnap_"${TAG}"_*.tar.gz >"kubectl-volsnap_${TAG}_checksums.txt")
echo "dist/: $(cd dist && ls kubectl-volsnap_"${TAG}"_* krew-manifest.yaml | tr '\n' ' ')"
