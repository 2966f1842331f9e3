// What the history cannot settle is never a pass: a refused or unanswered CONNECT, a server that closes or falls
// silent while it owes an answer, a history that ends before a deadline. Each is an unresolved obligation with a
// reason; where the specification leaves the server a choice, or requires the close, nothing is unresolved.
#include <gtest/gtest.h>

#include "history_builder.hpp"
#include "model/checker.hpp"
#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::Evidence;
using testing::find;
using testing::find_unresolved;
using testing::HistoryBuilder;
using testing::judge;
using testing::listing;
using testing::milliseconds;
using testing::seconds;

Connect connect_packet(std::string client_id, bool clean_session = true) {
  Connect connect;
  connect.client_id = std::move(client_id);
  connect.clean_session = clean_session;
  return connect;
}

Connack connack_code(std::uint8_t code) {
  Connack connack;
  connack.reason_code = code;
  return connack;
}

// ---- CONNECT that was refused or never answered ------------------------------------------------------------

TEST(RefusedConnect, AnUnrequestedRefusalIsUnresolvedWithItsCode) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  h.received(1, connack_code(5));
  h.closed(1, CloseReason::clean_eof);
  const auto verdicts = judge(h);
  EXPECT_UNRESOLVED(verdicts, UnresolvedKind::refused_connect, "return code 5 (not authorized)");
  EXPECT_EQ(find_unresolved(verdicts, UnresolvedKind::refused_connect)->return_code, 5);
}

TEST(RefusedConnect, ARefusalTheRunnerAnnouncedIsSettled) {
  HistoryBuilder h;
  h.note(1, "expect-auth-failure");
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  h.received(1, connack_code(4));
  h.closed(1, CloseReason::clean_eof);
  EXPECT_SETTLED(judge(h));
}

TEST(RefusedConnect, RefusingAPlainClientIdBreaks_MQTT_3_1_3_5) {
  HistoryBuilder h;
  h.open(1, "device");
  const auto connect = h.sent(1, connect_packet("Device23"));
  const auto refusal = h.received(1, connack_code(2));
  h.closed(1, CloseReason::clean_eof);
  EXPECT_VIOLATION(judge(h), "MQTT-3.1.3-5", (Evidence{connect, refusal}));
}

TEST(RefusedConnect, RefusingAnUnusualClientIdIsAllowedButLeavesTheRestUntested) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("a-client-id-longer-than-twenty-three-bytes"));
  h.received(1, connack_code(2));
  h.closed(1, CloseReason::clean_eof);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::refused_connect, "identifier rejected");
}

TEST(RefusedConnect, AuthenticationBeforeTheClientIdRuleIsNotAViolationOf_MQTT_3_1_3_8) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("", /*clean_session=*/false));
  h.received(1, connack_code(5));
  h.closed(1, CloseReason::clean_eof);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::refused_connect, "requires return code 2");

  HistoryBuilder wrong;  // any other code is still the violation
  wrong.open(1, "device");
  const auto connect = wrong.sent(1, connect_packet("", false));
  const auto connack = wrong.received(1, connack_code(3));
  wrong.closed(1, CloseReason::clean_eof);
  EXPECT_VIOLATION(judge(wrong), "MQTT-3.1.3-8", (Evidence{connect, connack}));
}

TEST(NoConnack, ServerClosingWithoutAnswerIsUnresolved) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  h.closed(1, CloseReason::clean_eof);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::no_connack, "without answering its CONNECT");
}

TEST(NoConnack, ACutShortConnackSaysHowMuchArrived) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  h.closed(1, CloseReason::clean_eof, Bytes{0x20, 0x02, 0x00});
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::no_connack, "3 byte(s) of it arrived");
}

TEST(NoConnack, SilenceUntilTheClientGivesUpIsUnresolved) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  h.after(3 * seconds);
  h.closed(1, CloseReason::local_close);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::no_connack, "no CONNACK reached");
}

TEST(NoConnack, SilenceUntilTheEndOfTheHistoryIsUnresolved) {
  HistoryBuilder h;
  h.open(1, "device");
  h.sent(1, connect_packet("device"));
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::no_connack, "never answered the CONNECT");
}

TEST(NoConnack, AMalformedConnectIsClosedWithoutAnswerAsRequired) {
  HistoryBuilder h;
  h.open(1, "device");
  // CONNECT with the reserved flag bit set: the server must close without CONNACK [MQTT-3.1.2-3].
  h.sent_raw(1, Bytes{0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x03, 0x00, 0x1e, 0x00, 0x01, 'c'});
  h.closed(1, CloseReason::clean_eof);
  EXPECT_SETTLED(judge(h));
}

// ---- the server closed while it owed something -------------------------------------------------------------

TEST(ServerClosed, WhileOwingAPubackIsUnresolved) {
  HistoryBuilder h;
  h.connected(1, "device");
  h.sent(1, HistoryBuilder::publish("a/1", "mh1 x", QoS::at_least_once, 1));
  h.closed(1, CloseReason::reset);
  const auto verdicts = judge(h);
  EXPECT_UNRESOLVED(verdicts, UnresolvedKind::server_closed, "still owed PUBACK for packet id 1");
  EXPECT_EQ(find_unresolved(verdicts, UnresolvedKind::server_closed)->statement, "MQTT-4.3.2-2");
}

TEST(ServerClosed, InTheMiddleOfAPacketIsUnresolved) {
  HistoryBuilder h;
  h.connected(1, "device");
  h.closed(1, CloseReason::clean_eof, Bytes{0x30, 0x10, 0x00});
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::server_closed, "3 byte(s) of a PUBLISH had arrived");
}

TEST(ServerClosed, AfterKeepAliveExpiredOwesNothing) {
  HistoryBuilder h;
  h.connected(1, "device", true, false, std::nullopt, /*keep_alive=*/1);
  h.sent(1, HistoryBuilder::publish("a/1", "mh1 x", QoS::at_least_once, 1));
  h.after(1600 * milliseconds);
  h.closed(1, CloseReason::clean_eof);
  EXPECT_TRUE(find_unresolved(judge(h), UnresolvedKind::server_closed) == nullptr) << listing(judge(h));
}

TEST(ServerClosed, WhileOwingACleanSessionADeliveryIsUnresolved) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, HistoryBuilder::publish("a/1", "mh1 y", QoS::at_least_once, 1));
  h.received(2, HistoryBuilder::ack<Puback>(1));
  h.closed(1, CloseReason::reset);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::server_closed, "still owed the message on 'a/1'");
}

TEST(ServerClosed, AfterTheClientBrokeTheProtocolIsRequiredNotUnresolved) {
  HistoryBuilder h;
  h.connected(1, "device");
  h.sent(1, HistoryBuilder::publish("a/1", "mh1 x", QoS::at_least_once, 1));
  h.sent(1, Connack{});  // a server-only packet from the client
  h.closed(1, CloseReason::clean_eof);
  EXPECT_SETTLED(judge(h));
}

// ---- the client stopped watching too early -----------------------------------------------------------------

TEST(ClientClosedFirst, BeforeTheServersGraceToCloseIsUnresolved) {
  HistoryBuilder h;
  h.connected(1, "device");
  h.sent(1, Connack{});
  h.closed(1, CloseReason::local_close);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::history_ended, "the client closed first");
}

TEST(ClientClosedFirst, BeforeADeliveryWasDueIsUnresolved) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, HistoryBuilder::publish("a/1", "mh1 y", QoS::at_least_once, 1));
  h.received(2, HistoryBuilder::ack<Puback>(1));
  h.closed(1, CloseReason::local_close);
  EXPECT_UNRESOLVED(judge(h), UnresolvedKind::history_ended, "before the broker's deadline to deliver");
}

// ---- retained messages sent ahead of the SUBACK (3.1.1 section 3.8.4 permits it) ----------------------------

TEST(Retained, CopySentBeforeTheSubackMeetsTheNewSubscriptionsDuty) {
  HistoryBuilder h;
  h.connected(2, "pub");
  h.sent(2, HistoryBuilder::publish("r/1", "mh1 kept", QoS::at_least_once, 1, /*retain=*/true));
  h.received(2, HistoryBuilder::ack<Puback>(1));
  h.connected(1, "sub");
  h.sent(1, HistoryBuilder::subscribe(1, {{"r/1", QoS::at_least_once}}));
  h.received(1, HistoryBuilder::publish("r/1", "mh1 kept", QoS::at_least_once, 1, true));
  h.sent(1, HistoryBuilder::ack<Puback>(1));
  h.after(50 * milliseconds);
  h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  h.after(2 * seconds);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  EXPECT_SETTLED(judge(h));
}

TEST(Retained, ASecondSubscriptionIsMetByTheCopySentAheadOfItsOwnSuback) {
  HistoryBuilder h;
  h.connected(2, "pub");
  h.sent(2, HistoryBuilder::publish("r/1", "mh1 again", QoS::at_least_once, 1, /*retain=*/true));
  h.received(2, HistoryBuilder::ack<Puback>(1));
  h.connected(1, "sub");
  h.subscribed(1, 1, "r/1", QoS::at_least_once);
  h.received(1, HistoryBuilder::publish("r/1", "mh1 again", QoS::at_least_once, 1, true));
  h.sent(1, HistoryBuilder::ack<Puback>(1));
  h.sent(1, HistoryBuilder::subscribe(2, {{"r/1", QoS::at_least_once}}));
  h.received(1, HistoryBuilder::publish("r/1", "mh1 again", QoS::at_least_once, 2, true));
  h.sent(1, HistoryBuilder::ack<Puback>(2));
  h.after(50 * milliseconds);
  h.received(1, Suback{ProtocolVersion::v3_1_1, 2, {1}, {}});
  h.after(2 * seconds);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  EXPECT_SETTLED(judge(h));
}

}  // namespace
}  // namespace mqtt::model
