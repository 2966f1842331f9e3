# Sourced by the fleet benchmarks: starts a mosquitto configured like a production broker (log_type error, no
# persistence, a queue that never drops a benchmark's messages) on a free loopback port, for the calling script's
# lifetime. Sets $work (a scratch directory, removed at exit), $port and $broker (mosquitto's pid, stopped at exit)
# and returns once the port accepts connections.
work=$(mktemp -d)
trap 'kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nmax_queued_messages 1000000\n' \
  "$port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
broker=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
