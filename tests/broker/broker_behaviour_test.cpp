// The embedded broker against MQTT 3.1.1, through real loopback sockets. Each test names the statements it
// exercises. Waits are bounded by deadlines; "nothing arrived" is shown by a later marker arriving first.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "broker/broker.hpp"
#include "raw_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerBehaviour : public ::testing::Test {
 protected:
  void start(BrokerOptions options = {}) { broker_ = std::make_unique<EmbeddedBroker>(std::move(options)); }
  void SetUp() override { start(); }
  std::unique_ptr<RawClient> client() { return std::make_unique<RawClient>(broker_->port()); }
  std::unique_ptr<RawClient> connected(const std::string& client_id, bool clean_session = true) {
    auto result = client();
    const Connack connack = result->connect(client_id, clean_session);
    EXPECT_EQ(connack.reason_code, 0);
    return result;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

Publish expect_publish(RawClient& client, const std::string& topic) {
  const Publish publish = client.expect<Publish>();
  EXPECT_EQ(publish.topic, topic);
  return publish;
}

TEST_F(BrokerBehaviour, AcceptsConnectWithSessionPresent0ForCleanSession) {  // MQTT-3.2.2-1
  auto subscriber = client();
  const Connack connack = subscriber->connect("alpha");
  EXPECT_EQ(connack.reason_code, 0);
  EXPECT_FALSE(connack.session_present);
  EXPECT_NE(broker_->port(), 0);
}

TEST_F(BrokerBehaviour, AnswersUnsupportedProtocolLevelWith0x01AndCloses) {  // MQTT-3.1.2-2
  auto peer = client();
  RawPacket connect;
  connect.first_byte = 0x10;
  append_string(connect.body, "MQTT");
  connect.body.push_back(0x07);  // protocol level 7
  connect.body.push_back(0x02);  // clean session
  append_u16(connect.body, 60);
  append_string(connect.body, "level7");
  peer->send_bytes(connect.encode());
  EXPECT_EQ(peer->expect<Connack>().reason_code, 0x01);
  EXPECT_TRUE(peer->closed_within());
}

TEST_F(BrokerBehaviour, RejectsEmptyClientIdWithPersistentSession) {  // MQTT-3.1.3-8
  auto peer = client();
  const Connack connack = peer->connect("", false);
  EXPECT_EQ(connack.reason_code, 0x02);
  EXPECT_FALSE(connack.session_present);
  EXPECT_TRUE(peer->closed_within());
}

TEST_F(BrokerBehaviour, AcceptsEmptyClientIdWithCleanSession) {  // MQTT-3.1.3-6
  auto peer = client();
  EXPECT_EQ(peer->connect("", true).reason_code, 0);
  peer->ping();
}

TEST_F(BrokerBehaviour, ChecksCredentialsWhenConfigured) {
  BrokerOptions options;
  options.credentials = std::map<std::string, std::string>{{"user", "secret"}};
  start(options);
  Connect connect;
  connect.client_id = "credentials";
  EXPECT_EQ(client()->connect(connect).reason_code, 0x05);
  connect.username = "user";
  connect.password = Bytes{'w', 'r', 'o', 'n', 'g'};
  EXPECT_EQ(client()->connect(connect).reason_code, 0x04);
  connect.password = Bytes{'s', 'e', 'c', 'r', 'e', 't'};
  EXPECT_EQ(client()->connect(connect).reason_code, 0x00);
}

TEST_F(BrokerBehaviour, SpeaksMqtt31ToMqIsdpClients) {
  RawClient peer(broker_->port(), ProtocolVersion::v3_1);
  EXPECT_EQ(peer.connect("legacy").reason_code, 0);
  EXPECT_EQ(peer.subscribe("legacy/topic", QoS::at_least_once).reason_codes, std::vector<std::uint8_t>{1});
  peer.publish("legacy/topic", "hello", QoS::at_most_once);  // to itself: no acknowledgement to interleave
  const Publish publish = expect_publish(peer, "legacy/topic");
  EXPECT_EQ(publish.version, ProtocolVersion::v3_1);
  EXPECT_EQ(text(publish.payload), "hello");
}

TEST_F(BrokerBehaviour, DeliversAtEachQosAndCompletesTheAcknowledgementFlows) {  // MQTT-4.3.2-2, MQTT-4.3.3-2
  auto subscriber = connected("subscriber");
  EXPECT_EQ(subscriber->subscribe("q/#", QoS::exactly_once).reason_codes, std::vector<std::uint8_t>{2});
  auto publisher = connected("publisher");
  publisher->publish("q/0", "zero", QoS::at_most_once);
  publisher->publish("q/1", "one", QoS::at_least_once, false, 11);
  publisher->publish("q/2", "two", QoS::exactly_once, false, 12);

  const Publish zero = expect_publish(*subscriber, "q/0");
  EXPECT_EQ(zero.qos, QoS::at_most_once);
  EXPECT_FALSE(zero.packet_id.has_value());
  const Publish one = expect_publish(*subscriber, "q/1");
  EXPECT_EQ(one.qos, QoS::at_least_once);
  EXPECT_FALSE(one.dup);
  subscriber->send(Puback{ProtocolVersion::v3_1_1, *one.packet_id, 0, {}});
  const Publish two = expect_publish(*subscriber, "q/2");
  EXPECT_EQ(two.qos, QoS::exactly_once);
  EXPECT_EQ(text(two.payload), "two");
  subscriber->send(Pubrec{ProtocolVersion::v3_1_1, *two.packet_id, 0, {}});
  EXPECT_EQ(subscriber->expect<Pubrel>().packet_id, *two.packet_id);
  subscriber->send(Pubcomp{ProtocolVersion::v3_1_1, *two.packet_id, 0, {}});
  subscriber->ping();
}

TEST_F(BrokerBehaviour, DowngradesToTheGrantedQos) {  // MQTT-3.8.4-6
  auto subscriber = connected("subscriber");
  subscriber->subscribe("d", QoS::at_least_once);
  connected("publisher")->publish("d", "x", QoS::exactly_once);
  EXPECT_EQ(expect_publish(*subscriber, "d").qos, QoS::at_least_once);
}

TEST_F(BrokerBehaviour, GrantsAtMostTheConfiguredMaximumQos) {
  BrokerOptions options;
  options.maximum_qos = QoS::at_least_once;
  start(options);
  auto subscriber = connected("subscriber");
  EXPECT_EQ(subscriber->subscribe("m", QoS::exactly_once).reason_codes, std::vector<std::uint8_t>{1});
}

TEST_F(BrokerBehaviour, QoS2ReSentBeforePubrelIsDeliveredOnce) {  // MQTT-4.3.3-2
  auto subscriber = connected("subscriber");
  subscriber->subscribe("once", QoS::at_most_once);
  auto publisher = connected("publisher");
  Publish publish{ProtocolVersion::v3_1_1, false, QoS::exactly_once, false, "once", 5, {'1'}, {}};
  publisher->send(publish);
  EXPECT_EQ(publisher->expect<Pubrec>().packet_id, 5);
  publish.dup = true;
  publisher->send(publish);
  EXPECT_EQ(publisher->expect<Pubrec>().packet_id, 5);
  publisher->send(Pubrel{ProtocolVersion::v3_1_1, 5, 0, {}});
  EXPECT_EQ(publisher->expect<Pubcomp>().packet_id, 5);
  publisher->publish("once", "marker");
  EXPECT_EQ(text(expect_publish(*subscriber, "once").payload), "1");
  EXPECT_EQ(text(expect_publish(*subscriber, "once").payload), "marker");
}

TEST_F(BrokerBehaviour, RetainedMessagesFollowTheRetainRules) {  // MQTT-3.3.1-6, -8, -9, -10
  auto existing = connected("existing");
  existing->subscribe("r/#", QoS::at_least_once);
  auto publisher = connected("publisher");
  publisher->publish("r/a", "kept", QoS::at_least_once, true);

  const Publish live = expect_publish(*existing, "r/a");
  EXPECT_FALSE(live.retain);  // established subscription: RETAIN=0
  existing->send(Puback{ProtocolVersion::v3_1_1, *live.packet_id, 0, {}});

  auto newcomer = connected("newcomer");
  newcomer->subscribe("r/+", QoS::exactly_once);
  const Publish stored = expect_publish(*newcomer, "r/a");
  EXPECT_TRUE(stored.retain);
  EXPECT_EQ(stored.qos, QoS::at_least_once);  // min(stored QoS 1, granted 2)
  EXPECT_EQ(text(stored.payload), "kept");

  publisher->publish("r/a", "", QoS::at_least_once, true);  // deletes; QoS 1 so it is processed before we go on
  publisher->publish("r/b", "marker", QoS::at_least_once, true);
  auto late = connected("late");
  late->subscribe("r/#", QoS::at_most_once);
  const Publish only = expect_publish(*late, "r/b");
  EXPECT_EQ(text(only.payload), "marker");
}

TEST_F(BrokerBehaviour, IdenticalFilterReplacesTheSubscription) {  // MQTT-3.8.4-3
  auto subscriber = connected("subscriber");
  subscriber->subscribe("s", QoS::at_most_once, 1);
  subscriber->subscribe("s", QoS::exactly_once, 2);
  connected("publisher")->publish("s", "x", QoS::exactly_once);
  EXPECT_EQ(expect_publish(*subscriber, "s").qos, QoS::exactly_once);
}

TEST_F(BrokerBehaviour, UnsubscribeStopsDeliveryAndIsAlwaysAcknowledged) {  // MQTT-3.10.4-2, -4, -5
  auto subscriber = connected("subscriber");
  subscriber->subscribe("u/1", QoS::at_most_once);
  subscriber->subscribe("u/2", QoS::at_most_once, 2);
  subscriber->send(Unsubscribe{ProtocolVersion::v3_1_1, 3, {"u/1"}, {}});
  EXPECT_EQ(subscriber->expect<Unsuback>().packet_id, 3);
  subscriber->send(Unsubscribe{ProtocolVersion::v3_1_1, 4, {"never/subscribed"}, {}});
  EXPECT_EQ(subscriber->expect<Unsuback>().packet_id, 4);
  auto publisher = connected("publisher");
  publisher->publish("u/1", "gone");
  publisher->publish("u/2", "marker");
  EXPECT_EQ(text(expect_publish(*subscriber, "u/2").payload), "marker");
}

TEST_F(BrokerBehaviour, PersistentSessionQueuesQos1And2ButNotQos0) {  // MQTT-3.1.2-4, MQTT-3.1.2-5, MQTT-3.2.2-2
  {
    auto subscriber = connected("sleeper", false);
    subscriber->subscribe("p", QoS::exactly_once);
    subscriber->disconnect();
    EXPECT_TRUE(subscriber->closed_within());
  }
  auto publisher = connected("publisher");
  publisher->publish("p", "zero", QoS::at_most_once);
  publisher->publish("p", "one", QoS::at_least_once);
  publisher->publish("p", "two", QoS::exactly_once);

  auto subscriber = client();
  EXPECT_TRUE(subscriber->connect("sleeper", false).session_present);
  const Publish one = expect_publish(*subscriber, "p");  // QoS 0 was not queued
  EXPECT_EQ(text(one.payload), "one");
  EXPECT_EQ(one.qos, QoS::at_least_once);
  const Publish two = expect_publish(*subscriber, "p");
  EXPECT_EQ(text(two.payload), "two");
  EXPECT_EQ(two.qos, QoS::exactly_once);
}

TEST_F(BrokerBehaviour, CleanSessionDiscardsTheStoredSession) {  // MQTT-3.1.2-6, MQTT-3.2.2-1
  {
    auto subscriber = connected("forgetful", false);
    subscriber->subscribe("f", QoS::at_least_once);
    subscriber->disconnect();
    EXPECT_TRUE(subscriber->closed_within());
  }
  auto subscriber = client();
  EXPECT_FALSE(subscriber->connect("forgetful", true).session_present);
  subscriber->subscribe("marker", QoS::at_most_once);
  auto publisher = connected("publisher");
  publisher->publish("f", "old subscription");
  publisher->publish("marker", "marker");
  EXPECT_EQ(text(expect_publish(*subscriber, "marker").payload), "marker");
}

TEST_F(BrokerBehaviour, RedeliversUnacknowledgedMessagesWithDupOnReconnect) {  // MQTT-4.4.0-1, MQTT-3.3.1-1
  std::uint16_t first_id = 0;
  {
    auto subscriber = connected("forgetter", false);
    subscriber->subscribe("x", QoS::at_least_once);
    connected("publisher")->publish("x", "unacknowledged", QoS::at_least_once);
    const Publish first = expect_publish(*subscriber, "x");
    EXPECT_FALSE(first.dup);
    first_id = *first.packet_id;
    subscriber->close_abruptly();
  }
  auto subscriber = client();
  EXPECT_TRUE(subscriber->connect("forgetter", false).session_present);
  const Publish again = expect_publish(*subscriber, "x");
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(*again.packet_id, first_id);
  EXPECT_EQ(text(again.payload), "unacknowledged");
}

TEST_F(BrokerBehaviour, ResendsPubrelForMessagesAwaitingPubcomp) {  // MQTT-4.4.0-1
  std::uint16_t id = 0;
  {
    auto subscriber = connected("halfway", false);
    subscriber->subscribe("x", QoS::exactly_once);
    connected("publisher")->publish("x", "two", QoS::exactly_once);
    id = *expect_publish(*subscriber, "x").packet_id;
    subscriber->send(Pubrec{ProtocolVersion::v3_1_1, id, 0, {}});
    EXPECT_EQ(subscriber->expect<Pubrel>().packet_id, id);
    subscriber->close_abruptly();
  }
  auto subscriber = client();
  subscriber->connect("halfway", false);
  EXPECT_EQ(subscriber->expect<Pubrel>().packet_id, id);
}

TEST_F(BrokerBehaviour, KeepsPublicationOrderPerSubscriber) {  // MQTT-4.6.0-6
  auto subscriber = connected("ordered");
  subscriber->subscribe("o", QoS::at_least_once);
  auto publisher = connected("publisher");
  for (int i = 0; i < 100; ++i) publisher->publish("o", std::to_string(i), QoS::at_least_once, false, static_cast<std::uint16_t>(i + 1));
  for (int i = 0; i < 100; ++i) {
    const Publish publish = expect_publish(*subscriber, "o");
    ASSERT_EQ(text(publish.payload), std::to_string(i));
    subscriber->send(Puback{ProtocolVersion::v3_1_1, *publish.packet_id, 0, {}});
  }
}

TEST_F(BrokerBehaviour, DollarTopicsAreNotMatchedByLeadingWildcards) {  // MQTT-4.7.2-1
  auto subscriber = connected("watcher");
  subscriber->subscribe("#", QoS::at_most_once);
  auto publisher = connected("publisher");
  publisher->publish("$internal/x", "hidden");
  publisher->publish("visible", "marker");
  EXPECT_EQ(expect_publish(*subscriber, "visible").topic, "visible");
}

Connect with_will(const std::string& client_id, const std::string& topic, QoS qos = QoS::at_most_once,
                  bool retain = false, std::uint16_t keep_alive = 60) {
  Connect connect;
  connect.client_id = client_id;
  connect.keep_alive = keep_alive;
  connect.will = Will{topic, Bytes{'g', 'o', 'n', 'e'}, qos, retain, {}};
  return connect;
}

TEST_F(BrokerBehaviour, PublishesTheWillOnAbruptClose) {  // MQTT-3.1.2-8
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::exactly_once);
  auto dying = client();
  dying->connect(with_will("dying", "will/dying", QoS::at_least_once));
  dying->close_abruptly();
  const Publish will = expect_publish(*watcher, "will/dying");
  EXPECT_EQ(text(will.payload), "gone");
  EXPECT_EQ(will.qos, QoS::at_least_once);
}

TEST_F(BrokerBehaviour, RetainsTheWillWhenWillRetainIsSet) {  // MQTT-3.1.2-16, MQTT-3.1.2-17
  auto watcher = connected("watcher");
  watcher->subscribe("will/retained", QoS::at_most_once);
  auto dying = client();
  dying->connect(with_will("dying", "will/retained", QoS::at_most_once, true));
  dying->close_abruptly();
  EXPECT_FALSE(expect_publish(*watcher, "will/retained").retain);  // established subscription: RETAIN=0
  auto newcomer = connected("newcomer");
  newcomer->subscribe("will/retained", QoS::at_most_once);
  EXPECT_TRUE(expect_publish(*newcomer, "will/retained").retain);
}

TEST_F(BrokerBehaviour, DiscardsTheWillOnDisconnect) {  // MQTT-3.14.4-3
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto leaving = client();
  leaving->connect(with_will("leaving", "will/leaving"));
  leaving->disconnect();
  EXPECT_TRUE(leaving->closed_within());
  connected("publisher")->publish("will/marker", "marker");
  EXPECT_EQ(expect_publish(*watcher, "will/marker").topic, "will/marker");
}

TEST_F(BrokerBehaviour, ClosesSilentClientsAfterOneAndAHalfKeepAlives) {  // MQTT-3.1.2-24
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto silent = client();
  const auto started = std::chrono::steady_clock::now();
  silent->connect(with_will("silent", "will/silent", QoS::at_most_once, false, 1));
  EXPECT_TRUE(silent->closed_within(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1400ms);
  expect_publish(*watcher, "will/silent");
}

TEST_F(BrokerBehaviour, SecondConnectionWithTheSameClientIdTakesOver) {  // MQTT-3.1.4-2
  auto first = connected("twin");
  auto second = connected("twin");
  EXPECT_TRUE(first->closed_within());
  second->ping();
}

class BrokerMalformedInput : public BrokerBehaviour {
 protected:
  void expect_closed_after(const Bytes& bytes) {
    auto peer = connected("malformed");
    peer->send_bytes(bytes);
    EXPECT_TRUE(peer->closed_within());
  }
};

TEST_F(BrokerMalformedInput, PublishWithQos3) {  // MQTT-3.3.1-4
  RawPacket publish{0x36, std::nullopt, 0, {}};
  append_string(publish.body, "t");
  append_u16(publish.body, 1);
  expect_closed_after(publish.encode());
}

TEST_F(BrokerMalformedInput, PublishToAWildcardTopic) {  // MQTT-3.3.2-2
  Publish publish;
  publish.topic = "a/+";
  expect_closed_after(encode(publish));
}

TEST_F(BrokerMalformedInput, SecondConnect) {  // MQTT-3.1.0-2
  Connect connect;
  connect.client_id = "again";
  expect_closed_after(encode(connect));
}

TEST_F(BrokerMalformedInput, ReservedFlagsOnSubscribe) {  // MQTT-3.8.1-1
  RawPacket subscribe{0x80, std::nullopt, 0, {}};
  append_u16(subscribe.body, 1);
  append_string(subscribe.body, "a");
  subscribe.body.push_back(0);
  expect_closed_after(subscribe.encode());
}

TEST_F(BrokerMalformedInput, RemainingLengthOfFiveBytes) {
  expect_closed_after(Bytes{0xC0, 0x80, 0x80, 0x80, 0x80, 0x01});
}

TEST_F(BrokerBehaviour, ClosesWhenTheFirstPacketIsNotConnect) {  // MQTT-3.1.0-1
  auto peer = client();
  peer->send(Pingreq{});
  EXPECT_TRUE(peer->closed_within());
}

TEST_F(BrokerBehaviour, ServesManyConcurrentClients) {
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 200; ++i) clients.push_back(connected("many-" + std::to_string(i)));
  for (auto& each : clients) each->subscribe("fan/out", QoS::at_most_once);
  auto publisher = connected("publisher");
  publisher->publish("fan/out", "hello");
  for (auto& each : clients) EXPECT_EQ(text(expect_publish(*each, "fan/out").payload), "hello");
  EXPECT_EQ(broker_->statistics().connections_open, 201u);
}

TEST_F(BrokerBehaviour, StopClosesEveryConnection) {
  auto peer = connected("stopping");
  broker_->stop();
  EXPECT_TRUE(peer->closed_within());
}

}  // namespace
}  // namespace mqtt::broker
