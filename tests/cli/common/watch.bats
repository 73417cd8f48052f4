#!/usr/bin/env bats
# Waiting follows a watch, and the watch survives the server ending its stream:
# with VOLSNAP_WATCH_TIMEOUT_SECONDS=2 the server (real or emulated) closes each
# stream after two seconds and the plugin must resume from the last
# resourceVersion without missing the change it waits for.

load ../helpers

setup() {
	new_ns
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

@test "take --wait resumes its watch after the server closes the stream, and sees readyToUse" {
	make_pvc data
	kc annotate pvc data -n "$NS" volsnap.test/never-ready=true >/dev/null
	(
		VOLSNAP_WATCH_TIMEOUT_SECONDS=2 kubectl volsnap take data -n "$NS" --name s1 --wait --timeout 90s \
			-v=6 >"$TMP/out" 2>"$TMP/log"
		echo $? >"$TMP/rc"
	) &
	wait_for 30 kc get volumesnapshot s1 -n "$NS"
	# Let several streams end and be resumed before the snapshot turns ready.
	sleep 6
	kc patch volumesnapshot s1 -n "$NS" --subresource=status --type=merge \
		-p '{"status":{"readyToUse":true}}' >/dev/null
	wait_for 60 test -s "$TMP/rc"
	[ "$(cat "$TMP/rc")" = 0 ] || { cat "$TMP/log" "$TMP/out" >&2; false; }
	grep -q "volumesnapshot.snapshot.storage.k8s.io/s1" "$TMP/out"
	# More than one watch request, the later ones resuming from a resourceVersion.
	watches=$(grep -c 'watch=1' "$TMP/log")
	[ "$watches" -ge 3 ] || { cat "$TMP/log" >&2; false; }
	grep 'watch=1' "$TMP/log" | tail -n 1 | grep -q 'resourceVersion='
	# No polling: the snapshot itself is never fetched in a loop.
	gets=$(grep -c "GET .*/volumesnapshots/s1 " "$TMP/log" || true)
	[ "$gets" -le 2 ]
}
