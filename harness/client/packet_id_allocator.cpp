#include "client/packet_id_allocator.hpp"

#include <algorithm>

namespace mqtt::client {

std::optional<std::uint16_t> PacketIdAllocator::allocate() {
  if (in_use_.size() >= 65535) return std::nullopt;
  std::uint16_t candidate = last_;
  for (;;) {
    candidate = static_cast<std::uint16_t>(candidate == 65535 ? 1 : candidate + 1);
    if (!in_use(candidate)) break;
  }
  reserve(candidate);
  last_ = candidate;
  return candidate;
}

bool PacketIdAllocator::reserve(std::uint16_t id) {
  if (id == 0) return false;
  const auto position = std::lower_bound(in_use_.begin(), in_use_.end(), id);
  if (position != in_use_.end() && *position == id) return false;
  in_use_.insert(position, id);
  return true;
}

void PacketIdAllocator::release(std::uint16_t id) {
  const auto position = std::lower_bound(in_use_.begin(), in_use_.end(), id);
  if (position != in_use_.end() && *position == id) in_use_.erase(position);
}

bool PacketIdAllocator::in_use(std::uint16_t id) const {
  return std::binary_search(in_use_.begin(), in_use_.end(), id);
}

}  // namespace mqtt::client
