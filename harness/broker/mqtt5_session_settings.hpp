// What a 5.0 CONNECT asks of the server (section 3.1.2.11 and the will properties of 3.1.3.2) and what the CONNACK
// answers (3.2.2.3): read from and written to property lists. Pure; the connection decides and enforces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::broker {

// The client's side of a 5.0 connection, with the specification's defaults for absent properties. A 3.1.1
// connection keeps the defaults (no limits beyond the protocol's own).
struct ClientSettings {
  std::uint32_t session_expiry_interval = 0;       // absent: the session ends with the connection
  std::uint16_t receive_maximum = 65535;           // QoS 1/2 PUBLISHes it takes unacknowledged
  std::optional<std::uint32_t> maximum_packet_size;  // absent: no limit
  std::uint16_t topic_alias_maximum = 0;           // absent: no aliases from the server [MQTT-3.1.2-27]
  bool request_response_information = false;
  bool request_problem_information = true;
  std::optional<std::string> authentication_method;
};

ClientSettings read_client_settings(const Properties& connect_properties);

// The will's own properties (3.1.3.2).
struct WillSettings {
  std::uint32_t delay_interval = 0;
  std::optional<std::uint32_t> expiry_interval;  // Message Expiry Interval of the will message
  Properties forwarded;                          // passed on with it [MQTT-3.1.3-10]
};

WillSettings read_will_settings(const Properties& will_properties);

// What the server declares in a successful 5.0 CONNACK. A capability at its default is left out (the client
// assumes the default), so a broker on default settings sends only Maximum Packet Size, Topic Alias Maximum and,
// when it assigned one, the client identifier.
struct ServerDeclaration {
  std::optional<std::uint32_t> session_expiry_interval;  // only when it differs from the client's request
  std::uint16_t receive_maximum = 65535;
  std::uint8_t maximum_qos = 2;
  bool retain_available = true;
  std::uint32_t maximum_packet_size = 0;  // 0: none declared
  std::optional<std::string> assigned_client_identifier;
  std::uint16_t topic_alias_maximum = 0;
  bool wildcard_subscription_available = true;
  bool subscription_identifier_available = true;
  bool shared_subscription_available = true;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> response_information;
};

Properties connack_properties(const ServerDeclaration& declaration);

}  // namespace mqtt::broker
