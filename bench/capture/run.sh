#!/bin/sh
# inspect versus tshark on a >= 100 MB capture (docs/benchmarks.md, "Captures"). Usage: bench/capture/run.sh BUILD_DIR
# Rows: inspect's summary and offline verdict (-o '': no report files, like tshark's summary), the same with every
# report format written, the capture module alone, and tshark producing the equivalent summary.
set -eu
build=${1:-build}
here=$(dirname "$0")
capture=${CAPTURE:-/tmp/mqtt-bench-capture.pcap}
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
"$build/bench/capture/bench_capture_make" "$capture" 110 1
for round in 1 2 3; do
  /usr/bin/time -f "round $round inspect --quiet -o '' (summary + checker): %e s wall, %U s user, %S s system, %M KB" \
    "$build/harness/cli/mqtt-harness" inspect --quiet -o '' "$capture"
  /usr/bin/time -f "round $round capture module only:        %e s wall, %U s user, %S s system, %M KB" \
    "$build/bench/capture/bench_capture_analyse" "$capture" > /dev/null
  /usr/bin/time -f "round $round tshark -Y mqtt summary:     %e s wall, %U s user, %S s system, %M KB" \
    "$here/tshark_summary.sh" "$capture" /dev/null
done
/usr/bin/time -f "inspect --quiet with every report written: %e s wall, %U s user, %S s system, %M KB" \
  "$build/harness/cli/mqtt-harness" inspect --quiet -o "$reports" "$capture"
du -sh "$reports"/* | sed 's/^/  /'
