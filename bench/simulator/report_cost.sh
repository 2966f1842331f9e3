#!/usr/bin/env bash
# What a fleet run costs after its publishing ends: runs `mqtt-harness simulate SCENARIO` against a quiet
# mosquitto (log_type error, like a production broker) started for the run, then prints the harness's wall time,
# CPU and peak RSS (GNU time), mosquitto's CPU, each report file's size and the time it took to write (the gap
# between its modification time and the previous file's; the first file's gap starts at the end of the
# publishing window plus settle, taken from the summary's "in N s"). For runs of 6 s or more it also prints both
# processes' CPU in the publishing window (3 s after the start to 1 s before the publishing ends, read from
# /proc), which includes the harness's judging thread.
#
#   bench/simulator/report_cost.sh HARNESS SCENARIO REPORT_DIR [simulate options...]
#   e.g. bench/simulator/report_cost.sh build/harness/cli/mqtt-harness bench/simulator/fanin-1000-qos1.json /tmp/r
#
# With MQTT_BENCHMARK=/path/to/mqtt-benchmark (krylovsk/mqtt-benchmark, built by the user: docs/benchmarks.md
# "Against mqtt-benchmark"), the same mosquitto then carries the scenario's message count again, from
# mqtt-benchmark flat out (one client per device, -count = rate x duration per client, the scenario's QoS and
# payload size) to one mosquitto_sub at that QoS, and the script prints both clients' CPU, mosquitto's CPU for that
# phase and the ratios: harness / (mqtt-benchmark + mosquitto_sub), and each side over its mosquitto CPU. For the
# fan-in scenarios (one device group, one subscribing observer).
#
# This machine's virtual CPUs have no instruction counters for perf stat: bench/simulator/callgrind.sh (passed as
# HARNESS) counts the harness's instructions per thread under callgrind on a small fleet, and thread_cpu.sh splits
# its CPU time by thread (docs/benchmarks.md, "The fleet's thread without a coroutine per message").
set -euo pipefail
harness=$1 scenario=$2 report_dir=$3
shift 3
source "$(dirname "${BASH_SOURCE[0]}")/quiet_mosquitto.sh"
rm -rf "$report_dir"
started=$(date +%s.%N)
/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$harness" simulate "$scenario" --target "mqtt://127.0.0.1:$port" \
  --seed 1 -o "$report_dir" "$@" >"$work/summary" &
timer=$!
# The publishing window, as bench_fleet takes it: from 3 s after the start (every device connected) to 1 s before
# the publishing ends; the harness's CPU in it includes the judging thread, which judges as the run goes.
duration_s=$(python3 -c '
import json, re, sys
args = sys.argv[2:]
seconds = json.load(open(sys.argv[1]))["duration_ms"] / 1000
for i, arg in enumerate(args[:-1]):
    if arg == "--duration":
        value, unit = re.fullmatch(r"([0-9.]+)(ms|s|m|h)?", args[i + 1]).groups()
        seconds = float(value) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[unit]
print(seconds)' "$scenario" "$@")
window=$(python3 -c "import sys; d=float(sys.argv[1]); print('%.1f %.1f' % (3, d - 1) if d >= 6 else '')" "$duration_s")
if [[ -n $window ]]; then
  (
    read -r from to <<<"$window"
    harness_pid=
    for _ in $(seq 200); do  # the harness itself, below /usr/bin/time and any wrapper script passed as HARNESS
      pid=$timer
      # down through /usr/bin/time and shell wrappers to the first other process (the wrapper starts it first)
      while [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) =~ ^(time|bash|sh|dash|env|nice|.*\.sh)$ ]]; do
        pid=$(pgrep -P "$pid" | head -1)
      done
      [[ -n $pid ]] && { harness_pid=$pid; break; }
      sleep 0.02
    done
    [[ -n $harness_pid ]] || { echo "the harness's process was not found" >&2; exit 0; }
    cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
    sleep "$(echo "$started + $from - $(date +%s.%N)" | bc)"
    h0=$(cpu "$harness_pid") b0=$(cpu "$broker")
    sleep "$(echo "$started + $to - $(date +%s.%N)" | bc)"
    h1=$(cpu "$harness_pid") b1=$(cpu "$broker")
    tick=$(getconf CLK_TCK)
    printf 'publishing window %s-%s s: harness CPU %.2f s, mosquitto CPU %.2f s, ratio %.2f\n' "$from" "$to" \
      "$(echo "($h1 - $h0) / $tick" | bc -l)" "$(echo "($b1 - $b0) / $tick" | bc -l)" \
      "$(echo "($h1 - $h0) / ($b1 - $b0)" | bc -l)" >"$work/window"
  ) 2>"$work/sampler.err" &
  sampler=$!
fi
wait "$timer" || true
[[ -n ${sampler:-} ]] && { wait "$sampler" || true; }
read -r wall user system peak_kib < <(tail -1 "$work/time")
broker_cpu=$(awk '{print ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$broker/stat")
run_s=$(grep -oE 'violations in [0-9.]+ s' "$work/summary" | grep -oE '[0-9.]+' || echo 0)
grep -E 'violations in|Messages' "$work/summary" || true
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'harness: wall %.1f s (run %.1f s, after it %.1f s), CPU %.1f s (user %.1f + sys %.1f), peak RSS %d MB; mosquitto CPU %.1f s; ratio %.2f\n' \
  "$wall" "$run_s" "$(echo "$wall - $run_s" | bc)" "$(echo "$user + $system" | bc)" "$user" "$system" \
  $((peak_kib / 1024)) "$broker_cpu" "$(echo "($user + $system) / $broker_cpu" | bc -l)"
[[ -n ${sampler:-} ]] && { cat "$work/window" 2>/dev/null || sed 's/^/publishing window not measured: /' "$work/sampler.err"; }
previous=$(echo "$started + $run_s" | bc)
if [[ -d "$report_dir" ]]; then
  for file in $(ls -tr "$report_dir"); do
    modified=$(stat -c %.Y "$report_dir/$file")
    printf '  %-14s %10d bytes  written in %.2f s\n' "$file" "$(stat -c %s "$report_dir/$file")" \
      "$(echo "$modified - $previous" | bc)"
    previous=$modified
  done
fi
if [[ -n ${MQTT_BENCHMARK:-} ]]; then
  # clients, messages per client, QoS, payload bytes: from the scenario's device group and the run's duration
  # (--duration when given), so that both sides carry the same message count.
  read -r clients per_client qos size < <(python3 -c '
import json, sys
spec = json.load(open(sys.argv[1]))
group = spec["groups"][0]
publish = group["publish"]
print(group["count"], round(publish["rate"] * float(sys.argv[2])), publish.get("qos", 0), publish.get("payload_size", 32))' "$scenario" "$duration_s")
  total=$((clients * per_client))
  broker_before=$(awk '{print $14 + $15}' "/proc/$broker/stat")
  /usr/bin/time -f '%e %U %S' -o "$work/sub_time" timeout 600 mosquitto_sub -p "$port" -t 'bench/#' -q "$qos" -C "$total" \
    >"$work/sub.out" &
  subscriber=$!
  sleep 0.5  # a benchmark, not a test: mosquitto_sub cannot say when its SUBSCRIBE was granted
  /usr/bin/time -f '%e %U %S %M' -o "$work/benchmark_time" "$MQTT_BENCHMARK" -broker "tcp://127.0.0.1:$port" \
    -topic bench/telemetry -qos "$qos" -size "$size" -count "$per_client" -clients "$clients" -message-interval 0 \
    -quiet -format json >"$work/benchmark.json" || true
  wait "$subscriber" || true
  broker_after=$(awk '{print $14 + $15}' "/proc/$broker/stat")
  read -r _ bench_user bench_system bench_kib < <(tail -1 "$work/benchmark_time")
  read -r _ sub_user sub_system < <(tail -1 "$work/sub_time")
  bench_cpu=$(echo "$bench_user + $bench_system" | bc)
  sub_cpu=$(echo "$sub_user + $sub_system" | bc)
  clients_cpu=$(echo "$bench_cpu + $sub_cpu" | bc)
  bench_broker_cpu=$(echo "($broker_after - $broker_before) / $(getconf CLK_TCK)" | bc -l)
  harness_cpu=$(echo "$user + $system" | bc)
  printf 'mqtt-benchmark: %d clients x %d messages, QoS %d, %d bytes: %d of %d delivered to mosquitto_sub; wall %s s\n' \
    "$clients" "$per_client" "$qos" "$size" "$(wc -l <"$work/sub.out")" "$total" "$(tail -1 "$work/benchmark_time" | cut -d' ' -f1)"
  printf 'mqtt-benchmark CPU %.2f s (peak RSS %d MB) + mosquitto_sub CPU %.2f s = %.2f s; mosquitto CPU in that phase %.2f s; clients / mosquitto %.2f\n' \
    "$bench_cpu" $((bench_kib / 1024)) "$sub_cpu" "$clients_cpu" "$bench_broker_cpu" "$(echo "$clients_cpu / $bench_broker_cpu" | bc -l)"
  printf 'harness CPU / mqtt-benchmark + mosquitto_sub CPU: %.2f; harness / its mosquitto %.2f, mqtt-benchmark + sub / its mosquitto %.2f\n' \
    "$(echo "$harness_cpu / $clients_cpu" | bc -l)" "$(echo "$harness_cpu / $broker_cpu" | bc -l)" \
    "$(echo "$clients_cpu / $bench_broker_cpu" | bc -l)"
fi
