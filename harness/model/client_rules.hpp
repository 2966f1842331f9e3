// Which client-side rules a malformed or forbidden packet from the client breaks. The server's answer to such a
// packet (closing the connection) is judged under the server's own statement; the client rules it polices ride
// along, so a case that sends the packet exercises them (observability "policed", docs/statements.md). The codec
// names one statement per decode error, often the general one; this adds the precise client rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/decode_error.hpp"

namespace mqtt::model::detail {

// The client rules broken by a packet that failed to decode, from the error (statement, packet type, the field it
// names) and, for a CONNECT with bytes past its last announced field, the packet's own flags.
std::vector<std::string> broken_client_rules(const DecodeError& error, std::span<const std::uint8_t> packet);

// The client rules broken by a PUBLISH topic name that decoded but is invalid (topic.hpp's statement for it).
std::vector<std::string> broken_topic_name_rules(const std::string& statement);

}  // namespace mqtt::model::detail
