#!/usr/bin/env bash
# Runs HARNESS with the given arguments and writes each of its threads' CPU time (perf stat's task-clock,
# per thread, from one second after the start: the fleet's thread and the judging thread exist by then) to
# $THREAD_CPU_OUT (default thread_cpu.txt). Pass it to report_cost.sh as the harness, e.g.
#   HARNESS=build/harness/cli/mqtt-harness THREAD_CPU_OUT=/tmp/t1.txt \
#     bench/simulator/report_cost.sh bench/simulator/thread_cpu.sh bench/simulator/fanin-1000-qos1.json /tmp/r1
# (This machine's virtual CPUs count no instructions, so CPU time per thread is what can be split.)
set -euo pipefail
"${HARNESS:?the harness binary}" "$@" &
harness=$!
sleep 1
perf stat --per-thread -e task-clock -p "$harness" -o "${THREAD_CPU_OUT:-thread_cpu.txt}" 2>/dev/null &
watcher=$!
status=0
wait "$harness" || status=$?
wait "$watcher" || true
exit "$status"
