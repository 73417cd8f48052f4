#!/usr/bin/python3
"""compare.py EXPECTED ACTUAL: two probe.py outputs (JSON files); prints each
probe whose answer differs, as a unified diff, and exits 1 if any does."""
import difflib
import json
import sys

want, got = (json.load(open(f)) for f in sys.argv[1:3])
bad = 0
for name in sorted(set(want) | set(got)):
    a = json.dumps(want.get(name), indent=1, sort_keys=True).splitlines()
    b = json.dumps(got.get(name), indent=1, sort_keys=True).splitlines()
    if a != b:
        bad += 1
        print("probe %r differs (- %s, + %s):" % (name, sys.argv[1], sys.argv[2]))
        print("\n".join(difflib.unified_diff(a, b, lineterm="", n=2)))
print("%d of %d probes answer the same" % (len(want) - bad, len(want)))
sys.exit(1 if bad else 0)
