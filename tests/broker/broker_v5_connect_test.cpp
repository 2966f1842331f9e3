// The embedded broker against MQTT 5.0 clients: CONNECT and CONNACK, the capabilities it declares and holds clients
// to, session expiry, takeover and the DISCONNECTs it sends. Each test names the 5.0 statements (or sections) it
// exercises. Waits have deadlines; "nothing arrived" is shown by silence until a deadline or a later marker.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Connect : public ::testing::Test {
 protected:
  void start(BrokerOptions options = {}) { broker_ = std::make_unique<EmbeddedBroker>(std::move(options)); }
  void SetUp() override { start(); }
  std::uint16_t port() const { return broker_->port(); }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(BrokerV5Connect, AnswersWithA5ConnackDeclaringItsLimits) {  // MQTT-3.2.2-2, 3.2.2.3
  auto client = connect5(port(), "alpha");
  EXPECT_EQ(client.connack.version, ProtocolVersion::v5);
  EXPECT_EQ(client.connack.reason_code, 0x00);
  EXPECT_FALSE(client.connack.session_present);
  const Properties& declared = client.connack.properties;
  EXPECT_EQ(find_u32(declared, PropertyId::maximum_packet_size), 1u << 20);
  EXPECT_EQ(find_u16(declared, PropertyId::topic_alias_maximum), 10);
  // Defaults are left out: the client assumes them.
  EXPECT_FALSE(contains(declared, PropertyId::receive_maximum));
  EXPECT_FALSE(contains(declared, PropertyId::maximum_qos));
  EXPECT_FALSE(contains(declared, PropertyId::retain_available));
  EXPECT_FALSE(contains(declared, PropertyId::assigned_client_identifier));
  EXPECT_FALSE(contains(declared, PropertyId::response_information));  // not requested [MQTT-3.1.2-28]
  client->ping();
}

TEST_F(BrokerV5Connect, AssignsANewClientIdentifierToAnEmptyOne) {  // MQTT-3.1.3-6, MQTT-3.1.3-7, MQTT-3.2.2-16
  auto first = connect5(port(), "", false, properties(PropertyId::session_expiry_interval, std::uint32_t{60}));
  auto second = connect5(port(), "", true);
  ASSERT_EQ(first.connack.reason_code, 0x00);
  const auto first_id = find_string(first.connack.properties, PropertyId::assigned_client_identifier);
  const auto second_id = find_string(second.connack.properties, PropertyId::assigned_client_identifier);
  ASSERT_TRUE(first_id && second_id);
  EXPECT_FALSE(first_id->empty());
  EXPECT_NE(*first_id, *second_id);
  // The session is kept under the assigned identifier, which the client can use to resume it.
  EXPECT_EQ(subscribe5(*first, {subscription("assigned/t", QoS::at_least_once)}).reason_codes[0], 1);
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  auto resumed = connect5(port(), *first_id, false, properties(PropertyId::session_expiry_interval, std::uint32_t{60}));
  EXPECT_TRUE(resumed.connack.session_present);
}

TEST_F(BrokerV5Connect, MayRefuseAnEmptyClientIdentifierInstead) {  // MQTT-3.1.3-8
  BrokerOptions options;
  options.mqtt5.assign_client_identifiers = false;
  start(options);
  auto refused = connect5(port(), "");
  EXPECT_EQ(refused.connack.reason_code, 0x85);
  EXPECT_FALSE(contains(refused.connack.properties, PropertyId::assigned_client_identifier));
  EXPECT_TRUE(refused->closed_within());
  EXPECT_EQ(connect5(port(), "named").connack.reason_code, 0x00);
}

TEST_F(BrokerV5Connect, DeclaresTheConfiguredCapabilities) {  // MQTT-3.2.2-9, 3.2.2.3
  BrokerOptions options;
  options.maximum_qos = QoS::at_least_once;
  options.mqtt5.retain_available = false;
  options.mqtt5.wildcard_subscription_available = false;
  options.mqtt5.subscription_identifier_available = false;
  options.mqtt5.shared_subscription_available = false;
  options.mqtt5.topic_alias_maximum = 0;
  options.mqtt5.receive_maximum = 5;
  options.mqtt5.server_keep_alive = 7;
  options.mqtt5.maximum_session_expiry_interval = 30;
  start(options);
  auto client = connect5(port(), "capabilities", true, properties(PropertyId::session_expiry_interval, std::uint32_t{100}));
  const Properties& declared = client.connack.properties;
  EXPECT_EQ(find_u8(declared, PropertyId::maximum_qos), 1);
  EXPECT_EQ(find_u8(declared, PropertyId::retain_available), 0);
  EXPECT_EQ(find_u8(declared, PropertyId::wildcard_subscription_available), 0);
  EXPECT_EQ(find_u8(declared, PropertyId::subscription_identifier_available), 0);
  EXPECT_EQ(find_u8(declared, PropertyId::shared_subscription_available), 0);
  EXPECT_FALSE(contains(declared, PropertyId::topic_alias_maximum));
  EXPECT_EQ(find_u16(declared, PropertyId::receive_maximum), 5);
  EXPECT_EQ(find_u16(declared, PropertyId::server_keep_alive), 7);
  EXPECT_EQ(find_u32(declared, PropertyId::session_expiry_interval), 30u);  // the server's value, not the 100 asked
}

TEST_F(BrokerV5Connect, RefusesAnAuthenticationMethodItDoesNotSupport) {  // MQTT-4.12.0-1, MQTT-3.2.2-7
  auto client = connect5(port(), "auth", true, properties(PropertyId::authentication_method, std::string("SCRAM-SHA-1")));
  EXPECT_EQ(client.connack.reason_code, 0x8C);
  EXPECT_FALSE(client.connack.session_present);  // MQTT-3.2.2-6
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, RefusesAWillItCannotHonour) {  // MQTT-3.2.2-12, MQTT-3.2.2-13
  BrokerOptions options;
  options.maximum_qos = QoS::at_least_once;
  options.mqtt5.retain_available = false;
  start(options);
  Connect qos2_will = connect_packet("will-qos");
  qos2_will.will = Will{"will/t", {'x'}, QoS::exactly_once, false, {}};
  auto too_high = connect5(port(), qos2_will);
  EXPECT_EQ(too_high.connack.reason_code, 0x9B);
  EXPECT_TRUE(too_high->closed_within());
  Connect retained_will = connect_packet("will-retain");
  retained_will.will = Will{"will/t", {'x'}, QoS::at_most_once, true, {}};
  auto retained = connect5(port(), retained_will);
  EXPECT_EQ(retained.connack.reason_code, 0x9A);
  EXPECT_TRUE(retained->closed_within());
}

TEST_F(BrokerV5Connect, RefusesBadCredentialsWith5ReasonCodes) {  // MQTT-3.1.4-2, MQTT-3.2.2-8
  BrokerOptions options;
  options.credentials = std::map<std::string, std::string>{{"user", "secret"}};
  start(options);
  EXPECT_EQ(connect5(port(), "anonymous").connack.reason_code, 0x87);  // Not authorized
  Connect wrong = connect_packet("wrong");
  wrong.username = "user";
  wrong.password = Bytes{'n', 'o'};
  EXPECT_EQ(connect5(port(), wrong).connack.reason_code, 0x86);  // Bad User Name or Password
  Connect right = connect_packet("right");
  right.username = "user";
  right.password = Bytes{'s', 'e', 'c', 'r', 'e', 't'};
  EXPECT_EQ(connect5(port(), right).connack.reason_code, 0x00);
}

TEST_F(BrokerV5Connect, UsesTheServerKeepAliveItDeclared) {  // MQTT-3.2.2-21, MQTT-3.1.2-22
  BrokerOptions options;
  options.mqtt5.server_keep_alive = 1;
  start(options);
  Connect connect = connect_packet("sleepy");
  connect.keep_alive = 60;
  const auto connected_at = std::chrono::steady_clock::now();
  auto client = connect5(port(), connect);
  EXPECT_EQ(find_u16(client.connack.properties, PropertyId::server_keep_alive), 1);
  // Silent for 1.5 x 1 s, not 1.5 x 60 s: closed as if the network failed, after DISCONNECT 0x8D.
  EXPECT_EQ(client->expect<Disconnect>(5s).reason_code, 0x8D);
  EXPECT_GE(std::chrono::steady_clock::now() - connected_at, 1400ms);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, SessionExpiryZeroEndsTheSessionWithTheConnection) {  // MQTT-3.1.2-23 (contrapositive)
  auto first = connect5(port(), "short-lived", false);
  subscribe5(*first, {subscription("short/t", QoS::at_least_once)});
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  auto second = connect5(port(), "short-lived", false);
  EXPECT_FALSE(second.connack.session_present);  // MQTT-3.2.2-3
}

TEST_F(BrokerV5Connect, SessionLastsItsExpiryIntervalAndNoLonger) {  // MQTT-3.1.2-23, MQTT-4.1.0-2, MQTT-3.2.2-3
  const auto one_second = properties(PropertyId::session_expiry_interval, std::uint32_t{1});
  auto first = connect5(port(), "expiring", true, one_second);
  subscribe5(*first, {subscription("expiring/t", QoS::at_least_once)});
  first->close_abruptly();
  auto resumed = connect5(port(), "expiring", false, one_second);
  EXPECT_TRUE(resumed.connack.session_present);  // well within the interval
  resumed->disconnect();
  EXPECT_TRUE(resumed->closed_within());
  auto observer = connect5(port(), "observer");
  EXPECT_TRUE(observer->silent_for(1500ms));  // the interval passes
  auto late = connect5(port(), "expiring", false, one_second);
  EXPECT_FALSE(late.connack.session_present);
}

TEST_F(BrokerV5Connect, SessionExpiryFFFFFFFFNeverEnds) {  // 3.1.2.11.2, MQTT-3.1.2-23
  const auto for_ever = properties(PropertyId::session_expiry_interval, std::uint32_t{0xFFFFFFFF});
  auto first = connect5(port(), "everlasting", true, for_ever);
  EXPECT_FALSE(contains(first.connack.properties, PropertyId::session_expiry_interval));  // taken as asked
  subscribe5(*first, {subscription("everlasting/t", QoS::at_least_once)});
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  connect5(port(), "publisher")->publish("everlasting/t", "kept", QoS::at_least_once, false, 1);
  auto back = connect5(port(), "everlasting", false, for_ever);
  EXPECT_TRUE(back.connack.session_present);
  EXPECT_EQ(text(back->expect<Publish>().payload), "kept");
  // A server maximum cuts even "never" down, and says so.
  BrokerOptions options;
  options.mqtt5.maximum_session_expiry_interval = 30;
  start(options);
  EXPECT_EQ(find_u32(connect5(port(), "capped", true, for_ever).connack.properties, PropertyId::session_expiry_interval),
            30u);
}

TEST_F(BrokerV5Connect, NoReasonStringOrUserPropertyOnAcknowledgements) {  // MQTT-3.1.2-29
  auto client = connect5(port(), "quiet", true, properties(PropertyId::request_problem_information, std::uint8_t{0}));
  EXPECT_TRUE(subscribe5(*client, {subscription("quiet/t", QoS::at_most_once)}).properties.empty());
  client->send(Unsubscribe{ProtocolVersion::v5, 2, {"quiet/t"}, {}});
  EXPECT_TRUE(client->expect<Unsuback>().properties.empty());
}

TEST_F(BrokerV5Connect, DisconnectMayShortenTheSessionExpiry) {  // 3.14.2.2.2
  auto first = connect5(port(), "shortened", true, properties(PropertyId::session_expiry_interval, std::uint32_t{600}));
  first->send(Disconnect{ProtocolVersion::v5, 0x00, properties(PropertyId::session_expiry_interval, std::uint32_t{0})});
  EXPECT_TRUE(first->closed_within());
  EXPECT_FALSE(connect5(port(), "shortened", false).connack.session_present);
}

TEST_F(BrokerV5Connect, DisconnectCannotGiveAnExpiryToASessionThatHadNone) {  // 3.14.2.2.2, 4.13
  Connect connect = connect_packet("extended");
  connect.will = Will{"extended/will", {'w'}, QoS::at_most_once, false, {}};
  auto watcher = connect5(port(), "watcher");
  subscribe5(*watcher, {subscription("extended/will", QoS::at_most_once)});
  auto client = connect5(port(), connect);
  client->send(Disconnect{ProtocolVersion::v5, 0x00, properties(PropertyId::session_expiry_interval, std::uint32_t{60})});
  EXPECT_EQ(disconnect_reason(*client), 0x82);  // a protocol error, not a valid DISCONNECT ...
  EXPECT_TRUE(client->closed_within());
  EXPECT_EQ(text(watcher->expect<Publish>().payload), "w");  // ... so the will is published
}

TEST_F(BrokerV5Connect, TakeoverSendsDisconnect0x8EToTheOlderConnection) {  // MQTT-3.1.4-3
  auto older = connect5(port(), "twin");
  auto newer = connect5(port(), "twin");
  EXPECT_EQ(newer.connack.reason_code, 0x00);
  EXPECT_EQ(disconnect_reason(*older), 0x8E);
  EXPECT_TRUE(older->closed_within());
  newer->ping();
}

TEST_F(BrokerV5Connect, CleanStartDiscardsTheStoredSession) {  // MQTT-3.1.2-4, MQTT-3.2.2-2
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto first = connect5(port(), "restarted", true, a_minute);
  subscribe5(*first, {subscription("restarted/t", QoS::at_least_once)});
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  auto second = connect5(port(), "restarted", true, a_minute);
  EXPECT_FALSE(second.connack.session_present);
  auto publisher = connect5(port(), "publisher");
  publisher->publish("restarted/t", "lost", QoS::at_least_once);
  EXPECT_TRUE(second->silent_for(300ms));  // the old subscription went with the old session
}

TEST_F(BrokerV5Connect, PacketsAboveTheDeclaredMaximumGetDisconnect0x95) {  // 3.2.2.3.6, MQTT-3.2.2-15
  BrokerOptions options;
  options.maximum_packet_size = 100;
  start(options);
  auto client = connect5(port(), "big");
  EXPECT_EQ(find_u32(client.connack.properties, PropertyId::maximum_packet_size), 100u);
  client->send(publish_packet("big/t", std::string(80, 'x')));  // 80 + 7 + 3 bytes of header: fits
  client->ping();
  client->send(publish_packet("big/t", std::string(200, 'x')));
  EXPECT_EQ(disconnect_reason(*client), 0x95);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, ASecondConnectIsAProtocolError) {  // MQTT-3.1.0-2
  auto client = connect5(port(), "again");
  client->send(connect_packet("again"));
  EXPECT_EQ(disconnect_reason(*client), 0x82);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, AMalformedPacketGetsDisconnect0x81) {  // MQTT-3.3.1-4, MQTT-4.13.1-1
  auto client = connect5(port(), "malformed");
  RawPacket qos3;
  qos3.first_byte = 0x36;  // PUBLISH with both QoS bits set
  append_string(qos3.body, "m/t");
  append_u16(qos3.body, 1);
  qos3.body.push_back(0x00);  // property length
  client->send_bytes(qos3.encode());
  EXPECT_EQ(disconnect_reason(*client), 0x81);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, AuthWithoutAnAgreedMethodIsAProtocolError) {  // 3.15, MQTT-4.12.0-7's mirror
  auto client = connect5(port(), "auth-later");
  client->send(Auth{ProtocolVersion::v5, 0x19, properties(PropertyId::authentication_method, std::string("X"))});
  EXPECT_EQ(disconnect_reason(*client), 0x82);
  EXPECT_TRUE(client->closed_within());
}

TEST_F(BrokerV5Connect, A311ClientIsStillAnswered311) {  // the 3.1.1 path is unchanged beside 5.0
  RawClient legacy(port());
  const Connack connack = legacy.connect("legacy");
  EXPECT_EQ(connack.version, ProtocolVersion::v3_1_1);
  EXPECT_EQ(connack.reason_code, 0);
  EXPECT_TRUE(connack.properties.empty());
}

}  // namespace
}  // namespace mqtt::broker
