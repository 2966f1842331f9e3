// One-line, human-readable renderings of packets and history events for terminal output.
#pragma once

#include <string>
#include <string_view>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::cli {

// "PUBLISH topic=dtu/7/telemetry qos=1 id=12 retain=0 dup=0 payload=\"21.5C\" (5 bytes)"
std::string packet_text(const Packet& packet);
// "  0.012s #3 received PUBLISH ..." ; closes, decode errors and faults too.
std::string event_text(const history::Event& event);

}  // namespace mqtt::cli
