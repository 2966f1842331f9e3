#!/usr/bin/env bash
# ci/netem.sh: bad usage exits 2; `check` either proves netem works (up, ping through the veth, down) or, on a
# kernel without sch_netem (ours), says so in exactly one line, exits 3 and leaves no namespace or link behind.
set -uo pipefail
script="$1/ci/netem.sh"
export MQH_NETNS="mqh-test-$$"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$script" no-such-command 2>/dev/null
[[ $? -eq 2 ]] || fail "bad usage should exit 2"

stderr_file=$(mktemp)
"$script" check 2>"$stderr_file"
rc=$?
if [[ $rc -eq 3 ]]; then
  [[ $(wc -l <"$stderr_file") -eq 1 ]] || fail "expected one line on stderr, got: $(cat "$stderr_file")"
  grep -q '^netem: ' "$stderr_file" || fail "the line should start with 'netem: ': $(cat "$stderr_file")"
  ! ip netns list | grep -q "$MQH_NETNS" || fail "namespace $MQH_NETNS left behind"
  ! ip link show mqh0 >/dev/null 2>&1 || fail "link mqh0 left behind"
  echo "netem unavailable, reported as: $(cat "$stderr_file")"
elif [[ $rc -eq 0 ]]; then
  "$script" up --delay 20ms || fail "up failed"
  trap '"$script" down >/dev/null' EXIT
  ip netns exec "$MQH_NETNS" ping -c 2 -W 2 10.77.0.1 >/dev/null || fail "no path through the netem veth"
  "$script" down || fail "down failed"
  ! ip netns list | grep -q "$MQH_NETNS" || fail "namespace left behind after down"
  echo "netem available: up, ping, down all worked"
else
  fail "check exited $rc: $(cat "$stderr_file")"
fi
rm -f "$stderr_file"
