// The fault timeline of a run, drawn from the scenario and a seed: which devices each fault hits and when.
// Pure: same spec and seed, same schedule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "simulator/fleet_spec.hpp"

namespace mqtt::simulator {

// One device of the fleet, in a stable order: groups in scenario order, n = 1..count within each group.
struct DeviceIdentity {
  std::size_t group = 0;  // index into FleetSpec::groups
  std::uint32_t n = 1;
  std::string client_id;  // the group's template expanded
};

struct ScheduledFault {
  std::size_t spec_index = 0;  // index into FleetSpec::faults
  FaultKind kind = FaultKind::latency;
  FaultParameters parameters;
  std::uint32_t at_ms = 0;
  std::uint32_t duration_ms = 0;
  std::vector<std::size_t> devices;  // indices into the device list, ascending
};

// Replaces {group}, {n} and {id} (the client id) in `text`.
std::string expand_placeholders(const std::string& text, const std::string& group, std::uint32_t n,
                                const std::string& client_id);

std::vector<DeviceIdentity> list_devices(const FleetSpec& spec);

// For each fault of the timeline, ceil(fraction x group size) devices of its group, chosen by a generator
// seeded with `seed` and the fault's position, so adding a fault does not reshuffle the others.
std::vector<ScheduledFault> schedule_faults(const FleetSpec& spec, const std::vector<DeviceIdentity>& devices,
                                            std::uint64_t seed);

// The generator of one device's own choices (publish times, QoS draws, backoff jitter): independent of
// every other device so the schedule does not depend on the order events happen in.
std::uint64_t device_seed(std::uint64_t seed, std::size_t device_index);

// The per-device generator: SplitMix64, 8 bytes of state (std::mt19937_64 would cost 2.5 KB per device, more
// than the rest of an idle device). Meets UniformRandomBitGenerator, so <random> distributions take it.
class DeviceRandom {
 public:
  using result_type = std::uint64_t;
  explicit DeviceRandom(std::uint64_t seed = 0) : state_(seed) {}
  void seed(std::uint64_t seed) { state_ = seed; }
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() {
    std::uint64_t value = (state_ += 0x9e3779b97f4a7c15ULL);
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace mqtt::simulator
