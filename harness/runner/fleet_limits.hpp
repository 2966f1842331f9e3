// What one process can run, checked before a fleet starts, so a fleet too big for the machine is one line and
// exit 2 instead of a run that fails halfway (docs/simulator.md, "Limits"):
// - at most 1,000,000 devices per group (the scenario format's limit; --scale may not go past it);
// - open files: every client behind the fault proxy holds 3 descriptors (its socket, the proxy's accepted socket,
//   the proxy's upstream socket), a direct client 1, the embedded broker 1 more per client when it is the
//   target, plus a reserve for the process itself; the total must stay under the open-file limit (ulimit -n);
// - MQTT 3.1 client ids of at most 23 characters (3.1 brokers refuse longer ones), namespace included.
// Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

inline constexpr std::uint32_t most_devices_per_group = 1'000'000;
inline constexpr std::uint64_t descriptors_reserved = 64;  // standard streams, event loop, listeners, report files

struct FleetFootprint {
  std::uint64_t devices = 0;    // in this shard
  std::uint64_t observers = 0;  // in this shard (all of them in shard 0)
  std::uint64_t behind_proxy = 0;
  std::uint64_t descriptors = 0;  // open files the run needs, reserve included
};

FleetFootprint measure_fleet(const simulator::FleetSpec& spec, std::uint32_t shard_index, std::uint32_t shard_count,
                             bool embedded_broker);

// A one-sentence problem when `spec` does not fit in `open_file_limit` descriptors; suggests --shard.
std::optional<std::string> open_file_problem(const FleetFootprint& footprint, std::uint64_t open_file_limit);

// A one-sentence problem when scaling `spec` by `scale` would put a group past most_devices_per_group.
std::optional<std::string> scale_problem(const simulator::FleetSpec& spec, double scale);

// A one-sentence problem when an MQTT 3.1 group's longest client id (after the namespace) is past 23 characters.
std::optional<std::string> client_id_problem(const simulator::FleetSpec& spec);

}  // namespace mqtt::runner
