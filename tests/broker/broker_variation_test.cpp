// Each legal variation, switched on alone, changes the one behaviour it names (the default is shown by
// broker_behaviour_test.cpp). Orders are shown on one connection, where the broker's write order is what the
// client reads; a behaviour held back by variation_hold (50 ms) is shown by a lower bound on its time, which
// no scheduling delay can make fail.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>

#include "broker/broker.hpp"
#include "raw_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;
constexpr auto hold = 50ms;

class BrokerVariation : public ::testing::Test {
 protected:
  void start(Variation variation) {
    BrokerOptions options;
    options.variations.insert(variation);
    broker_ = std::make_unique<EmbeddedBroker>(std::move(options));
  }
  std::unique_ptr<RawClient> client() { return std::make_unique<RawClient>(broker_->port()); }
  std::unique_ptr<RawClient> connected(const std::string& client_id, bool clean_session = true) {
    auto result = client();
    EXPECT_EQ(result->connect(client_id, clean_session).reason_code, 0);
    return result;
  }
  std::unique_ptr<EmbeddedBroker> broker_;
};

Publish expect_publish(RawClient& client, const std::string& topic) {
  const Publish publish = client.expect<Publish>();
  EXPECT_EQ(publish.topic, topic);
  return publish;
}

TEST_F(BrokerVariation, PublishBeforeSuback) {  // permitted by 3.8.4
  start(Variation::publish_before_suback);
  connected("publisher")->publish("r", "retained", QoS::at_least_once, true);
  auto subscriber = connected("subscriber");
  const auto sent = std::chrono::steady_clock::now();
  subscriber->send(Subscribe{ProtocolVersion::v3_1_1, 7, {Subscription{"r", QoS::at_least_once}}, {}});
  const Publish retained = expect_publish(*subscriber, "r");
  EXPECT_TRUE(retained.retain);
  const Suback suback = subscriber->expect<Suback>();
  EXPECT_GE(std::chrono::steady_clock::now() - sent, hold);
  EXPECT_EQ(suback.packet_id, 7);
  EXPECT_EQ(suback.reason_codes, std::vector<std::uint8_t>{1});
}

TEST_F(BrokerVariation, GrantMaxQos1) {  // permitted by 3.8.4
  start(Variation::grant_max_qos_1);
  auto subscriber = connected("subscriber");
  EXPECT_EQ(subscriber->subscribe("t", QoS::exactly_once).reason_codes, std::vector<std::uint8_t>{1});
  connected("publisher")->publish("t", "two", QoS::exactly_once);
  EXPECT_EQ(expect_publish(*subscriber, "t").qos, QoS::at_least_once);
}

TEST_F(BrokerVariation, GrantMaxQos0) {  // permitted by 3.8.4
  start(Variation::grant_max_qos_0);
  auto subscriber = connected("subscriber");
  EXPECT_EQ(subscriber->subscribe("t", QoS::at_least_once).reason_codes, std::vector<std::uint8_t>{0});
  connected("publisher")->publish("t", "one", QoS::at_least_once);
  EXPECT_EQ(expect_publish(*subscriber, "t").qos, QoS::at_most_once);
}

TEST_F(BrokerVariation, LateUnsuback) {  // permitted by 3.10.4
  start(Variation::late_unsuback);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("t", QoS::at_most_once);
  const auto sent = std::chrono::steady_clock::now();
  // One write, so the broker reads both at once: the PINGRESP is answered while the UNSUBACK is held back.
  Bytes both = encode(Unsubscribe{ProtocolVersion::v3_1_1, 9, {"t"}, {}});
  const Bytes ping = encode(Pingreq{ProtocolVersion::v3_1_1});
  both.insert(both.end(), ping.begin(), ping.end());
  subscriber->send_bytes(both);
  subscriber->expect<Pingresp>();
  auto publisher = connected("publisher");
  publisher->publish("t", "after unsubscribe", QoS::at_least_once);
  EXPECT_EQ(subscriber->expect<Unsuback>().packet_id, 9);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, hold);
  subscriber->ping();  // nothing on "t" came before this answer: delivery stopped on UNSUBSCRIBE
}

TEST_F(BrokerVariation, OverlapOneCopyPerSubscription) {  // permitted by 3.3.5
  start(Variation::overlap_one_copy_per_subscription);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("a/#", QoS::at_most_once);
  subscriber->subscribe("a/b", QoS::at_least_once, 2);
  connected("publisher")->publish("a/b", "twice", QoS::at_least_once);
  std::multiset<QoS> copies{expect_publish(*subscriber, "a/b").qos, expect_publish(*subscriber, "a/b").qos};
  EXPECT_EQ(copies, (std::multiset<QoS>{QoS::at_most_once, QoS::at_least_once}));
}

TEST_F(BrokerVariation, DuplicateDowngradedQos0) {  // permitted by 3.8.4
  start(Variation::duplicate_downgraded_qos0);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("t", QoS::at_most_once);
  connected("publisher")->publish("t", "copied", QoS::at_least_once);
  EXPECT_EQ(text(expect_publish(*subscriber, "t").payload), "copied");
  EXPECT_EQ(text(expect_publish(*subscriber, "t").payload), "copied");
}

TEST_F(BrokerVariation, PubackBeforeDeliver) {  // permitted by 4.3.2
  start(Variation::puback_before_deliver);
  auto client = connected("self");
  client->subscribe("t", QoS::at_least_once);
  const auto sent = std::chrono::steady_clock::now();
  client->send(Publish{ProtocolVersion::v3_1_1, false, QoS::at_least_once, false, "t", 5, Bytes{'x'}, {}});
  EXPECT_EQ(client->expect<Puback>().packet_id, 5);  // by default its own copy would come first
  expect_publish(*client, "t");
  EXPECT_GE(std::chrono::steady_clock::now() - sent, hold);
}

TEST_F(BrokerVariation, Qos2DeliverOnPubrel) {  // permitted by 4.3.3 (method A)
  start(Variation::qos2_deliver_on_pubrel);
  auto client = connected("self");
  client->subscribe("t", QoS::exactly_once);
  client->send(Publish{ProtocolVersion::v3_1_1, false, QoS::exactly_once, false, "t", 5, Bytes{'x'}, {}});
  EXPECT_EQ(client->expect<Pubrec>().packet_id, 5);
  client->ping();  // no copy yet: by default it would have come before the PUBREC
  client->send(Publish{ProtocolVersion::v3_1_1, true, QoS::exactly_once, false, "t", 5, Bytes{'x'}, {}});
  EXPECT_EQ(client->expect<Pubrec>().packet_id, 5);  // a re-send is acknowledged, not held twice
  client->send(Pubrel{ProtocolVersion::v3_1_1, 5, 0, {}});
  const Publish copy = expect_publish(*client, "t");
  EXPECT_EQ(copy.qos, QoS::exactly_once);
  EXPECT_EQ(client->expect<Pubcomp>().packet_id, 5);
  client->send(Pubrec{ProtocolVersion::v3_1_1, *copy.packet_id, 0, {}});
  client->expect<Pubrel>();
  client->send(Pubcomp{ProtocolVersion::v3_1_1, *copy.packet_id, 0, {}});
  client->ping();  // exactly one copy
}

TEST_F(BrokerVariation, QueueQos0Offline) {  // permitted by 3.1.2.4
  start(Variation::queue_qos0_offline);
  {
    auto subscriber = connected("away", false);
    subscriber->subscribe("t", QoS::at_most_once);
    subscriber->disconnect();
    EXPECT_TRUE(subscriber->closed_within());
  }
  connected("publisher")->publish("t", "while away", QoS::at_most_once);
  auto subscriber = client();
  EXPECT_TRUE(subscriber->connect("away", false).session_present);
  const Publish queued = expect_publish(*subscriber, "t");
  EXPECT_EQ(text(queued.payload), "while away");
  EXPECT_EQ(queued.qos, QoS::at_most_once);
}

TEST_F(BrokerVariation, ResendPublishBeforePubrel) {  // permitted by 4.4 and 4.6
  start(Variation::resend_publish_before_pubrel);
  std::uint16_t released = 0;
  std::uint16_t unreceived = 0;
  {
    auto subscriber = connected("halfway", false);
    subscriber->subscribe("x", QoS::exactly_once);
    auto publisher = connected("publisher");
    publisher->publish("x", "first", QoS::exactly_once, false, 1);
    publisher->publish("x", "second", QoS::exactly_once, false, 2);
    released = *expect_publish(*subscriber, "x").packet_id;
    unreceived = *expect_publish(*subscriber, "x").packet_id;
    subscriber->send(Pubrec{ProtocolVersion::v3_1_1, released, 0, {}});
    EXPECT_EQ(subscriber->expect<Pubrel>().packet_id, released);
    subscriber->close_abruptly();
  }
  // In flight: the first awaits PUBCOMP (sent before the second by default), the second awaits PUBREC.
  auto subscriber = client();
  subscriber->connect("halfway", false);
  const Publish again = expect_publish(*subscriber, "x");
  EXPECT_EQ(*again.packet_id, unreceived);
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(subscriber->expect<Pubrel>().packet_id, released);
}

TEST_F(BrokerVariation, TakeoverConnackFirst) {  // permitted by 3.1.4
  start(Variation::takeover_connack_first);
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto older = client();
  Connect connect;
  connect.client_id = "twin";
  connect.will = Will{"will/twin", Bytes{'g', 'o', 'n', 'e'}, QoS::at_most_once, false, {}};
  older->connect(connect);
  auto newer = client();
  const auto sent = std::chrono::steady_clock::now();
  EXPECT_EQ(newer->connect("twin").reason_code, 0);
  EXPECT_TRUE(older->closed_within());
  EXPECT_GE(std::chrono::steady_clock::now() - sent, hold);  // closed only after the new CONNACK was written
  EXPECT_EQ(text(expect_publish(*watcher, "will/twin").payload), "gone");
  newer->ping();
}

TEST_F(BrokerVariation, RetainedQos0Discarded) {  // permitted by 3.3.1.3
  start(Variation::retained_qos0_discarded);
  auto publisher = connected("publisher");
  publisher->publish("r", "kept", QoS::at_least_once, true);
  publisher->publish("r", "replaces, then gone", QoS::at_most_once, true);
  publisher->ping();
  auto subscriber = connected("subscriber");
  subscriber->subscribe("r", QoS::at_least_once);
  subscriber->ping();  // no retained message came first: the old one was deleted, the new one not kept
  publisher->publish("r", "kept again", QoS::at_least_once, true);
  auto late = connected("late");
  late->subscribe("r", QoS::at_least_once);
  EXPECT_EQ(text(expect_publish(*late, "r").payload), "kept again");  // QoS 1 retained messages are kept
}

TEST_F(BrokerVariation, KeepaliveWholeSeconds) {  // 3.1.2.10 with a one-second sweep
  start(Variation::keepalive_whole_seconds);
  auto silent = client();
  Connect connect;
  connect.client_id = "silent";
  connect.keep_alive = 1;
  const auto sent = std::chrono::steady_clock::now();  // the broker shares this process's steady clock
  silent->connect(connect);
  EXPECT_TRUE(silent->closed_within(5s));
  const auto closed = std::chrono::steady_clock::now();
  // The broker saw the CONNECT no earlier than `sent`, so its first whole-second tick past 1.5 s is no earlier
  // than this one.
  const auto earliest_tick = std::chrono::ceil<std::chrono::seconds>((sent + 1500ms).time_since_epoch());
  EXPECT_GE(closed.time_since_epoch(), earliest_tick);
  EXPECT_LT(closed - sent, 3500ms);
}

}  // namespace
}  // namespace mqtt::broker
