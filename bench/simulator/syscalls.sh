#!/usr/bin/env bash
# System calls of the fleet's thread during a fleet run, counted by `perf stat -t` on the syscall tracepoints
# (counting, not tracing: `perf trace` slowed a 1,000-device fleet to a seventh of its rate), against a quiet
# mosquitto started for the run. Prints the messages published and the fleet's thread's counts, so that calls per
# message can be worked out. Counts depend on batching (how many messages one read finds), so compare binaries
# in turn under the same load.
#
#   bench/simulator/syscalls.sh HARNESS SCENARIO [simulate options...]
#   e.g. bench/simulator/syscalls.sh build/harness/cli/mqtt-harness bench/simulator/fanin-1000-qos0.json --duration 10s
set -euo pipefail
harness=$1 scenario=$2
shift 2
source "$(dirname "${BASH_SOURCE[0]}")/quiet_mosquitto.sh"
events=raw_syscalls:sys_enter
for call in sendto recvfrom epoll_wait epoll_ctl timerfd_settime write writev read futex; do
  events+=",syscalls:sys_enter_$call"
done
# The fleet runs on the harness's main thread (thread id = process id): counted from its start to its end.
"$harness" simulate "$scenario" --target "mqtt://127.0.0.1:$port" --seed 1 -o "$work/report" "$@" >"$work/summary" &
harness_pid=$!
perf stat -t "$harness_pid" -e "$events" -o "$work/counts" 2>/dev/null &
counter=$!
wait "$harness_pid" || true
wait "$counter" || true
grep -E 'violations in' "$work/summary" || true
grep -oE '[0-9,]+ messages published' "$work/report/summary.md" | head -1 || true
printf "the fleet's thread:\n"
awk '/sys_enter/ {print "  " $2 " " $1}' "$work/counts"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
