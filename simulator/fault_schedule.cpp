#include "simulator/fault_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace mqtt::simulator {
namespace {

// SplitMix64 finaliser: spreads (seed, index) pairs over the whole 64-bit space.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  std::size_t position = 0;
  while ((position = text.find(from, position)) != std::string::npos) {
    text.replace(position, from.size(), to);
    position += to.size();
  }
}

}  // namespace

std::string expand_placeholders(const std::string& text, const std::string& group, std::uint32_t n,
                                const std::string& client_id) {
  std::string result = text;
  replace_all(result, "{group}", group);
  replace_all(result, "{n}", std::to_string(n));
  replace_all(result, "{id}", client_id);
  return result;
}

std::vector<DeviceIdentity> list_devices(const FleetSpec& spec) {
  std::vector<DeviceIdentity> devices;
  for (std::size_t group = 0; group < spec.groups.size(); ++group) {
    const auto& g = spec.groups[group];
    for (std::uint32_t n = 1; n <= g.count; ++n) {
      devices.push_back(DeviceIdentity{group, n, expand_placeholders(g.client_id, g.name, n, "")});
    }
  }
  return devices;
}

std::uint64_t device_seed(std::uint64_t seed, std::size_t device_index) {
  return mix(seed ^ mix(0x64657669636500ULL + device_index));
}

std::vector<ScheduledFault> schedule_faults(const FleetSpec& spec, const std::vector<DeviceIdentity>& devices,
                                            std::uint64_t seed) {
  std::vector<ScheduledFault> schedule;
  for (std::size_t index = 0; index < spec.faults.size(); ++index) {
    const FaultSpec& fault = spec.faults[index];
    std::vector<std::size_t> members;
    for (std::size_t device = 0; device < devices.size(); ++device) {
      if (spec.groups[devices[device].group].name == fault.group) members.push_back(device);
    }
    std::mt19937_64 random(mix(seed ^ mix(0x6661756c7400ULL + index)));
    std::shuffle(members.begin(), members.end(), random);
    const auto wanted =
        static_cast<std::size_t>(std::ceil(std::clamp(fault.fraction, 0.0, 1.0) * members.size()));
    members.resize(std::min(wanted, members.size()));
    std::sort(members.begin(), members.end());
    schedule.push_back(
        ScheduledFault{index, fault.kind, fault.parameters, fault.at_ms, fault.duration_ms, members});
  }
  std::stable_sort(schedule.begin(), schedule.end(),
                   [](const ScheduledFault& a, const ScheduledFault& b) { return a.at_ms < b.at_ms; });
  return schedule;
}

void scale_fleet(FleetSpec& spec, double scale) {
  for (auto& group : spec.groups) {
    if (group.observer || group.count == 0) continue;
    const double scaled = std::round(group.count * scale);
    group.count = static_cast<std::uint32_t>(std::max(1.0, scaled));
  }
}

}  // namespace mqtt::simulator
