// Each defect, switched on alone, changes the one behaviour it names; the same steps pass on a sound broker
// (see broker_behaviour_test.cpp). These are what the checker must catch.
#include <gtest/gtest.h>

#include <memory>

#include "broker/broker.hpp"
#include "raw_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerDefect : public ::testing::Test {
 protected:
  void start(Defect defect) {
    BrokerOptions options;
    options.defects.insert(defect);
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

TEST_F(BrokerDefect, RetainFlagOnExistingSubscription) {  // breaks MQTT-3.3.1-9
  start(Defect::retain_flag_on_existing_subscription);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("r", QoS::at_most_once);
  connected("publisher")->publish("r", "x", QoS::at_most_once, true);
  EXPECT_TRUE(subscriber->expect<Publish>().retain);
}

TEST_F(BrokerDefect, RetainIgnored) {  // breaks MQTT-3.3.1-6
  start(Defect::retain_ignored);
  auto publisher = connected("publisher");
  publisher->publish("r", "stored?", QoS::at_least_once, true);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("r", QoS::at_most_once);
  publisher->publish("r", "marker");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "marker");
}

TEST_F(BrokerDefect, NoPuback) {  // breaks MQTT-4.3.2-2
  start(Defect::no_puback);
  auto publisher = connected("publisher");
  publisher->send(Publish{ProtocolVersion::v3_1_1, false, QoS::at_least_once, false, "t", 1, {}, {}});
  publisher->send(Pingreq{});
  publisher->expect<Pingresp>();  // no PUBACK came first
}

TEST_F(BrokerDefect, DuplicateQos2Delivery) {  // breaks MQTT-4.3.3-2
  start(Defect::duplicate_qos2_delivery);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("t", QoS::at_most_once);
  auto publisher = connected("publisher");
  Publish publish{ProtocolVersion::v3_1_1, false, QoS::exactly_once, false, "t", 9, {'1'}, {}};
  publisher->send(publish);
  publisher->expect<Pubrec>();
  publish.dup = true;
  publisher->send(publish);
  publisher->expect<Pubrec>();
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "1");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "1");
}

TEST_F(BrokerDefect, PubrecWrongId) {  // breaks MQTT-2.3.1-6
  start(Defect::pubrec_wrong_id);
  auto publisher = connected("publisher");
  publisher->send(Publish{ProtocolVersion::v3_1_1, false, QoS::exactly_once, false, "t", 9, {}, {}});
  EXPECT_NE(publisher->expect<Pubrec>().packet_id, 9);
}

TEST_F(BrokerDefect, ReorderDeliveries) {  // breaks MQTT-4.6.0-6
  start(Defect::reorder_deliveries);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("o", QoS::at_most_once);
  auto publisher = connected("publisher");
  publisher->publish("o", "first");
  publisher->publish("o", "second");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "second");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "first");
  publisher->publish("o", "alone");  // nothing follows it: released after a short hold, not lost
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "alone");
}

TEST_F(BrokerDefect, SessionPresentAlways0) {  // breaks MQTT-3.2.2-2
  start(Defect::session_present_always_0);
  connected("persistent", false)->disconnect();
  auto again = client();
  // The first connection may still be closing; takeover or resume, the session exists either way.
  EXPECT_FALSE(again->connect("persistent", false).session_present);
}

TEST_F(BrokerDefect, NoOfflineQueue) {  // breaks MQTT-3.1.2-5
  start(Defect::no_offline_queue);
  {
    auto subscriber = connected("sleeper", false);
    subscriber->subscribe("p", QoS::at_least_once);
    subscriber->disconnect();
    EXPECT_TRUE(subscriber->closed_within());
  }
  connected("publisher")->publish("p", "lost", QoS::at_least_once);
  auto subscriber = client();
  EXPECT_TRUE(subscriber->connect("sleeper", false).session_present);
  subscriber->ping();  // the queued message would have come before PINGRESP
}

TEST_F(BrokerDefect, NoWill) {  // breaks MQTT-3.1.2-8
  start(Defect::no_will);
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto dying = client();
  Connect connect;
  connect.client_id = "dying";
  connect.will = Will{"will/dying", {'x'}, QoS::at_most_once, false, {}};
  dying->connect(connect);
  dying->close_abruptly();
  // Wait until the broker has seen the close: the id becomes free for a clean reconnect without takeover.
  connected("dying")->disconnect();
  connected("publisher")->publish("will/marker", "marker");
  EXPECT_EQ(watcher->expect<Publish>().topic, "will/marker");
}

TEST_F(BrokerDefect, WillAfterDisconnect) {  // breaks MQTT-3.14.4-3
  start(Defect::will_after_disconnect);
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto leaving = client();
  Connect connect;
  connect.client_id = "leaving";
  connect.will = Will{"will/leaving", {'x'}, QoS::at_most_once, false, {}};
  leaving->connect(connect);
  leaving->disconnect();
  EXPECT_EQ(watcher->expect<Publish>().topic, "will/leaving");
}

TEST_F(BrokerDefect, NoKeepaliveTimeout) {  // breaks MQTT-3.1.2-24
  start(Defect::no_keepalive_timeout);
  auto silent = client();
  Connect connect;
  connect.client_id = "silent";
  connect.keep_alive = 1;
  silent->connect(connect);
  EXPECT_FALSE(silent->closed_within(2500ms));
}

TEST_F(BrokerDefect, SubackWrongCount) {  // breaks MQTT-3.8.4-5
  start(Defect::suback_wrong_count);
  auto subscriber = connected("subscriber");
  subscriber->send(Subscribe{ProtocolVersion::v3_1_1, 1, {{"a", QoS::at_most_once}, {"b", QoS::at_most_once}}, {}});
  EXPECT_EQ(subscriber->expect<Suback>().reason_codes.size(), 1u);
}

TEST_F(BrokerDefect, UnsubscribeIgnored) {  // breaks MQTT-3.10.4-2
  start(Defect::unsubscribe_ignored);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("u", QoS::at_most_once);
  subscriber->send(Unsubscribe{ProtocolVersion::v3_1_1, 2, {"u"}, {}});
  subscriber->expect<Unsuback>();
  connected("publisher")->publish("u", "still here");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "still here");
}

TEST_F(BrokerDefect, DollarMatchesWildcard) {  // breaks MQTT-4.7.2-1
  start(Defect::dollar_matches_wildcard);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("#", QoS::at_most_once);
  connected("publisher")->publish("$internal/x", "leaked");
  EXPECT_EQ(subscriber->expect<Publish>().topic, "$internal/x");
}

TEST_F(BrokerDefect, NoTakeover) {  // breaks MQTT-3.1.4-2
  start(Defect::no_takeover);
  auto first = connected("twin");
  auto second = connected("twin");
  first->ping();  // still open
  second->ping();
}

TEST_F(BrokerDefect, AcceptQos3) {  // breaks MQTT-3.3.1-4
  start(Defect::accept_qos3);
  auto publisher = connected("publisher");
  RawPacket publish{0x36, std::nullopt, 0, {}};
  append_string(publish.body, "t");
  append_u16(publish.body, 1);
  publisher->send_bytes(publish.encode());
  EXPECT_EQ(publisher->expect<Puback>().packet_id, 1);  // read as QoS 1, connection kept
}

TEST_F(BrokerDefect, AcceptWildcardPublish) {  // breaks MQTT-3.3.2-2
  start(Defect::accept_wildcard_publish);
  auto publisher = connected("publisher");
  publisher->publish("a/+", "wild", QoS::at_least_once);  // PUBACK instead of a close
  publisher->ping();
}

TEST_F(BrokerDefect, NoCloseOnSecondConnect) {  // breaks MQTT-3.1.0-2
  start(Defect::no_close_on_second_connect);
  auto peer = connected("again");
  Connect connect;
  connect.client_id = "again";
  peer->send(connect);
  peer->ping();
}

TEST_F(BrokerDefect, RetainNotDeletedByEmpty) {  // breaks MQTT-3.3.1-10
  start(Defect::retain_not_deleted_by_empty);
  auto publisher = connected("publisher");
  publisher->publish("r", "old", QoS::at_least_once, true);
  publisher->publish("r", "", QoS::at_least_once, true);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("r", QoS::at_most_once);
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "old");
}

TEST_F(BrokerDefect, DropQos1Delivery) {  // breaks MQTT-4.5.0-1
  start(Defect::drop_qos1_delivery);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("t", QoS::exactly_once);
  auto publisher = connected("publisher");
  publisher->publish("t", "lost", QoS::at_least_once, true);
  publisher->publish("t", "marker", QoS::at_most_once);
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "marker");
  auto late = connected("late");
  late->subscribe("t", QoS::at_least_once);  // the lost message was still kept as the retained one
  EXPECT_EQ(text(late->expect<Publish>().payload), "lost");
}

TEST_F(BrokerDefect, NoRedelivery) {  // breaks MQTT-4.4.0-1
  start(Defect::no_redelivery);
  {
    auto subscriber = connected("forgetter", false);
    subscriber->subscribe("x", QoS::at_least_once);
    connected("publisher")->publish("x", "unacknowledged", QoS::at_least_once);
    subscriber->expect<Publish>();
    subscriber->close_abruptly();
  }
  auto subscriber = client();
  EXPECT_TRUE(subscriber->connect("forgetter", false).session_present);
  subscriber->ping();  // the re-sent PUBLISH would have come first
}

TEST_F(BrokerDefect, RedeliveryWithoutDup) {  // breaks MQTT-3.3.1-1
  start(Defect::redelivery_without_dup);
  {
    auto subscriber = connected("forgetter", false);
    subscriber->subscribe("x", QoS::at_least_once);
    connected("publisher")->publish("x", "unacknowledged", QoS::at_least_once);
    subscriber->expect<Publish>();
    subscriber->close_abruptly();
  }
  auto subscriber = client();
  subscriber->connect("forgetter", false);
  EXPECT_FALSE(subscriber->expect<Publish>().dup);
}

TEST_F(BrokerDefect, KeepSessionOnClean) {  // breaks MQTT-3.1.2-6
  start(Defect::keep_session_on_clean);
  {
    auto subscriber = connected("forgetful", false);
    subscriber->subscribe("f", QoS::at_most_once);
    subscriber->disconnect();
    EXPECT_TRUE(subscriber->closed_within());
  }
  auto subscriber = client();
  EXPECT_FALSE(subscriber->connect("forgetful", true).session_present);
  connected("publisher")->publish("f", "old subscription");
  EXPECT_EQ(text(subscriber->expect<Publish>().payload), "old subscription");
}

Connect connect_with_will(QoS qos, bool retain) {
  Connect connect;
  connect.client_id = "dying";
  connect.will = Will{"will/dying", {'x'}, qos, retain, {}};
  return connect;
}

TEST_F(BrokerDefect, WillRetainIgnored) {  // breaks MQTT-3.1.2-17
  start(Defect::will_retain_ignored);
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::at_most_once);
  auto dying = client();
  dying->connect(connect_with_will(QoS::at_most_once, true));
  dying->close_abruptly();
  watcher->expect<Publish>();  // the will was published...
  auto newcomer = connected("newcomer");
  newcomer->subscribe("will/#", QoS::at_most_once);
  connected("publisher")->publish("will/marker", "marker");
  EXPECT_EQ(newcomer->expect<Publish>().topic, "will/marker");  // ...but not retained
}

TEST_F(BrokerDefect, WillQos0) {  // breaks MQTT-3.8.4-6
  start(Defect::will_qos0);
  auto watcher = connected("watcher");
  watcher->subscribe("will/#", QoS::exactly_once);
  auto dying = client();
  dying->connect(connect_with_will(QoS::exactly_once, false));
  dying->close_abruptly();
  EXPECT_EQ(watcher->expect<Publish>().qos, QoS::at_most_once);
}

TEST_F(BrokerDefect, QosNotDowngraded) {  // breaks MQTT-3.8.4-6
  start(Defect::qos_not_downgraded);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("d", QoS::at_most_once);
  connected("publisher")->publish("d", "x", QoS::exactly_once);
  EXPECT_EQ(subscriber->expect<Publish>().qos, QoS::exactly_once);
}

TEST_F(BrokerDefect, SubscriptionNotReplaced) {  // breaks MQTT-3.8.4-3
  start(Defect::subscription_not_replaced);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("s", QoS::at_most_once, 1);
  EXPECT_EQ(subscriber->subscribe("s", QoS::exactly_once, 2).reason_codes, std::vector<std::uint8_t>{2});
  connected("publisher")->publish("s", "x", QoS::exactly_once);
  EXPECT_EQ(subscriber->expect<Publish>().qos, QoS::at_most_once);
}

TEST_F(BrokerDefect, NoUnsubackWhenUnmatched) {  // breaks MQTT-3.10.4-5
  start(Defect::no_unsuback_when_unmatched);
  auto subscriber = connected("subscriber");
  subscriber->send(Unsubscribe{ProtocolVersion::v3_1_1, 4, {"never/subscribed"}, {}});
  subscriber->ping();  // PINGRESP arrives, no UNSUBACK before it
}

TEST_F(BrokerDefect, PlusMatchesMultiLevel) {  // breaks MQTT-3.3.2-3
  start(Defect::plus_matches_multi_level);
  auto subscriber = connected("subscriber");
  subscriber->subscribe("a/+/c", QoS::at_most_once);
  connected("publisher")->publish("a/b/x/c", "too deep");
  EXPECT_EQ(subscriber->expect<Publish>().topic, "a/b/x/c");
}

TEST_F(BrokerDefect, NoPingresp) {  // breaks MQTT-3.12.4-1
  start(Defect::no_pingresp);
  auto peer = connected("peer");
  peer->send(Pingreq{});
  peer->subscribe("marker", QoS::at_most_once);  // SUBACK comes first: no PINGRESP before it
}

}  // namespace
}  // namespace mqtt::broker
