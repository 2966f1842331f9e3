// Keep alive [MQTT-3.1.2-24], one history per rule of harness/model/keepalive.hpp: the grace is the timer's
// granularity, lateness beyond it is the MUST violation with the measured delay, silence is timed from the
// latest moment the server can have read the client's last packet, and only an event on the connection proves
// that the server kept it open.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "history_builder.hpp"
#include "model/checker.hpp"

namespace mqtt::model {
namespace {

using history::CloseReason;
using testing::HistoryBuilder;
using testing::milliseconds;
using testing::seconds;
using Evidence = std::vector<std::uint64_t>;

Verdicts judge(const HistoryBuilder& builder, const CheckOptions& options = {}) {
  return check(builder.history(), options);
}

const Finding* find(const Verdicts& verdicts, std::string_view statement) {
  auto it = std::find_if(verdicts.violations.begin(), verdicts.violations.end(),
                         [&](const Finding& finding) { return finding.statement == statement; });
  return it == verdicts.violations.end() ? nullptr : &*it;
}

std::string listing(const Verdicts& verdicts) {
  std::string text;
  for (const auto& finding : verdicts.violations) {
    text += finding.statement + ": " + finding.message + " [";
    for (auto sequence : finding.evidence) text += std::to_string(sequence) + " ";
    text += "]\n";
  }
  return text;
}

bool observed(const Verdicts& verdicts, std::string_view behaviour) {
  return std::any_of(verdicts.observed.begin(), verdicts.observed.end(),
                     [&](const Observation& observation) { return observation.behaviour == behaviour; });
}

#define EXPECT_CLEAN(verdicts) EXPECT_TRUE((verdicts).violations.empty()) << listing(verdicts)

// Declares `finding`, the violation of `statement` in `verdicts` (a variable: the pointer points into it),
// and checks its evidence; fails the test when there is none.
#define ASSERT_VIOLATION(finding, verdicts, statement, expected_evidence)                 \
  const Finding* finding = find((verdicts), (statement));                                 \
  ASSERT_NE(finding, nullptr) << "expected " << (statement) << "\n" << listing(verdicts); \
  do {                                                                                    \
    auto expected_ = Evidence(expected_evidence);                                         \
    std::sort(expected_.begin(), expected_.end());                                        \
    EXPECT_EQ(finding->evidence, expected_) << finding->message;                          \
  } while (false)

// A client with keep alive `keep_alive` connects on connection 1 and says nothing more; returns the sequence
// of its CONNECT. The CONNACK arrives `answer_after` after the CONNECT (1 ms when not stated).
std::uint64_t silent_client(HistoryBuilder& h, std::uint16_t keep_alive,
                            std::int64_t answer_after = milliseconds) {
  h.open(1, "quiet");
  Connect connect;
  connect.client_id = "quiet";
  connect.keep_alive = keep_alive;
  const auto sequence = h.sent(1, connect);
  h.after(answer_after - milliseconds);
  h.received(1, Connack{});
  return sequence;
}

// Moves the clock so that the next event happens exactly `delta` after the last one.
void wait_exactly(HistoryBuilder& h, std::int64_t delta) { h.after(delta - milliseconds); }

// ---- the grace: timer granularity
// ------------------------------------------------------------------------------

TEST(KeepAlive, CloseWithinTheGraceIsClean_MQTT_3_1_2_24) {
  HistoryBuilder h;
  silent_client(h, 1);
  wait_exactly(h, 1500 * milliseconds + 900 * milliseconds);  // 0.9 s late: one whole-second tick at most
  h.closed(1, CloseReason::clean_eof);
  const auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-3.1.2-24"));
  EXPECT_FALSE(observed(verdicts, "late-keepalive-close"));
}

TEST(KeepAlive, CloseBeyondTheGraceIsTheViolationWithTheMeasuredDelay_MQTT_3_1_2_24) {
  HistoryBuilder h;
  const auto connect = silent_client(h, 2);
  wait_exactly(h, 3 * seconds + 3200 * milliseconds);  // mosquitto 2.0.11's sweep: every 6 s
  const auto closed = h.closed(1, CloseReason::clean_eof);
  const auto verdicts = judge(h);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, closed}));
  EXPECT_EQ(finding->message,
            "the server closed the silent connection of client 'quiet' 3.2 s after 2 s keep alive × 1.5 "
            "(grace 1.0 s)");
  EXPECT_EQ(finding->level, "MUST");
}

TEST(KeepAlive, LatenessMustExceedTheGraceByTheMeasurementSlack) {
  // A broker sweeping on whole seconds closes at most 1 s late; the harness notices the close a little later.
  HistoryBuilder noticed_late;
  silent_client(noticed_late, 1);
  wait_exactly(noticed_late, 1500 * milliseconds + 1050 * milliseconds);
  noticed_late.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(noticed_late));

  HistoryBuilder too_late;
  const auto connect = silent_client(too_late, 1);
  wait_exactly(too_late, 1500 * milliseconds + 1200 * milliseconds);
  const auto closed = too_late.closed(1, CloseReason::reset);
  const auto verdicts = judge(too_late);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, closed}));
  EXPECT_NE(finding->message.find("1.2 s after 1 s keep alive × 1.5 (grace 1.0 s)"), std::string::npos)
      << finding->message;
}

// ---- the harness's own lateness (Event::looked_ns, client/loop_watch.hpp)
// -----------------------------------------------------------

TEST(KeepAlive, ACloseTheLateLoopNoticedLateIsMeasuredFromWhenItLastLooked_MQTT_3_1_2_24) {
  // The loop was busy for 300 ms: the close stamped 1.25 s late may have happened 0.95 s late (legal).
  HistoryBuilder h;
  silent_client(h, 1);
  wait_exactly(h, 1500 * milliseconds + 1250 * milliseconds);
  h.closed(1, CloseReason::clean_eof);
  h.looked_earlier(300 * milliseconds);
  const auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.exercised.contains("MQTT-3.1.2-24"));
  // The record is what excuses it: the same close stamped by a loop that kept up is the violation.
  auto unmarked = h.history();
  unmarked.events.back().looked_ns.reset();
  const auto unmarked_verdicts = check(unmarked, {});
  EXPECT_NE(find(unmarked_verdicts, "MQTT-3.1.2-24"), nullptr);
}

TEST(KeepAlive, ACloseLateEvenAtTheEarliestTimeIsStillTheViolation_MQTT_3_1_2_24) {
  HistoryBuilder h;
  const auto connect = silent_client(h, 1);
  wait_exactly(h, 1500 * milliseconds + 3500 * milliseconds);
  const auto closed = h.closed(1, CloseReason::clean_eof);
  h.looked_earlier(300 * milliseconds);
  const auto verdicts = judge(h);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, closed}));
  // The lateness named is the least the close can have been late by.
  EXPECT_EQ(finding->message,
            "the server closed the silent connection of client 'quiet' 3.2 s after 1 s keep alive × 1.5 "
            "(grace 1.0 s)");
}

TEST(KeepAlive, AnEventALateLoopNoticedProvesTheConnectionOpenOnlyUntilTheLoopLastLooked) {
  // The client's own close at 3 s, but its loop had not looked since 2 s: the server's close may have come
  // in between, unseen, so the connection is not proved open past the deadline (2.6 s).
  HistoryBuilder excused;
  silent_client(excused, 1);
  wait_exactly(excused, 3 * seconds);
  excused.closed(1, CloseReason::local_close);
  excused.looked_earlier(1 * seconds);
  EXPECT_CLEAN(judge(excused));

  HistoryBuilder proved;
  const auto connect = silent_client(proved, 1);
  wait_exactly(proved, 5 * seconds);
  const auto closed = proved.closed(1, CloseReason::local_close);
  proved.looked_earlier(1 * seconds);
  const auto verdicts = judge(proved);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, closed}));
  EXPECT_EQ(
      finding->message,
      "the server kept client 'quiet' connected 2.5 s past 1 s keep alive × 1.5 of silence (grace 1.0 s)");
}

TEST(KeepAlive, ProfileGraceAcceptsACoarserSweepAndShowsTheLateness) {
  HistoryBuilder h;
  silent_client(h, 2);
  wait_exactly(h, 3 * seconds + 5700 * milliseconds);
  h.closed(1, CloseReason::clean_eof);
  CheckOptions coarse;
  coarse.keepalive_grace_ns = 7 * seconds;  // keepalive_grace_ms 7000: mosquitto 2.0.11's 6 s sweep accepted
  const auto verdicts = judge(h, coarse);
  EXPECT_CLEAN(verdicts);
  ASSERT_EQ(verdicts.observed.size(), 1u);
  EXPECT_EQ(verdicts.observed.front().behaviour, "late-keepalive-close");
  EXPECT_NE(
      verdicts.observed.front().detail.find("5.7 s after 2 s keep alive × 1.5 (within the grace of 7.0 s)"),
      std::string::npos)
      << verdicts.observed.front().detail;

  // The same close under the default grace is the violation.
  EXPECT_NE(find(judge(h), "MQTT-3.1.2-24"), nullptr);
}

// ---- where the silence starts
// ----------------------------------------------------------------------------------

TEST(KeepAlive, SilenceStartsWhenTheAnswerProvesTheServerReadTheLastPacket) {
  CheckOptions
      one_second;  // the default, stated: timed from the sends, both closes below would be 1.55 s late
  one_second.keepalive_grace_ns = 1 * seconds;
  // The CONNACK came 0.5 s after the CONNECT: the server may have read the CONNECT only then.
  HistoryBuilder slow_connack;
  silent_client(slow_connack, 1, 500 * milliseconds);
  wait_exactly(slow_connack, 1500 * milliseconds + 1050 * milliseconds);  // 1.55 s after the CONNECT's send
  slow_connack.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(slow_connack, one_second));

  // Likewise a PINGREQ answered late.
  HistoryBuilder slow_pingresp;
  silent_client(slow_pingresp, 1);
  slow_pingresp.after(900 * milliseconds);
  slow_pingresp.sent(1, Pingreq{});
  wait_exactly(slow_pingresp, 700 * milliseconds);
  slow_pingresp.received(1, Pingresp{});
  wait_exactly(slow_pingresp, 1500 * milliseconds + 1050 * milliseconds);
  slow_pingresp.closed(1, CloseReason::clean_eof);
  EXPECT_CLEAN(judge(slow_pingresp, one_second));
}

TEST(KeepAlive, AnAnswerToAnEarlierPacketDoesNotMoveTheSilence) {
  HistoryBuilder h;
  silent_client(h, 1);
  h.sent(1, HistoryBuilder::publish("a/1", "mh1 first", QoS::at_least_once, 1));
  const auto last = h.sent(1, HistoryBuilder::publish("a/2", "mh1 last"));  // QoS 0: nothing answers it
  wait_exactly(h, 500 * milliseconds);
  h.received(1, HistoryBuilder::ack<Puback>(1));  // answers the first PUBLISH only
  wait_exactly(h, 1500 * milliseconds + 1300 * milliseconds - 500 * milliseconds);
  const auto closed = h.closed(1, CloseReason::clean_eof);  // 1.3 s late from the last packet's send
  const auto verdicts = judge(h);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{last, closed}));
  EXPECT_NE(finding->message.find("1.3 s after"), std::string::npos) << finding->message;
}

// ---- what proves the server kept the connection
// ----------------------------------------------------------------

TEST(KeepAlive, TheClientsOwnCloseProvesTheServerNeverClosed_MQTT_3_1_2_24) {
  HistoryBuilder h;
  const auto connect = silent_client(h, 1);
  wait_exactly(h, 5 * seconds);
  const auto closed = h.closed(1, CloseReason::local_close);
  const auto verdicts = judge(h);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, closed}));
  EXPECT_EQ(
      finding->message,
      "the server kept client 'quiet' connected 3.5 s past 1 s keep alive × 1.5 of silence (grace 1.0 s)");
}

TEST(KeepAlive, APacketFromTheServerAfterTheDeadlineProvesItKeptTheConnection_MQTT_3_1_2_24) {
  HistoryBuilder h;
  h.connected(1, "sub", true, false, std::nullopt, /*keep_alive=*/1);
  const auto subscribe = h.subscribed(1, 1, "a/#", QoS::at_most_once) - 1;
  h.connected(2, "pub");
  h.after(4 * seconds);
  h.sent(2, HistoryBuilder::publish("a/b", "mh1 late"));
  const auto delivered = h.received(1, HistoryBuilder::publish("a/b", "mh1 late"));
  const auto verdicts = judge(h);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{subscribe, delivered}));
  EXPECT_EQ(verdicts.violations.size(), 1u) << listing(verdicts);
}

TEST(KeepAlive, AClientThatSentDisconnectIsOwedNoKeepAlive) {
  HistoryBuilder h;
  silent_client(h, 1);
  h.after(500 * milliseconds);
  h.sent(1, Disconnect{});
  h.after(20 * seconds);  // the server never closes; the client's own close ends it much later
  h.closed(1, CloseReason::local_close);
  EXPECT_EQ(find(judge(h), "MQTT-3.1.2-24"), nullptr) << listing(judge(h));

  // A DISCONNECT that itself comes after the deadline still shows the server had kept the connection.
  HistoryBuilder late;
  const auto connect = silent_client(late, 1);
  late.after(5 * seconds);
  const auto disconnect = late.sent(1, Disconnect{});
  late.closed(1, CloseReason::local_close);
  const auto verdicts = judge(late);
  ASSERT_VIOLATION(finding, verdicts, "MQTT-3.1.2-24", (Evidence{connect, disconnect}));
}

TEST(KeepAlive, AFaultedConnectionIsNotTimed) {
  HistoryBuilder h;
  silent_client(h, 1);
  h.fault(1, "blackhole");
  h.after(10 * seconds);
  h.closed(1, CloseReason::local_close);
  EXPECT_EQ(find(judge(h), "MQTT-3.1.2-24"), nullptr) << listing(judge(h));
}

// ---- the end of the history is not an event on the connection
// ---------------------------------------------------

TEST(KeepAlive, SilenceIsNeverMeasuredToTheEndOfACaptureThatStoppedSeeingTheConnection) {
  // A capture excerpt: connection 1 (keep alive 20 s) is seen connecting, then only another connection's
  // frame, 338 s later. Nothing shows what the server did with connection 1.
  HistoryBuilder h;
  const auto connect = silent_client(h, 20);
  h.after(338 * seconds);
  h.open(2, "other");
  const auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  ASSERT_EQ(verdicts.unresolved.size(), 1u);
  const auto& unresolved = verdicts.unresolved.front();
  EXPECT_EQ(unresolved.kind, UnresolvedKind::history_ended);
  EXPECT_EQ(unresolved.statement, "MQTT-3.1.2-24");
  EXPECT_EQ(unresolved.evidence, Evidence{connect});
  EXPECT_NE(unresolved.reason.find("no event on its connection"), std::string::npos) << unresolved.reason;
}

TEST(KeepAlive, AHistoryEndingBeforeTheDeadlineLeavesNothingOwed) {
  HistoryBuilder h;
  silent_client(h, 20);
  h.after(25 * seconds);  // 1.5 x 20 s plus the grace has not passed
  h.open(2, "other");
  const auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.unresolved.empty());
}

TEST(KeepAlive, NoUnresolvedSilenceAfterDisconnectOrWithoutKeepAlive) {
  HistoryBuilder h;
  silent_client(h, 1);
  h.sent(1, Disconnect{});
  h.connected(2, "forever");  // keep alive 0: the server need not time it
  h.after(100 * seconds);
  h.open(3, "other");
  const auto verdicts = judge(h);
  EXPECT_CLEAN(verdicts);
  EXPECT_TRUE(verdicts.unresolved.empty());
}

// ---- the will of a faulted connection
// ----------------------------------------------------------------------------

Will will_on(std::string topic) {
  Will will;
  will.topic = std::move(topic);
  will.payload = testing::bytes_of("mh1 gone");
  will.qos = QoS::at_least_once;
  return will;
}

TEST(KeepAlive, AFaultedConnectionsWillIsOwedOnlyAfterTheDetectionTolerance_MQTT_3_1_2_8) {
  // The fault hides when the broker last heard the device, so a late will there is not a will violation.
  const auto run = [](std::int64_t subscriber_stays) {
    HistoryBuilder h;
    h.connected(1, "backend");
    h.subscribed(1, 1, "dtu/#", QoS::at_least_once);
    h.connected(2, "dtu", true, false, will_on("dtu/will"), /*keep_alive=*/2);
    h.fault(2, "blackhole");
    h.closed(2, CloseReason::local_close);
    h.after(subscriber_stays);
    h.closed(1, CloseReason::local_close);
    return judge(h);
  };
  // 1.5 x 2 s + 5 s: later than the keep-alive grace, within the detection tolerance.
  EXPECT_EQ(find(run(8 * seconds), "MQTT-3.1.2-8"), nullptr) << listing(run(8 * seconds));
  // 1.5 x 2 s + 12 s: the will is overdue.
  EXPECT_NE(find(run(15 * seconds), "MQTT-3.1.2-8"), nullptr) << listing(run(15 * seconds));
}

}  // namespace
}  // namespace mqtt::model
