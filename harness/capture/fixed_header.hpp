// An MQTT fixed header read without decoding the packet: the packet's total length, or why it is not known
// yet. Used where packets must be found before they are decoded (mid-stream resynchronisation, the raw bytes
// of a packet that failed to decode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mqtt::capture {

struct FixedHeader {
  enum class Status : std::uint8_t { complete, incomplete, invalid } status = Status::invalid;
  std::size_t total = 0;        // fixed header + remaining length
  std::size_t header_size = 0;  // the first byte and the remaining length's bytes
};

// The header of the packet starting at `at`: invalid when the remaining length runs past four bytes.
inline FixedHeader read_fixed_header(std::span<const std::uint8_t> bytes, std::size_t at) {
  if (at >= bytes.size()) return {FixedHeader::Status::incomplete};
  std::uint32_t remaining = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (at + 1 + i >= bytes.size()) return {FixedHeader::Status::incomplete};
    const std::uint8_t byte = bytes[at + 1 + i];
    remaining |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) return {FixedHeader::Status::complete, 2 + i + remaining, 2 + i};
  }
  return {FixedHeader::Status::invalid};
}

}  // namespace mqtt::capture
