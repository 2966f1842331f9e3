#!/usr/bin/env bash
# Idempotent set-up for mqtt-harness on Debian 12: installs only what is missing.
# Usage: ci/setup.sh [--with-extras]   (--with-extras adds tshark, tcpdump, chromium and xmllint for report/capture tests,
# and websockify, the foreign WebSocket endpoint of the transport tests)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libssl-dev openssl
  nlohmann-json3-dev libpcap-dev libgraphviz-dev graphviz libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
  mosquitto mosquitto-clients
  clang-14 libclang-rt-14-dev
)
if [[ "${1:-}" == "--with-extras" ]]; then
  packages+=(tshark tcpdump chromium libxml2-utils iproute2 iputils-ping websockify)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
