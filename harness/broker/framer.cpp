#include "broker/framer.hpp"

namespace mqtt::broker {

void Framer::feed(std::span<const std::uint8_t> chunk) {
  // Drop consumed bytes once they dominate the buffer, so compaction stays amortised O(1) per byte.
  if (read_position_ > 0 && read_position_ * 2 >= buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_position_));
    read_position_ = 0;
  }
  buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
}

std::variant<Frame, FrameIncomplete, FramingError> Framer::next() {
  const std::size_t available = buffer_.size() - read_position_;
  if (available < 2) return FrameIncomplete{};
  const std::uint8_t* data = buffer_.data() + read_position_;
  std::uint32_t remaining_length = 0;
  std::size_t header_size = 1;
  for (std::uint32_t multiplier = 1;; multiplier *= 128) {
    if (header_size > 4) {
      return FramingError{stream_offset_ + 4, "remaining length uses more than four bytes"};
    }
    if (header_size >= available) return FrameIncomplete{};
    const std::uint8_t digit = data[header_size];
    remaining_length += static_cast<std::uint32_t>(digit & 0x7F) * multiplier;
    ++header_size;
    if ((digit & 0x80) == 0) break;
  }
  if (remaining_length > maximum_remaining_length_) {
    return FramingError{stream_offset_ + 1, "remaining length exceeds the broker's packet size limit", true};
  }
  const std::size_t total = header_size + remaining_length;
  if (available < total) return FrameIncomplete{};
  Frame frame{std::span<const std::uint8_t>(data, total), stream_offset_, header_size};
  read_position_ += total;
  stream_offset_ += total;
  return frame;
}

}  // namespace mqtt::broker
