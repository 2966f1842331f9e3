// The retained-status statistic on real runs: devices keep a retained status (online on connect, offline by
// will) while auditors keep subscribing to all statuses. A correct embedded broker gives right values only;
// one that stores no retained messages, or that stores the will without its RETAIN flag, shows up in the
// counts.
#include <gtest/gtest.h>

#include <iostream>

#include "broker/broker.hpp"
#include "reports/statistics_facts.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* retained_audit = R"({
  "name": "retained-audit",
  "duration_ms": 3000,
  "settle_ms": 1500,
  "groups": [
    {"name": "dtu", "count": 10, "keep_alive": 5, "connect_rate": 0,
     "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
     "status": {"topic": "dtu/{id}/status", "payload": "online", "qos": 1},
     "churn": {"fraction": 0.5, "online_ms": 700, "offline_ms": 300, "abrupt": true},
     "reconnect": {"initial_ms": 100, "maximum_ms": 200}},
    {"name": "auditor", "count": 3, "connect_rate": 0, "start_ms": 500,
     "subscriptions": [{"filter": "dtu/+/status", "qos": 1}],
     "churn": {"fraction": 1, "online_ms": 400, "offline_ms": 100}}
  ]
})";

nlohmann::json retained_stats(std::uint16_t port, std::uint64_t seed) {
  std::cout << "seed " << seed << "\n";
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = seed;
  const auto outcome =
      run_fleet_scenario(parse_fleet_scenario("retained-audit.json", retained_audit), options);
  EXPECT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& stats = outcome.results.stats;
  for (const auto& fact : reports::statistics_facts(stats)) {
    if (fact.name == "Retained status") std::cout << fact.name << ": " << fact.text << "\n";
  }
  EXPECT_TRUE(stats.contains("retained")) << stats.dump();
  return stats.value("retained", nlohmann::json::object());
}

void expect_all_right(const nlohmann::json& retained) {
  EXPECT_EQ(retained["topics"], 10);
  // 3 auditors, each subscribing on every one of its connections, each time to 10 topics (once written).
  EXPECT_GE(retained["subscriptions"].get<int>(), 3);
  EXPECT_GE(retained["checks"].get<int>(), 30);
  EXPECT_GE(retained["correct"].get<int>(), 30);
  EXPECT_EQ(retained["stale"], 0) << retained.dump();
  EXPECT_EQ(retained["missing"], 0) << retained.dump();
  EXPECT_EQ(retained["unexpected"], 0) << retained.dump();
  EXPECT_EQ(retained["delivered_when_cleared"], 0) << retained.dump();
}

TEST(RetainedStatusRun, TheEmbeddedBrokerGivesEveryNewSubscriptionTheLatestStatus) {
  broker::EmbeddedBroker broker;
  expect_all_right(retained_stats(broker.port(), 31));
}

TEST(RetainedStatusRun, MosquittoGivesEveryNewSubscriptionTheLatestStatus) {
  test_support::MosquittoBroker broker;
  expect_all_right(retained_stats(broker.port(), 32));
}

TEST(RetainedStatusRun, ABrokerThatStoresNoRetainedMessagesLeavesThemMissing) {
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::retain_ignored);
  broker::EmbeddedBroker broker(options);
  const auto retained = retained_stats(broker.port(), 33);
  EXPECT_GE(retained["missing"].get<int>(), 30) << retained.dump();
  EXPECT_EQ(retained["correct"], 0) << retained.dump();
  EXPECT_EQ(retained["first_problem"]["kind"], "missing");
}

TEST(RetainedStatusRun, ABrokerThatDropsTheWillsRetainFlagLeavesStaleStatuses) {
  // The will reaches the auditors live but is not stored, so later subscriptions still get "online".
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::will_retain_ignored);
  broker::EmbeddedBroker broker(options);
  const auto retained = retained_stats(broker.port(), 34);
  EXPECT_GE(retained["stale"].get<int>(), 1) << retained.dump();
  EXPECT_EQ(retained["missing"], 0) << retained.dump();
}

}  // namespace
}  // namespace mqtt::runner
