#!/usr/bin/env bash
# Builds the libFuzzer targets with clang++-14 (ASan + UBSan, every library they use instrumented) and runs
# each for SECONDS on its seed corpus.
# Usage: ci/fuzz.sh [SECONDS] [FUZZER...]   (default 60 s; default fuzzer: stream_decoder_fuzzer). Fuzzers:
#   stream_decoder_fuzzer   the MQTT StreamDecoder (seeds: tests/fuzz/corpus)
#   json_source_fuzzer      the JSON source scanner and DataDocument (seeds: every shipped JSON file)
#   scenario_loader_fuzzer  fleet scenarios        profile_loader_fuzzer  target profiles
#   case_file_fuzzer        conformance case files
#   results_reader_fuzzer   results.json           history_reader_fuzzer  history.jsonl
# Build dir: $FUZZ_BUILD_DIR or <repo>/build-fuzz. Findings go to <build>/artifacts/. docs/fuzzing.md says how to
# run them for hours. Exits non-zero when a fuzzer finds a crash, leak, sanitizer report or invariant violation.
set -euo pipefail

seconds="${1:-60}"
shift || true
fuzzers=("$@")
if ((${#fuzzers[@]} == 0)); then fuzzers=(stream_decoder_fuzzer); fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$repo/build-fuzz}"

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 not found (install clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$build"
# Every library the fuzzers link is instrumented for coverage and the sanitizers; only the fuzzers get main.
CXX=clang++-14 cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
  -DMQTT_HARNESS_FUZZ=ON -DMQTT_HARNESS_TESTS=ON -DMQTT_HARNESS_BENCH=OFF >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 2
}
cmake --build "$build" --target "${fuzzers[@]}" -j2

# The seed corpus of each fuzzer: committed seeds plus the shipped files of its format.
seeds_of() {
  local fuzzer="$1" seeds="$repo/tests/fuzz/seeds"
  case "$fuzzer" in
    stream_decoder_fuzzer) echo "$repo/tests/fuzz/corpus" ;;
    json_source_fuzzer) echo "$seeds/data_files" "$repo"/scenarios/fleet/*.json "$repo"/scenarios/conformance/*.json \
      "$seeds/profiles" ;;
    scenario_loader_fuzzer) echo "$seeds/data_files" "$repo"/scenarios/fleet/*.json ;;
    profile_loader_fuzzer) echo "$seeds/data_files" "$seeds/profiles" ;;
    case_file_fuzzer) echo "$seeds/data_files" "$repo"/scenarios/conformance/*.json ;;
    results_reader_fuzzer) echo "$seeds/results" ;;
    history_reader_fuzzer) echo "$seeds/history" ;;
    *) echo "fuzz: unknown fuzzer $fuzzer" >&2; return 1 ;;
  esac
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
status=0
for fuzzer in "${fuzzers[@]}"; do
  corpus="$work/$fuzzer"
  mkdir -p "$corpus"
  for seed in $(seeds_of "$fuzzer"); do
    if [[ -d "$seed" ]]; then cp "$seed"/* "$corpus"/; else cp "$seed" "$corpus"/; fi
  done
  binary="$(find "$build" -name "$fuzzer" -type f -perm -u+x | head -n 1)"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$fuzzer-"
           -print_final_stats=1)
  if [[ "$fuzzer" == stream_decoder_fuzzer ]]; then
    options+=(-max_len=4096)
  else
    options+=(-max_len=65536 -dict="$repo/tests/fuzz/json.dict")
  fi
  echo "fuzz: running $fuzzer for ${seconds}s on $(ls "$corpus" | wc -l) seed files"
  "$binary" "$corpus" "${options[@]}" || status=$?
done
exit "$status"
