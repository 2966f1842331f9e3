// A case passes only when the history exercised every statement it claims (issue 11 §1), so each judgement puts
// the statements it judges in Verdicts::exercised where it judges them: when the answer, the copy or the close is
// seen, or its deadline passes. The judgements added for that come with a broken history (the statement, and no
// other, is violated) and a conforming one (exercised, nothing violated).
#include <gtest/gtest.h>

#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::ack;
using testing::HistoryBuilder;
using testing::judge;
using testing::publish;
using testing::will_on;

bool exercised(const Verdicts& verdicts, std::initializer_list<std::string_view> statements) {
  for (const auto statement : statements) {
    if (!verdicts.exercised.contains(std::string(statement))) {
      ADD_FAILURE() << statement << " was not exercised";
      return false;
    }
  }
  return true;
}

Bytes hex(std::string_view text) {
  Bytes bytes;
  for (std::size_t at = 0; at + 1 < text.size();) {
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(std::string(text.substr(at, 2)), nullptr, 16)));
    at += 2;
  }
  return bytes;
}

Connack connack_code(std::uint8_t code) {
  Connack connack;
  connack.reason_code = code;
  return connack;
}

// ---- DUP on a copy the server never sent before [MQTT-3.3.1-3] ----------------------------------------------

HistoryBuilder forwarded_with_dup(bool dup_out) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, publish("a", "mh1 one", QoS::at_least_once, 7, false, /*dup=*/true));
  h.received(2, ack<Puback>(7));
  h.received(1, publish("a", "mh1 one", QoS::at_least_once, 1, false, dup_out));
  h.sent(1, ack<Puback>(1));
  return h;
}

TEST(Exercised, ThePublishersDupPassedOnIsMQTT_3_3_1_3) {
  EXPECT_VIOLATION(judge(forwarded_with_dup(true)), "MQTT-3.3.1-3", (testing::Evidence{9, 11}));
  EXPECT_ONLY_STATEMENT(judge(forwarded_with_dup(true)), "MQTT-3.3.1-3");
  const auto clean = judge(forwarded_with_dup(false));
  EXPECT_SETTLED(clean);
  EXPECT_TRUE(exercised(clean, {"MQTT-3.3.1-3", "MQTT-4.3.2-1", "MQTT-4.3.2-2", "MQTT-2.3.1-1", "MQTT-3.3.2-1"}));
}

// A message published while the subscriber was away may have been written to its old connection: DUP=1 on its
// first copy after the return is a re-send the client never saw the first attempt of, not a violation.
TEST(Exercised, DupOnACopyAnEarlierConnectionMayHaveCarriedIsAllowed) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  h.subscribed(1, 1, "a", QoS::at_least_once);
  h.closed(1, CloseReason::local_close);
  h.connected(2, "pub");
  h.sent(2, publish("a", "mh1 queued", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.connected(3, "sub", false, /*session_present=*/true);
  h.received(3, publish("a", "mh1 queued", QoS::at_least_once, 4, false, /*dup=*/true));
  h.sent(3, ack<Puback>(4));
  EXPECT_SETTLED(judge(h));
}

// ---- the topic name a message arrives on [MQTT-1.5.3-3, MQTT-4.7.3-4] ----------------------------------------

HistoryBuilder delivered_on(std::string published, std::string delivered) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_most_once);
  h.connected(2, "pub");
  h.sent(2, publish(published, "mh1 t"));
  h.sent(2, Pingreq{});
  h.received(2, Pingresp{});
  h.received(1, publish(std::move(delivered), "mh1 t"));
  return h;
}

TEST(Exercised, ATopicNameRewrittenOnTheWayIsMQTT_1_5_3_3OrMQTT_4_7_3_4) {
  const std::string with_mark = "a/\xEF\xBB\xBF" "b";
  EXPECT_ONLY_STATEMENT(judge(delivered_on(with_mark, "a/b")), "MQTT-1.5.3-3");
  EXPECT_ONLY_STATEMENT(judge(delivered_on("a/x.y", "a/x/y")), "MQTT-4.7.3-4");
  EXPECT_ONLY_STATEMENT(judge(delivered_on("a/x y", "a/x_y")), "MQTT-4.7.3-4");
  const auto kept = judge(delivered_on(with_mark, with_mark));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised(kept, {"MQTT-1.5.3-3", "MQTT-4.7.3-4", "MQTT-3.3.2-3", "MQTT-4.7.1-2", "MQTT-2.3.1-5",
                               "MQTT-3.3.1-2", "MQTT-4.3.1-1", "MQTT-4.5.0-1", "MQTT-4.1.0-1", "MQTT-4.1.0-2"}));
  EXPECT_FALSE(judge(delivered_on("a/b", "a/b")).exercised.contains("MQTT-1.5.3-3")) << "no U+FEFF, nothing to keep";
}

// ---- a retained copy below the lower of its QoS and the grant [MQTT-3.8.4-6] ---------------------------------

HistoryBuilder retained_copy(QoS granted, QoS copy, bool before_suback) {
  HistoryBuilder h;
  h.connected(1, "pub");
  h.sent(1, publish("r", "mh1 kept", QoS::at_least_once, 1, /*retain=*/true));
  h.received(1, ack<Puback>(1));
  h.connected(2, "sub");
  h.sent(2, HistoryBuilder::subscribe(1, {{"r", QoS::exactly_once}}));
  if (before_suback) h.received(2, publish("r", "mh1 kept", copy, copy == QoS::at_most_once ? std::nullopt : std::optional<std::uint16_t>{1}, true));
  Suback suback;
  suback.packet_id = 1;
  suback.reason_codes = {static_cast<std::uint8_t>(granted)};
  h.received(2, suback);
  if (!before_suback) h.received(2, publish("r", "mh1 kept", copy, copy == QoS::at_most_once ? std::nullopt : std::optional<std::uint16_t>{1}, true));
  if (copy != QoS::at_most_once) h.sent(2, ack<Puback>(1));
  return h;
}

TEST(Exercised, ARetainedCopyBelowItsQoSAndTheGrantIsMQTT_3_8_4_6) {
  EXPECT_ONLY_STATEMENT(judge(retained_copy(QoS::exactly_once, QoS::at_most_once, false)), "MQTT-3.8.4-6");
  const auto kept = judge(retained_copy(QoS::exactly_once, QoS::at_least_once, false));
  EXPECT_SETTLED(kept);
  EXPECT_TRUE(exercised(kept, {"MQTT-3.8.4-6", "MQTT-3.3.1-8", "MQTT-3.3.2-3", "MQTT-3.3.1-6"}));
  EXPECT_SETTLED(judge(retained_copy(QoS::at_most_once, QoS::at_most_once, false)));  // granted QoS 0
  // Ahead of the SUBACK the grant is unknown (it turns out to be 0): nothing to judge.
  EXPECT_SETTLED(judge(retained_copy(QoS::at_most_once, QoS::at_most_once, true)));
}

// ---- publications after a refused CONNECT [MQTT-3.1.4-5] -----------------------------------------------------

HistoryBuilder refused_then_published(bool forwarded) {
  HistoryBuilder h;
  h.connected(1, "watcher");
  h.subscribed(1, 1, "t", QoS::at_most_once);
  h.open(2, "raw");
  h.sent_raw(2, hex("10 15 00 04 4d 51 54 54 07 02 00 1e 00 09 6d 68 6c 65 76 65 6c 37 62"));  // level 7
  h.sent(2, publish("t", "mh1 after"));
  h.received(2, connack_code(1));
  h.closed(2, CloseReason::clean_eof);
  if (forwarded) h.received(1, publish("t", "mh1 after"));
  h.sent(1, Pingreq{});
  h.received(1, Pingresp{});
  return h;
}

TEST(Exercised, APublicationAfterARefusedConnectIsNeverForwarded) {
  EXPECT_ONLY_STATEMENT(judge(refused_then_published(true)), "MQTT-3.1.4-5");
  const auto ignored = judge(refused_then_published(false));
  EXPECT_SETTLED(ignored);
  EXPECT_TRUE(exercised(ignored, {"MQTT-3.1.4-5", "MQTT-3.1.2-2", "MQTT-3.2.0-1", "MQTT-3.2.2-4", "MQTT-3.2.2-5"}));
}

// ---- wills: never for a connection without one, never twice [MQTT-3.1.2-12, MQTT-3.1.2-10] ---------------

HistoryBuilder earlier_will_then_drop_without_will(bool published) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "w", QoS::at_least_once);
  h.connected(2, "dev", true, false, will_on("w", "mh1 will"));
  h.sent(2, Disconnect{});
  h.closed(2, CloseReason::local_close);
  h.connected(3, "dev");
  h.closed(3, CloseReason::local_close);
  if (published) {
    h.received(1, publish("w", "mh1 will", QoS::at_least_once, 1));
    h.sent(1, ack<Puback>(1));
  }
  h.sent(1, Pingreq{});
  h.received(1, Pingresp{});
  return h;
}

TEST(Exercised, AWillPublishedForAConnectionWithoutOneIsMQTT_3_1_2_12) {
  EXPECT_ONLY_STATEMENT(judge(earlier_will_then_drop_without_will(true)), "MQTT-3.1.2-12");
  const auto none = judge(earlier_will_then_drop_without_will(false));
  EXPECT_SETTLED(none);
  EXPECT_TRUE(exercised(none, {"MQTT-3.1.2-12", "MQTT-3.1.2-10", "MQTT-3.14.4-3"}));
}

TEST(Exercised, AWillPublishedRightAfterDisconnectStaysMQTT_3_14_4_3) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "w", QoS::at_least_once);
  h.connected(2, "dev", true, false, will_on("w", "mh1 will"));
  h.sent(2, Disconnect{});
  h.closed(2, CloseReason::local_close);
  h.received(1, publish("w", "mh1 will", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  h.connected(3, "dev");
  h.closed(3, CloseReason::local_close);
  EXPECT_ONLY_STATEMENT(judge(h), "MQTT-3.14.4-3");
}

HistoryBuilder will_then_drop_without_will(bool published_again) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "w", QoS::at_least_once);
  h.connected(2, "dev", true, false, will_on("w", "mh1 will"));
  h.closed(2, CloseReason::local_close);
  h.received(1, publish("w", "mh1 will", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  h.connected(3, "dev");
  h.closed(3, CloseReason::local_close);
  if (published_again) {
    h.received(1, publish("w", "mh1 will", QoS::at_least_once, 2));
    h.sent(1, ack<Puback>(2));
  }
  h.sent(1, Pingreq{});
  h.received(1, Pingresp{});
  return h;
}

TEST(Exercised, AWillPublishedASecondTimeIsMQTT_3_1_2_10) {
  EXPECT_ONLY_STATEMENT(judge(will_then_drop_without_will(true)), "MQTT-3.1.2-10");
  const auto once = judge(will_then_drop_without_will(false));
  EXPECT_SETTLED(once);
  EXPECT_TRUE(exercised(once, {"MQTT-3.1.2-10", "MQTT-3.1.2-12", "MQTT-3.1.2-8"}));
}

// A will delivered once per matching subscription is one publication [MQTT-3.3.5-1].
TEST(Exercised, OneWillCopyPerOverlappingSubscriptionIsOnePublication) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.sent(1, HistoryBuilder::subscribe(1, {{"w", QoS::at_least_once}, {"#", QoS::at_least_once}}));
  Suback suback;
  suback.packet_id = 1;
  suback.reason_codes = {1, 1};
  h.received(1, suback);
  h.connected(2, "dev", true, false, will_on("w", "mh1 will"));
  h.closed(2, CloseReason::local_close);
  h.received(1, publish("w", "mh1 will", QoS::at_least_once, 1));
  h.sent(1, ack<Puback>(1));
  h.received(1, publish("w", "mh1 will", QoS::at_least_once, 2));
  h.sent(1, ack<Puback>(2));
  EXPECT_SETTLED(judge(h));
}

// ---- policed client rules ride along with the server's close ------------------------------------------------

HistoryBuilder raw_connect(std::string_view bytes, bool answered) {
  HistoryBuilder h;
  h.open(1, "raw");
  h.sent_raw(1, hex(bytes));
  if (answered) h.received(1, Connack{});
  h.closed(1, CloseReason::clean_eof);
  return h;
}

TEST(Exercised, AMalformedConnectExercisesTheClientRuleAndTheServersClose) {
  const auto password_missing = "10 17 00 04 4d 51 54 54 04 c2 00 1e 00 08 6d 68 70 77 6d 69 73 73 00 01 75";
  const auto closed = judge(raw_connect(password_missing, false));
  EXPECT_SETTLED(closed);
  EXPECT_TRUE(exercised(closed, {"MQTT-3.1.2-21", "MQTT-3.1.4-1", "MQTT-4.8.0-1"}));
  const auto answered = judge(raw_connect(password_missing, true));
  EXPECT_FALSE(answered.violations.empty());
  EXPECT_TRUE(exercised(answered, {"MQTT-3.1.2-21", "MQTT-3.1.4-1"}));
  EXPECT_TRUE(judge(raw_connect(password_missing, false)).exercised.contains("MQTT-3.1.4-1"));
  // Nothing is exercised before the server acts: the client closed first.
  HistoryBuilder gone;
  gone.open(1, "raw");
  gone.sent_raw(1, hex(password_missing));
  gone.closed(1, CloseReason::local_close);
  EXPECT_FALSE(judge(gone).exercised.contains("MQTT-3.1.2-21"));
}

TEST(Exercised, AnEmptyClientIdWithCleanSession0ExercisesTheIdRefusal) {
  HistoryBuilder h;
  h.open(1, "raw");
  h.sent_raw(1, hex("10 0c 00 04 4d 51 54 54 04 00 00 1e 00 00"));
  h.received(1, connack_code(2));
  h.closed(1, CloseReason::clean_eof);
  const auto verdicts = judge(h);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised(verdicts, {"MQTT-3.1.3-7", "MQTT-3.1.3-8", "MQTT-3.1.3-9", "MQTT-3.2.2-4", "MQTT-3.2.2-5"}));
}

// ---- where the judgement happens -----------------------------------------------------------------------------

HistoryBuilder dollar_topic_with(std::string filter) {
  HistoryBuilder h;
  h.connected(1, "wild");
  h.subscribed(1, 1, std::move(filter), QoS::at_most_once);
  h.connected(2, "pub");
  h.sent(2, publish("$s/x", "mh1 d"));
  h.sent(2, Pingreq{});
  h.received(2, Pingresp{});
  h.sent(1, Pingreq{});
  h.received(1, Pingresp{});
  return h;
}

TEST(Exercised, TheDollarRuleOnlyWhereALeadingWildcardWouldMatch) {
  EXPECT_TRUE(exercised(judge(dollar_topic_with("+/x")), {"MQTT-4.7.2-1"}));
  EXPECT_FALSE(judge(dollar_topic_with("a/x")).exercised.contains("MQTT-4.7.2-1"));
}

TEST(Exercised, AResumedSessionsDeliveryJudgesStateKeptUnderItsClientId) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  h.subscribed(1, 1, "a", QoS::at_least_once);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  h.connected(2, "sub", false, /*session_present=*/true);
  h.connected(3, "pub");
  h.sent(3, publish("a", "mh1 x", QoS::at_least_once, 1));
  h.received(3, ack<Puback>(1));
  h.received(2, publish("a", "mh1 x", QoS::at_least_once, 1));
  h.sent(2, ack<Puback>(1));
  const auto verdicts = judge(h);
  EXPECT_SETTLED(verdicts);
  EXPECT_TRUE(exercised(verdicts, {"MQTT-3.1.3-2", "MQTT-4.1.0-1", "MQTT-3.2.2-2", "MQTT-3.1.4-3"}));
}

TEST(Exercised, UnsubscribeJudgementsWaitForTheUnsuback) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/+", QoS::at_most_once);
  Unsubscribe unsubscribe;
  unsubscribe.packet_id = 2;
  unsubscribe.filters = {"a/b", "c"};
  h.sent(1, unsubscribe);
  EXPECT_FALSE(judge(h, 0).exercised.contains("MQTT-3.10.4-1"));
  h.received(1, ack<Unsuback>(2));
  EXPECT_TRUE(exercised(judge(h), {"MQTT-3.10.4-1", "MQTT-3.10.4-6"}));
}

}  // namespace
}  // namespace mqtt::model
