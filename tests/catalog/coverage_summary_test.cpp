// The counts behind `list --summary`: what a broker test can observe and how much of it cases exercise.
#include "catalog/coverage_summary.hpp"

#include <gtest/gtest.h>

namespace mqtt::catalog {
namespace {

using Coverage = std::map<std::string, std::vector<std::string>>;

TEST(CoverageSummary, Mqtt5WithoutCasesIsAllObservableAndNothingExercised) {
  const CoverageSummary summary = summarise_coverage(statements("5.0"), Coverage{});
  EXPECT_EQ(summary.statements, 251u);
  EXPECT_EQ(summary.by_observability.at("direct") + summary.by_observability.at("policed") +
                summary.by_observability.at("conditional") + summary.by_observability.at("none"),
            summary.statements);
  EXPECT_EQ(summary.observable, summary.statements - summary.by_observability.at("none"));
  EXPECT_EQ(summary.not_observable.size(), summary.by_observability.at("none"));
  EXPECT_EQ(summary.unconditionally_observable,
            summary.by_observability.at("direct") + summary.by_observability.at("policed"));
  EXPECT_EQ(summary.exercised, 0u);
  EXPECT_EQ(summary.observable_not_exercised.size(), summary.observable);
}

TEST(CoverageSummary, CountsOnlyObservableStatementsTheCasesName) {
  const Coverage coverage = {
      {"MQTT-3.1.2-22", {"keepalive.expiry"}},           // direct
      {"MQTT-3.3.4-7", {"flow.receive_maximum"}},        // policed
      {"MQTT-4.8.2-3", {"shared.qos"}},                  // conditional
      {"MQTT-3.1.2-20", {"keepalive.client_ping"}},      // none: named, yet not counted as exercised
      {"MQTT-9.9.9-1", {"nowhere"}},                     // not in the catalog
      {"MQTT-3.12.4-1", {}},                             // an entry without cases exercises nothing
  };
  const CoverageSummary summary = summarise_coverage(statements("5.0"), coverage);
  EXPECT_EQ(summary.exercised, 3u);
  EXPECT_EQ(summary.exercised_unconditionally, 2u);
  EXPECT_EQ(summary.observable_not_exercised.size(), summary.observable - 3);
  for (const auto& id : summary.observable_not_exercised) {
    EXPECT_NE(id, "MQTT-3.1.2-22");
    EXPECT_NE(id, "MQTT-4.8.2-3");
  }
  EXPECT_NE(std::find(summary.not_observable.begin(), summary.not_observable.end(), "MQTT-3.1.2-20"),
            summary.not_observable.end());
}

TEST(CoverageSummary, IdsComeInSpecOrder) {
  const CoverageSummary summary = summarise_coverage(statements("5.0"), Coverage{});
  ASSERT_FALSE(summary.not_observable.empty());
  EXPECT_EQ(summary.observable_not_exercised.front(), "MQTT-1.5.4-1");
  EXPECT_EQ(summary.not_observable.back(), "MQTT-6.0.0-3");
}

TEST(CoverageSummary, OnlyNoneIsUnobservable) {
  for (const Statement& statement : statements("5.0")) {
    EXPECT_EQ(observable_by_broker_test(statement), statement.observability != "none") << statement.id;
  }
}

}  // namespace
}  // namespace mqtt::catalog
