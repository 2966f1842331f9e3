// Internal to the decoder: the fixed header (first byte and remaining length), checked before any body byte
// so a stream fails as soon as the faulty byte arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "codec/decoder.hpp"

namespace mqtt::codec_detail {

// Checks everything the first byte alone decides: the packet type, its direction and its reserved flags.
PacketType check_first_byte(std::uint8_t first, std::size_t offset, Sender sender, ProtocolVersion version);

struct RemainingLength {
  std::uint32_t value = 0;
  std::size_t header_size = 0;  // first byte plus the length bytes
};

// `bytes` starts at the first byte. Returns nullopt when more bytes are needed to finish the length.
std::optional<RemainingLength> parse_remaining_length(std::span<const std::uint8_t> bytes, std::size_t offset,
                                                      PacketType type, ProtocolVersion version);

}  // namespace mqtt::codec_detail
