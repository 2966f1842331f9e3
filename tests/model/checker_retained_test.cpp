// MQTT 3.1.1 retained messages: the copy a new subscription is owed, the RETAIN flag, replacing and deleting.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

// ---- Retained messages -------------------------------------------------------------------------------------------

struct Retained {
  HistoryBuilder h;
  std::uint64_t published = 0;
  std::uint64_t owned = 0;
  Retained() {
    h.connected(2, "pub");
    published = h.sent(2, publish("r/1", "mh1 kept", QoS::at_least_once, 1, /*retain=*/true));
    owned = h.received(2, ack<Puback>(1));
    h.connected(1, "sub");
  }
};

TEST(Retained, NewSubscriptionGetsTheRetainedMessage_MQTT_3_3_1_6) {
  Retained r;
  auto subscribe = r.h.sent(1, HistoryBuilder::subscribe(1, {{"r/#", QoS::at_least_once}}));
  auto suback = r.h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-6", (Evidence{r.published, r.owned, subscribe, suback}));

  Retained right;
  right.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  right.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  right.h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Retained, AnswerToNewSubscriptionCarriesRetain1_MQTT_3_3_1_8) {
  Retained r;
  auto subscribe = r.h.sent(1, HistoryBuilder::subscribe(1, {{"r/#", QoS::at_least_once}}));
  r.h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  auto delivered = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, /*retain=*/false));
  r.h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-8", (Evidence{r.published, delivered, subscribe}));
}

TEST(Retained, ExistingSubscriptionsGetRetain0_MQTT_3_3_1_9) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 live", QoS::at_least_once, 1, /*retain=*/true));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 live", QoS::at_least_once, 2, /*retain=*/true));
  h.sent(1, ack<Puback>(2));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.1-9", (Evidence{published, delivered}));
}

TEST(Retained, EmptyRetainedMessageDeletes_MQTT_3_3_1_10) {
  Retained r;
  auto deleted = r.h.sent(2, publish("r/1", "", QoS::at_least_once, 2, true));
  r.h.received(2, ack<Puback>(2));
  r.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  auto stale = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  r.h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-10", (Evidence{r.published, deleted, stale}));
}

TEST(Retained, NewerRetainedMessageReplaces_MQTT_3_3_1_5) {
  Retained r;
  auto replacement = r.h.sent(2, publish("r/1", "mh1 newer", QoS::at_least_once, 2, true));
  r.h.received(2, ack<Puback>(2));
  r.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  auto stale = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  r.h.sent(1, ack<Puback>(1));
  auto verdicts = judge(r.h);
  EXPECT_VIOLATION(verdicts, "MQTT-3.3.1-5", (Evidence{r.published, replacement, stale}));
}

TEST(Retained, UnknownPriorStateIsNotJudged) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "old/#", QoS::at_least_once);
  h.received(1, publish("old/x", "from before the capture", QoS::at_least_once, 1, true));
  h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(h));
}

}  // namespace
}  // namespace mqtt::model::testing
