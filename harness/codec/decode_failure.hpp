// Internal to the decoder: how a fault becomes a DecodeError, and the statement ids that differ by version.
// The fixed-header, body, property and packet decoders all report faults through this one path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "codec/decode_error.hpp"
#include "codec/packet.hpp"

namespace mqtt::codec_detail {

// Thrown only inside the decoder's files and always caught in decoder.cpp before a public function returns:
// it keeps every field read to one line. Nothing escapes the decoder's API.
struct Malformed {
  DecodeError error;
};

[[noreturn]] inline void fail(std::size_t offset, std::optional<PacketType> type, std::string_view statement,
                              std::string message) {
  throw Malformed{DecodeError{offset, type, std::string(statement), std::move(message)}};
}

inline bool is_v5(ProtocolVersion version) { return version == ProtocolVersion::v5; }

// The statement numbering differs between 3.1.1 and 5.0. MQTT 3.1 has no numbered statements, so it borrows
// the 3.1.1 numbers (its rules are the same for everything checked here).
struct StatementIds {
  std::string_view utf8_ill_formed;
  std::string_view utf8_null;
  std::string_view fixed_header_flags;
  std::string_view packet_id_from_client;
  std::string_view packet_id_from_server;
  std::string_view topic_name_wildcard;  // wildcards in a topic name other than PUBLISH's (will topic)
  std::string_view multi_level_wildcard;
  std::string_view single_level_wildcard;
  std::string_view subscribe_without_filters;
  std::string_view subscription_options_reserved;
  std::string_view will_qos_without_will;
  std::string_view will_qos_three;
  std::string_view will_retain_without_will;
  std::string_view session_present_on_failure;
};

inline constexpr StatementIds statements_v3{"MQTT-1.5.3-1",  "MQTT-1.5.3-2", "MQTT-2.2.2-1",  "MQTT-2.3.1-1",
                                            "MQTT-2.3.1-1",  "MQTT-4.7.1-1", "MQTT-4.7.1-2",  "MQTT-4.7.1-3",
                                            "MQTT-3.8.3-3",  "MQTT-3.8.3-4", "MQTT-3.1.2-13", "MQTT-3.1.2-14",
                                            "MQTT-3.1.2-15", "MQTT-3.2.2-4"};
inline constexpr StatementIds statements_v5{"MQTT-1.5.4-1",  "MQTT-1.5.4-2", "MQTT-2.1.3-1",  "MQTT-2.2.1-3",
                                            "MQTT-2.2.1-4",  "MQTT-4.7.0-1", "MQTT-4.7.1-1",  "MQTT-4.7.1-2",
                                            "MQTT-3.8.3-2",  "MQTT-3.8.3-5", "MQTT-3.1.2-11", "MQTT-3.1.2-12",
                                            "MQTT-3.1.2-13", "MQTT-3.2.2-6"};

inline const StatementIds& statements(ProtocolVersion version) {
  return is_v5(version) ? statements_v5 : statements_v3;
}

inline std::string hex(std::uint32_t value) {
  constexpr char digits[] = "0123456789ABCDEF";
  std::string text = "0x";
  if (value > 0xFF) text += digits[(value >> 12) & 0xF], text += digits[(value >> 8) & 0xF];
  text += digits[(value >> 4) & 0xF];
  text += digits[value & 0xF];
  return text;
}

}  // namespace mqtt::codec_detail
