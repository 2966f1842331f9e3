// `mqtt-harness list --spec 5.0` and `conform --mqtt 5.0` as a user meets them. The cases come from a folder the
// test writes (one MQTT 3.1.1 case naming ids that exist in both catalogs), so the assertions hold before and after
// the 5.0 suite lands in scenarios/conformance/.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "cli/exit_codes.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::catalog {
namespace {

using nlohmann::json;
using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// MQTT-3.1.0-1 and MQTT-3.12.4-1 are 3.1.1 ids here; the 5.0 catalog has rows with the same ids and other meanings.
class ListCommand : public ::testing::Test {
 protected:
  ListCommand() : directory_("mqtt-list-command") {
    std::ofstream(directory_.path() / "only-3.1.1.json") << R"({
  "suite": "mqtt-3.1.1",
  "cases": [
    {"id": "list.ping", "title": "PINGREQ is answered", "section": "3.12", "statements": ["MQTT-3.12.4-1"],
     "steps": [{"connect": "device"}, {"send": "device", "hex": "c0 00"}, {"wait": "device", "for": "pingresp"},
               {"disconnect": "device"}]},
    {"id": "list.first_packet", "title": "A first packet other than CONNECT closes", "section": "3.1",
     "statements": ["MQTT-3.1.0-1"], "steps": [{"open": "device"}, {"send": "device", "hex": "c0 00"},
                                              {"wait": "device", "for": "close"}]}
  ]
})";
  }

  // `list` takes the folder as --cases-dir, `conform` as --cases.
  ChildResult run(std::vector<std::string> arguments) const {
    const std::string folder_option = arguments.front() == "conform" ? "--cases" : "--cases-dir";
    arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
    arguments.insert(arguments.end(), {folder_option, directory_.path().string()});
    ChildOptions options;
    options.deadline = std::chrono::seconds(60);
    return run_child(arguments, options);
  }

  TemporaryDirectory directory_;
};

TEST_F(ListCommand, Mqtt5ListsEveryStatementWithoutBorrowingThe311Cases) {
  const auto listed = run({"list", "--spec", "5.0"});
  ASSERT_EQ(listed.exit_code, cli::exit_passed) << listed.errors;
  const auto lines = lines_of(listed.output);
  ASSERT_EQ(lines.size(), 252u) << "one line per statement and the closing count, no case lines";
  EXPECT_TRUE(lines.front().starts_with("MQTT-1.5.4-1 ")) << lines.front();
  EXPECT_NE(lines[1].find(" 0 cases "), std::string::npos) << lines[1];
  EXPECT_EQ(lines.back(), "251 MQTT 5.0 statements, 238 observable by a broker test, 0 of them exercised by a case");
  for (const auto& line : lines) EXPECT_EQ(line.find("list.ping"), std::string::npos) << line;
}

TEST_F(ListCommand, Mqtt5JsonCarriesEveryFieldAndNoForeignCase) {
  const auto listed = run({"list", "--spec", "5.0", "--json"});
  ASSERT_EQ(listed.exit_code, cli::exit_passed) << listed.errors;
  const json rows = json::parse(listed.output);
  ASSERT_EQ(rows.size(), statements("5.0").size());
  for (const json& row : rows) {
    for (const char* key : {"id", "spec", "section", "level", "holder", "observability", "text", "cases"}) {
      EXPECT_TRUE(row.contains(key)) << row.value("id", "?") << " lacks " << key;
    }
    EXPECT_EQ(row.at("spec"), "5.0");
    EXPECT_TRUE(row.at("cases").empty()) << row.at("id");
  }
  EXPECT_EQ(rows.front().at("id"), "MQTT-1.5.4-1");
  EXPECT_EQ(rows.back().at("id"), "MQTT-6.0.0-4");
}

TEST_F(ListCommand, ThePlainVersionNumberNamesThe50Catalog) {
  const auto listed = run({"list", "--spec", "5", "--json"});
  ASSERT_EQ(listed.exit_code, cli::exit_passed) << listed.errors;
  EXPECT_EQ(json::parse(listed.output).size(), 251u);
}

TEST_F(ListCommand, SummaryCountsObservableAndExercisedStatements) {
  const auto mqtt5 = run({"list", "--spec", "5.0", "--summary"});
  ASSERT_EQ(mqtt5.exit_code, cli::exit_passed) << mqtt5.errors;
  EXPECT_EQ(lines_of(mqtt5.output),
            (std::vector<std::string>{
                "MQTT 5.0 statement catalog: 251 statements",
                "  observable by a broker test: 238 (direct 180, policed 25, conditional 33)",
                "  not observable by a broker test: 13",
                "  exercised by a case: 0 of 238 observable (0 of 205 direct or policed, 0 of 33 conditional)"}));

  // The two 3.1.1 cases of the folder count for 3.1.1 only: one direct statement, one policed.
  const auto mqtt311 = run({"list", "--spec", "3.1.1", "--summary", "--json"});
  ASSERT_EQ(mqtt311.exit_code, cli::exit_passed) << mqtt311.errors;
  const json summary = json::parse(mqtt311.output);
  EXPECT_EQ(summary.at("spec"), "3.1.1");
  EXPECT_EQ(summary.at("statements"), 141);
  EXPECT_EQ(summary.at("exercised"), 2);
  EXPECT_EQ(summary.at("direct_or_policed_exercised"), 2);
  EXPECT_EQ(summary.at("observable"), summary.at("observable_not_exercised").size() + 2);
  EXPECT_EQ(summary.at("not_observable").size(), summary.at("by_observability").at("none"));
}

TEST_F(ListCommand, UnknownSpecIsOneLineAndExitTwo) {
  const auto listed = run({"list", "--spec", "4"});
  EXPECT_EQ(listed.exit_code, cli::exit_bad_input);
  EXPECT_EQ(lines_of(listed.errors),
            (std::vector<std::string>{
                "mqtt-harness list: --spec 4: no statement catalog for that version (catalogs: 3.1.1, 5.0)"}));
  EXPECT_TRUE(listed.output.empty()) << listed.output;
}

// With a catalog but no 5.0 case, conform names the missing cases, not a missing catalog, and runs nothing.
TEST_F(ListCommand, ConformWithoutMqtt5CasesSaysSoInOneLine) {
  const TemporaryDirectory report("mqtt-conform-no-v5");
  const auto run_result = run({"conform", "--mqtt", "5.0", "-o", (report.path() / "out").string()});
  EXPECT_EQ(run_result.exit_code, cli::exit_bad_input) << run_result.output;
  const auto errors = lines_of(run_result.errors);
  ASSERT_EQ(errors.size(), 1u) << run_result.errors;
  EXPECT_TRUE(errors.front().starts_with("mqtt-harness conform: no MQTT 5.0 case")) << errors.front();
  EXPECT_EQ(errors.front().find("catalog"), std::string::npos) << errors.front();
}

}  // namespace
}  // namespace mqtt::catalog
