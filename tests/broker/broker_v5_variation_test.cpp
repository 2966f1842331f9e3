// Each MQTT 5.0 legal variation, switched on alone, changes the one behaviour it names (the defaults are shown by
// broker_v5_*_test.cpp). The 5.0 checker must never call any of these a violation.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Variation : public ::testing::Test {
 protected:
  void start(Variation variation, BrokerOptions options = {}) {
    options.variations.insert(variation);
    broker_ = std::make_unique<EmbeddedBroker>(std::move(options));
  }
  std::uint16_t port() const { return broker_->port(); }

  std::unique_ptr<EmbeddedBroker> broker_;
};

const Properties a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});

TEST_F(BrokerV5Variation, AssignTopicAliases) {  // permitted by 3.3.2.3.4
  start(Variation::assign_topic_aliases);
  auto allows = connect5(port(), "allows", true, properties(PropertyId::topic_alias_maximum, std::uint16_t{5}));
  subscribe5(*allows, {subscription("alias/t", QoS::at_most_once)});
  auto refuses = connect5(port(), "refuses");  // no Topic Alias Maximum: never an alias [MQTT-3.1.2-27]
  subscribe5(*refuses, {subscription("alias/t", QoS::at_most_once)});
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("alias/t", "1"));
  sender->send(publish_packet("alias/t", "2"));
  const Publish first = allows->expect<Publish>();
  EXPECT_EQ(first.topic, "alias/t");
  const auto alias = find_u16(first.properties, PropertyId::topic_alias);
  ASSERT_TRUE(alias.has_value());
  EXPECT_GE(*alias, 1);
  EXPECT_LE(*alias, 5);  // [MQTT-3.1.2-26]
  const Publish second = allows->expect<Publish>();
  EXPECT_EQ(second.topic, "");  // the alias stands for the topic
  EXPECT_EQ(find_u16(second.properties, PropertyId::topic_alias), alias);
  EXPECT_EQ(text(second.payload), "2");
  for (int i = 0; i < 2; ++i) {
    const Publish plain = refuses->expect<Publish>();
    EXPECT_EQ(plain.topic, "alias/t");
    EXPECT_FALSE(contains(plain.properties, PropertyId::topic_alias));
  }
}

TEST_F(BrokerV5Variation, ServerKeepAlive) {  // permitted by 3.2.2.3.14
  start(Variation::server_keep_alive);
  Connect connect = connect_packet("halved");
  connect.keep_alive = 2;
  const auto connected_at = std::chrono::steady_clock::now();
  auto client = connect5(port(), connect);
  EXPECT_EQ(find_u16(client.connack.properties, PropertyId::server_keep_alive), 1);
  // Held to 1.5 x 1 s, the declared value, instead of 1.5 x 2 s.
  EXPECT_EQ(client->expect<Disconnect>(5s).reason_code, 0x8D);
  const auto waited = std::chrono::steady_clock::now() - connected_at;
  EXPECT_GE(waited, 1400ms);
  EXPECT_LT(waited, 2900ms);
}

TEST_F(BrokerV5Variation, LongAssignedClientIdentifiers) {  // permitted by 3.2.2.3.7
  start(Variation::long_assigned_client_identifiers);
  const auto first = find_string(connect5(port(), "").connack.properties, PropertyId::assigned_client_identifier);
  const auto second = find_string(connect5(port(), "").connack.properties, PropertyId::assigned_client_identifier);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->size(), 36u);
  EXPECT_EQ((*first)[8], '-');
  EXPECT_NE(*first, *second);  // still new each time [MQTT-3.2.2-16]
}

TEST_F(BrokerV5Variation, SmallerReceiveMaximum) {  // permitted by 3.2.2.3.3
  start(Variation::smaller_receive_maximum);
  auto sender = connect5(port(), "sender");
  EXPECT_EQ(find_u16(sender.connack.properties, PropertyId::receive_maximum), 2);
  sender->send(publish_packet("rm/t", "1", QoS::exactly_once, 1));
  sender->expect<Pubrec>();
  sender->send(publish_packet("rm/t", "2", QoS::exactly_once, 2));
  sender->expect<Pubrec>();
  sender->send(publish_packet("rm/t", "3", QoS::exactly_once, 3));
  EXPECT_EQ(disconnect_reason(*sender), 0x93);
}

TEST_F(BrokerV5Variation, DeclareMaximumQos1) {  // permitted by 3.2.2.3.4
  start(Variation::declare_maximum_qos_1);
  auto client = connect5(port(), "limited");
  EXPECT_EQ(find_u8(client.connack.properties, PropertyId::maximum_qos), 1);
  EXPECT_EQ(subscribe5(*client, {subscription("max/t", QoS::exactly_once)}).reason_codes,
            (std::vector<std::uint8_t>{0x01}));  // accepted, granted less [MQTT-3.2.2-10]
  client->send(publish_packet("max/t", "2", QoS::exactly_once, 1));
  EXPECT_EQ(disconnect_reason(*client), 0x9B);
}

TEST_F(BrokerV5Variation, SharedSticky) {  // permitted by 4.8.2
  start(Variation::shared_sticky);
  auto earliest = connect5(port(), "earliest");
  auto later = connect5(port(), "later");
  subscribe5(*earliest, {subscription("$share/g/job", QoS::at_most_once)});
  subscribe5(*later, {subscription("$share/g/job", QoS::at_most_once)});
  auto sender = connect5(port(), "sender");
  for (int i = 0; i < 3; ++i) sender->send(publish_packet("job", std::to_string(i)));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(text(earliest->expect<Publish>().payload), std::to_string(i));
  EXPECT_TRUE(later->silent_for(300ms));
}

TEST_F(BrokerV5Variation, SharedRandom) {  // permitted by 4.8.2
  BrokerOptions options;
  std::cout << "shared-random seed " << options.seed << '\n';
  start(Variation::shared_random, options);
  auto first = connect5(port(), "first");
  auto second = connect5(port(), "second");
  subscribe5(*first, {subscription("$share/g/job", QoS::at_most_once)});
  subscribe5(*second, {subscription("$share/g/job", QoS::at_most_once)});
  auto sender = connect5(port(), "sender");
  constexpr int messages = 20;
  // QoS 1: the broker forwards before it answers, so after the last PUBACK every copy is written.
  for (int i = 0; i < messages; ++i) sender->publish("job", std::to_string(i), QoS::at_least_once, false, 1);
  // Each member's copies, up to the PINGRESP that follows them on its connection.
  const auto drain = [](RawClient& member) {
    std::string order;
    member.send(Pingreq{ProtocolVersion::v5});
    for (;;) {
      const Received received = member.receive();
      const auto* packet = std::get_if<Packet>(&received);
      if (packet == nullptr || std::holds_alternative<Pingresp>(*packet)) return order;
      if (const auto* publish = std::get_if<Publish>(packet)) order += text(publish->payload) + ",";
    }
  };
  const std::string to_first = drain(*first);
  const std::string to_second = drain(*second);
  const auto count = [](const std::string& order) { return std::count(order.begin(), order.end(), ','); };
  EXPECT_EQ(count(to_first) + count(to_second), messages);  // each message to exactly one member
  EXPECT_GT(count(to_first), 0);
  EXPECT_GT(count(to_second), 0);
  EXPECT_NE(to_first, "0,2,4,6,8,10,12,14,16,18,");  // not round robin (for this seed)
}

TEST_F(BrokerV5Variation, SharedRedispatchOnSessionEnd) {  // permitted by 4.8.2
  start(Variation::shared_redispatch_on_session_end);
  auto lost = connect5(port(), "lost", true, a_minute);
  auto kept = connect5(port(), "kept", true, a_minute);
  subscribe5(*lost, {subscription("$share/g/move/t", QoS::at_least_once)});
  subscribe5(*kept, {subscription("$share/g/move/t", QoS::at_least_once)});
  connect5(port(), "sender")->publish("move/t", "first", QoS::at_least_once, false, 1);  // round robin: "lost"
  EXPECT_EQ(text(lost->expect<Publish>().payload), "first");
  lost->close_abruptly();  // without PUBACK: the message waits for its member ...
  EXPECT_TRUE(kept->silent_for(300ms));
  auto fresh = connect5(port(), "lost", true);  // ... until its session ends (Clean Start), then moves on
  EXPECT_FALSE(fresh.connack.session_present);
  EXPECT_EQ(text(kept->expect<Publish>().payload), "first");
}

TEST_F(BrokerV5Variation, LongFormAcknowledgements) {  // permitted by 3.4.2.1, 3.14.2.1
  start(Variation::long_form_acknowledgements);
  // Maximum Packet Size 32: the DISCONNECT below must leave its Reason String out [MQTT-3.14.2-3], and what is
  // left still takes the long form.
  auto sender = connect5(port(), "sender", true, properties(PropertyId::maximum_packet_size, std::uint32_t{32}));
  sender->send(publish_packet("ack/t", "1", QoS::at_least_once, 9));
  EXPECT_EQ(sender->expect<Puback>().reason_code, 0x00);
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x40, 0x04, 0x00, 0x09, 0x00, 0x00}));
  sender->send(publish_packet("ack/t", "2", QoS::exactly_once, 10));
  sender->expect<Pubrec>();
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x50, 0x04, 0x00, 0x0A, 0x00, 0x00}));
  sender->send(Pubrel{ProtocolVersion::v5, 10, 0, {}});
  sender->expect<Pubcomp>();
  EXPECT_EQ(sender->last_bytes(), (Bytes{0x70, 0x04, 0x00, 0x0A, 0x00, 0x00}));
  auto newer = connect5(port(), "sender");  // takeover: DISCONNECT 0x8E with its empty property list written out
  EXPECT_EQ(disconnect_reason(*sender), 0x8E);
  EXPECT_EQ(sender->last_bytes(), (Bytes{0xE0, 0x02, 0x8E, 0x00}));
}

TEST_F(BrokerV5Variation, NoMatchingSubscribersReason) {  // permitted by 3.4.2.1, 3.5.2.1
  start(Variation::no_matching_subscribers_reason);
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("nobody/t", "1", QoS::at_least_once, 1));
  EXPECT_EQ(sender->expect<Puback>().reason_code, 0x10);
  sender->send(publish_packet("nobody/t", "2", QoS::exactly_once, 2));
  EXPECT_EQ(sender->expect<Pubrec>().reason_code, 0x10);
  auto listener = connect5(port(), "listener");
  subscribe5(*listener, {subscription("nobody/t", QoS::at_most_once)});
  sender->send(publish_packet("nobody/t", "3", QoS::at_least_once, 3));
  EXPECT_EQ(sender->expect<Puback>().reason_code, 0x00);  // somebody now
}

TEST_F(BrokerV5Variation, BadAuthenticationMethodNotAuthorized) {  // permitted by 4.12
  start(Variation::bad_authentication_method_not_authorized);
  auto client = connect5(port(), "auth", true, properties(PropertyId::authentication_method, std::string("X")));
  EXPECT_EQ(client.connack.reason_code, 0x87);
  EXPECT_FALSE(client.connack.session_present);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Variation, ResponseInformation) {  // permitted by 3.2.2.3.15
  start(Variation::response_information);
  auto asks = connect5(port(), "asks", true, properties(PropertyId::request_response_information, std::uint8_t{1}));
  EXPECT_EQ(find_string(asks.connack.properties, PropertyId::response_information), "mh-response/asks/");
  auto silent = connect5(port(), "silent");
  EXPECT_FALSE(contains(silent.connack.properties, PropertyId::response_information));  // [MQTT-3.1.2-28]
}

TEST_F(BrokerV5Variation, SessionExpiryCapped) {  // permitted by 3.2.2.3.2
  start(Variation::session_expiry_capped);
  auto longer = connect5(port(), "longer", true, properties(PropertyId::session_expiry_interval, std::uint32_t{3600}));
  EXPECT_EQ(find_u32(longer.connack.properties, PropertyId::session_expiry_interval), 60u);
  auto shorter = connect5(port(), "shorter", true, properties(PropertyId::session_expiry_interval, std::uint32_t{30}));
  EXPECT_FALSE(contains(shorter.connack.properties, PropertyId::session_expiry_interval));  // the client's own value
}

}  // namespace
}  // namespace mqtt::broker
