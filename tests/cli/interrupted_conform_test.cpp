// `conform` interrupted: the case in progress is judged, the cases not started are skipped.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <string>

#include "support/mosquitto_broker.hpp"
#include "tests/cli/interrupted_run_support.hpp"

namespace mqtt::cli::interrupted_run {
namespace {

// ---- conform ------------------------------------------------------------------------------------------------

// Three cases that each publish (QoS 1, then QoS 0 on .../started once the PUBACK came) and then let a minute pass:
// with one job, the first is in its pause when the signal comes and the other two have not started.
std::string slow_case(const std::string& id) {
  return R"({"id": ")" + id + R"(", "title": "publish, then a minute", "section": "3.3",
   "statements": ["MQTT-4.3.2-1"], "timeout_ms": 120000, "steps": [{"connect": "device"},
     {"publish": "device", "topic": "{prefix}/telemetry", "qos": 1},
     {"publish": "device", "topic": "{prefix}/started", "qos": 0}, {"pause_ms": 60000}]})";
}

using InterruptedConform = SignalTest;

TEST_P(InterruptedConform, JudgesTheCaseInProgressAndSkipsTheCasesNotStarted) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-interrupt-conform");
  fs::create_directories(work.path() / "cases");
  write_file(work.path() / "cases" / "slow.json", R"({"suite": "mqtt-3.1.1", "cases": [)" + slow_case("slow.a") +
                                                     ", " + slow_case("slow.b") + ", " + slow_case("slow.c") + "]}");
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "conform", "--target", broker.url(), "--cases-dir",
                      (work.path() / "cases").string(), "--jobs", "1", "--seed", "12", "--history", "all", "-o",
                      (work.path() / "out").string()});
  ASSERT_TRUE(watcher.wait_for_publish(30s, "/started")) << "no case started its pause\n" << child.errors();
  child.signal(signal());
  const auto result = child.wait(30s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, exit_code()) << describe(result);
  EXPECT_LT(result.elapsed, 20s) << "the case waited out its pause";
  EXPECT_NE(result.errors.find("mqtt-harness conform: interrupted by " + name() + " after "), std::string::npos)
      << result.errors;
  EXPECT_NE(result.output.find("interrupted by " + name() + " after "), std::string::npos) << result.output;

  const auto results = expect_interrupted_reports(work.path() / "out", name());
  ASSERT_EQ(results.cases.size(), 3u);
  std::size_t cut = 0, skipped = 0;
  for (const auto& row : results.cases) {
    if (row.verdict == results::Verdict::skipped) {
      ++skipped;
      EXPECT_EQ(row.message, "interrupted") << row.id;
      EXPECT_TRUE(row.history.empty()) << row.id;
      continue;
    }
    ++cut;
    EXPECT_EQ(row.verdict, results::Verdict::inconclusive) << row.id << ": " << row.message;
    EXPECT_NE(row.message.find("interrupted at step 4 of 4"), std::string::npos) << row.message;
    // What it did before the signal is in its history, judged: the PUBLISHes and the PUBACK, then the clean-up.
    EXPECT_EQ(count_events(row, history::EventKind::sent, PacketType::publish), 2u);
    EXPECT_EQ(count_events(row, history::EventKind::received, PacketType::puback), 1u);
    EXPECT_EQ(count_events(row, history::EventKind::sent, PacketType::disconnect), 1u);
  }
  EXPECT_EQ(cut, 1u);
  EXPECT_EQ(skipped, 2u);
  EXPECT_EQ(results.summary.skipped, 2);
  EXPECT_EQ(results.summary.inconclusive, 1);
  EXPECT_NE(read_file(work.path() / "out" / "report.html").find("report: INTERRUPTED"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedConform, ::testing::Values(SIGINT, SIGTERM), signal_test_name);

}  // namespace
}  // namespace mqtt::cli::interrupted_run
