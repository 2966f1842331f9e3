// The broker's catalogs as a user meets them through the binary: every defect and variation listed with the
// protocol version it belongs to, by `broker --list-defects/--list-variations` and `list --defects/--variations`
// (text and JSON), and the 5.0 capability options in `broker --help`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

#include "broker/defect.hpp"
#include "broker/variation.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::broker {
namespace {

using reports::testing::ChildOptions;
using reports::testing::run_child;

std::string run_ok(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{MQTT_HARNESS_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const auto run = run_child(argv, ChildOptions{.deadline = std::chrono::seconds(20)});
  EXPECT_EQ(run.exit_code, 0) << run.errors;
  return run.output;
}

// The line of `output` that starts with `name` followed by a space (names are unique and none prefixes another's
// line that way).
std::string line_of(const std::string& output, std::string_view name) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(std::string(name) + " ")) return line;
  }
  return {};
}

// "name  5.0  MQTT-3.3.4-9  description": the columns after the name, split on runs of spaces.
std::vector<std::string> columns(const std::string& line) {
  std::istringstream words(line);
  std::vector<std::string> result;
  std::string word;
  while (words >> word) result.push_back(word);
  return result;
}

TEST(BrokerCommand, ListsEveryDefectWithItsProtocolAndStatement) {
  for (const auto& arguments : {std::vector<std::string>{"broker", "--list-defects"},
                                std::vector<std::string>{"list", "--defects"}}) {
    const std::string output = run_ok(arguments);
    for (const auto& info : defect_catalog()) {
      const auto words = columns(line_of(output, info.name));
      ASSERT_GE(words.size(), 3u) << arguments[0] << ": no line for " << info.name;
      EXPECT_EQ(words[1], info.protocol) << info.name;
      EXPECT_EQ(words[2], info.statement) << info.name;
    }
  }
}

TEST(BrokerCommand, ListsEveryVariationWithItsProtocolAndSection) {
  for (const auto& arguments : {std::vector<std::string>{"broker", "--list-variations"},
                                std::vector<std::string>{"list", "--variations"}}) {
    const std::string output = run_ok(arguments);
    for (const auto& info : variation_catalog()) {
      const auto words = columns(line_of(output, info.name));
      ASSERT_GE(words.size(), 3u) << arguments[0] << ": no line for " << info.name;
      EXPECT_EQ(words[1], info.protocol) << info.name;
      EXPECT_TRUE(line_of(output, info.name).find(info.section) != std::string::npos) << info.name;
    }
  }
}

TEST(BrokerCommand, JsonListsCarryTheProtocol) {
  const auto defects = nlohmann::json::parse(run_ok({"list", "--defects", "--json"}));
  ASSERT_EQ(defects.size(), defect_catalog().size());
  EXPECT_EQ(defects.back()["protocol"], "5.0");
  EXPECT_EQ(defects.front()["protocol"], "3.1.1");
  const auto variations = nlohmann::json::parse(run_ok({"list", "--variations", "--json"}));
  ASSERT_EQ(variations.size(), variation_catalog().size());
  EXPECT_EQ(variations.back()["protocol"], "5.0");
  EXPECT_EQ(variations.back()["section"], variation_catalog().back().section);
}

TEST(BrokerCommand, HelpShowsTheMqtt5Capabilities) {
  const std::string help = run_ok({"broker", "--help"});
  EXPECT_NE(help.find("MQTT 5.0, 3.1.1 and 3.1"), std::string::npos);
  for (const char* option : {"--receive-maximum", "--topic-alias-maximum", "--server-keep-alive",
                             "--maximum-session-expiry", "--no-retain", "--no-wildcard-subscriptions",
                             "--no-subscription-identifiers", "--no-shared-subscriptions",
                             "--no-assigned-client-identifiers", "--seed"}) {
    EXPECT_NE(help.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace mqtt::broker
