// Small fleets (scaled down, a few seconds) against mosquitto and the embedded broker, judged by the model;
// and the embedded broker with a defect, which the checker must catch.
#include "runner/fleet_run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "broker/broker.hpp"
#include "runner/conformance.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* small_fleet = R"({
  "name": "small-flaky",
  "duration_ms": 3000,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [
    {
      "name": "cell",
      "count": 8,
      "keep_alive": 5,
      "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1},
      "publish": {"rate": 4, "qos": [1, 1, 0], "payload_size": 40},
      "connect_rate": 0,
      "reconnect": {"initial_ms": 100, "maximum_ms": 400}
    }
  ],
  "faults": [
    {"kind": "latency", "group": "cell", "fraction": 0.5, "at_ms": 300, "duration_ms": 1000, "latency_ms": 80, "jitter_ms": 40},
    {"kind": "fragment", "group": "cell", "fraction": 0.25, "at_ms": 0, "duration_ms": 3000, "fragment_bytes": 2},
    {"kind": "close", "group": "cell", "fraction": 0.25, "at_ms": 1000, "reset": true},
    {"kind": "power-loss", "group": "cell", "fraction": 0.125, "at_ms": 1500, "duration_ms": 500}
  ]
})";

FleetOutcome run(const std::string& scenario, std::uint16_t port, std::uint64_t seed) {
  std::cout << "seed " << seed << "\n";
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = seed;
  return run_fleet_scenario(parse_fleet_scenario("test.json", scenario), options);
}

void expect_clean_and_sensible(const FleetOutcome& outcome) {
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& results = outcome.results;
  EXPECT_EQ(results.kind, "simulation");
  for (const auto& violation : results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  const auto& stats = results.stats;
  std::cout << stats.dump() << "\n";
  EXPECT_EQ(stats["fleet"]["devices"], 8);
  EXPECT_EQ(stats["fleet"]["observers"], 1);
  EXPECT_GE(stats["messages"]["published"].get<int>(), 40);  // 8 devices x 4/s x 3 s, less downtime
  EXPECT_GE(stats["delivery_latency_ms"]["qos1"]["count"].get<int>(), 10);
  EXPECT_GE(stats["delivery_latency_ms"]["qos0"]["count"].get<int>(), 10);
  EXPECT_GT(stats["delivery_latency_ms"]["qos1"]["p50"].get<double>(), 0);
  EXPECT_LT(stats["delivery_latency_ms"]["qos1"]["p50"].get<double>(), 1000);
  EXPECT_GE(stats["fleet"]["reconnects"].get<int>(), 3) << "2 links closed and 1 power loss";
  EXPECT_GE(stats["faults_by_kind"]["close"].get<int>(), 2);
  EXPECT_EQ(stats["faults_by_kind"]["power-loss"], 1);
  EXPECT_EQ(stats["connect_latency_ms"]["count"].get<int>(), stats["fleet"]["connections"].get<int>());
  EXPECT_EQ(stats["losses_by_cause"].value("no-fault-recorded", 0), 0);
}

TEST(FleetRun, SmallFlakyFleetAgainstMosquittoIsCleanWithSensibleStats) {
  test_support::MosquittoBroker broker;
  expect_clean_and_sensible(run(small_fleet, broker.port(), 11));
}

TEST(FleetRun, SmallFlakyFleetAgainstTheEmbeddedBrokerIsCleanWithSensibleStats) {
  broker::EmbeddedBroker broker;
  expect_clean_and_sensible(run(small_fleet, broker.port(), 12));
}

constexpr const char* outage = R"({
  "name": "mini-outage",
    "duration_ms": 1500,
    "settle_ms": 2500,
    "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]}],
    "groups": [{"name": "site", "count": 4, "keep_alive": 5, "connect_rate": 0,
                "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1}}],
    "faults": [{"kind": "power-loss", "group": "site", "fraction": 1, "at_ms": 500, "duration_ms": 500}]
  })";

TEST(FleetRun, PowerLossAgainstABrokerThatPublishesWillsIsClean) {
  broker::EmbeddedBroker broker;
  const auto outcome = run(outage, broker.port(), 13);
  ASSERT_TRUE(outcome.unreachable.empty());
  EXPECT_TRUE(outcome.results.violations.empty()) << outcome.results.violations.front().message;
  EXPECT_EQ(outcome.results.stats["faults_by_kind"]["power-loss"], 4);
}

TEST(FleetRun, PowerLossAgainstABrokerWithoutWillsIsAViolation) {
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::no_will);
  broker::EmbeddedBroker broker(options);
  const auto outcome = run(outage, broker.port(), 13);
  ASSERT_TRUE(outcome.unreachable.empty());
  bool will_missing = false;
  for (const auto& violation : outcome.results.violations) {
    will_missing = will_missing || violation.statement == broker::describe(broker::Defect::no_will).statement;
  }
  EXPECT_TRUE(will_missing) << "the checker must notice the wills that never came";
  EXPECT_EQ(exit_code(outcome.results), 1);
}

TEST(FleetRun, UnreachableTargetIsReportedNotRun) {
  const std::string port = test_support::free_loopback_port();
  const auto outcome = run(small_fleet, static_cast<std::uint16_t>(std::stoi(port)), 14);
  EXPECT_NE(outcome.unreachable.find("connection refused"), std::string::npos) << outcome.unreachable;
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

constexpr const char* offline_queue = R"({
  "name": "mini-offline-queue",
  "duration_ms": 3000,
  "settle_ms": 2000,
  "groups": [
    {"name": "dtu", "count": 3, "clean_session": false, "keep_alive": 5, "connect_rate": 0,
     "subscriptions": [{"filter": "dtu/+/cmd", "qos": 1}],
     "churn": {"fraction": 1, "online_ms": 500, "offline_ms": 400}},
    {"name": "control", "count": 1, "client_id": "control-{n}", "connect_rate": 0,
     "publish": {"topic": "dtu/control/cmd", "rate": 10, "qos": 1}}
  ]
})";

TEST(FleetRun, PersistentSessionsGetTheirQueuedMessagesFromAGoodBroker) {
  broker::EmbeddedBroker broker;
  const auto outcome = run(offline_queue, broker.port(), 15);
  ASSERT_TRUE(outcome.unreachable.empty());
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  EXPECT_GE(outcome.results.stats["fleet"]["reconnects"].get<int>(), 3) << "every device churns";
}

TEST(FleetRun, BrokerWithoutOfflineQueueIsCaught) {
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::no_offline_queue);
  broker::EmbeddedBroker broker(options);
  const auto outcome = run(offline_queue, broker.port(), 15);
  ASSERT_TRUE(outcome.unreachable.empty());
  const auto expected = broker::describe(broker::Defect::no_offline_queue).statement;
  bool caught = false;
  for (const auto& violation : outcome.results.violations) caught = caught || violation.statement == expected;
  EXPECT_TRUE(caught) << "expected a violation of " << expected;
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

// Per device: the QoS of each message it published, in order.
std::map<std::string, std::vector<int>> qos_sequences(const results::Results& results) {
  std::map<std::string, std::vector<int>> sequences;
  for (const auto& row : results.cases) {
    for (const auto& event : row.history) {
      if (event.kind != history::EventKind::sent || !event.packet) continue;
      if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
        sequences[event.actor].push_back(static_cast<int>(publish->qos));
      }
    }
  }
  return sequences;
}

std::vector<std::string> fault_victims(const results::Results& results) {
  std::vector<std::string> victims;
  for (const auto& row : results.cases) {
    for (const auto& event : row.history) {
      if (event.kind == history::EventKind::fault) victims.push_back(event.actor + " " + event.fault);
    }
  }
  std::sort(victims.begin(), victims.end());
  return victims;
}

TEST(FleetRun, SameSeedSameFaultVictimsAndPublishSchedule) {
  constexpr const char* mixed = R"({
    "name": "determinism",
    "duration_ms": 1500,
    "settle_ms": 300,
    "groups": [{"name": "cell", "count": 6, "connect_rate": 0, "publish": {"rate": 8, "qos": [1, 1, 1]}}],
    "faults": [{"kind": "latency", "group": "cell", "fraction": 0.5, "at_ms": 200, "duration_ms": 500,
                "latency_ms": 10}]
  })";
  broker::EmbeddedBroker broker;
  const auto first = run(mixed, broker.port(), 21);
  const auto second = run(mixed, broker.port(), 21);
  const auto other = run(mixed, broker.port(), 22);
  EXPECT_EQ(fault_victims(first.results), fault_victims(second.results));
  EXPECT_EQ(fault_victims(first.results).size(), 3u);
  const auto a = qos_sequences(first.results);
  const auto b = qos_sequences(second.results);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (const auto& [device, sequence] : a) {
    const auto& again = b.at(device);
    // Wall-clock time decides only whether the last message falls inside the window.
    const std::size_t common = std::min(sequence.size(), again.size());
    EXPECT_LE(std::max(sequence.size(), again.size()) - common, 1u) << device;
    EXPECT_TRUE(std::equal(sequence.begin(), sequence.begin() + common, again.begin())) << device;
  }
  EXPECT_NE(a, qos_sequences(other.results)) << "another seed draws other QoS values";
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

TEST(FleetRun, FlappingLinksMakeDevicesReconnectRepeatedly) {
  constexpr const char* flapping = R"({
    "name": "flapping",
    "duration_ms": 2500,
    "settle_ms": 1000,
    "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
    "groups": [{"name": "cell", "count": 3, "keep_alive": 5, "connect_rate": 0,
                "publish": {"rate": 5, "qos": 1},
                "reconnect": {"initial_ms": 50, "maximum_ms": 100}}],
    "faults": [{"kind": "flapping", "group": "cell", "at_ms": 300, "duration_ms": 1500, "period_ms": 400}]
  })";
  broker::EmbeddedBroker broker;
  const auto outcome = run(flapping, broker.port(), 16);
  ASSERT_TRUE(outcome.unreachable.empty());
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  const auto& stats = outcome.results.stats;
  // Resets at 300, 700, 1100, 1500 ms: each device loses its link about four times and comes back each time.
  EXPECT_GE(stats["fleet"]["reconnects"].get<int>(), 3 * 3);
  EXPECT_GE(stats["faults_by_kind"]["flapping"].get<int>(), 3 * 3);
  EXPECT_GT(stats["delivery_latency_ms"]["qos1"]["count"].get<int>(), 10);
}

}  // namespace
}  // namespace mqtt::runner

namespace mqtt::runner {
namespace {

// Fleets that did not put the broker to the test are inconclusive, with the reason, never a pass.

constexpr const char* five_clients = R"({
  "name": "five-clients",
  "duration_ms": 1500,
  "settle_ms": 1000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "site", "count": 4, "keep_alive": 5, "connect_rate": 0, "publish": {"rate": 4, "qos": 1},
              "reconnect": {"initial_ms": 100, "maximum_ms": 200}}]
})";

TEST(FleetRun, DevicesTheBrokerNeverLetInMakeTheRunInconclusive) {
  // mosquitto closes connections beyond its limit at once (its count is loose: it also counted the harness's
  // reachability probe, so it may let one more in): some of the five clients never get a CONNACK.
  test_support::MosquittoOptions limited;
  limited.extra_config_lines = {"max_connections 2"};
  test_support::MosquittoBroker broker(limited);
  const auto outcome = run(five_clients, broker.port(), 31);
  ASSERT_TRUE(outcome.unreachable.empty());
  EXPECT_TRUE(outcome.target_problem.empty()) << "three clients were accepted";
  const auto& fleet = outcome.results.stats["fleet"];
  const int never = fleet["devices_never_connected"].get<int>() + fleet["observers_never_connected"].get<int>();
  EXPECT_GE(never, 1) << fleet.dump();
  EXPECT_LT(never, 5) << fleet.dump();
  EXPECT_GT(fleet["connects_unanswered"].get<int>(), 0) << fleet.dump();
  ASSERT_EQ(outcome.results.cases.size(), 1u);
  EXPECT_EQ(outcome.results.cases[0].verdict, results::Verdict::inconclusive) << outcome.results.cases[0].message;
  EXPECT_NE(outcome.results.cases[0].message.find("never connected"), std::string::npos)
      << outcome.results.cases[0].message;
  EXPECT_EQ(outcome.results.summary.inconclusive, 1);
  EXPECT_EQ(outcome.results.summary.passed, 0);
}

TEST(FleetRun, ClientsThatLostTheBrokerAndNeverGotBackAreCountedAndMakeTheRunInconclusive) {
  auto broker = std::make_unique<test_support::MosquittoBroker>();
  FleetRunOptions options;
  options.target = test_support::loopback_target(broker->port());
  options.seed = 32;
  std::cout << "seed 32\n";
  // Once messages flow, the broker goes away for good: every reconnect fails until the run ends.
  options.progress = [&](const simulator::FleetProgress& step) {
    if (broker && step.delivered >= 4) broker.reset();
  };
  const auto outcome = run_fleet_scenario(parse_fleet_scenario("test.json", five_clients), options);
  ASSERT_EQ(broker, nullptr) << "the broker was never stopped";
  const auto& fleet = outcome.results.stats["fleet"];
  EXPECT_EQ(fleet["clients_ending_unconnected"], 5) << fleet.dump();
  EXPECT_GE(fleet["open_failures"].get<int>(), 5) << "every client tried again";
  const auto reasons = fleet["inconclusive"];
  ASSERT_FALSE(reasons.is_null());
  EXPECT_NE(reasons.dump().find("5 client(s) lost their connection and ended the run without getting it back"),
            std::string::npos)
      << reasons.dump();
  EXPECT_NE(outcome.results.cases[0].verdict, results::Verdict::passed);
}

}  // namespace
}  // namespace mqtt::runner
