// `simulate` interrupted, killed, or signalled twice by timeout(1): the fleet stops, its history is judged.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "history/event_log_file.hpp"
#include "support/mosquitto_broker.hpp"
#include "tests/capture/pcap_builder.hpp"
#include "tests/cli/interrupted_run_support.hpp"

namespace mqtt::cli::interrupted_run {
namespace {

// ---- simulate -----------------------------------------------------------------------------------------------

// Two minutes of telemetry; the signal comes after the first message.
constexpr const char* long_fleet = R"({
  "name": "long-telemetry",
  "duration_ms": 120000,
  "settle_ms": 2000,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/+/telemetry", "qos": 1}]}],
  "groups": [{"name": "dtu", "count": 5, "connect_rate": 50,
              "publish": {"topic": "dtu/{id}/telemetry", "rate": 4, "qos": [0, 1, 0]}}]
})";

using InterruptedSimulation = SignalTest;

TEST_P(InterruptedSimulation, StopsTheFleetAndJudgesItsHistory) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-interrupt-simulate");
  write_file(work.path() / "fleet.json", long_fleet);
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "simulate", (work.path() / "fleet.json").string(), "--target", broker.url(),
                      "--seed", "5", "--history", "all", "-o", (work.path() / "out").string()});
  ASSERT_TRUE(watcher.wait_for_publish(30s)) << "the fleet never published\n" << child.errors();
  child.signal(signal());
  const auto result = child.wait(40s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, exit_code()) << describe(result);
  EXPECT_LT(result.elapsed, 20s) << "the fleet ran on after the signal";
  EXPECT_NE(result.errors.find("mqtt-harness simulate: interrupted by " + name() + " after "), std::string::npos)
      << result.errors;

  const auto results = expect_interrupted_reports(work.path() / "out", name());
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& fleet = results.cases.front();
  EXPECT_EQ(fleet.verdict, results::Verdict::inconclusive) << fleet.message;
  EXPECT_NE(fleet.message.find("the run was interrupted after "), std::string::npos) << fleet.message;
  EXPECT_GE(count_events(fleet, history::EventKind::sent, PacketType::publish), 1u);
  EXPECT_TRUE(results.stats["fleet"].contains("interrupted_at_ms"));
  // Every device left as at the normal end: the history ends with the DISCONNECTs.
  EXPECT_GE(count_events(fleet, history::EventKind::sent, PacketType::disconnect), 1u);
  // The history log, written as the fleet ran and closed after the signal, holds the same history, whole.
  const auto log = history::read_event_log(work.path() / "out" / "history.log");
  EXPECT_FALSE(log.cut_short);
  EXPECT_EQ(log.history.events.size(), fleet.history.size());
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedSimulation, ::testing::Values(SIGINT, SIGTERM), signal_test_name);

std::size_t count_log_events(const history::History& history, history::EventKind kind, PacketType type) {
  std::size_t count = 0;
  for (const auto& event : history.events) {
    count += event.kind == kind && event.packet && packet_type(*event.packet) == type;
  }
  return count;
}

// kill -9 (the OOM killer, a power cut to the process) leaves the run no time to write anything more: its
// history.log holds the events up to its last write (the buffer goes out at least once a second), readable,
// convertible and judged again by `report` into the partial report the run could not write.
TEST(KilledSimulation, LeavesItsHistoryLogReadableUpToTheLastWrite) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-killed-simulate");
  write_file(work.path() / "fleet.json", long_fleet);
  const auto out = work.path() / "out";
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "simulate", (work.path() / "fleet.json").string(), "--target", broker.url(),
                      "--seed", "8", "-o", out.string()});
  // 5 devices at 4 msg/s: 60 telemetry messages take about 3 s, so the log has gone to disk at least twice.
  for (int seen = 0; seen < 60; ++seen) {
    ASSERT_TRUE(watcher.wait_for_publish(30s, "/telemetry")) << "telemetry " << seen << "\n" << child.errors();
  }
  child.signal(SIGKILL);
  const auto result = child.wait(10s);
  EXPECT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, -1) << describe(result);  // killed by the signal
  EXPECT_FALSE(fs::exists(out / "results.json"));

  const auto contents = history::read_event_log(out / "history.log");
  EXPECT_GE(count_log_events(contents.history, history::EventKind::sent, PacketType::connect), 6u)
      << "5 devices and the backend";
  EXPECT_GE(count_log_events(contents.history, history::EventKind::sent, PacketType::publish), 4u);
  EXPECT_GE(count_log_events(contents.history, history::EventKind::received, PacketType::publish), 4u);
  for (std::size_t index = 0; index < contents.history.events.size(); ++index) {
    ASSERT_EQ(contents.history.events[index].sequence, index + 1);
  }

  RunningChild convert({MQTT_HARNESS_BINARY, "convert", (out / "history.log").string(), "--output",
                        (work.path() / "history.pcap").string()});
  const auto converted = convert.wait(30s);
  EXPECT_EQ(converted.exit_code, 0) << describe(converted);
  const auto pcap = capture::analyse_capture_file(work.path() / "history.pcap");
  EXPECT_GE(pcap.connections.size(), 6u);

  // `report` judges the log again: the killed run's report, inconclusive (the fleet never reached its end), not
  // a pass, and not a false accusation for what the kill left owed.
  RunningChild report({MQTT_HARNESS_BINARY, "report", (out / "history.log").string(), "-o",
                       (work.path() / "judged").string()});
  const auto judged = report.wait(60s);
  EXPECT_EQ(judged.exit_code, 5) << describe(judged);
  const auto results = results::results_from_json(nlohmann::json::parse(read_file(work.path() / "judged" / "results.json")));
  EXPECT_EQ(results.kind, "simulation");
  EXPECT_EQ(results.summary.inconclusive, 1);
  EXPECT_TRUE(results.violations.empty());
  ASSERT_EQ(results.cases.size(), 1u);
  EXPECT_NE(results.cases.front().message.find("the log ends before the fleet's end"), std::string::npos)
      << results.cases.front().message;
  EXPECT_TRUE(fs::exists(work.path() / "judged" / "report.html"));
}

// A target that accepts TCP connections and never says anything: the proof that the fleet's devices are waiting
// for their CONNACKs is a connection on which CONNECT bytes arrived after the fleet's probe.
class SilentTarget {
 public:
  SilentTarget() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 64) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("silent target: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SilentTarget() {
    stop_ = true;
    thread_.join();
    for (const int connection : connections_) ::close(connection);
    ::close(listener_);
  }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }
  std::future<void> connect_received() { return connect_received_.get_future(); }

 private:
  void serve() {
    bool proved = false;
    while (!stop_) {
      std::vector<pollfd> waits{{listener_, POLLIN, 0}};
      for (const int connection : connections_) waits.push_back({connection, POLLIN, 0});
      if (::poll(waits.data(), waits.size(), 100) <= 0) continue;  // 100 ms: how soon the destructor is noticed
      if ((waits[0].revents & POLLIN) != 0) {
        const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection >= 0) connections_.push_back(connection);
      }
      for (std::size_t index = 1; index < waits.size(); ++index) {
        if ((waits[index].revents & (POLLIN | POLLHUP)) == 0) continue;
        char bytes[4096];
        const auto got = ::read(waits[index].fd, bytes, sizeof bytes);
        // The first byte of a CONNECT is 0x10: a device is waiting for its CONNACK now.
        if (got > 0 && static_cast<unsigned char>(bytes[0]) == 0x10 && !proved) {
          proved = true;
          connect_received_.set_value();
        }
      }
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> connections_;
  std::atomic<bool> stop_{false};
  std::promise<void> connect_received_;
  std::thread thread_;
};

// Interrupted while its devices wait for CONNACKs from a target that never answers: that says nothing about the
// target, so no "target did not answer" line and no exit 3; the run is interrupted, with its reports.
TEST(InterruptedCommands, CONNECTsTheInterruptionLeftUnansweredAreNoTargetProblem) {
  SilentTarget target;
  auto connect_received = target.connect_received();
  TemporaryDirectory work("mqtt-interrupt-silent");
  write_file(work.path() / "fleet.json", long_fleet);
  RunningChild child({MQTT_HARNESS_BINARY, "simulate", (work.path() / "fleet.json").string(), "--target",
                      target.url(), "--seed", "7", "--history", "all", "-o", (work.path() / "out").string()});
  ASSERT_EQ(connect_received.wait_for(30s), std::future_status::ready) << child.errors();
  child.signal(SIGINT);
  const auto result = child.wait(30s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_EQ(result.errors.find("target did not answer"), std::string::npos) << result.errors;
  for (const auto& name : report_files) EXPECT_TRUE(fs::exists(work.path() / "out" / name)) << name;
  const auto results = results::results_from_json(nlohmann::json::parse(read_file(work.path() / "out" / "results.json")));
  ASSERT_TRUE(results.interrupted);
  EXPECT_EQ(results.target_problem, "");
  ASSERT_EQ(results.cases.size(), 1u);
  EXPECT_EQ(results.cases.front().verdict, results::Verdict::inconclusive);
  EXPECT_GE(count_events(results.cases.front(), history::EventKind::sent, PacketType::connect), 1u);
}

// timeout(1) signals its command and then the command's process group, so the command gets the signal twice from
// one sender: that is one request, and the reports are written (`timeout -s INT 1h mqtt-harness simulate ...`).
TEST(InterruptedCommands, TheSignalToTheProcessAndThenItsGroupIsOneRequest) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-interrupt-group");
  write_file(work.path() / "fleet.json", long_fleet);
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "simulate", (work.path() / "fleet.json").string(), "--target", broker.url(),
                      "--seed", "6", "--history", "all", "-o", (work.path() / "out").string()});
  ASSERT_TRUE(watcher.wait_for_publish(30s)) << "the fleet never published\n" << child.errors();
  child.signal(SIGINT);
  // The second delivery must reach a process that handled the first, or the kernel merges the two.
  ASSERT_TRUE(child.wait_for_error_text("interrupted by SIGINT after ", 30s)) << child.errors();
  child.signal_group(SIGINT);
  const auto result = child.wait(40s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_EQ(result.errors.find("SIGINT again: stopped at once"), std::string::npos) << result.errors;
  expect_interrupted_reports(work.path() / "out", "SIGINT");
}

}  // namespace
}  // namespace mqtt::cli::interrupted_run
