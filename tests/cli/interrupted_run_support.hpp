// What the interrupted-command tests (interrupted_*_test.cpp, one per judging command) share. Each sends SIGINT
// or SIGTERM in the middle of a run, end to end (issue 12 §5): the real binary as a child, an event that proves
// the run is under way (a PUBLISH it sent reaching a subscriber on the broker, or capture bytes it consumed), the
// signal, and then the partial reports: exit 130 (143 for SIGTERM) well before the run would have ended, every
// report file present and marked interrupted, results.json holding what was recorded, history.jsonl and
// history.pcap readable. A second signal stops at once without reports.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "capture/capture_analyser.hpp"
#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "client/target_url.hpp"
#include "results/json.hpp"
#include "tests/cli/running_child.hpp"

namespace mqtt::cli::interrupted_run {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using reports::testing::ChildResult;
using reports::testing::TemporaryDirectory;
using test_support::RunningChild;

inline const std::vector<std::string> report_files = {"results.json", "report.html", "junit.xml",
                                               "summary.md",   "history.jsonl", "history.pcap"};

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_file(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

inline std::string describe(const ChildResult& result) {
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
inline results::Results expect_interrupted_reports(const fs::path& directory, const std::string& signal) {
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

inline std::string signal_test_name(const ::testing::TestParamInfo<int>& info) {
  return info.param == SIGINT ? "SIGINT" : "SIGTERM";
}

inline std::size_t count_events(const results::CaseResult& row, history::EventKind kind, PacketType type) {
  std::size_t count = 0;
  for (const auto& event : row.history) {
    count += event.kind == kind && event.packet && packet_type(*event.packet) == type ? 1 : 0;
  }
  return count;
}

}  // namespace mqtt::cli::interrupted_run
