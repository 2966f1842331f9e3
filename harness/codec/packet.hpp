// MQTT control packets as plain values, for MQTT 3.1 (level 3), 3.1.1 (level 4) and 5.0 (level 5).
// Every packet carries the protocol version it was decoded under or is meant to be encoded for,
// because the same packet type has a different wire shape in each version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mqtt {

using Bytes = std::vector<std::uint8_t>;

enum class ProtocolVersion : std::uint8_t { v3_1 = 3, v3_1_1 = 4, v5 = 5 };

// Fixed-header packet type (high nibble of the first byte).
enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

std::string_view to_string(ProtocolVersion version);  // "3.1", "3.1.1", "5.0"
std::string_view to_string(PacketType type);          // "CONNECT", "PUBLISH", ...
std::optional<ProtocolVersion> parse_protocol_version(std::string_view text);

// MQTT 5.0 property identifiers (section 2.2.2.2).
enum class PropertyId : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

// "Payload Format Indicator", "User Property", ...; "unknown property" for identifiers outside the table.
std::string_view to_string(PropertyId id);

using StringPair = std::pair<std::string, std::string>;

// One MQTT 5.0 property. The alternative held follows the property's wire type:
// byte -> uint8_t, two-byte integer -> uint16_t, four-byte integer and variable byte integer -> uint32_t,
// UTF-8 string -> std::string, binary data -> Bytes, UTF-8 string pair -> StringPair.
struct Property {
  PropertyId id{};
  std::variant<std::uint8_t, std::uint16_t, std::uint32_t, std::string, Bytes, StringPair> value;
  friend bool operator==(const Property&, const Property&) = default;
};

// Properties keep wire order; user properties may repeat, the codec rejects other duplicates.
using Properties = std::vector<Property>;

struct Will {
  std::string topic;
  Bytes payload;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  Properties properties;  // 5.0 only
  friend bool operator==(const Will&, const Will&) = default;
};

struct Connect {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  bool clean_session = true;  // "Clean Start" in 5.0
  std::uint16_t keep_alive = 60;
  std::string client_id;
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<Bytes> password;
  Properties properties;  // 5.0 only
  friend bool operator==(const Connect&, const Connect&) = default;
};

struct Connack {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  bool session_present = false;
  std::uint8_t reason_code = 0;  // "return code" in 3.1/3.1.1
  Properties properties;
  friend bool operator==(const Connack&, const Connack&) = default;
};

struct Publish {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  bool dup = false;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::string topic;
  std::optional<std::uint16_t> packet_id;  // present exactly when qos > 0
  Bytes payload;
  Properties properties;
  friend bool operator==(const Publish&, const Publish&) = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape; the tag keeps them distinct types.
template <PacketType Type>
struct Acknowledgement {
  static constexpr PacketType type = Type;
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint16_t packet_id = 0;
  std::uint8_t reason_code = 0;  // 5.0 only
  Properties properties;         // 5.0 only
  friend bool operator==(const Acknowledgement&, const Acknowledgement&) = default;
};
using Puback = Acknowledgement<PacketType::puback>;
using Pubrec = Acknowledgement<PacketType::pubrec>;
using Pubrel = Acknowledgement<PacketType::pubrel>;
using Pubcomp = Acknowledgement<PacketType::pubcomp>;

struct Subscription {
  std::string filter;
  QoS qos = QoS::at_most_once;
  bool no_local = false;             // 5.0 only
  bool retain_as_published = false;  // 5.0 only
  std::uint8_t retain_handling = 0;  // 5.0 only
  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Subscribe {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;
  Properties properties;
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

struct Suback {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;  // granted QoS 0..2 or 0x80 (3.1.1)
  Properties properties;
  friend bool operator==(const Suback&, const Suback&) = default;
};

struct Unsubscribe {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
  Properties properties;
  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

struct Unsuback {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes;  // 5.0 only
  Properties properties;
  friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

struct Pingreq {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  friend bool operator==(const Pingreq&, const Pingreq&) = default;
};

struct Pingresp {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  friend bool operator==(const Pingresp&, const Pingresp&) = default;
};

struct Disconnect {
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  std::uint8_t reason_code = 0;  // 5.0 only
  Properties properties;
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

struct Auth {  // 5.0 only
  ProtocolVersion version = ProtocolVersion::v5;
  std::uint8_t reason_code = 0;
  Properties properties;
  friend bool operator==(const Auth&, const Auth&) = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packet_type(const Packet& packet);
ProtocolVersion packet_version(const Packet& packet);

}  // namespace mqtt
