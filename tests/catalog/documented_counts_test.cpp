// docs/statements.md states, per spec, how many statements each holder has in each observability class, and the
// headline numbers in its first table. This keeps the page equal to scenarios/statements/*.json.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/catalog.hpp"

namespace mqtt::catalog {
namespace {

const std::vector<std::string> classes = {"direct", "policed", "conditional", "none"};

std::vector<std::string> page_lines() {
  std::ifstream in(std::filesystem::path(MQTT_SOURCE_DIR) / "docs" / "statements.md");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// "| server | 105 | 0 | 16 | 0 | 121 |" -> {"server", "105", "0", "16", "0", "121"}
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream stream(line);
  std::string cell;
  std::getline(stream, cell, '|');  // text before the first bar
  while (std::getline(stream, cell, '|')) {
    const auto first = cell.find_first_not_of(' ');
    const auto last = cell.find_last_not_of(' ');
    out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// The rows of the table under the heading that ends with "Counts (MQTT <spec>)", keyed by their first cell.
std::map<std::string, std::vector<std::string>> counts_table(const std::string& spec) {
  const auto lines = page_lines();
  std::map<std::string, std::vector<std::string>> rows;
  bool inside = false;
  for (const auto& line : lines) {
    if (line.starts_with("#")) {
      inside = line.ends_with("Counts (MQTT " + spec + ")");
      continue;
    }
    if (!inside || !line.starts_with("| ") || line.starts_with("| holder") || line.starts_with("|---")) continue;
    const auto row = cells(line);
    if (row.size() == 6) rows[row.front()] = row;
  }
  return rows;
}

std::size_t count(std::string_view spec, const std::string& holder, const std::string& observability) {
  std::size_t total = 0;
  for (const Statement& statement : statements(spec)) {
    total += (holder.empty() || statement.holder == holder) && statement.observability == observability ? 1 : 0;
  }
  return total;
}

class DocumentedCounts : public ::testing::TestWithParam<std::string> {};

TEST_P(DocumentedCounts, TableEqualsTheCatalog) {
  const std::string spec = GetParam();
  const auto table = counts_table(spec);
  ASSERT_EQ(table.size(), 4u) << "docs/statements.md needs a counts table for MQTT " << spec;
  for (const std::string holder : {"server", "both", "client"}) {
    ASSERT_TRUE(table.contains(holder)) << spec << " " << holder;
    std::size_t row_total = 0;
    for (std::size_t column = 0; column < classes.size(); ++column) {
      const std::size_t expected = count(spec, holder, classes[column]);
      row_total += expected;
      EXPECT_EQ(table.at(holder)[column + 1], std::to_string(expected)) << spec << " " << holder << " " << classes[column];
    }
    EXPECT_EQ(table.at(holder)[5], std::to_string(row_total)) << spec << " " << holder;
  }
  ASSERT_TRUE(table.contains("**total**")) << spec;
  for (std::size_t column = 0; column < classes.size(); ++column) {
    EXPECT_EQ(table.at("**total**")[column + 1], std::to_string(count(spec, "", classes[column])))
        << spec << " total " << classes[column];
  }
  EXPECT_EQ(table.at("**total**")[5], std::to_string(statements(spec).size())) << spec;
}

// The first table: | MQTT 5.0 | `file` | statements | observable | not observable |
TEST_P(DocumentedCounts, HeadlineEqualsTheCatalog) {
  const std::string spec = GetParam();
  for (const auto& line : page_lines()) {
    if (!line.starts_with("| MQTT " + spec + " |")) continue;
    const auto row = cells(line);
    ASSERT_EQ(row.size(), 5u) << line;
    const std::size_t none = count(spec, "", "none");
    EXPECT_EQ(row[2], std::to_string(statements(spec).size())) << line;
    EXPECT_EQ(row[3], std::to_string(statements(spec).size() - none)) << line;
    EXPECT_EQ(row[4], std::to_string(none)) << line;
    return;
  }
  FAIL() << "docs/statements.md has no headline row for MQTT " << spec;
}

INSTANTIATE_TEST_SUITE_P(Specs, DocumentedCounts, ::testing::Values("3.1.1", "5.0"),
                         [](const auto& info) { return info.param == "5.0" ? std::string("Mqtt50")
                                                                            : std::string("Mqtt311"); });

}  // namespace
}  // namespace mqtt::catalog
