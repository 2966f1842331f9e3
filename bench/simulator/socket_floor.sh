#!/usr/bin/env bash
# The floor under issue 16's publishing-window target: runs bench_socket_floor (the fan-in's sockets and packets
# with no MQTT client, recording, judging or statistics) against a quiet mosquitto started for the run, and prints
# both processes' CPU over the same window as report_cost.sh (3 s after the start to 1 s before the publishing
# ends, from /proc) and their ratio. Then, with HARNESS set, the same for `HARNESS simulate` of the fan-in scenario
# at that QoS and duration against a fresh quiet mosquitto, so the two ratios come from one command.
#
#   bench/simulator/socket_floor.sh FLOOR_BINARY QOS SECONDS
#   e.g. HARNESS=build/harness/cli/mqtt-harness bench/simulator/socket_floor.sh build/bench/simulator/bench_socket_floor 0 30
set -euo pipefail
floor=$1 qos=$2 seconds=$3
here=$(dirname "${BASH_SOURCE[0]}")

window_cpu() {  # PID_A PID_B FROM TO STARTED: prints "cpu_a cpu_b" in seconds over [FROM, TO] after STARTED
  local a=$1 b=$2 from=$3 to=$4 started=$5 hz a0 b0 a1 b1
  hz=$(getconf CLK_TCK)
  cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
  sleep "$(echo "$started + $from - $(date +%s.%N)" | bc)"
  a0=$(cpu "$a") b0=$(cpu "$b")
  sleep "$(echo "$started + $to - $(date +%s.%N)" | bc)"
  a1=$(cpu "$a") b1=$(cpu "$b")
  echo "$(echo "scale=2; ($a1 - $a0) / $hz" | bc) $(echo "scale=2; ($b1 - $b0) / $hz" | bc)"
}

run_floor() {
  source "$here/quiet_mosquitto.sh"
  local started pid cpus
  started=$(date +%s.%N)
  "$floor" "$port" 1000 10 "$seconds" "$qos" >"$work/floor.out" &
  pid=$!
  cpus=$(window_cpu "$pid" "$broker" 3 $((seconds - 1)) "$started")
  wait "$pid"
  read -r c m <<<"$cpus"
  printf 'floor (bench_socket_floor, QoS %s, %s s): %s; window 3-%s s: client CPU %s s, mosquitto CPU %s s, ratio %s\n' \
    "$qos" "$seconds" "$(cat "$work/floor.out")" $((seconds - 1)) "$c" "$m" "$(echo "scale=2; $c / $m" | bc)"
}
(run_floor)

if [[ -n ${HARNESS:-} ]]; then
  "$here/report_cost.sh" "$HARNESS" "$here/fanin-1000-qos$qos.json" "$(mktemp -d)/report" --duration "${seconds}s" |
    grep -E 'publishing window|ratio' || true
fi
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
