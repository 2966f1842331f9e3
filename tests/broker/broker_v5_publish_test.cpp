// The embedded broker and MQTT 5.0 PUBLISH: properties passed on, message expiry, topic aliases, flow control both
// ways, maximum packet size, capability checks and acknowledgement reason codes.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Publish : public ::testing::Test {
 protected:
  void start(BrokerOptions options = {}) { broker_ = std::make_unique<EmbeddedBroker>(std::move(options)); }
  void SetUp() override { start(); }
  std::uint16_t port() const { return broker_->port(); }
  Client5 subscriber(const std::string& client_id, const std::string& filter, QoS qos = QoS::at_least_once,
                     Properties connect_properties = {}) {
    auto client = connect5(port(), client_id, true, std::move(connect_properties));
    subscribe5(*client, {subscription(filter, qos)});
    return client;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

Properties application_properties() {
  Properties list = properties(PropertyId::payload_format_indicator, std::uint8_t{1}, PropertyId::content_type,
                               std::string("text/plain"), PropertyId::response_topic, std::string("reply/here"),
                               PropertyId::correlation_data, Bytes{0x2A, 0x00, 0x7F});
  list.push_back(user_property("a", "1"));
  list.push_back(user_property("b", "2"));
  list.push_back(user_property("a", "3"));  // the same name twice, order kept
  return list;
}

TEST_F(BrokerV5Publish, PassesApplicationPropertiesOnUnchangedAndInOrder) {
  // MQTT-3.3.2-4, MQTT-3.3.2-15, MQTT-3.3.2-16, MQTT-3.3.2-17, MQTT-3.3.2-18, MQTT-3.3.2-20
  auto receiver = subscriber("receiver", "props/t");
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("props/t", "hello", QoS::at_least_once, 3, application_properties()));
  EXPECT_EQ(sender->expect<Puback>().reason_code, 0x00);
  const Publish received = receiver->expect<Publish>();
  EXPECT_EQ(received.properties, application_properties());  // nothing added: no expiry, no identifier, no alias
  EXPECT_EQ(text(received.payload), "hello");
}

TEST_F(BrokerV5Publish, AMessageReachesA311SubscriberWithoutProperties) {
  RawClient legacy(port());
  legacy.connect("legacy");
  legacy.subscribe("mixed/t", QoS::at_most_once);
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("mixed/t", "both", QoS::at_most_once, std::nullopt, application_properties()));
  const Publish received = legacy.expect<Publish>();
  EXPECT_EQ(received.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(text(received.payload), "both");
}

TEST_F(BrokerV5Publish, ForwardsTheMessageExpiryIntervalLessTheTimeItWaited) {  // MQTT-3.3.2-6
  auto online = subscriber("online", "expiry/t");
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto away = connect5(port(), "away", true, a_minute);
  subscribe5(*away, {subscription("expiry/t", QoS::at_least_once)});
  away->disconnect();
  EXPECT_TRUE(away->closed_within());
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("expiry/t", "m", QoS::at_least_once, 1,
                              properties(PropertyId::message_expiry_interval, std::uint32_t{100})));
  sender->expect<Puback>();
  EXPECT_EQ(find_u32(online->expect<Publish>().properties, PropertyId::message_expiry_interval), 100u);
  EXPECT_TRUE(sender->silent_for(1100ms));  // the queued copy waits more than a second
  auto back = connect5(port(), "away", false, a_minute);
  const auto remaining = find_u32(back->expect<Publish>().properties, PropertyId::message_expiry_interval);
  ASSERT_TRUE(remaining.has_value());
  EXPECT_LE(*remaining, 99u);
  EXPECT_GE(*remaining, 97u);
}

TEST_F(BrokerV5Publish, ExpiredMessagesAreNotDeliveredFromQueuesOrTheRetainedStore) {  // MQTT-3.3.2-5, 3.3.1.3
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto away = connect5(port(), "away", true, a_minute);
  subscribe5(*away, {subscription("expire/t", QoS::at_least_once)});
  away->disconnect();
  EXPECT_TRUE(away->closed_within());
  auto sender = connect5(port(), "sender");
  const auto one_second = properties(PropertyId::message_expiry_interval, std::uint32_t{1});
  sender->send(publish_packet("expire/t", "stale", QoS::at_least_once, 1, one_second));
  sender->expect<Puback>();
  sender->send(publish_packet("expire/retained", "stale", QoS::at_least_once, 2, one_second, true));
  sender->expect<Puback>();
  EXPECT_TRUE(sender->silent_for(1300ms));  // both expire
  sender->publish("expire/t", "fresh", QoS::at_least_once, false, 3);
  auto back = connect5(port(), "away", false, a_minute);
  EXPECT_EQ(text(back->expect<Publish>().payload), "fresh");
  subscribe5(*back, {subscription("expire/retained", QoS::at_least_once)}, {}, 2);
  EXPECT_TRUE(back->silent_for(300ms));
  EXPECT_EQ(broker_->statistics().messages_expired, 2u);
}

TEST_F(BrokerV5Publish, AcceptsTheClientsTopicAliasesUpToItsMaximum) {  // MQTT-3.3.2-12, 3.3.2.3.4
  auto receiver = subscriber("receiver", "alias/#", QoS::at_most_once);
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("alias/one", "1", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{1})));
  sender->send(publish_packet("", "2", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{1})));
  sender->send(publish_packet("alias/ten", "3", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{10})));
  sender->send(publish_packet("alias/other", "4", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{1})));  // remapped
  sender->send(publish_packet("", "5", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{1})));
  for (const auto* topic : {"alias/one", "alias/one", "alias/ten", "alias/other", "alias/other"}) {
    const Publish received = receiver->expect<Publish>();
    EXPECT_EQ(received.topic, topic);
    EXPECT_FALSE(contains(received.properties, PropertyId::topic_alias));  // ours are not forwarded
  }
}

TEST_F(BrokerV5Publish, ATopicAliasAboveTheMaximumGetsDisconnect0x94) {  // 3.3.4
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("alias/t", "x", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{11})));
  EXPECT_EQ(disconnect_reason(*sender), 0x94);
  EXPECT_TRUE(sender->closed_within());
}

TEST_F(BrokerV5Publish, AnUnknownTopicAliasIsAProtocolError) {  // 3.3.4, MQTT-3.3.2-7
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("alias/t", "x", QoS::at_most_once, std::nullopt,
                              properties(PropertyId::topic_alias, std::uint16_t{2})));
  sender->close_abruptly();
  // Mappings do not outlive the connection: alias 2 means nothing on the next one.
  auto again = connect5(port(), "sender");
  again->send(publish_packet("", "y", QoS::at_most_once, std::nullopt,
                             properties(PropertyId::topic_alias, std::uint16_t{2})));
  EXPECT_EQ(disconnect_reason(*again), 0x82);
  EXPECT_TRUE(again->closed_within());
}

TEST_F(BrokerV5Publish, NeverSendsMoreThanTheClientsReceiveMaximum) {  // MQTT-3.3.4-9, MQTT-4.9.0-2, MQTT-4.9.0-3
  auto receiver = subscriber("receiver", "flow/t", QoS::exactly_once,
                             properties(PropertyId::receive_maximum, std::uint16_t{2}));
  auto sender = connect5(port(), "sender");
  sender->publish("flow/t", "1", QoS::at_least_once, false, 1);
  sender->publish("flow/t", "2", QoS::exactly_once, false, 2);
  sender->publish("flow/t", "3", QoS::at_least_once, false, 3);
  const Publish first = receiver->expect<Publish>();
  const Publish second = receiver->expect<Publish>();
  receiver->ping();  // the quota is spent, yet other packets are still answered
  receiver->send(Pubrec{ProtocolVersion::v5, *second.packet_id, 0, {}});
  EXPECT_EQ(receiver->expect<Pubrel>().packet_id, *second.packet_id);
  receiver->ping();  // PUBREC does not give the quota back, PUBCOMP does
  receiver->send(Pubcomp{ProtocolVersion::v5, *second.packet_id, 0, {}});
  const Publish third = receiver->expect<Publish>();
  EXPECT_EQ(text(third.payload), "3");
  EXPECT_EQ(text(first.payload), "1");
}

TEST_F(BrokerV5Publish, ResendsOnResumeOnlyAsFarAsTheNewReceiveMaximum) {  // MQTT-4.4.0-1, MQTT-3.3.4-9
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto receiver = connect5(port(), "resumer", true, a_minute);
  subscribe5(*receiver, {subscription("resume/t", QoS::at_least_once)});
  auto sender = connect5(port(), "sender");
  for (std::uint16_t id = 1; id <= 3; ++id) sender->publish("resume/t", std::to_string(id), QoS::at_least_once, false, id);
  for (int i = 0; i < 3; ++i) receiver->expect<Publish>();
  receiver->close_abruptly();
  Properties one_at_a_time = a_minute;
  one_at_a_time.push_back(properties(PropertyId::receive_maximum, std::uint16_t{1}).front());
  auto back = connect5(port(), "resumer", false, one_at_a_time);
  ASSERT_TRUE(back.connack.session_present);
  const Publish first = back->expect<Publish>();
  EXPECT_TRUE(first.dup);
  EXPECT_EQ(text(first.payload), "1");
  back->ping();  // the second waits for the first's PUBACK
  back->send(Puback{ProtocolVersion::v5, *first.packet_id, 0, {}});
  const Publish second = back->expect<Publish>();
  EXPECT_TRUE(second.dup);
  EXPECT_EQ(text(second.payload), "2");
}

TEST_F(BrokerV5Publish, DiscardsWhatExceedsTheClientsMaximumPacketSize) {  // MQTT-3.1.2-24, MQTT-3.1.2-25
  auto receiver = subscriber("small", "size/t", QoS::at_least_once,
                             properties(PropertyId::maximum_packet_size, std::uint32_t{64}));
  auto sender = connect5(port(), "sender");
  sender->publish("size/t", std::string(200, 'x'), QoS::at_least_once, false, 1);
  sender->publish("size/t", "small", QoS::at_least_once, false, 2);
  const Publish received = receiver->expect<Publish>();
  EXPECT_EQ(text(received.payload), "small");
  EXPECT_LE(receiver->last_bytes().size(), 64u);
  // Treated as sent and done: it takes no quota and is not waiting to be re-sent.
  receiver->send(Puback{ProtocolVersion::v5, *received.packet_id, 0, {}});
  receiver->ping();
  EXPECT_EQ(broker_->statistics().messages_dropped, 1u);
}

TEST_F(BrokerV5Publish, PublishesBeyondTheDeclaredCapabilitiesGetDisconnects) {  // 3.2.2.3.4, 3.2.2.3.5
  BrokerOptions options;
  options.maximum_qos = QoS::at_least_once;
  options.mqtt5.retain_available = false;
  start(options);
  auto qos2 = connect5(port(), "qos2");
  qos2->send(publish_packet("cap/t", "x", QoS::exactly_once, 1));
  EXPECT_EQ(disconnect_reason(*qos2), 0x9B);
  EXPECT_TRUE(qos2->closed_within());
  auto retained = connect5(port(), "retained");
  retained->send(publish_packet("cap/t", "x", QoS::at_most_once, std::nullopt, {}, true));
  EXPECT_EQ(disconnect_reason(*retained), 0x9A);
  EXPECT_TRUE(retained->closed_within());
}

TEST_F(BrokerV5Publish, MoreUnreleasedQos2ThanItsReceiveMaximumGetsDisconnect0x93) {  // 3.3.4
  BrokerOptions options;
  options.mqtt5.receive_maximum = 2;
  start(options);
  auto sender = connect5(port(), "greedy");
  EXPECT_EQ(find_u16(sender.connack.properties, PropertyId::receive_maximum), 2);
  sender->send(publish_packet("rm/t", "1", QoS::exactly_once, 1));
  sender->expect<Pubrec>();
  sender->send(publish_packet("rm/t", "1", QoS::exactly_once, 1));  // a re-send takes no more quota
  sender->expect<Pubrec>();
  sender->send(publish_packet("rm/t", "2", QoS::exactly_once, 2));
  sender->expect<Pubrec>();
  sender->send(publish_packet("rm/t", "3", QoS::exactly_once, 3));
  EXPECT_EQ(disconnect_reason(*sender), 0x93);
  EXPECT_TRUE(sender->closed_within());
}

TEST_F(BrokerV5Publish, AcknowledgesInTheShortFormWithSuccess) {  // MQTT-3.4.2-1, MQTT-3.5.2-1, MQTT-3.7.2-1
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("ack/t", "1", QoS::at_least_once, 9));
  EXPECT_EQ(sender->expect<Puback>().reason_code, 0x00);
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x40, 0x02, 0x00, 0x09}));
  sender->send(publish_packet("ack/t", "2", QoS::exactly_once, 10));
  sender->expect<Pubrec>();
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x50, 0x02, 0x00, 0x0A}));
  sender->send(Pubrel{ProtocolVersion::v5, 10, 0, {}});
  sender->expect<Pubcomp>();
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x70, 0x02, 0x00, 0x0A}));
}

TEST_F(BrokerV5Publish, AFailedPubrecEndsTheOutgoingExchange) {  // MQTT-4.4.0-2, 4.9
  auto receiver = subscriber("refuser", "refuse/t", QoS::exactly_once,
                             properties(PropertyId::receive_maximum, std::uint16_t{1}));
  auto sender = connect5(port(), "sender");
  sender->publish("refuse/t", "1", QoS::exactly_once, false, 1);
  sender->publish("refuse/t", "2", QoS::exactly_once, false, 2);
  const Publish first = receiver->expect<Publish>();
  receiver->send(Pubrec{ProtocolVersion::v5, *first.packet_id, 0x80, {}});
  // No PUBREL for it; the quota is back, so the second comes next.
  EXPECT_EQ(text(receiver->expect<Publish>().payload), "2");
}

}  // namespace
}  // namespace mqtt::broker
