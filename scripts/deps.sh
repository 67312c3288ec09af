#!/usr/bin/env bash
# Installs the Debian 12 packages mqsniff needs, only those missing.
#   scripts/deps.sh build   - to build mqsniff
#   scripts/deps.sh test    - to build and run every test (adds tshark, mosquitto, ...)
set -euo pipefail
build_pkgs=(g++ cmake make pkg-config libpcap-dev libssl-dev nlohmann-json3-dev doctest-dev libpcre2-dev zlib1g-dev ieee-data)
test_pkgs=(tshark tcpdump mosquitto mosquitto-clients openssl python3 time chromium dpkg-dev file libcap2-bin man-db)
pkgs=("${build_pkgs[@]}")
[ "${1:-build}" = test ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages: ${missing[*]} - run as root (sudo) to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
