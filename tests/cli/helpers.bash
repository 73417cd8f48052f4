# Shared helpers for the CLI suites (bats). Loaded by every .bats file with
#   load ../helpers
# tests/run.sh starts one test bed per run (emulator or real kube-apiserver) and
# exports VOLSNAP_STATE (the bed's state dir, see docs/ARCHITECTURE.md) and
# VOLSNAP_TEST_SERVER (emulator|real). PATH starts with the folder holding the
# kubectl-volsnap under test, so `kubectl volsnap ...` runs it as users do.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export KUBECONFIG="$VOLSNAP_STATE/admin.kubeconfig"
export NO_COLOR=1

# Debian's python3, whose PyYAML `make deps` installs, whatever else is on PATH.
python3() { /usr/bin/python3 "$@"; }

# kubectl as the admin, for seeding and asserting.
kc() { kubectl --kubeconfig "$VOLSNAP_STATE/admin.kubeconfig" "$@"; }

# The plugin as users run it.
volsnap() { kubectl volsnap "$@"; }

on_emulator() { [ "$VOLSNAP_TEST_SERVER" = emulator ]; }
on_real() { [ "$VOLSNAP_TEST_SERVER" = real ]; }
emulator_only() { on_emulator || skip "needs the emulator (${1:-profiles or fault injection})"; }

# A fresh namespace per test keeps tests independent: sets NS and returns it.
new_ns() {
	NS="t-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	kc create namespace "$NS" >/dev/null
	export NS
}

# Applies YAML from stdin (create; AlreadyExists is fine for shared fixtures).
kc_create() {
	local out
	if ! out=$(kc create --validate=false -f - 2>&1); then
		case "$out" in *AlreadyExists* | *"already exists"*) ;; *)
			echo "$out" >&2
			return 1
			;;
		esac
	fi
}

# make_pvc NAME [SIZE] [CLASS]: a PVC in $NS that becomes Bound. On the real
# server there is no provisioner, so a matching PV is made first (the real PV
# controller binds them); the emulator's binder provisions one itself.
make_pvc() {
	local name=$1 size=${2:-1Gi} class=${3:-csi-hostpath-sc} driver
	if on_real; then
		driver=$(kc get storageclass "$class" -o jsonpath='{.provisioner}')
		kc_create <<YAML
apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-$NS-$name
  # Marks the PV as provisioned, so deleting its claim deletes it (as the real
  # external-provisioner's PVs are) instead of leaving it Failed.
  annotations: {pv.kubernetes.io/provisioned-by: $driver}
spec:
  capacity: {storage: $size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: $class
  claimRef: {namespace: $NS, name: $name}
  csi: {driver: $driver, volumeHandle: vol-$NS-$name}
YAML
	fi
	create_pvc "$name" "$size" "$class" "{}"
	wait_for 60 pvc_phase_is "$name" Bound
}

# A PVC that nothing binds (the source document's unbound-PVC trap). The
# annotation keeps the emulator's binder away; the real bed has no provisioner.
make_pending_pvc() {
	create_pvc "$1" "${2:-1Gi}" "${3:-csi-hostpath-sc}" '{volsnap.test/stay-pending: "true"}'
}

# create_pvc NAME SIZE CLASS ANNOTATIONS (a YAML flow map) [SPEC] (more spec
# fields, a YAML flow map's content, e.g. "volumeName: pv1")
create_pvc() {
	kc_create <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $1, namespace: $NS, annotations: $4}
spec: {accessModes: [ReadWriteOnce], storageClassName: $3, resources: {requests: {storage: $2}}${5:+, $5}}
YAML
}

# "Nothing was created/deleted" checks. Each read must itself succeed: a read
# that fails for any other reason (server down, 403, an injected fault) fails
# the check instead of passing for "absent".

# absent KIND NAME: NAME does not exist in $NS (the server said NotFound).
# Returns 1 when it exists, 2 (with the error on stderr) when the read failed.
absent() {
	local out
	out=$(kc get "$1" "$2" -n "$NS" -o name 2>&1) && return 1
	case "$out" in "Error from server (NotFound): "*) return 0 ;; esac
	echo "absent $1 $2: the read itself failed: $out" >&2
	return 2
}

# no_snapshots: a successful list of $NS's VolumeSnapshots is empty.
no_snapshots() {
	local out
	out=$(kc get volumesnapshots -n "$NS" -o name) || {
		echo "no_snapshots: listing the snapshots of $NS failed" >&2
		return 2
	}
	[ -z "$out" ] || {
		echo "no_snapshots: $NS holds $out" >&2
		return 1
	}
}

pvc_phase_is() { [ "$(kc get pvc "$1" -n "$NS" -o jsonpath='{.status.phase}')" = "$2" ]; }
snapshot_ready() { [ "$(kc get volumesnapshot "$1" -n "$NS" -o jsonpath='{.status.readyToUse}')" = true ]; }

# wait_for SECONDS CMD...: polls CMD every 0.2 s (test set-up only; the plugin itself watches).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ $SECONDS -ge $deadline ]; then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.2
	done
}

# on_tty ANSWER CMD...: CMD with stdin on a terminal, ANSWER typed at its
# "[y/N]" question ("-": none); stderr ends with "on_tty: asked N" (on_tty.py).
on_tty() { python3 "$REPO_ROOT/tests/cli/on_tty.py" "$@"; }

# Emulator control (tests/apiserver/ctl.sh): faults, latency, request log.
emulator_ctl() { "$REPO_ROOT/tests/apiserver/ctl.sh" "$VOLSNAP_STATE" "$@"; }

# assert_line_contains TEXT: some line of $output contains TEXT.
assert_output_contains() {
	case "$output" in *"$1"*) return 0 ;; esac
	echo "expected output to contain: $1" >&2
	echo "actual output: $output" >&2
	return 1
}
refute_output_contains() {
	case "$output" in *"$1"*)
		echo "expected output NOT to contain: $1" >&2
		echo "actual output: $output" >&2
		return 1
		;;
	esac
}
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status; output: $output" >&2
		return 1
	fi
}

# grant_alice_namespace VERBS RESOURCES: lets the otherwise denied user alice
# act in $NS only (no cluster-wide reads), as a namespaced team member would.
grant_alice_namespace() {
	kc create role alice-ns -n "$NS" --verb="$1" --resource="$2" >/dev/null
	kc create rolebinding alice-ns -n "$NS" --role=alice-ns --user=alice >/dev/null
}
