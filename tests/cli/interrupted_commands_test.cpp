// SIGINT and SIGTERM in the middle of a run of each judging command, end to end (issue 12 §5): the real binary as a
// child, an event that proves the run is under way (a PUBLISH it sent reaching a subscriber on the broker, or
// capture bytes it consumed), the signal, and then the partial reports: exit 130 (143 for SIGTERM) well before the
// run would have ended, every report file present and marked interrupted, results.json holding what was recorded,
// history.jsonl and history.pcap readable. A second signal stops at once without reports.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "capture/capture_analyser.hpp"
#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "client/target_url.hpp"
#include "history/event_log_file.hpp"
#include "results/json.hpp"
#include "support/mosquitto_broker.hpp"
#include "tests/capture/pcap_builder.hpp"
#include "tests/cli/running_child.hpp"

namespace mqtt::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using reports::testing::ChildResult;
using reports::testing::TemporaryDirectory;
using test_support::RunningChild;

const std::vector<std::string> report_files = {"results.json", "report.html", "junit.xml",
                                               "summary.md",   "history.jsonl", "history.pcap"};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string describe(const ChildResult& result) {
  return "exit " + std::to_string(result.exit_code) + (result.timed_out ? " (timed out)" : "") + " after " +
         std::to_string(result.elapsed.count()) + " ms\nstdout:\n" + result.output + "\nstderr:\n" + result.errors;
}

// A subscriber to every topic of the broker: the first PUBLISH it gets proves the harness is driving traffic.
class BrokerWatcher {
 public:
  explicit BrokerWatcher(const std::string& url) {
    auto target = std::get<client::TargetUrl>(client::parse_target_url(url));
    auto opened = client::Session::open(loop_, recorder_, target, {.actor = "watcher"});
    if (auto* failure = std::get_if<std::string>(&opened)) throw std::runtime_error("watcher: " + *failure);
    session_.emplace(std::get<client::Session>(std::move(opened)));
    Connect connect;
    connect.client_id = "interrupt-test-watcher";
    if (!session_->connect(connect, 5s).ok()) throw std::runtime_error("watcher: no CONNACK");
    if (!session_->subscribe({Subscription{"#", QoS::at_most_once}}, 5s).ok())
      throw std::runtime_error("watcher: no SUBACK");
  }
  // The first PUBLISH whose topic ends with `suffix`, or false at the deadline.
  bool wait_for_publish(client::Duration deadline, std::string_view suffix = "") {
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= client::Duration::zero()) return false;
      const auto received = session_->next_publish(left);
      if (!received.ok()) return false;
      if (std::get<Publish>(*received.packet).topic.ends_with(suffix)) return true;
    }
  }

 private:
  client::EventLoop loop_;
  client::Recorder recorder_;
  std::optional<client::Session> session_;
};

// What every interrupted run leaves (the commands are asked for every history file with --history all): each
// report file, marked interrupted by `signal`, results.json readable and
// holding the recorded history, history.jsonl of JSON lines, history.pcap readable as a capture.
results::Results expect_interrupted_reports(const fs::path& directory, const std::string& signal) {
  for (const auto& name : report_files) EXPECT_TRUE(fs::exists(directory / name)) << name;
  const auto results = results::results_from_json(nlohmann::json::parse(read_file(directory / "results.json")));
  EXPECT_TRUE(results.interrupted.has_value());
  if (results.interrupted) {
    EXPECT_EQ(results.interrupted->signal, signal);
    EXPECT_GT(results.interrupted->after_ms, 0.0);
  }
  EXPECT_EQ(results.summary.passed, 0) << "an interrupted run is never passed";
  const std::string banner = "Interrupted by " + signal + " after ";
  EXPECT_NE(read_file(directory / "report.html").find(banner), std::string::npos);
  EXPECT_NE(read_file(directory / "summary.md").find(banner), std::string::npos);
  const auto junit = read_file(directory / "junit.xml");
  EXPECT_NE(junit.find("<property name=\"interrupted\" value=\"interrupted by " + signal), std::string::npos);
  EXPECT_NE(junit.find(banner), std::string::npos);

  std::ifstream lines(directory / "history.jsonl");
  std::size_t events = 0;
  for (std::string line; std::getline(lines, line); ++events) {
    bool is_event = false;
    EXPECT_NO_THROW(is_event = nlohmann::json::parse(line).is_object()) << "history.jsonl line " << events + 1;
    EXPECT_TRUE(is_event) << "history.jsonl line " << events + 1;
  }
  EXPECT_GT(events, 0u);
  const auto pcap = capture::analyse_capture_file(directory / "history.pcap");
  EXPECT_GT(pcap.frames, 0u);
  EXPECT_FALSE(pcap.interrupted);
  return results;
}

// Each live-broker command is interrupted by either signal: SIGINT (a terminal's Ctrl-C) and SIGTERM (a service
// manager or CI stopping a job) take the same path and differ only in the name and the exit code.
class SignalTest : public ::testing::TestWithParam<int> {
 protected:
  int signal() const { return GetParam(); }
  std::string name() const { return GetParam() == SIGINT ? "SIGINT" : "SIGTERM"; }
  int exit_code() const { return 128 + GetParam(); }
};

std::string signal_test_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == SIGINT ? "SIGINT" : "SIGTERM";
}

std::size_t count_events(const results::CaseResult& row, history::EventKind kind, PacketType type) {
  std::size_t count = 0;
  for (const auto& event : row.history) {
    count += event.kind == kind && event.packet && packet_type(*event.packet) == type ? 1 : 0;
  }
  return count;
}

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

// ---- replay -------------------------------------------------------------------------------------------------

// One captured session: CONNECT, a PUBLISH at once, another 100 s later, DISCONNECT.
Bytes slow_session_capture() {
  using namespace capture::test;
  PcapBuilder builder(Link::ethernet);
  Conversation tcp({"10.0.0.2", 40001}, {"10.0.0.1", 1883});
  std::vector<Segment> segments = tcp.handshake();
  segments.push_back(tcp.client_sends(connect_bytes("dtu-1")));
  segments.push_back(tcp.server_sends(connack_bytes()));
  segments.push_back(tcp.client_sends(publish_bytes("dtu/1/telemetry", "first")));
  const std::size_t later = segments.size();
  segments.push_back(tcp.client_sends(publish_bytes("dtu/1/telemetry", "second")));
  segments.push_back(tcp.client_sends(disconnect_bytes()));
  segments.push_back(tcp.client_fin());
  segments.push_back(tcp.server_fin());
  for (std::size_t index = later; index < segments.size(); ++index) segments[index].time_ns += 100'000'000'000;
  for (const auto& segment : segments) builder.add(segment);
  return builder.bytes();
}

using InterruptedReplay = SignalTest;

TEST_P(InterruptedReplay, StopsBetweenStepsAndClosesItsSessions) {
  test_support::MosquittoBroker broker;
  TemporaryDirectory work("mqtt-interrupt-replay");
  const auto capture = slow_session_capture();
  write_file(work.path() / "slow.pcap", std::string(capture.begin(), capture.end()));
  BrokerWatcher watcher(broker.url());
  RunningChild child({MQTT_HARNESS_BINARY, "replay", (work.path() / "slow.pcap").string(), "--target", broker.url(),
                      "--seed", "3", "--history", "all", "-o", (work.path() / "out").string()});
  ASSERT_TRUE(watcher.wait_for_publish(30s)) << "the replay never published\n" << child.errors();
  child.signal(signal());
  const auto result = child.wait(30s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, exit_code()) << describe(result);
  EXPECT_LT(result.elapsed, 20s) << "the replay waited for its second step";

  const auto results = expect_interrupted_reports(work.path() / "out", name());
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& replay = results.cases.front();
  EXPECT_EQ(replay.verdict, results::Verdict::inconclusive) << replay.message;
  EXPECT_NE(replay.message.find("the replay was interrupted after "), std::string::npos) << replay.message;
  EXPECT_EQ(count_events(replay, history::EventKind::sent, PacketType::publish), 1u) << "only the first step ran";
  bool closed = false;
  for (const auto& event : replay.history) closed = closed || event.kind == history::EventKind::closed;
  EXPECT_TRUE(closed) << "the open session was closed";
}

INSTANTIATE_TEST_SUITE_P(Signals, InterruptedReplay, ::testing::Values(SIGINT, SIGTERM), signal_test_name);

// ---- inspect ------------------------------------------------------------------------------------------------

// `count` QoS 1 sessions (10 frames each), client ports from `first`, as pcap records (no file header).
Bytes session_records(std::uint32_t first, std::uint32_t count) {
  using namespace capture::test;
  PcapBuilder builder(Link::ethernet);
  for (std::uint32_t index = first; index < first + count; ++index) {
    const std::uint16_t port = static_cast<std::uint16_t>(10'000 + index % 50'000);
    for (const auto& segment : qos1_session({"10.0.0.2", port}, {"10.0.0.1", 1883}, "dtu-" + std::to_string(index)))
      builder.add(segment);
  }
  const auto& bytes = builder.bytes();
  return Bytes(bytes.begin() + 24, bytes.end());  // without the 24-byte pcap file header
}

Bytes pcap_file_header() {
  const capture::test::PcapBuilder empty(capture::test::Link::ethernet);
  return Bytes(empty.bytes().begin(), empty.bytes().begin() + 24);
}

// Writes a capture into a FIFO for as long as someone reads it: a capture with no end, so only an interruption
// ends `inspect`. `consumed` is set once more than `proof_bytes` went in: less the pipe's buffer (64 KiB) and the
// reader's own (PcapSource reads through 1 MiB), the reader has analysed the rest.
class EndlessCapture {
 public:
  EndlessCapture(const fs::path& fifo, std::size_t proof_bytes) : fifo_(fifo) {
    if (::mkfifo(fifo.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    writer_ = std::thread([this, proof_bytes] { write_all(proof_bytes); });
  }
  ~EndlessCapture() {
    // A writer still blocked in open() (the reader never came) is released by a reader that goes at once.
    const int unblock = ::open(fifo_.c_str(), O_RDONLY | O_NONBLOCK);
    if (unblock >= 0) ::close(unblock);
    stop_ = true;
    writer_.join();
  }
  std::future<void> consumed() { return consumed_.get_future(); }

 private:
  void write_all(std::size_t proof_bytes) {
    const int out = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);
    if (out < 0) return;
    std::size_t written = 0;
    bool proved = false;
    auto put = [&](const Bytes& bytes) {
      std::size_t at = 0;
      while (at < bytes.size()) {
        const auto got = ::write(out, bytes.data() + at, bytes.size() - at);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;  // EPIPE: the reader is gone
        at += static_cast<std::size_t>(got);
      }
      written += bytes.size();
      return true;
    };
    bool open = put(pcap_file_header());
    for (std::uint32_t next = 0; open && !stop_; next += 100) {
      open = put(session_records(next, 100));
      if (!proved && written > proof_bytes) {
        proved = true;
        consumed_.set_value();
      }
    }
    if (!proved) consumed_.set_value();  // reader gone early: the test's own checks say what went wrong
    ::close(out);
  }

  fs::path fifo_;
  std::atomic<bool> stop_{false};
  std::promise<void> consumed_;
  std::thread writer_;
};

class IgnoreBrokenPipes : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = ::signal(SIGPIPE, SIG_IGN); }
  void TearDown() override { ::signal(SIGPIPE, previous_); }

 private:
  sighandler_t previous_ = SIG_DFL;
};

using InterruptedInspect = IgnoreBrokenPipes;

TEST_F(InterruptedInspect, StopsReadingAnEndlessCaptureAndJudgesWhatItRead) {
  TemporaryDirectory work("mqtt-interrupt-inspect");
  EndlessCapture capture(work.path() / "live.pcap", 4 << 20);
  auto consumed = capture.consumed();
  RunningChild child({MQTT_HARNESS_BINARY, "inspect", (work.path() / "live.pcap").string(), "--history", "all", "-o",
                      (work.path() / "out").string()});
  ASSERT_EQ(consumed.wait_for(60s), std::future_status::ready) << child.errors();
  child.signal(SIGINT);
  const auto result = child.wait(60s);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_NE(result.output.find("verdict: interrupted"), std::string::npos) << result.output;

  const auto results = expect_interrupted_reports(work.path() / "out", "SIGINT");
  ASSERT_EQ(results.cases.size(), 1u);
  const auto& row = results.cases.front();
  EXPECT_EQ(row.verdict, results::Verdict::inconclusive) << row.message;
  EXPECT_NE(row.message.find("the capture was read only up to frame "), std::string::npos) << row.message;
  // At least the 4 MiB that went in before the signal, less 1.06 MiB of buffers: about 4,000 sessions of 754 bytes,
  // each judged.
  EXPECT_GT(count_events(row, history::EventKind::sent, PacketType::connect), 3000u);
  EXPECT_GT(count_events(row, history::EventKind::received, PacketType::puback), 3000u);
}

// The second signal: the command is writing its reports (into a FIFO nobody reads, so it cannot finish) when the
// first signal comes; the second stops it at once with one line, and the rest of the reports never appear. The
// second comes from another process, as from `kill` in a second terminal (the same signal from the same sender
// within a second is the first delivered twice: the next test).
TEST_F(InterruptedInspect, ASecondSignalStopsAtOnceWithoutTheReports) {
  TemporaryDirectory work("mqtt-interrupt-twice");
  const Bytes header = pcap_file_header();
  const Bytes records = session_records(0, 2000);  // results.json far beyond a pipe's 64 KiB
  Bytes file(header);
  file.insert(file.end(), records.begin(), records.end());
  write_file(work.path() / "big.pcap", std::string(file.begin(), file.end()));
  fs::create_directories(work.path() / "out");
  const auto fifo = work.path() / "out" / "results.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening the read end returns once the command opened results.json to write it.
  auto writing = std::async(std::launch::async, [&] { return ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC); });

  RunningChild child({MQTT_HARNESS_BINARY, "inspect", (work.path() / "big.pcap").string(), "--history", "all", "-o",
                      (work.path() / "out").string()});
  const bool reached = writing.wait_for(60s) == std::future_status::ready;
  if (!reached) {  // release the open: a writer that goes at once
    const int release = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (release >= 0) ::close(release);
  }
  const int reader = writing.get();
  ASSERT_TRUE(reached) << "inspect never started its reports\n" << child.errors();
  child.signal(SIGINT);
  EXPECT_TRUE(child.wait_for_error_text("interrupted by SIGINT after ", 30s)) << child.errors();
  child.signal_from_another_process(SIGINT);
  const auto result = child.wait(10s);
  ::close(reader);
  ASSERT_FALSE(result.timed_out) << describe(result);
  EXPECT_EQ(result.exit_code, 130) << describe(result);
  EXPECT_NE(result.errors.find("mqtt-harness inspect: SIGINT again: stopped at once; the reports were not written"),
            std::string::npos)
      << result.errors;
  for (const auto& name : {"report.html", "junit.xml", "summary.md", "history.jsonl", "history.pcap"}) {
    EXPECT_FALSE(fs::exists(work.path() / "out" / name)) << name;
  }
}

}  // namespace
}  // namespace mqtt::cli
