// RequestedFilters matches a delivered topic against validated filters without topic::matches; it must say what
// topic::matches says for every filter and topic, valid or not.
#include "client/requested_filters.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/topic.hpp"

namespace mqtt::client {
namespace {

bool matches_one(std::string_view filter, std::string_view topic) {
  RequestedFilters filters;
  filters.add(filter);
  return filters.match(topic);
}

TEST(RequestedFiltersTest, WildcardsMatchAsSection4_7Says) {
  EXPECT_TRUE(matches_one("dtu/+/telemetry", "dtu/7/telemetry"));
  EXPECT_TRUE(matches_one("dtu/+/telemetry", "dtu//telemetry"));  // '+' matches an empty level
  EXPECT_FALSE(matches_one("dtu/+/telemetry", "dtu/7/status"));
  EXPECT_FALSE(matches_one("dtu/+/telemetry", "dtu/7/telemetry/x"));
  EXPECT_FALSE(matches_one("dtu/+", "dtu"));
  EXPECT_TRUE(matches_one("dtu/#", "dtu"));  // '#' also matches the parent level
  EXPECT_TRUE(matches_one("dtu/#", "dtu/7/telemetry"));
  EXPECT_TRUE(matches_one("#", "dtu/7"));
  EXPECT_FALSE(matches_one("#", "$SYS/broker/load"));  // MQTT-4.7.2-1
  EXPECT_FALSE(matches_one("+/broker/load", "$SYS/broker/load"));
  EXPECT_TRUE(matches_one("$SYS/#", "$SYS/broker/load"));
  EXPECT_TRUE(matches_one("a/b", "a/b"));
  EXPECT_FALSE(matches_one("a/b", "a/B"));  // MQTT-4.7.3-4: no normalisation
  EXPECT_FALSE(matches_one("a/b", ""));
  EXPECT_TRUE(matches_one("$share/group/dtu/+/telemetry", "dtu/7/telemetry"));  // matched without the prefix
}

TEST(RequestedFiltersTest, AnInvalidFilterMatchesNothing) {
  EXPECT_FALSE(matches_one("dtu/#/telemetry", "dtu/7/telemetry"));
  EXPECT_FALSE(matches_one("dtu/7+/telemetry", "dtu/7+/telemetry"));
  EXPECT_FALSE(matches_one("", ""));
}

TEST(RequestedFiltersTest, ARemovedFilterNoLongerMatchesAndTheOthersStill) {
  RequestedFilters filters;
  filters.add("a/+");
  filters.add("$share/g/b/#");
  filters.add("a/+");  // once only
  EXPECT_EQ(filters.size(), 2U);
  EXPECT_TRUE(filters.match("a/1"));
  EXPECT_TRUE(filters.match("b/1/2"));
  filters.remove("$share/h/b/#");  // the same filter under another group
  EXPECT_FALSE(filters.match("b/1/2"));
  EXPECT_TRUE(filters.match("a/1"));
  filters.remove("a/+");
  EXPECT_TRUE(filters.empty());
  EXPECT_FALSE(filters.match("a/1"));
}

// Filters and topics drawn from a small alphabet (levels, '+', '#', '$', empty levels), so that matches, near
// misses and invalid filters all come up often; seeded, so a failure replays.
std::string random_text(std::mt19937& random, bool filter) {
  static const std::vector<std::string> filter_parts = {"a", "b", "", "+", "#", "$SYS", "a+", "#b", "ab"};
  static const std::vector<std::string> topic_parts = {"a", "b", "", "$SYS", "ab"};
  const auto& parts = filter ? filter_parts : topic_parts;
  std::uniform_int_distribution<std::size_t> levels(1, 4);
  std::uniform_int_distribution<std::size_t> part(0, parts.size() - 1);
  std::string text;
  const std::size_t count = levels(random);
  for (std::size_t index = 0; index < count; ++index) {
    if (index > 0) text += '/';
    text += parts[part(random)];
  }
  return text;
}

TEST(RequestedFiltersTest, SaysWhatTopicMatchesSaysForRandomFiltersAndTopics) {
  std::mt19937 random(16);  // seed
  std::size_t matched = 0;
  for (int round = 0; round < 50'000; ++round) {
    const std::string filter = random_text(random, true);
    const std::string topic = random_text(random, false);
    const bool expected = topic::matches(filter, topic);
    ASSERT_EQ(matches_one(filter, topic), expected) << "filter '" << filter << "', topic '" << topic << "'";
    matched += expected ? 1 : 0;
  }
  EXPECT_GT(matched, 1000U);  // the draw does exercise matches, not only misses
}

}  // namespace
}  // namespace mqtt::client
