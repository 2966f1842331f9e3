#!/usr/bin/env bash
# The tests: set up (including tshark, tcpdump and chromium, which tests use), build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --with-extras
ci/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "${JOBS:-$(nproc)}" --timeout 900
# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer (its own build dir; SANITIZE=0 skips it).
if [[ "${SANITIZE:-1}" != 0 ]]; then ci/sanitize.sh; fi
