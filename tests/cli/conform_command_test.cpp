// `mqtt-harness conform` as a user runs it: a target that refuses, ignores or cannot be reached gives ONE line and
// exit 3 instead of a line per case; bad accepted-deviations files and empty selections are one line and exit 2.
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
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

ChildResult conform(const std::vector<std::string>& arguments, const TemporaryDirectory& directory) {
  std::vector<std::string> argv = {MQTT_HARNESS_BINARY, "conform", "--seed", "5", "-o",
                                   (directory.path() / "report").string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return run_child(argv, ChildOptions{.deadline = std::chrono::seconds(100)});
}

// stderr holds the one line; stdout only the run's closing summary (counts, target, report), no line per case.
void expect_one_line(const ChildResult& run, const std::string& line) {
  EXPECT_EQ(run.exit_code, exit_unreachable) << run.errors;
  EXPECT_EQ(lines_of(run.errors), (std::vector<std::string>{"mqtt-harness conform: " + line}));
  const auto output = lines_of(run.output);
  ASSERT_EQ(output.size(), 3u) << run.output;
  EXPECT_NE(output[0].find(" cases: "), std::string::npos) << output[0];
  EXPECT_TRUE(output[1].starts_with("target: ")) << output[1];
  EXPECT_TRUE(output[2].starts_with("report: ")) << output[2];
}

TEST(ConformCommand, TargetRefusingEveryConnectIsOneLineAndExitThree) {
  test_support::ScriptedServer server(test_support::ServerScript::connack(5));
  const TemporaryDirectory directory("mqtt-cli-refused");
  const auto run = conform({"--target", server.url()}, directory);
  expect_one_line(run, "target refused CONNECT: return code 5 (not authorized) — check the credentials (-u, -P, --password-file or "
                       "user:password@ in --target) or the profile");
}

TEST(ConformCommand, TargetClosingMidConnackIsOneLineAndExitThree) {
  test_support::ScriptedServer server(test_support::ServerScript::send_then_close({0x20, 0x02, 0x00}));
  const TemporaryDirectory directory("mqtt-cli-truncated");
  expect_one_line(conform({"--target", server.url()}, directory),
                  "target closed the connection before answering CONNECT");
}

TEST(ConformCommand, SilentTargetIsOneLineAndExitThree) {
  test_support::ScriptedServer server(test_support::ServerScript::silent());
  const TemporaryDirectory directory("mqtt-cli-silent");
  // Cases with a session only, so the run waits out one CONNECT deadline per case, 16 at a time.
  expect_one_line(conform({"--target", server.url(), "--filter", "publish.*,retain.*"}, directory),
                  "target did not answer CONNECT within 3000 ms");
}

TEST(ConformCommand, UnreachableTargetIsOneLineAndExitThree) {
  const std::string port = test_support::free_loopback_port();
  const TemporaryDirectory directory("mqtt-cli-unreachable");
  expect_one_line(conform({"--target", "mqtt://127.0.0.1:" + port}, directory),
                  "target unreachable: connection refused by 127.0.0.1:" + port);
}

TEST(ConformCommand, BadAcceptedFileAndEmptySelectionAreOneLineAndExitTwo) {
  const TemporaryDirectory directory("mqtt-cli-inputs");
  const auto file = directory.path() / "accepted.json";
  std::ofstream(file) << "{\"accepted\": [\n  {\"statement\": \"MQTT-2.2.2-2\", \"reason\": 7}]}";
  const auto bad = conform({"--accepted", file.string()}, directory);
  EXPECT_EQ(bad.exit_code, exit_bad_input);
  EXPECT_EQ(lines_of(bad.errors),
            (std::vector<std::string>{"mqtt-harness conform: " + file.string() +
                                      ":2:33: key \"accepted[0].reason\": must be a string"}));
  const auto nothing = conform({"--filter", "malformed.*", "--exclude", "malformed.*"}, directory);
  EXPECT_EQ(nothing.exit_code, exit_bad_input);
  EXPECT_EQ(lines_of(nothing.errors).size(), 1u) << nothing.errors;
  EXPECT_NE(nothing.errors.find("no MQTT 3.1.1 case is left to run"), std::string::npos) << nothing.errors;
}

TEST(ConformCommand, NegatedFilterRunsEverythingElseAndListsTheRestAsExcluded) {
  const TemporaryDirectory directory("mqtt-cli-negated");
  const auto run = conform({"--filter", "connect.*,!connect.client_id.*,!connect.will.*,!connect.password*,"
                            "!connect.username*,!connect.protocol*,!connect.first_packet.*",
                            "--exclude", "connect.flags.*", "--json"},
                           directory);
  EXPECT_EQ(run.exit_code, exit_passed) << run.errors;
  EXPECT_NE(run.output.find("\"id\": \"connect.accept.valid\""), std::string::npos);
  EXPECT_NE(run.output.find("\"message\": \"excluded\""), std::string::npos) << "excluded cases are listed as skipped";
  EXPECT_EQ(run.output.find("\"id\": \"retain."), std::string::npos) << "outside the filter: not listed";
}

TEST(ConformCommand, AcceptedDeviationsAreShownAndStaleOnesWarned) {
  // The embedded reference broker has none of mosquitto's deviations: the entry for the case that runs is stale.
  const TemporaryDirectory directory("mqtt-cli-stale");
  const auto run = conform({"--filter", "malformed.pingreq_flags", "--accepted",
                            std::string(MQTT_SOURCE_DIRECTORY) + "/ci/accepted/mosquitto-2.0.11.json"},
                           directory);
  EXPECT_EQ(run.exit_code, exit_passed) << "a stale entry is a warning, not a failure";
  EXPECT_NE(run.output.find("warning: stale accepted deviation MQTT-2.2.2-2 in malformed.pingreq_flags"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("malformed.puback_flags"), std::string::npos) << "entries for cases not run are not stale";
}

TEST(ConformCommand, AcceptedMosquittoDeviationsPassWithTheirReasonAndANewOneFails) {
  test_support::MosquittoBroker broker;
  const TemporaryDirectory directory("mqtt-cli-accepted");
  const std::string accepted = std::string(MQTT_SOURCE_DIRECTORY) + "/ci/accepted/mosquitto-2.0.11.json";
  const auto run = conform({"--target", broker.url(), "--filter", "malformed.pingreq_flags,malformed.puback_flags",
                            "--accepted", accepted},
                           directory);
  EXPECT_EQ(run.exit_code, exit_passed) << run.output << run.errors;
  EXPECT_NE(run.output.find("accepted MUST MQTT-2.2.2-2 in malformed.pingreq_flags"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("— accepted: mosquitto answers a PINGREQ whose reserved flags are 0001 with PINGRESP"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("2 accepted"), std::string::npos) << run.output;
  // Without the file the same deviations fail the run.
  const auto unaccepted = conform({"--target", broker.url(), "--filter", "malformed.pingreq_flags"}, directory);
  EXPECT_EQ(unaccepted.exit_code, exit_violations);
}

}  // namespace
}  // namespace mqtt::cli
