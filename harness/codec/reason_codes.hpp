// What the codes in acknowledgements mean: the return codes of an MQTT 3.1 / 3.1.1 CONNACK and the reason codes
// of MQTT 5.0 (section 2.4), as short lower-case phrases for one-line messages ("not authorized"). One table for
// the checker, the runner and the reports.
#pragma once

#include <cstdint>
#include <string_view>

#include "codec/packet.hpp"

namespace mqtt {

// A CONNACK's code for `version`: 3.1/3.1.1 return codes 0-5, 5.0 reason codes; "reserved" for any other.
std::string_view connack_code_meaning(ProtocolVersion version, std::uint8_t code);

// An MQTT 5.0 reason code in any packet ("success" for 0x00, whose name the packet type refines); "reserved"
// for a code the specification does not define.
std::string_view reason_code_meaning(std::uint8_t code);

}  // namespace mqtt
