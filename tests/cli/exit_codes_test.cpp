// One exit-code table: harness/cli/exit_codes.hpp is the source of every subcommand's --help footer, README.md's
// table says the same, and runner::exit_code returns the same numbers.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "cli/exit_codes.hpp"
#include "runner/conformance.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::cli {
namespace {

using reports::testing::ChildOptions;
using reports::testing::run_child;

const std::vector<std::string> subcommands = {"conform", "probe",   "list",    "report", "broker",
                                              "inspect", "convert", "replay", "simulate"};

TEST(ExitCodes, EverySubcommandsHelpEndsWithTheTable) {
  const std::string table = exit_codes_help();
  for (const auto& command : subcommands) {
    const auto run = run_child({MQTT_HARNESS_BINARY, command, "--help"}, ChildOptions{.deadline = std::chrono::seconds(20)});
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_NE(run.output.find(table), std::string::npos) << command << " --help lacks the exit-code table:\n" << run.output;
  }
  const auto top = run_child({MQTT_HARNESS_BINARY, "--help"}, ChildOptions{.deadline = std::chrono::seconds(20)});
  EXPECT_NE(top.output.find(table), std::string::npos) << top.output;
}

TEST(ExitCodes, TheHelpTableListsEveryCodeOnce) {
  const std::string table = exit_codes_help();
  for (const int code : {0, 1, 2, 3, 4, 5, 130, 143}) {
    const std::string row = "\n  " + std::to_string(code) + "  ";
    const auto first = table.find(row);
    EXPECT_NE(first, std::string::npos) << code;
    EXPECT_EQ(table.find(row, first + 1), std::string::npos) << code << " twice";
  }
  EXPECT_EQ(exit_code_table.size(), 8u);
}

// Rows like "| 3 | target unreachable, or ... |" under README.md's "### Exit codes".
std::map<int, std::string> readme_table() {
  std::ifstream in(std::string(MQTT_SOURCE_DIRECTORY) + "/README.md");
  std::map<int, std::string> rows;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.starts_with("### Exit codes")) {
      inside = true;
      continue;
    }
    if (inside && line.starts_with("#")) break;
    if (!inside || !line.starts_with("| ") || line.starts_with("| code") || line.starts_with("|---")) continue;
    const auto second = line.find(" | ", 2);
    if (second == std::string::npos) continue;
    const std::string code = line.substr(2, second - 2);
    std::string meaning = line.substr(second + 3);
    if (meaning.ends_with(" |")) meaning.resize(meaning.size() - 2);
    rows[std::stoi(code)] = meaning;
  }
  return rows;
}

TEST(ExitCodes, ReadmeTableMatchesTheHeader) {
  const auto rows = readme_table();
  ASSERT_EQ(rows.size(), exit_code_table.size()) << "README.md's exit-code table has a different number of rows";
  for (const auto& row : exit_code_table) {
    const auto found = rows.find(static_cast<int>(row.code));
    ASSERT_NE(found, rows.end()) << "README.md lacks exit code " << static_cast<int>(row.code);
    EXPECT_EQ(found->second, row.meaning) << "exit code " << static_cast<int>(row.code);
  }
}

results::CaseResult case_with(results::Verdict verdict) {
  results::CaseResult result;
  result.id = "a.case";
  result.verdict = verdict;
  return result;
}

TEST(ExitCodes, RunnerExitCodeUsesTheTableAndItsPrecedence) {
  results::Results results;
  results.cases = {case_with(results::Verdict::passed), case_with(results::Verdict::skipped),
                   case_with(results::Verdict::warned), case_with(results::Verdict::accepted)};
  EXPECT_EQ(runner::exit_code(results), exit_passed);
  results.cases.push_back(case_with(results::Verdict::inconclusive));
  EXPECT_EQ(runner::exit_code(results), exit_inconclusive);
  results.cases.push_back(case_with(results::Verdict::error));
  EXPECT_EQ(runner::exit_code(results), exit_internal);
  results.cases.push_back(case_with(results::Verdict::failed));
  EXPECT_EQ(runner::exit_code(results), exit_violations);
  // A target that accepted no session: its one line and 3, even where the checker saw violations.
  results.target_problem = "target refused CONNECT: return code 5 (not authorized)";
  EXPECT_EQ(runner::exit_code(results), exit_unreachable);
  // An interrupted run is reported as interrupted, whatever it recorded: 128 + the signal's number.
  results.interrupted = results::Interruption{"SIGINT", 2, 1234.5};
  EXPECT_EQ(runner::exit_code(results), exit_interrupted);
  results.interrupted = results::Interruption{"SIGTERM", 15, 1234.5};
  EXPECT_EQ(runner::exit_code(results), exit_terminated);
  // An unaccepted MUST violation outside any case (a fleet's) fails the run; an accepted one does not.
  results::Results fleet;
  fleet.cases = {case_with(results::Verdict::passed)};
  results::Violation violation;
  violation.level = "MUST";
  fleet.violations.push_back(violation);
  EXPECT_EQ(runner::exit_code(fleet), exit_violations);
  fleet.violations[0].accepted = results::AcceptedDeviation{"MQTT-3.3.5-1", "", "known", "", ""};
  EXPECT_EQ(runner::exit_code(fleet), exit_passed);
}

}  // namespace
}  // namespace mqtt::cli
