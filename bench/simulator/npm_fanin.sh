#!/bin/sh
# QoS 0 fan-in with the MQTT.js command line tools from npm (`mqtt pub`, `mqtt sub`), to set next to
# `bench_fleet fanin 1000 10 8` and mosquitto_clients_fanin.sh: N publishers (one `mqtt pub -s -M` process
# each, topic dtu/{i}/telemetry, 64-byte payloads) and one `mqtt sub` on dtu/+/telemetry.
#
# Usage: bench/simulator/npm_fanin.sh [-p PORT -P MOSQUITTO_PID] [-n PUBLISHERS] [-r RATE] [-s SECONDS] [-c COUNT]
#   -p/-P   an already running mosquitto (both needed); without them the script starts its own mosquitto on a
#           free loopback port, logging to stdout (kept in the temporary directory, shown on failure).
#   -n      publishers (default 10)
#   -r      messages per second per publisher (default 1000, so 10 x 1000 = 10,000 msg/s like
#           `bench_fleet fanin 1000 10 8`). `mqtt pub` has no rate control of its own: a pacing feeder (node
#           with built-in modules only, not counted as the tool) writes RATE/10 lines every 100 ms into each
#           publisher's stdin (a FIFO). -r 0 = flat out: each publisher reads COUNT lines from a file.
#   -s      seconds of publishing when paced (default 8); the figures are also taken over the window 2 s after
#           the start to 1 s before the end, as bench_fleet does
#   -c      messages per publisher when flat out (default 10000)
# Environment: NPM_MQTT_PREFIX (default /tmp/npm-mqtt): where `npm install --prefix` puts mqtt if it is missing.
#
# Prints one line per figure set: messages delivered, the tool's CPU (all its processes: utime+stime from
# /proc while running, and /usr/bin/time totals at exit), mosquitto's CPU over the same span (/proc/PID/stat),
# the ratio tool / mosquitto and the tool's CPU per delivered message. Nothing is asserted: a benchmark.
# Exit codes: 0 ran, 2 bad usage, 3 npm/network/node or the broker missing, 4 the run itself failed.
set -u

mqtt_version=5.16.0
prefix=${NPM_MQTT_PREFIX:-/tmp/npm-mqtt}
port=""; mq=""; publishers=10; rate=1000; seconds=8; count=10000

usage() { echo "usage: npm_fanin.sh [-p PORT -P MOSQUITTO_PID] [-n PUBLISHERS] [-r RATE] [-s SECONDS] [-c COUNT]" >&2; exit 2; }
is_uint() { case $1 in ''|*[!0-9]*) return 1 ;; *) return 0 ;; esac; }
while getopts p:P:n:r:s:c:h opt; do
  case $opt in
    p) port=$OPTARG ;; P) mq=$OPTARG ;; n) publishers=$OPTARG ;; r) rate=$OPTARG ;;
    s) seconds=$OPTARG ;; c) count=$OPTARG ;; *) usage ;;
  esac
done
for v in "$publishers" "$rate" "$seconds" "$count"; do is_uint "$v" || { echo "npm_fanin: '$v' is not a whole number" >&2; usage; }; done
[ "$publishers" -ge 1 ] || { echo "npm_fanin: -n must be at least 1" >&2; exit 2; }
if [ "$rate" -gt 0 ]; then
  [ "$seconds" -ge 4 ] || { echo "npm_fanin: -s must be at least 4 (the window is 2 s after start to 1 s before end)" >&2; exit 2; }
  [ $((rate % 10)) -eq 0 ] || { echo "npm_fanin: -r must be a multiple of 10 (lines are fed every 100 ms)" >&2; exit 2; }
fi
if [ -n "$port$mq" ]; then
  { is_uint "$port" && is_uint "$mq"; } || { echo "npm_fanin: -p PORT and -P MOSQUITTO_PID go together" >&2; exit 2; }
  [ -r "/proc/$mq/stat" ] || { echo "npm_fanin: no process $mq (-P MOSQUITTO_PID)" >&2; exit 3; }
fi

command -v node >/dev/null 2>&1 || { echo "npm_fanin: node is missing (Debian: apt-get install nodejs npm)" >&2; exit 3; }
[ -x /usr/bin/time ] || { echo "npm_fanin: /usr/bin/time is missing (Debian: apt-get install time)" >&2; exit 3; }
mqttjs=$prefix/node_modules/mqtt/build/bin/mqtt.js
if [ ! -f "$mqttjs" ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm_fanin: npm is missing (Debian: apt-get install npm), cannot install mqtt@$mqtt_version" >&2; exit 3; }
  mkdir -p "$prefix"
  if ! npm install --prefix "$prefix" --no-audit --no-fund "mqtt@$mqtt_version" > "$prefix/install.log" 2>&1; then
    echo "npm_fanin: 'npm install --prefix $prefix mqtt@$mqtt_version' failed (network or registry unreachable?): $(grep -m1 -i err "$prefix/install.log")" >&2
    exit 3
  fi
fi

tick=$(getconf CLK_TCK)
dir=$(mktemp -d /tmp/npm_fanin.XXXXXX)
own_mq=""; sub_time=""; sub_pid=""; feeder=""
cleanup() {
  # Only the processes this script started, by pid.
  [ -n "$feeder" ] && kill "$feeder" 2>/dev/null
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null
  for f in "$dir"/pub.*.pid "$dir"/pub.*.time; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  [ -n "$own_mq" ] && kill "$own_mq" 2>/dev/null && wait "$own_mq" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 4' INT TERM

now() { date +%s.%N; }
ticks_of() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # utime+stime of a live process
ms() { echo "$1 * 1000 / $tick" | bc; }                                      # ticks -> ms
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }                         # calc EXPR [DECIMALS]
ratio() { awk "BEGIN { if (($2) > 0) printf \"%.${3:-2}f\", ($1) / ($2); else printf \"n/a\" }"; }  # ratio A B [DECIMALS]
# The pid of /usr/bin/time's child (the node process it runs): poll with a deadline, it forks at once.
child_of() {
  end=$(( $(date +%s) + 5 ))
  while [ "$(date +%s)" -le "$end" ]; do
    c=$(awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null)
    [ -n "$c" ] && { echo "$c"; return 0; }
    sleep 0.01
  done
  return 1
}
delivered() { grep -c -v '^ready$' "$dir/sub.out"; }
# Waits for our own background processes (by pid) until the epoch second $1; 1 if one is still running then.
wait_until() {
  limit=$1; shift
  for p in "$@"; do
    # A zombie still answers kill -0, so the state letter decides.
    while st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; do
      [ "$(date +%s)" -gt "$limit" ] && return 1
      sleep 0.1
    done
    wait "$p" 2>/dev/null
  done
  return 0
}
sleep_until() { d=$(calc "$1 - $(now)" 3); case $d in -*) ;; *) sleep "$d" ;; esac; }
# One awk over every /proc/PID/stat so the figures are taken together: "mosquitto sub feeder publishers
# delivered" in ticks (and lines); empty if a process has already exited.
snapshot() {
  lines=$(wc -l < "$dir/sub.out")
  for p in $pub_pids; do set -- "$@" "/proc/$p/stat"; done
  awk -v files=$(($# + 3)) -v lines=$((lines - ready0)) \
    'FNR == 1 { k++ } k == 1 { m = $14 + $15 } k == 2 { s = $14 + $15 } k == 3 { f = $14 + $15 } k > 3 { p += $14 + $15 }
     END { if (k == files) print m, s, f, p, lines }' "/proc/$mq/stat" "/proc/$sub_pid/stat" "/proc/$feeder/stat" "$@" 2>/dev/null
}

if [ -z "$port" ]; then
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nlog_dest stdout\n' "$port" > "$dir/mosquitto.conf"
  # stdbuf: line-buffered stdout, so the log shows "running" as soon as it happens.
  stdbuf -oL mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
  own_mq=$!; mq=$own_mq
  end=$(( $(date +%s) + 10 ))
  until grep -q ' running$' "$dir/mosquitto.log"; do
    if [ "$(date +%s)" -gt "$end" ] || ! kill -0 "$own_mq" 2>/dev/null; then
      echo "npm_fanin: mosquitto did not start on 127.0.0.1:$port: $(tail -1 "$dir/mosquitto.log")" >&2; exit 3
    fi
    sleep 0.05
  done
fi

# 64-byte payloads (the 56-character prefix plus an 8-digit sequence number), one per line.
prefix56=payload-0123456789-0123456789-0123456789-0123456789-012
if [ "$rate" -gt 0 ]; then per=$((rate * seconds)); else per=$count; fi
awk -v n="$per" -v p="$prefix56" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%08d\n", p, i }' > "$dir/lines"
total=$((publishers * per))

/usr/bin/time -f '%U %S' -o "$dir/time.sub" node "$mqttjs" sub -h 127.0.0.1 -p "$port" -q 0 -t 'dtu/+/telemetry' \
  > "$dir/sub.out" 2> "$dir/sub.err" &
sub_time=$!
sub_pid=$(child_of "$sub_time") || { echo "npm_fanin: mqtt sub did not start" >&2; exit 4; }
# Wait (deadline 15 s) until the subscription is in place: publish a marker until mqtt sub prints it.
end=$(( $(date +%s) + 15 ))
until grep -q '^ready$' "$dir/sub.out"; do
  [ "$(date +%s)" -gt "$end" ] && { echo "npm_fanin: mqtt sub never received the marker from 127.0.0.1:$port: $(tail -1 "$dir/sub.err")" >&2; exit 3; }
  node "$mqttjs" pub -h 127.0.0.1 -p "$port" -q 0 -t dtu/0/telemetry -m ready 2>> "$dir/probe.err"
done

ready0=$(grep -c '^ready$' "$dir/sub.out")
mq0=$(ticks_of "$mq"); t0=$(now); pub_pids=""
if [ "$rate" -gt 0 ]; then
  i=1; while [ "$i" -le "$publishers" ]; do mkfifo "$dir/fifo.$i"; i=$((i + 1)); done
  # The feeder, started before the publishers because it opens the FIFOs in order as they open them: RATE/10
  # lines into every FIFO each 100 ms, on an absolute schedule (a late tick is caught up, not skipped).
  /usr/bin/time -f '%U %S' -o "$dir/time.feeder" node -e '
    const fs = require("fs");
    const [dir, n, per, perTick] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
    const lines = fs.readFileSync(dir + "/lines", "latin1").split("\n");
    const fds = [];
    for (let i = 1; i <= n; i++) fds.push(fs.openSync(dir + "/fifo." + i, "w"));
    const start = Date.now();
    fs.writeFileSync(dir + "/feeder.start", (start / 1000).toFixed(3) + "\n");
    let next = 0;
    function tick() {
      const chunk = lines.slice(next, Math.min(next + perTick, per)).join("\n") + "\n";
      for (const fd of fds) fs.writeSync(fd, chunk);
      next += perTick;
      if (next >= per) { fds.forEach((fd) => fs.closeSync(fd)); return; }
      setTimeout(tick, Math.max(0, start + (next / perTick) * 100 - Date.now()));
    }
    tick();' "$dir" "$publishers" "$per" $((rate / 10)) &
  feeder_time=$!
  feeder=$(child_of "$feeder_time") || { echo "npm_fanin: the pacing feeder did not start" >&2; exit 4; }
fi
i=1
while [ "$i" -le "$publishers" ]; do
  if [ "$rate" -gt 0 ]; then src=$dir/fifo.$i; else src=$dir/lines; fi
  /usr/bin/time -f '%U %S' -o "$dir/time.pub.$i" node "$mqttjs" pub -h 127.0.0.1 -p "$port" -q 0 \
    -t "dtu/$i/telemetry" -s -M < "$src" 2> "$dir/pub.$i.err" &
  echo $! > "$dir/pub.$i.time"
  child_of $! > "$dir/pub.$i.pid" || { echo "npm_fanin: mqtt pub $i did not start" >&2; exit 4; }
  pub_pids="$pub_pids $(cat "$dir/pub.$i.pid")"
  i=$((i + 1))
done
if [ "$rate" -gt 0 ]; then
  # The window: 2 s after the feeder's start to 1 s before its scheduled end, like bench_fleet fanin.
  end=$(( $(date +%s) + 30 ))
  until [ -s "$dir/feeder.start" ]; do
    [ "$(date +%s)" -gt "$end" ] && { echo "npm_fanin: the pacing feeder never opened the publishers' FIFOs" >&2; exit 4; }
    sleep 0.05
  done
  fstart=$(cat "$dir/feeder.start")
  sleep_until "$(calc "$fstart + 2" 3)"
  w0=$(now); snap0=$(snapshot)
  sleep_until "$(calc "$fstart + $seconds - 1" 3)"
  w1=$(now); snap1=$(snapshot)
fi
# Deadline for the publishers (and the feeder) to finish: three times the planned time plus 30 s, or 120 s
# flat out; past it the run is reported as failed rather than left hanging (e.g. a publisher that lost the broker).
if [ "$rate" -gt 0 ]; then limit=$(( $(date +%s) + 3 * seconds + 30 )); else limit=$(( $(date +%s) + 120 )); fi
[ "$rate" -gt 0 ] && { wait_until "$limit" "$feeder_time" || { echo "npm_fanin: the pacing feeder was still writing at the deadline (publishers stuck?)" >&2; exit 4; }; feeder=""; }
# shellcheck disable=SC2046  # one pid per file, split on purpose
wait_until "$limit" $(cat "$dir"/pub.*.time) || { echo "npm_fanin: mqtt pub still running at the deadline (did mosquitto on 127.0.0.1:$port go away?)" >&2; exit 4; }
t_pub=$(now)
# Publishers are done; wait for the subscriber to receive everything, or to stop receiving for 2 s.
last=-1; same=0
while :; do
  d=$(delivered)
  [ "$d" -ge "$total" ] && break
  if [ "$d" -eq "$last" ]; then same=$((same + 1)); [ "$same" -ge 20 ] && break; else same=0; last=$d; fi
  sleep 0.1
done
t1=$(now); mq1=$(ticks_of "$mq")
kill "$sub_pid"; wait "$sub_time" 2>/dev/null; sub_pid=""
rm -f "$dir"/pub.*.pid

got=$(delivered)
cpu_of() { cat "$@" | awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { s += $1 + $2 } END { printf "%.2f", s }'; }
tool_s=$(cpu_of "$dir/time.sub" "$dir"/time.pub.*); sub_s=$(cpu_of "$dir/time.sub")
mq_s=$(calc "($mq1 - $mq0) / $tick")
mode="flat out"; [ "$rate" -gt 0 ] && mode="paced $publishers x $rate/s for $seconds s"
echo "npm mqtt@$mqtt_version fan-in, $publishers x mqtt pub -s -M + 1 mqtt sub, QoS 0, 64-byte payloads, $mode, mosquitto pid $mq port $port"
echo "whole run: delivered $got of $total in $(calc "$t1 - $t0") s (publishers done after $(calc "$t_pub - $t0") s);" \
  "tool CPU $tool_s s (/usr/bin/time, $((publishers + 1)) node processes incl. start-up; mqtt sub $sub_s s); mosquitto CPU $mq_s s;" \
  "ratio $(ratio "$tool_s" "$mq_s"); $(ratio "$tool_s * 1000000" "$got" 1) us per message"
if [ "$rate" -gt 0 ]; then
  if [ -n "$snap0" ] && [ -n "$snap1" ]; then
    # shellcheck disable=SC2086  # word splitting of the two snapshots is the point
    set -- $snap0 $snap1  # 1-5: mosquitto sub feeder publishers delivered at the start, 6-10 at the end
    wsec=$(calc "$w1 - $w0"); wmq=$(($6 - $1)); wsub=$(($7 - $2)); wf=$(($8 - $3)); wc=$((wsub + $9 - $4)); wd=$((${10} - $5))
    echo "window ($wsec s, 2 s after start to 1 s before end): delivered $wd ($(ratio "$wd" "$wsec" 0) msg/s);" \
      "tool CPU $(ms "$wc") ms (mqtt sub $(ms "$wsub") ms); mosquitto CPU $(ms "$wmq") ms; ratio $(ratio "$wc" "$wmq");" \
      "$(ratio "$wc * 1000000 / $tick" "$wd" 1) us per message; pacing feeder (not counted) $(ms "$wf") ms"
  else
    echo "window: not measured, a process had exited before the window closed (the machine may be overloaded)"
  fi
fi
[ "$got" -gt 0 ] || { echo "npm_fanin: nothing was delivered; mqtt pub errors: $(cat "$dir"/pub.*.err | tail -1)" >&2; exit 4; }
exit 0
