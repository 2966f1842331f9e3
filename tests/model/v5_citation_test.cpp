// MQTT 5.0 citation: verdicts on a 5.0 connection cite the 5.0 catalog, which the shared rules' ids map into.
#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "model/statement_citation.hpp"
#include "v5_rule_histories.hpp"

namespace mqtt::model::testing {
namespace {

// ---- citation ---------------------------------------------------------------------------------------------

TEST(V5Citation, AConformantExchangeCitesOnlyTheFiveZeroCatalog) {
  const auto verdicts = judge(forwarding_history({}, {}));
  EXPECT_SETTLED(verdicts);
  EXPECT_EQ(verdicts.exercised_by_spec.size(), 1u);
  EXPECT_TRUE(exercised5(verdicts, "MQTT-4.5.0-1"));
  EXPECT_TRUE(exercised5(verdicts, "MQTT-3.8.4-8"));
  EXPECT_FALSE(verdicts.exercised.contains("MQTT-2.3.1-7"));  // a 3.1.1 id of the shared rules never leaks
}

// The translation of the shared rules' 3.1.1 ids: every one becomes a 5.0 catalog id or nothing, never an id
// 5.0 does not have; on 3.1.1 connections ids stay as they are.
TEST(V5Citation, EveryThreeOneOneIdTranslatesIntoTheFiveZeroCatalogOrNothing) {
  for (const auto& statement : catalog::statements("3.1.1")) {
    const auto cited = detail::cited_statement(ProtocolVersion::v5, statement.id);
    if (!cited.empty()) {
      EXPECT_NE(catalog::find(cited, "5.0"), nullptr) << statement.id << " -> " << cited;
    }
    EXPECT_EQ(detail::cited_statement(ProtocolVersion::v3_1_1, statement.id), statement.id);
  }
  EXPECT_EQ(detail::cited_statement(ProtocolVersion::v5, "MQTT-3.1.2-24"), "MQTT-3.1.2-22");  // keep alive
  EXPECT_EQ(detail::cited_statement(ProtocolVersion::v3_1_1, detail::v5("MQTT-3.3.4-9")), "MQTT-3.3.4-9");
}

// Every id a 5.0 history can make the checker cite is a statement of the 5.0 catalog: the union of what the
// histories of this file exercise and violate.
TEST(V5Citation, EveryCitedIdIsInTheFiveZeroCatalog) {
  const auto verdicts = judge(forwarding_history({property(PropertyId::message_expiry_interval, 30)}, {}));
  for (const auto& statement : verdicts.exercised) {
    EXPECT_NE(catalog::find(statement, "5.0"), nullptr) << statement;
  }
}

TEST(V5Citation, AMissingPubackCitesTheFiveZeroQosOneRule) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::at_least_once, 7));
  const auto verdicts = judge(history);
  EXPECT_ONLY_STATEMENT(verdicts, "MQTT-4.3.2-4");
  EXPECT_EQ(verdicts.violations.front().spec, "5.0");
}

TEST(V5Citation, ShortFormAcknowledgementsWithReasonZeroPass) {
  HistoryBuilder history;
  connect5(history, 1, "pub");
  history.sent(1, publish5("a/b", "mh1 m1", QoS::exactly_once, 7));
  history.received(1, ack5<Pubrec>(7));
  history.sent(1, ack5<Pubrel>(7));
  history.received(1, ack5<Pubcomp>(7));
  EXPECT_SETTLED(judge(history));
}

}  // namespace
}  // namespace mqtt::model::testing
