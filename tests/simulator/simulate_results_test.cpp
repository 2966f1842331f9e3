// `mqtt-harness simulate` end to end: the verdicts, reports and history files a run writes, exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <algorithm>

#include "broker/broker.hpp"
#include "history/event_log_file.hpp"
#include "results/json.hpp"
#include "support/mosquitto_broker.hpp"
#include "simulate_command_fixture.hpp"

namespace simulate_command_test {
namespace {

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

}  // namespace
}  // namespace simulate_command_test
