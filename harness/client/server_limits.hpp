// What an MQTT 5.0 broker declares in its CONNACK that binds the client (section 3.2.2.3): Receive Maximum,
// Maximum Packet Size, Topic Alias Maximum, Maximum QoS, Retain Available and the subscription features. The
// session keeps them and withholds a request that would break them, unless the caller deliberately sends it
// (a case about how the broker polices its own limits). A 3.1.1 CONNACK declares nothing: no limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::client {

struct ServerLimits {
  std::uint16_t receive_maximum = 65535;                  // absent: 65,535
  std::optional<std::uint32_t> maximum_packet_size;       // absent: no limit beyond the protocol's
  std::uint16_t topic_alias_maximum = 0;                  // absent: the client may send no alias
  QoS maximum_qos = QoS::exactly_once;
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool subscription_identifier_available = true;
  bool shared_subscription_available = true;

  // The limits a CONNACK declares; defaults for whatever it leaves out.
  static ServerLimits from(const Connack& connack);
};

// Why `publish` must not be sent under `limits` ("QoS 2 is above the target's Maximum QoS 1"), or nullopt.
// `in_flight` is the number of QoS 1/2 PUBLISH packets already awaiting their acknowledgement.
std::optional<std::string> publish_beyond_limits(const Publish& publish, const ServerLimits& limits,
                                                 std::size_t in_flight);
// Why `subscribe` must not be sent (a wildcard, shared subscription or identifier the target said it lacks).
std::optional<std::string> subscribe_beyond_limits(const Subscribe& subscribe, const ServerLimits& limits);

}  // namespace mqtt::client
