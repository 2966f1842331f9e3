#!/usr/bin/env bash
# Runs HARNESS with the given arguments under callgrind, one output file per thread ($CALLGRIND_OUT.PID-NN;
# thread 01 is the fleet's, the last the judging thread's), to count instructions where no hardware counter
# is available. Pass it to report_cost.sh as the harness; only small fleets keep up under valgrind (20 devices
# x 10 msg/s), e.g.
#   HARNESS=build/harness/cli/mqtt-harness CALLGRIND_OUT=/tmp/cg/harness \
#     bench/simulator/report_cost.sh bench/simulator/callgrind.sh SCENARIO /tmp/r
set -euo pipefail
exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="${CALLGRIND_OUT:?an output prefix}.%p" \
  -- "${HARNESS:?the harness binary}" "$@"
