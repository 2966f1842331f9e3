// Cuts a client's byte stream into whole control packets (fixed header + remaining length), without
// interpreting them. The broker frames packets itself, rather than using StreamDecoder, so that a defect can
// bend one packet's rules (accept-qos3, accept-wildcard-publish) and the connection still carries on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace mqtt::broker {

struct Frame {
  std::span<const std::uint8_t> bytes;  // the whole packet; valid until the next feed()/next()
  std::size_t offset = 0;               // stream offset of the first byte
  std::size_t header_size = 0;          // fixed header: first byte plus remaining-length bytes
};

struct FrameIncomplete {};

struct FramingError {
  std::size_t offset = 0;
  std::string message;     // one sentence, lower case
  bool too_large = false;  // the remaining length is over the limit (a 5.0 server answers DISCONNECT 0x95)
};

class Framer {
 public:
  explicit Framer(std::uint32_t maximum_remaining_length) : maximum_remaining_length_(maximum_remaining_length) {}

  void feed(std::span<const std::uint8_t> chunk);
  std::variant<Frame, FrameIncomplete, FramingError> next();
  std::size_t buffered() const { return buffer_.size() - read_position_; }

 private:
  std::uint32_t maximum_remaining_length_;
  std::vector<std::uint8_t> buffer_;
  std::size_t read_position_ = 0;
  std::size_t stream_offset_ = 0;  // stream offset of buffer_[read_position_]
};

}  // namespace mqtt::broker
