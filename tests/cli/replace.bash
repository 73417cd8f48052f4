# Helpers for the restore --replace suites (load ../replace after ../helpers).

# get ARGS...: kubectl get that must succeed (a failed read never passes a check).
get() {
	local out
	out=$(kc get "$@") || {
		echo "read failed: kubectl get $*" >&2
		return 1
	}
	printf '%s' "$out"
}

# count ARGS...: how many objects kubectl get names (the read must succeed).
count() {
	local out
	out=$(get "$@" -o name) || return 1
	printf '%s' "$out" | grep -c . || true
}

# The PVC "data" (or $1), labelled and annotated as a user would, and its ready snapshot s1.
data_and_snapshot() {
	local pvc=${1:-data}
	make_pvc "$pvc"
	kc label pvc "$pvc" -n "$NS" app=db >/dev/null
	kc annotate pvc "$pvc" -n "$NS" team=storage >/dev/null
	volsnap take "$pvc" -n "$NS" --name s1 --wait --timeout 60s >/dev/null
	OLD_UID=$(get pvc "$pvc" -n "$NS" -o jsonpath='{.metadata.uid}')
	OLD_PV=$(get pvc "$pvc" -n "$NS" -o jsonpath='{.spec.volumeName}')
}
