// Encoding MQTT control packets to bytes, and an escape hatch for deliberately malformed packets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "codec/packet.hpp"

namespace mqtt {

// Appends the wire form of `packet` (under its own version) to `out`. Encodes what it is given:
// the caller is responsible for the packet being valid; negative tests use RawPacket instead.
void encode(const Packet& packet, Bytes& out);
Bytes encode(const Packet& packet);

// Builds bytes that need not be valid MQTT: any first byte, any (even wrong or non-minimal) remaining
// length, any body. For conformance cases that check how a broker polices malformed input.
struct RawPacket {
  std::uint8_t first_byte = 0;                     // packet type << 4 | flags, as given
  std::optional<std::uint32_t> remaining_length;   // unset: the body's true size
  std::uint8_t remaining_length_padding = 0;       // extra 0x80 continuation bytes (non-minimal encoding)
  Bytes body;

  Bytes encode() const;
};

// Helpers for building bodies by hand.
void append_u16(Bytes& out, std::uint16_t value);
void append_string(Bytes& out, std::string_view text);   // two-byte length prefix, bytes as given
void append_variable_integer(Bytes& out, std::uint32_t value);

}  // namespace mqtt
