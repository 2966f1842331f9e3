// conform and simulate without --target serve the embedded broker over the transport --embedded-transport
// names; TLS uses a certificate made for the run and verified by the harness. The fleet cases over ws are the
// regression test for a client write completing after an abort (a crash before the fix in
// AsyncConnection::write_loop).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::cli {
namespace {

using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

struct Ran {
  ChildResult run;
  nlohmann::json results;
};

Ran harness(std::vector<std::string> arguments) {
  const TemporaryDirectory directory("mqtt-cli-embedded-transport");
  arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
  arguments.insert(arguments.end(), {"-o", directory.path().string(), "--quiet", "--seed", "11"});
  const auto run = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(120)});
  std::ifstream file(directory.path() / "results.json");
  return {run, file ? nlohmann::json::parse(file) : nlohmann::json::object()};
}

TEST(EmbeddedTransport, ConformPassesOverEveryTransport) {
  for (const std::string transport : {"mqtts", "ws", "wss"}) {
    const auto [run, results] =
        harness({"conform", "--embedded-transport", transport, "--filter", "connect.*,fleet.*"});
    EXPECT_EQ(run.exit_code, exit_passed) << transport << ": " << run.errors;
    EXPECT_EQ(results["transport"]["scheme"], transport) << results["transport"].dump();
    EXPECT_NE(results["target"].get<std::string>().find("embedded reference broker (" + transport +
                                                        "://127.0.0.1:"),
              std::string::npos)
        << results["target"];
    if (transport != "ws") {
      EXPECT_NE(results["transport"]["tls"]["verification"].get<std::string>().find("--cafile"),
                std::string::npos)
          << "the run's certificate is verified, not skipped: " << results["transport"].dump();
    }
  }
}

TEST(EmbeddedTransport, SimulateRunsAFleetOverTls) {
  const TemporaryDirectory directory("mqtt-cli-embedded-fleet");
  const auto scenario = directory.path() / "fleet.json";
  std::ofstream(scenario) << R"({"name": "tls", "duration_ms": 500, "settle_ms": 300,
    "groups": [{"name": "site", "count": 4, "connect_rate": 0, "publish": {"rate": 5, "qos": 1}}]})";
  const auto [run, results] = harness({"simulate", scenario.string(), "--embedded-transport", "wss"});
  EXPECT_EQ(run.exit_code, exit_passed) << run.errors;
  EXPECT_EQ(results["transport"]["scheme"], "wss");
}

TEST(EmbeddedTransport, MisusesAreOneLineAndExitTwo) {
  const auto unknown = harness({"conform", "--embedded-transport", "quic"});
  EXPECT_EQ(unknown.run.exit_code, exit_bad_input);
  EXPECT_EQ(unknown.run.errors,
            "mqtt-harness conform: --embedded-transport quic: expected mqtt, mqtts, ws or wss\n");
  const auto with_target = harness({"conform", "--embedded-transport", "ws", "-L", "mqtt://127.0.0.1:1"});
  EXPECT_EQ(with_target.run.exit_code, exit_bad_input);
  EXPECT_EQ(with_target.run.errors,
            "mqtt-harness conform: --embedded-transport only applies to the embedded broker (no --target)\n");
  const auto tls_option =
      harness({"simulate", std::string(MQTT_SOURCE_DIRECTORY) + "/scenarios/fleet/flaky-cellular.json",
               "--embedded-transport", "mqtts", "--insecure"});
  EXPECT_EQ(tls_option.run.exit_code, exit_bad_input);
  EXPECT_NE(tls_option.run.errors.find("the TLS options need --target"), std::string::npos)
      << tls_option.run.errors;
}

}  // namespace
}  // namespace mqtt::cli
