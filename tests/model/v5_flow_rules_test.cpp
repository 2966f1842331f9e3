// MQTT 5.0 flow rules: Maximum Packet Size, Receive Maximum, topic aliases, and message properties passed on.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "v5_rule_histories.hpp"

namespace mqtt::model::testing {
namespace {

// ---- flow: packet size, receive maximum, topic aliases ------------------------------------------------------

TEST(V5Flow, NothingLargerThanTheClientsMaximumPacketSize) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connect = {property(PropertyId::maximum_packet_size, 40)}});
  subscribe5(history, 1, 1, option("a/b", QoS::at_most_once));
  history.received(1, publish5("a/b", std::string(100, 'x')));
  // A PUBLISH too large for the client is to be discarded, not sent [MQTT-3.1.2-25]; other packets beyond the
  // maximum break MQTT-3.1.2-24 (v5_packet_size.cpp).
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.1.2-25");
}

// A message the subscriber's Maximum Packet Size cannot take is discarded by the server, as if sent
// [MQTT-3.1.2-25]: not owed, so its absence is no violation; one that fits is owed as always.
TEST(V5Flow, AMessageTooLargeForTheSubscribersMaximumIsNotOwed) {
  for (const std::size_t padding : {std::size_t{20}, std::size_t{300}}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "sub", {.connect = {property(PropertyId::maximum_packet_size, 150)}});
    subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
    history.sent(1, publish5("a/b", "mh1 m1 " + std::string(padding, 'x'), QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    const auto verdicts = judge(history);
    if (padding == 300) {
      EXPECT_SETTLED(verdicts);
    } else {
      EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.5.0-1");
    }
  }
}

HistoryBuilder receive_maximum_history(bool waits_for_puback) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub", {.connect = {property(PropertyId::receive_maximum, 1)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.sent(1, publish5("a/b", "mh1 m2", QoS::at_least_once, 8));
  history.received(1, ack5<Puback>(8));
  history.received(2, publish5("a/b", "mh1 m1", QoS::at_least_once, 1));
  if (waits_for_puback) history.sent(2, ack5<Puback>(1));
  history.received(2, publish5("a/b", "mh1 m2", QoS::at_least_once, 2));
  history.sent(2, ack5<Puback>(2));
  if (!waits_for_puback) history.sent(2, ack5<Puback>(1));
  return history;
}

TEST(V5Flow, NoMoreUnacknowledgedPublishesThanTheReceiveMaximum) {
  const auto verdicts = judge(receive_maximum_history(true));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.3.4-9"));
  EXPECT_ONLY_STATEMENT(judge(receive_maximum_history(false)), "MQTT-3.3.4-9");
}

TEST(V5Flow, ServerTopicAliasesWithinTheClientsMaximumAreResolved) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub", {.connect = {property(PropertyId::topic_alias_maximum, 4)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  for (std::uint16_t id : {7, 8}) {
    history.sent(1, publish5("a/b", "mh1 m" + std::to_string(id), QoS::at_least_once, id));
    history.received(1, ack5<Puback>(id));
  }
  history.received(2, publish5("a/b", "mh1 m7", QoS::at_least_once, 1, false, {property(PropertyId::topic_alias, 3)}));
  history.sent(2, ack5<Puback>(1));
  // The alias alone: the checker must see 'a/b', or the duty to deliver m8 stays open.
  history.received(2, publish5("", "mh1 m8", QoS::at_least_once, 2, false, {property(PropertyId::topic_alias, 3)}));
  history.sent(2, ack5<Puback>(2));
  EXPECT_SETTLED(judge(history));
}

TEST(V5Flow, NoServerTopicAliasTheClientDidNotAllow) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  subscribe5(history, 1, 1, option("a/b", QoS::at_most_once));
  history.received(1, publish5("a/b", "x", QoS::at_most_once, std::nullopt, false, {property(PropertyId::topic_alias, 1)}));
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.1.2-27");
}

TEST(V5Flow, TheServerAcceptsTheTopicAliasesItAllowed) {
  HistoryBuilder history;
  connect5(history, 1, "c", {.connack = {property(PropertyId::topic_alias_maximum, 2)}});
  history.sent(1, publish5("a/b", "x", QoS::at_least_once, 1, false, {property(PropertyId::topic_alias, 1)}));
  history.received(1, ack5<Puback>(1));
  history.sent(1, publish5("", "y", QoS::at_least_once, 2, false, {property(PropertyId::topic_alias, 1)}));
  history.received(1, disconnect5(0x94));
  history.closed(1, history::CloseReason::clean_eof);
  EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.3.2-12");
}

// ---- message expiry and properties passed on ----------------------------------------------------------------

TEST(V5Messages, TheMessageExpiryIsPassedOnReduced) {
  const auto kept = judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)},
                                             {property(PropertyId::message_expiry_interval, 30)}));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised5(kept, "MQTT-3.3.2-6"));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)}, {})),
                        "MQTT-3.3.2-6");
  EXPECT_ONLY_STATEMENT(judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)},
                                                 {property(PropertyId::message_expiry_interval, 60)})),
                        "MQTT-3.3.2-6");
}

HistoryBuilder queued_history(std::uint32_t message_expiry, std::int64_t offline, bool delivered) {
  HistoryBuilder history;
  connect5(history, 2, "sub", {.connect = {property(PropertyId::session_expiry_interval, 600)}});
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once));
  history.closed(2, history::CloseReason::local_close);
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 q", QoS::at_least_once, 7, false,
                           {property(PropertyId::message_expiry_interval, message_expiry)}));
  history.received(1, ack5<Puback>(7));
  history.after(offline);
  connect5(history, 3, "sub",
           {.connect = {property(PropertyId::session_expiry_interval, 600)}, .clean_start = false,
            .session_present = true});
  if (delivered) {
    const auto left = std::max<std::int64_t>(0, message_expiry - offline / seconds);
    history.received(3, publish5("a/b", "mh1 q", QoS::at_least_once, 1, false,
                                 {property(PropertyId::message_expiry_interval, static_cast<std::uint32_t>(left))}));
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Messages, AnExpiredMessageIsNotDelivered) {
  EXPECT_SETTLED(judge(queued_history(20, 5 * seconds, true)));
  const auto dropped = judge(queued_history(2, 5 * seconds, false));
  EXPECT_SETTLED(dropped);
  EXPECT_TRUE(exercised5(dropped, "MQTT-3.3.2-5"));  // expired while the session was away: not to be sent
  // At the edge of the expiry (one timer tick) the message may or may not be sent: nothing is judged.
  EXPECT_SETTLED(judge(queued_history(2, 2500 * milliseconds, true)));
  EXPECT_SETTLED(judge(queued_history(2, 2500 * milliseconds, false)));
  EXPECT_ONLY_STATEMENT(judge(queued_history(2, 5 * seconds, true)), "MQTT-3.3.2-5");
}

TEST(V5Messages, UserPropertiesArePassedOnInOrder) {
  const Properties original{user_property("k", "1"), user_property("k", "2")};
  EXPECT_SETTLED(judge(forwarding_history(original, original)));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {user_property("k", "2"), user_property("k", "1")})),
                        "MQTT-3.3.2-18");
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {user_property("k", "1")})), "MQTT-3.3.2-17");
}

TEST(V5Messages, ContentTypeAndCorrelationDataArePassedOnUnchanged) {
  const Properties original{text_property(PropertyId::content_type, "text/plain"),
                            Property{PropertyId::correlation_data, Bytes{1, 2, 3}}};
  EXPECT_SETTLED(judge(forwarding_history(original, original)));
  EXPECT_ONLY_STATEMENT(judge(forwarding_history(original, {original[1]})), "MQTT-3.3.2-20");
}

}  // namespace
}  // namespace mqtt::model::testing
