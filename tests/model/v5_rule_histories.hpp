// The 5.0 packets and history steps the 5.0 rule tests (v5_*_rules_test.cpp, v5_citation_test.cpp) build from.
// Those tests hold one hand-built history per rule: a conformant one that passes with the statement exercised, a
// breaking one that yields exactly one violation citing the 5.0 id, and a legal variation that passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {

inline Property property(PropertyId id, std::uint32_t value) {
  switch (id) {
    case PropertyId::payload_format_indicator:
    case PropertyId::maximum_qos:
    case PropertyId::retain_available:
    case PropertyId::request_problem_information:
    case PropertyId::request_response_information:
      return Property{id, static_cast<std::uint8_t>(value)};
    case PropertyId::receive_maximum:
    case PropertyId::topic_alias_maximum:
    case PropertyId::topic_alias:
    case PropertyId::server_keep_alive:
      return Property{id, static_cast<std::uint16_t>(value)};
    default:
      return Property{id, value};
  }
}

inline Property text_property(PropertyId id, std::string text) { return Property{id, std::move(text)}; }
inline Property user_property(std::string name, std::string value) {
  return Property{PropertyId::user_property, StringPair{std::move(name), std::move(value)}};
}

struct Session5 {  // the {} keep designated initializers that leave a field out free of warnings
  Properties connect{};
  Properties connack{};
  bool clean_start = true;
  bool session_present = false;
  std::optional<Will> will{};
  std::uint16_t keep_alive = 0;
};

// Open + 5.0 CONNECT + CONNACK; returns the CONNACK's sequence.
inline std::uint64_t connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id, Session5 session = {}) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = session.clean_start;
  connect.keep_alive = session.keep_alive;
  connect.will = std::move(session.will);
  connect.properties = std::move(session.connect);
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.session_present = session.session_present;
  connack.properties = std::move(session.connack);
  return history.received(connection, connack);
}

inline Subscription option(std::string filter, QoS qos, bool no_local = false, bool retain_as_published = false,
                    std::uint8_t retain_handling = 0) {
  Subscription subscription;
  subscription.filter = std::move(filter);
  subscription.qos = qos;
  subscription.no_local = no_local;
  subscription.retain_as_published = retain_as_published;
  subscription.retain_handling = retain_handling;
  return subscription;
}

// SUBSCRIBE + SUBACK granting what was asked; returns the SUBACK's sequence.
inline std::uint64_t subscribe5(HistoryBuilder& history, std::uint32_t connection, std::uint16_t packet_id,
                         Subscription subscription, Properties properties = {}) {
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = packet_id;
  subscribe.properties = std::move(properties);
  const auto granted = static_cast<std::uint8_t>(subscription.qos);
  subscribe.subscriptions.push_back(std::move(subscription));
  history.sent(connection, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = packet_id;
  suback.reason_codes = {granted};
  return history.received(connection, suback);
}

inline Publish publish5(std::string topic, std::string_view payload, QoS qos = QoS::at_most_once,
                 std::optional<std::uint16_t> id = std::nullopt, bool retain = false, Properties properties = {}) {
  auto packet = publish(std::move(topic), payload, qos, id, retain);
  packet.version = ProtocolVersion::v5;
  packet.properties = std::move(properties);
  return packet;
}

template <typename Ack>
inline Ack ack5(std::uint16_t id, std::uint8_t reason = 0) {
  auto packet = ack<Ack>(id);
  packet.version = ProtocolVersion::v5;
  packet.reason_code = reason;
  return packet;
}

inline Disconnect disconnect5(std::uint8_t reason, Properties properties = {}) {
  Disconnect packet;
  packet.version = ProtocolVersion::v5;
  packet.reason_code = reason;
  packet.properties = std::move(properties);
  return packet;
}

inline bool exercised5(const Verdicts& verdicts, const std::string& statement) {
  const auto spec = verdicts.exercised_by_spec.find("5.0");
  return spec != verdicts.exercised_by_spec.end() && spec->second.contains(statement);
}

// Publisher on 1, subscriber on 2 (QoS 1 on 'a/b'), one QoS 1 message on 'a/b' sent and acknowledged.
inline HistoryBuilder forwarding_history(Properties published, Properties forwarded, QoS forwarded_qos = QoS::at_least_once) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7, false, std::move(published)));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a/b", "mh1 m1", forwarded_qos, forwarded_qos == QoS::at_most_once
                                                                   ? std::nullopt : std::optional<std::uint16_t>(1),
                               false, std::move(forwarded)));
  if (forwarded_qos != QoS::at_most_once) history.sent(2, ack5<Puback>(1));
  return history;
}

}  // namespace mqtt::model::testing
