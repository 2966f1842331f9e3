// The 5.0 rules of branch v5flow, one hand-built history per rule: a conformant history that passes with the
// statement exercised, and a breaking one that yields exactly that statement. UNSUBACK codes in filter order
// [MQTT-3.11.3-1], SUBACK codes that are the grant [MQTT-3.8.4-7], answers not held back at zero send quota
// [MQTT-3.3.4-10], re-sends in the order of the originals [MQTT-4.6.0-1], a publisher's QoS 2 re-send forwarded
// once [MQTT-4.3.3-10], No Local [MQTT-3.8.3-3] and topic names forwarded unaltered [MQTT-4.7.3-4].
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker_expectations.hpp"

namespace mqtt::model::testing {
namespace {

// Open + 5.0 CONNECT + CONNACK.
void connect5(HistoryBuilder& history, std::uint32_t connection, std::string client_id, Properties properties = {},
              bool clean_start = true, bool session_present = false) {
  history.open(connection, client_id);
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = std::move(client_id);
  connect.clean_session = clean_start;
  connect.properties = std::move(properties);
  history.sent(connection, connect);
  Connack connack;
  connack.version = ProtocolVersion::v5;
  connack.session_present = session_present;
  history.received(connection, connack);
}

// SUBSCRIBE with one filter and its SUBACK carrying `code`.
void subscribe5(HistoryBuilder& history, std::uint32_t connection, std::uint16_t packet_id, std::string filter,
                QoS qos, std::uint8_t code, bool no_local = false) {
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = packet_id;
  Subscription subscription;
  subscription.filter = std::move(filter);
  subscription.qos = qos;
  subscription.no_local = no_local;
  subscribe.subscriptions.push_back(std::move(subscription));
  history.sent(connection, subscribe);
  Suback suback;
  suback.version = ProtocolVersion::v5;
  suback.packet_id = packet_id;
  suback.reason_codes = {code};
  history.received(connection, suback);
}

Publish publish5(std::string topic, std::string_view payload, QoS qos, std::optional<std::uint16_t> id,
                 bool dup = false) {
  auto packet = publish(std::move(topic), payload, qos, id, false, dup);
  packet.version = ProtocolVersion::v5;
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

// ---- UNSUBACK reason codes in the order of the filters -------------------------------------------------------

HistoryBuilder unsubscribe_held_and_unheld(std::vector<std::uint8_t> codes) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  subscribe5(history, 1, 1, "a/held", QoS::at_least_once, 1);
  Unsubscribe unsubscribe;
  unsubscribe.version = ProtocolVersion::v5;
  unsubscribe.packet_id = 2;
  unsubscribe.filters = {"a/held", "a/never"};
  history.sent(1, unsubscribe);
  Unsuback unsuback;
  unsuback.version = ProtocolVersion::v5;
  unsuback.packet_id = 2;
  unsuback.reason_codes = std::move(codes);
  history.received(1, unsuback);
  return history;
}

TEST(V5FlowAcknowledgements, UnsubackCodesFollowTheFilters) {
  const auto in_order = judge(unsubscribe_held_and_unheld({0x00, 0x11}));
  EXPECT_SETTLED(in_order);
  EXPECT_TRUE(exercised5(in_order, "MQTT-3.11.3-1"));
  // Success for a filter the session did not hold is not judged: a server may answer 0x00 there.
  EXPECT_SETTLED(judge(unsubscribe_held_and_unheld({0x00, 0x00})));
  EXPECT_ONLY_STATEMENT(judge(unsubscribe_held_and_unheld({0x11, 0x00})), "MQTT-3.11.3-1");
}

// ---- SUBACK reason codes are the grant ----------------------------------------------------------------------

TEST(V5FlowAcknowledgements, SubackCodeIsTheQosGrantedAtMostTheOneRequested) {
  HistoryBuilder granted;
  connect5(granted, 1, "c");
  subscribe5(granted, 1, 1, "a/b", QoS::at_least_once, 1);
  const auto verdicts = judge(granted);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.4-7"));
  HistoryBuilder overstated;
  connect5(overstated, 1, "c");
  subscribe5(overstated, 1, 1, "a/b", QoS::at_least_once, 2);
  EXPECT_ONLY_STATEMENT(judge(overstated), "MQTT-3.8.4-7");
}

// ---- answers at zero send quota -------------------------------------------------------------------------------

// The subscriber declared Receive Maximum 1 and has one delivery unacknowledged when it sends PINGREQ; it
// acknowledges the delivery `acknowledged_after` later, then pings again (a settle barrier) and is answered once.
HistoryBuilder ping_at_zero_quota(bool answered, std::int64_t acknowledged_after = 100 * milliseconds) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub", {Property{PropertyId::receive_maximum, std::uint16_t{1}}});
  subscribe5(history, 2, 1, "a/b", QoS::at_least_once, 1);
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a/b", "mh1 m1", QoS::at_least_once, 1));
  history.sent(2, Pingreq{ProtocolVersion::v5});
  if (answered) history.received(2, Pingresp{ProtocolVersion::v5});
  history.after(acknowledged_after);
  history.sent(2, ack5<Puback>(1));
  history.sent(2, Pingreq{ProtocolVersion::v5});
  history.received(2, Pingresp{ProtocolVersion::v5});
  return history;
}

TEST(V5FlowQuota, OnlyPublishPacketsWaitForTheQuota) {
  const auto verdicts = judge(ping_at_zero_quota(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.3.4-10"));
  // Never answered: the one PINGRESP answers the later PINGREQ only if the first was settled as held back.
  EXPECT_ONLY_STATEMENT(judge(ping_at_zero_quota(false, 3 * seconds)), "MQTT-3.3.4-10");
  // Acknowledged within the grace, the one PINGRESP answers the first PINGREQ (answers come in order): the later
  // one, sent with quota to spare, is the one never answered.
  EXPECT_ONLY_STATEMENT(judge(ping_at_zero_quota(false)), "MQTT-3.12.4-1");
}

// ---- re-sends in the order of the originals -----------------------------------------------------------------

HistoryBuilder resumed_with_two_unacknowledged(bool in_order) {
  HistoryBuilder history;
  const Properties expiry{Property{PropertyId::session_expiry_interval, std::uint32_t{60}}};
  connect5(history, 2, "sub", expiry);
  subscribe5(history, 2, 1, "a/b", QoS::at_least_once, 1);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.sent(1, publish5("a/b", "mh1 m2", QoS::at_least_once, 8));
  history.received(1, ack5<Puback>(8));
  history.received(2, publish5("a/b", "mh1 m1", QoS::at_least_once, 1));
  history.received(2, publish5("a/b", "mh1 m2", QoS::at_least_once, 2));
  history.closed(2, history::CloseReason::local_abort);
  connect5(history, 3, "sub", expiry, false, true);
  const std::uint16_t first = in_order ? 1 : 2;
  const std::uint16_t second = in_order ? 2 : 1;
  history.received(3, publish5("a/b", first == 1 ? "mh1 m1" : "mh1 m2", QoS::at_least_once, first, true));
  history.received(3, publish5("a/b", second == 1 ? "mh1 m1" : "mh1 m2", QoS::at_least_once, second, true));
  history.sent(3, ack5<Puback>(first));
  history.sent(3, ack5<Puback>(second));
  return history;
}

TEST(V5FlowOrder, ResentPublishesKeepTheOrderOfTheOriginals) {
  const auto verdicts = judge(resumed_with_two_unacknowledged(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.6.0-1"));
  EXPECT_ONLY_STATEMENT(judge(resumed_with_two_unacknowledged(false)), "MQTT-4.6.0-1");
}

// ---- a publisher's QoS 2 re-send before PUBREL ---------------------------------------------------------------

HistoryBuilder qos2_resent_before_pubrel(int copies) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/b", QoS::exactly_once, 2);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::exactly_once, 9));
  history.received(1, ack5<Pubrec>(9));
  history.sent(1, publish5("a/b", "mh1 m1", QoS::exactly_once, 9, true));
  history.received(1, ack5<Pubrec>(9));
  history.sent(1, ack5<Pubrel>(9));
  history.received(1, ack5<Pubcomp>(9));
  for (int copy = 1; copy <= copies; ++copy) {
    const auto id = static_cast<std::uint16_t>(copy);
    history.received(2, publish5("a/b", "mh1 m1", QoS::exactly_once, id));
    history.sent(2, ack5<Pubrec>(id));
    history.received(2, ack5<Pubrel>(id));
    history.sent(2, ack5<Pubcomp>(id));
  }
  return history;
}

TEST(V5FlowQos2, ARepeatBeforePubrelIsForwardedOnce) {
  const auto verdicts = judge(qos2_resent_before_pubrel(1));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.3.3-10"));
  EXPECT_ONLY_STATEMENT(judge(qos2_resent_before_pubrel(2)), "MQTT-4.3.3-10");
}

// ---- No Local and topic names -------------------------------------------------------------------------------

TEST(V5FlowSubscriptions, NoLocalIsExercisedByTheSubscribersOwnPublication) {
  HistoryBuilder history;
  connect5(history, 1, "self");
  subscribe5(history, 1, 1, "a/b", QoS::at_least_once, 1, true);
  history.sent(1, publish5("a/b", "mh1 own", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  const auto verdicts = judge(history);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.3-3"));
}

HistoryBuilder forwarded_on(std::string topic) {
  HistoryBuilder history;
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, "a/#", QoS::at_least_once, 1);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a//b", "mh1 m1", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5(std::move(topic), "mh1 m1", QoS::at_least_once, 1));
  history.sent(2, ack5<Puback>(1));
  return history;
}

TEST(V5FlowSubscriptions, TopicNamesAreForwardedAsPublished) {
  const auto verdicts = judge(forwarded_on("a//b"));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.7.3-4"));
  EXPECT_ONLY_STATEMENT(judge(forwarded_on("a/b")), "MQTT-4.7.3-4");
}

}  // namespace
}  // namespace mqtt::model::testing
