// Topic names and filters, MQTT 3.1.1 section 4.7, one expectation per rule of the spec.
#include "model/topic.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mqtt::topic {
namespace {

std::string statement_of_name(std::string_view name) {
  auto error = validate_name(name);
  return error ? error->statement : std::string{};
}

std::string statement_of_filter(std::string_view filter) {
  auto error = validate_filter(filter);
  return error ? error->statement : std::string{};
}

TEST(TopicNames, AreAtLeastOneCharacterLong_MQTT_4_7_3_1) {
  EXPECT_EQ(statement_of_name(""), "MQTT-4.7.3-1");
  EXPECT_TRUE(is_valid_name("a"));
  EXPECT_TRUE(is_valid_name("/"));
}

TEST(TopicNames, ContainNoNullCharacter_MQTT_4_7_3_2) {
  EXPECT_EQ(statement_of_name(std::string_view("a\0b", 3)), "MQTT-4.7.3-2");
}

TEST(TopicNames, EncodeToAtMost65535Bytes_MQTT_4_7_3_3) {
  EXPECT_TRUE(is_valid_name(std::string(65535, 'x')));
  EXPECT_EQ(statement_of_name(std::string(65536, 'x')), "MQTT-4.7.3-3");
}

TEST(TopicNames, ContainNoWildcards_MQTT_3_3_2_2) {
  EXPECT_EQ(statement_of_name("a/+"), "MQTT-3.3.2-2");
  EXPECT_EQ(statement_of_name("a/#"), "MQTT-3.3.2-2");
  EXPECT_EQ(statement_of_name("a+b"), "MQTT-3.3.2-2");
  EXPECT_TRUE(is_valid_name("$SYS/broker"));
  EXPECT_TRUE(is_valid_name("a b/ c"));  // spaces are allowed
}

TEST(TopicFilters, MultiLevelWildcardIsAloneAndLast_MQTT_4_7_1_2) {
  EXPECT_TRUE(is_valid_filter("#"));
  EXPECT_TRUE(is_valid_filter("sport/tennis/#"));
  EXPECT_TRUE(is_valid_filter("/#"));
  EXPECT_EQ(statement_of_filter("sport/tennis#"), "MQTT-4.7.1-2");
  EXPECT_EQ(statement_of_filter("sport/tennis/#/ranking"), "MQTT-4.7.1-2");
  EXPECT_EQ(statement_of_filter("#/"), "MQTT-4.7.1-2");
  EXPECT_EQ(statement_of_filter("##"), "MQTT-4.7.1-2");
}

TEST(TopicFilters, SingleLevelWildcardFillsWholeLevel_MQTT_4_7_1_3) {
  EXPECT_TRUE(is_valid_filter("+"));
  EXPECT_TRUE(is_valid_filter("+/tennis/#"));
  EXPECT_TRUE(is_valid_filter("sport/+/player1"));
  EXPECT_TRUE(is_valid_filter("/+"));
  EXPECT_TRUE(is_valid_filter("+/+"));
  EXPECT_EQ(statement_of_filter("sport+"), "MQTT-4.7.1-3");
  EXPECT_EQ(statement_of_filter("sport/+x"), "MQTT-4.7.1-3");
  EXPECT_EQ(statement_of_filter("++"), "MQTT-4.7.1-3");
}

TEST(TopicFilters, EmptyAndNullAreInvalid_MQTT_4_7_3_1_and_2) {
  EXPECT_EQ(statement_of_filter(""), "MQTT-4.7.3-1");
  EXPECT_EQ(statement_of_filter(std::string_view("a/\0", 3)), "MQTT-4.7.3-2");
}

TEST(TopicMatching, MultiLevelWildcardMatchesParentAndChildren) {
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(matches("sport/#", "sport"));
  EXPECT_TRUE(matches("#", "sport/tennis"));
  EXPECT_TRUE(matches("#", "/"));
  EXPECT_FALSE(matches("sport/tennis/#", "sport"));
  EXPECT_FALSE(matches("sport/#", "sporting"));
}

TEST(TopicMatching, SingleLevelWildcardMatchesExactlyOneLevel) {
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(matches("sport/tennis/+", "sport/tennis"));
  EXPECT_TRUE(matches("sport/+", "sport/"));  // an empty level is a level
  EXPECT_FALSE(matches("sport/+", "sport"));
  EXPECT_TRUE(matches("+/+", "/finance"));
  EXPECT_TRUE(matches("/+", "/finance"));
  EXPECT_FALSE(matches("+", "/finance"));
  EXPECT_TRUE(matches("+", "finance"));
  EXPECT_TRUE(matches("+/tennis/#", "sport/tennis"));
  EXPECT_TRUE(matches("+/+/#", "a/b/c/d"));
}

TEST(TopicMatching, EmptyLevelsAreSignificant) {
  EXPECT_TRUE(matches("a//b", "a//b"));
  EXPECT_FALSE(matches("a/b", "a//b"));
  EXPECT_TRUE(matches("a/+/b", "a//b"));
  EXPECT_FALSE(matches("a/b", "a/b/"));
  EXPECT_TRUE(matches("a/b/+", "a/b/"));
  EXPECT_TRUE(matches("/", "/"));
  EXPECT_FALSE(matches("/", "a"));
}

TEST(TopicMatching, IsCaseSensitiveAndByteExact_MQTT_4_7_3_4) {
  EXPECT_FALSE(matches("ACCOUNTS", "Accounts"));
  EXPECT_TRUE(matches("Accounts payable", "Accounts payable"));
  EXPECT_FALSE(matches("caf\xc3\xa9", "cafe\xcc\x81"));  // no Unicode normalisation
}

TEST(TopicMatching, WildcardFirstFiltersDoNotMatchDollarTopics_MQTT_4_7_2_1) {
  EXPECT_FALSE(matches("#", "$SYS/monitor/Clients"));
  EXPECT_FALSE(matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/#", "$SYS"));
  EXPECT_TRUE(matches("a/#", "a/$b"));  // only the first character of the name counts
  EXPECT_TRUE(matches("+/$b", "a/$b"));
}

TEST(TopicMatching, InvalidFiltersMatchNothing) {
  EXPECT_FALSE(matches("a/#/b", "a/x/b"));
  EXPECT_FALSE(matches("", "a"));
  EXPECT_FALSE(matches("a", ""));
}

TEST(TopicMatching, ExactFiltersMatchOnlyThemselves) {
  EXPECT_TRUE(matches("a/b/c", "a/b/c"));
  EXPECT_FALSE(matches("a/b/c", "a/b"));
  EXPECT_FALSE(matches("a/b", "a/b/c"));
}

TEST(Wildcards, AreDetected) {
  EXPECT_TRUE(has_wildcard("a/+"));
  EXPECT_TRUE(has_wildcard("#"));
  EXPECT_FALSE(has_wildcard("a/b"));
}

}  // namespace
}  // namespace mqtt::topic
