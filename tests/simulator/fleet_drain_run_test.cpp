// The end of a fleet run against a real mosquitto (simulator/fleet_drain.hpp): deliveries still on their way when
// the settle time ends are waited for, so the harness never closes its observer on what the broker has already
// sent. The broker->observer direction is delayed (the fault layer's latency) by more than the settle time, so at
// its end most deliveries are still arriving, the way they do when an overloaded harness reads late.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "reports/reports.hpp"
#include "results/run_warnings.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"
#include "drain_run_support.hpp"

namespace mqtt::runner {
namespace {

using drain_test::drain_of;
using drain_test::unlimited_inflight;

// Messages published from 0.5 s on reach the observer after the settle time has ended (1.5 s + 1.5 s > 2.0 s).
// The fault covers the whole window allowed for an observer (duration + settle); bytes it delayed keep their delay.
std::string late_deliveries(const std::string& drain) {
  return R"({
  "name": "late-deliveries",
  "duration_ms": 1500,
  "settle_ms": 500,)" + drain + R"(
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "cell", "count": 2, "connect_rate": 0, "publish": {"rate": 8, "qos": [0, 1, 0]}}],
  "faults": [{"kind": "latency", "group": "backend", "direction": "downstream", "at_ms": 0, "duration_ms": 2000,
              "latency_ms": 1500}]
})";
}

FleetOutcome run(const std::string& scenario, std::uint16_t port, bool keep_history) {
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = 45;
  options.keep_history = keep_history;
  return run_fleet_scenario(parse_fleet_scenario("late.json", scenario), options);
}

void expect_every_message_delivered(const FleetOutcome& outcome) {
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& stats = outcome.results.stats;
  const auto drain = drain_of(outcome);
  std::cout << stats["messages"].dump() << "\n" << drain.dump() << "\n";
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  const auto& messages = stats["messages"];
  EXPECT_GE(messages["published"].get<int>(), 16) << "2 devices x 8/s x 1.5 s, less the first interval";
  EXPECT_EQ(messages["delivered"], messages["expected_deliveries"]) << "the observer left before its deliveries";
  EXPECT_EQ(messages["lost"], 0);
  // The observer's deliveries are counted (simulator/owed_deliveries.hpp): the drain ends when the last is in.
  EXPECT_EQ(drain.value("stopped_by", ""), "nothing-owed");
  EXPECT_GT(drain.value("deliveries", 0), 0) << "deliveries arrived after the settle time";
  // The last message leaves shortly before the window ends, so it arrives a little under 1 s after the settle time.
  EXPECT_GE(drain.value("drained_ms", 0.0), 800) << "the last deliveries arrive about 1 s after the settle time";
  EXPECT_LT(drain.value("drained_ms", 0.0), 5000);
  EXPECT_TRUE(results::run_warnings(outcome.results).empty()) << results::run_warnings(outcome.results).front();
}

TEST(FleetDrainRun, DeliveriesStillArrivingAfterTheSettleTimeAreWaitedFor) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  expect_every_message_delivered(run(late_deliveries(""), broker.port(), false));
}

TEST(FleetDrainRun, TheKeptHistoryIsWaitedForAlike) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  expect_every_message_delivered(run(late_deliveries(""), broker.port(), true));
}

// A drain limit shorter than the delay: the run ends while deliveries are still owed. It says so in its warnings,
// counts what was not delivered, and its reports are written as for any other run.
TEST(FleetDrainRun, ALimitThatStopsTheDrainEarlyIsAWarningAndTheReportsAreWritten) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  const auto outcome = run(late_deliveries(R"("drain_ms": 300,)"), broker.port(), true);
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto& stats = outcome.results.stats;
  const auto drain = drain_of(outcome);
  std::cout << stats["messages"].dump() << "\n" << drain.dump() << "\n";
  EXPECT_EQ(drain.value("stopped_by", ""), "cap");
  EXPECT_GT(drain.value("owed", 0), 0) << "the observer's delayed deliveries were still owed";
  EXPECT_EQ(drain.value("limit_ms", 0), 300);
  EXPECT_GT(stats["messages"]["lost"].get<int>(), 0) << "the observer left before its last deliveries";
  const auto warnings = results::run_warnings(outcome.results);
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [](const std::string& warning) {
    return warning.rfind("the drain limit (0.3 s after the settle time) ended the run with ", 0) == 0 &&
           warning.find("backend-1: ") != std::string::npos;
  })) << testing::PrintToString(warnings);
  const auto directory = std::filesystem::temp_directory_path() / ("mqtt-harness-drain-" + std::to_string(::getpid()));
  reports::write_all(outcome.results, directory);
  for (const auto* file : {"results.json", "report.html", "junit.xml", "summary.md", "history.jsonl", "history.pcap"}) {
    EXPECT_GT(std::filesystem::file_size(directory / file), 0u) << file;
  }
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace mqtt::runner
