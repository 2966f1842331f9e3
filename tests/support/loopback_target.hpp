// Test support: the target URL of a broker listening on 127.0.0.1:PORT (a fixture's or the embedded broker's).
#pragma once

#include <cstdint>

#include "client/target_url.hpp"

namespace mqtt::test_support {

inline client::TargetUrl loopback_target(std::uint16_t port) {
  client::TargetUrl target;
  target.host = "127.0.0.1";
  target.port = port;
  return target;
}

}  // namespace mqtt::test_support
