// Layout of a fuzzer input, shared by the fuzzer and the seed-corpus generator:
//   byte 0: bit 0 = sender (0 client, 1 server); bits 1-2 = version (0 unset, 1 = 3.1, 2 = 3.1.1, 3 = 5.0)
//   bytes 1-2: two chunk sizes (value + 1), used alternately to split the stream
//   rest: the byte stream fed to the StreamDecoder
#pragma once

#include <cstdint>
#include <optional>

#include "codec/decoder.hpp"

namespace mqtt::fuzzing {

inline constexpr std::size_t header_size = 3;

inline std::uint8_t mode_byte(Sender sender, std::optional<ProtocolVersion> version) {
  std::uint8_t version_bits = 0;
  if (version) version_bits = static_cast<std::uint8_t>(static_cast<std::uint8_t>(*version) - 2);
  return static_cast<std::uint8_t>((sender == Sender::server ? 1 : 0) | version_bits << 1);
}

inline Sender sender_of(std::uint8_t mode) { return (mode & 1) != 0 ? Sender::server : Sender::client; }

inline std::optional<ProtocolVersion> version_of(std::uint8_t mode) {
  const int bits = (mode >> 1) & 3;
  if (bits == 0) return std::nullopt;
  return static_cast<ProtocolVersion>(bits + 2);
}

}  // namespace mqtt::fuzzing
