// simulate, replay and inspect share conform's rules: a target that takes no part is one line and exit 3,
// --accepted works on any results (here: an entry that matches nothing is reported as stale), and -o '' or
// --no-report keeps the verdict and the exit code but writes no file.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "cli/exit_codes.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/scripted_server.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::cli {
namespace {

using reports::testing::ChildOptions;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

const std::string source = MQTT_SOURCE_DIRECTORY;

TEST(JudgingCommands, SimulateAgainstATargetRefusingEveryConnectIsOneLineAndExitThree) {
  test_support::ScriptedServer server(test_support::ServerScript::connack(5));
  const TemporaryDirectory directory("mqtt-cli-simulate");
  const auto run = run_child({MQTT_HARNESS_BINARY, "simulate", source + "/scenarios/fleet/persistent-offline-queue.json",
                              "--target", server.url(), "--duration", "2", "--scale", "0.05", "--seed", "3", "-o",
                              (directory.path() / "report").string()},
                             ChildOptions{.deadline = std::chrono::seconds(100)});
  EXPECT_EQ(run.exit_code, exit_unreachable) << run.output << run.errors;
  EXPECT_NE(run.errors.find("mqtt-harness simulate: target refused CONNECT: return code 5 (not authorized) — check "
                            "the credentials (-u, -P, --password-file or user:password@ in --target)"),
            std::string::npos)
      << run.errors;
}

TEST(JudgingCommands, ReplayAgainstATargetResettingEverySessionIsOneLineAndExitThree) {
  test_support::ScriptedServer server(test_support::ServerScript::send_then_reset({}));
  const auto run = run_child({MQTT_HARNESS_BINARY, "replay", source + "/tests/capture/data/mosquitto-v311-v5.pcap",
                              "--target", server.url(), "--as-fast-as-possible", "--settle", "0.2", "-o", ""},
                             ChildOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_EQ(run.exit_code, exit_unreachable) << run.output << run.errors;
  EXPECT_NE(run.errors.find("mqtt-harness replay: target reset the connection before answering CONNECT"),
            std::string::npos)
      << run.errors;
}

TEST(JudgingCommands, InspectTakesAcceptedDeviationsAndReportsAStaleEntry) {
  const TemporaryDirectory directory("mqtt-cli-inspect");
  const auto file = directory.path() / "accepted.json";
  std::ofstream(file) << R"({"accepted": [{"statement": "MQTT-3.3.5-1", "reason": "one copy only"}]})";
  const auto run = run_child({MQTT_HARNESS_BINARY, "inspect", source + "/tests/capture/data/mosquitto-v311-v5.pcap",
                              "--accepted", file.string(), "-o", ""},
                             ChildOptions{.deadline = std::chrono::seconds(60)});
  // The file is read (not bad input) whatever the capture's verdict, and its entry that matched nothing is stale.
  EXPECT_NE(run.exit_code, exit_bad_input) << run.errors;
  EXPECT_NE(run.output.find("warning: stale accepted deviation MQTT-3.3.5-1 (" + file.string() + ":1:15)"),
            std::string::npos)
      << run.output;

  std::ofstream(file) << R"({"accepted": [{"statement": "MQTT-3.3.5-1"}]})";
  const auto bad = run_child({MQTT_HARNESS_BINARY, "inspect", source + "/tests/capture/data/mosquitto-v311-v5.pcap",
                              "--accepted", file.string(), "-o", ""},
                             ChildOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_EQ(bad.exit_code, exit_bad_input);
  EXPECT_NE(bad.errors.find("missing required key \"reason\""), std::string::npos) << bad.errors;
}

// Each judging command run in an empty folder with -o '' and with --no-report: its usual verdict line and exit
// code, and the folder stays empty (the default report folder is not made either).
TEST(JudgingCommands, NoReportWritesNoFileAndKeepsTheVerdict) {
  test_support::MosquittoBroker broker;
  const std::string capture = source + "/tests/capture/data/mosquitto-v311-v5.pcap";
  struct Command {
    std::vector<std::string> arguments;
    std::string verdict_text;  // in the summary on stdout
  };
  const std::vector<Command> commands = {
      {{"conform", "--filter", "connect.*", "--seed", "4"}, " cases: "},
      {{"inspect", capture}, "verdict: "},
      {{"replay", capture, "--target", broker.url(), "--as-fast-as-possible", "--settle", "0.2", "--seed", "4"},
       "verdict: "},
  };
  for (const auto& command : commands) {
    const auto expected_exit = [&] {
      const TemporaryDirectory reference("mqtt-cli-reference");
      auto arguments = command.arguments;
      arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
      arguments.insert(arguments.end(), {"-o", (reference.path() / "out").string()});
      const auto run = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(100)});
      EXPECT_TRUE(std::filesystem::exists(reference.path() / "out" / "results.json")) << command.arguments[0];
      return run.exit_code;
    }();
    for (const std::vector<std::string>& option : {std::vector<std::string>{"-o", ""}, {"--no-report"}}) {
      const TemporaryDirectory work("mqtt-cli-no-report");
      auto arguments = command.arguments;
      arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
      arguments.insert(arguments.end(), option.begin(), option.end());
      const auto run = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(100),
                                                          .working_directory = work.path()});
      const std::string label = command.arguments[0] + " " + option[0];
      EXPECT_EQ(run.exit_code, expected_exit) << label << "\n" << run.output << run.errors;
      EXPECT_NE(run.output.find(command.verdict_text), std::string::npos) << label << "\n" << run.output;
      EXPECT_EQ(run.output.find("report:"), std::string::npos) << label << "\n" << run.output;
      EXPECT_EQ(run.errors.find("cannot write"), std::string::npos) << label << "\n" << run.errors;
      EXPECT_TRUE(std::filesystem::is_empty(work.path())) << label << " wrote files";
    }
  }
}

}  // namespace
}  // namespace mqtt::cli
