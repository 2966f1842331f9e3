// The end of a fleet run against a real mosquitto, when the fleet knows what the broker still owes its observer
// (simulator/owed_deliveries.hpp): a broker that delivers in bursts more than a quiet interval apart after the
// settle time is waited for until every owed QoS 1 delivery is in, and a run whose deliveries are all in ends at
// once, without a quiet interval. The late burst comes from the fault layer: the broker->observer direction is
// delayed by 2.2 s, so nothing arrives in the first 0.5 s after the settle time and everything after it.
#include <gtest/gtest.h>

#include <iostream>

#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"
#include "drain_run_support.hpp"

namespace mqtt::runner {
namespace {

using drain_test::drain_of;
using drain_test::unlimited_inflight;

// Settle ends at 1.5 s; messages published from 0 to 1 s reach the observer from 2.2 s to 3.2 s: the first quiet
// interval after the settle time (1.5-2.0 s) sees none of them.
std::string bursts(const std::string& faults) {
  return R"({
  "name": "bursts",
  "duration_ms": 1000,
  "settle_ms": 500,
  "drain_ms": 5000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "cell", "count": 2, "connect_rate": 0, "publish": {"rate": 8, "qos": [0, 1, 0]}}],
  "faults": [)" + faults + R"(]
})";
}

const std::string late_burst =
    R"({"kind": "latency", "group": "backend", "direction": "downstream", "at_ms": 0, "duration_ms": 1500,
        "latency_ms": 2200})";

FleetOutcome run(const std::string& scenario, std::uint16_t port) {
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = 55;
  options.keep_history = true;
  return run_fleet_scenario(parse_fleet_scenario("bursts.json", scenario), options);
}

void expect_judged_whole(const FleetOutcome& outcome) {
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& messages = outcome.results.stats["messages"];
  std::cout << messages.dump() << "\n" << drain_of(outcome).dump() << "\n";
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  EXPECT_GE(messages["published"].get<int>(), 8) << "2 devices x 8/s x 1 s, less the first interval";
  EXPECT_EQ(messages["delivered"], messages["expected_deliveries"]) << "the observer left before its deliveries";
  EXPECT_EQ(messages["lost"], 0);
}

TEST(FleetDrainOwedRun, DeliveriesThatResumeAfterAQuietIntervalPastTheSettleTimeAreWaitedFor) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  const auto outcome = run(bursts(late_burst), broker.port());
  expect_judged_whole(outcome);
  const auto drain = drain_of(outcome);
  EXPECT_EQ(drain.value("stopped_by", ""), "nothing-owed");
  EXPECT_EQ(drain.value("owed", -1), 0);
  EXPECT_EQ(drain.value("counting", ""), "exact");
}

TEST(FleetDrainOwedRun, ARunWhoseDeliveriesAreAllInEndsWithoutAQuietInterval) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  const auto outcome = run(bursts(""), broker.port());
  expect_judged_whole(outcome);
  const auto drain = drain_of(outcome);
  EXPECT_EQ(drain.value("stopped_by", ""), "nothing-owed");
  EXPECT_EQ(drain.value("owed", -1), 0);
}

}  // namespace
}  // namespace mqtt::runner
