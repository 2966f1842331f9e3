// One defect, one statement (issue 11 §3): the first broken statement in the causal chain is reported, and
// what follows from it is not reported again. Each history breaks one rule the way a defective broker does,
// and the checker must name that rule and no other; messages state the real bounds; observation labels fit
// their case.
#include <gtest/gtest.h>

#include "checker_expectations.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::ack;
using testing::Evidence;
using testing::find_observation;
using testing::HistoryBuilder;
using testing::judge;
using testing::publish;
using testing::seconds;
using testing::will_on;

// ---- sessions
// -------------------------------------------------------------------------------------------------

// Session Present 0 for a session the broker did resume: the flag is wrong, but the subscriptions that
// demonstrably survived do not make every later delivery "a delivery for a session that had ended".
TEST(OneStatement, SessionPresent0ForAResumedSessionIsOnlyMQTT_3_2_2_2) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.connected(3, "sub", false, /*session_present=*/false);
  h.received(3, publish("a/1", "mh1 queued", QoS::at_least_once, 1));
  h.sent(3, ack<Puback>(1));
  h.sent(2, publish("a/2", "mh1 live", QoS::at_least_once, 2));
  h.received(2, ack<Puback>(2));
  h.received(3, publish("a/2", "mh1 live", QoS::at_least_once, 2));
  h.sent(3, ack<Puback>(2));
  EXPECT_ONLY_STATEMENT(judge(h), "MQTT-3.2.2-2");
}

// Messages queued while a persistent client was away: when some arrive on its return and one does not, the
// offline queue works and that one was never added to the session [MQTT-4.5.0-1]; when none arrive, the
// session did not keep them [MQTT-3.1.2-5].
HistoryBuilder queued_while_away(bool qos2_arrives) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  h.subscribed(1, 1, "a/#", QoS::exactly_once);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 one", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("a/2", "mh1 two", QoS::exactly_once, 2));
  h.received(2, ack<Pubrec>(2));
  h.sent(2, ack<Pubrel>(2));
  h.received(2, ack<Pubcomp>(2));
  h.connected(3, "sub", false, /*session_present=*/true);
  if (qos2_arrives) {
    h.received(3, publish("a/2", "mh1 two", QoS::exactly_once, 1));
    h.sent(3, ack<Pubrec>(1));
    h.received(3, ack<Pubrel>(1));
    h.sent(3, ack<Pubcomp>(1));
  }
  h.after(3 * seconds);
  h.sent(3, Disconnect{});
  h.closed(3, CloseReason::local_close);
  return h;
}

TEST(OneStatement, QueuedMessageMissingWhileOthersArriveIsMQTT_4_5_0_1) {
  const auto verdicts = judge(queued_while_away(/*qos2_arrives=*/true));
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.5.0-1");
  EXPECT_ONLY_STATEMENT(judge(queued_while_away(false)), "MQTT-3.1.2-5");
}

// The gateway's link drops; the first command published right after may still have gone out on the dying
// connection (the broker cannot know yet), the later ones are queued. What arrives on resume tells the
// defects apart: the first missing while a later QoS 1 one arrives is a re-send that never came
// [MQTT-4.4.0-1]; the first arriving only as a re-send (DUP=1) while the queued ones never do is a session
// that kept nothing [MQTT-3.1.2-5].
enum class GatewayBroker { forgets_in_flight, keeps_no_queue };

HistoryBuilder gateway_resumes(GatewayBroker broker) {
  HistoryBuilder h;
  h.connected(1, "gateway", /*clean=*/false);
  h.subscribed(1, 1, "cmd/#", QoS::exactly_once);
  h.connected(2, "backend");
  h.closed(1, CloseReason::local_abort);
  h.sent(2, publish("cmd/ota", "mh1 ota-1", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.sent(2, publish("cmd/ota", "mh1 ota-2", QoS::at_least_once, 2));
  h.received(2, ack<Puback>(2));
  h.sent(2, publish("cmd/reset", "mh1 reset", QoS::exactly_once, 3));
  h.received(2, ack<Pubrec>(3));
  h.sent(2, ack<Pubrel>(3));
  h.received(2, ack<Pubcomp>(3));
  h.connected(3, "gateway", false, /*session_present=*/true);
  if (broker == GatewayBroker::forgets_in_flight) {
    h.received(3, publish("cmd/ota", "mh1 ota-2", QoS::at_least_once, 2));
    h.sent(3, ack<Puback>(2));
    h.received(3, publish("cmd/reset", "mh1 reset", QoS::exactly_once, 3));
    h.sent(3, ack<Pubrec>(3));
    h.received(3, ack<Pubrel>(3));
    h.sent(3, ack<Pubcomp>(3));
  } else {
    h.received(3, publish("cmd/ota", "mh1 ota-1", QoS::at_least_once, 1, false, /*dup=*/true));
    h.sent(3, ack<Puback>(1));
  }
  h.after(3 * seconds);
  h.sent(3, Disconnect{});
  h.closed(3, CloseReason::local_close);
  return h;
}

TEST(OneStatement, CommandSentAsTheLinkDroppedAndNeverResentIsMQTT_4_4_0_1) {
  EXPECT_ONLY_STATEMENT(judge(gateway_resumes(GatewayBroker::forgets_in_flight)), "MQTT-4.4.0-1");
  EXPECT_ONLY_STATEMENT(judge(gateway_resumes(GatewayBroker::keeps_no_queue)), "MQTT-3.1.2-5");
}

// ---- acknowledgements
// -------------------------------------------------------------------------------------------

// A PUBREC carrying another packet id is the answer to the waiting PUBLISH with a wrong id [MQTT-2.3.1-6];
// the PUBREC was sent, so "never sent PUBREC" [MQTT-4.3.3-2] would repeat the same defect.
TEST(OneStatement, PubrecWithAWrongIdIsOnlyMQTT_2_3_1_6) {
  HistoryBuilder h;
  h.connected(1, "pub");
  auto published = h.sent(1, publish("a/1", "mh1 two", QoS::exactly_once, 1));
  auto answered = h.received(1, ack<Pubrec>(2));
  h.sent(1, ack<Pubrel>(2));
  h.received(1, ack<Pubcomp>(2));
  h.after(3 * seconds);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  const auto verdicts = judge(h);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-2.3.1-6");
  EXPECT_VIOLATION(verdicts, "MQTT-2.3.1-6", (Evidence{published, answered}));
}

// A QoS 2 PUBLISH answered with PUBACK carrying its own id breaks the QoS 2 flow, not the packet id rule.
TEST(OneStatement, PubackForAQoS2PublishIsOnlyMQTT_4_3_3_2) {
  HistoryBuilder h;
  h.connected(1, "pub");
  auto published = h.sent(1, publish("a/1", "mh1 two", QoS::exactly_once, 5));
  auto answered = h.received(1, ack<Puback>(5));
  h.after(3 * seconds);
  h.sent(1, Disconnect{});
  h.closed(1, CloseReason::local_close);
  const auto verdicts = judge(h);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.3.3-2");
  EXPECT_VIOLATION(verdicts, "MQTT-4.3.3-2", (Evidence{published, answered}));
}

// The subscriber never sent PUBREC, so the broker had to re-send the QoS 2 PUBLISH on reconnect
// [MQTT-4.4.0-1]; doing it with DUP=0 breaks MQTT-3.3.1-1 and is not a second delivery of the message
// [MQTT-4.3.3-1].
TEST(OneStatement, ResendWithDup0AfterReconnectIsOnlyMQTT_3_3_1_1) {
  HistoryBuilder h;
  h.connected(1, "sub", /*clean=*/false);
  h.subscribed(1, 1, "a/#", QoS::exactly_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 once", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  auto first = h.received(1, publish("a/1", "mh1 once", QoS::exactly_once, 7));
  h.closed(1, CloseReason::local_abort);  // no PUBREC
  h.connected(3, "sub", false, /*session_present=*/true);
  auto resent = h.received(3, publish("a/1", "mh1 once", QoS::exactly_once, 7, false, /*dup=*/false));
  h.sent(3, ack<Pubrec>(7));
  h.received(3, ack<Pubrel>(7));
  h.sent(3, ack<Pubcomp>(7));
  const auto verdicts = judge(h);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-3.3.1-1");
  EXPECT_VIOLATION(verdicts, "MQTT-3.3.1-1", (Evidence{first, resent}));
}

// ---- subscriptions
// ----------------------------------------------------------------------------------------------

// A SUBACK one return code short [MQTT-3.8.4-5]: whether the server made the unanswered subscription is
// unknown, so what arrives through it is no accusation of its own.
TEST(OneStatement, MissingSubackReturnCodeIsOnlyMQTT_3_8_4_5) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.sent(1, HistoryBuilder::subscribe(1, {{"a", QoS::at_least_once}, {"b", QoS::at_least_once}}));
  h.received(1, Suback{ProtocolVersion::v3_1_1, 1, {1}, {}});
  h.connected(2, "pub");
  h.sent(2, publish("b", "mh1 through b", QoS::at_least_once, 1));
  h.received(2, ack<Puback>(1));
  h.received(1, publish("b", "mh1 through b", QoS::at_least_once, 3));
  h.sent(1, ack<Puback>(3));
  EXPECT_ONLY_STATEMENT(judge(h), "MQTT-3.8.4-5");
}

// Subscribing again to an identical filter with another QoS must replace the subscription [MQTT-3.8.4-3]; one
// copy at the old QoS beside one at the new QoS shows the old subscription still acting.
TEST(OneStatement, ReplacementThatYieldsTwoCopiesIsMQTT_3_8_4_3) {
  HistoryBuilder h;
  h.connected(1, "client");
  h.subscribed(1, 1, "t", QoS::at_most_once);
  auto replaced = h.subscribed(1, 2, "t", QoS::exactly_once);
  h.connected(2, "device");
  auto published = h.sent(2, publish("t", "mh1 both", QoS::exactly_once, 1));
  h.received(2, ack<Pubrec>(1));
  h.sent(2, ack<Pubrel>(1));
  h.received(2, ack<Pubcomp>(1));
  auto old_copy = h.received(1, publish("t", "mh1 both", QoS::at_most_once));
  auto new_copy = h.received(1, publish("t", "mh1 both", QoS::exactly_once, 4));
  h.sent(1, ack<Pubrec>(4));
  h.received(1, ack<Pubrel>(4));
  h.sent(1, ack<Pubcomp>(4));
  const auto verdicts = judge(h);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-3.8.4-3");
  EXPECT_VIOLATION(verdicts, "MQTT-3.8.4-3", (Evidence{replaced, published, old_copy, new_copy}));
}

// A copy above its published QoS is one violation, whose sentence states the real bound: "above the QoS 1
// granted" for a copy at QoS 1 would contradict itself.
TEST(OneStatement, CopyAboveItsPublishedQoSIsReportedOnceWithTheRealBound_MQTT_3_8_4_6) {
  HistoryBuilder h;
  h.connected(1, "sub");
  h.subscribed(1, 1, "a/#", QoS::at_least_once);
  h.connected(2, "pub");
  h.sent(2, publish("a/1", "mh1 zero", QoS::at_most_once));
  h.received(1, publish("a/1", "mh1 zero", QoS::at_least_once, 3));
  h.sent(1, ack<Puback>(3));
  const auto verdicts = judge(h);
  ASSERT_EQ(verdicts.violations.size(), 1u) << testing::listing(verdicts);
  EXPECT_EQ(verdicts.violations.front().statement, "MQTT-3.8.4-6");
  EXPECT_NE(verdicts.violations.front().message.find("published at QoS 0"), std::string::npos)
      << verdicts.violations.front().message;
}

// ---- retained wills
// ---------------------------------------------------------------------------------------------

// The will on "w" is published with Will Retain=1 when the device drops, and reaches the subscribed backend
// (so the broker surely has it); an ordinary retained message on "c" is the control that shows whether the
// retained store works at all.
struct RetainedWill {
  HistoryBuilder h;
  RetainedWill() {
    h.connected(2, "backend");
    h.subscribed(2, 1, "w", QoS::at_least_once);
    h.sent(2, publish("c", "mh1 control", QoS::at_least_once, 2, /*retain=*/true));
    h.received(2, ack<Puback>(2));
    h.connected(3, "device", true, false, will_on("w", "mh1 gone", QoS::at_least_once, /*retain=*/true));
    h.closed(3, CloseReason::local_abort);
    h.received(2, publish("w", "mh1 gone", QoS::at_least_once, 1));
    h.sent(2, ack<Puback>(1));
    h.connected(1, "late");
  }
  void subscribe(std::uint16_t id, std::string filter) {
    h.sent(1, HistoryBuilder::subscribe(id, {{std::move(filter), QoS::at_least_once}}));
    h.received(1, Suback{ProtocolVersion::v3_1_1, id, {1}, {}});
  }
  void retained_copy(std::string topic, std::string_view payload, std::uint16_t id) {
    h.received(1, publish(std::move(topic), payload, QoS::at_least_once, id, true));
    h.sent(1, ack<Puback>(id));
  }
};

// The exact subscription got the will as retained, so it was stored; the wildcard one that did not get it
// breaks retained matching [MQTT-3.3.1-6], not the will.
TEST(OneStatement, RetainedWillMissingFromAWildcardSubscriptionIsMQTT_3_3_1_6) {
  RetainedWill r;
  r.subscribe(1, "w");
  r.retained_copy("w", "mh1 gone", 5);
  r.subscribe(2, "+");
  r.retained_copy("c", "mh1 control", 6);
  EXPECT_ONLY_STATEMENT(judge(r.h), "MQTT-3.3.1-6");
}

// Other retained messages reach new subscriptions, the retained will never does: it was not stored as
// retained.
TEST(OneStatement, RetainedWillNeverStoredIsMQTT_3_1_2_17) {
  RetainedWill r;
  r.subscribe(1, "w");
  r.subscribe(2, "c");
  r.retained_copy("c", "mh1 control", 5);
  EXPECT_ONLY_STATEMENT(judge(r.h), "MQTT-3.1.2-17");
}

// Nothing retained reaches a new subscription: the retained store is what is broken [MQTT-3.3.1-6].
TEST(OneStatement, NothingRetainedReachesNewSubscriptionsIsMQTT_3_3_1_6) {
  RetainedWill r;
  r.subscribe(1, "w");
  r.subscribe(2, "c");
  EXPECT_ONLY_STATEMENT(judge(r.h), "MQTT-3.3.1-6");
}

// The will should have replaced an older retained message on its topic; the new subscription gets the older
// one: the stale copy follows from the will not being stored as retained [MQTT-3.1.2-17].
TEST(OneStatement, OlderRetainedMessageInsteadOfTheRetainedWillIsMQTT_3_1_2_17) {
  HistoryBuilder h;
  h.connected(2, "backend");
  h.subscribed(2, 1, "w", QoS::at_least_once);
  h.connected(3, "device", true, false, will_on("w", "mh1 offline", QoS::at_least_once, /*retain=*/true));
  h.sent(3, publish("w", "mh1 online", QoS::at_least_once, 1, /*retain=*/true));
  h.received(2, publish("w", "mh1 online", QoS::at_least_once, 1));
  h.sent(2, ack<Puback>(1));
  h.received(3, ack<Puback>(1));
  h.closed(3, CloseReason::local_abort);
  h.received(2, publish("w", "mh1 offline", QoS::at_least_once, 2));
  h.sent(2, ack<Puback>(2));
  h.connected(1, "dashboard");
  h.subscribed(1, 1, "w", QoS::at_least_once);
  h.received(1, publish("w", "mh1 online", QoS::at_least_once, 5, true));
  h.sent(1, ack<Puback>(5));
  EXPECT_ONLY_STATEMENT(judge(h), "MQTT-3.1.2-17");
}

// ---- observation labels
// -----------------------------------------------------------------------------------------

HistoryBuilder empty_client_id(bool clean_session, std::uint8_t return_code) {
  HistoryBuilder h;
  h.open(1, "anonymous");
  Connect connect;
  connect.clean_session = clean_session;
  h.sent(1, connect);
  Connack connack;
  connack.reason_code = return_code;
  h.received(1, connack);
  h.closed(1, return_code == 0 ? CloseReason::local_close : CloseReason::clean_eof);
  return h;
}

TEST(OneStatement, EmptyClientIdLabelsNameTheirCase) {
  const auto accepted_clean = judge(empty_client_id(true, 0));
  ASSERT_NE(find_observation(accepted_clean, "accepts-empty-client-id"), nullptr);
  EXPECT_NE(find_observation(accepted_clean, "accepts-empty-client-id")->detail.find("clean session 1"),
            std::string::npos);

  const auto accepted_persistent = judge(empty_client_id(false, 0));
  ASSERT_NE(find_observation(accepted_persistent, "accepts-empty-client-id"), nullptr);
  EXPECT_NE(find_observation(accepted_persistent, "accepts-empty-client-id")->detail.find("clean session 0"),
            std::string::npos);
  EXPECT_ONLY_STATEMENT(accepted_persistent, "MQTT-3.1.3-8");

  EXPECT_NE(find_observation(judge(empty_client_id(true, 2)), "refuses-empty-client-id"), nullptr);
  // CONNACK 5 refuses the login (not authorised), not the client id.
  EXPECT_EQ(find_observation(judge(empty_client_id(true, 5)), "refuses-empty-client-id"), nullptr);
}

}  // namespace
}  // namespace mqtt::model
