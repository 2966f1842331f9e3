// `simulate` on a terminal judges the fleet's history while it runs, for the live "violations so far" count:
// the live count must see a defect as it happens, and the verdicts the live checker ends with must be exactly
// those of checking the recorded history afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "broker/broker.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/history_judgement.hpp"
#include "support/loopback_target.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* ordered_stream = R"({
  "name": "ordered-stream",
  "duration_ms": 2000,
  "settle_ms": 1500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "meter", "count": 1, "keep_alive": 30, "connect_rate": 0,
              "publish": {"rate": 20, "qos": 1, "payload_size": 24}}]
})";

TEST(FleetLiveJudgement, LiveCountSeesReorderedDeliveriesAndEndsWithTheVerdictsOfCheckingAfterwards) {
  broker::BrokerOptions broker_options;
  broker_options.defects.insert(broker::Defect::reorder_deliveries);
  broker::EmbeddedBroker broker(broker_options);
  const std::uint64_t seed = 41;
  std::cout << "seed " << seed << "\n";
  FleetRunOptions options;
  options.target = test_support::loopback_target(broker.port());
  options.seed = seed;
  std::size_t steps = 0;
  std::size_t most = 0;
  options.progress = [&](const simulator::FleetProgress& step) {
    ++steps;
    most = std::max(most, step.violations);
  };
  const auto outcome = run_fleet_scenario(parse_fleet_scenario("test.json", ordered_stream), options);
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& results = outcome.results;
  ASSERT_EQ(results.cases.size(), 1u);

  EXPECT_GT(steps, 2u);
  EXPECT_GT(most, 0u) << "the swapped deliveries come from the first second on";
  EXPECT_LE(most, results.violations.size());
  EXPECT_TRUE(std::any_of(results.violations.begin(), results.violations.end(),
                          [](const auto& violation) { return violation.statement == "MQTT-4.6.0-6"; }));

  HistorySource again;
  again.id = results.cases[0].id;
  again.history.events = results.cases[0].history;
  HistoryJudgementOptions judgement;
  judgement.kind = "simulation";
  const auto afterwards = judge_histories({std::move(again)}, judgement);
  ASSERT_EQ(afterwards.violations.size(), results.violations.size());
  for (std::size_t i = 0; i < results.violations.size(); ++i) {
    EXPECT_EQ(afterwards.violations[i].statement, results.violations[i].statement);
    EXPECT_EQ(afterwards.violations[i].message, results.violations[i].message);
  }
  ASSERT_EQ(afterwards.observed.size(), results.observed.size());
  EXPECT_EQ(afterwards.cases[0].statements, results.cases[0].statements);
}

}  // namespace
}  // namespace mqtt::runner
