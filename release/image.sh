#!/bin/bash
# `make image VERSION=x.y.z`: the container image of scheduled snapshots, built
# without a daemon (umoci, skopeo: Debian packages), FROM scratch: one layer
# holding only /kubectl-volsnap (the static binary) as the entrypoint, user
# 65532:65532, OCI labels. Written under dist/ as
#   oci/                                          an OCI image layout, tag vX.Y.Z
#   kubectl-volsnap_vX.Y.Z_image_linux_amd64.tar  a docker-archive (docker load,
#                                                 kind load image-archive)
# referenced as ghcr.io/kubectl-volsnap/kubectl-volsnap:vX.Y.Z (plugin/image.h).
# The layout is reproducible: the layer is a tar written here (sorted, mtime
# SOURCE_DATE_EPOCH, owner 0) and every timestamp in the config is that epoch.
set -euo pipefail
# shellcheck source=release/lib.sh
. "$(dirname "$0")/lib.sh"
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
REPO=$(sed -n 's/^#define VOLSNAP_IMAGE_REPOSITORY "\(.*\)"$/\1/p' plugin/image.h)
[ -n "$REPO" ] || {
	echo "error: no VOLSNAP_IMAGE_REPOSITORY in plugin/image.h" >&2
	exit 1
}
OCI=dist/oci
ARCHIVE="dist/kubectl-volsnap_${TAG}_image_linux_amd64.tar"

for tool in umoci skopeo; do
	command -v "$tool" >/dev/null && continue
	[ "$(id -u)" = 0 ] || {
		echo "error: $tool is missing; install it with: sudo apt-get install umoci skopeo" >&2
		exit 1
	}
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		umoci skopeo >/dev/null
done
release/static.sh "${TAG#v}"

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/rootfs"
install -m 0755 dist/kubectl-volsnap-linux-amd64 "$STAGE/rootfs/kubectl-volsnap"
repro_tar "$STAGE/rootfs" "$STAGE/layer.tar" kubectl-volsnap

rm -rf "$OCI" "$ARCHIVE"
umoci init --layout "$OCI"
umoci new --image "$OCI:$TAG"
umoci raw add-layer --image "$OCI:$TAG" --history.created "$CREATED" \
	--history.created_by "release/image.sh: /kubectl-volsnap" "$STAGE/layer.tar"
umoci config --image "$OCI:$TAG" --created "$CREATED" --history.created "$CREATED" \
	--history.created_by "release/image.sh: entrypoint, user, labels" \
	--os linux --architecture amd64 --config.entrypoint /kubectl-volsnap --config.user 65532:65532 \
	--config.workingdir / \
	--config.label "org.opencontainers.image.title=kubectl-volsnap" \
	--config.label "org.opencontainers.image.source=https://github.com/kubectl-volsnap/kubectl-volsnap" \
	--config.label "org.opencontainers.image.version=$TAG" \
	--config.label "org.opencontainers.image.licenses=Apache-2.0" \
	--config.label "org.opencontainers.image.created=$CREATED" \
	--manifest.annotation "org.opencontainers.image.ref.name=$REPO:$TAG"
umoci gc --layout "$OCI"
skopeo --insecure-policy copy -q "oci:$OCI:$TAG" "docker-archive:$ARCHIVE:$REPO:$TAG"
echo "dist/: oci ($REPO:$TAG) $(basename "$ARCHIVE")"
