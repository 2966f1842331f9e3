// The embedded broker and MQTT 5.0 wills: the Will Delay Interval, a session that ends first, reconnection within
// the delay, DISCONNECT reason codes, and the will's own properties.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Will : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<EmbeddedBroker>();
    watcher_ = std::make_unique<Client5>(connect5(broker_->port(), "watcher"));
    subscribe5(**watcher_, {subscription("will/#", QoS::at_least_once)});
  }
  std::uint16_t port() const { return broker_->port(); }
  RawClient& watcher() { return **watcher_; }

  // A CONNECT with a will on will/{client id}, its delay and the session's expiry.
  static Connect with_will(const std::string& client_id, std::uint32_t will_delay, std::uint32_t session_expiry,
                           bool clean_start = true) {
    Connect connect = connect_packet(client_id, clean_start,
                                     properties(PropertyId::session_expiry_interval, session_expiry));
    connect.will = Will{"will/" + client_id, {'g', 'o', 'n', 'e'}, QoS::at_least_once, false,
                        properties(PropertyId::will_delay_interval, will_delay)};
    return connect;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<Client5> watcher_;
};

TEST_F(BrokerV5Will, AWillWaitsForItsDelay) {  // MQTT-3.1.2-8
  auto client = connect5(port(), with_will("delayed", 1, 60));
  const auto dropped_at = std::chrono::steady_clock::now();
  client->close_abruptly();
  const Publish will = watcher().expect<Publish>(5s);
  EXPECT_EQ(will.topic, "will/delayed");
  EXPECT_GE(std::chrono::steady_clock::now() - dropped_at, 900ms);
}

TEST_F(BrokerV5Will, ReconnectingWithinTheDelaySuppressesTheWill) {  // MQTT-3.1.3-9
  auto client = connect5(port(), with_will("back-soon", 1, 60));
  client->close_abruptly();
  auto back = connect5(port(), connect_packet("back-soon", false, properties(PropertyId::session_expiry_interval,
                                                                              std::uint32_t{60})));
  EXPECT_TRUE(back.connack.session_present);
  EXPECT_TRUE(watcher().silent_for(1500ms));  // past the delay: no will
}

TEST_F(BrokerV5Will, ASessionEndingBeforeTheDelayPublishesTheWillAtOnce) {  // MQTT-3.1.2-8, 3.1.3.2.2
  auto client = connect5(port(), with_will("ending", 3600, 0));
  client->close_abruptly();  // expiry 0: the session ends with the connection, long before the delay
  EXPECT_EQ(watcher().expect<Publish>(2s).topic, "will/ending");
}

TEST_F(BrokerV5Will, ASessionExpiringBeforeTheDelayPublishesTheWillAsItEnds) {  // MQTT-3.1.2-8, 3.1.3.2.2
  auto client = connect5(port(), with_will("expiring", 3600, 1));
  const auto dropped_at = std::chrono::steady_clock::now();
  client->close_abruptly();
  EXPECT_EQ(watcher().expect<Publish>(5s).topic, "will/expiring");  // after 1 s, not 3600 s
  EXPECT_GE(std::chrono::steady_clock::now() - dropped_at, 900ms);
}

TEST_F(BrokerV5Will, CleanStartOnReconnectEndsTheSessionAndPublishesTheDelayedWill) {  // MQTT-3.1.2-4, 3.1.3.2.2
  auto client = connect5(port(), with_will("restarting", 3600, 3600));
  client->close_abruptly();
  auto fresh = connect5(port(), "restarting", true);
  EXPECT_FALSE(fresh.connack.session_present);
  EXPECT_EQ(watcher().expect<Publish>(2s).topic, "will/restarting");
}

TEST_F(BrokerV5Will, DisconnectReasonDecidesTheWill) {  // MQTT-3.14.4-3, MQTT-3.1.2-8, MQTT-3.1.2-10
  auto normal = connect5(port(), with_will("normal", 0, 0));
  normal->send(Disconnect{ProtocolVersion::v5, 0x00, {}});
  EXPECT_TRUE(normal->closed_within());
  auto with_will_reason = connect5(port(), with_will("asked", 0, 0));
  with_will_reason->send(Disconnect{ProtocolVersion::v5, 0x04, {}});
  EXPECT_TRUE(with_will_reason->closed_within());
  EXPECT_EQ(watcher().expect<Publish>().topic, "will/asked");  // and none for "normal" before it
  watcher().ping();
}

TEST_F(BrokerV5Will, AWillCarriesItsPropertiesAndExpiry) {  // MQTT-3.1.3-10, 3.1.3.2.4, MQTT-3.3.2-6
  Connect connect = with_will("described", 0, 0);
  connect.will->properties = properties(PropertyId::message_expiry_interval, std::uint32_t{120}, PropertyId::content_type,
                                        std::string("text/plain"));
  connect.will->properties.push_back(user_property("z", "1"));
  connect.will->properties.push_back(user_property("a", "2"));
  auto client = connect5(port(), connect);
  client->close_abruptly();
  const Publish will = watcher().expect<Publish>();
  EXPECT_EQ(find_string(will.properties, PropertyId::content_type), "text/plain");
  EXPECT_EQ(user_properties(will.properties), (std::vector<StringPair>{{"z", "1"}, {"a", "2"}}));
  EXPECT_EQ(find_u32(will.properties, PropertyId::message_expiry_interval), 120u);
  EXPECT_FALSE(contains(will.properties, PropertyId::will_delay_interval));  // a will property, not forwarded
}

TEST_F(BrokerV5Will, ATakeoverThatContinuesTheSessionSuppressesADelayedWill) {  // MQTT-3.1.3-9, MQTT-3.1.4-3
  auto older = connect5(port(), with_will("moving", 3600, 3600));
  auto newer = connect5(port(), connect_packet("moving", false, properties(PropertyId::session_expiry_interval,
                                                                            std::uint32_t{3600})));
  EXPECT_TRUE(newer.connack.session_present);
  EXPECT_EQ(disconnect_reason(*older), 0x8E);
  EXPECT_TRUE(older->closed_within());
  EXPECT_TRUE(watcher().silent_for(300ms));
}

}  // namespace
}  // namespace mqtt::broker
