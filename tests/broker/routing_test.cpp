#include <gtest/gtest.h>

#include "broker/routing.hpp"

namespace mqtt::broker {
namespace {

TEST(BrokerRouting, OverlappingSubscriptionsDeliverOnceAtTheHighestGrantedQos) {
  const std::map<std::string, QoS> subscriptions{{"a/#", QoS::at_most_once}, {"a/+", QoS::exactly_once},
                                                 {"b", QoS::at_least_once}};
  EXPECT_EQ(matching_qos(subscriptions, "a/x", {}), QoS::exactly_once);
  EXPECT_EQ(matching_qos(subscriptions, "a/x/y", {}), QoS::at_most_once);
  EXPECT_FALSE(matching_qos(subscriptions, "c", {}).has_value());
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
