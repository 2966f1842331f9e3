#!/usr/bin/env bash
# Idle TLS devices and TLS handshakes: mqtt-harness's fleet engine against the tool a user would otherwise pick,
# mosquitto_sub/mosquitto_pub with --cafile, in the same run, against the same kind of broker (Debian's mosquitto
# with a TLS listener; a test CA made here with openssl).
#   harness: bench_fleet idle DEVICES and idle-tls DEVICES (memory per idle device, connect CPU per device)
#   peer:    PEERS mosquitto_sub processes held idle over TLS (proportional set size per process, which shares the
#            libraries' pages fairly), and HANDSHAKES one-shot mosquitto_pub runs with and without TLS (CPU each)
# Usage: bench/simulator/tls_fleet.sh BUILD_DIR [DEVICES] [PEERS] [HANDSHAKES]   (defaults 10000 200 200)
# Prints the machine's load next to the figures: the machine may be shared. bench_fleet's BENCH_* variables
# (BENCH_CONNECT_RATE, BENCH_COUNT_OPENSSL, BENCH_TRIM_AFTER_RAMP; docs/benchmarks.md) pass through.
set -euo pipefail
build=$(realpath "${1:?usage: tls_fleet.sh BUILD_DIR [DEVICES] [PEERS] [HANDSHAKES]}")
devices=${2:-10000}
peers=${3:-200}
handshakes=${4:-200}
work=$(mktemp -d)
broker_pid=""
cleanup() {
  pkill -P $$ mosquitto_sub 2>/dev/null || true
  if [[ -n "$broker_pid" ]]; then kill "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, ulimit -n $(ulimit -n)"
if [[ "${SKIP_HARNESS:-0}" != 1 ]]; then
  "$build/bench/simulator/bench_fleet" idle "$devices"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/simulator/bench_fleet" idle-tls "$devices"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# The peer's broker: mosquitto with a plain and a TLS listener, certificates for 127.0.0.1.
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=bench CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" -keyout server.key \
  -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
  -out server.pem 2>/dev/null
chmod 755 "$work"; chmod 644 server.key  # mosquitto started as root reads them as the "mosquitto" user
plain_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > mosquitto.conf <<CONF
per_listener_settings false
allow_anonymous true
max_connections -1
listener $plain_port 127.0.0.1
listener $tls_port 127.0.0.1
certfile $work/server.pem
keyfile $work/server.key
CONF
mosquitto -c mosquitto.conf > mosquitto.log 2>&1 &
broker_pid=$!
timeout 10 bash -c "until (exec 3<>/dev/tcp/127.0.0.1/$tls_port) 2>/dev/null; do sleep 0.1; done" ||
  { echo "peer: mosquitto did not start:"; cat mosquitto.log; exit 1; }

# Idle peers: one mosquitto_sub process per device (the way a user holds N connections with it).
for ((i = 0; i < peers; i++)); do
  mosquitto_sub -h 127.0.0.1 -p "$tls_port" --cafile ca.pem -t "idle/$i" -k 600 -i "idle-$i" > /dev/null 2>&1 &
done
timeout 60 bash -c "until [[ \$(ss -Htn state established \"( sport = :$tls_port )\" | wc -l) -ge $peers ]]; do sleep 0.2; done" ||
  echo "peer: not every mosquitto_sub connected"
pss_kib=0
rss_kib=0
for pid in $(pgrep -P $$ mosquitto_sub); do
  pss_kib=$((pss_kib + $(awk '/^Pss:/ {sum += $2} END {print sum}' "/proc/$pid/smaps_rollup")))
  rss_kib=$((rss_kib + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")))
done
echo "peer: $peers idle mosquitto_sub --cafile processes: PSS $((pss_kib / peers)) KiB, RSS $((rss_kib / peers)) KiB per device"
pkill -P $$ mosquitto_sub || true
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Handshakes: one-shot publishes, CPU of all the mosquitto_pub processes together (their user + system time).
one_shot() {  # $1: extra options
  local started=$SECONDS
  /usr/bin/time -f '%U %S' -o "$work/time.$2" bash -c "for ((i = 0; i < $handshakes; i++)); do
      mosquitto_pub -h 127.0.0.1 $1 -t bench -m x -i pub-\$i || exit 1; done"
  read -r user system < "$work/time.$2"
  python3 -c "print('peer: $handshakes mosquitto_pub $2: %.0f us CPU per connection (user+system), %d s wall' % (($user + $system) * 1e6 / $handshakes, $SECONDS - $started))"
}
one_shot "-p $plain_port" plain
one_shot "-p $tls_port --cafile ca.pem" tls
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
