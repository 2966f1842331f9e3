#include "capture/capture_flow.hpp"

#include <tuple>

namespace mqtt::capture {

std::optional<bool> looks_like_connect(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  if (bytes[0] != 0x10) return false;
  std::size_t at = 1;
  for (; at < 5; ++at) {
    if (at >= bytes.size()) return std::nullopt;
    if ((bytes[at] & 0x80) == 0) break;
  }
  if (at == 5) return false;
  ++at;
  static constexpr std::uint8_t mqtt[] = {0x00, 0x04, 'M', 'Q', 'T', 'T'};
  static constexpr std::uint8_t mqisdp[] = {0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p'};
  auto matches = [&](std::span<const std::uint8_t> name) -> std::optional<bool> {
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (at + i >= bytes.size()) return std::nullopt;
      if (bytes[at + i] != name[i]) return false;
    }
    return true;
  };
  const auto first = matches(mqtt);
  if (first.value_or(false)) return true;
  const auto second = matches(mqisdp);
  if (second.value_or(false)) return true;
  if (!first || !second) return std::nullopt;
  return false;
}

FlowKey key_of(const TcpSegment& segment) {
  auto a = std::tie(segment.source, segment.source_port);
  auto b = std::tie(segment.destination, segment.destination_port);
  if (a <= b) return {segment.source, segment.source_port, segment.destination, segment.destination_port};
  return {segment.destination, segment.destination_port, segment.source, segment.source_port};
}

bool refused_for_protocol(const DecodeError& error) {
  return error.packet_type == PacketType::connect &&
         (error.statement == "MQTT-3.1.2-2" || error.statement == "MQTT-3.1.2-1");
}

}  // namespace mqtt::capture
