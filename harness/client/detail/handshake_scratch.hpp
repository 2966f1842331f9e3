// A TLS handshake allocates tens of KiB of scratch memory (record buffers, the server's chain while it is parsed
// and verified, key exchange temporaries) and frees it when done. With thousands of handshakes in flight at once
// (a fleet ramping faster than the broker answers) the freed scratch is left as holes between the connections'
// long-lived state: free to malloc, still resident. When the last handshake of a burst ends, those holes are
// handed back to the system. Internal: included by .cpp files only.
#pragma once

#include <cstddef>

namespace mqtt::client::detail {

// Lives while one handshake is in flight (any thread).
class HandshakeInFlight {
 public:
  HandshakeInFlight();
  // When no handshake is left in flight and at least `burst_size` have ended since the memory was last handed
  // back, hands it back now (glibc's malloc_trim; nothing elsewhere). Small runs never pay for it.
  ~HandshakeInFlight();
  HandshakeInFlight(const HandshakeInFlight&) = delete;
  HandshakeInFlight& operator=(const HandshakeInFlight&) = delete;

  static constexpr std::size_t burst_size = 1000;
};

}  // namespace mqtt::client::detail
