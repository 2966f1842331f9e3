// Valid packets of every type, per version and direction, shared by the codec tests and the corpus generator.
#pragma once

#include <vector>

#include "codec/decoder.hpp"
#include "codec/packet.hpp"

namespace mqtt::testing {

struct DirectedPacket {
  Sender sender;
  Packet packet;
};

// Every packet type that exists in `version`, 5.0 ones with properties; the CONNECT comes first.
std::vector<DirectedPacket> sample_packets(ProtocolVersion version);

// A realistic conversation from one side: CONNECT then publishes, subscriptions, pings, DISCONNECT (client),
// or CONNACK then acknowledgements and deliveries (server). Includes a PUBLISH large enough for a 3-byte
// length.
std::vector<Packet> client_stream(ProtocolVersion version);
std::vector<Packet> server_stream(ProtocolVersion version);

inline constexpr ProtocolVersion all_versions[] = {ProtocolVersion::v3_1, ProtocolVersion::v3_1_1,
                                                   ProtocolVersion::v5};

}  // namespace mqtt::testing
