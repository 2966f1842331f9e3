// `mqtt-harness simulate` refusing a run: one line naming the fault, and its exit code, before it starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/mosquitto_broker.hpp"
#include "simulate_command_fixture.hpp"

namespace simulate_command_test {
namespace {

TEST_F(SimulateCommand, BrokenScenarioIsOneLineNamingThePlaceAndExitsTwo) {
  const auto scenario =
      write("broken.json", "{\"name\": \"x\",\n \"groups\": [{\"name\": \"a\", \"count\": -1}]}");
  const auto ran = run("simulate " + scenario);
  EXPECT_EQ(ran.exit_code, 2);
  EXPECT_NE(ran.output.find(scenario + ":2:"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("groups[0].count"), std::string::npos) << ran.output;
  EXPECT_EQ(ran.output.find('\n'), ran.output.size() - 1) << "one line: " << ran.output;
}

TEST_F(SimulateCommand, UnreachableTargetExitsThree) {
  const auto scenario = write("outage.json", outage);
  const auto port = mqtt::test_support::free_loopback_port();
  const auto ran = run("simulate " + scenario + " --target mqtt://127.0.0.1:" + port + " --report-dir " +
                       (directory / "report").string());
  EXPECT_EQ(ran.exit_code, 3) << ran.output;
  EXPECT_NE(ran.output.find("unreachable"), std::string::npos) << ran.output;
}

TEST_F(SimulateCommand, WrongCredentialsAreOneLineAndExitThreeNotAPass) {
  mqtt::test_support::MosquittoOptions options;
  options.allow_anonymous = false;
  options.users = {{"alice", "secret"}};
  mqtt::test_support::MosquittoBroker broker(options);
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 4 --quiet --target " +
                       broker.url_with_credentials("alice", "wrong") + " --report-dir " + report.string());
  EXPECT_EQ(ran.exit_code, 3) << ran.output;
  EXPECT_EQ(ran.output,
            "mqtt-harness simulate: target refused CONNECT: return code 5 (not authorized) — check the credentials "
            "(-u, -P, --password-file or user:password@ in --target)\n");
  const auto results = load_json(report / "results.json");
  ASSERT_FALSE(results.is_null());
  EXPECT_EQ(results["cases"][0]["verdict"], "inconclusive");
  EXPECT_EQ(results["summary"]["passed"], 0);

  const auto right = run("simulate " + scenario + " --seed 4 --quiet --target " +
                         broker.url_with_credentials("alice", "secret") + " --report-dir " + report.string());
  EXPECT_EQ(right.exit_code, 0) << right.output;
}

TEST_F(SimulateCommand, AFleetThatPublishesNothingIsInconclusiveAndExitsFive) {
  const auto scenario = write("quiet.json", quiet);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 5 --report-dir " + report.string());
  EXPECT_EQ(ran.exit_code, 5) << ran.output;
  EXPECT_NE(ran.output.find("inconclusive: nothing was published or delivered"), std::string::npos) << ran.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["cases"][0]["verdict"], "inconclusive");
  EXPECT_EQ(results["summary"]["inconclusive"], 1);
  EXPECT_EQ(results["stats"]["fleet"]["inconclusive"].size(), 1u);
}
// Each of these would have run and reported "0 violations" for what it never exercised, or crashed: they are one
// line naming the number or the scenario event, and exit 2, before anything starts.
TEST_F(SimulateCommand, ARunThatCannotFitIsRefusedBeforeItStarts) {
  const std::string storm = std::string(MQTT_HARNESS_SOURCE_DIR) + "/scenarios/fleet/reconnect-storm.json";
  struct Refused {
    std::string arguments;
    std::string expected;  // a piece of the one line
  };
  const std::vector<Refused> refused = {
      {"simulate " + storm + " --duration 8",
       "mqtt-harness simulate: --duration 8: the partition fault on \"fleet\" (faults[1]) ends at 8.0 s"},
      // A unit turns into seconds before the checks: 0.002 h is 7.2 s.
      {"simulate " + storm + " --duration 0.002h",
       "mqtt-harness simulate: --duration 7.2: the partition fault on \"fleet\" (faults[1]) ends at 8.0 s"},
      {"simulate " + storm + " --duration nan", "--duration: 'nan' is not a finite number from 0.1 to 604800"},
      {"simulate " + storm + " --duration 8d", "--duration: '691200' is not a finite number from 0.1 to 604800"},
      {"simulate " + storm + " --duration h", "--duration: 'h' is not a duration (seconds, or a number with s, m, h"},
      {"simulate " + storm + " --duration 1e300", "--duration: '1e300' is not a finite number"},
      {"simulate " + storm + " --scale inf", "--scale: 'inf' is not a finite number from 0.0001 to 1000"},
      {"simulate " + storm + " --scale 1000",
       "--scale 1000: the connect ramp of group \"fleet\" (1000000 devices at 500/s from 0.0 s)"},
      // 5,000 devices behind the fault proxy and the embedded broker need about 20,000 descriptors.
      {"sh -c 'ulimit -n 4096 && " + std::string(MQTT_HARNESS_BINARY) + " simulate " + storm + " --scale 5'",
       "--scale 5: 5000 devices and 1 observer(s) need about 20066 open files (5000 of them behind the fault proxy "
       "at 3 each), above the open-file limit of 4096 (ulimit -n): use a smaller --scale, or --shard I/N with N of "
       "at least 5"},
  };
  for (const auto& item : refused) {
    const auto ran = run(item.arguments);
    EXPECT_EQ(ran.exit_code, 2) << item.arguments << "\n" << ran.output;
    EXPECT_NE(ran.output.find(item.expected), std::string::npos) << item.arguments << "\n" << ran.output;
    EXPECT_EQ(ran.output.find("simulating"), std::string::npos) << "nothing may start: " << ran.output;
  }
  const auto v31 = write("v31.json", R"({"name": "old", "groups": [{"name": "a", "count": 3, "mqtt": "3.1",
                                          "client_id": "a-long-device-name-{n}"}]})");
  const auto ran = run("simulate " + v31 + " --seed 1");
  EXPECT_EQ(ran.exit_code, 2) << ran.output;
  EXPECT_NE(ran.output.find("speaks MQTT 3.1, whose brokers refuse client ids over 23 characters"), std::string::npos)
      << ran.output;
}

// Numbers that are not finite, or absurd, are one line and exit 2 in every command that takes seconds or rates
// (CLI::Range alone let "nan" through, and 1e300 seconds overflowed the clock: "fails instantly").
TEST_F(SimulateCommand, NumbersThatAreNotFiniteOrInRangeAreOneLineForEveryCommand) {
  const std::string capture = std::string(MQTT_HARNESS_SOURCE_DIR) + "/tests/capture/data/mosquitto-v311-v5.pcap";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"replay " + capture + " --target mqtt://127.0.0.1:1 --speed nan", "--speed: 'nan' is not a finite number"},
      {"replay " + capture + " --target mqtt://127.0.0.1:1 --answer-deadline 1e300",
       "--answer-deadline: '1e300' is not a finite number from 0.001 to 3600"},
      {"replay " + capture + " --target mqtt://127.0.0.1:1 --settle -1", "--settle: '-1' is not a finite number"},
      {"probe mqtt://127.0.0.1:1 --connect-timeout 1e300", "--connect-timeout: '1e300' is not a finite number"},
      {"probe mqtt://127.0.0.1:1 --duration inf", "--duration: 'inf' is not a finite number"},
  };
  for (const auto& [arguments, expected] : refused) {
    const auto ran = run(arguments);
    EXPECT_EQ(ran.exit_code, 2) << arguments << "\n" << ran.output;
    EXPECT_NE(ran.output.find(expected), std::string::npos) << arguments << "\n" << ran.output;
  }
}

}  // namespace
}  // namespace simulate_command_test
