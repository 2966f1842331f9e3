// `mqtt-harness simulate` end to end: exit codes, one-line errors and the results it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "history/event_log_file.hpp"
#include "results/json.hpp"
#include "support/mosquitto_broker.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json load_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json();
  return nlohmann::json::parse(in);
}

struct Ran {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// `arguments` after the binary; a command starting with "sh " is run as given.
Ran run(const std::string& arguments) {
  const std::string command =
      (arguments.rfind("sh ", 0) == 0 ? arguments : std::string(MQTT_HARNESS_BINARY) + " " + arguments) +
      " 2>&1";
  Ran ran;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) ran.output += buffer.data();
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

class SimulateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    directory = fs::temp_directory_path() / ("mqtt-harness-simulate-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory);
  }
  void TearDown() override { fs::remove_all(directory); }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = directory / name;
    std::ofstream(path) << text;
    return path.string();
  }

  fs::path directory;
};

constexpr const char* outage = R"({
  "name": "cli-outage",
  "duration_ms": 1200,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/#", "qos": 1}]}],
  "groups": [{"name": "site", "count": 4, "keep_alive": 5, "connect_rate": 0,
              "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1},
              "publish": {"rate": 3, "qos": 1}}],
  "faults": [{"kind": "power-loss", "group": "site", "fraction": 0.5, "at_ms": 400, "duration_ms": 400}]
})";

TEST_F(SimulateCommand, CleanRunAgainstTheEmbeddedBrokerWritesSimulationResults) {
  const auto scenario = write("outage.json", outage);
  const auto report = (directory / "report").string();
  const auto ran = run("simulate " + scenario + " --seed 5 --report-dir " + report + " --quiet");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  std::ifstream in(fs::path(report) / "results.json");
  ASSERT_TRUE(in) << "results.json missing";
  const auto results = nlohmann::json::parse(in);
  EXPECT_EQ(results["kind"], "simulation");
  EXPECT_EQ(results["seed"], 5);
  EXPECT_GT(results["stats"]["messages"]["published"].get<int>(), 0);
  EXPECT_TRUE(fs::exists(fs::path(report) / "report.html"));
}

// By default a fleet's results.json holds verdicts, statistics and evidence, not the whole history (it counts the
// events), and no history files are written; --history asks for them.
TEST_F(SimulateCommand, TheHistoryFilesAreWrittenOnlyWhenAsked) {
  const auto scenario = write("outage.json", outage);
  const auto plain = directory / "plain";
  const auto ran = run("simulate " + scenario + " --seed 5 --quiet --defect no-will --report-dir " + plain.string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  const auto results = load_json(plain / "results.json");
  ASSERT_FALSE(results.is_null()) << "results.json missing";
  EXPECT_FALSE(results["cases"][0].contains("history"));
  EXPECT_GT(results["cases"][0]["history_events"].get<int>(), 20);
  ASSERT_FALSE(results["violations"].empty());
  EXPECT_FALSE(results["violations"][0]["history_slice"].empty()) << "the evidence stays";
  EXPECT_FALSE(fs::exists(plain / "history.jsonl"));
  EXPECT_FALSE(fs::exists(plain / "history.pcap"));
  EXPECT_TRUE(fs::exists(plain / "history.log")) << "the compact log is the default";
  const auto none = directory / "none";
  EXPECT_EQ(run("simulate " + scenario + " --seed 5 --quiet --history none --report-dir " + none.string()).exit_code, 0);
  EXPECT_TRUE(fs::exists(none / "results.json"));
  EXPECT_FALSE(fs::exists(none / "history.log"));

  const auto asked = directory / "asked";
  EXPECT_EQ(run("simulate " + scenario + " --seed 5 --quiet --history jsonl,pcap --report-dir " + asked.string())
                .exit_code,
            0);
  EXPECT_GT(fs::file_size(asked / "history.jsonl"), 0u);
  EXPECT_GT(fs::file_size(asked / "history.pcap"), 24u);  // more than the pcap header
  EXPECT_FALSE(load_json(asked / "results.json")["cases"][0].contains("history"));

  const auto bad = run("simulate " + scenario + " --history jsonl,csv");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("'csv' is not one of jsonl, pcap, results, log, all, none"), std::string::npos)
      << bad.output;
}

// history.log, written while the fleet runs, holds exactly the history the run judged (results.json's, with
// --history results), and `convert` makes history.jsonl and history.pcap of it.
TEST_F(SimulateCommand, TheHistoryLogHoldsTheJudgedHistory) {
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 9 --quiet --defect no-will --history log,results " +
                       "--report-dir " + report.string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  const auto results = mqtt::results::results_from_json(load_json(report / "results.json"));
  ASSERT_EQ(results.cases.size(), 1u);
  const auto contents = mqtt::history::read_event_log(report / "history.log");
  EXPECT_FALSE(contents.cut_short);
  const auto& judged = results.cases.front().history;
  ASSERT_EQ(contents.history.events.size(), judged.size());
  for (std::size_t index = 0; index < judged.size(); ++index) {
    ASSERT_EQ(contents.history.events[index], judged[index]) << "event " << index + 1;
  }
  const auto converted = run("convert " + (report / "history.log").string() + " --output " +
                             (directory / "history.jsonl").string());
  EXPECT_EQ(converted.exit_code, 0) << converted.output;
  EXPECT_NE(converted.output.find(std::to_string(judged.size()) + " event(s)"), std::string::npos) << converted.output;
  std::ifstream lines(directory / "history.jsonl");
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line);) count += nlohmann::json::parse(line).is_object();
  EXPECT_EQ(count, judged.size());
  EXPECT_EQ(run("convert " + (report / "history.log").string() + " --output " + (directory / "history.pcap").string())
                .exit_code,
            0);
  EXPECT_GT(fs::file_size(directory / "history.pcap"), 24u);
  const auto wrong = run("convert " + (report / "history.log").string() + " --output x.json");
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
  EXPECT_NE(wrong.output.find("a history log converts to a .jsonl or a .pcap file"), std::string::npos) << wrong.output;
}

// -o '' and --no-report: the verdict, the summary and the exit code as usual, and not one file.
TEST_F(SimulateCommand, NoReportWritesNothingAndKeepsTheVerdict) {
  const auto scenario = write("outage.json", outage);
  const auto work = directory / "work";
  fs::create_directories(work);
  for (const std::string option : {"-o \"\"", "--no-report"}) {  // inside sh -c '...'
    const auto ran = run("sh -c 'cd " + work.string() + " && " + std::string(MQTT_HARNESS_BINARY) + " simulate " +
                         scenario + " --seed 6 --defect no-will " + option + "'");
    EXPECT_EQ(ran.exit_code, 1) << option << ": " << ran.output;
    EXPECT_NE(ran.output.find("violated MUST MQTT-3.1.2-8"), std::string::npos) << option << ": " << ran.output;
    EXPECT_NE(ran.output.find(" violations in "), std::string::npos) << option << ": " << ran.output;
    EXPECT_EQ(ran.output.find("report:"), std::string::npos) << option << ": " << ran.output;
    EXPECT_EQ(ran.output.find("cannot write"), std::string::npos) << option << ": " << ran.output;
    EXPECT_TRUE(fs::is_empty(work)) << option << " wrote files";
  }
}

TEST_F(SimulateCommand, BrokerWithoutWillsExitsWithViolations) {
  const auto scenario = write("outage.json", outage);
  const auto ran = run("simulate " + scenario + " --seed 6 --defect no-will --report-dir " +
                       (directory / "report").string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  EXPECT_NE(ran.output.find("MQTT-3.1.2-8"), std::string::npos) << ran.output;
  // One line per statement, however many devices lost their will; the will counters say how many.
  EXPECT_EQ(ran.output.find("MQTT-3.1.2-8"), ran.output.rfind("MQTT-3.1.2-8")) << ran.output;
  EXPECT_NE(ran.output.find("\nWills: 2 due, 0 delivered, 0 late, 2 missing"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("\nConnect latency: p50 "), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("\nExpected vs delivered: "), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("\nFaults: power-loss 2; power-loss on 50% of site from 0.4 s to 0.8 s"),
            std::string::npos)
      << ran.output;
  // Every format carries the will counters.
  const auto summary = read_text(directory / "report" / "summary.md");
  EXPECT_NE(summary.find("| Wills | 2 due, 0 delivered, 0 late, 2 missing"), std::string::npos) << summary;
  const auto html = read_text(directory / "report" / "report.html");
  EXPECT_NE(html.find("<th>Wills</th><td>2 due, 0 delivered"), std::string::npos);
  EXPECT_NE(html.find("data-label=\"power-loss\""), std::string::npos) << "the outage on the time axis";
}

// A will storm of 300 devices against a broker that drops wills: some 300 violations of one statement. Every
// format names the statement once with its count, summary.md stays within its budget, and the retained statuses
// (which two late auditors check) are in every format too.
constexpr const char* will_storm = R"({
  "name": "cli-will-storm",
  "duration_ms": 1500,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]}],
  "groups": [
    {"name": "site", "count": 300, "keep_alive": 5, "connect_rate": 0,
     "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
     "status": {"topic": "dtu/{id}/status", "payload": "online", "qos": 1}},
    {"name": "auditor", "count": 2, "connect_rate": 0, "start_ms": 1000,
     "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]}
  ],
  "faults": [{"kind": "power-loss", "group": "site", "fraction": 1, "at_ms": 400, "duration_ms": 500}]
})";

TEST_F(SimulateCommand, AWillStormIsOneRowPerStatementInASmallSummaryWithTheRetainedStatus) {
  const auto scenario = write("storm.json", will_storm);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 9 --defect no-will --report-dir " + report.string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  const auto results = nlohmann::json::parse(read_text(report / "results.json"));
  const auto violations = results["violations"].size();
  EXPECT_GE(violations, 250U) << "one missing will per device";
  const auto summary = read_text(report / "summary.md");
  std::printf("summary.md of %zu violations of one statement: %zu bytes\n", violations, summary.size());
  EXPECT_LE(summary.size(), 16'000U) << "the budget of docs/reports.md";
  const auto overview = summary.find("### Violations by statement");
  ASSERT_NE(overview, std::string::npos) << summary;
  EXPECT_NE(summary.find("| MQTT-3.1.2-8 | MUST | " + std::to_string(violations) + " | ", overview),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("\n| MQTT-3.1.2-8 | "), summary.rfind("\n| MQTT-3.1.2-8 | ")) << "one overview row";
  EXPECT_EQ(summary.find("| fleet:cli-will-storm | failed | MQTT-3.1.2-8 | MUST | " + std::to_string(violations)),
            summary.rfind("| fleet:cli-will-storm | failed | MQTT-3.1.2-8 | MUST | "))
      << "one failure row";
  // The auditors subscribe after the statuses were acknowledged; the wills never came, so "online" is right.
  const auto& retained = results["stats"]["retained"];
  EXPECT_EQ(retained["topics"], 300) << retained.dump();
  EXPECT_EQ(retained["checks"], 600) << retained.dump();
  EXPECT_EQ(retained["correct"], 600) << retained.dump();
  const std::string fact = "Retained status: 600 checks on 2 subscriptions of 300 retained topics: 600 right, 0 stale";
  EXPECT_NE(ran.output.find("\n" + fact), std::string::npos) << ran.output;
  EXPECT_NE(summary.find("| Retained status | 600 checks on 2 subscriptions"), std::string::npos) << summary;
  EXPECT_NE(read_text(report / "report.html").find("<th>Retained status</th><td>600 checks"), std::string::npos);
}

constexpr const char* restarting = R"({
  "name": "cli-restart",
  "duration_ms": 3000,
  "settle_ms": 1500,
  "groups": [{"name": "site", "count": 3, "clean_session": false, "keep_alive": 10, "connect_rate": 0,
              "publish": {"rate": 3, "qos": 1}, "reconnect": {"initial_ms": 100, "maximum_ms": 400}}],
  "faults": [{"kind": "broker-restart", "at_ms": 1000, "down_ms": 200}]
})";

// The embedded broker is restarted in-process and forgets its sessions: the run reports it, as it would for a
// real broker without persistence.
TEST_F(SimulateCommand, TheEmbeddedBrokerRestartsInProcessAndItsLostSessionsAreViolations) {
  const auto scenario = write("restart.json", restarting);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 3 -o " + report.string());
  EXPECT_EQ(ran.exit_code, 1) << ran.output;
  EXPECT_NE(ran.output.find("MQTT-3.2.2-2"), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("Broker restarts: at 1.0 s restarted by the embedded broker, in-process"), std::string::npos)
      << ran.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["stats"]["broker_restarts"][0]["outcome"], "restarted");
  const auto refused = run("simulate " + scenario + " --broker-restart-command true");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output, "mqtt-harness simulate: --broker-restart-command needs --target (the embedded broker is "
                            "restarted in-process)\n");
}

// A restart that fails or cannot be done is a warning in every output, never silence; the command (which may
// hold a password) appears nowhere.
TEST_F(SimulateCommand, ARestartThatFailsOrCannotBeDoneIsAWarning) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("restart.json", restarting);
  const auto failed_report = directory / "failed";
  const auto failed = run("simulate " + scenario + " --seed 4 --target " + broker.url() + " -o " +
                          failed_report.string() + " --broker-restart-command 'PASSWORD=hunter2; exit 7'");
  EXPECT_EQ(failed.exit_code, 0) << failed.output;
  EXPECT_NE(failed.output.find("broker restart at 1.0 s failed: exit 7"), std::string::npos) << failed.output;
  for (const auto* file : {"results.json", "summary.md", "report.html", "history.log"}) {
    EXPECT_EQ(read_text(failed_report / file).find("hunter2"), std::string::npos) << file;
  }
  EXPECT_EQ(failed.output.find("hunter2"), std::string::npos);

  const auto skipped = run("simulate " + scenario + " --seed 4 --target " + broker.url() + " --no-report");
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_NE(skipped.output.find("warning: the scenario's 1 broker-restart fault(s) will be skipped"), std::string::npos)
      << skipped.output;
  EXPECT_NE(skipped.output.find("broker restart at 1.0 s skipped: no way to restart the broker"), std::string::npos)
      << skipped.output;
}

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

TEST_F(SimulateCommand, TwoShardsInTwoProcessesTogetherRunTheWholeFleet) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + broker.url() + " --shard " +
           std::to_string(index) + "/2 --report-dir " +
           (directory / ("shard" + std::to_string(index))).string();
  };
  // Both shards run at the same time, as separate processes.
  const auto ran =
      run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " +
          std::string(MQTT_HARNESS_BINARY) + " " + shard(0) + "; first=$?; wait $!; exit $(( first + $? ))'");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  int devices = 0;
  int observers = 0;
  for (int index : {0, 1}) {
    std::ifstream in(directory / ("shard" + std::to_string(index)) / "results.json");
    ASSERT_TRUE(in) << "shard " << index << " wrote no results";
    const auto results = nlohmann::json::parse(in);
    devices += results["stats"]["fleet"]["devices"].get<int>();
    observers += results["stats"]["fleet"]["observers"].get<int>();
    EXPECT_EQ(results["stats"]["fleet"]["shard"], std::to_string(index) + "/2");
  }
  EXPECT_EQ(devices, 4);
  EXPECT_EQ(observers, 1);
}

// Two shards against one broker that never publishes wills, then `report --merge-shards`: the merged history
// is judged as one fleet. Only shard 0 has the observer, so shard 1 alone cannot see its devices' wills go
// missing; the merge must report every will the power loss made the broker owe.
TEST_F(SimulateCommand, MergedShardsAreJudgedAsOneFleet) {
  mqtt::broker::BrokerOptions options;
  options.defects.insert(mqtt::broker::Defect::no_will);
  mqtt::broker::EmbeddedBroker broker(std::move(options));
  const auto target = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + target + " --shard " + std::to_string(index) +
           "/2 --report-dir " + (directory / ("shard" + std::to_string(index))).string();
  };
  run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " + std::string(MQTT_HARNESS_BINARY) +
      " " + shard(0) + "; wait'");
  const auto shard0 = (directory / "shard0" / "results.json").string();
  const auto shard1 = (directory / "shard1" / "results.json").string();
  const auto merged = run("report --merge-shards " + shard0 + " " + shard1 + " -o " + (directory / "merged").string());
  EXPECT_EQ(merged.exit_code, 1) << merged.output;  // the missing wills are MUST violations

  auto load = [](const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  };
  const auto first = load(shard0);
  const auto second = load(shard1);
  const auto whole = load(directory / "merged" / "results.json");
  const auto events = [](const nlohmann::json& results) { return results["cases"][0]["history"].size(); };
  EXPECT_EQ(events(whole), events(first) + events(second));
  const auto wills_missing = [](const nlohmann::json& results) {
    int count = 0;
    for (const auto& violation : results["violations"]) count += violation["statement"] == "MQTT-3.1.2-8";
    return count;
  };
  EXPECT_EQ(wills_missing(second), 0);  // shard 1 has no subscriber to owe a will to
  EXPECT_EQ(wills_missing(whole), 2);   // power loss hit half of the 4 devices
  EXPECT_GE(wills_missing(whole), wills_missing(first));
  EXPECT_EQ(whole["stats"]["fleet"]["shards"], 2);

  const auto single = run("report --merge-shards " + shard0 + " -o " + (directory / "bad").string());
  EXPECT_EQ(single.exit_code, 2) << single.output;
}

// A panel whose link to the broker reads slowly (200 B/s) subscribes to every device's retained status while six
// devices with retained wills connect, publish "online", and half of them lose power. Whatever an earlier run
// left retained trickles in after the SUBACK, while this run's identical "online" messages are being published:
// without a namespace per run, the second run matched the first run's retained copies to its own publishes and
// reported six false MQTT-3.3.1-9 ("RETAIN=1 to an existing subscription").
constexpr const char* retained_twice = R"({
  "name": "retained-twice",
  "duration_ms": 2500,
  "settle_ms": 3000,
  "groups": [
    {"name": "panel", "count": 1, "client_id": "panel-{n}", "connect_rate": 0,
     "subscriptions": [{"filter": "dtu/+/status", "qos": 1}]},
    {"name": "site", "count": 6, "keep_alive": 5, "start_ms": 300, "connect_rate": 0,
     "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
     "status": {"topic": "dtu/{id}/status", "payload": "online", "qos": 1},
     "publish": {"rate": 2, "qos": 1}}
  ],
  "faults": [
    {"kind": "slow-reader", "group": "panel", "at_ms": 0, "duration_ms": 2500, "bytes_per_second": 200},
    {"kind": "power-loss", "group": "site", "fraction": 0.5, "at_ms": 800, "duration_ms": 500}
  ]
})";

TEST_F(SimulateCommand, TheSameScenarioRunTwiceAgainstOneMosquittoGivesTheSameCleanVerdicts) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("retained-twice.json", retained_twice);
  std::vector<nlohmann::json> runs;
  for (int seed : {1, 2}) {
    const auto report = directory / ("run" + std::to_string(seed));
    const auto ran = run("simulate " + scenario + " --seed " + std::to_string(seed) + " --quiet --target " +
                         broker.url() + " --history results --report-dir " + report.string());
    EXPECT_EQ(ran.exit_code, 0) << "run with seed " << seed << ": " << ran.output;
    runs.push_back(load_json(report / "results.json"));
    ASSERT_FALSE(runs.back().is_null()) << "run with seed " << seed << " wrote no results";
    for (const auto& violation : runs.back()["violations"]) {
      ADD_FAILURE() << "seed " << seed << ": " << violation["statement"] << " " << violation["message"];
    }
  }
  const std::string first = runs[0]["stats"]["namespace"];
  const std::string second = runs[1]["stats"]["namespace"];
  EXPECT_NE(first, second);
  // Everything the second run sent and received lives in its own namespace.
  int publishes = 0;
  for (const auto& event : runs[1]["cases"][0]["history"]) {
    if (!event.contains("packet")) continue;
    const auto& packet = event["packet"];
    if (packet["type"] == "CONNECT") {
      EXPECT_EQ(packet["client_id"].get<std::string>().rfind(second + "-", 0), 0u) << packet.dump();
    }
    if (packet["type"] == "PUBLISH") {
      ++publishes;
      EXPECT_EQ(packet["topic"].get<std::string>().rfind(second + "/", 0), 0u) << packet.dump();
    }
  }
  EXPECT_GT(publishes, 12);  // 6 statuses and their copies at least
}

TEST_F(SimulateCommand, APrefixJoinsTopicsAndClientIdsCleanly) {
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 3 --quiet --prefix test/ --history results --report-dir " +
                       report.string());
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["stats"]["namespace"], "test");
  std::set<std::string> client_ids;
  std::set<std::string> topics;
  for (const auto& event : results["cases"][0]["history"]) {
    if (!event.contains("packet")) continue;
    const auto& packet = event["packet"];
    if (packet["type"] == "CONNECT") client_ids.insert(packet["client_id"].get<std::string>());
    if (packet["type"] == "PUBLISH") topics.insert(packet["topic"].get<std::string>());
    if (packet["type"] == "SUBSCRIBE") topics.insert(packet["subscriptions"][0]["filter"].get<std::string>());
  }
  EXPECT_TRUE(client_ids.contains("test-backend-1")) << results["cases"][0]["history"][1].dump();
  EXPECT_TRUE(client_ids.contains("test-dtu-site-1"));
  EXPECT_TRUE(topics.contains("test/dtu/+/#"));
  EXPECT_TRUE(topics.contains("test/dtu/dtu-site-1/telemetry"));
  for (const auto& topic : topics) EXPECT_EQ(topic.find("//"), std::string::npos) << topic;
}

TEST_F(SimulateCommand, AnEmptyPrefixMeansNoNamespaceAndABadOneIsOneLine) {
  const auto scenario = write("outage.json", outage);
  const auto report = directory / "report";
  const auto plain =
      run("simulate " + scenario + " --seed 3 --quiet --prefix '' --history results --report-dir " + report.string());
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["stats"]["namespace"], "");
  EXPECT_EQ(results["cases"][0]["history"][1]["actor"], "backend-1");

  const auto bad = run("simulate " + scenario + " --prefix 'a/+/b'");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--prefix 'a/+/b'"), std::string::npos) << bad.output;
  EXPECT_EQ(bad.output.find('\n'), bad.output.size() - 1) << "one line: " << bad.output;
}

// Two shards of one fleet run in parallel against one broker share the namespace their seed gives them, so the
// merge sees one fleet: the observer in shard 0 got shard 1's telemetry and wills, and nothing is lost.
TEST_F(SimulateCommand, ShardsRunInParallelShareTheNamespaceAndMergeClean) {
  mqtt::test_support::MosquittoBroker broker;
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index, const std::string& folder, const std::string& extra) {
    return std::string(MQTT_HARNESS_BINARY) + " simulate " + scenario + " --seed 9 --quiet --target " +
           broker.url() + " --shard " + std::to_string(index) + "/2 --report-dir " + (directory / folder).string() +
           extra;
  };
  const auto ran = run("sh -c '" + shard(1, "shard1", "") + " & " + shard(0, "shard0", "") +
                       "; first=$?; wait $!; exit $(( first + $? ))'");
  EXPECT_EQ(ran.exit_code, 0) << ran.output;
  const auto shard0 = load_json(directory / "shard0" / "results.json");
  const auto shard1 = load_json(directory / "shard1" / "results.json");
  ASSERT_FALSE(shard0.is_null() || shard1.is_null()) << ran.output;
  EXPECT_EQ(shard0["stats"]["namespace"], shard1["stats"]["namespace"]);

  const auto merged = run("report --merge-shards " + (directory / "shard0" / "results.json").string() + " " +
                          (directory / "shard1" / "results.json").string() + " -o " + (directory / "merged").string());
  EXPECT_EQ(merged.exit_code, 0) << merged.output;
  const auto whole = load_json(directory / "merged" / "results.json");
  EXPECT_EQ(whole["violations"].size(), 0u) << whole["violations"].dump();
  EXPECT_EQ(whole["stats"]["namespace"], shard0["stats"]["namespace"]);

  // A shard run in another namespace is not part of the same fleet: the merge refuses it.
  const auto other = run("sh -c '" + shard(1, "elsewhere", " --prefix elsewhere") + "'");
  EXPECT_EQ(other.exit_code, 0) << other.output;
  const auto mismatched = run("report --merge-shards " + (directory / "shard0" / "results.json").string() + " " +
                              (directory / "elsewhere" / "results.json").string() + " -o " +
                              (directory / "bad").string());
  EXPECT_EQ(mismatched.exit_code, 2) << mismatched.output;
  EXPECT_NE(mismatched.output.find("namespace elsewhere differs"), std::string::npos) << mismatched.output;
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
  const auto scenario = write("quiet.json", R"({
    "name": "quiet",
    "duration_ms": 500,
    "settle_ms": 200,
    "groups": [{"name": "listener", "count": 2, "connect_rate": 0, "subscriptions": [{"filter": "dtu/#", "qos": 1}]}]
  })");
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 5 --report-dir " + report.string());
  EXPECT_EQ(ran.exit_code, 5) << ran.output;
  EXPECT_NE(ran.output.find("inconclusive: nothing was published or delivered"), std::string::npos) << ran.output;
  const auto results = load_json(report / "results.json");
  EXPECT_EQ(results["cases"][0]["verdict"], "inconclusive");
  EXPECT_EQ(results["summary"]["inconclusive"], 1);
  EXPECT_EQ(results["stats"]["fleet"]["inconclusive"].size(), 1u);
}

// A drain limit that ends the run while the broker's deliveries still arrive (the observer's link delays them 1.5 s,
// past the settle time and the 0.3 s drain): the command finishes, prints the warning and writes its reports and
// history as for any other run (simulator/fleet_drain.hpp).
TEST_F(SimulateCommand, ADrainCutShortStillWritesTheReportsAndTheHistory) {
  mqtt::test_support::MosquittoOptions options;
  options.extra_config_lines = {"max_inflight_messages 0"};  // the observer's PUBACKs come back 1.5 s late
  mqtt::test_support::MosquittoBroker broker(options);
  const auto scenario = write("late.json", R"({
    "name": "late-deliveries",
    "duration_ms": 1500,
    "settle_ms": 500,
    "drain_ms": 300,
    "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
    "groups": [{"name": "cell", "count": 2, "connect_rate": 0, "publish": {"rate": 8, "qos": [0, 1, 0]}}],
    "faults": [{"kind": "latency", "group": "backend", "direction": "downstream", "at_ms": 0, "duration_ms": 2000,
                "latency_ms": 1500}]
  })");
  const auto report = directory / "report";
  const auto ran = run("simulate " + scenario + " --seed 45 --target " + broker.url() +
                       " --history log,jsonl --report-dir " + report.string());
  EXPECT_TRUE(ran.exit_code == 0 || ran.exit_code == 1) << ran.output;
  // The observer's deliveries are counted: the warning says how many were still owed, and to whom.
  EXPECT_NE(ran.output.find("ended the run with "), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("still owed ("), std::string::npos) << ran.output;
  EXPECT_NE(ran.output.find("backend-1: "), std::string::npos) << ran.output;
  const auto results = load_json(report / "results.json");
  ASSERT_FALSE(results.is_null()) << "results.json missing";
  EXPECT_EQ(results["stats"]["fleet"]["drain"]["stopped_by"], "cap");
  for (const auto* file : {"report.html", "summary.md", "junit.xml", "history.log", "history.jsonl"}) {
    EXPECT_TRUE(fs::exists(report / file) && fs::file_size(report / file) > 0) << file;
  }
  EXPECT_NE(read_text(report / "report.html").find("still owed ("), std::string::npos);
  const auto contents = mqtt::history::read_event_log(report / "history.log");
  EXPECT_FALSE(contents.cut_short);
  const bool noted = std::any_of(contents.history.events.begin(), contents.history.events.end(), [](const auto& event) {
    return event.detail.rfind("fleet drain: cap after", 0) == 0;
  });
  EXPECT_TRUE(noted) << "the history says how the run ended";
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

TEST_F(SimulateCommand, AMergeOfShardsThatExercisedNothingIsInconclusiveNamingTheShard) {
  const auto scenario = write("quiet.json", R"({
    "name": "quiet",
    "duration_ms": 500,
    "settle_ms": 200,
    "groups": [{"name": "listener", "count": 2, "connect_rate": 0, "subscriptions": [{"filter": "dtu/#", "qos": 1}]}]
  })");
  for (const auto* index : {"0", "1"}) {
    const auto ran = run("simulate " + scenario + " --seed 6 --quiet --shard " + std::string(index) + "/2 -o " +
                         (directory / index).string());
    EXPECT_EQ(ran.exit_code, 5) << ran.output;
  }
  run("report --merge-shards " + (directory / "0" / "results.json").string() + " " +
      (directory / "1" / "results.json").string() + " -o " + (directory / "merged").string());
  const auto merged = load_json(directory / "merged" / "results.json");
  ASSERT_FALSE(merged.is_null());
  EXPECT_EQ(merged["cases"][0]["verdict"], "inconclusive");
  EXPECT_NE(merged["cases"][0]["message"].get<std::string>().find("shard 2: nothing was published"), std::string::npos)
      << merged["cases"][0]["message"];
}

TEST_F(SimulateCommand, BadShardIsBadUsage) {
  const auto scenario = write("outage.json", outage);
  const auto ran = run("simulate " + scenario + " --shard 3/3");
  EXPECT_EQ(ran.exit_code, 2) << ran.output;
}

// Shards on machines whose clocks disagree: the same two shards, with shard 2's clock set 20 s behind and shard 1's
// 3 s ahead after the fact (every time each recorded on its own clock: the clock origin and the clock markers),
// merge to the verdicts of the true clocks, because the merge measures the offsets from the markers the broker
// delivered to both shards. Without the markers (system clocks, and causality: a delivery cannot precede its
// publication, which a clock running behind never contradicts) the same shards are placed 23 s apart. The markers
// place shard 2 only within their bound: when a device's first publication and the observer's SUBSCRIBE came
// within that bound of each other (shards starting together under load), the merge once put the SUBSCRIBE after
// the broker had the message and found a false MQTT-3.3.2-3 (runner_unit_tests ShardMerge.* hold it exactly).
TEST_F(SimulateCommand, MergedShardsWithSkewedClocksKeepTheirVerdicts) {
  mqtt::broker::BrokerOptions options;
  options.defects.insert(mqtt::broker::Defect::no_will);
  mqtt::broker::EmbeddedBroker broker(std::move(options));
  const auto target = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  const auto scenario = write("outage.json", outage);
  const auto shard = [&](int index) {
    return "simulate " + scenario + " --seed 8 --quiet --target " + target + " --shard " + std::to_string(index) +
           "/2 --report-dir " + (directory / ("shard" + std::to_string(index))).string();
  };
  run("sh -c '" + std::string(MQTT_HARNESS_BINARY) + " " + shard(1) + " & " + std::string(MQTT_HARNESS_BINARY) +
      " " + shard(0) + "; wait'");
  auto skew = [&](int index, std::int64_t shift_ns, bool keep_markers) {
    auto results = load_json(directory / ("shard" + std::to_string(index)) / "results.json");
    auto& fleet = results["stats"]["fleet"];
    EXPECT_TRUE(fleet.contains("clock")) << "shard " << index << " ran a clock session";
    fleet["clock_origin_unix_ns"] = fleet["clock_origin_unix_ns"].get<std::int64_t>() + shift_ns;
    for (auto& marker : fleet["clock"]["markers"]) {
      marker["received_unix_ns"] = marker["received_unix_ns"].get<std::int64_t>() + shift_ns;
    }
    if (!keep_markers) fleet.erase("clock");
    const auto path = directory / ("skewed" + std::to_string(index) + (keep_markers ? "" : "-bare") + ".json");
    std::ofstream(path) << results.dump();
    return path.string();
  };
  auto merge = [&](const std::string& first, const std::string& second, const std::string& name) {
    const auto ran = run("report --merge-shards " + first + " " + second + " -o " + (directory / name).string());
    EXPECT_EQ(ran.exit_code == 0 || ran.exit_code == 1, true) << ran.output;
    return load_json(directory / name / "results.json");
  };
  auto verdicts = [](const nlohmann::json& results) {
    std::multiset<std::string> found;
    for (const auto& violation : results["violations"]) found.insert(violation["statement"].get<std::string>());
    return found;
  };
  const auto truth = merge((directory / "shard0" / "results.json").string(),
                           (directory / "shard1" / "results.json").string(), "merged-true");
  const auto skewed = merge(skew(0, 3'000'000'000, true), skew(1, -20'000'000'000, true), "merged-skewed");
  EXPECT_EQ(verdicts(truth).count("MQTT-3.1.2-8"), 2u) << truth["violations"].dump();
  EXPECT_EQ(verdicts(skewed), verdicts(truth)) << skewed["violations"].dump();
  EXPECT_EQ(skewed["summary"], truth["summary"]);
  const auto& alignment = skewed["stats"]["fleet"]["clock_alignment"];
  ASSERT_EQ(alignment.size(), 2u);
  const auto offset = alignment[1]["offset_ns"].get<std::int64_t>();
  const auto bound = alignment[1]["bound_ns"].get<std::int64_t>();
  EXPECT_NEAR(static_cast<double>(offset), -23e9, static_cast<double>(bound) + 1e6) << alignment.dump();
  EXPECT_LT(bound, 1'000'000'000) << "the markers measure the skew within the checker's 1 s graces";

  const auto bare = merge(skew(0, 3'000'000'000, false), skew(1, -20'000'000'000, false), "merged-bare");
  const auto& bare_alignment = bare["stats"]["fleet"]["clock_alignment"];
  EXPECT_GT(std::llabs(bare_alignment[1]["offset_ns"].get<std::int64_t>() + 23'000'000'000), 1'000'000'000)
      << bare_alignment.dump();
  EXPECT_GT(bare["duration_ms"].get<double>(), truth["duration_ms"].get<double>() + 20'000)
      << bare["duration_ms"] << " vs " << truth["duration_ms"];
  EXPECT_NE(alignment[1]["method"].get<std::string>().find("markers"), std::string::npos) << alignment.dump();
}

}  // namespace
