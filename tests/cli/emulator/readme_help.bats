#!/usr/bin/env bats
# The README's command table and each command's --help say the same: every
# option of `kubectl volsnap CMD --help` is in the command's README row and in
# its usage line, and the README names no option the command lacks. (Run on
# one bed only: it asks no server.)

bats_require_minimum_version 1.5.0
load ../helpers

@test "README command table, usage lines and --help options agree" {
	run python3 - "$REPO_ROOT/README.md" <<'PY'
import re, subprocess, sys
readme = open(sys.argv[1]).read()
rows = {}
for line in readme.splitlines():
    m = re.match(r"^\| `([a-z-]+)([^`]*)`", line)
    if m:
        # A command may have several rows (restore --to, restore --replace).
        rows[m.group(1)] = rows.get(m.group(1), "") + " " + m.group(1) + m.group(2)

def run(*args):
    return subprocess.run(["kubectl", "volsnap", *args], capture_output=True, text=True).stdout

top = run("--help")
commands = re.findall(r"^  ([a-z-]+) +\S", top.split("Commands:")[1].split("\n\n")[0], re.M)
global_longs = set(re.findall(r"--([a-z-]+)", top.split("Global flags:")[1]))
problems = []
for cmd in commands:
    text = run(cmd, "--help")
    usage = text.split("Usage:")[1].split("\n\n")[0]
    opts = re.findall(r"^  (?:-(\w), )? *--([a-z-]+)", text.split("Options:")[1], re.M) if "Options:" in text else []
    row = rows.get(cmd)
    if row is None:
        problems.append("%s: no row in the README's command table" % cmd)
        continue
    for short, long in opts:
        names = ["--" + long] + (["-" + short] if short else [])
        for where, txt in (("README row", row), ("usage line", usage)):
            if not any(re.search(re.escape(n) + r"(?![a-z-])", txt) for n in names):
                problems.append("%s: %s does not mention --%s" % (cmd, where, long))
    # A command of subcommands (schedule) names its flags in its usage lines.
    known = {l for _, l in opts} | global_longs | set(
        re.findall(r"--([a-z][a-z-]*)", "\n\n".join(text.split("Usage:")[1].split("\n\n")[:2])))
    for long in re.findall(r"--([a-z][a-z-]*)", row):
        if long not in known and not (long.startswith("no-") and long[3:] in known):
            problems.append("%s: README row names --%s, which --help does not" % (cmd, long))
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}
