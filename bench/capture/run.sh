#!/bin/sh
# inspect versus tshark on a >= 100 MB capture (docs/benchmarks.md, "Captures"). Usage: bench/capture/run.sh BUILD_DIR
set -eu
build=${1:-build}
here=$(dirname "$0")
capture=${CAPTURE:-/tmp/mqtt-bench-capture.pcap}
"$build/bench/capture/bench_capture_make" "$capture" 110 1
for round in 1 2 3; do
  /usr/bin/time -f "round $round inspect (summary + checker): %e s wall, %U s user, %M KB" \
    "$build/harness/cli/mqtt-harness" inspect -q "$capture"
  /usr/bin/time -f "round $round capture module only:        %e s wall, %U s user, %M KB" \
    "$build/bench/capture/bench_capture_analyse" "$capture" > /dev/null
  /usr/bin/time -f "round $round tshark -Y mqtt summary:     %e s wall, %U s user, %M KB" \
    "$here/tshark_summary.sh" "$capture" /dev/null
done
