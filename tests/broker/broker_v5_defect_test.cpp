// Each MQTT 5.0 defect, switched on alone, changes the one behaviour it names; the same steps on a sound broker
// behave as broker_v5_*_test.cpp show. These are what the 5.0 checker must catch. Where the harness codec itself
// refuses the broker's bytes, the test reads the statement the codec names.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "broker/broker.hpp"
#include "mqtt5_client.hpp"

namespace mqtt::broker {
namespace {

using namespace testing;

class BrokerV5Defect : public ::testing::Test {
 protected:
  void start(Defect defect) {
    BrokerOptions options;
    options.defects.insert(defect);
    broker_ = std::make_unique<EmbeddedBroker>(std::move(options));
  }
  std::uint16_t port() const { return broker_->port(); }
  Client5 subscriber(const std::string& client_id, Subscription subscription_wanted, Properties connect_properties = {},
                     Properties subscribe_properties = {}) {
    auto client = connect5(port(), client_id, true, std::move(connect_properties));
    subscribe5(*client, {std::move(subscription_wanted)}, std::move(subscribe_properties));
    return client;
  }

  std::unique_ptr<EmbeddedBroker> broker_;
};

const Properties a_minute = properties(PropertyId::session_expiry_interval, std::uint32_t{60});

// Flow control and packet size ------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, IgnoreReceiveMaximum) {  // breaks MQTT-3.3.4-9
  start(Defect::ignore_receive_maximum);
  auto receiver = subscriber("receiver", subscription("flow/t", QoS::at_least_once),
                             properties(PropertyId::receive_maximum, std::uint16_t{1}));
  auto sender = connect5(port(), "sender");
  sender->publish("flow/t", "1", QoS::at_least_once, false, 1);
  sender->publish("flow/t", "2", QoS::at_least_once, false, 2);
  receiver->expect<Publish>();
  EXPECT_EQ(text(receiver->expect<Publish>().payload), "2");  // a second before the first's PUBACK
}

TEST_F(BrokerV5Defect, OversizedPacketSent) {  // breaks MQTT-3.1.2-25 (and with it MQTT-3.1.2-24)
  start(Defect::oversized_packet_sent);
  auto receiver = subscriber("small", subscription("size/t", QoS::at_least_once),
                             properties(PropertyId::maximum_packet_size, std::uint32_t{64}));
  auto sender = connect5(port(), "sender");
  sender->publish("size/t", std::string(200, 'x'), QoS::at_least_once, false, 1);
  receiver->expect<Publish>();
  EXPECT_GT(receiver->last_bytes().size(), 64u);
}

// Message expiry --------------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, MessageExpiryNotForwarded) {  // breaks MQTT-3.3.2-6
  start(Defect::message_expiry_not_forwarded);
  auto receiver = subscriber("receiver", subscription("expiry/t", QoS::at_least_once));
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("expiry/t", "e", QoS::at_least_once, 1,
                              properties(PropertyId::message_expiry_interval, std::uint32_t{100})));
  EXPECT_FALSE(contains(receiver->expect<Publish>().properties, PropertyId::message_expiry_interval));
}

TEST_F(BrokerV5Defect, ExpiredMessagesDelivered) {  // breaks MQTT-3.3.2-5
  start(Defect::expired_messages_delivered);
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("expire/retained", "stale", QoS::at_least_once, 1,
                              properties(PropertyId::message_expiry_interval, std::uint32_t{1}), true));
  sender->expect<Puback>();
  EXPECT_TRUE(sender->silent_for(1300ms));  // the interval passes
  auto late = subscriber("late", subscription("expire/retained", QoS::at_least_once));
  const Publish retained = late->expect<Publish>();
  EXPECT_EQ(text(retained.payload), "stale");
  EXPECT_EQ(broker_->statistics().messages_expired, 0u);
}

// Wills -----------------------------------------------------------------------------------------------------

Connect with_will(const std::string& client_id, std::uint32_t will_delay) {
  Connect connect = connect_packet(client_id, true, a_minute);
  connect.will = Will{"will/" + client_id, {'w'}, QoS::at_most_once, false,
                      properties(PropertyId::will_delay_interval, will_delay)};
  return connect;
}

TEST_F(BrokerV5Defect, WillWithoutDelay) {  // breaks MQTT-3.1.3-9
  start(Defect::will_without_delay);
  auto watcher = subscriber("watcher", subscription("will/#", QoS::at_most_once));
  auto client = connect5(port(), with_will("hasty", 60));
  client->close_abruptly();
  auto back = connect5(port(), connect_packet("hasty", false, a_minute));
  EXPECT_TRUE(back.connack.session_present);  // back well within the 60 s delay, yet the will went out
  EXPECT_EQ(watcher->expect<Publish>(2s).topic, "will/hasty");
}

TEST_F(BrokerV5Defect, WillDiscardedOnDisconnectWithWill) {  // breaks MQTT-3.1.2-8
  start(Defect::will_discarded_on_disconnect_with_will);
  auto watcher = subscriber("watcher", subscription("will/#", QoS::at_most_once));
  auto client = connect5(port(), with_will("asked", 0));
  client->send(Disconnect{ProtocolVersion::v5, 0x04, {}});
  EXPECT_TRUE(client->closed_within());
  connect5(port(), "marker")->send(publish_packet("will/marker", "m"));
  EXPECT_EQ(watcher->expect<Publish>().topic, "will/marker");  // no will before it
}

// Subscription options and identifiers ----------------------------------------------------------------------

TEST_F(BrokerV5Defect, RetainHandling2Ignored) {  // breaks MQTT-3.3.1-11
  start(Defect::retain_handling_2_ignored);
  connect5(port(), "sender")->publish("rh/t", "kept", QoS::at_least_once, true, 1);
  auto client = connect5(port(), "client");
  subscribe5(*client, {subscription("rh/t", QoS::at_most_once, false, false, 2)});
  EXPECT_TRUE(client->expect<Publish>().retain);
}

TEST_F(BrokerV5Defect, RetainHandling1Resends) {  // breaks MQTT-3.3.1-10
  start(Defect::retain_handling_1_resends);
  connect5(port(), "sender")->publish("rh/t", "kept", QoS::at_least_once, true, 1);
  auto client = connect5(port(), "client");
  subscribe5(*client, {subscription("rh/t", QoS::at_most_once, false, false, 1)}, {}, 1);
  EXPECT_TRUE(client->expect<Publish>().retain);  // new subscription: right to send
  subscribe5(*client, {subscription("rh/t", QoS::at_most_once, false, false, 1)}, {}, 2);
  EXPECT_TRUE(client->expect<Publish>().retain);  // existing subscription: sent again
}

TEST_F(BrokerV5Defect, SubscriptionIdentifierMissing) {  // breaks MQTT-3.3.4-3
  start(Defect::subscription_identifier_missing);
  auto receiver = subscriber("receiver", subscription("id/t", QoS::at_most_once), {},
                             properties(PropertyId::subscription_identifier, std::uint32_t{5}));
  connect5(port(), "sender")->send(publish_packet("id/t", "x"));
  EXPECT_FALSE(contains(receiver->expect<Publish>().properties, PropertyId::subscription_identifier));
}

TEST_F(BrokerV5Defect, NoLocalIgnored) {  // breaks MQTT-3.8.3-3
  start(Defect::no_local_ignored);
  auto client = subscriber("echo", subscription("local/t", QoS::at_most_once, true));
  client->send(publish_packet("local/t", "mine"));
  EXPECT_EQ(text(client->expect<Publish>().payload), "mine");
}

TEST_F(BrokerV5Defect, RetainAsPublishedIgnored) {  // breaks MQTT-3.3.1-13
  start(Defect::retain_as_published_ignored);
  auto keeps = subscriber("keeps", subscription("rap/t", QoS::at_most_once, false, true));
  connect5(port(), "sender")->send(publish_packet("rap/t", "r", QoS::at_most_once, std::nullopt, {}, true));
  EXPECT_FALSE(keeps->expect<Publish>().retain);
}

// Properties passed on --------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, UserPropertiesReordered) {  // breaks MQTT-3.3.2-18
  start(Defect::user_properties_reordered);
  auto receiver = subscriber("receiver", subscription("props/t", QoS::at_most_once));
  Properties sent;
  sent.push_back(user_property("first", "1"));
  sent.push_back(user_property("second", "2"));
  connect5(port(), "sender")->send(publish_packet("props/t", "p", QoS::at_most_once, std::nullopt, sent));
  EXPECT_EQ(user_properties(receiver->expect<Publish>().properties),
            (std::vector<StringPair>{{"second", "2"}, {"first", "1"}}));
}

TEST_F(BrokerV5Defect, ContentTypeDropped) {  // breaks MQTT-3.3.2-20
  start(Defect::content_type_dropped);
  auto receiver = subscriber("receiver", subscription("props/t", QoS::at_most_once));
  connect5(port(), "sender")->send(publish_packet("props/t", "p", QoS::at_most_once, std::nullopt,
                                                  properties(PropertyId::content_type, std::string("text/plain"))));
  EXPECT_FALSE(contains(receiver->expect<Publish>().properties, PropertyId::content_type));
}

// Shared subscriptions --------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, SharedGrantIgnored) {  // breaks MQTT-4.8.2-3
  start(Defect::shared_grant_ignored);
  auto member = subscriber("member", subscription("$share/g/grant/t", QoS::at_most_once));
  connect5(port(), "sender")->publish("grant/t", "x", QoS::at_least_once, false, 1);
  EXPECT_EQ(member->expect<Publish>().qos, QoS::at_least_once);  // above the granted 0
}

TEST_F(BrokerV5Defect, SharedQos2SentToAnotherMember) {  // breaks MQTT-4.8.2-5
  start(Defect::shared_qos2_sent_to_another_member);
  auto chosen = connect5(port(), "chosen", true, a_minute);
  auto other = connect5(port(), "other", true, a_minute);
  subscribe5(*chosen, {subscription("$share/g/q2/t", QoS::exactly_once)});
  subscribe5(*other, {subscription("$share/g/q2/t", QoS::exactly_once)});
  connect5(port(), "sender")->publish("q2/t", "exactly", QoS::exactly_once, false, 1);  // round robin: "chosen"
  chosen->expect<Publish>();
  chosen->close_abruptly();
  auto back = connect5(port(), "chosen", false, a_minute);
  back->expect<Publish>();  // re-sent to its member, as it must be
  back->send(Disconnect{ProtocolVersion::v5, 0x00, properties(PropertyId::session_expiry_interval, std::uint32_t{0})});
  EXPECT_TRUE(back->closed_within());
  EXPECT_EQ(text(other->expect<Publish>().payload), "exactly");  // the session ended: to nobody else
}

TEST_F(BrokerV5Defect, SharedQos2CopiedOnConnectionLoss) {  // breaks MQTT-4.8.2-4
  start(Defect::shared_qos2_copied_on_connection_loss);
  auto chosen = connect5(port(), "chosen", true, a_minute);
  auto other = connect5(port(), "other", true, a_minute);
  subscribe5(*chosen, {subscription("$share/g/q2c/t", QoS::exactly_once)});
  subscribe5(*other, {subscription("$share/g/q2c/t", QoS::exactly_once)});
  connect5(port(), "sender")->publish("q2c/t", "exactly", QoS::exactly_once, false, 1);  // round robin: "chosen"
  chosen->expect<Publish>();
  chosen->close_abruptly();  // the session lives on (a minute)
  EXPECT_EQ(text(other->expect<Publish>().payload), "exactly");  // yet another member gets it
  auto back = connect5(port(), "chosen", false, a_minute);
  EXPECT_EQ(text(back->expect<Publish>().payload), "exactly");  // and the member still completes it
}

TEST_F(BrokerV5Defect, RejectedSharedMessageRedistributed) {  // breaks MQTT-4.8.2-6
  start(Defect::rejected_shared_message_redistributed);
  auto chosen = connect5(port(), "chosen");
  auto other = connect5(port(), "other");
  subscribe5(*chosen, {subscription("$share/g/refused/t", QoS::at_least_once)});
  subscribe5(*other, {subscription("$share/g/refused/t", QoS::at_least_once)});
  connect5(port(), "sender")->publish("refused/t", "no", QoS::at_least_once, false, 1);  // round robin: "chosen"
  const Publish refused = chosen->expect<Publish>();
  chosen->send(Puback{ProtocolVersion::v5, *refused.packet_id, 0x80, {}});
  EXPECT_EQ(text(other->expect<Publish>().payload), "no");
}

// Refused acknowledgements and PUBREL -----------------------------------------------------------------------

TEST_F(BrokerV5Defect, RejectedMessageResent) {  // breaks MQTT-4.4.0-2
  start(Defect::rejected_message_resent);
  auto device = connect5(port(), "device", true, a_minute);
  subscribe5(*device, {subscription("refuse/t", QoS::at_least_once)});
  connect5(port(), "sender")->publish("refuse/t", "once", QoS::at_least_once, false, 1);
  const Publish refused = device->expect<Publish>();
  device->send(Puback{ProtocolVersion::v5, *refused.packet_id, 0x80, {}});
  device->close_abruptly();
  auto back = connect5(port(), "device", false, a_minute);
  const Publish again = back->expect<Publish>();
  EXPECT_EQ(text(again.payload), "once");
  EXPECT_TRUE(again.dup);
}

TEST_F(BrokerV5Defect, PubrelUnknownIdUnanswered) {  // breaks MQTT-4.3.3-11
  start(Defect::pubrel_unknown_id_unanswered);
  auto client = connect5(port(), "client");
  client->send(Pubrel{ProtocolVersion::v5, 4242, 0x00, {}});
  EXPECT_TRUE(client->silent_for(500ms));  // a sound broker answers PUBCOMP at once
}

// Session expiry --------------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, SessionKeptAfterExpiry) {  // breaks MQTT-4.1.0-2
  start(Defect::session_kept_after_expiry);
  const auto one_second = properties(PropertyId::session_expiry_interval, std::uint32_t{1});
  auto first = connect5(port(), "expiring", true, one_second);
  subscribe5(*first, {subscription("expiring/t", QoS::at_least_once)});
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  EXPECT_TRUE(connect5(port(), "observer")->silent_for(1500ms));  // the interval passes
  EXPECT_TRUE(connect5(port(), "expiring", false, one_second).connack.session_present);
}

TEST_F(BrokerV5Defect, SessionDiscardedDespiteExpiry) {  // breaks MQTT-3.1.2-23
  start(Defect::session_discarded_despite_expiry);
  auto first = connect5(port(), "lasting", true, a_minute);
  subscribe5(*first, {subscription("lasting/t", QoS::at_least_once)});
  first->disconnect();
  EXPECT_TRUE(first->closed_within());
  EXPECT_FALSE(connect5(port(), "lasting", false, a_minute).connack.session_present);
}

// Topic aliases ---------------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, TopicAliasNotHonoured) {  // breaks MQTT-3.3.2-12
  start(Defect::topic_alias_not_honoured);
  auto sender = connect5(port(), "sender");
  const auto alias = properties(PropertyId::topic_alias, std::uint16_t{1});
  sender->send(publish_packet("alias/t", "1", QoS::at_most_once, std::nullopt, alias));
  sender->send(publish_packet("", "2", QoS::at_most_once, std::nullopt, alias));
  EXPECT_EQ(disconnect_reason(*sender), 0x82);
}

TEST_F(BrokerV5Defect, UnsolicitedTopicAliases) {  // breaks MQTT-3.1.2-27
  start(Defect::unsolicited_topic_aliases);
  auto receiver = subscriber("receiver", subscription("alias/t", QoS::at_most_once));  // no Topic Alias Maximum
  auto sender = connect5(port(), "sender");
  sender->send(publish_packet("alias/t", "1"));
  sender->send(publish_packet("alias/t", "2"));
  EXPECT_TRUE(contains(receiver->expect<Publish>().properties, PropertyId::topic_alias));
  const Publish second = receiver->expect<Publish>();
  EXPECT_TRUE(contains(second.properties, PropertyId::topic_alias));
  EXPECT_EQ(second.topic, "");
}

// CONNACK and DISCONNECT ------------------------------------------------------------------------------------

TEST_F(BrokerV5Defect, SessionPresentWithError) {  // breaks MQTT-3.2.2-6
  start(Defect::session_present_with_error);
  RawClient client(port(), ProtocolVersion::v5);
  client.send(connect_packet("auth", true, properties(PropertyId::authentication_method, std::string("X"))));
  // The harness codec refuses a refusing CONNACK with Session Present 1, naming the statement.
  EXPECT_TRUE(std::holds_alternative<Closed>(client.receive()));
  ASSERT_TRUE(client.decode_error().has_value());
  EXPECT_EQ(client.decode_error()->statement, "MQTT-3.2.2-6");
}

TEST_F(BrokerV5Defect, NoAssignedClientIdentifier) {  // breaks MQTT-3.2.2-16
  start(Defect::no_assigned_client_identifier);
  auto client = connect5(port(), "");
  EXPECT_EQ(client.connack.reason_code, 0x00);
  EXPECT_FALSE(contains(client.connack.properties, PropertyId::assigned_client_identifier));
}

TEST_F(BrokerV5Defect, ResponseInformationUnrequested) {  // breaks MQTT-3.1.2-28
  start(Defect::response_information_unrequested);
  auto client = connect5(port(), "unasked");
  EXPECT_TRUE(contains(client.connack.properties, PropertyId::response_information));
}

TEST_F(BrokerV5Defect, ReasonStringUnrequested) {  // breaks MQTT-3.1.2-29
  start(Defect::reason_string_unrequested);
  auto client = connect5(port(), "quiet", true, properties(PropertyId::request_problem_information, std::uint8_t{0}));
  const Suback suback = subscribe5(*client, {subscription("quiet/t", QoS::at_most_once)});
  EXPECT_TRUE(contains(suback.properties, PropertyId::reason_string));
}

TEST_F(BrokerV5Defect, SessionExpiryOnServerDisconnect) {  // breaks MQTT-3.14.2-2
  start(Defect::session_expiry_on_server_disconnect);
  auto older = connect5(port(), "twin", true, a_minute);
  auto newer = connect5(port(), "twin", false, a_minute);
  // The takeover's DISCONNECT 0x8E carries a Session Expiry Interval; the harness codec refuses it.
  EXPECT_TRUE(std::holds_alternative<Closed>(older->receive()));
  ASSERT_TRUE(older->decode_error().has_value());
  EXPECT_EQ(older->decode_error()->statement, "MQTT-3.14.2-2");
}

}  // namespace
}  // namespace mqtt::broker
