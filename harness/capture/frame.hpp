// One captured frame as the capture file holds it: number, time, link type and the captured bytes.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

namespace mqtt::capture {

struct Frame {
  std::uint64_t number = 0;            // 1, 2, ... in file order (Wireshark's frame number)
  std::int64_t time_unix_ns = 0;       // capture timestamp, in [0, latest_time_unix_ns]
  int link_type = 0;                   // LINKTYPE_* value from the file
  std::span<const std::uint8_t> data;  // captured bytes (may be shorter than original_length: snaplen)
  std::uint32_t original_length = 0;   // length on the wire
};

// Frame times are nanoseconds since 1970 that fit in 64 bits: 1970-01-01 to 2262-04-11. Readers reject a time
// outside that range as corrupt, so that differences of two frame times can never overflow.
inline constexpr std::int64_t latest_time_unix_ns = std::numeric_limits<std::int64_t>::max();

// A capture file that cannot be read on: the message names the frame (and byte offset when known).
class CaptureError : public std::runtime_error {
 public:
  CaptureError(const std::string& message, std::uint64_t frame, std::int64_t byte_offset)
      : std::runtime_error(message), frame_(frame), byte_offset_(byte_offset) {}
  std::uint64_t frame() const { return frame_; }             // 0 = the file header
  std::int64_t byte_offset() const { return byte_offset_; }  // -1 = unknown

 private:
  std::uint64_t frame_;
  std::int64_t byte_offset_;
};

}  // namespace mqtt::capture
