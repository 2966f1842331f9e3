#!/usr/bin/env bash
# The tests: set up (including tshark, tcpdump and chromium, which tests use), build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh --test --with-extras
ci/build.sh -DMQTT_HARNESS_TESTS=ON -DMQTT_HARNESS_BENCH=ON
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j "${JOBS:-$(nproc)}" --timeout 900
# The decoders, readers, model, runner and reports under AddressSanitizer and UndefinedBehaviorSanitizer (its own
# build dir; SANITIZE=0 skips it). The part that fits CI's 90 minutes after the Release suite: the unit-level
# programs of the decoders, readers, model and reports; `ci/sanitize.sh` alone runs everything.
if [[ "${SANITIZE:-1}" != 0 ]]; then
  export SANITIZE_TARGETS="codec_tests capture_tests capture_pcapng_tests history_tests history_event_log_tests \
    catalog_test model_topic_test model_checker_test model_qos0_delivery_test model_unresolved_test \
    model_keepalive_test model_checker_differential_test model_checker_soundness_test model_legal_histories_test \
    model_exercised_test model_one_statement_test model_v5_rules_test results_tests reports_tests"
  ci/sanitize.sh '^(codec|capture|history|Catalog|Specs|ResultsJson|PacketJson|Redaction|HtmlReport|SequenceDiagram|ReportFiles|CheckerDifferential|CheckerSoundness|OneStatement|Exercised|KeepAlive|LegalHistories|Delivery|Retained|Acknowledgements|Connack|Policing|V5[A-Za-z]*|TopicMatching|TopicNames|Qos0Delivery)[./]'
fi
