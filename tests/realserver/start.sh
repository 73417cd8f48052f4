#!/bin/bash
# Start a real kube-apiserver v1.20.2 test bed: etcd + kube-apiserver + kube-controller-manager +
# the fake snapshot controller / CSI provisioner (snapshot_controller.py), all on 127.0.0.1.
# Usage: start.sh STATE_DIR        (STATE_DIR is created if missing; stop with stop.sh STATE_DIR)
# Binaries come from build.sh's cache (or $VOLSNAP_KUBE_BIN_DIR).  See README.md.
set -euo pipefail
# shellcheck source=lib.sh disable=SC1091
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 STATE_DIR" >&2; exit 2; }
mkdir -p "$1"
STATE=$(cd "$1" && pwd -P)
TTL=${VOLSNAP_REALSERVER_TTL:-7200}      # hard upper bound on every process's lifetime (seconds)
START_TIMEOUT=${VOLSNAP_REALSERVER_START_TIMEOUT:-120} # per wait; generous for loaded machines
CRD_DIR=${VOLSNAP_CRD_DIR:-$REPO_ROOT/../shared/crds}
T0=$SECONDS
PHASE="init"

if [ -s "$STATE/pids" ]; then
	while read -r p; do
		if [[ "$p" =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null; then
			echo "start.sh: $STATE/pids lists running process $p; run stop.sh $STATE first" >&2
			exit 1
		fi
	done <"$STATE/pids"
fi

BIN=$(rs_kube_bin_dir) || { echo "start.sh: no kube binaries in $VOLSNAP_CACHE_ROOT/kube-*/ (run tests/realserver/build.sh as root, or set VOLSNAP_KUBE_BIN_DIR)" >&2; exit 1; }
[ -d "$CRD_DIR" ] || { echo "start.sh: CRD dir $CRD_DIR not found (set VOLSNAP_CRD_DIR)" >&2; exit 1; }
for tool in etcd openssl curl "$PYTHON"; do
	command -v "$tool" >/dev/null || { echo "start.sh: $tool not found" >&2; exit 1; }
done

OK=0
on_exit() {
	local rc=$?
	if [ "$OK" != 1 ]; then
		echo "start.sh: FAILED during \"$PHASE\" (exit $rc); stopping what was started. Logs: $STATE/logs" >&2
		local f
		for f in "$STATE"/logs/*.log; do
			[ -f "$f" ] || continue
			echo "---- last lines of $f" >&2
			tail -n 15 "$f" >&2
		done
		rs_stop_pids "$STATE"
	fi
}
trap on_exit EXIT

phase() { PHASE=$1; rs_log "$1 (t+$((SECONDS - T0))s)"; }

rm -rf "$STATE/etcd" "$STATE/logs" "$STATE/pki"
mkdir -p "$STATE/logs" "$STATE/pki" "$STATE/etcd"
chmod 700 "$STATE/pki" "$STATE/etcd"
: >"$STATE/pids"
rm -f "$STATE/env" "$STATE/server" "$STATE/snapshot-controller.ready"

# Run a daemon bounded by `timeout` (its own process group), logging to logs/NAME.log.
launch() {
	local name=$1
	shift
	timeout -k 5 "$TTL" "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
	echo $! >>"$STATE/pids"
}
alive_or_die() {
	local name=$1 pid
	pid=$(tail -n 1 "$STATE/pids")
	kill -0 "$pid" 2>/dev/null || { echo "start.sh: $name exited early" >&2; return 1; }
}
wait_for() { # NAME SECONDS CMD...
	local name=$1 secs=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "start.sh: timed out after ${secs}s waiting for $name" >&2; return 1; }
		sleep 0.2
	done
}
pick_ports() { "$PYTHON" -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"; }

phase "certificates and tokens"
PKI=$STATE/pki
(
	cd "$PKI"
	# EC P-256 keys: much cheaper to generate than RSA on a loaded 2-core machine.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
		-days 3650 -subj "/CN=volsnap-test-ca" 2>/dev/null
	sign() { # NAME SUBJ EXT
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" \
			-subj "$2" 2>/dev/null
		printf '%b' "$3" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
			-extfile "$1.ext" -out "$1.crt" 2>/dev/null
	}
	sign server "/CN=kube-apiserver" 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
	sign cert-admin "/O=system:masters/CN=cert-admin" 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
	openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
	openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
)
cp "$PKI/ca.crt" "$STATE/ca.crt"
ADMIN_TOKEN=$(openssl rand -hex 24)
ALICE_TOKEN=$(openssl rand -hex 24)
printf '%s\n' "$ADMIN_TOKEN" >"$STATE/admin.token"
chmod 600 "$STATE/admin.token"
printf '%s,admin,uid-admin,"system:masters"\n%s,alice,uid-alice\n' "$ADMIN_TOKEN" "$ALICE_TOKEN" >"$PKI/tokens.csv"

read -r ETCD_PORT ETCD_PEER_PORT API_PORT < <(pick_ports 3)
SERVER="https://127.0.0.1:$API_PORT"

phase "etcd on 127.0.0.1:$ETCD_PORT"
launch etcd etcd --name volsnap --data-dir "$STATE/etcd" \
	--listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
	--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
	--initial-cluster "volsnap=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
	--quota-backend-bytes 1073741824 --log-level warn
wait_for etcd "$START_TIMEOUT" curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
alive_or_die etcd

phase "kube-apiserver on $SERVER"
launch kube-apiserver "$BIN/kube-apiserver" \
	--etcd-servers "http://127.0.0.1:$ETCD_PORT" \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" --insecure-port 0 \
	--tls-cert-file "$PKI/server.crt" --tls-private-key-file "$PKI/server.key" \
	--client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" \
	--authorization-mode RBAC \
	--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
	--service-account-issuer https://kubernetes.default.svc.cluster.local \
	--api-audiences https://kubernetes.default.svc.cluster.local \
	--service-cluster-ip-range 10.0.0.0/24 --endpoint-reconciler-type none \
	--allow-privileged --profiling=false --v 1
APISERVER_PID=$(tail -n 1 "$STATE/pids")
apiserver_ready() {
	kill -0 "$APISERVER_PID" 2>/dev/null || { echo "start.sh: kube-apiserver exited (see $STATE/logs/kube-apiserver.log)" >&2; exit 1; }
	curl -fsS --cacert "$STATE/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$SERVER/readyz"
}
deadline=$((SECONDS + START_TIMEOUT))
until apiserver_ready >/dev/null 2>&1; do
	kill -0 "$APISERVER_PID" 2>/dev/null || { echo "start.sh: kube-apiserver exited early" >&2; exit 1; }
	[ "$SECONDS" -lt "$deadline" ] || { echo "start.sh: kube-apiserver not ready after ${START_TIMEOUT}s" >&2; exit 1; }
	sleep 0.3
done

phase "kubeconfigs"
CA_DATA=$(base64 -w0 <"$PKI/ca.crt")
write_kubeconfig() { # FILE USER-YAML-LINES
	cat >"$1" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $SERVER
    certificate-authority-data: $CA_DATA
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
preferences: {}
KCFG
	chmod 600 "$1"
}
write_kubeconfig "$STATE/admin.kubeconfig" "    token: $ADMIN_TOKEN"
write_kubeconfig "$STATE/denied.kubeconfig" "    token: $ALICE_TOKEN"
write_kubeconfig "$STATE/cert.kubeconfig" "    client-certificate-data: $(base64 -w0 <"$PKI/cert-admin.crt")
    client-key-data: $(base64 -w0 <"$PKI/cert-admin.key")"
printf '%s\n' "$SERVER" >"$STATE/server"

phase "kube-controller-manager"
launch kube-controller-manager "$BIN/kube-controller-manager" \
	--kubeconfig "$STATE/admin.kubeconfig" --leader-elect=false \
	--port 0 --secure-port 0 \
	--controllers namespace,garbagecollector,persistentvolume-binder,pvc-protection,pv-protection,cronjob,job,deployment,replicaset,statefulset,serviceaccount,serviceaccount-token,root-ca-cert-publisher \
	--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
	--use-service-account-credentials=false \
	--pvclaimbinder-sync-period 5s --concurrent-gc-syncs 5 --v 1
alive_or_die kube-controller-manager

# The snapshot controller starts while the CRDs are being installed (its list calls retry
# until the resources exist); it reports readiness once every initial list succeeded.
phase "snapshot controller / fake CSI driver"
launch snapshot-controller "$PYTHON" -u "$REALSERVER_DIR/snapshot_controller.py" \
	--kubeconfig "$STATE/admin.kubeconfig" --ready-file "$STATE/snapshot-controller.ready"
SNAPCTL_PID=$(tail -n 1 "$STATE/pids")

phase "snapshot CRDs from $CRD_DIR"
"$PYTHON" "$REALSERVER_DIR/install_crds.py" "$STATE/admin.kubeconfig" "$CRD_DIR" >"$STATE/logs/install-crds.log" 2>&1 ||
	{ cat "$STATE/logs/install-crds.log" >&2; exit 1; }

phase "waiting for the snapshot controller"
deadline=$((SECONDS + START_TIMEOUT))
until [ -f "$STATE/snapshot-controller.ready" ]; do
	kill -0 "$SNAPCTL_PID" 2>/dev/null || { echo "start.sh: snapshot_controller.py exited early" >&2; exit 1; }
	[ "$SECONDS" -lt "$deadline" ] || { echo "start.sh: snapshot_controller.py not ready after ${START_TIMEOUT}s" >&2; exit 1; }
	sleep 0.2
done

phase "waiting for kube-controller-manager (default ServiceAccount)"
KCM_PID=$(sed -n 3p "$STATE/pids")
deadline=$((SECONDS + START_TIMEOUT))
until curl -fsS --cacert "$STATE/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
	"$SERVER/api/v1/namespaces/default/serviceaccounts/default" >/dev/null 2>&1; do
	kill -0 "$KCM_PID" 2>/dev/null || { echo "start.sh: kube-controller-manager exited early" >&2; exit 1; }
	[ "$SECONDS" -lt "$deadline" ] || { echo "start.sh: kube-controller-manager made no default ServiceAccount in ${START_TIMEOUT}s" >&2; exit 1; }
	sleep 0.3
done

printf 'export VOLSNAP_TEST_SERVER=real\nexport VOLSNAP_TEST_URL=%s\n' "$SERVER" >"$STATE/env"
OK=1
rs_log "ready in $((SECONDS - T0))s: $SERVER (state $STATE)"
