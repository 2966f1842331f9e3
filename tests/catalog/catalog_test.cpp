#include "catalog/catalog.hpp"

#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace mqtt::catalog {
namespace {

TEST(Catalog, HoldsEveryStatementOfAppendixB) { EXPECT_EQ(statements("3.1.1").size(), 141u); }

TEST(Catalog, DefaultSpecIsMqtt311) { EXPECT_EQ(statements().size(), statements("3.1.1").size()); }

TEST(Catalog, IdsAreUniqueAndWellFormed) {
  const std::regex shape(R"(MQTT-[1-7]\.[0-9]+\.[0-9]+-[0-9]+)");
  std::set<std::string> seen;
  for (const Statement& statement : statements("3.1.1")) {
    EXPECT_TRUE(std::regex_match(statement.id, shape)) << statement.id;
    EXPECT_TRUE(seen.insert(statement.id).second) << "duplicate " << statement.id;
  }
}

TEST(Catalog, SectionIsTheIdWithoutItsNumberAndTrailingZeros) {
  for (const Statement& statement : statements("3.1.1")) {
    std::string expected = statement.id.substr(5, statement.id.rfind('-') - 5);
    while (expected.size() > 2 && expected.ends_with(".0")) expected.resize(expected.size() - 2);
    EXPECT_EQ(statement.section, expected) << statement.id;
  }
}

TEST(Catalog, EveryFieldHoldsAKnownValue) {
  const std::set<std::string> levels = {"MUST", "SHOULD", "MAY"};
  const std::set<std::string> holders = {"server", "client", "both"};
  const std::set<std::string> observabilities = {"direct", "policed", "conditional", "none"};
  for (const Statement& statement : statements("3.1.1")) {
    EXPECT_EQ(statement.spec, "3.1.1") << statement.id;
    EXPECT_TRUE(levels.contains(statement.level)) << statement.id << " level " << statement.level;
    EXPECT_TRUE(holders.contains(statement.holder)) << statement.id << " holder " << statement.holder;
    EXPECT_TRUE(observabilities.contains(statement.observability)) << statement.id;
    EXPECT_GT(statement.text.size(), 20u) << statement.id << " needs a paraphrase";
  }
}

// Policing a bad packet is the server's reaction to a client's duty, so only client statements are "policed".
TEST(Catalog, PolicedStatementsBelongToTheClient) {
  for (const Statement& statement : statements("3.1.1")) {
    if (statement.observability == "policed") { EXPECT_EQ(statement.holder, "client") << statement.id; }
  }
}

TEST(Catalog, FindReturnsTheStatementWithItsFields) {
  const Statement* statement = find("MQTT-3.3.1-6");
  ASSERT_NE(statement, nullptr);
  EXPECT_EQ(statement->id, "MQTT-3.3.1-6");
  EXPECT_EQ(statement->section, "3.3.1");
  EXPECT_EQ(statement->level, "MUST");
  EXPECT_EQ(statement->holder, "server");
  EXPECT_EQ(statement->observability, "direct");
}

TEST(Catalog, FindPointsIntoTheStatementsSpan) {
  const auto all = statements("3.1.1");
  const Statement* statement = find("MQTT-4.7.2-1", "3.1.1");
  ASSERT_NE(statement, nullptr);
  EXPECT_GE(statement, all.data());
  EXPECT_LT(statement, all.data() + all.size());
}

TEST(Catalog, FindAcceptsTheOddlyPrintedIdsOfTheSpecification) {
  const Statement* retained = find("MQTT-3.1.2.7");
  ASSERT_NE(retained, nullptr);
  EXPECT_EQ(retained->id, "MQTT-3.1.2-7");
  const Statement* subscribe = find("MQTT-3-8.3-4");
  ASSERT_NE(subscribe, nullptr);
  EXPECT_EQ(subscribe->id, "MQTT-3.8.3-4");
}

TEST(Catalog, FindReturnsNullForUnknownIdsAndSpecs) {
  EXPECT_EQ(find("MQTT-3.3.1-13"), nullptr);
  EXPECT_EQ(find(""), nullptr);
  EXPECT_EQ(find("MQTT-3.3.1-6", "9.9"), nullptr);
  EXPECT_TRUE(statements("9.9").empty());
}

TEST(Catalog, ClassificationOfWellKnownStatements) {
  EXPECT_EQ(find("MQTT-3.1.2-24")->holder, "server");          // keep-alive expiry
  EXPECT_EQ(find("MQTT-3.1.2-23")->observability, "none");      // the client's own PINGREQ duty
  EXPECT_EQ(find("MQTT-3.1.3-6")->observability, "conditional");  // empty client id is optional
  EXPECT_EQ(find("MQTT-3.1.2-22")->observability, "policed");
  EXPECT_EQ(find("MQTT-6.0.0-4")->observability, "conditional");  // needs a WebSocket listener
}

}  // namespace
}  // namespace mqtt::catalog
