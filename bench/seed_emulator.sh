#!/usr/bin/env bash
# bench/seed_emulator.sh STATE_DIR N NAMESPACES [FROM]: ready VolumeSnapshots number FROM (0) to
# N-1 over NAMESPACES namespaces (made when FROM is 0), stored through the emulator's seeding endpoint in batches (one request per 2,000
# objects instead of N creates). The same objects bench/seed_real.py makes on a real server.
set -euo pipefail
STATE=$1 N=$2 NAMESPACES=$3 FROM=${4:-0}
BATCH=2000
WORK=$(mktemp -d /tmp/volsnap-seed.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 - "$N" "$NAMESPACES" "$BATCH" "$WORK/batch" "$FROM" <<'PY'
import json, sys
n, nns, batch, prefix, start = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench-%02d" % i}}
         for i in range(nns if start == 0 else 0)]
for i in range(start, n):
    ns, pvc = "bench-%02d" % (i % nns), "data-%03d" % (i % 100)
    items.append({
        "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
        "metadata": {"name": "%s-%06d" % (pvc, i), "namespace": ns,
                     "creationTimestamp": "2024-05-%02dT%02d:00:00Z" % (1 + i % 28, i % 24),
                     "labels": {"app.kubernetes.io/managed-by": "kubectl-volsnap", "volsnap.io/source-pvc": pvc}},
        "spec": {"volumeSnapshotClassName": "csi-hostpath-snapclass", "source": {"persistentVolumeClaimName": pvc}},
        "status": {"boundVolumeSnapshotContentName": "snapcontent-%06d" % i, "readyToUse": True,
                   "restoreSize": "1Gi", "creationTime": "2024-05-01T00:00:00Z"}})
for k in range(0, len(items), batch):
    with open("%s.%04d.json" % (prefix, k // batch), "w") as f:
        json.dump({"items": items[k:k + batch]}, f)
PY
for f in "$WORK"/batch.*.json; do
	curl -sSf --cacert "$STATE/ca.crt" -H "Authorization: Bearer $(cat "$STATE/admin.token")" \
		-H 'Content-Type: application/json' --data-binary "@$f" "$(cat "$STATE/server")/__emulator/objects" >/dev/null
done
