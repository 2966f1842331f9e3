#!/usr/bin/env bash
# Re-makes the report screenshots in docs/images/ from real runs against the embedded reference broker:
#   report-passing.png         conform, conformant broker
#   report.png                 conform --defect no-will (the broker never publishes a will)
#   report-flaky-cellular.png  simulate scenarios/fleet/flaky-cellular.json (200 devices on a bad network)
#   report-power-outage.png    simulate scenarios/fleet/power-outage.json --scale 4 --defect no-will
#                              (2,000 devices lose power; the broker drops their wills)
# Usage (from the repository root, after building mqtt-harness): docs/images/make-screenshots.sh [WORK_DIR]
# Needs Debian's chromium (ci/setup.sh --with-extras). Each run's console summary is kept in WORK_DIR.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
harness=${MQTT_HARNESS:-$root/build/harness/cli/mqtt-harness}
work=${1:-$(mktemp -d /tmp/mqtt-screenshots.XXXXXX)}
images=$root/docs/images
mkdir -p "$work"

run() {  # NAME ARGS...: one run, its reports in WORK/NAME, its console summary in WORK/NAME.txt
  local name=$1
  shift
  echo "== $name: mqtt-harness $*"
  "$harness" "$@" --report-dir "$work/$name" >"$work/$name.txt" 2>&1
  echo "   exit $? ($(tail -n 3 "$work/$name.txt" | head -n 1))"
}

shoot() {  # NAME HEIGHT: WORK/NAME/report.html -> docs/images/IMAGE
  local name=$1 image=$2 height=$3
  local profile
  profile=$(mktemp -d /tmp/mqtt-screenshots-profile.XXXXXX)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
    --window-size=1280,"$height" --screenshot="$images/$image" "file://$work/$name/report.html" >/dev/null 2>&1
  rm -rf "$profile"
  echo "   $images/$image"
}

run passing conform --seed 1
shoot passing report-passing.png 1400
run failing conform --seed 1 --defect no-will
shoot failing report.png 2000
run flaky-cellular simulate "$root/scenarios/fleet/flaky-cellular.json" --seed 42
shoot flaky-cellular report-flaky-cellular.png 2200
run power-outage simulate "$root/scenarios/fleet/power-outage.json" --seed 7 --scale 4 --defect no-will
shoot power-outage report-power-outage.png 2200
echo "reports and console summaries in $work"
