// Hand-written histories, one per promise of MQTT 3.1.1: the conformant version is judged clean and each broken
// version is caught with its statement id and the smallest evidence.
#include "model/checker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::ack;
using testing::Evidence;
using testing::HistoryBuilder;
using testing::judge;
using testing::listing;
using testing::milliseconds;
using testing::publish;
using testing::seconds;
using testing::will_on;

// A subscriber on connection 1 (filter "a/#" at `granted`) and a publisher on connection 2.
struct PubSub {
  HistoryBuilder h;
  std::uint64_t suback = 0;
  explicit PubSub(QoS granted = QoS::exactly_once, bool clean = true) {
    h.connected(1, "sub", clean);
    suback = h.subscribed(1, 1, "a/#", granted);
    h.connected(2, "pub");
  }
};

// ---- 3.2 CONNACK -------------------------------------------------------------------------------------------------

TEST(Connack, IsTheFirstPacketTheServerSends_MQTT_3_2_0_1) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  auto connect_sequence = h.sent(1, connect);
  auto ping = h.received(1, Pingresp{});
  h.received(1, Connack{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.0-1", (Evidence{connect_sequence, ping}));
}

TEST(Connack, CleanSessionHasSessionPresentZero_MQTT_3_2_2_1) {
  HistoryBuilder h;
  auto connack = h.connected(1, "c", true, /*session_present=*/true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.2-1", (Evidence{2, connack}));
}

TEST(Connack, StoredSessionIsReportedPresent_MQTT_3_2_2_2) {
  HistoryBuilder h;
  auto first = h.connected(1, "c", /*clean=*/false, false);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  h.connected(2, "c", false, true);
  EXPECT_CLEAN(judge(h));

  HistoryBuilder h2;
  first = h2.connected(1, "c", false, false);
  h2.sent(1, Disconnect{});
  h2.closed(1, CloseReason::local_close);
  auto second = h2.connected(2, "c", false, false);
  EXPECT_VIOLATION(judge(h2), "MQTT-3.2.2-2", (Evidence{first, second - 1, second}));
}

TEST(Connack, NoStoredSessionIsReportedAbsent_MQTT_3_2_2_3) {
  HistoryBuilder h;
  auto clean = h.connected(1, "c", /*clean=*/true);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  auto second = h.connected(2, "c", false, /*session_present=*/true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.2.2-3", (Evidence{clean, second - 1, second}));
}

TEST(Connack, FirstPersistentConnectIsNotJudgedWhenHistoryCannotKnow) {
  HistoryBuilder h;
  h.connected(1, "c", false, true);  // a capture may start after an earlier session
  EXPECT_CLEAN(judge(h));
}

TEST(Connack, RefusalHasSessionPresentZeroAndCloses_MQTT_3_2_2_4_and_5) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  auto connect_sequence = h.sent(1, connect);
  Connack refusal;
  refusal.reason_code = 5;
  refusal.session_present = true;
  auto connack = h.received(1, refusal);
  h.after(3 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-3.2.2-4", (Evidence{connect_sequence, connack}));
  EXPECT_VIOLATION(verdicts, "MQTT-3.2.2-5", (Evidence{connect_sequence, connack, closed}));
}

TEST(Connack, RefusalFollowedByCloseIsConformant) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "c";
  h.sent(1, connect);
  Connack refusal;
  refusal.reason_code = 5;
  h.received(1, refusal);
  h.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(h));
}

TEST(Authentication, WrongCredentialsAreRefused) {
  HistoryBuilder h;
  auto note = h.note(1, "expect-auth-failure");
  auto connack = h.connected(1, "c");
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.4-1", (Evidence{note, connack - 1, connack}));

  HistoryBuilder refused;
  refused.note(1, "expect-auth-failure");
  refused.open(1, "c");
  refused.sent(1, Connect{});
  Connack not_authorised;
  not_authorised.reason_code = 5;
  refused.received(1, not_authorised);
  refused.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(refused));
}

// ---- 3.1 CONNECT policing ----------------------------------------------------------------------------------------

TEST(Connect, EmptyClientIdWithCleanSessionZeroIsRefusedWith0x02_MQTT_3_1_3_8) {
  HistoryBuilder h;
  h.open(1, "c");
  Connect connect;
  connect.client_id = "";
  connect.clean_session = false;
  auto connect_sequence = h.sent(1, connect);
  auto connack = h.received(1, Connack{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.3-8", (Evidence{connect_sequence, connack}));

  HistoryBuilder right;
  right.open(1, "c");
  right.sent(1, connect);
  Connack rejected;
  rejected.reason_code = 2;
  right.received(1, rejected);
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}

TEST(Connect, SecondConnectClosesTheConnection_MQTT_3_1_0_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  Connect again;
  again.client_id = "c";
  auto second = h.sent(1, again);
  h.after(2 * seconds);
  auto ping = h.received(1, Pingresp{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.0-2", (Evidence{second, ping}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, again);
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}

TEST(Connect, FirstPacketMustBeConnect_MQTT_3_1_0_1) {
  HistoryBuilder h;
  h.open(1, "c");
  auto ping = h.sent(1, Pingreq{});
  h.after(2 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.0-1", (Evidence{ping, closed}));
}

TEST(ClientIdTakeover, DisconnectsTheExistingClient_MQTT_3_1_4_2) {
  HistoryBuilder h;
  auto first = h.connected(1, "c");
  auto second = h.connected(2, "c");
  h.after(2 * seconds);
  auto still_open = h.received(1, Pingresp{});
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.4-2", (Evidence{first, second - 1, second, still_open}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.connected(2, "c");
  right.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(right));
}

// ---- Malformed and forbidden packets from the client ---------------------------------------------------------------

TEST(Policing, PublishWithWildcardTopicIsNotAcknowledged_MQTT_3_3_2_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, publish("a/+", "x", QoS::at_least_once, 3));
  auto answer = h.received(1, ack<Puback>(3));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.2-2", (Evidence{bad, answer}));

  HistoryBuilder right;
  right.connected(1, "c");
  right.sent(1, publish("a/+", "x", QoS::at_least_once, 3));
  right.closed(1, CloseReason::reset);
  EXPECT_CLEAN(judge(right));
}

TEST(Policing, SubscribeWithoutFiltersClosesTheConnection_MQTT_3_8_3_3) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, HistoryBuilder::subscribe(4, {}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 4, {}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-3.8.3-3", (Evidence{bad, answer}));
}

TEST(Policing, InvalidFilterIsRefusedOrClosed_MQTT_4_7_1_2) {
  HistoryBuilder h;
  h.connected(1, "c");
  auto bad = h.sent(1, HistoryBuilder::subscribe(4, {{"a/#/b", QoS::at_most_once}}));
  auto answer = h.received(1, Suback{ProtocolVersion::v3_1_1, 4, {0}, {}});
  EXPECT_VIOLATION(judge(h), "MQTT-4.7.1-2", (Evidence{bad, answer}));

  HistoryBuilder refused;
  refused.connected(1, "c");
  refused.sent(1, HistoryBuilder::subscribe(4, {{"a/#/b", QoS::at_most_once}}));
  refused.received(1, Suback{ProtocolVersion::v3_1_1, 4, {0x80}, {}});
  EXPECT_CLEAN(judge(refused));
}

TEST(Policing, MalformedBytesAreClosedWithTheCodecStatement) {
  HistoryBuilder h;
  h.connected(1, "c");
  // PUBLISH with both QoS bits set: 0x36, remaining length 5, topic "a", packet id 1.
  auto bad = h.sent_raw(1, Bytes{0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01});
  h.after(2 * seconds);
  auto closed = h.closed(1, CloseReason::local_close);
  auto verdicts = judge(h);
  ASSERT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
  EXPECT_EQ(verdicts.violations.front().statement, "MQTT-3.3.1-4");
  EXPECT_EQ(verdicts.violations.front().evidence, (Evidence{bad, closed}));
}

TEST(Policing, ServerBytesThatDoNotDecodeAreViolations) {
  HistoryBuilder h;
  h.connected(1, "c");
  DecodeError error;
  error.statement = "MQTT-2.2.2-1";
  error.message = "reserved flags of SUBACK are not 0000";
  auto bad = h.decode_error(1, error);
  EXPECT_VIOLATION(judge(h), "MQTT-2.2.2-1", (Evidence{bad}));
}

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

// ---- Delivery ----------------------------------------------------------------------------------------------------

TEST(Delivery, ConformantQoS1And2FlowsAreClean) {
  PubSub s;
  auto& h = s.h;
  h.sent(2, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.received(1, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/2", "mh1 two", QoS::exactly_once, 2));
  h.received(2, ack<Pubrec>(2));
  h.sent(2, ack<Pubrel>(2));
  h.received(2, ack<Pubcomp>(2));
  h.received(1, publish("a/2", "mh1 two", QoS::exactly_once, 2));
  h.sent(1, ack<Pubrec>(2));
  h.received(1, ack<Pubrel>(2));
  h.sent(1, ack<Pubcomp>(2));
  auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-4.5.0-1"));
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-4.6.0-6"));
}

TEST(Delivery, MatchingSubscriberGetsEveryQoS1Message_MQTT_4_5_0_1) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 lost", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  EXPECT_VIOLATION(judge(h), "MQTT-4.5.0-1", (Evidence{s.suback, published, owned}));
}

// A duty to a subscriber carries no sentence: the verdict's words are built from the message and the duty
// when it is reported (issue 16). They name the topic, both QoS levels and the client, as before.
TEST(Delivery, AnUnmetDutySaysWhichMessageToWhichClient) {
  PubSub s(QoS::at_least_once);
  auto& h = s.h;
  h.sent(2, publish("a/1", "mh1 lost", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  Checker checker;
  for (const auto& event : h.history().events) checker.observe(event);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().description,
            "deliver the message on 'a/1' (QoS 2) to client 'sub' at QoS 1");
  const auto verdicts = judge(h);
  ASSERT_EQ(verdicts.violations.size(), 1u);
  EXPECT_EQ(verdicts.violations.front().message,
            "the broker did not deliver the message on 'a/1' (QoS 2) to client 'sub' at QoS 1");
}

TEST(Delivery, DeliveredQoSNeverExceedsGranted_MQTT_3_8_4_6) {
  PubSub s(QoS::at_most_once);
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 m", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 m", QoS::at_least_once, 4));
  h.sent(1, ack<Puback>(4));
  EXPECT_VIOLATION(judge(h), "MQTT-3.8.4-6", (Evidence{s.suback, published, delivered}));
}

TEST(Delivery, QoS2IsDeliveredExactlyOnce_MQTT_4_3_3_1) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 once", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  auto first = h.received(1, publish("a/1", "mh1 once", QoS::exactly_once, 3));
  h.sent(1, ack<Pubrec>(3));
  h.received(1, ack<Pubrel>(3));
  h.sent(1, ack<Pubcomp>(3));
  auto second = h.received(1, publish("a/1", "mh1 once", QoS::exactly_once, 4));
  h.sent(1, ack<Pubrec>(4));
  h.received(1, ack<Pubrel>(4));
  h.sent(1, ack<Pubcomp>(4));
  EXPECT_VIOLATION(judge(h), "MQTT-4.3.3-1", (Evidence{published, first, second}));
}

TEST(Delivery, OverlappingSubscriptionsMayYieldOneCopyPerSubscription_MQTT_3_3_5_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::exactly_once);
  h.subscribed(1, 2, "a/+", QoS::exactly_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 twice", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  h.received(1, publish("a/1", "mh1 twice", QoS::exactly_once, 5));
  h.received(1, publish("a/1", "mh1 twice", QoS::exactly_once, 6));
  h.sent(1, ack<Pubrec>(5));
  h.sent(1, ack<Pubrec>(6));
  h.received(1, ack<Pubrel>(5));
  h.received(1, ack<Pubrel>(6));
  h.sent(1, ack<Pubcomp>(5));
  h.sent(1, ack<Pubcomp>(6));
  EXPECT_CLEAN(judge(h));
}

TEST(Delivery, SamePublisherSameTopicArrivesInOrder_MQTT_4_6_0_6) {
  PubSub s;
  auto& h = s.h;
  auto first_published = h.sent(2, publish("a/1", "mh1 first", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/1", "mh1 second", QoS::at_least_once, 2));
  h.received(2, ack<Puback>(2));
  auto second_arrived = h.received(1, publish("a/1", "mh1 second", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  auto first_arrived = h.received(1, publish("a/1", "mh1 first", QoS::at_least_once, 2));
  h.sent(1, ack<Puback>(2));
  EXPECT_VIOLATION(judge(h), "MQTT-4.6.0-6",
                   (Evidence{first_published, first_published + 2, second_arrived, first_arrived}));
}

TEST(Delivery, NoDeliveryAfterUnsubscribe_MQTT_3_10_4_2) {
  PubSub s;
  auto& h = s.h;
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 2;
  unsubscribe.filters = {"a/#"};
  auto removed = h.sent(1, unsubscribe);
  h.received(1, Unsuback{ProtocolVersion::v3_1_1, 2, {}, {}});
  auto published = h.sent(2, publish("a/1", "mh1 late", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 late", QoS::at_least_once, 3));
  EXPECT_VIOLATION(judge(h), "MQTT-3.10.4-2", (Evidence{removed, published, delivered}));
}

TEST(Delivery, WildcardFirstFiltersDoNotMatchDollarTopics_MQTT_4_7_2_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  auto subscribe = h.subscribed(1, 1, "#", QoS::at_most_once) - 1;
  h.connected(2, "pub");
  auto published = h.sent(2, publish("$app/x", "mh1 dollar"));
  auto delivered = h.received(1, publish("$app/x", "mh1 dollar"));
  EXPECT_VIOLATION(judge(h), "MQTT-4.7.2-1", (Evidence{subscribe, published, delivered}));
}

TEST(Delivery, HistoryEndingBeforeTheDeadlineIsUnresolvedNotAFailure) {
  PubSub s;
  s.h.sent(2, publish("a/1", "mh1 soon", QoS::at_least_once, 1));
  s.h.received(2, ack<Puback>(1));
  EXPECT_UNRESOLVED(judge(s.h, /*run_on=*/10 * milliseconds), UnresolvedKind::history_ended,
                    "history ended before the deadline");
}

TEST(Outstanding, ListsWhatTheBrokerStillOwes) {
  PubSub s;
  auto& h = s.h;
  Checker checker;
  auto feed = [&](std::size_t from) {
    for (std::size_t i = from; i < h.history().events.size(); ++i) checker.observe(h.history().events[i]);
    return h.history().events.size();
  };
  auto fed = feed(0);
  EXPECT_TRUE(checker.outstanding().empty());
  h.sent(2, publish("a/1", "mh1 owed", QoS::at_least_once, 1));
  fed = feed(fed);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().statement, "MQTT-4.3.2-2");
  h.received(2, ack<Puback>(1));
  fed = feed(fed);
  ASSERT_EQ(checker.outstanding().size(), 1u);
  EXPECT_EQ(checker.outstanding().front().statement, "MQTT-4.5.0-1");
  EXPECT_EQ(checker.outstanding().front().connection, 1u);
  h.received(1, publish("a/1", "mh1 owed", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  feed(fed);
  EXPECT_TRUE(checker.outstanding().empty());
}

// ---- Retained messages -------------------------------------------------------------------------------------------

struct Retained {
  HistoryBuilder h;
  std::uint64_t published = 0;
  std::uint64_t owned = 0;
  Retained() {
    h.connected(2, "pub");
    published = h.sent(2, publish("r/1", "mh1 kept", QoS::at_least_once, 1, /*retain=*/true));
    owned = h.received(2, ack<Puback>(1));
    h.connected(1, "sub");
  }
};

TEST(Retained, NewSubscriptionGetsTheRetainedMessage_MQTT_3_3_1_6) {
  Retained r;
  auto subscribe = r.h.sent(1, HistoryBuilder::subscribe(1, {{"r/#", QoS::at_least_once}}));
  auto suback = r.h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-6", (Evidence{r.published, r.owned, subscribe, suback}));

  Retained right;
  right.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  right.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  right.h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Retained, AnswerToNewSubscriptionCarriesRetain1_MQTT_3_3_1_8) {
  Retained r;
  auto subscribe = r.h.sent(1, HistoryBuilder::subscribe(1, {{"r/#", QoS::at_least_once}}));
  r.h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  auto delivered = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, /*retain=*/false));
  r.h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-8", (Evidence{r.published, delivered, subscribe}));
}

TEST(Retained, ExistingSubscriptionsGetRetain0_MQTT_3_3_1_9) {
  PubSub s;
  auto& h = s.h;
  auto published = h.sent(2, publish("a/1", "mh1 live", QoS::at_least_once, 1, /*retain=*/true));
  h.received(2, ack<Puback>(1));
  auto delivered = h.received(1, publish("a/1", "mh1 live", QoS::at_least_once, 2, /*retain=*/true));
  h.sent(1, ack<Puback>(2));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.1-9", (Evidence{published, delivered}));
}

TEST(Retained, EmptyRetainedMessageDeletes_MQTT_3_3_1_10) {
  Retained r;
  auto deleted = r.h.sent(2, publish("r/1", "", QoS::at_least_once, 2, true));
  r.h.received(2, ack<Puback>(2));
  r.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  auto stale = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  r.h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(r.h), "MQTT-3.3.1-10", (Evidence{r.published, deleted, stale}));
}

TEST(Retained, NewerRetainedMessageReplaces_MQTT_3_3_1_5) {
  Retained r;
  auto replacement = r.h.sent(2, publish("r/1", "mh1 newer", QoS::at_least_once, 2, true));
  r.h.received(2, ack<Puback>(2));
  r.h.subscribed(1, 1, "r/#", QoS::at_least_once);
  auto stale = r.h.received(1, publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  r.h.sent(1, ack<Puback>(1));
  auto verdicts = judge(r.h);
  EXPECT_VIOLATION(verdicts, "MQTT-3.3.1-5", (Evidence{r.published, replacement, stale}));
}

TEST(Retained, UnknownPriorStateIsNotJudged) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "old/#", QoS::at_least_once);
  h.received(1, publish("old/x", "from before the capture", QoS::at_least_once, 1, true));
  h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(h));
}

// ---- Sessions ----------------------------------------------------------------------------------------------------

struct Offline {
  HistoryBuilder h;
  std::uint64_t suback = 0;
  std::uint64_t published = 0;
  std::uint64_t owned = 0;
  std::uint64_t resumed = 0;
  Offline() {
    h.connected(1, "sub", /*clean=*/false);
    suback = h.subscribed(1, 1, "a/#", QoS::at_least_once);
    h.sent(1, Disconnect{});
    h.closed(1, CloseReason::local_close);
    h.connected(2, "pub");
    published = h.sent(2, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
    owned = h.received(2, ack<Puback>(1));
    resumed = h.connected(3, "sub", false, /*session_present=*/true);
  }
};

TEST(Sessions, PersistentSessionQueuesQoS1WhileOffline_MQTT_3_1_2_5) {
  Offline o;
  EXPECT_VIOLATION(judge(o.h), "MQTT-3.1.2-5", (Evidence{o.suback, o.published, o.owned, o.resumed}));

  Offline right;
  right.h.received(3, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
  right.h.sent(3, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Sessions, CleanSessionDiscardsSubscriptions_MQTT_3_1_2_6) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.sent(1, Disconnect{});
  auto ended = h.closed(1, CloseReason::local_close);
  h.connected(2, "sub");
  h.connected(3, "pub");
  auto published = h.sent(3, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  h.received(3, ack<Puback>(1));
  auto delivered = h.received(2, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-6", (Evidence{ended, published, delivered}));
}

TEST(Sessions, UnacknowledgedMessagesAreResentWithDup_MQTT_4_4_0_1) {
  HistoryBuilder h;
  h.connected(1, "sub", false);
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 again", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  auto first = h.received(1, publish("a/1", "mh1 again", QoS::at_least_once, 7));
  h.closed(1, CloseReason::local_abort);  // no PUBACK
  auto resumed = h.connected(3, "sub", false, true);
  EXPECT_VIOLATION(judge(h), "MQTT-4.4.0-1", (Evidence{first, resumed}));

  HistoryBuilder right;
  right.connected(1, "sub", false);
  right.subscribed(1, 1, "a/#", QoS::at_least_once);
  right.connected(2, "pub");
  right.sent(2, publish("a/1", "mh1 again", QoS::at_least_once, 1));
  right.received(2, ack<Puback>(1));
  right.received(1, publish("a/1", "mh1 again", QoS::at_least_once, 7));
  right.closed(1, CloseReason::local_abort);
  right.connected(3, "sub", false, true);
  right.received(3, publish("a/1", "mh1 again", QoS::at_least_once, 7, false, /*dup=*/true));
  right.sent(3, ack<Puback>(7));
  EXPECT_CLEAN(judge(right));
}

TEST(Sessions, FaultDoesNotExcuseLossForAPersistentSessionThatReconnects) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  auto suback = h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.fault(1, "partition");
  h.closed(1, CloseReason::reset);
  h.connected(2, "pub");
  auto published = h.sent(2, publish("a/1", "mh1 kept", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  auto resumed = h.connected(3, "sub", false, true);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-5", (Evidence{suback, published, owned, resumed}));
}

TEST(Faults, QoS0LossUnderPartitionIsNeverAViolation) {
  PubSub s;
  s.h.fault(1, "partition");
  s.h.sent(2, publish("a/1", "mh1 dropped", QoS::at_most_once));
  s.h.closed(1, CloseReason::reset);
  EXPECT_CLEAN(judge(s.h));
}

// ---- Will --------------------------------------------------------------------------------------------------------

TEST(Will, PublishedWhenTheConnectionDropsWithoutDisconnect_MQTT_3_1_2_8) {
  PubSub s;
  auto& h = s.h;
  auto connack = h.connected(3, "dying", true, false, will_on("a/will", "mh1 gone"));
  auto dropped = h.closed(3, CloseReason::local_abort);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-8", (Evidence{s.suback, connack - 1, dropped}));

  PubSub right;
  right.h.connected(3, "dying", true, false, will_on("a/will", "mh1 gone"));
  right.h.closed(3, CloseReason::local_abort);
  right.h.received(1, publish("a/will", "mh1 gone", QoS::at_least_once, 1));
  right.h.sent(1, ack<Puback>(1));
  EXPECT_CLEAN(judge(right.h));
}

TEST(Will, NotPublishedAfterDisconnect_MQTT_3_14_4_3) {
  PubSub s;
  auto& h = s.h;
  h.connected(3, "leaving", true, false, will_on("a/will", "mh1 gone"));
  auto disconnect = h.sent(3, Disconnect{});
  h.closed(3, CloseReason::local_close);
  auto delivered = h.received(1, publish("a/will", "mh1 gone", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.14.4-3", (Evidence{disconnect, delivered}));
}

// Keep alive: tests/model/keepalive_test.cpp.

// ---- indexes: the checker finds subscriptions, messages and duties through indexes, not full scans ---------------

TEST(Indexes, WildcardSubscriptionAddedAfterTheTopicWasSeenIsOwedTheMessage) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "x/+", QoS::at_least_once);  // a wildcard filter that never matches "a/1"
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 early", QoS::at_least_once, 1));  // nobody subscribed: nothing owed
  h.received(2, ack<Puback>(1));
  auto suback = h.subscribed(1, 2, "a/#", QoS::at_least_once);
  auto published = h.sent(2, publish("a/1", "mh1 late", QoS::at_least_once, 2));
  auto owned = h.received(2, ack<Puback>(2));
  const auto verdicts = judge(h);
  EXPECT_VIOLATION(verdicts, "MQTT-4.5.0-1", (Evidence{suback, published, owned}));
  EXPECT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
}

TEST(Indexes, ExactAndWildcardFiltersOfOneSessionBothCount_MQTT_3_3_5_1) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/1", QoS::at_most_once);
  auto wildcard_suback = h.subscribed(1, 2, "a/+", QoS::at_least_once);
  h.subscribed(1, 3, "a", QoS::at_least_once);  // an exact filter that does not match "a/1"
  h.connected(2, "pub");
  auto published = h.sent(2, publish("a/1", "mh1 both", QoS::at_least_once, 1));
  auto owned = h.received(2, ack<Puback>(1));
  auto copy = h.received(1, publish("a/1", "mh1 both", QoS::at_most_once));
  EXPECT_VIOLATION(judge(h), "MQTT-3.3.5-1", (Evidence{wildcard_suback, published, owned, copy}));

  HistoryBuilder right;
  right.connected(1, "sub");
  right.subscribed(1, 1, "a/1", QoS::at_most_once);
  right.subscribed(1, 2, "a/+", QoS::at_least_once);
  right.connected(2, "pub");
  right.sent(2, publish("a/1", "mh1 both", QoS::at_least_once, 1));
  right.received(2, ack<Puback>(1));
  right.received(1, publish("a/1", "mh1 both", QoS::at_most_once));
  right.received(1, publish("a/1", "mh1 both", QoS::at_least_once, 7));
  right.sent(1, ack<Puback>(7));
  EXPECT_CLEAN(judge(right));
}

TEST(Indexes, SubscriptionPipelinedBeforeConnackEndsWithItsCleanSession_MQTT_3_1_2_6) {
  HistoryBuilder h;
  h.open(1, "sub");
  Connect connect;
  connect.client_id = "sub";
  h.sent(1, connect);
  h.sent(1, HistoryBuilder::subscribe(1, {{"a/#", QoS::at_least_once}}));  // before CONNACK
  h.received(1, Connack{});
  Suback suback;
  suback.packet_id = 1;
  suback.reason_codes = {1};
  h.received(1, suback);
  h.sent(1, Disconnect{});
  auto ended = h.closed(1, CloseReason::local_close);
  h.connected(2, "sub");
  h.connected(3, "pub");
  auto published = h.sent(3, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  h.received(3, ack<Puback>(1));
  auto delivered = h.received(2, publish("a/1", "mh1 stale", QoS::at_least_once, 1));
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.2-6", (Evidence{ended, published, delivered}));
}

}  // namespace
}  // namespace mqtt::model
