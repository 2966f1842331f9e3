#include "simulator/fault.hpp"

#include <array>
#include <utility>

namespace mqtt::simulator {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 11> fault_names{{
    {FaultKind::latency, "latency"},
    {FaultKind::bandwidth, "bandwidth"},
    {FaultKind::stall, "stall"},
    {FaultKind::blackhole, "blackhole"},
    {FaultKind::close, "close"},
    {FaultKind::flapping, "flapping"},
    {FaultKind::partition, "partition"},
    {FaultKind::fragment, "fragment"},
    {FaultKind::slow_reader, "slow-reader"},
    {FaultKind::power_loss, "power-loss"},
    {FaultKind::broker_restart, "broker-restart"},
}};

}  // namespace

std::string_view to_string(FaultKind kind) {
  for (const auto& [value, name] : fault_names) {
    if (value == kind) return name;
  }
  return "unknown";
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) {
  for (const auto& [value, text] : fault_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::both:
      return "both";
    case Direction::upstream:
      return "upstream";
    case Direction::downstream:
      return "downstream";
  }
  return "both";
}

std::optional<Direction> parse_direction(std::string_view name) {
  if (name == "both") return Direction::both;
  if (name == "upstream") return Direction::upstream;
  if (name == "downstream") return Direction::downstream;
  return std::nullopt;
}

std::string describe(FaultKind kind, const FaultParameters& parameters, std::uint32_t duration_ms) {
  const std::string window = " for " + std::to_string(duration_ms) + " ms";
  const std::string direction = " " + std::string(to_string(parameters.direction));
  switch (kind) {
    case FaultKind::latency:
      return "latency " + std::to_string(parameters.latency_ms) + " ms + jitter " +
             std::to_string(parameters.jitter_ms) + " ms" + direction + window;
    case FaultKind::bandwidth:
      return "bandwidth " + std::to_string(parameters.bytes_per_second) + " B/s" + direction + window;
    case FaultKind::stall:
      return "stall" + direction + window;
    case FaultKind::blackhole:
      return "blackhole" + direction + window;
    case FaultKind::close:
      return parameters.reset ? "close with RST, no DISCONNECT" : "close with FIN, no DISCONNECT";
    case FaultKind::flapping:
      return "flapping: RST every " + std::to_string(parameters.period_ms) + " ms" + window;
    case FaultKind::partition:
      return "partition: both directions dropped, new links refused" + window;
    case FaultKind::fragment:
      return "fragment into writes of at most " + std::to_string(parameters.fragment_bytes) + " bytes" +
             direction + window;
    case FaultKind::slow_reader:
      return "slow reader: " + std::to_string(parameters.bytes_per_second) + " B/s from the broker" + window;
    case FaultKind::power_loss:
      return "power loss: connection dropped, device off" + window;
    case FaultKind::broker_restart:
      return "broker restart, down " + std::to_string(duration_ms) + " ms";
  }
  return "fault";
}

}  // namespace mqtt::simulator
