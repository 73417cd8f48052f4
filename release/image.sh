#!/bin/bash
# `make image VERSION=x.y.z`: the container image of scheduled snapshots, built
# without a daemon (umoci, skopeo: Debian packages), FROM scratch: one layer
# holding only /kubectl-volsnap (the static binary) as the entrypoint, user
# 65532:65532, OCI labels. Written under dist/ as
#   oci/                                          an OCI image layout: tag vX.Y.Z an
#                                                 image index for linux/amd64 and
#                                                 linux/arm64, vX.Y.Z-linux-ARCH each image
#   kubectl-volsnap_vX.Y.Z_image_linux_ARCH.tar   a docker-archive per architecture
#                                                 (docker load, kind load image-archive)
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
ARCHES=(amd64 arm64)

for tool in umoci skopeo; do
	command -v "$tool" >/dev/null && continue
	[ "$(id -u)" = 0 ] || {
		echo "error: $tool is missing; install it with: sudo apt-get install umoci skopeo" >&2
		exit 1
	}
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
		umoci skopeo >/dev/null
done
release/static.sh "${TAG#v}" "${ARCHES[@]}"

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
rm -rf "$OCI" dist/kubectl-volsnap_"${TAG}"_image_linux_*.tar
umoci init --layout "$OCI"
# One image per architecture, tagged TAG-linux-ARCH ...
for arch in "${ARCHES[@]}"; do
	ref="$OCI:$TAG-linux-$arch"
	rm -rf "$STAGE/rootfs"
	mkdir "$STAGE/rootfs"
	install -m 0755 "dist/kubectl-volsnap-linux-$arch" "$STAGE/rootfs/kubectl-volsnap"
	repro_tar "$STAGE/rootfs" "$STAGE/layer-$arch.tar" kubectl-volsnap
	umoci new --image "$ref"
	umoci raw add-layer --image "$ref" --history.created "$CREATED" \
		--history.created_by "release/image.sh: /kubectl-volsnap" "$STAGE/layer-$arch.tar"
	umoci config --image "$ref" --created "$CREATED" --history.created "$CREATED" \
		--history.created_by "release/image.sh: entrypoint, user, labels" \
		--os linux --architecture "$arch" --config.entrypoint /kubectl-volsnap --config.user 65532:65532 \
		--config.workingdir / \
		--config.label "org.opencontainers.image.title=kubectl-volsnap" \
		--config.label "org.opencontainers.image.source=https://github.com/kubectl-volsnap/kubectl-volsnap" \
		--config.label "org.opencontainers.image.version=$TAG" \
		--config.label "org.opencontainers.image.licenses=Apache-2.0" \
		--config.label "org.opencontainers.image.created=$CREATED" \
		--manifest.annotation "org.opencontainers.image.ref.name=$REPO:$TAG"
done
umoci gc --layout "$OCI"
# ... and TAG itself an image index over them, so a node of either
# architecture pulls its own (a CronJob's pod on an arm64 node included).
python3 - "$OCI" "$TAG" "${ARCHES[@]}" <<'PY'
import hashlib, json, os, sys
oci, tag, arches = sys.argv[1], sys.argv[2], sys.argv[3:]
index_path = os.path.join(oci, "index.json")
top = json.load(open(index_path))
by_ref = {m["annotations"]["org.opencontainers.image.ref.name"]: m for m in top["manifests"]}
manifests = []
for arch in arches:
    m = dict(by_ref["%s-linux-%s" % (tag, arch)])
    m.pop("annotations", None)
    m["platform"] = {"architecture": arch, "os": "linux"}
    manifests.append(m)
blob = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": manifests}, sort_keys=True, separators=(",", ":")).encode()
digest = hashlib.sha256(blob).hexdigest()
open(os.path.join(oci, "blobs", "sha256", digest), "wb").write(blob)
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
                         "size": len(blob), "annotations": {"org.opencontainers.image.ref.name": tag}})
json.dump(top, open(index_path, "w"), sort_keys=True, separators=(",", ":"))
PY
# A docker-archive per architecture (docker load, kind load image-archive).
for arch in "${ARCHES[@]}"; do
	skopeo --insecure-policy copy -q "oci:$OCI:$TAG-linux-$arch" \
		"docker-archive:dist/kubectl-volsnap_${TAG}_image_linux_$arch.tar:$REPO:$TAG"
done
echo "dist/: oci ($REPO:$TAG for linux/${ARCHES[*]}) $(cd dist && ls kubectl-volsnap_"${TAG}"_image_linux_*.tar | tr '\n' ' ')"
