// The broker-restart fault: the user's restart command (exit code, down time, deadline) and a fleet whose broker
// restarts mid-run. The embedded broker keeps its sessions in memory, so after its in-process restart every
// persistent session is gone: the checker must say so (a true finding about that broker, not a harness error).
#include "simulator/broker_restart.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <thread>

#include "broker/broker.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "support/loopback_target.hpp"

namespace mqtt::simulator {
namespace {

using std::chrono::milliseconds;

TEST(RestartCommand, ItsExitCodeIsTheOutcomeAndItIsToldTheDownTime) {
  const auto told = run_restart_command("test \"$MQTT_HARNESS_BROKER_DOWN_MS\" = 1234", 1234, std::chrono::seconds(10));
  EXPECT_TRUE(told.succeeded) << told.text;
  EXPECT_EQ(told.text, "exit 0");
  const auto failed = run_restart_command("echo not printed; exit 3", 0, std::chrono::seconds(10));
  EXPECT_FALSE(failed.succeeded);
  EXPECT_EQ(failed.text, "exit 3") << "the outcome never repeats the command (it may hold credentials)";
}

// The harness's sockets are not close-on-exec: a command that inherited them (and the broker it starts, which
// runs on) would keep the links the fault proxy closes open on the devices' side.
TEST(RestartCommand, ItInheritsNoneOfTheHarnessesDescriptors) {
  const int ours = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC, like Asio's sockets
  ASSERT_GT(ours, 2);
  const auto outcome =
      run_restart_command("test ! -e /proc/$$/fd/" + std::to_string(ours), 0, std::chrono::seconds(10));
  ::close(ours);
  EXPECT_TRUE(outcome.succeeded) << "descriptor " << ours << " reached the command: " << outcome.text;
}

TEST(RestartCommand, ACommandPastItsDeadlineIsKilledWithItsChildren) {
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run_restart_command("sleep 30 & sleep 30", 0, milliseconds(300));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.text, "killed after the 0.3 s deadline");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST(BrokerRestarts, WithoutAMethodEachRestartIsSkippedAndLogged) {
  BrokerRestarts none;
  EXPECT_FALSE(none.can_restart());
  EXPECT_FALSE(none.begin(4.0, 500));
  const auto log = none.to_json();
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0]["outcome"], "skipped");
  EXPECT_EQ(log[0]["at_s"], 4.0);
}

// Persistent sessions (clean_session false) for every device and the observer, QoS 1 both ways; the broker
// restarts at 1.5 s for 300 ms.
constexpr const char* restarting_fleet = R"({
  "name": "restart",
  "duration_ms": 4000,
  "settle_ms": 2000,
  "observers": [{"name": "backend", "clean_session": false, "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "site", "count": 4, "clean_session": false, "keep_alive": 10, "connect_rate": 0,
              "publish": {"rate": 4, "qos": 1},
              "reconnect": {"initial_ms": 100, "maximum_ms": 400}}],
  "faults": [{"kind": "broker-restart", "at_ms": 1500, "down_ms": 300}]
})";

TEST(FleetBrokerRestart, TheEmbeddedBrokerLosesItsSessionsAndTheCheckerReportsIt) {
  auto broker = std::make_unique<broker::EmbeddedBroker>();
  const std::uint16_t port = broker->port();
  BrokerRestarts restarts(
      [&broker, port](std::uint32_t down_ms) {
        broker.reset();
        std::this_thread::sleep_for(milliseconds(down_ms));  // the fault's down time
        broker::BrokerOptions options;
        options.port = port;
        broker = std::make_unique<broker::EmbeddedBroker>(options);
        return BrokerRestartOutcome{true, "restarted"};
      },
      "test");
  runner::FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = 21;
  std::cout << "seed " << options.seed << "\n";
  options.broker_restarts = &restarts;
  const auto outcome = runner::run_fleet_scenario(runner::parse_fleet_scenario("restart.json", restarting_fleet), options);
  restarts.wait();
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;

  const auto log = restarts.to_json();
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0]["outcome"], "restarted");
  EXPECT_EQ(log[0]["at_s"], 1.5);
  EXPECT_EQ(outcome.results.stats["faults_by_kind"]["broker-restart"], 1) << "one fault event, for the broker";

  // Every persistent session came back to "session present 0": the broker forgot them.
  const auto& violations = outcome.results.violations;
  const auto lost = std::count_if(violations.begin(), violations.end(),
                                  [](const auto& violation) { return violation.statement == "MQTT-3.2.2-2"; });
  EXPECT_EQ(lost, 5) << "4 devices and the observer reconnected to a broker without their sessions";
  for (const auto& violation : violations) std::cout << violation.statement << " " << violation.message << "\n";
}

TEST(FleetBrokerRestart, WithoutAMethodTheRunGoesOnAndTheSkipIsNoted) {
  broker::EmbeddedBroker broker;
  BrokerRestarts none;
  runner::FleetRunOptions options;
  options.target = test_support::loopback_target(broker.port());
  options.seed = 22;
  options.broker_restarts = &none;
  const auto outcome = runner::run_fleet_scenario(runner::parse_fleet_scenario("restart.json", restarting_fleet), options);
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  EXPECT_TRUE(outcome.results.violations.empty()) << outcome.results.violations.front().message;
  EXPECT_EQ(outcome.results.stats["faults_by_kind"].value("broker-restart", 0), 0) << "nothing was done";
  EXPECT_EQ(none.to_json()[0]["outcome"], "skipped");
  bool noted = false;
  for (const auto& event : outcome.results.cases.at(0).history) {
    noted = noted || (event.kind == history::EventKind::note && event.detail.rfind("broker-restart skipped", 0) == 0);
  }
  EXPECT_TRUE(noted) << "the history says the restart was skipped";
}

}  // namespace
}  // namespace mqtt::simulator
