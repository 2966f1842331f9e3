// Helpers that turn a recorded history into short readable lines, so tests can compare exact sequences.
#pragma once

#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::client::testing {

// "open", "sent CONNECT", "received CONNACK", "closed local_abort", ... for one connection, in order.
inline std::vector<std::string> lines_of(const history::History& history, std::uint32_t connection) {
  std::vector<std::string> lines;
  for (const auto& event : history.events) {
    if (event.connection != connection) continue;
    std::string line(history::to_string(event.kind));
    if (event.packet) line += " " + std::string(to_string(packet_type(*event.packet)));
    if (event.close_reason) line += " " + std::string(history::to_string(*event.close_reason));
    lines.push_back(line);
  }
  return lines;
}

}  // namespace mqtt::client::testing
