// Credentials the way users pass them (-u, -P, --password-file, MQTT_HARNESS_PASSWORD), against the embedded
// broker requiring them: each way logs in, a wrong one is refused (exit 3), and every misuse is one line and
// exit 2 naming the problem, never the password.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "broker/broker.hpp"
#include "cli/exit_codes.hpp"
#include "tests/reports/child_process.hpp"

namespace mqtt::cli {
namespace {

using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

constexpr const char* password = "pw-9Kq2-credential";

class Credentials : public ::testing::Test {
 protected:
  Credentials()
      : broker_([] {
          broker::BrokerOptions options;
          options.credentials = std::map<std::string, std::string>{{"alice", password}};
          return options;
        }()),
        directory_("mqtt-cli-credentials") {}

  std::string url(const std::string& user_part = "") const {
    return "mqtt://" + user_part + "127.0.0.1:" + std::to_string(broker_.port());
  }
  // probe for 0.2 s: exit 0 once CONNACK 0 and SUBACK came, 3 when refused.
  ChildResult probe(std::vector<std::string> arguments, std::vector<std::string> environment = {}) const {
    arguments.insert(arguments.begin(), {MQTT_HARNESS_BINARY, "probe"});
    arguments.insert(arguments.end(), {"--duration", "0.2"});
    return run_child(arguments,
                     ChildOptions{.deadline = std::chrono::seconds(30), .environment = environment});
  }
  std::string file_holding(const std::string& name, const std::string& content) const {
    const auto file = directory_.path() / name;
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

  broker::EmbeddedBroker broker_;
  TemporaryDirectory directory_;
};

TEST_F(Credentials, EveryWayOfGivingThePasswordLogsIn) {
  EXPECT_EQ(probe({url("alice:" + std::string(password) + "@")}).exit_code, exit_passed);
  EXPECT_EQ(probe({"-L", url(), "-u", "alice", "-P", password}).exit_code, exit_passed);
  EXPECT_EQ(
      probe({url(), "-u", "alice", "--password-file", file_holding("line", std::string(password) + "\n")})
          .exit_code,
      exit_passed);
  EXPECT_EQ(probe({url(), "-u", "alice", "--password-file",
                   file_holding("crlf", std::string(password) + "\r\nx\n")})
                .exit_code,
            exit_passed);
  EXPECT_EQ(probe({url("alice@")}, {"MQTT_HARNESS_PASSWORD=" + std::string(password)}).exit_code,
            exit_passed);
  // -u replaces the URL's user name.
  EXPECT_EQ(probe({url("bob@"), "-u", "alice", "-P", password}).exit_code, exit_passed);
}

TEST_F(Credentials, AWrongPasswordIsRefusedAndTheEnvironmentNeverOverridesAGivenOne) {
  const auto wrong = probe({url(), "-u", "alice", "-P", "not-it"});
  EXPECT_EQ(wrong.exit_code, exit_unreachable) << wrong.errors;
  const auto given =
      probe({url(), "-u", "alice", "-P", "not-it"}, {"MQTT_HARNESS_PASSWORD=" + std::string(password)});
  EXPECT_EQ(given.exit_code, exit_unreachable) << "-P wins over the environment";
  // Without a user name the variable is not used: a password alone is not sent.
  const auto anonymous = probe({url()}, {"MQTT_HARNESS_PASSWORD=" + std::string(password)});
  EXPECT_EQ(anonymous.exit_code, exit_unreachable) << "the broker requires credentials; none were sent";
}

TEST_F(Credentials, MisusesAreOneLineAndExitTwoWithoutThePassword) {
  const std::map<std::string, std::vector<std::string>> misuses{
      {"the password is given twice (the URL and -P/--password); give it once",
       {url("alice:" + std::string(password) + "@"), "-P", password}},
      {"the password is given twice (-P/--password and --password-file); give it once",
       {url(), "-u", "alice", "-P", password, "--password-file", file_holding("twice", password)}},
      {"a password needs a user name: give -u NAME or user@ in the URL", {url(), "-P", password}},
      {"--password-file " + (directory_.path() / "absent").string() +
           ": cannot read it (No such file or directory)",
       {url(), "-u", "alice", "--password-file", (directory_.path() / "absent").string()}},
      {"--password-file " + file_holding("empty", "") + ": the file is empty",
       {url(), "-u", "alice", "--password-file", file_holding("empty", "")}},
      {"--username: the user name is empty", {url(), "-u", "", "-P", password}},
      {"give the target once: as the URL argument or as -L/--target URL", {url(), "-L", url()}},
  };
  for (const auto& [line, arguments] : misuses) {
    const auto ran = probe(arguments);
    EXPECT_EQ(ran.exit_code, exit_bad_input) << line;
    EXPECT_EQ(ran.errors, "mqtt-harness probe: " + line + "\n");
    EXPECT_EQ(ran.errors.find(password), std::string::npos);
  }
  // The same function serves conform, simulate and replay.
  for (const auto& command :
       {std::vector<std::string>{"conform"},
        {"simulate", std::string(MQTT_SOURCE_DIRECTORY) + "/scenarios/fleet/flaky-cellular.json"},
        {"replay", std::string(MQTT_SOURCE_DIRECTORY) + "/tests/capture/data/mosquitto-v311-v5.pcap"}}) {
    std::vector<std::string> arguments{MQTT_HARNESS_BINARY};
    arguments.insert(arguments.end(), command.begin(), command.end());
    arguments.insert(arguments.end(),
                     {"-L", url(), "-P", password, "-o", (directory_.path() / "r").string()});
    const auto ran = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(30)});
    EXPECT_EQ(ran.exit_code, exit_bad_input) << command.front() << ran.errors;
    EXPECT_EQ(ran.errors, "mqtt-harness " + command.front() +
                              ": a password needs a user name: give -u NAME or user@ in the URL\n");
  }
}

TEST_F(Credentials, ConformLogsInWithOptionsAndIsRefusedWithoutThem) {
  const auto report = (directory_.path() / "report").string();
  const auto with =
      run_child({MQTT_HARNESS_BINARY, "conform", "-L", url(), "-u", "alice", "--password-file",
                 file_holding("conform", password), "--filter", "connect.*", "-o", report, "--quiet"},
                ChildOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_EQ(with.exit_code, exit_passed) << with.errors;
  const auto without = run_child(
      {MQTT_HARNESS_BINARY, "conform", "-L", url(), "--filter", "connect.*", "-o", report, "--quiet"},
      ChildOptions{.deadline = std::chrono::seconds(60)});
  EXPECT_EQ(without.exit_code, exit_unreachable) << without.errors;
}

}  // namespace
}  // namespace mqtt::cli
