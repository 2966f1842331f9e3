#!/usr/bin/env bash
# Builds the codec's libFuzzer target with clang++-14 (ASan + UBSan) and fuzzes the StreamDecoder.
# Usage: ci/fuzz.sh [SECONDS]   (default 60). Build dir: $FUZZ_BUILD_DIR or <repo>/build-fuzz.
# Exits non-zero when the fuzzer finds a crash, leak, sanitizer report or invariant violation.
set -euo pipefail

seconds="${1:-60}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$repo/build-fuzz}"

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 not found (install clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$build"
CXX=clang++-14 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMQTT_HARNESS_FUZZ=ON -DMQTT_HARNESS_TESTS=ON -DMQTT_HARNESS_BENCH=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 2
}
cmake --build "$build" --target stream_decoder_fuzzer -j2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/tests/fuzz/corpus" "$work/corpus"
mkdir -p "$build/artifacts"

fuzzer="$(find "$build" -name stream_decoder_fuzzer -type f -perm -u+x | head -n 1)"
echo "fuzz: running $fuzzer for ${seconds}s on $(ls "$work/corpus" | wc -l) seed files"
"$fuzzer" "$work/corpus" -max_len=4096 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1
