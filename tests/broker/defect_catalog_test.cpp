#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "broker/defect.hpp"

namespace mqtt::broker {
namespace {

TEST(BrokerDefectCatalog, ListsAtLeastFifteenDefectsWithUniqueNames) {
  const auto catalog = defect_catalog();
  EXPECT_GE(catalog.size(), 15u);
  std::set<std::string_view> names;
  std::set<Defect> defects;
  for (const auto& info : catalog) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_TRUE(defects.insert(info.defect).second) << info.name;
  }
}

TEST(BrokerDefectCatalog, EveryEntryNamesAStatementAndSaysWhatGoesWrong) {
  const std::regex statement_id(R"(MQTT-\d+\.\d+\.\d+-\d+)");
  const std::regex kebab_case(R"([a-z0-9]+(-[a-z0-9]+)*)");
  for (const auto& info : defect_catalog()) {
    EXPECT_TRUE(std::regex_match(std::string(info.statement), statement_id)) << info.name;
    EXPECT_TRUE(std::regex_match(std::string(info.name), kebab_case)) << info.name;
    EXPECT_FALSE(info.description.empty()) << info.name;
  }
}

TEST(BrokerDefectCatalog, NamesRoundTrip) {
  for (const auto& info : defect_catalog()) {
    ASSERT_EQ(parse_defect(info.name), info.defect);
    EXPECT_EQ(to_string(info.defect), info.name);
    EXPECT_EQ(describe(info.defect).statement, info.statement);
  }
  EXPECT_FALSE(parse_defect("no-such-defect").has_value());
}

}  // namespace
}  // namespace mqtt::broker
