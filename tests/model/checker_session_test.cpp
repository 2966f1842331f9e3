// MQTT 3.1.1 sessions and wills: offline queues, re-sends with DUP, faults, a will on an abnormal close only.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

using history::CloseReason;

// ---- Sessions ----------------------------------------------------------------------------------------------------

struct Offline {
  HistoryBuilder h;
  std::uint64_t suback = 0;
  std::uint64_t published = 0;
  std::uint64_t owned = 0;
  std::uint64_t resumed = 0;
  Offline() {
    h.connected(1, "sub", /*clean=*/false);
    suback = h.subscribed(1, 1, "a/#", QoS::at_least_once);
    h.sent(1, Disconnect{});
    h.closed(1, CloseReason::local_close);
    h.connected(2, "pub");
    published = h.sent(2, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
    owned = h.received(2, ack<Puback>(1));
    resumed = h.connected(3, "sub", false, /*session_present=*/true);
  }
};

TEST(Sessions, PersistentSessionQueuesQoS1WhileOffline_MQTT_3_1_2_5) {
  Offline o;
  EXPECT_VIOLATION(judge(o.h), "MQTT-3.1.2-5", (Evidence{o.suback, o.published, o.owned, o.resumed}));

  Offline right;
  right.h.received(3, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
  right.h.sent(3, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Sessions, CleanSessionDiscardsSubscriptions_MQTT_3_1_2_6) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.sent(1, Disconnect{});
  auto ended = h.closed(1, CloseReason::local_close);
  h.connected(2, "sub");
  h.connected(3, "pub");
  auto published = h.sent(3, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  h.received(3, ack<Puback>(1));
  auto delivered = h.received(2, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-6", (Evidence{ended, published, delivered}));
}

TEST(Sessions, UnacknowledgedMessagesAreResentWithDup_MQTT_4_4_0_1) {
  HistoryBuilder h;
  h.connected(1, "sub", false);
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 again", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto first = h.received(1, publish("a/1", "mh1 again", QoS::at_least_once, 7));
  h.closed(1, CloseReason::local_abort);  // no PUBACK
  auto resumed = h.connected(3, "sub", false, true);
  EXPECT_VIOLATION(judge(h), "MQTT-4.4.0-1", (Evidence{first, resumed}));

  HistoryBuilder right;
  right.connected(1, "sub", false);
  right.subscribed(1, 1, "a/#", QoS::at_least_once);
  right.connected(2, "pub");
  right.sent(2, publish("a/1", "mh1 again", QoS::at_least_once, 1));
  right.received(2, ack<Puback>(1));
  right.received(1, publish("a/1", "mh1 again", QoS::at_least_once, 7));
  right.closed(1, CloseReason::local_abort);
  right.connected(3, "sub", false, true);
  right.received(3, publish("a/1", "mh1 again", QoS::at_least_once, 7, false, /*dup=*/true));
  right.sent(3, ack<Puback>(7));
  EXPECT_CLEAN(judge(right));
}

TEST(Sessions, FaultDoesNotExcuseLossForAPersistentSessionThatReconnects) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  auto suback = h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.fault(1, "partition");
  h.closed(1, CloseReason::reset);
  h.connected(2, "pub");
  auto published = h.sent(2, publish("a/1", "mh1 kept", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  auto resumed = h.connected(3, "sub", false, true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-5", (Evidence{suback, published, owned, resumed}));
}

TEST(Faults, QoS0LossUnderPartitionIsNeverAViolation) {
  PubSub s;
  s.h.fault(1, "partition");
  s.h.sent(2, publish("a/1", "mh1 dropped", QoS::at_most_once));
  s.h.closed(1, CloseReason::reset);
  EXPECT_CLEAN(judge(s.h));
}

// ---- Will --------------------------------------------------------------------------------------------------------

TEST(Will, PublishedWhenTheConnectionDropsWithoutDisconnect_MQTT_3_1_2_8) {
  PubSub s;
  auto& h = s.h;
  auto connack = h.connected(3, "dying", true, false, will_on("a/will", "mh1 gone"));
  auto dropped = h.closed(3, CloseReason::local_abort);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-8", (Evidence{s.suback, connack - 1, dropped}));

  PubSub right;
  right.h.connected(3, "dying", true, false, will_on("a/will", "mh1 gone"));
  right.h.closed(3, CloseReason::local_abort);
  right.h.received(1, publish("a/will", "mh1 gone", QoS::at_least_once, 1));
  right.h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Will, NotPublishedAfterDisconnect_MQTT_3_14_4_3) {
  PubSub s;
  auto& h = s.h;
  h.connected(3, "leaving", true, false, will_on("a/will", "mh1 gone"));
  auto disconnect = h.sent(3, Disconnect{});
  h.closed(3, CloseReason::local_close);
  auto delivered = h.received(1, publish("a/will", "mh1 gone", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.14.4-3", (Evidence{disconnect, delivered}));
}

// Keep alive: tests/model/keepalive_test.cpp.
}  // namespace
}  // namespace mqtt::model::testing
