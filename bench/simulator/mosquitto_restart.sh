#!/usr/bin/env bash
# Restarts the mosquitto that CONF describes, for `simulate --broker-restart-command`: SIGTERM to the pid in its
# pid_file, wait (30 s at most) until it has exited (mosquitto writes its persistence file on the way out), stay
# down MQTT_HARNESS_BROKER_DOWN_MS (set by simulate from the fault's down_ms), start it again as a daemon with the
# same CONF (same port, same persistence file), and wait (10 s at most) until it listens. Exit 0 when it does; 3
# when the old one would not stop, 4 when the new one does not listen. When BROKER_CPU_LOG names a file, the old
# process's pid and CPU ticks are appended to it just before the SIGTERM (soak.sh adds them to the broker's CPU).
#
#   mqtt-harness simulate S.json --target mqtt://127.0.0.1:PORT \
#     --broker-restart-command 'bench/simulator/mosquitto_restart.sh /tmp/soak/mosquitto.conf'
set -euo pipefail
conf=$1
pid_file=$(awk '$1 == "pid_file" {print $2}' "$conf")
port=$(awk '$1 == "listener" {print $2}' "$conf")
pid=$(cat "$pid_file")
gone() { [[ ! -e /proc/$pid ]] || [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]]; }
if [[ -n ${BROKER_CPU_LOG:-} ]] && ! gone; then
  echo "$pid $(awk '{print $14 + $15}' "/proc/$pid/stat")" >>"$BROKER_CPU_LOG"
fi
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 600); do gone && break; sleep 0.05; done
gone || exit 3
down_ms=${MQTT_HARNESS_BROKER_DOWN_MS:-0}
sleep "$(printf '%d.%03d' $((down_ms / 1000)) $((down_ms % 1000)))"
mosquitto -c "$conf" -d
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
  sleep 0.05
done
exit 4
