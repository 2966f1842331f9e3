#!/usr/bin/env bash
# Configure and build mqtt-harness in Release into ${BUILD_DIR:-build}. Idempotent; re-runs are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
