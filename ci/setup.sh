#!/usr/bin/env bash
# Idempotent set-up for mqtt-harness on Debian 12: installs only what the chosen job needs, and only what is missing.
# Usage: ci/setup.sh [--build | --test | --run] [--with-extras]
#   --build        compile mqtt-harness and make its .deb (compiler, CMake, the -dev libraries, dpkg-dev)
#   --test         --build plus what the tests use: GoogleTest, Google Benchmark, mosquitto and its clients,
#                  openssl, graphviz, clang (fuzzing, sanitizers), python3-jsonschema and python3-yaml (the default)
#   --run          run an installed package against a local mosquitto: mosquitto, mosquitto-clients, curl (to fetch
#                  a released .deb) and ca-certificates; the package's own libraries come with `apt-get install
#                  ./mqtt-harness_*.deb`
#   --with-extras  adds tshark, tcpdump, chromium and xmllint for report/capture tests, iproute2 for ci/netem.sh,
#                  and websockify, the foreign WebSocket endpoint of the transport tests
# Prints the packages it would install and exits with --dry-run.
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config dpkg-dev file
  libboost-dev libboost-system-dev libssl-dev
  nlohmann-json3-dev libpcap-dev libgraphviz-dev libxxhash-dev libcli11-dev libfmt-dev libjemalloc-dev
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  mosquitto mosquitto-clients openssl graphviz
  clang-14 libclang-rt-14-dev python3-jsonschema python3-yaml
)
run_packages=(mosquitto mosquitto-clients curl ca-certificates)
extra_packages=(tshark tcpdump chromium libxml2-utils iproute2 iputils-ping websockify)

job=test
extras=false
dry_run=false
for argument in "$@"; do
  case "$argument" in
    --build) job=build ;;
    --test) job=test ;;
    --run) job=run ;;
    --with-extras) extras=true ;;
    --dry-run) dry_run=true ;;
    *) echo "setup: unknown option $argument (expected --build, --test, --run, --with-extras, --dry-run)" >&2; exit 2 ;;
  esac
done

case "$job" in
  build) packages=("${build_packages[@]}") ;;
  test) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  run) packages=("${run_packages[@]}") ;;
esac
if [[ "$extras" == true ]]; then packages+=("${extra_packages[@]}"); fi

if [[ "$dry_run" == true ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present ($job)"
  exit 0
fi

echo "setup: installing ${missing[*]} ($job)"
sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then sudo_prefix=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_prefix[@]}" apt-get update -qq
"${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
