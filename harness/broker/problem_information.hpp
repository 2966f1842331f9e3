// MQTT 5.0 problem information on what the broker sends: a Reason String where a reason code reports something
// other than plain success, and the trimming that keeps a packet within the client's Maximum Packet Size by
// leaving out the Reason String first and then the User Properties [MQTT-3.2.2-19, MQTT-3.2.2-20,
// MQTT-3.4.2-2 ... MQTT-3.7.2-3, MQTT-3.9.2-1, MQTT-3.9.2-2, MQTT-3.11.2-1, MQTT-3.11.2-2, MQTT-3.14.2-3,
// MQTT-3.14.2-4, MQTT-3.15.2-2, MQTT-3.15.2-3].
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::broker {

// The Reason String for a packet whose reason codes are `codes`: one naming the first failure (0x80 and above),
// else the first other non-zero code, else nullopt (nothing to explain). Deliberately a full sentence: a client
// declaring a small Maximum Packet Size then sees it left out.
std::optional<std::string> reason_string_for(std::span<const std::uint8_t> codes);

// What a defect keeps although the packet then exceeds the client's Maximum Packet Size.
struct TrimmingFaults {
  bool keep_reason_string = false;
  bool keep_user_properties = false;
};

// `packet` without its Reason String, then also without its User Properties, as far as needed for its encoding
// to fit `maximum` bytes. A PUBLISH is returned unchanged: one too large is discarded whole [MQTT-3.1.2-25].
Packet trimmed_to_fit(Packet packet, std::uint32_t maximum, TrimmingFaults faults);

}  // namespace mqtt::broker
