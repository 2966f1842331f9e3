// The MQTT 5.0 suite (scenarios/conformance/v5-*.json) against Debian's mosquitto 2.0.11: every case runs as 5.0
// and none is a harness error; and the client honours what the broker declares in its CONNACK, so a broker
// configured with Maximum QoS 1 or without retained messages gets those cases inconclusive with the reason,
// never failed. (Which verdicts mosquitto earns is the model's business: docs/mosquitto-deviations.md.)
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "runner/conformance.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

ConformanceOptions five_options(const test_support::MosquittoBroker& broker, const std::string& filter) {
  ConformanceOptions options;
  options.target = broker.url();
  options.mqtt_version = "5.0";
  options.filter = filter;
  options.jobs = 4;
  options.seed = 5005;
  std::printf("seed %llu\n", static_cast<unsigned long long>(*options.seed));
  return options;
}

const results::CaseResult& case_named(const results::Results& results, const std::string& id) {
  for (const auto& one : results.cases) {
    if (one.id == id) return one;
  }
  throw std::runtime_error("no case " + id);
}

TEST(Mqtt5SuiteRun, EveryFiveCaseRunsAsFiveAgainstMosquittoWithoutAHarnessError) {
  test_support::MosquittoBroker broker;
  const auto started = std::chrono::steady_clock::now();
  const auto results = run_conformance(five_options(broker, "*"));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_GE(results.cases.size(), 100u);
  std::size_t passed = 0;
  for (const auto& one : results.cases) {
    EXPECT_TRUE(one.id.starts_with("v5.")) << one.id;
    EXPECT_NE(one.verdict, results::Verdict::error) << one.id << ": " << one.message;
    if (one.verdict == results::Verdict::passed) ++passed;
    for (const auto& event : one.history) {
      if (event.kind == history::EventKind::sent && event.packet && std::holds_alternative<Connect>(*event.packet) &&
          event.actor != "cleanup") {
        EXPECT_EQ(std::get<Connect>(*event.packet).version, ProtocolVersion::v5) << one.id;
      }
    }
  }
  // Every claim of a 5.0 case is a statement the model judges, and mosquitto gives each case what it needs to
  // exercise them: no case may be inconclusive because its history left a claimed statement unexercised (a case
  // that is is vacuous against a real broker, whatever its verdict elsewhere).
  for (const auto& one : results.cases) {
    EXPECT_FALSE(one.verdict == results::Verdict::inconclusive &&
                 one.message.find("never exercised") != std::string::npos)
        << one.id << ": " << one.message;
  }
  EXPECT_EQ(case_named(results, "v5.connect.accepted").verdict, results::Verdict::passed);
  EXPECT_GE(passed, 90u);
  EXPECT_LT(seconds, 60.0);
}

TEST(Mqtt5SuiteRun, ABrokerDeclaringMaximumQos1GetsTheQos2CaseInconclusiveNotFailed) {
  test_support::MosquittoOptions options;
  options.extra_config_lines = {"max_qos 1"};
  test_support::MosquittoBroker broker(options);
  const auto results = run_conformance(five_options(broker, "v5.reason_codes.qos2_flow"));
  const auto& one = case_named(results, "v5.reason_codes.qos2_flow");
  EXPECT_EQ(one.verdict, results::Verdict::inconclusive) << one.message;
  EXPECT_EQ(one.message, "client 'client' did not send its PUBLISH: QoS 2 is above the target's Maximum QoS 1");
}

TEST(Mqtt5SuiteRun, ABrokerWithoutRetainedMessagesGetsTheRetainCaseInconclusiveNotFailed) {
  test_support::MosquittoOptions options;
  options.extra_config_lines = {"retain_available false"};
  test_support::MosquittoBroker broker(options);
  const auto results = run_conformance(five_options(broker, "v5.subscribe.retained_store"));
  const auto& one = case_named(results, "v5.subscribe.retained_store");
  EXPECT_EQ(one.verdict, results::Verdict::inconclusive) << one.message;
  EXPECT_EQ(one.message, "client 'pub' did not send its PUBLISH: the target declares Retain Available 0");
}

}  // namespace
}  // namespace mqtt::runner
