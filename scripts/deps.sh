#!/usr/bin/env bash
# deps.sh - installs what building, testing, benchmarking and plotting need,
# on Debian 12 (bookworm). Safe to rerun: when every package is installed
# already it returns without touching apt, so CI reruns stay fast.
set -euo pipefail

packages=(
	cmake make gcc g++ pkg-config
	libhwloc-dev libbenchmark-dev libbenchmark-tools libcunit1-dev libjansson-dev
	libcairo2-dev chromium
	librdkafka-dev
	python3 python3-scipy python3-matplotlib
	valgrind
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi

# A fresh image runs as root without sudo; a developer's machine has sudo.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	as_root=(sudo)
fi
echo "deps.sh: installing ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
