#include "runner/fleet_limits.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "simulator/fault_schedule.hpp"

namespace mqtt::runner {
namespace {

// Devices with a global index in [first, first + count) that fall in shard `index` of `count_of_shards`.
std::uint64_t in_shard(std::uint64_t first, std::uint64_t count, std::uint32_t index, std::uint32_t count_of_shards) {
  const auto below = [&](std::uint64_t end) -> std::uint64_t {  // indices k < end with k % N == index
    return end > index ? (end - index - 1) / count_of_shards + 1 : 0;
  };
  return below(first + count) - below(first);
}

}  // namespace

FleetFootprint measure_fleet(const simulator::FleetSpec& spec, std::uint32_t shard_index, std::uint32_t shard_count,
                             bool embedded_broker) {
  std::set<std::string> proxied;  // groups a network fault names: they connect through the fault proxy
  for (const auto& fault : spec.faults) {
    if (fault.kind != simulator::FaultKind::power_loss) proxied.insert(fault.group);
  }
  const std::uint32_t shards = std::max<std::uint32_t>(1, shard_count);
  FleetFootprint footprint;
  std::uint64_t first = 0;  // global device index of the group's first device (observers count too)
  for (const auto& group : spec.groups) {
    const std::uint64_t clients = group.observer ? (shard_index == 0 ? group.count : 0)
                                                 : in_shard(first, group.count, shard_index, shards);
    first += group.count;
    (group.observer ? footprint.observers : footprint.devices) += clients;
    const bool behind_proxy = proxied.contains(group.name);
    if (behind_proxy) footprint.behind_proxy += clients;
    footprint.descriptors += clients * ((behind_proxy ? 3 : 1) + (embedded_broker ? 1 : 0));
  }
  footprint.descriptors += descriptors_reserved;
  return footprint;
}

std::optional<std::string> open_file_problem(const FleetFootprint& footprint, std::uint64_t open_file_limit) {
  if (footprint.descriptors <= open_file_limit) return std::nullopt;
  const std::uint64_t usable = open_file_limit > descriptors_reserved ? open_file_limit - descriptors_reserved : 1;
  const std::uint64_t shards = (footprint.descriptors - descriptors_reserved + usable - 1) / usable;
  return fmt::format(
      "{} devices and {} observer(s) need about {} open files ({} of them behind the fault proxy at 3 each), above "
      "the open-file limit of {} (ulimit -n): use a smaller --scale, or --shard I/N with N of at least {}",
      footprint.devices, footprint.observers, footprint.descriptors, footprint.behind_proxy, open_file_limit, shards);
}

std::optional<std::string> scale_problem(const simulator::FleetSpec& spec, double scale) {
  for (const auto& group : spec.groups) {
    if (group.observer) continue;
    const double scaled = std::round(static_cast<double>(group.count) * scale);
    if (scaled > most_devices_per_group) {
      return fmt::format("group \"{}\" would have {:.0f} devices, above the limit of {} per group", group.name, scaled,
                         most_devices_per_group);
    }
  }
  return std::nullopt;
}

std::optional<std::string> client_id_problem(const simulator::FleetSpec& spec) {
  constexpr std::size_t longest_v31_client_id = 23;
  for (const auto& group : spec.groups) {
    if (group.version != ProtocolVersion::v3_1 || group.count == 0) continue;
    // The longest id is the one with the most digits in {n}: the last device's.
    const auto id = simulator::expand_placeholders(group.client_id, group.name, group.count, "");
    if (id.size() > longest_v31_client_id) {
      return fmt::format("group \"{}\" speaks MQTT 3.1, whose brokers refuse client ids over {} characters, but its "
                         "client id \"{}\" has {} characters (a shorter --prefix, or --prefix '', fits it)",
                         group.name, longest_v31_client_id, id, id.size());
    }
  }
  return std::nullopt;
}

}  // namespace mqtt::runner
