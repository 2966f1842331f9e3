// From a case's history and the checker's findings to verdicts, evidence slices and the statements table.
#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "runner/case_judgement.hpp"

namespace mqtt::runner {
namespace {

model::Finding finding(std::string statement, std::string level, std::vector<std::uint64_t> evidence = {}) {
  return model::Finding{std::move(statement), std::move(level), "a sentence", std::move(evidence)};
}

history::Event event(std::uint64_t sequence, std::uint32_t connection, history::EventKind kind,
                     std::optional<Packet> packet = std::nullopt) {
  history::Event result;
  result.sequence = sequence;
  result.connection = connection;
  result.kind = kind;
  result.packet = std::move(packet);
  return result;
}

Case case_covering(std::string id, std::vector<std::string> statements) {
  Case result;
  result.id = std::move(id);
  result.title = "title";
  result.section = "3.3";
  result.statements = std::move(statements);
  Step step;
  step.kind = StepKind::connect;
  step.client = "a";
  step.text = "connect a";
  result.steps.push_back(step);
  return result;
}

TEST(CaseJudgement, AnyMustViolationFailsEvenForAStatementOutsideTheCase) {
  model::Verdicts verdicts;
  verdicts.violations.push_back(finding("MQTT-3.3.1-9", "SHOULD"));
  EXPECT_EQ(verdict_of(verdicts, false), results::Verdict::warned);
  verdicts.violations.push_back(finding("MQTT-4.7.1-1", "MUST"));
  EXPECT_EQ(verdict_of(verdicts, false), results::Verdict::failed);
  EXPECT_EQ(verdict_of(verdicts, true), results::Verdict::error);
  EXPECT_EQ(verdict_of(model::Verdicts{}, false), results::Verdict::passed);
}

TEST(CaseJudgement, EvidenceSliceAddsTheConnectOfInvolvedConnections) {
  history::History history;
  history.events = {
      event(1, 1, history::EventKind::open),
      event(2, 1, history::EventKind::sent, Packet{Connect{}}),
      event(3, 2, history::EventKind::sent, Packet{Connect{}}),
      event(4, 1, history::EventKind::received, Packet{Connack{}}),
      event(5, 1, history::EventKind::received, Packet{Publish{}}),
  };
  const auto slice = evidence_slice(history, {5});
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0].sequence, 2u);
  EXPECT_EQ(slice[1].sequence, 5u);
}

TEST(CaseJudgement, JudgedCaseCarriesStepsViolationsAndMessage) {
  CaseRun run;
  run.history.events = {event(1, 1, history::EventKind::sent, Packet{Connect{}}),
                        event(2, 1, history::EventKind::received, Packet{Connack{}})};
  run.verdicts.violations.push_back(finding("MQTT-3.2.0-1", "MUST", {2}));
  const auto result = judge_case(case_covering("a.case", {"MQTT-3.2.0-1"}), run);
  EXPECT_EQ(result.verdict, results::Verdict::failed);
  EXPECT_EQ(result.message, "1 MUST violation(s): MQTT-3.2.0-1");
  EXPECT_EQ(result.steps, (std::vector<std::string>{"connect a"}));
  ASSERT_EQ(result.violations.size(), 1u);
  EXPECT_EQ(result.violations[0].case_id, "a.case");
  EXPECT_EQ(result.violations[0].history_slice.size(), 2u);
  EXPECT_EQ(result.history.size(), 2u);

  run.error = "step \"publish x\": placeholder {nope} is unknown";
  const auto errored = judge_case(case_covering("a.case", {"MQTT-3.2.0-1"}), run, false);
  EXPECT_EQ(errored.verdict, results::Verdict::error);
  EXPECT_EQ(errored.message, "step \"publish x\": placeholder {nope} is unknown");
  EXPECT_TRUE(errored.history.empty());
}

CaseRun clean_run() {
  CaseRun run;
  run.history.events = {event(1, 1, history::EventKind::sent, Packet{Connect{}}),
                        event(2, 1, history::EventKind::received, Packet{Connack{}})};
  run.verdicts.exercised = {"MQTT-3.2.0-1"};
  return run;
}

results::CaseResult judged(const CaseRun& run) { return judge_case(case_covering("a.case", {"MQTT-3.2.0-1"}), run); }

TEST(CaseJudgement, ARefusedConnectTheCaseDidNotAskForIsInconclusiveNeverPassed) {
  CaseRun run = clean_run();
  run.unaccepted_connects.push_back(UnacceptedConnect{"backend", 1, false, false, std::uint8_t{5},
                                                      client::WaitOutcome::packet, std::nullopt, 3000});
  const auto result = judged(run);
  EXPECT_EQ(result.verdict, results::Verdict::inconclusive);
  EXPECT_EQ(result.message, "target refused the CONNECT of client 'backend': return code 5 (not authorized)");
}

TEST(CaseJudgement, AHandMadeConnectSentAsWrittenNamesThat) {
  CaseRun run = clean_run();
  run.unaccepted_connects.push_back(
      UnacceptedConnect{"raw", 1, true, true, std::uint8_t{4}, client::WaitOutcome::packet, std::nullopt, 0});
  EXPECT_EQ(judged(run).message,
            "target refused the hand-made CONNECT of client 'raw' (sent as written, without the target's credentials): "
            "return code 4 (bad user name or password)");
}

TEST(CaseJudgement, AnUnansweredConnectIsInconclusiveWithHowItEnded) {
  CaseRun run = clean_run();
  run.unaccepted_connects.push_back(
      UnacceptedConnect{"device", 1, false, false, std::nullopt, client::WaitOutcome::timeout, std::nullopt, 3000});
  EXPECT_EQ(judged(run).verdict, results::Verdict::inconclusive);
  EXPECT_EQ(judged(run).message, "target did not answer the CONNECT of client 'device' within 3000 ms");
  run.unaccepted_connects[0].outcome = client::WaitOutcome::closed;
  run.unaccepted_connects[0].close_reason = history::CloseReason::clean_eof;
  EXPECT_EQ(judged(run).message, "target closed the connection of client 'device' before answering its CONNECT");
  run.unaccepted_connects[0].close_reason = history::CloseReason::reset;
  EXPECT_EQ(judged(run).message, "target reset the connection of client 'device' before answering its CONNECT");
}

TEST(CaseJudgement, TimeoutUnreachableAndUnansweredStepsAreInconclusive) {
  CaseRun timed_out = clean_run();
  timed_out.timed_out = "the case exceeded its timeout of 10000 ms (at step 5 of 7)";
  EXPECT_EQ(judged(timed_out).verdict, results::Verdict::inconclusive) << "a slow broker is not a harness error";
  EXPECT_EQ(judged(timed_out).message,
            "the case exceeded its timeout of 10000 ms (at step 5 of 7): the target was too slow or silent");

  CaseRun unreachable = clean_run();
  unreachable.unreachable = "target unreachable: connection refused by 127.0.0.1:1";
  EXPECT_EQ(judged(unreachable).verdict, results::Verdict::inconclusive);
  EXPECT_EQ(judged(unreachable).message, "target unreachable: connection refused by 127.0.0.1:1");

  CaseRun unanswered = clean_run();
  unanswered.unanswered.push_back(UnansweredStep{"sub", "subscribe", client::WaitOutcome::timeout, 3000, ""});
  EXPECT_EQ(judged(unanswered).verdict, results::Verdict::inconclusive);
  EXPECT_EQ(judged(unanswered).message, "no answer to the subscribe of client 'sub' within 3000 ms");
  unanswered.unanswered[0] = UnansweredStep{"sub", "wait for puback", client::WaitOutcome::closed, 3000, "PUBACK for packet id 1"};
  EXPECT_EQ(judged(unanswered).message,
            "target closed the connection of client 'sub' before answering its wait for puback (it still owed PUBACK "
            "for packet id 1)");
}

TEST(CaseJudgement, UnresolvedObligationsOfTheCheckerAreInconclusive) {
  CaseRun run = clean_run();
  run.verdicts.unresolved.push_back(
      model::Unresolved{model::UnresolvedKind::server_closed, "MQTT-4.3.2-1", "the server closed before PUBACK", {2}, 0});
  EXPECT_EQ(verdict_of(run.verdicts, false), results::Verdict::inconclusive);
  EXPECT_EQ(judged(run).verdict, results::Verdict::inconclusive);
  EXPECT_EQ(judged(run).message, "the server closed before PUBACK");
}

TEST(CaseJudgement, ACleanRunPassesOnlyWhenEveryClaimedStatementWasExercised) {
  const Case the_case = case_covering("a.case", {"MQTT-4.7.2-1", "MQTT-3.2.0-1", "MQTT-3.3.2-3", "MQTT-4.6.0-5"});
  CaseRun run = clean_run();
  run.verdicts.exercised = {"MQTT-3.2.0-1", "MQTT-3.3.2-3", "MQTT-4.6.0-5", "MQTT-4.7.2-1"};
  EXPECT_EQ(judge_case(the_case, run).verdict, results::Verdict::passed);

  run.verdicts.exercised = {"MQTT-3.2.0-1", "MQTT-3.3.2-3", "MQTT-3.1.2-4"};
  const auto two_missing = judge_case(the_case, run);
  EXPECT_EQ(two_missing.verdict, results::Verdict::inconclusive);
  EXPECT_EQ(two_missing.message, "the history never exercised MQTT-4.7.2-1 and MQTT-4.6.0-5, which the case claims");

  run.verdicts.exercised.clear();
  EXPECT_EQ(judge_case(the_case, run).message,
            "the history never exercised MQTT-4.7.2-1, MQTT-3.2.0-1, MQTT-3.3.2-3 and MQTT-4.6.0-5, which the case "
            "claims");
  run.verdicts.exercised = {"MQTT-3.2.0-1", "MQTT-3.3.2-3", "MQTT-4.6.0-5"};
  EXPECT_EQ(unexercised_reason(the_case, run.verdicts),
            "the history never exercised MQTT-4.7.2-1, which the case claims");
}

TEST(CaseJudgement, AnUnexercisedClaimNeitherHidesAViolationNorReplacesAnEarlierReason) {
  const Case the_case = case_covering("a.case", {"MQTT-4.7.2-1"});
  CaseRun violated = clean_run();
  violated.verdicts.violations.push_back(finding("MQTT-3.2.0-1", "MUST", {2}));
  EXPECT_EQ(judge_case(the_case, violated).verdict, results::Verdict::failed);
  CaseRun warned = clean_run();
  warned.verdicts.violations.push_back(finding("MQTT-3.2.0-1", "SHOULD", {2}));
  EXPECT_EQ(judge_case(the_case, warned).verdict, results::Verdict::warned);
  CaseRun refused = clean_run();
  refused.unaccepted_connects.push_back(UnacceptedConnect{"backend", 1, false, false, std::uint8_t{5},
                                                          client::WaitOutcome::packet, std::nullopt, 3000});
  EXPECT_EQ(judge_case(the_case, refused).message,
            "target refused the CONNECT of client 'backend': return code 5 (not authorized)");
}

TEST(CaseJudgement, ViolationsAndErrorsComeBeforeInconclusive) {
  CaseRun run = clean_run();
  run.timed_out = "the case exceeded its timeout";
  run.verdicts.violations.push_back(finding("MQTT-3.2.0-1", "MUST", {2}));
  EXPECT_EQ(judged(run).verdict, results::Verdict::failed);
  run.verdicts.violations[0].level = "SHOULD";
  EXPECT_EQ(judged(run).verdict, results::Verdict::warned);
  run.error = "internal error: boom";
  EXPECT_EQ(judged(run).verdict, results::Verdict::error);
}

TEST(CaseJudgement, InsertedPasswordsAreMaskedBeforeAnyoneSeesTheHistory) {
  CaseRun run = clean_run();
  history::Event raw = event(3, 2, history::EventKind::sent);
  raw.raw = {0x10, 0x05, 'x', 's', 'e', 'c', 'r'};  // does not decode: the report's CONNECT redaction cannot see it
  run.history.events.push_back(raw);
  run.secrets.push_back(InsertedSecret{3, 3, 4});
  run.verdicts.violations.push_back(finding("MQTT-3.2.0-1", "MUST", {3}));
  const auto result = judged(run);
  EXPECT_EQ(result.history[2].raw, (Bytes{0x10, 0x05, 'x', '*', '*', '*', '*'}));
  ASSERT_FALSE(result.violations[0].history_slice.empty());
  EXPECT_EQ(result.violations[0].history_slice.back().raw, (Bytes{0x10, 0x05, 'x', '*', '*', '*', '*'}));
}

TEST(CaseJudgement, StatementTableJudgesEveryCatalogStatement) {
  const auto catalog_statements = catalog::statements("3.1.1");
  ASSERT_GE(catalog_statements.size(), 4u) << "the 3.1.1 catalog is (nearly) empty";
  const std::string clean = catalog_statements[0].id;
  const std::string violated = catalog_statements[1].id;
  const std::string only_skipped = catalog_statements[2].id;
  const std::string uncovered = catalog_statements[3].id;
  const std::vector<Case> cases = {case_covering("clean.case", {clean}), case_covering("bad.case", {violated, clean}),
                                   case_covering("skipped.case", {only_skipped})};
  std::vector<results::CaseResult> case_results(3);
  case_results[0].id = "clean.case";
  case_results[0].verdict = results::Verdict::passed;
  case_results[1].id = "bad.case";
  case_results[1].verdict = results::Verdict::failed;
  case_results[1].violations.push_back(results::Violation{violated, "MUST", "m", "bad.case", {}});
  case_results[2].id = "skipped.case";
  case_results[2].verdict = results::Verdict::skipped;

  const auto table = statement_table("3.1.1", cases, case_results);
  EXPECT_EQ(table.size(), catalog_statements.size());
  auto row = [&](const std::string& id) {
    for (const auto& one : table) {
      if (one.id == id) return one;
    }
    ADD_FAILURE() << id << " missing from the table";
    return results::StatementResult{};
  };
  EXPECT_EQ(row(clean).verdict, results::Verdict::passed);
  EXPECT_EQ(row(clean).cases, (std::vector<std::string>{"clean.case", "bad.case"}));
  EXPECT_EQ(row(violated).verdict, results::Verdict::failed);
  EXPECT_EQ(row(only_skipped).verdict, results::Verdict::skipped);
  EXPECT_EQ(row(only_skipped).cases, (std::vector<std::string>{"skipped.case"}));
  EXPECT_EQ(row(uncovered).verdict, results::Verdict::skipped);
  EXPECT_TRUE(row(uncovered).cases.empty());
}

TEST(CaseJudgement, StatementCoveredOnlyByInconclusiveCasesIsInconclusiveAndAcceptedStaysApart) {
  const auto catalog_statements = catalog::statements("3.1.1");
  ASSERT_GE(catalog_statements.size(), 3u);
  const std::string not_exercised = catalog_statements[0].id;
  const std::string accepted = catalog_statements[1].id;
  const std::string beside_accepted = catalog_statements[2].id;
  const std::vector<Case> cases = {case_covering("refused.case", {not_exercised}),
                                   case_covering("accepted.case", {accepted, beside_accepted})};
  std::vector<results::CaseResult> case_results(2);
  case_results[0].id = "refused.case";
  case_results[0].verdict = results::Verdict::inconclusive;
  case_results[1].id = "accepted.case";
  case_results[1].verdict = results::Verdict::accepted;
  results::Violation violation{accepted, "MUST", "m", "accepted.case", {}};
  violation.accepted = results::AcceptedDeviation{accepted, "", "known", "", ""};
  case_results[1].violations.push_back(violation);
  const auto table = statement_table("3.1.1", cases, case_results);
  auto verdict = [&](const std::string& id) {
    for (const auto& one : table) {
      if (one.id == id) return one.verdict;
    }
    return results::Verdict::error;
  };
  EXPECT_EQ(verdict(not_exercised), results::Verdict::inconclusive) << "never passed without a passing case";
  EXPECT_EQ(verdict(accepted), results::Verdict::accepted);
  EXPECT_EQ(verdict(beside_accepted), results::Verdict::passed);
}

}  // namespace
}  // namespace mqtt::runner
