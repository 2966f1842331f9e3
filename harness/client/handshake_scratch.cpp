#include "client/detail/handshake_scratch.hpp"

#include <atomic>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mqtt::client::detail {
namespace {

std::atomic<std::size_t> in_flight{0};
std::atomic<std::size_t> ended_since_release{0};

}  // namespace

HandshakeInFlight::HandshakeInFlight() { ++in_flight; }

HandshakeInFlight::~HandshakeInFlight() {
  const std::size_t ended = ++ended_since_release;
  if (--in_flight != 0 || ended < burst_size) return;
  ended_since_release = 0;
#if defined(__GLIBC__)
  // Returns the whole free pages inside the heap's free chunks (madvise), not only the heap's top: the holes are
  // in the middle. It walks the free lists once: a few milliseconds after a burst of a thousand handshakes or more.
  malloc_trim(0);
#endif
}

}  // namespace mqtt::client::detail
