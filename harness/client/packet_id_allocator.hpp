// Packet identifiers for one session: never 0, never one still in flight, cycling through 1..65535 so a
// just-released id is not reused at once (a late duplicate acknowledgement cannot be mistaken for a new one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mqtt::client {

class PacketIdAllocator {
 public:
  // The next free id after the last one handed out, or nullopt when all 65535 are in use.
  std::optional<std::uint16_t> allocate();
  // Marks a caller-chosen id as in use (returns false if it is 0 or already in use).
  bool reserve(std::uint16_t id);
  void release(std::uint16_t id);  // releasing a free id is harmless
  bool in_use(std::uint16_t id) const;
  std::size_t in_use_count() const { return in_use_.size(); }

 private:
  // Sorted ids in flight. Sessions rarely have more than a few in flight, so a flat vector keeps
  // thousands of sessions per process cheap (a 64 Ki-bit set would cost 8 KiB each).
  std::vector<std::uint16_t> in_use_;
  std::uint16_t last_ = 0;
};

}  // namespace mqtt::client
