#!/bin/sh
# inspect versus tshark on a >= 100 MB capture (docs/benchmarks.md, "Captures"). Usage: bench/capture/run.sh BUILD_DIR
# Rows: inspect's summary and offline verdict (-o '': no report files, like tshark's summary), the same with the
# default reports (results.json without the history, report.html, junit.xml, summary.md), with every history file
# too (--history all), the capture module alone, and tshark producing the equivalent summary.
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
for round in 1 2 3; do
  /usr/bin/time -f "round $round inspect --quiet with the default reports: %e s wall, %U s user, %S s system, %M KB" \
    "$build/harness/cli/mqtt-harness" inspect --quiet -o "$reports/default" "$capture"
done
du -sh "$reports"/default/* | sed 's/^/  /'
/usr/bin/time -f "inspect --quiet --history all (every history file too): %e s wall, %U s user, %S s system, %M KB" \
  "$build/harness/cli/mqtt-harness" inspect --quiet --history all -o "$reports/all" "$capture"
du -sh "$reports"/all/* | sed 's/^/  /'
