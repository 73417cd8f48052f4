#!/bin/bash
# Start the API-server emulator in the background: tests/apiserver/start.sh STATE_DIR [PROFILE]
# PROFILE: a file name in tests/apiserver/clusters/ (default generic.yaml) or a path.
# Extra: --crds DIR (default: <repo>/../shared/crds). Writes kubeconfigs, ca.crt, env... to STATE_DIR.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CRDS="$REPO/../shared/crds"
ARGS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--crds) CRDS=$2; shift 2 ;;
	--crds=*) CRDS=${1#--crds=}; shift ;;
	*) ARGS+=("$1"); shift ;;
	esac
done
[ "${#ARGS[@]}" -ge 1 ] || { echo "usage: $0 STATE_DIR [PROFILE] [--crds DIR]" >&2; exit 2; }
STATE=${ARGS[0]}
PROFILE=${ARGS[1]:-generic.yaml}
[ -f "$PROFILE" ] || PROFILE="$HERE/clusters/$PROFILE"
[ -f "$PROFILE" ] || { echo "start.sh: profile not found: ${ARGS[1]:-generic.yaml}" >&2; exit 2; }
[ -d "$CRDS" ] || { echo "start.sh: CRD directory not found: $CRDS" >&2; exit 2; }
mkdir -p "$STATE/logs" "$STATE/pki"
STATE=$(cd "$STATE" && pwd)
if [ -s "$STATE/pids" ] && kill -0 "$(head -1 "$STATE/pids")" 2>/dev/null; then
	echo "start.sh: already running in $STATE (stop.sh first)" >&2; exit 1
fi
rm -f "$STATE/port"

# --- PKI: a CA, a server cert for 127.0.0.1/localhost, an admin client cert (openssl CLI).
P=$STATE/pki
ossl() { openssl "$@" >>"$STATE/logs/openssl.log" 2>&1; }
ossl ecparam -name prime256v1 -genkey -noout -out "$P/ca.key"
ossl req -x509 -new -key "$P/ca.key" -subj "/CN=volsnap-emulator-ca" -days 3650 -out "$STATE/ca.crt" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
ossl ecparam -name prime256v1 -genkey -noout -out "$P/server.key"
ossl req -new -key "$P/server.key" -subj "/CN=kube-apiserver" -out "$P/server.csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$P/server.ext"
ossl x509 -req -in "$P/server.csr" -CA "$STATE/ca.crt" -CAkey "$P/ca.key" -CAserial "$P/ca.srl" -CAcreateserial -days 3650 \
	-extfile "$P/server.ext" -out "$P/server.crt"
ossl ecparam -name prime256v1 -genkey -noout -out "$P/client.key"
ossl req -new -key "$P/client.key" -subj "/O=system:masters/CN=cert-admin" -out "$P/client.csr"
printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$P/client.ext"
ossl x509 -req -in "$P/client.csr" -CA "$STATE/ca.crt" -CAkey "$P/ca.key" -CAserial "$P/ca.srl" -CAcreateserial -days 3650 \
	-extfile "$P/client.ext" -out "$P/client.crt"

token() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
token >"$STATE/admin.token"
token >"$STATE/alice.token"
chmod 600 "$STATE/admin.token" "$STATE/alice.token" "$P"/*.key

# --- the server, detached from this shell's session so callers' pipes close.
setsid /usr/bin/python3 "$HERE/server.py" --state "$STATE" --profile "$PROFILE" --crds "$CRDS" \
	</dev/null >>"$STATE/logs/emulator.log" 2>&1 &
PID=$!
echo "$PID" >"$STATE/pids"
for _ in $(seq 1 200); do
	[ -s "$STATE/port" ] && break
	kill -0 "$PID" 2>/dev/null || { echo "start.sh: emulator died; see $STATE/logs/emulator.log" >&2; tail -20 "$STATE/logs/emulator.log" >&2; exit 1; }
	sleep 0.05
done
[ -s "$STATE/port" ] || { echo "start.sh: emulator did not report a port" >&2; exit 1; }
PORT=$(cat "$STATE/port")
URL="https://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
	curl -sf --cacert "$STATE/ca.crt" "$URL/version" >/dev/null && break
	sleep 0.05
done
curl -sf --cacert "$STATE/ca.crt" "$URL/version" >/dev/null || { echo "start.sh: emulator does not answer on $URL" >&2; exit 1; }

echo "$URL" >"$STATE/server"
b64() { base64 -w0 <"$1"; }
CA=$(b64 "$STATE/ca.crt")
kubeconfig() { # file user-stanza
	cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $URL
    certificate-authority-data: $CA
users:
- name: test
  user:
$2
contexts:
- name: test
  context:
    cluster: test
    user: test
    namespace: default
current-context: test
KC
	chmod 600 "$1"
}
kubeconfig "$STATE/admin.kubeconfig" "    token: $(cat "$STATE/admin.token")"
kubeconfig "$STATE/denied.kubeconfig" "    token: $(cat "$STATE/alice.token")"
kubeconfig "$STATE/cert.kubeconfig" "    client-certificate-data: $(b64 "$P/client.crt")
    client-key-data: $(b64 "$P/client.key")"
# Profile users (allow-list RBAC): STATE_DIR/user-<name>.kubeconfig
/usr/bin/python3 -c '
import sys; sys.path.insert(0, sys.argv[1])
import profiles
for u in profiles.load(sys.argv[2]).get("users") or []:
    print(u["name"], u["token"])' "$HERE" "$PROFILE" | while read -r name tok; do
	kubeconfig "$STATE/user-$name.kubeconfig" "    token: $tok"
done
cat >"$STATE/env" <<ENV
export VOLSNAP_TEST_SERVER=emulator
export VOLSNAP_TEST_URL=$URL
ENV
echo "$URL"
