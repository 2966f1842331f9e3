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

  run.error = "target unreachable: connection refused";
  const auto errored = judge_case(case_covering("a.case", {"MQTT-3.2.0-1"}), run, false);
  EXPECT_EQ(errored.verdict, results::Verdict::error);
  EXPECT_EQ(errored.message, "target unreachable: connection refused");
  EXPECT_TRUE(errored.history.empty());
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

}  // namespace
}  // namespace mqtt::runner
