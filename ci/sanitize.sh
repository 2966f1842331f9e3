#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer: builds everything with both (GCC, -O1, no recovery from
# undefined behaviour) into ${SANITIZE_BUILD_DIR:-build-sanitize} and runs the test suite under them. Any report
# fails the run: ASan aborts, UBSan stops at its first finding, LeakSanitizer fails the process at exit.
# Usage: [SANITIZE_TARGETS='t1 t2'] ci/sanitize.sh [ctest -R REGEX]   (default: every test but the fuzzers, which ci/fuzz.sh runs with
# clang's own sanitizer build). ci/test.sh calls it after the Release tests.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SANITIZE_BUILD_DIR:-build-sanitize}
jobs=${JOBS:-$(nproc)}
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

started=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize -DMQTT_HARNESS_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_SANITIZE="-O1 -g1 $sanitizers" \
  -DCMAKE_EXE_LINKER_FLAGS_SANITIZE="$sanitizers" -DCMAKE_SHARED_LINKER_FLAGS_SANITIZE="$sanitizers" \
  ${CMAKE_CXX_COMPILER_LAUNCHER:+-DCMAKE_CXX_COMPILER_LAUNCHER=$CMAKE_CXX_COMPILER_LAUNCHER} >/dev/null
# SANITIZE_TARGETS (space-separated) builds only those targets: ci/test.sh names the unit-level test programs
# that fit CI's time limit; unset builds everything.
# shellcheck disable=SC2086
cmake --build "$build_dir" -j "$jobs" ${SANITIZE_TARGETS:+--target $SANITIZE_TARGETS}
built=$(date +%s)

# Child processes (the mqtt-harness binary the CLI tests start) inherit these.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# print_suppressions=0: tests read stderr exactly; the list of suppressions used would be extra lines.
export LSAN_OPTIONS="suppressions=$PWD/ci/sanitize-leaks.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

ctest_selection=(-E '^fuzz\.')
if (($# > 0)); then ctest_selection=(-R "$1"); fi
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" --timeout 900 "${ctest_selection[@]}" || status=$?
echo "sanitize: build $((built - started)) s, tests $(($(date +%s) - built)) s"
exit "$status"
