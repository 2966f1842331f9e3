#include <gtest/gtest.h>

#include "broker/routing.hpp"

namespace mqtt::broker {
namespace {

SubscriptionOptions granted(QoS qos, std::optional<std::uint32_t> identifier = std::nullopt, bool no_local = false) {
  SubscriptionOptions options;
  options.qos = qos;
  options.identifier = identifier;
  options.no_local = no_local;
  return options;
}

TEST(BrokerRouting, OverlappingSubscriptionsDeliverOnceAtTheHighestGrantedQos) {
  const std::map<std::string, SubscriptionOptions> subscriptions{
      {"a/#", granted(QoS::at_most_once)}, {"a/+", granted(QoS::exactly_once)}, {"b", granted(QoS::at_least_once)}};
  EXPECT_EQ(highest_grant(matching_subscriptions(subscriptions, "a/x", {})), QoS::exactly_once);
  EXPECT_EQ(highest_grant(matching_subscriptions(subscriptions, "a/x/y", {})), QoS::at_most_once);
  EXPECT_EQ(matching_subscriptions(subscriptions, "a/x/y", {}).size(), 1u);
  EXPECT_TRUE(matching_subscriptions(subscriptions, "c", {}).empty());
}

TEST(BrokerRouting, MatchesCarryTheirFilterAndOptionsInFilterOrder) {  // MQTT-3.3.4-3: identifiers per subscription
  const std::map<std::string, SubscriptionOptions> subscriptions{
      {"s/+", granted(QoS::at_least_once, 7)}, {"s/#", granted(QoS::at_most_once, std::nullopt, true)}};
  const auto matches = matching_subscriptions(subscriptions, "s/x", {});
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(*matches[0].filter, "s/#");
  EXPECT_TRUE(matches[0].options->no_local);
  EXPECT_EQ(*matches[1].filter, "s/+");
  EXPECT_EQ(matches[1].options->identifier, 7u);
}

TEST(BrokerRouting, DollarTopicsAreNotMatchedByLeadingWildcards) {
  EXPECT_FALSE(filter_matches("#", "$SYS/uptime", {}));
  EXPECT_FALSE(filter_matches("+/uptime", "$SYS/uptime", {}));
  EXPECT_TRUE(filter_matches("$SYS/#", "$SYS/uptime", {}));
}

TEST(BrokerRouting, DollarMatchesWildcardDefectLetsThemThrough) {
  const DefectSet defects{Defect::dollar_matches_wildcard};
  EXPECT_TRUE(filter_matches("#", "$SYS/uptime", defects));
  EXPECT_TRUE(filter_matches("+/uptime", "$SYS/uptime", defects));
}

TEST(BrokerRouting, PlusMatchesExactlyOneLevel) {
  EXPECT_TRUE(filter_matches("a/+/c", "a/b/c", {}));
  EXPECT_FALSE(filter_matches("a/+/c", "a/b/x/c", {}));
  EXPECT_TRUE(filter_matches("a/+", "a/", {}));
}

TEST(BrokerRouting, PlusMatchesMultiLevelDefectSwallowsSeveralLevels) {
  const DefectSet defects{Defect::plus_matches_multi_level};
  EXPECT_TRUE(filter_matches("a/+/c", "a/b/x/c", defects));
  EXPECT_TRUE(filter_matches("a/+/c", "a/b/c", defects));
  EXPECT_FALSE(filter_matches("a/+/c", "a/c", defects));
  EXPECT_FALSE(filter_matches("+/x", "$SYS/x", defects));
}

}  // namespace
}  // namespace mqtt::broker
