#!/usr/bin/python3
"""krew manifest: render the template, and validate a manifest as krew-index does.

  krew-manifest.py render TEMPLATE vX.Y.Z SUMS   SUMS: "archive-name sha256" lines; prints the manifest
  krew-manifest.py validate MANIFEST [DIST]      DIST: folder holding the archives the uris name

The rules are krew's (kubernetes-sigs/krew internal/index/validation/validate.go,
cmd/validate-krew-manifest) plus krew-index's review habits: shortDescription at
most 50 characters, description and caveats lines at most 80, no usage examples
in the description. Prints one line per problem; exit 1 when there is any.
"""
import fnmatch
import hashlib
import os
import re
import sys
import tarfile

import yaml

API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
NAME = re.compile(r"^[\w-]+$")
SHA256 = re.compile(r"^[a-f0-9]{64}$")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
# The platforms krew's validator checks selectors against (os/arch pairs it installs for).
PLATFORMS = [(o, a) for o in ("linux", "darwin", "windows") for a in ("amd64", "arm64", "386", "arm", "ppc64le", "s390x")]


def render(template, tag, sums_path):
    sums = dict(line.split() for line in open(sums_path) if line.strip())
    out = []
    for line in open(template):
        if line.startswith("#"):
            continue
        line = line.replace("{{VERSION}}", tag)
        if "uri:" in line:
            last_archive = line.rsplit("/", 1)[1].strip()
        if "{{SHA256}}" in line:
            if last_archive not in sums:
                sys.exit(f"error: no archive {last_archive} was built for the manifest")
            line = line.replace("{{SHA256}}", sums[last_archive])
        out.append(line)
    sys.stdout.write("# Rendered by `make dist` from krew-manifest.yaml.\n" + "".join(out))


def selector_matches(sel, os_, arch):
    labels = sel.get("matchLabels") or {}
    want = {"os": os_, "arch": arch}
    return all(want.get(k) == v for k, v in labels.items())


def archive_members(path):
    with tarfile.open(path, "r:gz") as tar:
        return {m.name.lstrip("./"): m for m in tar.getmembers()}


def validate(path, dist):
    problems = []
    bad = problems.append
    doc = yaml.safe_load(open(path))
    if doc.get("apiVersion") != API_VERSION:
        bad(f"apiVersion must be {API_VERSION}")
    if doc.get("kind") != "Plugin":
        bad("kind must be Plugin")
    name = (doc.get("metadata") or {}).get("name", "")
    if not NAME.match(name) or name.lower() in WINDOWS_RESERVED:
        bad(f"metadata.name {name!r} is not a valid plugin name")
    base = os.path.splitext(os.path.basename(path))[0]
    if name != base:
        bad(f"metadata.name {name!r} must equal the file name {base!r}")
    spec = doc.get("spec") or {}
    version = spec.get("version", "")
    if not SEMVER.match(str(version)):
        bad(f"spec.version {version!r} is not semver (vX.Y.Z)")
    short = spec.get("shortDescription") or ""
    if not short or "\n" in short or "\r" in short:
        bad("shortDescription must be one non-empty line")
    if len(short) > 50:
        bad(f"shortDescription is {len(short)} characters; krew-index asks for at most 50")
    for field in ("description", "caveats"):
        for i, line in enumerate((spec.get(field) or "").splitlines(), 1):
            if len(line) > 80:
                bad(f"{field} line {i} is {len(line)} characters; at most 80")
    for i, line in enumerate((spec.get("description") or "").splitlines(), 1):
        if re.match(r"^\s*(\$\s*)?kubectl\s", line) or "`" in line:
            bad(f"description line {i} looks like a usage example; krew-index asks for none")
    platforms = spec.get("platforms") or []
    if not platforms:
        bad("spec.platforms must list at least one platform")
    matched_by = {}
    for n, p in enumerate(platforms, 1):
        sel = p.get("selector") or {}
        labels = sel.get("matchLabels") or {}
        if not labels or set(sel) - {"matchLabels"} or set(labels) - {"os", "arch"}:
            bad(f"platform {n}: the selector must be matchLabels with only os and arch")
        hits = [pl for pl in PLATFORMS if selector_matches(sel, *pl)]
        if not hits:
            bad(f"platform {n}: the selector matches no platform krew supports")
        for pl in hits:
            if pl in matched_by:
                bad(f"platform {n}: the selector overlaps platform {matched_by[pl]} on {pl[0]}/{pl[1]}")
            matched_by[pl] = n
        uri, sha, binary = p.get("uri", ""), str(p.get("sha256", "")), p.get("bin", "")
        if not re.match(r"^https://.+\.(tar\.gz|zip)$", uri):
            bad(f"platform {n}: uri must be an https .tar.gz or .zip")
        if f"/releases/download/{version}/" not in uri:
            bad(f"platform {n}: uri must point at the release tag {version}")
        if not SHA256.match(sha):
            bad(f"platform {n}: sha256 must be 64 lowercase hex characters")
        if not binary:
            bad(f"platform {n}: bin is missing")
        files = p.get("files")
        if files is not None and (not files or any(not f.get("from") or not f.get("to") for f in files)):
            bad(f"platform {n}: files must be non-empty, each with from and to")
        if dist is None:
            continue
        archive = os.path.join(dist, uri.rsplit("/", 1)[1])
        if not os.path.exists(archive):
            bad(f"platform {n}: {archive} does not exist")
            continue
        actual = hashlib.sha256(open(archive, "rb").read()).hexdigest()
        if actual != sha:
            bad(f"platform {n}: sha256 {sha} is not the archive's ({actual})")
        members = archive_members(archive)
        installed = set(members)
        if files:
            installed = set()
            for f in files:
                got = [m for m in members if fnmatch.fnmatch(m, f["from"])]
                if not got:
                    bad(f"platform {n}: files.from {f['from']} is not in the archive")
                installed |= {os.path.normpath(os.path.join(f["to"], os.path.basename(m))) for m in got}
        if binary not in installed:
            bad(f"platform {n}: bin {binary} is not in the installed files")
        elif not members.get(binary) or not members[binary].mode & 0o111:
            bad(f"platform {n}: bin {binary} is not executable in the archive")
    for p in problems:
        print(f"{path}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "render":
        render(*sys.argv[2:])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "validate":
        sys.exit(validate(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None))
    else:
        sys.exit(__doc__)
