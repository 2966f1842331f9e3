// The drain's owed count (simulator/owed_deliveries.hpp) with wills and clean-session observers, against a real
// mosquitto and the embedded broker. Both cases used to fall back to the quiet rule (wait for a quiet interval, up
// to the drain limit): now a run whose wills and deliveries are all in ends `nothing-owed` at once, a 5.0 will is
// waited for until its delay ran out, and a broker that withholds a will is waited for to the limit, then judged.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

#include "broker/broker.hpp"
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

// 2 devices publishing QoS 1 telemetry for 1 s, each leaving once without DISCONNECT (abrupt churn, after 300 ms
// on average) and not coming back before the end; an observer of their telemetry and wills. `devices` adds to the
// group (version, will), `extra` to the scenario (faults).
std::string fleet(const std::string& observer, const std::string& devices, const std::string& extra = "",
                  int drain_ms = 5000) {
  return R"({
  "name": "owed-wills",
  "duration_ms": 1000,
  "settle_ms": 500,
  "drain_ms": )" + std::to_string(drain_ms) + R"(,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1},
                                                      {"filter": "dtu/+/gone", "qos": 1}])" + observer + R"(}],
  "groups": [{"name": "cell", "count": 2, "connect_rate": 0, "publish": {"rate": 8, "qos": 1},
              "churn": {"fraction": 1, "online_ms": 300, "offline_ms": 600000, "abrupt": true})" + devices + R"(}])" +
         extra + R"(
})";
}

const std::string will_qos1 = R"(, "will": {"topic": "dtu/{id}/gone", "payload": "gone", "qos": 1})";

FleetOutcome run(const std::string& scenario, std::uint16_t port) {
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = 66;
  return run_fleet_scenario(parse_fleet_scenario("owed-wills.json", scenario), options);
}

// Everything owed arrived and the drain saw it at once: no quiet interval, no warning, nothing judged wrong.
void expect_nothing_owed(const FleetOutcome& outcome) {
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto drain = drain_of(outcome);
  std::cout << outcome.results.stats["messages"].dump() << "\n"
            << outcome.results.stats.value("wills", nlohmann::json()).dump() << "\n" << drain.dump() << "\n";
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  EXPECT_EQ(drain.value("counting", ""), "exact") << drain.value("fallback", "");
  EXPECT_EQ(drain.value("stopped_by", ""), "nothing-owed");
  EXPECT_EQ(drain.value("owed", -1), 0);
  const auto warnings = results::run_warnings(outcome.results);
  EXPECT_TRUE(warnings.empty()) << testing::PrintToString(warnings);
}

// The scenario against a real mosquitto, then against the embedded broker; `check` judges each outcome.
template <typename Check>
void on_both_brokers(const std::string& scenario, Check check) {
  {
    SCOPED_TRACE("mosquitto");
    test_support::MosquittoBroker broker(unlimited_inflight());
    check(run(scenario, broker.port()));
  }
  SCOPED_TRACE("embedded broker");
  broker::EmbeddedBroker broker;
  check(run(scenario, broker.port()));
}

// Each device that left before the end (how many of the 2 is the seed's draw) owed the observer its will, which came.
void expect_every_will_due_owed_and_delivered(const FleetOutcome& outcome) {
  const auto& wills = outcome.results.stats["wills"];
  const auto due = wills.value("due", 0);
  EXPECT_GT(due, 0);
  EXPECT_EQ(drain_of(outcome).value("wills_owed", 0), due);
  EXPECT_EQ(wills.value("delivered", 0), due);
}

// Devices that leave without DISCONNECT: their wills are owed to the observer at once, and counted.
TEST(FleetDrainOwedWills, WillsOfDevicesThatLeftWithoutDisconnectAreOwedAndCounted) {
  on_both_brokers(fleet("", will_qos1), [](const FleetOutcome& outcome) {
    expect_nothing_owed(outcome);
    expect_every_will_due_owed_and_delivered(outcome);
    EXPECT_LT(drain_of(outcome).value("drained_ms", 0.0), 1000) << "it waited for deliveries nobody owed";
  });
}

// 5.0 Will Delay of 2 s: the wills come 2 s after the devices left, past the settle time's end (1.5 s) and past a
// quiet interval after it; the drain waits for them, then ends at once.
TEST(FleetDrainOwedWills, A50WillIsWaitedForUntilItsDelayRanOut) {
  const auto scenario = fleet(R"(, "mqtt": "5.0")", R"(, "mqtt": "5.0", "session_expiry": 60,
                                    "will": {"topic": "dtu/{id}/gone", "payload": "gone", "qos": 1, "delay": 2})");
  on_both_brokers(scenario, [](const FleetOutcome& outcome) {
    expect_nothing_owed(outcome);
    expect_every_will_due_owed_and_delivered(outcome);
    const auto drained_ms = drain_of(outcome).value("drained_ms", 0.0);
    EXPECT_GT(drained_ms, 200) << "the wills were due after the settle time";
    EXPECT_LT(drained_ms, 3000);
  });
}

// A clean-session observer whose link the network cuts at 400 ms comes back with a new session: what was published
// while it was away, and what its old session was still owed, are not owed to it; the rest is, and arrives.
TEST(FleetDrainOwedWills, ACleanObserverThatReconnectsIsCountedExactly) {
  const std::string cut = R"(,
  "faults": [{"kind": "close", "group": "backend", "at_ms": 400, "reset": true}])";
  on_both_brokers(fleet(R"(, "reconnect": {"initial_ms": 100, "jitter": 0})", "", cut), [](const FleetOutcome& outcome) {
    expect_nothing_owed(outcome);
    EXPECT_EQ(outcome.results.stats["fleet"].value("connections", 0), 4) << "the observer connected twice";
    EXPECT_LT(drain_of(outcome).value("drained_ms", 0.0), 1000) << "it waited for deliveries nobody owed";
  });
}

// The embedded broker's no-will defect publishes no will: each is owed to the drain's limit, the warning names
// them, and the model (not the drain) judges them under the will's statement.
TEST(FleetDrainOwedWills, ABrokerThatWithholdsAWillIsWaitedForToTheLimitThenJudged) {
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::no_will);
  broker::EmbeddedBroker broker(options);
  const auto outcome = run(fleet("", will_qos1, "", 1000), broker.port());
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto drain = drain_of(outcome);
  std::cout << drain.dump() << "\n";
  EXPECT_EQ(drain.value("stopped_by", ""), "cap");
  EXPECT_EQ(drain.value("counting", ""), "exact") << drain.value("fallback", "");
  const auto due = outcome.results.stats["wills"].value("due", 0);
  EXPECT_GT(due, 0);
  EXPECT_EQ(drain.value("owed", 0), due) << "every will due, and nothing else";
  ASSERT_TRUE(drain.contains("owed_to"));
  ASSERT_EQ(drain["owed_to"].size(), 1u);
  EXPECT_EQ(drain["owed_to"].begin().value(), due);
  const std::string expected = std::to_string(due) + (due == 1 ? " QoS 1/2 delivery" : " QoS 1/2 deliveries") +
                               " still owed (" + drain["owed_to"].begin().key() + ": " + std::to_string(due) + ")";
  const auto warnings = results::run_warnings(outcome.results);
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [&](const std::string& warning) {
    return warning.find(expected) != std::string::npos;
  })) << expected << "\n" << testing::PrintToString(warnings);
  const auto& violations = outcome.results.violations;
  EXPECT_TRUE(std::any_of(violations.begin(), violations.end(), [](const auto& violation) {
    return violation.statement == "MQTT-3.1.2-8";
  })) << "the model judges the withheld wills";
}

}  // namespace
}  // namespace mqtt::runner
