#!/usr/bin/env bash
# A soak run and what it cost over time: starts a quiet mosquitto (persistence on, in a temporary directory;
# log_type error, like a production broker), runs `mqtt-harness simulate SCENARIO --duration DURATION` against it
# with --broker-restart-command mosquitto_restart.sh (so the scenario's broker-restart faults restart it: SIGTERM,
# then the same port and persistence file again), samples every 10 s the harness's RSS and CPU, mosquitto's RSS and
# CPU (whichever process is the broker then) and the load average into DIR/samples.csv, and prints a summary:
# peak and last RSS of both, CPU of both over the whole run and their ratio, post-run seconds (the harness's exit
# minus the end of the scenario: its wall time minus the run's "in N s"), and history.log's bytes per message
# published. The reports go to DIR/report, the summary also to DIR/summary.txt.
#
#   [SEED=N] bench/simulator/soak.sh HARNESS SCENARIO DURATION DIR [simulate options...]   (seed 1 by default)
#   e.g. bench/simulator/soak.sh build/harness/cli/mqtt-harness bench/simulator/soak-dtu-10min.json 10m /tmp/soak
set -euo pipefail
harness=$(realpath "$1") scenario=$2 duration=$3
mkdir -p "$4"
dir=$(cd "$4" && pwd)
shift 4
here=$(cd "$(dirname "$0")" && pwd)
ticks=$(getconf CLK_TCK)
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf="$dir/mosquitto.conf"
printf 'user %s\nlistener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\npid_file %s/mosquitto.pid\nlog_dest file %s/mosquitto.log\nlog_type error\nmax_queued_messages 100000\n' \
  "$(id -un)" "$port" "$data" "$data" "$dir" >"$conf"
broker_pid() { cat "$data/mosquitto.pid" 2>/dev/null || echo 0; }
harness_pid=0
cleanup() {
  local pid
  [[ $harness_pid != 0 ]] && kill -TERM "$harness_pid" 2>/dev/null || true  # a script stopped early leaves no run
  pid=$(broker_pid)
  [[ $pid != 0 ]] && kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do [[ -e /proc/$pid ]] || break; sleep 0.05; done
  rm -rf "$data"
}
trap cleanup EXIT
: >"$dir/broker-cpu.log"
mosquitto -c "$conf" -d
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

rm -rf "$dir/report"
BROKER_CPU_LOG="$dir/broker-cpu.log" /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$harness" simulate "$scenario" \
  --target "mqtt://127.0.0.1:$port" --duration "$duration" --seed "${SEED:-1}" -o "$dir/report" \
  --broker-restart-command "$here/mosquitto_restart.sh $conf" "$@" >"$dir/stdout" 2>"$dir/stderr" &
timer=$!
for _ in $(seq 100); do harness_pid=$(pgrep -P "$timer" || echo 0); [[ $harness_pid != 0 ]] && break; sleep 0.02; done

# CPU seconds and RSS MB of a pid, "0 0" once it is gone.
cpu_rss() { awk -v t="$ticks" '{cpu = ($14 + $15) / t; rss = $24 * 4096 / 1048576; printf "%.2f %.1f\n", cpu, rss}' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }
echo "elapsed_s,harness_rss_mb,harness_cpu_s,broker_pid,broker_rss_mb,broker_cpu_s,load1" >"$dir/samples.csv"
started=$(date +%s.%N)
next=0
while kill -0 "$timer" 2>/dev/null; do
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  if (($(echo "$elapsed >= $next" | bc))); then
    read -r harness_cpu harness_rss < <(cpu_rss "$harness_pid")
    pid=$(broker_pid)
    read -r broker_cpu broker_rss < <(cpu_rss "$pid")
    printf '%.0f,%s,%s,%s,%s,%s,%s\n' "$elapsed" "$harness_rss" "$harness_cpu" "$pid" "$broker_rss" "$broker_cpu" \
      "$(cut -d' ' -f1 /proc/loadavg)" >>"$dir/samples.csv"
    next=$((next + 10))
  fi
  sleep 0.5
done
wait "$timer" || true
# The broker's CPU over the run: every earlier process's last ticks (logged by mosquitto_restart.sh) plus the
# current one's now.
read -r broker_now _ < <(cpu_rss "$(broker_pid)")
broker_cpu=$(awk -v t="$ticks" -v now="$broker_now" '{sum += $2 / t} END {printf "%.2f", sum + now}' "$dir/broker-cpu.log")
read -r wall user system peak_kib < <(tail -1 "$dir/time")
run_s=$(grep -oE 'violations in [0-9.]+ s' "$dir/stdout" | grep -oE '[0-9.]+' || echo 0)
published=$(grep -oE 'Expected vs delivered: [0-9,]+ messages published' "$dir/stdout" | grep -oE '[0-9,]+' | tr -d , || echo 0)
log_bytes=$(stat -c %s "$dir/report/history.log" 2>/dev/null || echo 0)
{
  grep -E 'violated|violations in|Expected vs delivered|Broker restarts|Harness:|History log' "$dir/stdout" || true
  grep -E 'warning' "$dir/stderr" || true
  printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  awk -F, 'NR > 1 {if ($2 > hr) hr = $2; if ($5 > br) br = $5; h = $2; b = $5} END {printf "harness RSS: peak %.1f MB, last %.1f MB (10 s samples; GNU time peak %d MB); mosquitto RSS: peak %.1f MB, last %.1f MB\n", hr, h, '"$((peak_kib / 1024))"', br, b}' "$dir/samples.csv"
  printf 'CPU over the whole run: harness %.1f s (user %.1f + sys %.1f), mosquitto %.1f s, ratio %.2f\n' \
    "$(echo "$user + $system" | bc)" "$user" "$system" "$broker_cpu" "$(echo "($user + $system) / $broker_cpu" | bc -l)"
  printf 'wall %.1f s, run %.1f s, post-run %.1f s (%.1f%% of the run)\n' "$wall" "$run_s" "$(echo "$wall - $run_s" | bc)" \
    "$(echo "($wall - $run_s) * 100 / $run_s" | bc -l)"
  if ((published > 0)); then
    printf 'history.log: %d bytes for %d messages published: %.0f bytes per message\n' "$log_bytes" "$published" \
      "$(echo "$log_bytes / $published" | bc -l)"
  fi
} | tee "$dir/summary.txt"
