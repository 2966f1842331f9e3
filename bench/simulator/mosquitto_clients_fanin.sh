#!/bin/bash
# Baseline for bench_fleet fanin: N mosquitto_pub -l publishers (QoS 0) and one mosquitto_sub counting.
# Usage: bench/simulator/mosquitto_clients_fanin.sh PORT N MESSAGES_PER_PUBLISHER MOSQUITTO_PID
# Prints delivered count, wall time, broker CPU and the clients' CPU (this script's children).
port=$1; n=$2; per=$3; mq=$4
set -u
seq 1 "$per" | sed 's/^/payload-0123456789-0123456789-0123456789-0123456789-/' > /tmp/lines.txt
total=$((n*per))
c0=$(awk '{print $14+$15}' /proc/$mq/stat)
start=$(date +%s.%N)
timeout 120 mosquitto_sub -p $port -t 'dtu/+/telemetry' -C $total > /tmp/sub.out &
subpid=$!
sleep 0.3  # a benchmark, not a test: give mosquitto_sub time to subscribe (it cannot signal it)
for i in $(seq 1 $n); do mosquitto_pub -p $port -t dtu/$i/telemetry -l < /tmp/lines.txt & done
wait $subpid
end=$(date +%s.%N)
wait
c1=$(awk '{print $14+$15}' /proc/$mq/stat)
clients=$(awk '{print $16+$17}' /proc/$$/stat)  # cutime + cstime: the reaped children's CPU, in ticks
echo "delivered $(wc -l < /tmp/sub.out) of $total in $(echo "$end - $start" | bc) s; broker CPU $(( (c1-c0)*10 )) ms; client CPU (children) $((clients*10)) ms"
