#!/usr/bin/env bash
# The main job: set up, build (Release) and run the MQTT 3.1.1 conformance suite.
# Without --target it runs against the embedded reference broker on a free loopback port.
# Usage: ci/conform.sh [mqtt-harness conform options, e.g. --target mqtt://user:pass@host:1883]
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh
exec build/harness/cli/mqtt-harness conform "$@"
