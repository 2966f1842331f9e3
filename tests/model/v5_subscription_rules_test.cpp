// MQTT 5.0 subscription rules: subscription options, shared subscriptions, deliveries the client refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "v5_rule_histories.hpp"

namespace mqtt::model::testing {
namespace {

// ---- subscription options -------------------------------------------------------------------------------------

HistoryBuilder retained_then_subscribe(std::uint8_t retain_handling, bool retained_arrives) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 7, true));
  history.received(1, ack5<Puback>(7));
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once, false, false, retain_handling));
  if (retained_arrives) {
    history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 1, true));
    history.sent(2, ack5<Puback>(1));
  }
  return history;
}

TEST(V5SubscriptionOptions, RetainHandling) {
  EXPECT_SETTLED(judge(retained_then_subscribe(0, true)));
  EXPECT_ONLY_STATEMENT(judge(retained_then_subscribe(0, false)), "MQTT-3.3.1-9");
  EXPECT_SETTLED(judge(retained_then_subscribe(2, false)));
  EXPECT_ONLY_STATEMENT(judge(retained_then_subscribe(2, true)), "MQTT-3.3.1-11");
  EXPECT_SETTLED(judge(retained_then_subscribe(1, true)));  // a new subscription: retained messages are owed
}

// The retained message arrives for a first subscription with Retain Handling `handling`; the same SUBSCRIBE is
// then repeated, and the retained message arrives again or not.
HistoryBuilder repeated_subscription(std::uint8_t handling, bool arrives_again) {
  auto history = retained_then_subscribe(handling, true);
  subscribe5(history, 2, 2, option("a/b", QoS::at_least_once, false, false, handling));
  if (arrives_again) {
    history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 2, true));
    history.sent(2, ack5<Puback>(2));
  }
  return history;
}

TEST(V5SubscriptionOptions, RetainHandlingOneOnARepeatedSubscription) {
  const auto conformant = judge(repeated_subscription(1, false));
  EXPECT_SETTLED(conformant);
  EXPECT_TRUE(exercised5(conformant, "MQTT-3.3.1-10"));
  // The second copy is not the first subscription's answer again: that one already arrived.
  EXPECT_ONLY_STATEMENT(judge(repeated_subscription(1, true)), "MQTT-3.3.1-10");
  EXPECT_SETTLED(judge(repeated_subscription(0, true)));  // Retain Handling 0: sent again on every SUBSCRIBE
}

HistoryBuilder own_publication(bool no_local, bool arrives) {
  HistoryBuilder history;
  connect5(history, 1, "c");
  subscribe5(history, 1, 1, option("a/b", QoS::at_least_once, no_local));
  history.sent(1, publish5("a/b", "mh1 own", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  if (arrives) {
    history.received(1, publish5("a/b", "mh1 own", QoS::at_least_once, 1));
    history.sent(1, ack5<Puback>(1));
  }
  return history;
}

TEST(V5SubscriptionOptions, NoLocal) {
  EXPECT_SETTLED(judge(own_publication(false, true)));
  EXPECT_SETTLED(judge(own_publication(true, false)));
  EXPECT_ONLY_STATEMENT(judge(own_publication(true, true)), "MQTT-3.8.3-3");
}

HistoryBuilder retain_as_published(bool keeps_flag) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "sub");
  subscribe5(history, 2, 1, option("a/b", QoS::at_least_once, false, true));
  history.sent(1, publish5("a/b", "mh1 r", QoS::at_least_once, 7, true));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a/b", "mh1 r", QoS::at_least_once, 1, keeps_flag));
  history.sent(2, ack5<Puback>(1));
  return history;
}

TEST(V5SubscriptionOptions, RetainAsPublished) {
  EXPECT_SETTLED(judge(retain_as_published(true)));
  EXPECT_ONLY_STATEMENT(judge(retain_as_published(false)), "MQTT-3.3.1-13");
}

TEST(V5SubscriptionOptions, SubscriptionIdentifiersOnDeliveries) {
  for (const bool carried : {true, false}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "sub");
    subscribe5(history, 2, 1, option("a/#", QoS::at_least_once), {property(PropertyId::subscription_identifier, 9)});
    history.sent(1, publish5("a/b", "mh1 m", QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    Properties ids;
    if (carried) ids.push_back(property(PropertyId::subscription_identifier, 9));
    history.received(2, publish5("a/b", "mh1 m", QoS::at_least_once, 1, false, ids));
    history.sent(2, ack5<Puback>(1));
    if (carried) {
      EXPECT_SETTLED(judge(history));
    } else {
      EXPECT_ONLY_STATEMENT(judge(history), "MQTT-3.3.4-3");
    }
  }
}

// ---- shared subscriptions ---------------------------------------------------------------------------------------

TEST(V5Shared, EachMessageGoesToOneMemberAtItsGrant) {
  for (const auto delivered : {QoS::at_most_once, QoS::at_least_once}) {
    HistoryBuilder history;
    connect5(history, 1, "pub");
    connect5(history, 2, "member-a");
    connect5(history, 3, "member-b");
    subscribe5(history, 2, 1, option("$share/g/a/+", QoS::at_most_once));
    subscribe5(history, 3, 1, option("$share/g/a/+", QoS::at_most_once));
    history.sent(1, publish5("a/b", "mh1 s", QoS::at_least_once, 7));
    history.received(1, ack5<Puback>(7));
    history.received(3, publish5("a/b", "mh1 s", delivered, delivered == QoS::at_most_once
                                                               ? std::nullopt : std::optional<std::uint16_t>(1)));
    if (delivered == QoS::at_most_once) {
      EXPECT_SETTLED(judge(history));  // member a got nothing: one member per message
    } else {
      history.sent(3, ack5<Puback>(1));
      EXPECT_ONLY_STATEMENT(judge(history), "MQTT-4.8.2-3");
    }
  }
}

TEST(V5Shared, TheGrantIsExercisedWhereItIsBelowThePublishedQos) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "member");
  subscribe5(history, 2, 1, option("$share/g/a", QoS::at_most_once));
  history.sent(1, publish5("a", "mh1 s", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 s"));
  const auto verdicts = judge(history);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.8.2-3"));
}

// Member 'a' (session expiry `expiry`) gets a message at `qos` through $share/g/a and loses its connection
// without acknowledging it; member 'b' joined the group after the publication and gets the message or not.
HistoryBuilder member_lost(QoS qos, std::uint32_t expiry, bool moved) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  Session5 session;
  session.connect = {property(PropertyId::session_expiry_interval, expiry)};
  connect5(history, 2, "member-a", session);
  subscribe5(history, 2, 1, option("$share/g/a", qos));
  connect5(history, 3, "member-b");
  history.sent(1, publish5("a", "mh1 s", qos, 7));
  history.received(1, qos == QoS::exactly_once ? Packet{ack5<Pubrec>(7)} : Packet{ack5<Puback>(7)});
  if (qos == QoS::exactly_once) {
    history.sent(1, ack5<Pubrel>(7));
    history.received(1, ack5<Pubcomp>(7));
  }
  history.received(2, publish5("a", "mh1 s", qos, 1));
  subscribe5(history, 3, 1, option("$share/g/a", qos));
  history.closed(2, history::CloseReason::local_close);
  if (moved) {
    history.after(seconds).received(3, publish5("a", "mh1 s", qos, 1));
    history.sent(3, qos == QoS::exactly_once ? Packet{ack5<Pubrec>(1)} : Packet{ack5<Puback>(1)});
    if (qos == QoS::exactly_once) {
      history.received(3, ack5<Pubrel>(1));
      history.sent(3, ack5<Pubcomp>(1));
    }
  }
  return history;
}

TEST(V5Shared, AQos2DeliveryStaysWithTheMemberThatLostItsConnection) {
  const auto kept = judge(member_lost(QoS::exactly_once, 0, false));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised5(kept, "MQTT-4.8.2-5"));
  EXPECT_ONLY_STATEMENT(judge(member_lost(QoS::exactly_once, 0, true)), "MQTT-4.8.2-5");
  const auto waiting = judge(member_lost(QoS::exactly_once, 60, false));
  EXPECT_SETTLED(waiting);
  EXPECT_TRUE(exercised5(waiting, "MQTT-4.8.2-4"));
  EXPECT_ONLY_STATEMENT(judge(member_lost(QoS::exactly_once, 60, true)), "MQTT-4.8.2-4");
  // A QoS 1 delivery may go to another member, even one that joined after the publication.
  EXPECT_SETTLED(judge(member_lost(QoS::at_least_once, 0, true)));
  EXPECT_SETTLED(judge(member_lost(QoS::at_least_once, 60, true)));
}

// ---- deliveries the client refused ------------------------------------------------------------------------------

// 'sub' (session expiry 60) refuses a QoS 1 message with PUBACK 0x80, loses its connection and resumes; the
// resumed connection gets the message again (DUP=1, same packet id) or not.
HistoryBuilder refused_then_resumed(bool sent_again) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  const Session5 persistent{.connect = {property(PropertyId::session_expiry_interval, 60)}};
  connect5(history, 2, "sub", persistent);
  subscribe5(history, 2, 1, option("a", QoS::at_least_once));
  history.sent(1, publish5("a", "mh1 r", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 r", QoS::at_least_once, 1));
  history.sent(2, ack5<Puback>(1, 0x80));
  history.closed(2, history::CloseReason::local_abort);
  connect5(history, 3, "sub",
           {.connect = {property(PropertyId::session_expiry_interval, 60)}, .clean_start = false,
            .session_present = true});
  if (sent_again) {
    auto again = publish5("a", "mh1 r", QoS::at_least_once, 1);
    again.dup = true;
    history.received(3, again);
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Rejections, ARefusedDeliveryIsNeverSentAgain) {
  const auto verdicts = judge(refused_then_resumed(false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.4.0-2"));
  EXPECT_ONLY_STATEMENT(judge(refused_then_resumed(true)), "MQTT-4.4.0-2");
}

// Member 'a' of $share/g/a refuses a QoS 1 message with PUBACK 0x80 while member 'b' is subscribed; 'b' gets
// the message afterwards or not.
HistoryBuilder refused_by_member(bool offered_to_other) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  connect5(history, 2, "member-a");
  subscribe5(history, 2, 1, option("$share/g/a", QoS::at_least_once));
  history.sent(1, publish5("a", "mh1 s", QoS::at_least_once, 7));
  history.received(1, ack5<Puback>(7));
  history.received(2, publish5("a", "mh1 s", QoS::at_least_once, 1));
  connect5(history, 3, "member-b");
  subscribe5(history, 3, 1, option("$share/g/a", QoS::at_least_once));
  history.sent(2, ack5<Puback>(1, 0x80));
  if (offered_to_other) {
    history.received(3, publish5("a", "mh1 s", QoS::at_least_once, 1));
    history.sent(3, ack5<Puback>(1));
  }
  return history;
}

TEST(V5Rejections, AMessageASharedMemberRefusedIsNotOfferedToAnother) {
  const auto verdicts = judge(refused_by_member(false));
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.8.2-6"));
  EXPECT_ONLY_STATEMENT(judge(refused_by_member(true)), "MQTT-4.8.2-6");
}
TEST(V5SubscriptionOptions, NoLocalOnASharedSubscriptionIsClosedOn) {
  HistoryBuilder closed;
  connect5(closed, 1, "c");
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = 1;
  subscribe.subscriptions.push_back(option("$share/g/a", QoS::at_least_once, true));
  closed.sent(1, subscribe);
  closed.closed(1, history::CloseReason::clean_eof);
  const auto verdicts = judge(closed);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.3-4"));
  HistoryBuilder answered;
  connect5(answered, 1, "c");
  subscribe5(answered, 1, 1, option("$share/g/a", QoS::at_least_once, true));
  answered.after(5 * seconds).closed(1, history::CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(answered), "MQTT-3.8.3-4");
}
}  // namespace
}  // namespace mqtt::model::testing
