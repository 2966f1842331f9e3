// Histories as JSON and JSON Lines, lossless: decoding what we encoded gives back an equal Event.
#pragma once

#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::history {

// Thrown for unreadable history or packet JSON; what() is one line naming the source and line ("h.jsonl:12: ...").
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

nlohmann::json packet_to_json(const Packet& packet);
Packet packet_from_json(const nlohmann::json& json);  // throws FormatError

nlohmann::json event_to_json(const Event& event);
Event event_from_json(const nlohmann::json& json);  // throws FormatError

std::string to_json_line(const Event& event);  // no trailing newline
void write_json_lines(std::ostream& out, const History& history);
History read_json_lines(std::istream& in, std::string_view source_name);  // throws FormatError

}  // namespace mqtt::history
