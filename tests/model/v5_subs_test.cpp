// The 5.0 rules of branch v5subs, one hand-built history per rule: a conformant history passes with the statement
// exercised, a breaking one yields exactly that statement. Overlapping identified subscriptions, one copy
// [MQTT-3.3.4-4] or one per subscription [MQTT-3.3.4-5]; the retained re-send on a replaced subscription
// [MQTT-3.8.4-4]; a QoS 2 request accepted below Maximum QoS 2 [MQTT-3.2.2-10]; no undeclared QoS limit
// [MQTT-3.2.2-9].
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {
namespace {

Property identifier(std::uint32_t value) {
  Property property;
  property.id = PropertyId::subscription_identifier;
  property.value = value;
  return property;
}

// Open + 5.0 CONNECT + CONNACK (with `connack_properties`).
void connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id,
              Properties connack_properties = {}) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = true;
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.properties = std::move(connack_properties);
  history.received(connection, connack);
}

Subscription filter_at(std::string filter, QoS qos, std::uint8_t retain_handling = 0) {
  Subscription subscription;
  subscription.filter = std::move(filter);
  subscription.qos = qos;
  subscription.retain_handling = retain_handling;
  return subscription;
}

void subscribe5(HistoryBuilder& history, std::uint32_t connection, std::uint16_t packet_id,
                std::vector<Subscription> subscriptions, std::vector<std::uint8_t> codes, Properties properties = {}) {
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = packet_id;
  subscribe.subscriptions = std::move(subscriptions);
  subscribe.properties = std::move(properties);
  history.sent(connection, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = packet_id;
  suback.reason_codes = std::move(codes);
  history.received(connection, suback);
}

Publish publish5(std::string topic, std::string_view payload, QoS qos, std::optional<std::uint16_t> id,
                 std::set<std::uint32_t> identifiers = {}, bool retain = false) {
  auto packet = publish(std::move(topic), payload, qos, id, retain);
  packet.version = ProtocolVersion::v5;
  for (const auto value : identifiers) packet.properties.push_back(identifier(value));
  return packet;
}

template <typename Ack>
Ack ack5(std::uint16_t id) {
  auto packet = ack<Ack>(id);
  packet.version = ProtocolVersion::v5;
  return packet;
}

bool exercised5(const Verdicts& verdicts, const std::string& statement) {
  const auto spec = verdicts.exercised_by_spec.find("5.0");
  return spec != verdicts.exercised_by_spec.end() && spec->second.contains(statement);
}

// ---- identifiers of overlapping subscriptions ------------------------------------------------------------------

// Two overlapping subscriptions (identifiers 1 and 2, both granted QoS 1), two messages on one topic; `copies` lists,
// per copy of the first message, the identifiers it carries; the second message arrives once with `second`.
HistoryBuilder overlapping(const std::vector<std::set<std::uint32_t>>& copies, std::set<std::uint32_t> second) {
  HistoryBuilder history;
  connect5(history, 1, "sub");
  subscribe5(history, 1, 1, {filter_at("o/+", QoS::at_least_once)}, {1}, {identifier(1)});
  subscribe5(history, 1, 2, {filter_at("#", QoS::at_least_once)}, {1}, {identifier(2)});
  connect5(history, 2, "pub");
  history.sent(2, publish5("o/t", "mh1 first", QoS::at_least_once, 7));
  history.received(2, ack5<Puback>(7));
  history.sent(2, publish5("o/t", "mh1 second", QoS::at_least_once, 8));
  history.received(2, ack5<Puback>(8));
  std::uint16_t id = 1;
  for (const auto& carried : copies) {
    history.received(1, publish5("o/t", "mh1 first", QoS::at_least_once, id, carried));
    history.sent(1, ack5<Puback>(id++));
  }
  history.received(1, publish5("o/t", "mh1 second", QoS::at_least_once, id, std::move(second)));
  history.sent(1, ack5<Puback>(id));
  return history;
}

TEST(V5SubsIdentifiers, ASingleCopyCarriesEveryIdentifier) {
  const auto good = judge(overlapping({{1, 2}}, {1, 2}));
  EXPECT_SETTLED(good);
  EXPECT_TRUE(exercised5(good, "MQTT-3.3.4-4"));
  EXPECT_ONLY_STATEMENT(judge(overlapping({{2}}, {1, 2})), "MQTT-3.3.4-4");
}

TEST(V5SubsIdentifiers, OneCopyPerSubscriptionCarriesItsOwn) {
  const auto good = judge(overlapping({{2}, {1}}, {2}));
  EXPECT_SETTLED(good);
  EXPECT_TRUE(exercised5(good, "MQTT-3.3.4-5"));
  EXPECT_ONLY_STATEMENT(judge(overlapping({{2}, {2}}, {2})), "MQTT-3.3.4-5");
}

// Without a later message on the topic nothing proves the copies complete: a lone copy with one identifier may be
// the first of two, so it is not judged.
TEST(V5SubsIdentifiers, NothingJudgedWithoutProofOfCompleteness) {
  HistoryBuilder history;
  connect5(history, 1, "sub");
  subscribe5(history, 1, 1, {filter_at("o/+", QoS::at_least_once)}, {1}, {identifier(1)});
  subscribe5(history, 1, 2, {filter_at("#", QoS::at_least_once)}, {1}, {identifier(2)});
  connect5(history, 2, "pub");
  history.sent(2, publish5("o/t", "mh1 first", QoS::at_least_once, 7));
  history.received(2, ack5<Puback>(7));
  history.received(1, publish5("o/t", "mh1 first", QoS::at_least_once, 1, {2}));
  history.sent(1, ack5<Puback>(1));
  const auto verdicts = judge(history);
  EXPECT_SETTLED(verdicts);
  EXPECT_FALSE(exercised5(verdicts, "MQTT-3.3.4-4"));
  EXPECT_FALSE(exercised5(verdicts, "MQTT-3.3.4-5"));
}

// ---- retained messages re-sent when a subscription is replaced -------------------------------------------------

HistoryBuilder replaced_subscription(bool resent) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("r/a", "mh1 kept", QoS::at_least_once, 7, {}, true));
  history.received(1, ack5<Puback>(7));
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, {filter_at("r/a", QoS::at_least_once)}, {1});
  history.received(2, publish5("r/a", "mh1 kept", QoS::at_least_once, 1, {}, true));
  history.sent(2, ack5<Puback>(1));
  subscribe5(history, 2, 2, {filter_at("r/a", QoS::at_least_once)}, {1});
  if (resent) {
    history.received(2, publish5("r/a", "mh1 kept", QoS::at_least_once, 2, {}, true));
    history.sent(2, ack5<Puback>(2));
  }
  return history;
}

TEST(V5SubsReplacement, RetainedMessageResentWithRetainHandling0) {
  const auto good = judge(replaced_subscription(true));
  EXPECT_SETTLED(good);
  EXPECT_TRUE(exercised5(good, "MQTT-3.8.4-4"));
  EXPECT_ONLY_STATEMENT(judge(replaced_subscription(false)), "MQTT-3.8.4-4");
}

// ---- Maximum QoS ----------------------------------------------------------------------------------------------

Property maximum_qos(std::uint8_t value) {
  Property property;
  property.id = PropertyId::maximum_qos;
  property.value = value;
  return property;
}

HistoryBuilder qos_2_request(std::uint8_t answer) {
  HistoryBuilder history;
  connect5(history, 1, "sub", {maximum_qos(1)});
  subscribe5(history, 1, 1, {filter_at("q/a", QoS::at_most_once), filter_at("q/a", QoS::exactly_once)}, {0, answer});
  return history;
}

TEST(V5SubsMaximumQos, SubscriptionAboveTheMaximumIsAccepted) {
  const auto good = judge(qos_2_request(1));
  EXPECT_SETTLED(good);
  EXPECT_TRUE(exercised5(good, "MQTT-3.2.2-10"));
  EXPECT_ONLY_STATEMENT(judge(qos_2_request(0x80)), "MQTT-3.2.2-10");
}

HistoryBuilder qos_2_publish(bool refused) {
  HistoryBuilder history;
  connect5(history, 1, "client");
  history.sent(1, publish5("q/a", "mh1 exactly", QoS::exactly_once, 7));
  if (refused) {
    Disconnect disconnect;
    disconnect.version = ProtocolVersion::v5;
    disconnect.reason_code = 0x9B;
    history.received(1, disconnect);
    history.closed(1, history::CloseReason::clean_eof);
  } else {
    history.received(1, ack5<Pubrec>(7));
    history.sent(1, ack5<Pubrel>(7));
    history.received(1, ack5<Pubcomp>(7));
  }
  return history;
}

TEST(V5SubsMaximumQos, NoUndeclaredQosLimit) {
  const auto good = judge(qos_2_publish(false));
  EXPECT_SETTLED(good);
  EXPECT_TRUE(exercised5(good, "MQTT-3.2.2-9"));
  EXPECT_ONLY_STATEMENT(judge(qos_2_publish(true)), "MQTT-3.2.2-9");
}

}  // namespace
}  // namespace mqtt::model::testing
