#include "catalog/catalog.hpp"

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mqtt::catalog {
namespace {

const std::vector<std::string> every_spec = {"3.1.1", "5.0"};

TEST(Catalog, HoldsEveryStatementOfAppendixB) { EXPECT_EQ(statements("3.1.1").size(), 141u); }

// The count docs/statements.md states (documented_counts_test.cpp holds the two equal): every numbered
// statement of the OASIS MQTT 5.0 standard, as walked section by section through the body and Appendix B.
TEST(Catalog, HoldsEveryNumberedStatementOfMqtt5) { EXPECT_EQ(statements("5.0").size(), 251u); }

TEST(Catalog, KnowsItsSpecs) { EXPECT_EQ(specs(), (std::vector<std::string>{"3.1.1", "5.0"})); }

TEST(Catalog, DefaultSpecIsMqtt311) { EXPECT_EQ(statements().size(), statements("3.1.1").size()); }

TEST(Catalog, IdsAreUniqueAndWellFormed) {
  const std::regex shape(R"(MQTT-[1-7]\.[0-9]+\.[0-9]+-[0-9]+)");
  for (const std::string& spec : every_spec) {
    std::set<std::string> seen;
    for (const Statement& statement : statements(spec)) {
      EXPECT_TRUE(std::regex_match(statement.id, shape)) << spec << " " << statement.id;
      EXPECT_TRUE(seen.insert(statement.id).second) << spec << " duplicate " << statement.id;
    }
  }
}

// The standard numbers the statements of each section 1, 2, 3, ... in the order they appear; the catalog keeps
// that order and has no gap, so a statement left out (or an invented one) shows up here. The one exception is the
// standard's own: MQTT 5.0 has no MQTT-2.2.1-1, its section 2.2.1 starts at -2.
TEST(Catalog, Mqtt5IdsFollowTheStandardsNumberingWithoutGaps) {
  const std::regex shape(R"(MQTT-([1-7])\.([0-9]+)\.([0-9]+)-([0-9]+))");
  std::map<std::string, int> last_number;
  std::vector<int> previous_section = {0, 0, 0};
  for (const Statement& statement : statements("5.0")) {
    std::smatch parts;
    ASSERT_TRUE(std::regex_match(statement.id, parts, shape)) << statement.id;
    const std::vector<int> section = {std::stoi(parts[1]), std::stoi(parts[2]), std::stoi(parts[3])};
    const int number = std::stoi(parts[4]);
    const std::string section_text = parts[1].str() + "." + parts[2].str() + "." + parts[3].str();
    EXPECT_GE(section, previous_section) << statement.id << " is out of spec order";
    const int first = section_text == "2.2.1" ? 2 : 1;
    const auto found = last_number.find(section_text);
    EXPECT_EQ(number, found == last_number.end() ? first : found->second + 1) << statement.id;
    last_number[section_text] = number;
    previous_section = section;
  }
  // Chapters 1 to 4 and 6 carry statements; 5 (security) is non-normative and 7 has no numbered statement in 5.0.
  std::set<char> chapters;
  for (const auto& [section, number] : last_number) chapters.insert(section.front());
  EXPECT_EQ(chapters, (std::set<char>{'1', '2', '3', '4', '6'}));
}

TEST(Catalog, Mqtt5SectionsHoldTheStandardsStatementCounts) {
  // Statements per section (the catalog's section form) as printed in the standard; body and Appendix B agree on
  // every one. Section 2.2.1 holds five statements numbered 2 to 6.
  const std::map<std::string, std::size_t> expected = {
      {"1.5.4", 3},  {"1.5.5", 1},  {"1.5.7", 1},   {"2.1.3", 1},   {"2.2.1", 5},   {"2.2.2", 1},  {"3.1", 2},
      {"3.1.2", 30}, {"3.1.3", 12}, {"3.1.4", 6},   {"3.2", 2},     {"3.2.2", 22},  {"3.3.1", 13}, {"3.3.2", 20},
      {"3.3.4", 10}, {"3.4.2", 3},  {"3.5.2", 3},   {"3.6.1", 1},   {"3.6.2", 3},   {"3.7.2", 3},  {"3.8.1", 1},
      {"3.8.3", 5},  {"3.8.4", 8},  {"3.9.2", 2},   {"3.9.3", 2},   {"3.10.1", 1},  {"3.10.3", 2}, {"3.10.4", 6},
      {"3.11.2", 2}, {"3.11.3", 2}, {"3.12.4", 1},  {"3.14", 1},    {"3.14.1", 1},  {"3.14.2", 4}, {"3.14.4", 3},
      {"3.15.1", 1}, {"3.15.2", 3}, {"4.1", 2},     {"4.2", 1},     {"4.3.1", 1},   {"4.3.2", 5},  {"4.3.3", 13},
      {"4.4", 2},    {"4.5", 2},    {"4.6", 6},     {"4.7", 1},     {"4.7.1", 2},   {"4.7.2", 1},  {"4.7.3", 4},
      {"4.8.2", 6},  {"4.9", 3},    {"4.12", 7},    {"4.12.1", 2},  {"4.13.1", 1},  {"4.13.2", 1}, {"6", 4}};
  std::map<std::string, std::size_t> counted;
  for (const Statement& statement : statements("5.0")) ++counted[statement.section];
  EXPECT_EQ(counted, expected);
}

TEST(Catalog, SectionIsTheIdWithoutItsNumberAndTrailingZeros) {
  for (const std::string& spec : every_spec) {
    for (const Statement& statement : statements(spec)) {
      std::string expected = statement.id.substr(5, statement.id.rfind('-') - 5);
      while (expected.size() > 2 && expected.ends_with(".0")) expected.resize(expected.size() - 2);
      EXPECT_EQ(statement.section, expected) << spec << " " << statement.id;
    }
  }
}

TEST(Catalog, EveryFieldHoldsAKnownValue) {
  const std::set<std::string> levels = {"MUST", "SHOULD", "MAY"};
  const std::set<std::string> holders = {"server", "client", "both"};
  const std::set<std::string> observabilities = {"direct", "policed", "conditional", "none"};
  for (const std::string& spec : every_spec) {
    for (const Statement& statement : statements(spec)) {
      EXPECT_EQ(statement.spec, spec) << statement.id;
      EXPECT_TRUE(levels.contains(statement.level)) << statement.id << " level " << statement.level;
      EXPECT_TRUE(holders.contains(statement.holder)) << statement.id << " holder " << statement.holder;
      EXPECT_TRUE(observabilities.contains(statement.observability)) << statement.id;
      EXPECT_GT(statement.text.size(), 20u) << statement.id << " needs a paraphrase";
    }
  }
}

// Policing a bad packet is the server's reaction to a client's duty, so only client statements are "policed".
TEST(Catalog, PolicedStatementsBelongToTheClient) {
  for (const std::string& spec : every_spec) {
    for (const Statement& statement : statements(spec)) {
      if (statement.observability == "policed") { EXPECT_EQ(statement.holder, "client") << spec << " " << statement.id; }
    }
  }
}

// Paraphrases are one sentence in our words; a row copied from another row (or left as a placeholder) repeats.
TEST(Catalog, ParaphrasesAreDistinctWithinASpec) {
  for (const std::string& spec : every_spec) {
    std::map<std::string, std::string> seen;
    for (const Statement& statement : statements(spec)) {
      const auto [where, inserted] = seen.emplace(statement.text, statement.id);
      EXPECT_TRUE(inserted) << spec << " " << statement.id << " repeats the text of " << where->second;
    }
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

TEST(Catalog, FindAcceptsTheBodysPrintingOfTheMqtt5TransportStatement) {
  // The body of the 5.0 standard prints [MQTT-4.2-1]; Appendix B prints MQTT-4.2.0-1, the catalog's form.
  const Statement* transport = find("MQTT-4.2-1", "5.0");
  ASSERT_NE(transport, nullptr);
  EXPECT_EQ(transport->id, "MQTT-4.2.0-1");
  EXPECT_EQ(transport->section, "4.2");
}

TEST(Catalog, TheSameIdMeansDifferentThingsInTheTwoSpecs) {
  const Statement* keep_alive = find("MQTT-3.1.2-24", "3.1.1");  // keep-alive expiry in 3.1.1
  const Statement* packet_size = find("MQTT-3.1.2-24", "5.0");   // Maximum Packet Size in 5.0
  ASSERT_NE(keep_alive, nullptr);
  ASSERT_NE(packet_size, nullptr);
  EXPECT_NE(keep_alive->text, packet_size->text);
  EXPECT_EQ(packet_size->spec, "5.0");
  EXPECT_EQ(find("MQTT-7.0.0-1", "5.0"), nullptr);  // 5.0 has no chapter 7 statements
  EXPECT_EQ(find("MQTT-3.15.1-1", "3.1.1"), nullptr);  // nor 3.1.1 an AUTH packet
}

TEST(Catalog, ClassificationOfWellKnownMqtt5Statements) {
  const auto row = [](const char* id) {
    const Statement* statement = find(id, "5.0");
    EXPECT_NE(statement, nullptr) << id;
    return statement == nullptr ? Statement{} : *statement;
  };
  EXPECT_EQ(row("MQTT-3.1.2-22").holder, "server");            // keep-alive expiry
  EXPECT_EQ(row("MQTT-3.1.2-22").observability, "direct");
  EXPECT_EQ(row("MQTT-3.1.2-20").observability, "none");       // the client's own PINGREQ duty
  EXPECT_EQ(row("MQTT-3.3.4-7").observability, "policed");     // too many unacknowledged publishes
  EXPECT_EQ(row("MQTT-3.3.4-9").observability, "direct");      // the server honours the client's Receive Maximum
  EXPECT_EQ(row("MQTT-4.8.2-3").observability, "conditional");  // shared subscriptions must be offered
  EXPECT_EQ(row("MQTT-4.12.0-2").observability, "conditional");  // enhanced authentication must be offered
  EXPECT_EQ(row("MQTT-4.12.0-6").observability, "direct");      // but no AUTH without an Authentication Method
  EXPECT_EQ(row("MQTT-6.0.0-4").observability, "conditional");  // needs a WebSocket listener
  EXPECT_EQ(row("MQTT-6.0.0-3").observability, "none");         // the client's WebSocket offer
  EXPECT_EQ(row("MQTT-4.7.3-3").observability, "none");         // a 16-bit length cannot say more
  EXPECT_EQ(row("MQTT-3.1.4-2").level, "MUST");                 // MAY and SHOULD only in the same sentence
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
