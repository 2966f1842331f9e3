// QoS 0 delivery can fail: once a later answer on the publisher's connection proves the broker read a QoS 0
// PUBLISH, every connected session with a definite matching subscription is owed a copy [MQTT-4.5.0-1]. Without
// that proof nothing is owed, and queueing QoS 0 for an offline session stays the broker's choice.
#include <gtest/gtest.h>

#include "history_builder.hpp"
#include "model/checker.hpp"
#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::Evidence;
using testing::find;
using testing::HistoryBuilder;
using testing::judge;
using testing::listing;
using testing::milliseconds;
using testing::seconds;

// A subscriber on connection 1 holding "t/+/x" at QoS 0, and a publisher on connection 2.
struct Qos0 {
  HistoryBuilder h;
  std::uint64_t suback = 0;
  explicit Qos0(bool clean = true) {
    h.connected(1, "backend", clean);
    suback = h.subscribed(1, 1, "t/+/x", QoS::at_most_once);
    h.connected(2, "device");
  }
  // PINGREQ/PINGRESP on the publisher's connection: the broker has read everything sent before it.
  std::uint64_t barrier() {
    h.sent(2, Pingreq{});
    return h.received(2, Pingresp{});
  }
};

TEST(Qos0Delivery, AProvenReadPublishThatNeverArrivesBreaks_MQTT_4_5_0_1) {
  Qos0 s;
  const auto published = s.h.sent(2, HistoryBuilder::publish("t//x", "mh1 empty level"));
  const auto proven = s.barrier();
  s.h.after(2 * seconds);
  const auto closed = s.h.closed(1, CloseReason::local_close);
  EXPECT_VIOLATION(judge(s.h), "MQTT-4.5.0-1", (Evidence{proven, s.suback, published, closed}));
}

TEST(Qos0Delivery, ACopyAtQos0SettlesIt) {
  Qos0 s;
  s.h.sent(2, HistoryBuilder::publish("t//x", "mh1 empty level"));
  s.barrier();
  s.h.received(1, HistoryBuilder::publish("t//x", "mh1 empty level"));
  s.h.after(2 * seconds);
  s.h.closed(1, CloseReason::local_close);
  EXPECT_SETTLED(judge(s.h));
}

TEST(Qos0Delivery, WithoutProofThatTheBrokerReadItNothingIsOwed) {
  Qos0 s;
  s.h.sent(2, HistoryBuilder::publish("t//x", "mh1 empty level"));
  s.h.after(2 * seconds);
  s.h.closed(1, CloseReason::local_close);
  EXPECT_SETTLED(judge(s.h));
}

TEST(Qos0Delivery, ANonMatchingTopicIsNotOwed) {
  Qos0 s;
  s.h.sent(2, HistoryBuilder::publish("t/a/b/x", "mh1 two levels"));
  s.barrier();
  s.h.after(2 * seconds);
  s.h.closed(1, CloseReason::local_close);
  EXPECT_SETTLED(judge(s.h));
}

TEST(Qos0Delivery, AnOfflinePersistentSessionIsNotOwedQos0) {
  Qos0 s(/*clean=*/false);
  s.h.sent(1, Disconnect{});
  s.h.closed(1, CloseReason::local_close);
  s.h.sent(2, HistoryBuilder::publish("t/a/x", "mh1 while away"));
  s.barrier();
  s.h.connected(3, "backend", false, /*session_present=*/true);
  s.h.after(2 * seconds);
  s.h.closed(3, CloseReason::local_close);
  EXPECT_SETTLED(judge(s.h));
}

TEST(Qos0Delivery, AFaultOnTheSubscribersConnectionExcusesTheLoss) {
  Qos0 s;
  s.h.fault(1, "blackhole");
  s.h.sent(2, HistoryBuilder::publish("t/a/x", "mh1 lost"));
  s.barrier();
  s.h.after(2 * seconds);
  s.h.closed(1, CloseReason::local_close);
  EXPECT_CLEAN(judge(s.h));
}

}  // namespace
}  // namespace mqtt::model
