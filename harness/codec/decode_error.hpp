// A decode failure as data: where it happened, in which packet, and which MQTT statement the bytes break.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "codec/packet.hpp"

namespace mqtt {

struct DecodeError {
  std::size_t offset = 0;                  // byte offset in the stream (or buffer) where the fault was found
  std::optional<PacketType> packet_type;   // the packet being decoded, when the first byte was readable
  std::string statement;                   // e.g. "MQTT-3.3.1-4"; empty only when no statement applies
  std::string message;                     // one sentence, lower case, no trailing period
  friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

// "byte 17, PUBLISH: QoS 3 is not allowed [MQTT-3.3.1-4]"
std::string describe(const DecodeError& error);

}  // namespace mqtt
