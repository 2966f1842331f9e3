#!/usr/bin/env bash
# What a fleet run costs after its publishing ends: runs `mqtt-harness simulate SCENARIO` against a quiet
# mosquitto (log_type error, like a production broker) started for the run, then prints the harness's wall time,
# CPU and peak RSS (GNU time), mosquitto's CPU, each report file's size and the time it took to write (the gap
# between its modification time and the previous file's; the first file's gap starts at the end of the
# publishing window plus settle, taken from the summary's "in N s").
#
#   bench/simulator/report_cost.sh HARNESS SCENARIO REPORT_DIR [simulate options...]
#   e.g. bench/simulator/report_cost.sh build/harness/cli/mqtt-harness bench/simulator/fanin-1000-qos1.json /tmp/r
set -euo pipefail
harness=$1 scenario=$2 report_dir=$3
shift 3
work=$(mktemp -d)
trap 'kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nmax_queued_messages 100000\n' \
  "$port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
broker=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
rm -rf "$report_dir"
started=$(date +%s.%N)
/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$harness" simulate "$scenario" --target "mqtt://127.0.0.1:$port" \
  --seed 1 -o "$report_dir" "$@" >"$work/summary" || true
read -r wall user system peak_kib < <(tail -1 "$work/time")
broker_cpu=$(awk '{print ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$broker/stat")
run_s=$(grep -oE 'violations in [0-9.]+ s' "$work/summary" | grep -oE '[0-9.]+' || echo 0)
grep -E 'violations in|Messages' "$work/summary" || true
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'harness: wall %.1f s (run %.1f s, after it %.1f s), CPU %.1f s (user %.1f + sys %.1f), peak RSS %d MB; mosquitto CPU %.1f s; ratio %.2f\n' \
  "$wall" "$run_s" "$(echo "$wall - $run_s" | bc)" "$(echo "$user + $system" | bc)" "$user" "$system" \
  $((peak_kib / 1024)) "$broker_cpu" "$(echo "($user + $system) / $broker_cpu" | bc -l)"
previous=$(echo "$started + $run_s" | bc)
if [[ -d "$report_dir" ]]; then
  for file in $(ls -tr "$report_dir"); do
    modified=$(stat -c %.Y "$report_dir/$file")
    printf '  %-14s %10d bytes  written in %.2f s\n' "$file" "$(stat -c %s "$report_dir/$file")" \
      "$(echo "$modified - $previous" | bc)"
    previous=$modified
  done
fi
