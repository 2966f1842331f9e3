#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "broker/variation.hpp"

namespace mqtt::broker {
namespace {

TEST(BrokerVariationCatalog, ListsEveryVariationOnceWithUniqueNames) {
  const auto catalog = variation_catalog();
  EXPECT_GE(catalog.size(), 10u);
  std::set<std::string_view> names;
  std::set<Variation> variations;
  for (const auto& info : catalog) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_TRUE(variations.insert(info.variation).second) << info.name;
  }
  // The last enumerator is in the catalog, so none was added without an entry.
  EXPECT_TRUE(variations.contains(Variation::session_expiry_capped));
}

TEST(BrokerVariationCatalog, EveryEntryNamesTheSectionThatPermitsItAndSaysWhatChanges) {
  const std::regex sections(R"(\d+\.\d+(\.\d+)*(, \d+\.\d+(\.\d+)*)*)");
  const std::regex kebab_case(R"([a-z0-9]+(-[a-z0-9]+)*)");
  for (const auto& info : variation_catalog()) {
    EXPECT_TRUE(std::regex_match(std::string(info.section), sections)) << info.name << ": " << info.section;
    EXPECT_TRUE(std::regex_match(std::string(info.name), kebab_case)) << info.name;
    EXPECT_FALSE(info.permission.empty()) << info.name;
    EXPECT_FALSE(info.description.empty()) << info.name;
  }
}

TEST(BrokerVariationCatalog, NamesRoundTrip) {
  for (const auto& info : variation_catalog()) {
    ASSERT_EQ(parse_variation(info.name), info.variation);
    EXPECT_EQ(to_string(info.variation), info.name);
    EXPECT_EQ(describe(info.variation).section, info.section);
  }
  EXPECT_FALSE(parse_variation("no-such-variation").has_value());
  EXPECT_FALSE(parse_variation("retain-ignored").has_value()) << "a defect is not a variation";
}

TEST(BrokerVariationCatalog, TwoMaximumGrantsCannotBeCombined) {
  EXPECT_FALSE(conflict_in({}).has_value());
  EXPECT_FALSE(conflict_in({Variation::grant_max_qos_1, Variation::publish_before_suback}).has_value());
  const auto conflict = conflict_in({Variation::grant_max_qos_1, Variation::grant_max_qos_0});
  ASSERT_TRUE(conflict.has_value());
  EXPECT_NE(conflict->find("grant-max-qos-1"), std::string::npos) << *conflict;
  EXPECT_NE(conflict->find("grant-max-qos-0"), std::string::npos) << *conflict;
}

TEST(BrokerVariationCatalog, AllCompatibleVariationsAreEveryOneButTheLoserOfEachConflict) {
  const VariationSet all = all_compatible_variations();
  EXPECT_FALSE(conflict_in(all).has_value());
  EXPECT_EQ(all.size(), variation_catalog().size() - 2);
  EXPECT_TRUE(all.contains(Variation::grant_max_qos_1));
  EXPECT_FALSE(all.contains(Variation::grant_max_qos_0));
  EXPECT_TRUE(all.contains(Variation::shared_sticky));
  EXPECT_FALSE(all.contains(Variation::shared_random));
}

}  // namespace
}  // namespace mqtt::broker
