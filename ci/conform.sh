#!/usr/bin/env bash
# The main job: set up what building needs, build mqtt-harness (Release) and run the MQTT 3.1.1 conformance suite.
# Without --target it runs against the embedded reference broker on a free loopback port.
# Usage: ci/conform.sh [mqtt-harness conform options, e.g. --target mqtt://host:1883 -u user --password-file FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --build
build_dir=${BUILD_DIR:-build}
# A fresh build folder is configured without the tests and benchmarks (their libraries are --test packages);
# one ci/test.sh configured keeps its settings.
options=()
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then options=(-DMQTT_HARNESS_TESTS=OFF -DMQTT_HARNESS_BENCH=OFF); fi
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${options[@]}" >/dev/null
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" --target mqtt-harness
exec "$build_dir/harness/cli/mqtt-harness" conform "$@"
