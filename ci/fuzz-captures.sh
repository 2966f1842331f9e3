#!/usr/bin/env bash
# Builds the capture fuzz targets (tests/fuzz/capture_fuzzers.cmake) with clang++-14 (ASan + UBSan) and runs
# each on its seed corpus (tests/fuzz/corpus-captures/TARGET) for SECONDS.
# Usage: ci/fuzz-captures.sh [SECONDS] [TARGET...]   (default 60 s, every target). Build dir: $FUZZ_BUILD_DIR or
# <repo>/build-fuzz-captures. New corpus entries go to a temporary copy; crashes to <build>/artifacts/.
# Exits non-zero when a fuzzer finds a crash, leak, sanitizer report or invariant violation.
set -euo pipefail

seconds="${1:-60}"
shift || true
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$repo/build-fuzz-captures}"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(capture_file_fuzzer pcapng_reader_fuzzer ip_reassembler_fuzzer tcp_reassembler_fuzzer
           websocket_unframer_fuzzer resynchroniser_fuzzer)
fi

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz-captures: clang++-14 not found (install clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$build"
CXX=clang++-14 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMQTT_HARNESS_FUZZ=ON -DMQTT_HARNESS_TESTS=ON -DMQTT_HARNESS_BENCH=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 2
}
cmake --build "$build" --target "${targets[@]}" -j2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
for target in "${targets[@]}"; do
  cp -r "$repo/tests/fuzz/corpus-captures/$target" "$work/$target"
  fuzzer="$(find "$build" -name "$target" -type f -perm -u+x | head -n 1)"
  echo "fuzz-captures: running $target for ${seconds}s on $(ls "$work/$target" | wc -l) seed files"
  "$fuzzer" "$work/$target" -max_len=65536 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1
done
