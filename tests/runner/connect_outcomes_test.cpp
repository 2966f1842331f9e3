// A case's CONNECTs as the client layer returned them: which are facts about the target (refused, unanswered) and
// which are what the case asked for.
#include <gtest/gtest.h>

#include "runner/connect_outcomes.hpp"

namespace mqtt::runner {
namespace {

client::RequestResult answered(std::uint8_t code) {
  client::RequestResult result;
  result.outcome = client::WaitOutcome::packet;
  Connack connack;
  connack.reason_code = code;
  result.reply = Packet{connack};
  return result;
}

client::RequestResult unanswered(client::WaitOutcome outcome, std::optional<history::CloseReason> reason = {}) {
  client::RequestResult result;
  result.outcome = outcome;
  result.close_reason = reason;
  return result;
}

TEST(ConnectOutcomes, AcceptedGoesOnRefusedStopsTheCaseUnlessItWasAskedFor) {
  ConnectOutcomes outcomes;
  CaseRun run;
  EXPECT_TRUE(outcomes.connect_step("device", 1, answered(0), 3000, run));
  EXPECT_FALSE(outcomes.connect_step("backend", 2, answered(5), 3000, run));
  ASSERT_EQ(run.unaccepted_connects.size(), 1u);
  EXPECT_EQ(run.unaccepted_connects[0].client, "backend");
  EXPECT_EQ(run.unaccepted_connects[0].return_code, std::uint8_t{5});
  outcomes.expect_refusal("intruder");
  EXPECT_FALSE(outcomes.connect_step("other", 3, answered(5), 3000, run)) << "the note names another client";
  EXPECT_TRUE(outcomes.connect_step("intruder", 4, answered(5), 3000, run));
  EXPECT_EQ(run.unaccepted_connects.size(), 2u) << "an expected refusal is no fact against the target";
  EXPECT_FALSE(outcomes.connect_step("intruder", 5, answered(5), 3000, run)) << "the expectation is used up";
  EXPECT_EQ(run.connects.accepted, 1u);
  EXPECT_EQ(run.connects.refused[5], 4u);
}

TEST(ConnectOutcomes, NoConnackIsUnansweredClosedOrReset) {
  ConnectOutcomes outcomes;
  CaseRun run;
  EXPECT_FALSE(outcomes.connect_step("a", 1, unanswered(client::WaitOutcome::timeout), 2500, run));
  EXPECT_FALSE(outcomes.connect_step("b", 2, unanswered(client::WaitOutcome::closed, history::CloseReason::clean_eof),
                                     3000, run));
  EXPECT_FALSE(outcomes.connect_step("c", 3, unanswered(client::WaitOutcome::closed, history::CloseReason::reset),
                                     3000, run));
  EXPECT_EQ(run.connects.unanswered, 1u);
  EXPECT_EQ(run.connects.unanswered_wait_ms, 2500);
  EXPECT_EQ(run.connects.closed, 1u);
  EXPECT_EQ(run.connects.reset, 1u);
  ASSERT_EQ(run.unaccepted_connects.size(), 3u);
  EXPECT_EQ(run.unaccepted_connects[0].timeout_ms, 2500);
  EXPECT_FALSE(run.unaccepted_connects[1].return_code.has_value());
}

TEST(ConnectOutcomes, HandMadeConnectsAreJudgedByTheirFirstConnack) {
  ConnectOutcomes outcomes;
  CaseRun run;
  outcomes.hand_made("raw", 1, false);   // answered 5: refused for the login
  outcomes.hand_made("flags", 2, true);  // answered 4, sent as written
  outcomes.hand_made("level", 3, false); // answered 1: an answer to what the case tests, not a login refusal
  outcomes.hand_made("silent", 4, false);  // no CONNACK: a malformed CONNECT may rightly get none
  outcomes.expect_refusal("");
  outcomes.hand_made("intruder", 5, false);  // answered 5, as the case asked
  outcomes.connack(1, 5);
  outcomes.connack(1, 0);  // only the first counts
  outcomes.connack(2, 4);
  outcomes.connack(3, 1);
  outcomes.connack(5, 5);
  outcomes.judge_hand_made(run);
  ASSERT_EQ(run.unaccepted_connects.size(), 2u);
  EXPECT_EQ(run.unaccepted_connects[0].client, "raw");
  EXPECT_TRUE(run.unaccepted_connects[0].hand_made);
  EXPECT_FALSE(run.unaccepted_connects[0].as_written);
  EXPECT_EQ(run.unaccepted_connects[1].client, "flags");
  EXPECT_TRUE(run.unaccepted_connects[1].as_written);
  EXPECT_EQ(run.connects.refused[5], 2u);
  EXPECT_EQ(run.connects.refused[1], 1u);
  EXPECT_EQ(run.connects.accepted, 0u);
  EXPECT_EQ(run.connects.unanswered, 0u);
}

}  // namespace
}  // namespace mqtt::runner
