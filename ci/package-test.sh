#!/usr/bin/env bash
# Builds the .deb from a configured build folder, unpacks it into a scratch root (dpkg -x: nothing is installed on
# this machine) and uses it as a user would: the installed binary runs the conformance suite against its embedded
# broker, its man page renders, its bash completion completes, its data files are where the man page says, and its
# Depends name only Debian 12 packages this machine has (so `apt-get install ./mqtt-harness_*.deb` resolves).
# Usage: ci/package-test.sh BUILD_DIR [OUTPUT_DIR]   (OUTPUT_DIR keeps the .deb; default: a temporary folder)
set -euo pipefail
build_dir=$(realpath "${1:?usage: ci/package-test.sh BUILD_DIR [OUTPUT_DIR]}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
output=${2:-$work/dist}
mkdir -p "$output"
fail() { echo "package-test: $*" >&2; exit 1; }

cmake --build "$build_dir" --target mqtt-harness mqtt_harness_man_page >/dev/null
(cd "$build_dir" && cpack -G DEB -B "$output" >/dev/null) || fail "cpack failed"
deb=$(ls "$output"/mqtt-harness_*_*.deb 2>/dev/null | head -1)
[[ -f "$deb" ]] || fail "no mqtt-harness_*.deb in $output"
echo "package-test: built $(basename "$deb")"

# Depends: computed by dpkg-shlibdeps; each package must exist in Debian 12 (here: be installed).
depends=$(dpkg-deb -f "$deb" Depends)
[[ "$depends" == *libssl3* && "$depends" == *libc6* && "$depends" == *libpcap0.8* ]] ||
  fail "Depends lacks libssl3, libc6 or libpcap0.8: $depends"
for dependency in $(tr ',' '\n' <<<"$depends" | sed 's/(.*//; s/ //g'); do
  dpkg-query -W -f='${Status}' "$dependency" 2>/dev/null | grep -q "install ok installed" ||
    fail "Depends names $dependency, which is not an installed Debian package here"
done

root=$work/root
dpkg -x "$deb" "$root"
binary=$root/usr/bin/mqtt-harness
for file in usr/bin/mqtt-harness usr/share/man/man1/mqtt-harness.1 usr/share/bash-completion/completions/mqtt-harness \
  usr/share/mqtt-harness/scenarios/schema.json usr/share/mqtt-harness/scenarios/profiles/schema.json \
  usr/share/mqtt-harness/scenarios/profiles/mosquitto-default.json usr/share/mqtt-harness/scenarios/fleet/flaky-cellular.json \
  usr/share/mqtt-harness/scenarios/accepted-deviations.schema.json usr/share/mqtt-harness/accepted/mosquitto-2.0.11.json; do
  [[ -f "$root/$file" ]] || fail "the package lacks /$file"
done
"$binary" --version | grep -qx "mqtt-harness [0-9.]*" || fail "--version: $("$binary" --version)"

# The whole suite from the installed path, against the embedded broker, from a folder far from the source tree.
cd "$work"
set +e
"$binary" conform --profile "$root/usr/share/mqtt-harness/scenarios/profiles/mosquitto-default.json" \
  -o "$work/report" --seed 1 --quiet
code=$?
set -e
[[ $code -eq 0 ]] || fail "installed mqtt-harness conform exited $code"
[[ -s "$work/report/results.json" && -s "$work/report/report.html" ]] || fail "conform wrote no report"
cat > "$work/fleet.json" <<'SCENARIO'
{"name": "package-test", "duration_ms": 500, "settle_ms": 300,
 "groups": [{"name": "site", "count": 3, "connect_rate": 0, "publish": {"rate": 5, "qos": 1}}]}
SCENARIO
"$binary" simulate "$work/fleet.json" --seed 2 -o "$work/fleet" --quiet || fail "installed mqtt-harness simulate exited $?"
echo "package-test: installed binary passed conform and simulate against the embedded broker"

# The man page renders and lists the options of the binary beside it.
manual=$(MANWIDTH=100 man -l "$root/usr/share/man/man1/mqtt-harness.1" 2>&1) || fail "man -l failed: $manual"
for text in "--password-file" "MQTT_HARNESS_PASSWORD" "EXIT STATUS" "simulate" "--json-file"; do
  grep -qF -- "$text" <<<"$manual" || fail "the man page lacks $text"
done

# Bash completion, sourced as bash-completion would, completes commands and options of the installed binary.
completion=$(bash --norc --noprofile -c '
  source "$1"
  complete -p mqtt-harness >/dev/null || exit 1
  complete_for() { COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _mqtt_harness; echo "${COMPREPLY[*]}"; }
  complete_for "$2" con
  complete_for "$2" probe --password-f
  complete_for "$2" conform -q ""
' _ "$root/usr/share/bash-completion/completions/mqtt-harness" "$binary") || fail "the completion does not load"
expected=$'conform convert\n--password-file\n0 1 2'
[[ "$completion" == "$expected" ]] || fail "completion gave: $completion"
echo "package-test: man page and bash completion work; Depends: $depends"
