#!/usr/bin/env bash
# Kernel-level network faults for users whose kernel has netem: a network namespace joined to the host by a
# veth pair, with `tc qdisc ... netem` on both ends (real loss, delay, jitter, reordering, duplication).
# mqtt-harness's own fault layer (simulator/, in process) needs none of this and is what our CI uses.
#
# Usage (as root):
#   ci/netem.sh check                      exit 0 if netem works here, 3 (one line on stderr) if the kernel lacks it
#   ci/netem.sh up [--loss 5%] [--delay 80ms] [--jitter 20ms] [--reorder 10%] [--duplicate 1%]
#   ci/netem.sh down
# After `up`, run the harness inside the namespace against a broker listening on the host side:
#   ip netns exec mqh-field build/harness/cli/mqtt-harness simulate scenarios/fleet/flaky-cellular.json \
#       --target mqtt://10.77.0.1:1883
# Exit codes: 0 ok, 2 bad usage, 3 netem (or namespaces) unavailable on this kernel.
set -euo pipefail

namespace="${MQH_NETNS:-mqh-field}"
host_if="mqh0"
field_if="mqh1"
host_ip="10.77.0.1"
field_ip="10.77.0.2"

die() { echo "netem: $1" >&2; exit "${2:-2}"; }

remove() {
  ip link del "$host_if" 2>/dev/null || true
  ip netns del "$namespace" 2>/dev/null || true
}

create_pair() {
  command -v ip >/dev/null && command -v tc >/dev/null || die "ip and tc are needed (apt-get install iproute2)" 3
  remove
  ip netns add "$namespace" 2>/dev/null || die "cannot create network namespaces here (need root and CONFIG_NET_NS)" 3
  ip link add "$host_if" type veth peer name "$field_if"
  ip link set "$field_if" netns "$namespace"
  ip addr add "$host_ip/24" dev "$host_if"
  ip link set "$host_if" up
  ip netns exec "$namespace" ip addr add "$field_ip/24" dev "$field_if"
  ip netns exec "$namespace" ip link set "$field_if" up
  ip netns exec "$namespace" ip link set lo up
}

# Applies netem to both directions; on a kernel without sch_netem says so in one line and cleans up.
apply_netem() {
  local message
  if ! message=$(tc qdisc add dev "$host_if" root netem "$@" 2>&1); then
    remove
    if [[ "$message" == *"unknown"* || "$message" == *"No such file"* ]]; then
      die "this kernel has no sch_netem (tc: ${message//$'\n'/ }); use mqtt-harness's in-process fault layer instead" 3
    fi
    die "tc refused netem $*: ${message//$'\n'/ }" 2
  fi
  ip netns exec "$namespace" tc qdisc add dev "$field_if" root netem "$@"
}

command="${1:-}"
shift || true
case "$command" in
  check)
    create_pair
    apply_netem delay 1ms
    remove
    echo "netem: available"
    ;;
  up)
    args=()
    while (($#)); do
      case "$1" in
        --loss) args+=(loss "$2") ;;
        --delay) args+=(delay "$2") ;;
        --jitter) [[ " ${args[*]} " == *" delay "* ]] || die "--jitter needs --delay first"; args+=("$2") ;;
        --reorder) args+=(reorder "$2") ;;
        --duplicate) args+=(duplicate "$2") ;;
        *) die "unknown option $1 (see the header of ci/netem.sh)" ;;
      esac
      shift 2 || die "option $1 needs a value"
    done
    ((${#args[@]})) || args=(delay 80ms 20ms loss 2%)
    create_pair
    apply_netem "${args[@]}"
    echo "netem: namespace $namespace at $field_ip, host side $host_ip, netem ${args[*]}"
    ;;
  down)
    remove
    echo "netem: removed namespace $namespace"
    ;;
  *)
    die "usage: ci/netem.sh check | up [--loss P] [--delay T] [--jitter T] [--reorder P] [--duplicate P] | down"
    ;;
esac
