// Accepted deviations: the file's errors name FILE:LINE:COL; applied to results, a covered violation keeps its
// evidence but no longer fails, an uncovered one still does, and an entry that covered nothing is stale.
#include <gtest/gtest.h>

#include "runner/accepted_deviations.hpp"
#include "runner/conformance.hpp"
#include "runner/source_position.hpp"

namespace mqtt::runner {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_accepted_deviations("accepted.json", text);
  } catch (const DataFileError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(AcceptedDeviationsFile, ReadsEntriesWithTheirPlaceAndTheFilesBroker) {
  const auto entries = parse_accepted_deviations("accepted.json", R"({
  "broker": "mosquitto 2.0.11",
  "accepted": [
    {"statement": "MQTT-2.2.2-2", "cases": "malformed.*_flags", "reason": "keeps the connection open"},
    {"statement": "MQTT-3.3.5-1", "reason": "one copy only", "broker": "mosquitto 2.0.18"}
  ]
})");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].statement, "MQTT-2.2.2-2");
  EXPECT_EQ(entries[0].cases, "malformed.*_flags");
  EXPECT_EQ(entries[0].broker, "mosquitto 2.0.11");
  EXPECT_EQ(entries[0].source, "accepted.json:4:5");
  EXPECT_EQ(entries[1].cases, "");
  EXPECT_EQ(entries[1].broker, "mosquitto 2.0.18");
}

TEST(AcceptedDeviationsFile, ErrorsNameTheFileLineColumnAndKey) {
  EXPECT_EQ(error_of(R"({"accepted": [{"statement": "MQTT-9.9.9-9", "reason": "x"}]})"),
            "accepted.json:1:16: key \"accepted[0].statement\": \"MQTT-9.9.9-9\" is not a statement in the catalog "
            "(see 'mqtt-harness list --statements')");
  EXPECT_EQ(error_of("{\"accepted\": [\n  {\"statement\": \"MQTT-2.2.2-2\"}]}"),
            "accepted.json:2:3: key \"accepted[0]\": missing required key \"reason\"");
  EXPECT_NE(error_of(R"({"accepted": [{"statement": "MQTT-2.2.2-2", "reason": "x", "case": "a"}]})").find("case"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"accepted": [{"statement": "MQTT-2.2.2-2", "reason": ""}]})").find("must say why"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"accepted": "all"})").find("accepted"), std::string::npos);
  EXPECT_NE(error_of("{\"accepted\": [}").rfind("accepted.json:1:", 0), std::string::npos);
}

results::Violation violation(std::string statement, std::string level, std::string case_id) {
  results::Violation one;
  one.statement = std::move(statement);
  one.level = std::move(level);
  one.message = "a sentence";
  one.case_id = std::move(case_id);
  one.history_slice.resize(2);
  return one;
}

results::CaseResult case_with(std::string id, results::Verdict verdict, std::vector<results::Violation> violations) {
  results::CaseResult result;
  result.id = std::move(id);
  result.verdict = verdict;
  result.violations = std::move(violations);
  return result;
}

results::Results sample() {
  results::Results results;
  results.cases = {
      case_with("malformed.pingreq_flags", results::Verdict::failed, {violation("MQTT-2.2.2-2", "MUST", "malformed.pingreq_flags")}),
      case_with("malformed.puback_flags", results::Verdict::failed, {violation("MQTT-2.2.2-2", "MUST", "malformed.puback_flags")}),
      case_with("topics.overlap", results::Verdict::failed,
                {violation("MQTT-3.3.5-1", "MUST", "topics.overlap"), violation("MQTT-3.3.1-9", "SHOULD", "topics.overlap")}),
      case_with("connect.accept.valid", results::Verdict::passed, {}),
      case_with("retain.kept", results::Verdict::skipped, {}),
  };
  for (const auto& result : results.cases) {
    for (const auto& one : result.violations) results.violations.push_back(one);
  }
  for (const char* id : {"MQTT-2.2.2-2", "MQTT-3.3.5-1", "MQTT-3.3.1-9"}) {
    results::StatementResult statement;
    statement.id = id;
    statement.verdict = std::string_view(id) == "MQTT-3.3.1-9" ? results::Verdict::warned : results::Verdict::failed;
    results.statements.push_back(statement);
  }
  results.summary = results::summarise(results.cases);
  return results;
}

TEST(AcceptedDeviations, CoveredViolationsAreAcceptedWithTheirEvidenceAndNewOnesStillFail) {
  results::Results results = sample();
  const std::vector<results::AcceptedDeviation> accepted = {
      {"MQTT-2.2.2-2", "malformed.pingreq_flags", "answers PINGRESP", "mosquitto 2.0.11", "a.json:3:5"},
      {"MQTT-3.3.5-1", "", "one copy only", "", "a.json:4:5"},
  };
  apply_accepted_deviations(results, accepted);
  const auto& pingreq = results.cases[0];
  EXPECT_EQ(pingreq.verdict, results::Verdict::accepted);
  EXPECT_EQ(pingreq.message, "accepted deviation of MQTT-2.2.2-2: answers PINGRESP");
  ASSERT_TRUE(pingreq.violations[0].accepted.has_value());
  EXPECT_EQ(pingreq.violations[0].accepted->broker, "mosquitto 2.0.11");
  EXPECT_EQ(pingreq.violations[0].history_slice.size(), 2u) << "the evidence stays";
  // The same statement in a case the glob does not name is a new violation.
  EXPECT_EQ(results.cases[1].verdict, results::Verdict::failed);
  EXPECT_FALSE(results.cases[1].violations[0].accepted.has_value());
  // The accepted MUST leaves a SHOULD violation: warned.
  EXPECT_EQ(results.cases[2].verdict, results::Verdict::warned);
  EXPECT_EQ(results.cases[2].message, "1 SHOULD violation(s): MQTT-3.3.1-9");
  EXPECT_EQ(results.cases[3].verdict, results::Verdict::passed);
  EXPECT_EQ(results.summary.accepted, 1);
  EXPECT_EQ(results.summary.failed, 1);
  EXPECT_EQ(results.summary.warned, 1);
  // results.violations are marked the same way.
  EXPECT_TRUE(results.violations[0].accepted.has_value());
  EXPECT_FALSE(results.violations[1].accepted.has_value());
  // MQTT-2.2.2-2 has an unaccepted violation left; MQTT-3.3.5-1 has only accepted ones.
  EXPECT_EQ(results.statements[0].verdict, results::Verdict::failed);
  EXPECT_EQ(results.statements[1].verdict, results::Verdict::accepted);
  EXPECT_EQ(results.statements[2].verdict, results::Verdict::warned);
  EXPECT_TRUE(results.stale_accepted.empty());
  EXPECT_EQ(exit_code(results), 1) << "the new violation still fails the run";

  results::Results all_accepted = sample();
  apply_accepted_deviations(all_accepted, {{"MQTT-2.2.2-2", "malformed.*", "r", "", ""},
                                           {"MQTT-3.3.5-1", "", "r", "", ""},
                                           {"MQTT-3.3.1-9", "", "r", "", ""}});
  EXPECT_EQ(all_accepted.summary.accepted, 3);
  EXPECT_EQ(exit_code(all_accepted), 0) << "accepted deviations do not fail the run";
}

TEST(AcceptedDeviations, AnEntryThatCoveredNothingIsStaleWhenItsCasesRan) {
  results::Results results = sample();
  apply_accepted_deviations(results, {{"MQTT-4.3.3-1", "", "double delivery", "", "a.json:3:5"},
                                      {"MQTT-4.3.3-1", "retain.*", "only ran skipped", "", "a.json:4:5"},
                                      {"MQTT-4.3.3-1", "will.*", "never selected", "", "a.json:5:5"},
                                      {"MQTT-4.3.3-1", "connect.*", "ran clean", "", "a.json:6:5"}});
  ASSERT_EQ(results.stale_accepted.size(), 2u);
  EXPECT_EQ(results.stale_accepted[0].source, "a.json:3:5");
  EXPECT_EQ(results.stale_accepted[1].source, "a.json:6:5");
  EXPECT_EQ(exit_code(results), 1) << "stale entries do not change the exit code";
}

}  // namespace
}  // namespace mqtt::runner
