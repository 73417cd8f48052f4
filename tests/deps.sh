#!/usr/bin/env bash
# Installs with apt what building and testing need, only when something is
# missing; prints nothing when everything is present.
set -euo pipefail

packages=(gcc make pkg-config libcurl4-openssl-dev libyaml-dev libjson-c-dev libarchive-dev
	libcmocka-dev bats python3 python3-yaml openssl curl ca-certificates valgrind
	clang libclang-rt-dev) # clang + libFuzzer: the fuzz suite (make fuzz, tests/run.sh fuzz)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v kubectl >/dev/null || missing+=(kubernetes-client)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "error: missing packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
