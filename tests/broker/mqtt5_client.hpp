// MQTT 5.0 on top of RawClient for broker tests: CONNECT, SUBSCRIBE and PUBLISH with properties, and reading the
// properties of what the broker sends.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/message_properties.hpp"
#include "raw_client.hpp"

namespace mqtt::broker::testing {

inline Properties properties() { return {}; }

template <typename Value, typename... Rest>
Properties properties(PropertyId id, Value value, Rest... rest) {
  Properties list = properties(rest...);
  Property property;
  property.id = id;
  property.value = std::move(value);
  list.insert(list.begin(), std::move(property));
  return list;
}

inline Property user_property(std::string name, std::string value) {
  Property property;
  property.id = PropertyId::user_property;
  property.value = StringPair{std::move(name), std::move(value)};
  return property;
}

// The name/value pairs of every User Property, in order.
inline std::vector<StringPair> user_properties(const Properties& list) {
  std::vector<StringPair> pairs;
  for (const Property& property : list) {
    if (const auto* pair = std::get_if<StringPair>(&property.value); pair && property.id == PropertyId::user_property) {
      pairs.push_back(*pair);
    }
  }
  return pairs;
}

// Every value of a property that may repeat (Subscription Identifier in a PUBLISH).
inline std::vector<std::uint32_t> all_u32(const Properties& list, PropertyId id) {
  std::vector<std::uint32_t> values;
  for (const Property& property : list) {
    if (const auto* value = std::get_if<std::uint32_t>(&property.value); value && property.id == id) {
      values.push_back(*value);
    }
  }
  return values;
}

inline Connect connect_packet(const std::string& client_id, bool clean_start = true, Properties list = {}) {
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = client_id;
  connect.clean_session = clean_start;
  connect.properties = std::move(list);
  return connect;
}

inline Subscription subscription(const std::string& filter, QoS qos, bool no_local = false,
                                 bool retain_as_published = false, std::uint8_t retain_handling = 0) {
  Subscription result;
  result.filter = filter;
  result.qos = qos;
  result.no_local = no_local;
  result.retain_as_published = retain_as_published;
  result.retain_handling = retain_handling;
  return result;
}

inline Subscribe subscribe_packet(std::uint16_t packet_id, std::vector<Subscription> subscriptions,
                                  Properties list = {}) {
  return Subscribe{ProtocolVersion::v5, packet_id, std::move(subscriptions), std::move(list)};
}

inline Publish publish_packet(const std::string& topic, const std::string& payload, QoS qos = QoS::at_most_once,
                              std::optional<std::uint16_t> packet_id = std::nullopt, Properties list = {},
                              bool retain = false) {
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = topic;
  publish.payload.assign(payload.begin(), payload.end());
  publish.qos = qos;
  publish.retain = retain;
  publish.packet_id = qos == QoS::at_most_once ? std::nullopt : packet_id;
  publish.properties = std::move(list);
  return publish;
}

// A 5.0 client, connected: the CONNACK is kept for the test to inspect.
struct Client5 {
  std::unique_ptr<RawClient> raw;
  Connack connack;

  RawClient* operator->() { return raw.get(); }
  RawClient& operator*() { return *raw; }
};

inline Client5 connect5(std::uint16_t port, Connect connect) {
  auto raw = std::make_unique<RawClient>(port, ProtocolVersion::v5);
  Connack connack = raw->connect(std::move(connect));
  return Client5{std::move(raw), std::move(connack)};
}

inline Client5 connect5(std::uint16_t port, const std::string& client_id, bool clean_start = true,
                        Properties list = {}) {
  return connect5(port, connect_packet(client_id, clean_start, std::move(list)));
}

// SUBSCRIBE and its SUBACK.
inline Suback subscribe5(RawClient& client, std::vector<Subscription> subscriptions, Properties list = {},
                         std::uint16_t packet_id = 1) {
  client.send(subscribe_packet(packet_id, std::move(subscriptions), std::move(list)));
  return client.expect<Suback>();
}

// The next packet, which must be a DISCONNECT from the broker; its reason code.
inline std::uint8_t disconnect_reason(RawClient& client) { return client.expect<Disconnect>().reason_code; }

}  // namespace mqtt::broker::testing
