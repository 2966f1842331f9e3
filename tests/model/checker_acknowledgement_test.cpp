// MQTT 3.1.1 answers owed to the client (PUBACK, PUBCOMP, SUBACK, UNSUBACK, PINGRESP) and packet ids.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "checker_expectations.hpp"
#include "checker_pub_sub.hpp"

namespace mqtt::model::testing {
namespace {

using history::CloseReason;

// ---- Acknowledgements and packet identifiers ------------------------------------------------------------------------

TEST(Acknowledgements, DisconnectAfterAnUnansweredPublishProvesTheMissingPuback) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto sent = h.sent(1, publish("x", "p", QoS::at_least_once, 9));
  h.after(2 * seconds);
  auto disconnect = h.sent(1, Disconnect{});
  h.closed(1, CloseReason::clean_eof);  // the server closed, as DISCONNECT asks
  auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-4.3.2-2", (Evidence{sent, disconnect}));
}

TEST(Acknowledgements, QoS1PublishGetsPuback_MQTT_4_3_2_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto sent = h.sent(1, publish("x", "p", QoS::at_least_once, 9));
  auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-4.3.2-2", (Evidence{sent}));
}

TEST(Acknowledgements, QoS2FlowCompletes_MQTT_4_3_3_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  h.sent(1, publish("x", "p", QoS::exactly_once, 9));
  h.received(1, ack<Pubrec>(9));
  auto release = h.sent(1, ack<Pubrel>(9));
  EXPECT_VIOLATION(judge(h), "MQTT-4.3.3-2", (Evidence{release}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, publish("x", "p", QoS::exactly_once, 9));
  right.received(1, ack<Pubrec>(9));
  right.sent(1, ack<Pubrel>(9));
  right.received(1, ack<Pubcomp>(9));
  EXPECT_CLEAN(judge(right));
}

TEST(Acknowledgements, AckForUnknownPacketIdIsAViolation_MQTT_2_3_1_6) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto acknowledged = h.received(1, ack<Puback>(8));
  EXPECT_VIOLATION(judge(h), "MQTT-2.3.1-6", (Evidence{acknowledged}));

  // While a PUBLISH waits for its PUBACK, a PUBACK with another id is that answer with the wrong id.
  HistoryBuilder waiting;
  waiting.connected(1, "c");
  auto published = waiting.sent(1, publish("x", "p", QoS::at_least_once, 9));
  auto wrong = waiting.received(1, ack<Puback>(8));
  EXPECT_VIOLATION(judge(waiting), "MQTT-2.3.1-6", (Evidence{published, wrong}));
}

TEST(Acknowledgements, SubackEchoesTheId_MQTT_2_3_1_7) {
  HistoryBuilder h;
  h.connected(1, "c");
  h.sent(1, HistoryBuilder::subscribe(5, {{"a", QoS::at_most_once}}));
  auto wrong = h.received(1, Suback{ProtocolVersion::v3_1_1, 6, {0}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-2.3.1-7", (Evidence{wrong}));
}

TEST(Acknowledgements, SubackHasOneReturnCodePerFilter_MQTT_3_8_4_5) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto request = h.sent(1, HistoryBuilder::subscribe(5, {{"a", QoS::at_most_once}, {"b", QoS::at_least_once}}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 5, {0}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-3.8.4-5", (Evidence{request, answer}));
}

TEST(Acknowledgements, SubackCodesAreGrantedQoSOrFailure_MQTT_3_9_3_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto request = h.sent(1, HistoryBuilder::subscribe(5, {{"a", QoS::exactly_once}}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 5, {0x03}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-3.9.3-2", (Evidence{request, answer}));
}

TEST(Acknowledgements, GrantedQoSMayBeLowerButNotHigher) {
  HistoryBuilder lower;
  lower.connected(1, "c");
  lower.sent(1, HistoryBuilder::subscribe(5, {{"a", QoS::exactly_once}}));
  lower.received(1, Suback{ProtocolVersion::v3_1_1, 5, {0x01}, {}});
  EXPECT_CLEAN(judge(lower));

  HistoryBuilder higher;
  higher.connected(1, "c");
  auto request = higher.sent(1, HistoryBuilder::subscribe(5, {{"a", QoS::at_most_once}}));
  auto answer = higher.received(1, Suback{ProtocolVersion::v3_1_1, 5, {0x02}, {}});
  EXPECT_VIOLATION(judge(higher), "MQTT-3.8.4-5", (Evidence{request, answer}));
}

TEST(Acknowledgements, UnsubackIsSentEvenWhenNothingWasSubscribed_MQTT_3_10_4_5) {
  HistoryBuilder h;
  h.connected(1, "c");
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 3;
  unsubscribe.filters = {"never/subscribed"};
  auto request = h.sent(1, unsubscribe);
  EXPECT_VIOLATION(judge(h), "MQTT-3.10.4-5", (Evidence{request}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, unsubscribe);
  right.received(1, Unsuback{ProtocolVersion::v3_1_1, 3, {}, {}});
  EXPECT_CLEAN(judge(right));
}

TEST(Acknowledgements, PingreqGetsPingresp_MQTT_3_12_4_1) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto ping = h.sent(1, Pingreq{});
  h.after(3 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  EXPECT_VIOLATION(judge(h), "MQTT-3.12.4-1", (Evidence{ping, closed}));
}

TEST(PacketIds, ServerDoesNotReuseAnIdInFlight_MQTT_2_3_1_4) {
  PubSub s;
  auto& h = s.h;
  h.sent(2, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/1", "mh1 two", QoS::at_least_once, 2));
  h.received(2, ack<Puback>(2));
  auto first = h.received(1, publish("a/1", "mh1 one", QoS::at_least_once, 7));
  auto second = h.received(1, publish("a/1", "mh1 two", QoS::at_least_once, 7));
  h.sent(1, ack<Puback>(7));
  EXPECT_VIOLATION(judge(h), "MQTT-2.3.1-4", (Evidence{first, second}));
}
}  // namespace
}  // namespace mqtt::model::testing
