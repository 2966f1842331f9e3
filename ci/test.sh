#!/usr/bin/env bash
# The tests: set up (including tshark, tcpdump and chromium, which tests use), build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's wall time, so that a slow CI run shows where its minutes went.
step_started=$SECONDS
step_took() {
  echo "test.sh: $1 took $((SECONDS - step_started)) s"
  step_started=$SECONDS
}
ci/setup.sh --test --with-extras
step_took set-up
ci/build.sh -DMQTT_HARNESS_TESTS=ON -DMQTT_HARNESS_BENCH=ON
step_took build
# Three tests per core: most of them wait on a broker's timers and use a few per cent of a core; the ones that keep
# a core busy take turns in two queues (tests/CMakeLists.txt, mqtt_cpu_bound_tests).
# Four "cpu" slots for the tests that declare RESOURCE_GROUPS (tests/CMakeLists.txt): a fuzzer's clang build
# and at most one test timing an in-process broker, or four such tests, at once.
resources="$(cd "${BUILD_DIR:-build}" && pwd)/ctest-resources.json"  # absolute: ctest reads it from the build dir
printf '{"version": {"major": 1, "minor": 0}, "local": [{"cpu": [{"id": "slots", "slots": 4}]}]}\n' >"$resources"
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "${TEST_JOBS:-$((3 * $(nproc)))}" --timeout 900 \
  --resource-spec-file "$resources"
step_took tests
# The decoders, readers and model under AddressSanitizer and UndefinedBehaviorSanitizer (its own build dir;
# SANITIZE=0 skips it): the unit-level programs whose libraries need neither the client nor the CLI, so that the
# sanitized build stays small enough for CI's 90 minutes after the Release suite. `ci/sanitize.sh` alone builds and
# runs everything, the runner's capture analysis and the reports included.
if [[ "${SANITIZE:-1}" != 0 ]]; then
  export SANITIZE_TARGETS="codec_tests capture_pcapng_tests history_tests history_event_log_tests \
    catalog_test model_topic_test model_checker_test model_qos0_delivery_test model_unresolved_test \
    model_keepalive_test model_checker_differential_test model_checker_soundness_test model_legal_histories_test \
    model_exercised_test model_one_statement_test model_v5_rules_test results_tests"
  ci/sanitize.sh '^(codec|capture|history|Catalog|ResultsJson|PacketJson|CheckerDifferential|CheckerSoundness|OneStatement|Exercised|KeepAlive|LegalHistories|Delivery|Retained|Acknowledgements|Connack|Policing|V5[A-Za-z]*|TopicMatching|TopicNames|Qos0Delivery)[./]'
  step_took "sanitized tests"
fi
