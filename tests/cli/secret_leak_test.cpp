// A password never leaves mqtt-harness: every subcommand that can see one (conform, simulate, replay, inspect,
// probe, report) is run as a user would, and every output it makes — stdout (with and without --json),
// stderr and every file in the report directory — is searched for the password as typed, in hex (both cases)
// and in base64 (every alignment).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "codec/encoder.hpp"
#include "pcap_builder.hpp"
#include "results/json.hpp"
#include "tests/reports/child_process.hpp"
#include "tests/support/secret_search.hpp"

namespace mqtt {
namespace {

namespace fs = std::filesystem;
using reports::testing::ChildOptions;
using reports::testing::ChildResult;
using reports::testing::run_child;
using reports::testing::TemporaryDirectory;

// Distinctive in every form: no run of it appears in MQTT framing, ids or hex by chance.
constexpr const char* password = "Zq7-leak-Secret-94xW";
constexpr const char* user = "alice";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every output of one run, by name: "stdout", "stderr" and each file under `report_dir`.
std::map<std::string, std::string> outputs_of(const ChildResult& ran, const fs::path& report_dir = {}) {
  std::map<std::string, std::string> outputs{{"stdout", ran.output}, {"stderr", ran.errors}};
  if (!report_dir.empty() && fs::exists(report_dir)) {
    for (const auto& entry : fs::recursive_directory_iterator(report_dir)) {
      if (entry.is_regular_file()) outputs[entry.path().filename().string()] = read_file(entry.path());
    }
  }
  return outputs;
}

void expect_no_leak(const std::map<std::string, std::string>& outputs, const std::string& what) {
  for (const auto& [name, text] : outputs) {
    const std::string form = test_support::leaked_form(text, password);
    EXPECT_EQ(form, "") << what << ": the password appears (" << form << ") in " << name;
  }
}

ChildResult harness(std::vector<std::string> arguments, std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
  arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
  return run_child(arguments, ChildOptions{.deadline = deadline});
}

// The embedded broker, requiring the password (so a run that did not send it would not get far).
class SecretLeak : public ::testing::Test {
 protected:
  SecretLeak()
      : broker_([] {
          broker::BrokerOptions options;
          options.credentials = std::map<std::string, std::string>{{user, password}};
          return options;
        }()),
        directory_("mqtt-secret-leak") {}

  std::string target() const {
    return "mqtt://" + std::string(user) + ":" + password + "@127.0.0.1:" + std::to_string(broker_.port());
  }
  fs::path path(const std::string& name) const { return directory_.path() / name; }

  // A capture of one client that logs in with the password, publishes and disconnects.
  fs::path capture_with_password() const {
    capture::test::PcapBuilder builder(capture::test::Link::ethernet);
    capture::test::Conversation conversation({"10.0.0.2", 40000}, {"10.0.0.1", 1883});
    for (const auto& segment : conversation.handshake()) builder.add(segment);
    Connect connect;
    connect.client_id = "captured-device";
    connect.username = user;
    const std::string secret = password;
    connect.password = Bytes(secret.begin(), secret.end());
    builder.add(conversation.client_sends(encode(Packet(connect))));
    builder.add(conversation.server_sends(encode(Packet(Connack{}))));
    Publish publish;
    publish.topic = "site/1/status";
    publish.payload = Bytes{'o', 'k'};
    builder.add(conversation.client_sends(encode(Packet(publish))));
    builder.add(conversation.client_sends(encode(Packet(Disconnect{}))));
    builder.add(conversation.client_fin());
    builder.add(conversation.server_fin());
    const fs::path file = path("capture.pcap");
    builder.write(file);
    return file;
  }

  broker::EmbeddedBroker broker_;
  TemporaryDirectory directory_;
};

TEST_F(SecretLeak, ConformPrintsAndWritesNoPassword) {
  for (const bool json : {true, false}) {
    const fs::path report = path(json ? "conform-json" : "conform-text");
    std::vector<std::string> arguments{"conform", "--target", target(), "--filter", "auth.*,connect.*", "-o",
                                       report.string()};
    if (json) arguments.push_back("--json");
    const auto ran = harness(arguments);
    ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.errors;
    expect_no_leak(outputs_of(ran, report), json ? "conform --json" : "conform");
  }
}

TEST_F(SecretLeak, ConformWithABadTargetPrintsNoPassword) {
  const auto ran = harness({"conform", "--target", "mqtt://alice:" + std::string(password) + "@127.0.0.1:99999"});
  EXPECT_EQ(ran.exit_code, 2) << ran.errors;
  expect_no_leak(outputs_of(ran), "conform with a bad port");
}

TEST_F(SecretLeak, SimulatePrintsAndWritesNoPassword) {
  const fs::path scenario = path("fleet.json");
  std::ofstream(scenario) << R"({"name": "secret", "duration_ms": 300, "settle_ms": 300,
    "groups": [{"name": "site", "count": 2, "connect_rate": 0, "publish": {"rate": 5, "qos": 1}}]})";
  for (const bool json : {true, false}) {
    const fs::path report = path(json ? "simulate-json" : "simulate-text");
    // Every history file, so each is searched for the password.
    std::vector<std::string> arguments{"simulate", scenario.string(), "--target", target(), "--seed", "3",
                                       "--history", "all", "-o", report.string()};
    if (json) arguments.push_back("--json");
    const auto ran = harness(arguments);
    ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.errors;
    expect_no_leak(outputs_of(ran, report), json ? "simulate --json" : "simulate");
  }
  const auto bad = harness({"simulate", scenario.string(), "--target", "mqtt://alice:" + std::string(password) + "@"});
  EXPECT_EQ(bad.exit_code, 2) << bad.errors;
  expect_no_leak(outputs_of(bad), "simulate with a bad target");
}

TEST_F(SecretLeak, InspectPrintsAndWritesNoCapturedPassword) {
  const fs::path capture = capture_with_password();
  ASSERT_NE(test_support::leaked_form(read_file(capture), password), "");  // the capture does hold it
  for (const bool json : {true, false}) {
    const fs::path report = path(json ? "inspect-json" : "inspect-text");
    std::vector<std::string> arguments{"inspect", capture.string(), "--history", "all", "-o", report.string()};
    if (json) arguments.push_back("--json");
    const auto ran = harness(arguments);
    ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.errors;
    expect_no_leak(outputs_of(ran, report), json ? "inspect --json" : "inspect");
  }
}

TEST_F(SecretLeak, ReplayPrintsAndWritesNoPassword) {
  const fs::path capture = capture_with_password();
  for (const bool json : {true, false}) {
    const fs::path report = path(json ? "replay-json" : "replay-text");
    std::vector<std::string> arguments{"replay",     capture.string(), "--target", target(), "--as-fast-as-possible",
                                       "--settle",   "0.2",            "--seed",   "4",      "--history",
                                       "all",        "-o",             report.string()};
    if (json) arguments.push_back("--json");
    const auto ran = harness(arguments);
    ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.errors;
    expect_no_leak(outputs_of(ran, report), json ? "replay --json" : "replay");
  }
}

TEST_F(SecretLeak, ProbePrintsNoPassword) {
  for (const auto* format : {"--json", "--verbose"}) {
    const auto ran = harness({"probe", target(), "-v", format, "--duration", "0.3"});
    ASSERT_EQ(ran.exit_code, 0) << ran.errors;
    EXPECT_NE(ran.output.find("CONNECT"), std::string::npos) << "probe -v shows the CONNECT it sent";
    expect_no_leak(outputs_of(ran), std::string("probe -v ") + format);
  }
  const auto refused = harness({"probe", "mqtt://alice:" + std::string(password) + "@127.0.0.1:0"});
  EXPECT_NE(refused.exit_code, 0);
  expect_no_leak(outputs_of(refused), "probe of a bad target");
}

// The same commands with the password given the other ways a user passes it: -P, --password-file and
// MQTT_HARNESS_PASSWORD (the URL then holds only the user name). Each run must log in (exit 0 or 1, not 3).
TEST_F(SecretLeak, PasswordFromOptionFileOrEnvironmentAppearsInNoOutput) {
  const std::string bare = "mqtt://127.0.0.1:" + std::to_string(broker_.port());
  const fs::path password_file = path("password.txt");
  std::ofstream(password_file) << password << "\n";
  const fs::path scenario = path("fleet-ways.json");
  std::ofstream(scenario) << R"({"name": "secret", "duration_ms": 300, "settle_ms": 300,
    "groups": [{"name": "site", "count": 2, "connect_rate": 0, "publish": {"rate": 5, "qos": 1}}]})";
  const fs::path capture = capture_with_password();
  struct Way {
    std::string name;
    std::vector<std::string> arguments;
    std::vector<std::string> environment;
  };
  const std::vector<Way> ways{
      {"-P", {"-u", user, "-P", password}, {}},
      {"--password-file", {"-u", user, "--password-file", password_file.string()}, {}},
      {"MQTT_HARNESS_PASSWORD", {"-u", user}, {"MQTT_HARNESS_PASSWORD=" + std::string(password)}},
  };
  for (const auto& way : ways) {
    for (const std::string command : {"conform", "simulate", "replay", "probe"}) {
      const fs::path report = path(command + way.name);
      std::vector<std::string> arguments{command};
      if (command == "simulate") arguments.push_back(scenario.string());
      if (command == "replay") arguments.insert(arguments.end(), {capture.string(), "--as-fast-as-possible",
                                                                   "--settle", "0.2"});
      arguments.insert(arguments.end(), {"-L", bare});
      arguments.insert(arguments.end(), way.arguments.begin(), way.arguments.end());
      if (command == "conform") arguments.insert(arguments.end(), {"--filter", "auth.*,connect.*"});
      if (command == "probe") {
        arguments.insert(arguments.end(), {"-v", "--json", "--duration", "0.3"});
      } else {
        arguments.insert(arguments.end(), {"--seed", "5", "-o", report.string(), "--json"});
      }
      arguments.insert(arguments.begin(), MQTT_HARNESS_BINARY);
      const auto ran = run_child(arguments, ChildOptions{.deadline = std::chrono::seconds(60),
                                                         .environment = way.environment});
      const std::string what = command + " with " + way.name;
      ASSERT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << what << ": " << ran.errors;
      if (command == "probe") {
        EXPECT_NE(ran.output.find("CONNECT"), std::string::npos) << what << " shows the CONNECT it sent";
      }
      expect_no_leak(outputs_of(ran, report), what);
    }
  }
}

// Results saved by an older or a foreign tool may still hold a password; `report` re-renders them clean.
TEST_F(SecretLeak, ReportRendersNoPasswordFromAnUnredactedResultsFile) {
  const std::string url = "mqtt://alice:" + std::string(password) + "@broker.example:1883";
  results::Results results;
  results.kind = "conformance";
  results.target = url;
  results.started_at = "2026-01-01T00:00:00Z";
  Connect connect;
  connect.client_id = "device";
  connect.username = user;
  const std::string secret = password;
  connect.password = Bytes(secret.begin(), secret.end());
  history::Event sent{.sequence = 2, .time_ns = 1000, .connection = 1, .actor = "device",
                      .kind = history::EventKind::sent, .packet = Packet(connect), .raw = encode(Packet(connect))};
  history::Event open{.sequence = 1, .connection = 1, .actor = "device", .kind = history::EventKind::open,
                      .detail = "peer " + url};
  results::CaseResult failed{.id = "auth.login", .title = "login", .section = "3.1",
                             .verdict = results::Verdict::failed, .statements = {"MQTT-3.1.0-1"},
                             .message = "could not log in to " + url, .steps = {"connect to " + url},
                             .history = {open, sent}};
  results::Violation violation{.statement = "MQTT-3.1.0-1", .level = "MUST", .message = "at " + url,
                               .case_id = "auth.login", .history_slice = {sent}};
  failed.violations.push_back(violation);
  results.cases.push_back(failed);
  results.violations.push_back(violation);
  results.observed.push_back({.behaviour = "note", .detail = url, .case_id = "auth.login"});
  results.summary.failed = 1;
  const fs::path saved = path("unredacted-results.json");
  std::ofstream(saved) << results::to_json(results).dump(2);
  ASSERT_NE(test_support::leaked_form(read_file(saved), password), "");

  const fs::path report = path("report-dir");
  expect_no_leak(outputs_of(harness({"report", saved.string(), "-o", report.string()}), report), "report -o");
  expect_no_leak(outputs_of(harness({"report", saved.string()})), "report (Markdown on stdout)");
  const fs::path single = path("single");
  fs::create_directories(single);
  const auto each = harness({"report", saved.string(), "--html", (single / "r.html").string(), "--junit",
                             (single / "r.xml").string(), "--markdown", (single / "r.md").string(), "--json-file",
                             (single / "r.json").string()});
  ASSERT_EQ(each.exit_code, 0) << each.errors;
  expect_no_leak(outputs_of(each, single), "report --html --junit --markdown --json");
  const fs::path comparison = path("comparison");
  const auto compared = harness({"report", saved.string(), saved.string(), "-o", comparison.string()});
  ASSERT_EQ(compared.exit_code, 0) << compared.errors;
  expect_no_leak(outputs_of(compared, comparison), "report comparison");
}

}  // namespace
}  // namespace mqtt
