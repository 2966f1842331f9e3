// Messages a real broker refused, counted by the fleet statistics (simulator/fleet_stats_refusals.cpp): mosquitto
// with an ACL that lets everyone subscribe and nobody publish answers each 5.0 QoS 1 PUBLISH with a PUBACK and each
// QoS 2 one with a PUBREC of reason code 0x87 (not authorized). It took nothing and owes the observer nothing:
// every message counts as refused, none as expected or lost (before, all of them were counted lost). The model
// rightly finds no violation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "reports/statistics_facts.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

// 2 devices at 8 messages/s for 1 s, QoS 1 and 2 in equal parts (weights [0, 1, 1]), an observer of their telemetry at QoS 1.
const std::string refused_fleet = R"({
  "name": "refused",
  "duration_ms": 1000,
  "settle_ms": 500,
  "drain_ms": 2000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "cell", "count": 2, "connect_rate": 0, "mqtt": "5.0", "publish": {"rate": 8, "qos": [0, 1, 1]}}]
})";

TEST(FleetStatsRefusedRun, MessagesMosquittoRefusedAreCountedRefusedNotLost) {
  const auto acl = std::filesystem::temp_directory_path() / ("mqtt-harness-acl-refused-" + std::to_string(::getpid()));
  std::ofstream(acl) << "topic read #\n";  // anyone may subscribe, nobody may publish
  test_support::MosquittoOptions broker_options;
  broker_options.extra_config_lines.push_back("acl_file " + acl.string());
  test_support::MosquittoBroker broker(broker_options);
  FleetRunOptions options;
  options.target = test_support::loopback_target(broker.port());
  options.seed = 63;
  const auto outcome = run_fleet_scenario(parse_fleet_scenario("refused.json", refused_fleet), options);
  std::filesystem::remove(acl);
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& messages = outcome.results.stats["messages"];
  std::cout << messages.dump() << "\n" << outcome.results.stats["losses_by_cause"].dump() << "\n";
  for (const auto& violation : outcome.results.violations) ADD_FAILURE() << violation.statement << " " << violation.message;
  const int published = messages["published"].get<int>();
  EXPECT_GE(published, 8) << "2 devices x 8/s x 1 s";
  EXPECT_EQ(messages.value("refused", -1), published) << "every message was refused with 0x87";
  EXPECT_EQ(messages["expected_deliveries"], 0);
  EXPECT_EQ(messages["delivered"], 0);
  EXPECT_EQ(messages["lost"], 0);
  EXPECT_TRUE(outcome.results.stats["losses_by_cause"].empty());
  // summary.md and the console list the same facts.
  bool said = false;
  for (const auto& fact : reports::statistics_facts(outcome.results.stats)) {
    if (fact.name != "Expected vs delivered") continue;
    said = fact.text.find(std::to_string(published) + " refused by the broker (owed to nobody)") != std::string::npos;
    EXPECT_TRUE(said) << fact.text;
  }
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace mqtt::runner
