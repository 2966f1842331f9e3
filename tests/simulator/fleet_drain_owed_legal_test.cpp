// The drain's owed count (simulator/owed_deliveries.hpp) against brokers that legally owe less than the fleet
// asked for: a subscription granted QoS 0, a message the broker refused (5.0 PUBACK/PUBREC 0x87), and a 5.0
// subscription with retain-as-published, whose forwarded copies keep RETAIN 1. Each such run used to wait to its
// drain limit for deliveries nobody owed ("still arriving"); it now ends `nothing-owed` as soon as the last owed
// one is in. A broker that really withholds what it owes is still waited for to the limit, then judged by the model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
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

// 2 devices at 8 messages/s for 1 s, an observer of their telemetry; the drain may last 5 s, which a run that
// waits for nothing owed never comes near.
std::string fleet(const std::string& observer, const std::string& devices) {
  return R"({
  "name": "owed-legal",
  "duration_ms": 1000,
  "settle_ms": 500,
  "drain_ms": 5000,
  "observers": [{"name": "backend", )" + observer + R"(}],
  "groups": [{"name": "cell", "count": 2, "connect_rate": 0, )" + devices + R"(}]
})";
}

FleetOutcome run(const std::string& scenario, std::uint16_t port) {
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = 61;
  return run_fleet_scenario(parse_fleet_scenario("owed-legal.json", scenario), options);
}

// Nothing was owed beyond what arrived: the drain ended at its first looks, not at its limit, without a warning.
void expect_nothing_owed(const FleetOutcome& outcome) {
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto drain = drain_of(outcome);
  std::cout << outcome.results.stats["messages"].dump() << "\n" << drain.dump() << "\n";
  for (const auto& violation : outcome.results.violations) {
    ADD_FAILURE() << violation.statement << " " << violation.message;
  }
  EXPECT_GT(outcome.results.stats["messages"]["published"].get<int>(), 0);
  EXPECT_EQ(drain.value("counting", ""), "exact") << drain.value("fallback", "");
  EXPECT_EQ(drain.value("stopped_by", ""), "nothing-owed");
  EXPECT_EQ(drain.value("owed", -1), 0);
  EXPECT_LT(drain.value("drained_ms", 0.0), 1000) << "it waited for deliveries nobody owed";
  const auto warnings = results::run_warnings(outcome.results);
  EXPECT_TRUE(warnings.empty()) << testing::PrintToString(warnings);
}

// SUBACK return code 0 for a QoS 1 request (the embedded broker's grant-max-qos-0 variation): every delivery is
// QoS 0, which may legally be lost, so nothing is owed.
TEST(FleetDrainOwedLegal, ASubscriptionGrantedQos0IsOwedNothing) {
  broker::BrokerOptions options;
  options.variations.insert(broker::Variation::grant_max_qos_0);
  broker::EmbeddedBroker broker(options);
  const auto outcome = run(fleet(R"("subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}])",
                                 R"("publish": {"rate": 8, "qos": [0, 1, 1]})"),
                           broker.port());
  expect_nothing_owed(outcome);
}

// mosquitto refuses a publish its ACL denies with PUBACK (QoS 1) or PUBREC (QoS 2) reason code 0x87 to a 5.0
// client: the broker took nothing, so it owes the observer nothing. Both of the fleet's paths: QoS 1 from the tick
// queue (the session's acknowledgement listener), QoS 2 as a request.
TEST(FleetDrainOwedLegal, MessagesTheBrokerRefusedAreOwedNothing) {
  const auto acl = std::filesystem::temp_directory_path() / ("mqtt-harness-acl-" + std::to_string(::getpid()));
  std::ofstream(acl) << "topic read #\n";  // anyone may subscribe, nobody may publish
  auto options = unlimited_inflight();
  options.extra_config_lines.push_back("acl_file " + acl.string());
  test_support::MosquittoBroker broker(options);
  const auto outcome = run(fleet(R"("subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}])",
                                 R"("mqtt": "5.0", "publish": {"rate": 8, "qos": [0, 1, 1]})"),
                           broker.port());
  std::filesystem::remove(acl);
  expect_nothing_owed(outcome);
  EXPECT_GT(drain_of(outcome).value("refused_not_owed", 0), 0);
}

// 5.0 retain-as-published: the devices' retained telemetry reaches the observer with RETAIN 1, and each such copy is
// the forwarded delivery it is owed (not a retained copy on subscribing).
TEST(FleetDrainOwedLegal, ForwardedCopiesUnderRetainAsPublishedAreTheDeliveries) {
  test_support::MosquittoBroker broker(unlimited_inflight());
  const auto outcome =
      run(fleet(R"("mqtt": "5.0", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1, "retain_as_published": true}])",
                R"("publish": {"rate": 8, "qos": [0, 1, 1], "retain": true})"),
          broker.port());
  expect_nothing_owed(outcome);
  EXPECT_EQ(drain_of(outcome).value("retained_not_counted", -1), 0);
}

// The other side: a broker that acknowledges QoS 1 messages and forwards them to nobody (the embedded broker's
// drop-qos1-delivery defect) is owed them to the drain's limit; the warning says how many, to whom, and the model
// (not the drain) judges them.
TEST(FleetDrainOwedLegal, ABrokerThatWithholdsWhatItOwesIsWaitedForToTheLimitThenJudged) {
  broker::BrokerOptions options;
  options.defects.insert(broker::Defect::drop_qos1_delivery);
  broker::EmbeddedBroker broker(options);
  auto scenario = fleet(R"("subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}])",
                        R"("publish": {"rate": 8, "qos": 1})");
  scenario.replace(scenario.find("\"drain_ms\": 5000"), 16, "\"drain_ms\": 1000");
  const auto outcome = run(scenario, broker.port());
  ASSERT_TRUE(outcome.unreachable.empty()) << outcome.unreachable;
  const auto drain = drain_of(outcome);
  std::cout << outcome.results.stats["messages"].dump() << "\n" << drain.dump() << "\n";
  EXPECT_EQ(drain.value("stopped_by", ""), "cap");
  EXPECT_EQ(drain.value("counting", ""), "exact");
  const auto owed = drain.value("owed", 0);
  EXPECT_GT(owed, 0);
  EXPECT_EQ(drain.value("still_arriving", true), false) << "nothing was on its way";
  ASSERT_TRUE(drain.contains("owed_to"));
  EXPECT_EQ(drain["owed_to"].size(), 1u);
  const auto warnings = results::run_warnings(outcome.results);
  const std::string expected = "the drain limit (1.0 s after the settle time) ended the run with " +
                               std::to_string(owed) + " QoS 1/2 deliveries still owed (" +
                               drain["owed_to"].begin().key() + ": " + std::to_string(owed) + "); 0 arrived";
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [&](const std::string& warning) {
    return warning.rfind(expected, 0) == 0;
  })) << expected << "\n" << testing::PrintToString(warnings);
  const auto& violations = outcome.results.violations;
  EXPECT_TRUE(std::any_of(violations.begin(), violations.end(), [](const auto& violation) {
    return violation.statement == "MQTT-4.5.0-1";
  })) << "the model judges the withheld deliveries";
}

}  // namespace
}  // namespace mqtt::runner
