// MQTT 3.1.1 delivery: each matching subscriber gets each message at its grant, once, in order.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

using history::CloseReason;

// ---- Delivery ----------------------------------------------------------------------------------------------------

TEST(Delivery, ConformantQoS1And2FlowsAreClean) {
  PubSub s;
  auto& h = s.h;
  h.sent(2, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.received(1, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/2", "mh1 two", QoS::exactly_once, 2));
  h.received(2, ack<Pubrec>(2));
  h.sent(2, ack<Pubrel>(2));
  h.received(2, ack<Pubcomp>(2));
  h.received(1, publish("a/2", "mh1 two", QoS::exactly_once, 2));
  h.sent(1, ack<Pubrec>(2));
  h.received(1, ack<Pubrel>(2));
  h.sent(1, ack<Pubcomp>(2));
  auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-4.5.0-1"));
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-4.6.0-6"));
}

TEST(Delivery, MatchingSubscriberGetsEveryQoS1Message_MQTT_4_5_0_1) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 lost", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  EXPECT_VIOLATION(judge(h), "MQTT-4.5.0-1", (Evidence{s.suback, published, owned}));
}

// A duty to a subscriber carries no sentence: the verdict's words are built from the message and the duty
// when it is reported (issue 16). They name the topic, both QoS levels and the client, as before.
TEST(Delivery, AnUnmetDutySaysWhichMessageToWhichClient) {
  PubSub s(QoS::at_least_once);
  auto& h = s.h;
  h.sent(2, publish("a/1", "mh1 lost", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  Checker checker;
  for (const auto& event : h.history().events) checker.observe(event);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().description,
            "deliver the message on 'a/1' (QoS 2) to client 'sub' at QoS 1");
  const auto verdicts = judge(h);
  ASSERT_EQ(verdicts.violations.size(), 1u);
  EXPECT_EQ(verdicts.violations.front().message,
            "the broker did not deliver the message on 'a/1' (QoS 2) to client 'sub' at QoS 1");
}

TEST(Delivery, DeliveredQoSNeverExceedsGranted_MQTT_3_8_4_6) {
  PubSub s(QoS::at_most_once);
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 m", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 m", QoS::at_least_once, 4));
  h.sent(1, ack<Puback>(4));
  EXPECT_VIOLATION(judge(h), "MQTT-3.8.4-6", (Evidence{s.suback, published, delivered}));
}

TEST(Delivery, QoS2IsDeliveredExactlyOnce_MQTT_4_3_3_1) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 once", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  auto first = h.received(1, publish("a/1", "mh1 once", QoS::exactly_once, 3));
  h.sent(1, ack<Pubrec>(3));
  h.received(1, ack<Pubrel>(3));
  h.sent(1, ack<Pubcomp>(3));
  auto second = h.received(1, publish("a/1", "mh1 once", QoS::exactly_once, 4));
  h.sent(1, ack<Pubrec>(4));
  h.received(1, ack<Pubrel>(4));
  h.sent(1, ack<Pubcomp>(4));
  EXPECT_VIOLATION(judge(h), "MQTT-4.3.3-1", (Evidence{published, first, second}));
}

TEST(Delivery, OverlappingSubscriptionsMayYieldOneCopyPerSubscription_MQTT_3_3_5_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::exactly_once);
  h.subscribed(1, 2, "a/+", QoS::exactly_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 twice", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  h.received(1, publish("a/1", "mh1 twice", QoS::exactly_once, 5));
  h.received(1, publish("a/1", "mh1 twice", QoS::exactly_once, 6));
  h.sent(1, ack<Pubrec>(5));
  h.sent(1, ack<Pubrec>(6));
  h.received(1, ack<Pubrel>(5));
  h.received(1, ack<Pubrel>(6));
  h.sent(1, ack<Pubcomp>(5));
  h.sent(1, ack<Pubcomp>(6));
  EXPECT_CLEAN(judge(h));
}

TEST(Delivery, SamePublisherSameTopicArrivesInOrder_MQTT_4_6_0_6) {
  PubSub s;
  auto& h = s.h;
  auto first_published = h.sent(2, publish("a/1", "mh1 first", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/1", "mh1 second", QoS::at_least_once, 2));
  h.received(2, ack<Puback>(2));
  auto second_arrived = h.received(1, publish("a/1", "mh1 second", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  auto first_arrived = h.received(1, publish("a/1", "mh1 first", QoS::at_least_once, 2));
  h.sent(1, ack<Puback>(2));
  EXPECT_VIOLATION(judge(h), "MQTT-4.6.0-6",
                   (Evidence{first_published, first_published + 2, second_arrived, first_arrived}));
}

TEST(Delivery, NoDeliveryAfterUnsubscribe_MQTT_3_10_4_2) {
  PubSub s;
  auto& h = s.h;
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 2;
  unsubscribe.filters = {"a/#"};
  auto removed = h.sent(1, unsubscribe);
  h.received(1, Unsuback{ProtocolVersion::v3_1_1, 2, {}, {}});
  auto published = h.sent(2, publish("a/1", "mh1 late", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 late", QoS::at_least_once, 3));
  EXPECT_VIOLATION(judge(h), "MQTT-3.10.4-2", (Evidence{removed, published, delivered}));
}

TEST(Delivery, WildcardFirstFiltersDoNotMatchDollarTopics_MQTT_4_7_2_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  auto subscribe = h.subscribed(1, 1, "#", QoS::at_most_once) - 1;
  h.connected(2, "pub");
  auto published = h.sent(2, publish("$app/x", "mh1 dollar"));
  auto delivered = h.received(1, publish("$app/x", "mh1 dollar"));
  EXPECT_VIOLATION(judge(h), "MQTT-4.7.2-1", (Evidence{subscribe, published, delivered}));
}

TEST(Delivery, HistoryEndingBeforeTheDeadlineIsUnresolvedNotAFailure) {
  PubSub s;
  s.h.sent(2, publish("a/1", "mh1 soon", QoS::at_least_once, 1));
  s.h.received(2, ack<Puback>(1));
  EXPECT_UNRESOLVED(judge(s.h, /*run_on=*/10 * milliseconds), UnresolvedKind::history_ended,
                    "history ended before the deadline");
}

TEST(Outstanding, ListsWhatTheBrokerStillOwes) {
  PubSub s;
  auto& h = s.h;
  Checker checker;
  auto feed = [&](std::size_t from) {
    for (std::size_t i = from; i < h.history().events.size(); ++i) checker.observe(h.history().events[i]);
    return h.history().events.size();
  };
  auto fed = feed(0);
  EXPECT_TRUE(checker.outstanding().empty());
  h.sent(2, publish("a/1", "mh1 owed", QoS::at_least_once, 1));
  fed = feed(fed);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().statement, "MQTT-4.3.2-2");
  h.received(2, ack<Puback>(1));
  fed = feed(fed);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().statement, "MQTT-4.5.0-1");
  EXPECT_EQ(checker.outstanding().front().connection, 1u);
  h.received(1, publish("a/1", "mh1 owed", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  feed(fed);
  EXPECT_TRUE(checker.outstanding().empty());
}

// ---- indexes: the checker finds subscriptions, messages and duties through indexes, not full scans ---------------

TEST(Indexes, WildcardSubscriptionAddedAfterTheTopicWasSeenIsOwedTheMessage) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "x/+", QoS::at_least_once);  // a wildcard filter that never matches "a/1"
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 early", QoS::at_least_once, 1));  // nobody subscribed: nothing owed
  h.received(2, ack<Puback>(1));
  auto suback = h.subscribed(1, 2, "a/#", QoS::at_least_once);
  auto published = h.sent(2, publish("a/1", "mh1 late", QoS::at_least_once, 2));
  auto owned = h.received(2, ack<Puback>(2));
  const auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-4.5.0-1", (Evidence{suback, published, owned}));
  EXPECT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
}

TEST(Indexes, ExactAndWildcardFiltersOfOneSessionBothCount_MQTT_3_3_5_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/1", QoS::at_most_once);
  auto wildcard_suback = h.subscribed(1, 2, "a/+", QoS::at_least_once);
  h.subscribed(1, 3, "a", QoS::at_least_once);  // an exact filter that does not match "a/1"
  h.connected(2, "pub");
  auto published = h.sent(2, publish("a/1", "mh1 both", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  auto copy = h.received(1, publish("a/1", "mh1 both", QoS::at_most_once));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.5-1", (Evidence{wildcard_suback, published, owned, copy}));

  HistoryBuilder right;
  right.connected(1, "sub");
  right.subscribed(1, 1, "a/1", QoS::at_most_once);
  right.subscribed(1, 2, "a/+", QoS::at_least_once);
  right.connected(2, "pub");
  right.sent(2, publish("a/1", "mh1 both", QoS::at_least_once, 1));
  right.received(2, ack<Puback>(1));
  right.received(1, publish("a/1", "mh1 both", QoS::at_most_once));
  right.received(1, publish("a/1", "mh1 both", QoS::at_least_once, 7));
  right.sent(1, ack<Puback>(7));
  EXPECT_CLEAN(judge(right));
}

TEST(Indexes, SubscriptionPipelinedBeforeConnackEndsWithItsCleanSession_MQTT_3_1_2_6) {
  HistoryBuilder h;
  h.open(1, "sub");
  Connect connect;
  connect.client_id = "sub";
  h.sent(1, connect);
  h.sent(1, HistoryBuilder::subscribe(1, {{"a/#", QoS::at_least_once}}));  // before CONNACK
  h.received(1, Connack{});
  Suback suback;
  suback.packet_id = 1;
  suback.reason_codes = {1};
  h.received(1, suback);
  h.sent(1, Disconnect{});
  auto ended = h.closed(1, CloseReason::local_close);
  h.connected(2, "sub");
  h.connected(3, "pub");
  auto published = h.sent(3, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  h.received(3, ack<Puback>(1));
  auto delivered = h.received(2, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-6", (Evidence{ended, published, delivered}));
}

}  // namespace
}  // namespace mqtt::model::testing
