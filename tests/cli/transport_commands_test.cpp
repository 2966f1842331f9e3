// probe, conform, simulate and replay each run once over TLS (mqtts://, verified against a test CA) and once over
// WebSocket (ws://), against the embedded broker's listeners; results.json names the transport, --insecure is
// warned about and noted, and TLS failures and misplaced TLS options are one line with their exit codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>

#include "broker/broker.hpp"
#include "cli/exit_codes.hpp"
#include "support/test_pki.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::cli {
namespace {

using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

const std::string source = MQTT_SOURCE_DIRECTORY;

class TransportCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki = std::make_unique<test_support::TestPki>();
    broker::BrokerOptions options;
    options.listeners = {broker::Listener{broker::ListenerTransport::mqtts},
                         broker::Listener{broker::ListenerTransport::ws}};
    options.tls.certificate_file = pki->server.certificate;
    options.tls.key_file = pki->server.key;
    embedded = std::make_unique<broker::EmbeddedBroker>(options);
    mqtts = "mqtts://localhost:" + std::to_string(embedded->ports().at(0));
    ws = "ws://127.0.0.1:" + std::to_string(embedded->ports().at(1)) + "/mqtt";
  }
  static void TearDownTestSuite() {
    embedded.reset();
    pki.reset();
  }

  // Runs the command with `target` (and --cafile for mqtts), its report in a fresh directory; returns the run and
  // results.json.
  std::pair<ChildResult, nlohmann::json> run_with_report(std::vector<std::string> arguments,
                                                         const std::string& target) {
    arguments.insert(arguments.end(), {"--target", target, "-o", directory.path().string()});
    if (target.rfind("mqtts", 0) == 0) arguments.insert(arguments.end(), {"--cafile", pki->ca});
    arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
    const auto run = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(100)});
    std::ifstream file(directory.path() / "results.json");
    nlohmann::json results = file ? nlohmann::json::parse(file) : nlohmann::json::object();
    return {run, results};
  }

  static inline std::unique_ptr<test_support::TestPki> pki;
  static inline std::unique_ptr<broker::EmbeddedBroker> embedded;
  static inline std::string mqtts;
  static inline std::string ws;
  TemporaryDirectory directory{"mqtt-cli-transport"};
};

TEST_F(TransportCommands, ProbeOverTlsAndWebSocket) {
  const auto tls = run_child({MQTT_HARNESS_BINARY, "probe", mqtts, "--cafile", pki->ca, "-W", "0.3", "-v"});
  EXPECT_EQ(tls.exit_code, exit_passed) << tls.errors;
  EXPECT_NE(tls.output.find(" TLSv1."), std::string::npos) << tls.output;
  const auto websocket = run_child({MQTT_HARNESS_BINARY, "probe", ws, "-W", "0.3", "-v"});
  EXPECT_EQ(websocket.exit_code, exit_passed) << websocket.errors;
  EXPECT_NE(websocket.output.find(" WebSocket /mqtt"), std::string::npos) << websocket.output;
}

TEST_F(TransportCommands, ConformOverTlsAndWebSocket) {
  for (const auto& target : {mqtts, ws}) {
    const auto [run, results] = run_with_report({"conform", "--filter", "connect.*", "-q"}, target);
    EXPECT_EQ(run.exit_code, exit_passed) << target << "\n" << run.output << run.errors;
    EXPECT_EQ(results["transport"]["scheme"], target.substr(0, target.find(':'))) << results["transport"];
    EXPECT_GT(results["summary"]["passed"].get<int>(), 5) << results["summary"];
  }
}

// Byte-level faults (tiny segments from the start, latency, a reset) through the fault proxy, below TLS and WebSocket.
constexpr const char* faulty_fleet = R"({
  "name": "faults-under-transports",
  "duration_ms": 3000,
  "settle_ms": 1000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{
    "name": "cell", "count": 10, "keep_alive": 20,
    "publish": {"topic": "dtu/{id}/telemetry", "rate": 2, "payload_size": 96, "qos": [0, 1, 0]},
    "reconnect": {"initial_ms": 200, "maximum_ms": 1000, "multiplier": 2, "jitter": 0.5}
  }],
  "faults": [
    {"kind": "fragment", "group": "cell", "fraction": 0.5, "at_ms": 0, "duration_ms": 3000, "fragment_bytes": 3},
    {"kind": "latency", "group": "cell", "fraction": 0.5, "at_ms": 500, "duration_ms": 1500, "latency_ms": 100},
    {"kind": "close", "group": "cell", "fraction": 0.2, "at_ms": 1000, "reset": true}
  ]
})";

TEST_F(TransportCommands, SimulateWithFaultsOverTlsAndWebSocket) {
  const TemporaryDirectory scenario_directory("mqtt-cli-transport-scenario");
  const auto scenario = scenario_directory.path() / "faults.json";
  std::ofstream(scenario) << faulty_fleet;
  for (const auto& target : {mqtts, ws}) {
    const auto [run, results] = run_with_report({"simulate", scenario.string(), "--seed", "7", "-q"}, target);
    EXPECT_EQ(run.exit_code, exit_passed) << target << "\n" << run.output << run.errors;
    EXPECT_EQ(results["transport"]["scheme"], target.substr(0, target.find(':')));
    // Every faulted device's TLS or WebSocket stream went through the proxy, and the fleet still delivered.
    EXPECT_GT(results["stats"]["fault_layer"]["links"].get<int>(), 5) << results["stats"].dump();
    EXPECT_GT(results["stats"]["fault_layer"]["bytes_upstream"].get<int>(), 0) << results["stats"].dump();
  }
}

TEST_F(TransportCommands, ReplayOverTlsAndWebSocket) {
  for (const auto& target : {mqtts, ws}) {
    const auto [run, results] = run_with_report(
        {"replay", source + "/tests/capture/data/mosquitto-v311-v5.pcap", "--as-fast-as-possible", "--settle", "0.2"},
        target);
    EXPECT_NE(run.exit_code, exit_unreachable) << target << "\n" << run.output << run.errors;
    EXPECT_NE(run.exit_code, exit_bad_input) << target << "\n" << run.errors;
    EXPECT_EQ(results["transport"]["scheme"], target.substr(0, target.find(':')));
    EXPECT_EQ(results["stats"]["replay"]["open_failures"], 0) << results["stats"]["replay"];
  }
}

TEST_F(TransportCommands, InsecureIsWarnedAboutAndNotedInResults) {
  const std::string by_address = "mqtts://127.0.0.1:" + std::to_string(embedded->ports().at(0));
  const auto run = run_child({MQTT_HARNESS_BINARY, "conform", "--target", by_address, "--insecure", "--filter",
                              "connect.*", "-q", "-o", directory.path().string()},
                             ChildOptions{.deadline = std::chrono::seconds(100)});
  EXPECT_EQ(run.exit_code, exit_passed) << run.errors;
  EXPECT_NE(run.errors.find("WARNING: --insecure: the server's certificate and host name are NOT verified"),
            std::string::npos)
      << run.errors;
  std::ifstream file(directory.path() / "results.json");
  const auto results = nlohmann::json::parse(file);
  EXPECT_EQ(results["transport"]["tls"]["verification"], "none (--insecure)");
  EXPECT_EQ(results["transport"]["warnings"].size(), 1u);
}

TEST_F(TransportCommands, TlsFailureIsOneLineAndExitThree) {
  const auto run = run_child({MQTT_HARNESS_BINARY, "probe", mqtts, "--cafile", pki->other_ca, "-W", "0.3"});
  EXPECT_EQ(run.exit_code, exit_unreachable);
  EXPECT_EQ(std::count(run.errors.begin(), run.errors.end(), '\n'), 1) << run.errors;
  EXPECT_NE(run.errors.find("not signed by an authority the harness trusts"), std::string::npos) << run.errors;
  const auto conform = run_child({MQTT_HARNESS_BINARY, "conform", "--target", mqtts, "--filter", "connect.*",
                                  "-o", directory.path().string()},
                                 ChildOptions{.deadline = std::chrono::seconds(100)});
  EXPECT_EQ(conform.exit_code, exit_unreachable) << conform.output << conform.errors;
  EXPECT_NE((conform.output + conform.errors).find("not signed by an authority the harness trusts"),
            std::string::npos)
      << conform.output << conform.errors;
}

TEST_F(TransportCommands, TlsOptionsNeedATlsTargetAndReadableFiles) {
  const auto plain = run_child({MQTT_HARNESS_BINARY, "probe", ws, "--cafile", pki->ca});
  EXPECT_EQ(plain.exit_code, exit_bad_input);
  EXPECT_NE(plain.errors.find("the TLS options (--cafile, --cert, --insecure, ...) need an mqtts:// or wss:// target"),
            std::string::npos)
      << plain.errors;
  const auto missing = run_child({MQTT_HARNESS_BINARY, "probe", mqtts, "--cafile", "/nonexistent/ca.pem"});
  EXPECT_EQ(missing.exit_code, exit_bad_input);
  EXPECT_EQ(missing.errors,
            "mqtt-harness probe: --cafile /nonexistent/ca.pem: cannot read it: No such file or directory\n");
}

}  // namespace
}  // namespace mqtt::cli
