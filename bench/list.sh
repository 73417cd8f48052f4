#!/usr/bin/env bash
# bench/list.sh [real|emulator]: `kubectl volsnap list -A` over N VolumeSnapshots, side by side in
# one run with `kubectl get volumesnapshots -A` (the ratio users feel) and with the limit: a bare
# client (bench/bare_list.c) fetching the same pages over one reused connection with nothing parsed
# but the continue token (the server's own time). Then where the time goes: page size, HTTP/1.1,
# gzip (what client-go asks for), the server's Table rendering (as=Table, what kubectl get asks
# for), each measured on both the plugin and the bare client. On the real server, also the CPU
# seconds the kube-apiserver and etcd spent per run (the server's own work, on the same 2 cores).
#
# The real kube-apiserver first: the emulator serves pages faster than a real server and flatters
# the plugin. Medians of RUNS runs (bench/measure.py); peak memory is the plugin binary's own
# (kubectl runs plugins with execve, and Linux keeps the RSS high-water mark across it, so
# `kubectl volsnap` would report kubectl's start-up peak).
#
# With the variants, the same through bench/rtt_proxy.py (VOLSNAP_BENCH_RTT_MS, 20: a server in the
# cloud rather than on this machine).
#
# Knobs: VOLSNAP_BENCH_SNAPSHOTS (10000), VOLSNAP_BENCH_RUNS (7), VOLSNAP_BIN (./kubectl-volsnap),
# VOLSNAP_BENCH_VARIANTS=0 skips the page-size/protocol/latency variants.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BED=${1:-real}
N=${VOLSNAP_BENCH_SNAPSHOTS:-10000}
RUNS=${VOLSNAP_BENCH_RUNS:-7}
BIN=${VOLSNAP_BIN:-$ROOT/kubectl-volsnap}
NAMESPACES=10
RTT=${VOLSNAP_BENCH_RTT_MS:-20}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_bed list.sh "$BED"
[ -x "$BIN" ] || { echo "bench/list.sh: $BIN not built (make)" >&2; exit 1; }
bench_start

mkdir -p "$WORK/bin"
ln -s "$BIN" "$WORK/bin/kubectl-volsnap"
export PATH="$WORK/bin:$PATH"
cc -O2 -o "$WORK/bare_list" "$ROOT/bench/bare_list.c" $(pkg-config --cflags --libs libcurl)

echo "Seeding $N VolumeSnapshots in $NAMESPACES namespaces on the $BED server..." >&2
if [ "$BED" = real ]; then
	# The stand-in snapshot controller would answer every seeded snapshot (contents, status):
	# stop it, so the server does nothing during the bench but answer the lists.
	pkill -f "snapshot_controller.py --kubeconfig $STATE/admin.kubeconfig" || true
	"$ROOT/bench/seed_real.py" "$STATE" "$N" "$NAMESPACES"
else
	"$ROOT/bench/seed_emulator.sh" "$STATE" "$N" "$NAMESPACES"
fi

# Both must see every snapshot, or the timings compare different work.
check_rows() {
	local got
	got=$("$@" 2>/dev/null | tail -n +2 | wc -l)
	[ "$got" -eq "$N" ] || { echo "bench/list.sh: '$*' printed $got rows, expected $N" >&2; exit 1; }
}
check_rows "$BIN" list -A
check_rows kubectl get volumesnapshots -A

URL="$SERVER/apis/snapshot.storage.k8s.io/v1/volumesnapshots"
if [ "$BED" = real ]; then
	# The state's pids are the `timeout` wrappers of etcd, kube-apiserver, ...: their children.
	VOLSNAP_BENCH_SERVER_PIDS=$(for p in $(cat "$STATE/pids"); do
		for c in $(pgrep -P "$p"); do
			case "$(cat /proc/"$c"/comm 2>/dev/null)" in etcd | kube-apiserver) printf '%s ' "$c" ;; esac
		done
	done)
	[ -n "$VOLSNAP_BENCH_SERVER_PIDS" ] || { echo "bench/list.sh: no etcd/kube-apiserver pid in $STATE/pids" >&2; exit 1; }
	export VOLSNAP_BENCH_SERVER_PIDS
fi
BARE=("$WORK/bare_list" "$URL" "$STATE/ca.crt" "$STATE/admin.token")
m() { # NAME CMD...: one measure.py line, kept as $WORK/NAME.json
	local name=$1
	shift
	"$ROOT/bench/measure.py" "$RUNS" "$@" >"$WORK/$name.json"
}

echo "Measuring ($RUNS runs each, medians)..." >&2
# The four headline figures in turn (plugin, binary, kubectl, limit, again...): the server's own
# CPU for the same list varies by a quarter from one run to the next (its garbage collections).
"$ROOT/bench/measure.py" "$RUNS" --interleave "$WORK" plugin kubectl volsnap list -A --next direct "$BIN" list -A \
	--next kubectl kubectl get volumesnapshots -A --next bare "${BARE[@]}" 500
if [ "${VOLSNAP_BENCH_VARIANTS:-1}" = 1 ]; then
	m direct_json "$BIN" list -A -o json
	m kubectl_json kubectl get volumesnapshots -A -o json
	m direct_json_sorted "$BIN" list -A -o json --sort-by .metadata.name
	m kubectl_json_sorted kubectl get volumesnapshots -A -o json --sort-by .metadata.name
	for size in 2000 5000; do
		m "direct_$size" "$BIN" list -A --chunk-size "$size"
		m "bare_$size" "${BARE[@]}" "$size"
	done
	m bare_http1 "${BARE[@]}" 500 http1
	m bare_gzip "${BARE[@]}" 500 gzip
	m bare_table "${BARE[@]}" 500 table
	m bare_tablemeta "${BARE[@]}" 500 tablemeta

	# The same server RTT ms away: a relay that delays every chunk, and a kubeconfig pointing at it.
	bench_far "$RTT"
	"$ROOT/bench/measure.py" "$RUNS" --interleave "$WORK" far_direct "$BIN" --kubeconfig "$WORK/far.kubeconfig" list -A \
		--next far_kubectl kubectl --kubeconfig "$WORK/far.kubeconfig" get volumesnapshots -A \
		--next far_bare "$WORK/bare_list" "$FAR/apis/snapshot.storage.k8s.io/v1/volumesnapshots" "$STATE/ca.crt" "$STATE/admin.token" 500
fi

RTT=$RTT python3 - "$WORK" "$BED" "$N" "$RUNS" <<'PY'
import json, os, sys
work, bed, n, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
r = {f[:-5]: json.load(open(os.path.join(work, f))) for f in os.listdir(work) if f.endswith(".json")}
cpu = bed == "real"
def row(label, k, mem=True):
    x = r[k]
    print("  %-52s %8.3f %8.3f %9s %9.1f %9.2f%s" % (label, x["wall"], x["first"],
          "%.1f" % (x["rss_kb"] / 1024) if mem else "-", x["bytes"] / 1e6, x["cpu"],
          " %10.2f" % x["server_cpu"] if cpu else ""))
print("list -A over %s VolumeSnapshots on the %s server (medians of %s runs)" % (n, bed, runs))
print("  %-52s %8s %8s %9s %9s %9s%s" % ("", "wall s", "first s", "peak MB", "out MB", "cpu s",
      " %10s" % "server s" if cpu else ""))
row("kubectl volsnap list -A (through kubectl)", "plugin", False)
row("kubectl-volsnap list -A (the binary)", "direct")
row("kubectl get volumesnapshots -A", "kubectl")
row("limit: bare client, same pages (500), nothing parsed", "bare")
p, d, k, b = r["plugin"]["wall"], r["direct"]["wall"], r["kubectl"]["wall"], r["bare"]["wall"]
print("  ratio to kubectl: wall %.2f (through kubectl), %.2f (binary); peak memory %.2f"
      % (p / k, d / k, r["direct"]["rss_kb"] / r["kubectl"]["rss_kb"]))
print("  ratio to the limit: wall %.2f (through kubectl), %.2f (binary)" % (p / b, d / b))
print("  the binary's own CPU: %.2f s, %.2f of kubectl's" % (r["direct"]["cpu"], r["direct"]["cpu"] / r["kubectl"]["cpu"]))
if "bare_http1" in r:
    print("where the time goes (each beside the bare client doing the same):")
    row("-o json: kubectl-volsnap list -A -o json", "direct_json")
    row("-o json: kubectl get volumesnapshots -A -o json", "kubectl_json")
    row("-o json --sort-by .metadata.name: kubectl-volsnap", "direct_json_sorted")
    row("-o json --sort-by .metadata.name: kubectl get", "kubectl_json_sorted")
    for size in ("2000", "5000"):
        row("--chunk-size %s: kubectl-volsnap list -A" % size, "direct_" + size)
        row("--chunk-size %s: bare client" % size, "bare_" + size)
    row("bare client over HTTP/1.1 (500)", "bare_http1")
    row("bare client asking for gzip, as client-go does (500)", "bare_gzip")
    row("bare client, as=Table, no objects (500)", "bare_table")
    row("bare client, as=Table, metadata only (kubectl get)", "bare_tablemeta")
    rtt = os.environ.get("RTT", "20")
    print("the same server %s ms away (bench/rtt_proxy.py):" % rtt)
    row("kubectl-volsnap list -A", "far_direct")
    row("kubectl get volumesnapshots -A", "far_kubectl")
    row("limit: bare client, same pages (500)", "far_bare")
    fd, fk, fb = r["far_direct"]["wall"], r["far_kubectl"]["wall"], r["far_bare"]["wall"]
    print("  ratio to kubectl %.2f; to the limit %.2f" % (fd / fk, fd / fb))
if cpu:
    s = r["bare"]["server_cpu"]
    print("  the server's own CPU for the same pages: %.2f s on %d cores, at least %.2f s of wall;"
          " %.2f of kubectl's wall" % (s, os.cpu_count(), s / os.cpu_count(), s / os.cpu_count() / k))
PY
