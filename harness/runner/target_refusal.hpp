// The one line that says a target took no part in a run: it refused every CONNECT the harness sent, or answered
// none. Such a run exercised nothing, so `simulate` and `replay` print this line instead of a verdict and exit 3.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "codec/packet.hpp"
#include "codec/reason_codes.hpp"  // connack_code_meaning

namespace mqtt::runner {

// "target refused CONNECT: return code 5 (not authorized) — check the credentials in --target" (5.0 says
// "reason code"); the advice depends on the code.
std::string refused_connect_line(ProtocolVersion version, std::uint8_t code);

// "target did not answer CONNECT within 5.0 s (12 sent)".
std::string unanswered_connect_line(std::chrono::milliseconds deadline, std::uint64_t connects_sent);

}  // namespace mqtt::runner
