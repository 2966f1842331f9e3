#include "codec/packet.hpp"

namespace mqtt {

std::string_view to_string(ProtocolVersion version) {
  switch (version) {
    case ProtocolVersion::v3_1:
      return "3.1";
    case ProtocolVersion::v3_1_1:
      return "3.1.1";
    case ProtocolVersion::v5:
      return "5.0";
  }
  return "unknown";
}

std::string_view to_string(PacketType type) {
  switch (type) {
    case PacketType::connect:
      return "CONNECT";
    case PacketType::connack:
      return "CONNACK";
    case PacketType::publish:
      return "PUBLISH";
    case PacketType::puback:
      return "PUBACK";
    case PacketType::pubrec:
      return "PUBREC";
    case PacketType::pubrel:
      return "PUBREL";
    case PacketType::pubcomp:
      return "PUBCOMP";
    case PacketType::subscribe:
      return "SUBSCRIBE";
    case PacketType::suback:
      return "SUBACK";
    case PacketType::unsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::unsuback:
      return "UNSUBACK";
    case PacketType::pingreq:
      return "PINGREQ";
    case PacketType::pingresp:
      return "PINGRESP";
    case PacketType::disconnect:
      return "DISCONNECT";
    case PacketType::auth:
      return "AUTH";
  }
  return "UNKNOWN";
}

std::optional<ProtocolVersion> parse_protocol_version(std::string_view text) {
  if (text == "3.1") return ProtocolVersion::v3_1;
  if (text == "3.1.1") return ProtocolVersion::v3_1_1;
  if (text == "5" || text == "5.0") return ProtocolVersion::v5;
  return std::nullopt;
}

namespace {
template <typename T>
constexpr PacketType type_of() {
  if constexpr (std::is_same_v<T, Connect>)
    return PacketType::connect;
  else if constexpr (std::is_same_v<T, Connack>)
    return PacketType::connack;
  else if constexpr (std::is_same_v<T, Publish>)
    return PacketType::publish;
  else if constexpr (std::is_same_v<T, Subscribe>)
    return PacketType::subscribe;
  else if constexpr (std::is_same_v<T, Suback>)
    return PacketType::suback;
  else if constexpr (std::is_same_v<T, Unsubscribe>)
    return PacketType::unsubscribe;
  else if constexpr (std::is_same_v<T, Unsuback>)
    return PacketType::unsuback;
  else if constexpr (std::is_same_v<T, Pingreq>)
    return PacketType::pingreq;
  else if constexpr (std::is_same_v<T, Pingresp>)
    return PacketType::pingresp;
  else if constexpr (std::is_same_v<T, Disconnect>)
    return PacketType::disconnect;
  else if constexpr (std::is_same_v<T, Auth>)
    return PacketType::auth;
  else
    return T::type;  // the four acknowledgements carry their type as a tag
}
}  // namespace

PacketType packet_type(const Packet& packet) {
  return std::visit([](const auto& value) { return type_of<std::decay_t<decltype(value)>>(); }, packet);
}

ProtocolVersion packet_version(const Packet& packet) {
  return std::visit([](const auto& value) { return value.version; }, packet);
}

}  // namespace mqtt

namespace mqtt {

std::string_view to_string(PropertyId id) {
  switch (id) {
    case PropertyId::payload_format_indicator:
      return "Payload Format Indicator";
    case PropertyId::message_expiry_interval:
      return "Message Expiry Interval";
    case PropertyId::content_type:
      return "Content Type";
    case PropertyId::response_topic:
      return "Response Topic";
    case PropertyId::correlation_data:
      return "Correlation Data";
    case PropertyId::subscription_identifier:
      return "Subscription Identifier";
    case PropertyId::session_expiry_interval:
      return "Session Expiry Interval";
    case PropertyId::assigned_client_identifier:
      return "Assigned Client Identifier";
    case PropertyId::server_keep_alive:
      return "Server Keep Alive";
    case PropertyId::authentication_method:
      return "Authentication Method";
    case PropertyId::authentication_data:
      return "Authentication Data";
    case PropertyId::request_problem_information:
      return "Request Problem Information";
    case PropertyId::will_delay_interval:
      return "Will Delay Interval";
    case PropertyId::request_response_information:
      return "Request Response Information";
    case PropertyId::response_information:
      return "Response Information";
    case PropertyId::server_reference:
      return "Server Reference";
    case PropertyId::reason_string:
      return "Reason String";
    case PropertyId::receive_maximum:
      return "Receive Maximum";
    case PropertyId::topic_alias_maximum:
      return "Topic Alias Maximum";
    case PropertyId::topic_alias:
      return "Topic Alias";
    case PropertyId::maximum_qos:
      return "Maximum QoS";
    case PropertyId::retain_available:
      return "Retain Available";
    case PropertyId::user_property:
      return "User Property";
    case PropertyId::maximum_packet_size:
      return "Maximum Packet Size";
    case PropertyId::wildcard_subscription_available:
      return "Wildcard Subscription Available";
    case PropertyId::subscription_identifier_available:
      return "Subscription Identifier Available";
    case PropertyId::shared_subscription_available:
      return "Shared Subscription Available";
  }
  return "unknown property";
}

}  // namespace mqtt
