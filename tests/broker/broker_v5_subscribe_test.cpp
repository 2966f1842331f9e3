// The embedded broker and MQTT 5.0 SUBSCRIBE/UNSUBSCRIBE: subscription options (No Local, Retain As Published,
// Retain Handling), Subscription Identifiers, reason codes, capabilities switched off, and shared subscriptions.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Subscribe : public ::testing::Test {
 protected:
  void start(BrokerOptions options = {}) { broker_ = std::make_unique<EmbeddedBroker>(std::move(options)); }
  void SetUp() override { start(); }
  std::uint16_t port() const { return broker_->port(); }

  std::unique_ptr<EmbeddedBroker> broker_;
};

TEST_F(BrokerV5Subscribe, NoLocalKeepsAClientsOwnPublicationsFromIt) {  // MQTT-3.8.3-3
  auto client = connect5(port(), "echo");
  subscribe5(*client, {subscription("local/t", QoS::at_most_once, true)});
  client->send(publish_packet("local/t", "mine"));
  auto other = connect5(port(), "other");
  other->send(publish_packet("local/t", "theirs"));
  EXPECT_EQ(text(client->expect<Publish>().payload), "theirs");
}

TEST_F(BrokerV5Subscribe, RetainAsPublishedDecidesTheRetainFlag) {  // MQTT-3.3.1-12, MQTT-3.3.1-13
  auto keeps = connect5(port(), "keeps");
  subscribe5(*keeps, {subscription("rap/t", QoS::at_most_once, false, true)});
  auto clears = connect5(port(), "clears");
  subscribe5(*clears, {subscription("rap/t", QoS::at_most_once, false, false)});
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("rap/t", "r", QoS::at_most_once, std::nullopt, {}, true));
  EXPECT_TRUE(keeps->expect<Publish>().retain);
  EXPECT_FALSE(clears->expect<Publish>().retain);
}

TEST_F(BrokerV5Subscribe, RetainHandlingDecidesWhichSubscriptionsGetRetainedMessages) {
  // MQTT-3.3.1-9, MQTT-3.3.1-10, MQTT-3.3.1-11, MQTT-3.8.4-4
  auto sender = connect5(port(), "sender");
  sender->publish("rh/t", "kept", QoS::at_least_once, true, 1);
  auto client = connect5(port(), "client");
  subscribe5(*client, {subscription("rh/t", QoS::at_least_once, false, false, 2)}, {}, 1);
  client->ping();  // 2: none
  subscribe5(*client, {subscription("rh/t", QoS::at_least_once, false, false, 1)}, {}, 2);
  client->ping();  // 1: the subscription existed, so none
  subscribe5(*client, {subscription("rh/+", QoS::at_least_once, false, false, 1)}, {}, 3);
  Publish retained = client->expect<Publish>();  // 1 on a new subscription: sent
  EXPECT_TRUE(retained.retain);
  client->send(Puback{ProtocolVersion::v5, *retained.packet_id, 0, {}});
  subscribe5(*client, {subscription("rh/t", QoS::at_least_once, false, false, 0)}, {}, 4);
  retained = client->expect<Publish>();  // 0: sent again on a replaced subscription
  EXPECT_TRUE(retained.retain);
  EXPECT_EQ(text(retained.payload), "kept");
}

TEST_F(BrokerV5Subscribe, DeliveriesCarryTheMatchingSubscriptionIdentifiers) {  // MQTT-3.3.4-3, MQTT-3.3.4-4
  auto client = connect5(port(), "identified");
  subscribe5(*client, {subscription("id/+", QoS::at_most_once)},
             properties(PropertyId::subscription_identifier, std::uint32_t{5}), 1);
  subscribe5(*client, {subscription("id/#", QoS::at_least_once)},
             properties(PropertyId::subscription_identifier, std::uint32_t{268'435'455}), 2);
  subscribe5(*client, {subscription("id/x/#", QoS::at_most_once)}, {}, 3);  // none
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("id/x", "both"));
  auto ids = all_u32(client->expect<Publish>().properties, PropertyId::subscription_identifier);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{5, 268'435'455}));  // one copy, both identifiers, any order
  sender->send(publish_packet("id/x/y", "one"));
  EXPECT_EQ(all_u32(client->expect<Publish>().properties, PropertyId::subscription_identifier),
            (std::vector<std::uint32_t>{268'435'455}));
  // A retained message sent on subscribe carries the new subscription's identifier too.
  sender->publish("kept/r", "retained", QoS::at_least_once, true, 9);
  subscribe5(*client, {subscription("kept/r", QoS::at_most_once)},
             properties(PropertyId::subscription_identifier, std::uint32_t{77}), 4);
  const Publish retained = client->expect<Publish>();
  EXPECT_TRUE(retained.retain);
  EXPECT_EQ(all_u32(retained.properties, PropertyId::subscription_identifier), (std::vector<std::uint32_t>{77}));
}

TEST_F(BrokerV5Subscribe, UnsubackSaysWhichSubscriptionsExisted) {  // MQTT-3.11.3-1, MQTT-3.11.3-2, MQTT-3.10.4-5
  auto client = connect5(port(), "unsubscriber");
  subscribe5(*client, {subscription("un/a", QoS::at_most_once)});
  client->send(Unsubscribe{ProtocolVersion::v5, 2, {"un/a", "un/b"}, {}});
  const Unsuback unsuback = client->expect<Unsuback>();
  EXPECT_EQ(unsuback.packet_id, 2);
  EXPECT_EQ(unsuback.reason_codes, (std::vector<std::uint8_t>{0x00, 0x11}));
}

TEST_F(BrokerV5Subscribe, GrantsAReasonCodePerFilterWithinTheMaximumQoS) {  // MQTT-3.8.4-6, MQTT-3.8.4-7, MQTT-3.9.3-1
  BrokerOptions options;
  options.maximum_qos = QoS::at_least_once;
  start(options);
  auto client = connect5(port(), "granted");
  const Suback suback = subscribe5(*client, {subscription("g/0", QoS::at_most_once), subscription("g/2", QoS::exactly_once),
                                             subscription("$share/group/g/1", QoS::at_least_once)});
  EXPECT_EQ(suback.reason_codes, (std::vector<std::uint8_t>{0x00, 0x01, 0x01}));
}

TEST_F(BrokerV5Subscribe, AMalformedSharedFilterIsAMalformedPacket) {  // MQTT-4.8.2-2, 4.13.1
  // "$share/bad" has no '/' and Topic Filter after the share name: the SUBSCRIBE is malformed, so no SUBACK.
  auto client = connect5(port(), "malformed");
  client->send(subscribe_packet(1, {subscription("$share/bad", QoS::at_least_once)}));
  EXPECT_EQ(disconnect_reason(*client), 0x81);
  EXPECT_TRUE(std::holds_alternative<Closed>(client->receive(std::chrono::seconds(5))));
}

TEST_F(BrokerV5Subscribe, SubscriptionsBeyondTheDeclaredCapabilitiesGetDisconnects) {  // 3.2.2.3.11 to 3.2.2.3.13
  BrokerOptions options;
  options.mqtt5.wildcard_subscription_available = false;
  options.mqtt5.subscription_identifier_available = false;
  options.mqtt5.shared_subscription_available = false;
  start(options);
  auto wildcard = connect5(port(), "wildcard");
  wildcard->send(subscribe_packet(1, {subscription("w/+", QoS::at_most_once)}));
  EXPECT_EQ(disconnect_reason(*wildcard), 0xA2);
  auto identified = connect5(port(), "identified");
  identified->send(subscribe_packet(1, {subscription("w/t", QoS::at_most_once)},
                                    properties(PropertyId::subscription_identifier, std::uint32_t{1})));
  EXPECT_EQ(disconnect_reason(*identified), 0xA1);
  auto shared = connect5(port(), "shared");
  shared->send(subscribe_packet(1, {subscription("$share/g/w/t", QoS::at_most_once)}));
  EXPECT_EQ(disconnect_reason(*shared), 0x9E);
  auto plain = connect5(port(), "plain");
  EXPECT_EQ(subscribe5(*plain, {subscription("w/t", QoS::at_most_once)}).reason_codes[0], 0x00);
}

// Shared subscriptions (4.8.2) ------------------------------------------------------------------------------

TEST_F(BrokerV5Subscribe, ASharedSubscriptionSendsEachMessageToOneMember) {  // 4.8.2
  auto first = connect5(port(), "worker-1");
  auto second = connect5(port(), "worker-2");
  subscribe5(*first, {subscription("$share/pool/job/+", QoS::at_most_once)});
  subscribe5(*second, {subscription("$share/pool/job/+", QoS::at_most_once)});
  auto plain = connect5(port(), "plain");
  subscribe5(*plain, {subscription("job/+", QoS::at_most_once)});
  auto sender = connect5(port(), "sender");
  for (int i = 0; i < 4; ++i) sender->send(publish_packet("job/" + std::to_string(i), "j"));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(plain->expect<Publish>().topic, "job/" + std::to_string(i));
  // Round robin: two each, and none twice.
  EXPECT_EQ(first->expect<Publish>().topic, "job/0");
  EXPECT_EQ(second->expect<Publish>().topic, "job/1");
  EXPECT_EQ(first->expect<Publish>().topic, "job/2");
  EXPECT_EQ(second->expect<Publish>().topic, "job/3");
  first->ping();
  second->ping();
}

TEST_F(BrokerV5Subscribe, ASharedSubscriptionRespectsEachMembersGrantAndSendsNoRetained) {  // MQTT-4.8.2-3, 4.8.2
  auto sender = connect5(port(), "sender");
  sender->publish("grant/t", "old", QoS::at_least_once, true, 1);
  auto member = connect5(port(), "member");
  subscribe5(*member, {subscription("$share/g/grant/t", QoS::at_most_once)},
             properties(PropertyId::subscription_identifier, std::uint32_t{4}));
  member->ping();  // no retained message on a shared subscription
  sender->publish("grant/t", "new", QoS::exactly_once, false, 2);
  const Publish received = member->expect<Publish>();
  EXPECT_EQ(received.qos, QoS::at_most_once);
  EXPECT_FALSE(received.retain);
  EXPECT_EQ(all_u32(received.properties, PropertyId::subscription_identifier), (std::vector<std::uint32_t>{4}));
}

TEST_F(BrokerV5Subscribe, AQos1MessageMovesToAnotherMemberWhenItsConnectionIsLost) {  // 4.8.2
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto lost = connect5(port(), "lost", true, a_minute);
  auto kept = connect5(port(), "kept", true, a_minute);
  subscribe5(*lost, {subscription("$share/g/move/t", QoS::at_least_once)});
  subscribe5(*kept, {subscription("$share/g/move/t", QoS::at_least_once)});
  auto sender = connect5(port(), "sender");
  sender->publish("move/t", "first", QoS::at_least_once, false, 1);  // round robin: to "lost"
  EXPECT_EQ(text(lost->expect<Publish>().payload), "first");
  lost->close_abruptly();  // without PUBACK
  const Publish moved = kept->expect<Publish>();
  EXPECT_EQ(text(moved.payload), "first");
  EXPECT_FALSE(moved.dup);  // a first delivery to this member
  kept->send(Puback{ProtocolVersion::v5, *moved.packet_id, 0, {}});
  auto back = connect5(port(), "lost", false, a_minute);
  EXPECT_TRUE(back.connack.session_present);
  EXPECT_TRUE(back->silent_for(300ms));  // not re-sent to the member that lost it
}

TEST_F(BrokerV5Subscribe, AQos2MessageIsCompletedWithItsMemberAndNoOther) {  // MQTT-4.8.2-4, MQTT-4.8.2-5
  const auto a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});
  auto chosen = connect5(port(), "chosen", true, a_minute);
  auto other = connect5(port(), "other", true, a_minute);
  subscribe5(*chosen, {subscription("$share/g/q2/t", QoS::exactly_once)});
  subscribe5(*other, {subscription("$share/g/q2/t", QoS::exactly_once)});
  auto sender = connect5(port(), "sender");
  sender->publish("q2/t", "exactly", QoS::exactly_once, false, 1);  // round robin: to "chosen"
  const Publish first = chosen->expect<Publish>();
  chosen->close_abruptly();
  EXPECT_TRUE(other->silent_for(300ms));
  auto back = connect5(port(), "chosen", false, a_minute);
  const Publish again = back->expect<Publish>();
  EXPECT_TRUE(again.dup);
  EXPECT_EQ(again.packet_id, first.packet_id);
  // Its session ending now drops it: never to another member.
  back->send(Disconnect{ProtocolVersion::v5, 0x00, properties(PropertyId::session_expiry_interval, std::uint32_t{0})});
  EXPECT_TRUE(back->closed_within());
  EXPECT_TRUE(other->silent_for(300ms));
}

TEST_F(BrokerV5Subscribe, UnsubscribingLeavesTheSharedSubscription) {  // 3.10.4, 4.8.2
  auto leaver = connect5(port(), "leaver");
  auto stayer = connect5(port(), "stayer");
  subscribe5(*leaver, {subscription("$share/g/leave/t", QoS::at_most_once)});
  subscribe5(*stayer, {subscription("$share/g/leave/t", QoS::at_most_once)});
  leaver->send(Unsubscribe{ProtocolVersion::v5, 2, {"$share/g/leave/t"}, {}});
  EXPECT_EQ(leaver->expect<Unsuback>().reason_codes, (std::vector<std::uint8_t>{0x00}));
  auto sender = connect5(port(), "sender");
  for (int i = 0; i < 3; ++i) sender->send(publish_packet("leave/t", std::to_string(i)));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(text(stayer->expect<Publish>().payload), std::to_string(i));
  leaver->ping();
}

TEST_F(BrokerV5Subscribe, ShareIsAnOrdinaryFilterFor311Clients) {  // 3.1.1 behaviour unchanged
  RawClient legacy(port());
  legacy.connect("legacy");
  EXPECT_EQ(legacy.subscribe("$share/g/t", QoS::at_most_once).reason_codes, std::vector<std::uint8_t>{0});
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("t", "not for the 3.1.1 client"));
  legacy.ping();
}

}  // namespace
}  // namespace mqtt::broker
