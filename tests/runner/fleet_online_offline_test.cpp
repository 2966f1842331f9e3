// A fleet judged online (on the judging thread, no history kept in memory) must end with exactly the verdicts of
// judging its history.log offline afterwards: statement by statement, violation by violation. Once against
// mosquitto with network faults (a clean run, so the comparison covers every exercised statement), once against
// the embedded broker with a defect (so there are violations, with evidence slices, to compare).
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <unistd.h>

#include "broker/broker.hpp"
#include "history/event_log_file.hpp"
#include "runner/fleet_run.hpp"
#include "runner/fleet_scenario.hpp"
#include "runner/history_judgement.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* faulty_fleet = R"({
  "name": "online-offline",
  "duration_ms": 3000,
  "settle_ms": 2500,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1},
                                                        {"filter": "dtu/+/status", "qos": 1}]}],
  "groups": [
    {
      "name": "cell",
      "count": 8,
      "keep_alive": 5,
      "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1},
      "publish": {"rate": 5, "qos": [1, 1, 0], "payload_size": 40},
      "connect_rate": 0,
      "reconnect": {"initial_ms": 100, "maximum_ms": 400}
    }
  ],
  "faults": [
    {"kind": "latency", "group": "cell", "fraction": 0.5, "at_ms": 300, "duration_ms": 1000, "latency_ms": 80, "jitter_ms": 40},
    {"kind": "fragment", "group": "cell", "fraction": 0.25, "at_ms": 0, "duration_ms": 3000, "fragment_bytes": 2},
    {"kind": "close", "group": "cell", "fraction": 0.25, "at_ms": 1000, "reset": true},
    {"kind": "power-loss", "group": "cell", "fraction": 0.125, "at_ms": 1500, "duration_ms": 500}
  ]
})";

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    path_ = std::filesystem::temp_directory_path() / ("online-offline-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct OnlineRun {
  FleetOutcome outcome;
  results::Results offline;
};

// Runs the fleet judged online, its events going to history.log as simulate writes them; then judges that log.
OnlineRun run_and_judge_again(std::uint16_t port, std::uint64_t seed, const std::filesystem::path& log_path) {
  std::cout << "seed " << seed << "\n";
  auto log = std::make_unique<history::EventLogWriter>(log_path);
  FleetRunOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = seed;
  options.keep_history = false;
  options.record = [&](const history::Event& event) { log->append(event); };
  options.tick = [&] { log->tick(); };
  options.recorded = [&] { log->close(); };
  OnlineRun run;
  run.outcome = run_fleet_scenario(parse_fleet_scenario("test.json", faulty_fleet), options);
  const auto contents = history::read_event_log(log_path);
  EXPECT_FALSE(contents.cut_short);
  HistorySource source;
  source.id = "offline";
  source.history = contents.history;
  HistoryJudgementOptions judgement;
  judgement.kind = "simulation";
  run.offline = judge_histories({std::move(source)}, judgement);
  return run;
}

void expect_same_verdicts(const results::Results& online, const results::Results& offline) {
  ASSERT_EQ(online.cases.size(), 1u);
  ASSERT_EQ(offline.cases.size(), 1u);
  EXPECT_TRUE(online.cases[0].history.empty()) << "keep_history=false keeps no history in the case row";
  EXPECT_EQ(online.cases[0].statements, offline.cases[0].statements);
  std::map<std::string, results::Verdict> online_statements;
  for (const auto& row : online.statements) online_statements[row.id] = row.verdict;
  ASSERT_EQ(online.statements.size(), offline.statements.size());
  for (const auto& row : offline.statements) {
    EXPECT_EQ(online_statements.at(row.id), row.verdict) << row.id;
  }
  ASSERT_EQ(online.violations.size(), offline.violations.size());
  for (std::size_t i = 0; i < online.violations.size(); ++i) {
    EXPECT_EQ(online.violations[i].statement, offline.violations[i].statement);
    EXPECT_EQ(online.violations[i].message, offline.violations[i].message);
  }
  ASSERT_EQ(online.observed.size(), offline.observed.size());
  for (std::size_t i = 0; i < online.observed.size(); ++i) {
    EXPECT_EQ(online.observed[i].behaviour, offline.observed[i].behaviour);
  }
}

TEST(FleetOnlineOffline, MosquittoWithNetworkFaultsGetsTheVerdictsOfItsHistoryLog) {
  test_support::MosquittoBroker mosquitto;
  const TemporaryDirectory directory;
  const auto run = run_and_judge_again(mosquitto.port(), 20261206, directory.path() / "history.log");
  ASSERT_TRUE(run.outcome.unreachable.empty()) << run.outcome.unreachable;
  const auto& online = run.outcome.results;
  EXPECT_GT(online.stats["harness"]["judge"]["events"].get<std::uint64_t>(), 200u);
  EXPECT_GT(online.stats["messages"].dump().size(), 2u) << "statistics streamed from the events";
  EXPECT_FALSE(online.cases[0].statements.empty());
  expect_same_verdicts(online, run.offline);
}

TEST(FleetOnlineOffline, ABrokerDefectIsFoundOnlineAsOfflineWithEvidenceSlices) {
  broker::BrokerOptions broker_options;
  broker_options.defects.insert(broker::Defect::reorder_deliveries);
  broker::EmbeddedBroker broker(broker_options);
  const TemporaryDirectory directory;
  const auto run = run_and_judge_again(broker.port(), 20261207, directory.path() / "history.log");
  ASSERT_TRUE(run.outcome.unreachable.empty()) << run.outcome.unreachable;
  const auto& online = run.outcome.results;
  ASSERT_FALSE(online.violations.empty()) << "reordered deliveries must be found";
  for (const auto& violation : online.violations) {
    EXPECT_FALSE(violation.history_slice.empty()) << violation.statement << ": evidence without the history";
  }
  expect_same_verdicts(online, run.offline);
}

}  // namespace
}  // namespace mqtt::runner
