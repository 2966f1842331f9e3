// `replay` against live targets: every wait bounded against a silent server (timed and as fast as possible), the
// namespace applied to every replayed packet, the target's credentials in the CONNECT, and the one line for a
// target that took no part. The silent server is a loopback socket that accepts and never answers.
#include "runner/replay_run.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::runner {
namespace {

using namespace std::chrono_literals;

// Accepts TCP connections and never sends or reads a byte; they stay open until it is destroyed.
class SilentServer {
 public:
  SilentServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 256) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd waiting{listener_, POLLIN, 0};
        if (::poll(&waiting, 1, 50) <= 0) continue;  // wakes up to notice stop_
        const int connection = ::accept(listener_, nullptr, nullptr);
        if (connection >= 0) connections_.push_back(connection);
      }
    });
  }
  ~SilentServer() {
    stop_ = true;
    thread_.join();
    for (int connection : connections_) ::close(connection);
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> connections_;
  std::thread thread_;
};

// `sessions` captured clients, 1 ms apart: CONNECT, SUBSCRIBE after the CONNACK, a QoS 1 PUBLISH after the
// SUBACK, then a close; the captured broker answered each.
capture::ReplayPlan plan_of(std::size_t sessions) {
  capture::ReplayPlan plan;
  for (std::size_t index = 0; index < sessions; ++index) {
    capture::ReplaySession session;
    session.connection = static_cast<std::uint32_t>(index + 1);
    session.client = "10.0.0.1:" + std::to_string(40000 + index);
    session.client_id = "dtu-" + std::to_string(index + 1);
    session.captured_answers = {Packet(Connack{}), Packet(Suback{ProtocolVersion::v3_1_1, 1, {1}, {}}),
                                Packet(Puback{ProtocolVersion::v3_1_1, 2, 0, {}})};
    plan.sessions.push_back(session);
    const std::int64_t start = static_cast<std::int64_t>(index) * 1'000'000;
    Connect connect;
    connect.client_id = session.client_id;
    connect.will.emplace();
    connect.will->topic = "dtu/" + std::to_string(index + 1) + "/status";
    Subscribe subscribe;
    subscribe.packet_id = 1;
    subscribe.subscriptions.push_back(Subscription{"dtu/" + std::to_string(index + 1) + "/cmd", QoS::at_least_once});
    Publish publish;
    publish.qos = QoS::at_least_once;
    publish.packet_id = 2;
    publish.topic = "dtu/" + std::to_string(index + 1) + "/telemetry";
    const auto step = [&](capture::ReplayStep::Kind kind, std::int64_t at, std::optional<Packet> packet,
                          std::size_t answers_before) {
      capture::ReplayStep replay_step;
      replay_step.kind = kind;
      replay_step.time_ns = at;
      replay_step.session = index;
      replay_step.packet = std::move(packet);
      replay_step.answers_before = answers_before;
      plan.steps.push_back(std::move(replay_step));
    };
    step(capture::ReplayStep::Kind::open, start, std::nullopt, 0);
    step(capture::ReplayStep::Kind::send, start + 100'000, Packet(connect), 0);
    step(capture::ReplayStep::Kind::send, start + 200'000, Packet(subscribe), 1);
    step(capture::ReplayStep::Kind::send, start + 300'000, Packet(publish), 2);
    step(capture::ReplayStep::Kind::close, start + 400'000, std::nullopt, 3);
  }
  std::stable_sort(plan.steps.begin(), plan.steps.end(),
                   [](const auto& a, const auto& b) { return a.time_ns < b.time_ns; });
  return plan;
}

ReplayRunOptions options_for(std::uint16_t port) {
  ReplayRunOptions options;
  options.target = test_support::loopback_target(port);
  options.answer_deadline = 300ms;
  options.connect_deadline = 1s;
  options.settle = 200ms;
  return options;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// 40 sessions whose every step waits for an answer that never comes: waiting one answer deadline per step, as
// replay did, would take 40 x 3 x 0.3 s = 36 s.
TEST(ReplayRun, ASilentTargetCostsOneAnswerDeadlineNotOnePerSessionWhenTimed) {
  SilentServer silent;
  const auto plan = plan_of(40);
  const auto options = options_for(silent.port());
  const auto worst_case = replay_worst_case(plan, options);
  EXPECT_LT(worst_case, 3s);
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_replay(plan, options);
  const double elapsed = seconds_since(started);
  EXPECT_LE(elapsed, std::chrono::duration<double>(worst_case).count()) << "the bound replay prints must hold";
  EXPECT_TRUE(run.unreachable.empty()) << run.unreachable;
  EXPECT_EQ(run.sessions_unanswered, 40u);
  EXPECT_EQ(run.target_problem, "target did not answer CONNECT within 1.3 s (40 sent)");
  ASSERT_FALSE(run.inconclusive.empty());
  EXPECT_NE(run.inconclusive[0].find("40 session(s) the captured broker accepted got no CONNACK"), std::string::npos)
      << run.inconclusive[0];
}

TEST(ReplayRun, ASilentTargetCostsOneAnswerDeadlineWhenAsFastAsPossible) {
  SilentServer silent;
  const auto plan = plan_of(40);
  auto options = options_for(silent.port());
  options.as_fast_as_possible = true;
  const auto started = std::chrono::steady_clock::now();
  const auto run = run_replay(plan, options);
  const double elapsed = seconds_since(started);
  // One answer deadline, the settle time, and the opens and sends themselves.
  EXPECT_LT(elapsed, 0.3 + 0.2 + 1.0);
  EXPECT_LE(elapsed, std::chrono::duration<double>(replay_worst_case(plan, options)).count());
  EXPECT_EQ(run.target_problem, "target did not answer CONNECT within 1.3 s (40 sent)");
  int notes = 0;
  for (const auto& event : run.history.events) {
    notes += event.kind == history::EventKind::note && event.detail.find("the replay no longer waits") != std::string::npos;
  }
  EXPECT_EQ(notes, 1);
}

TEST(ReplayRun, AnUnreachableTargetRunsNothing) {
  const auto port = static_cast<std::uint16_t>(std::stoi(test_support::free_loopback_port()));
  const auto run = run_replay(plan_of(3), options_for(port));
  EXPECT_NE(run.unreachable.find("refused"), std::string::npos) << run.unreachable;
  EXPECT_TRUE(run.history.events.empty());
}

TEST(ReplayRun, EveryReplayedPacketLivesInTheNamespaceWithTheTargetsCredentials) {
  test_support::MosquittoOptions with_password;
  with_password.allow_anonymous = false;
  with_password.users = {{"alice", "secret"}};
  test_support::MosquittoBroker broker(with_password);
  auto options = options_for(broker.port());
  options.target.username = "alice";
  options.target.password = "secret";
  options.run_namespace = std::get<RunNamespace>(RunNamespace::from_prefix("test/"));
  const auto run = run_replay(plan_of(2), options);
  EXPECT_TRUE(run.target_problem.empty()) << run.target_problem;
  EXPECT_TRUE(run.inconclusive.empty()) << run.inconclusive.front();
  int connacks = 0;
  for (const auto& event : run.history.events) {
    if (!event.packet) continue;
    if (const auto* connect = std::get_if<Connect>(&*event.packet)) {
      EXPECT_EQ(connect->client_id.rfind("test-dtu-", 0), 0u) << connect->client_id;
      EXPECT_EQ(connect->will->topic.rfind("test/dtu/", 0), 0u) << connect->will->topic;
      EXPECT_EQ(connect->username, "alice");
    }
    if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
      EXPECT_EQ(publish->topic.rfind("test/dtu/", 0), 0u) << publish->topic;
    }
    if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) {
      EXPECT_EQ(subscribe->subscriptions[0].filter.rfind("test/dtu/", 0), 0u);
    }
    if (const auto* connack = std::get_if<Connack>(&*event.packet)) {
      EXPECT_EQ(connack->reason_code, 0);
      ++connacks;
    }
  }
  EXPECT_EQ(connacks, 2);

  // The wrong password: the target takes no part, and says why in one line.
  options.target.password = "wrong";
  const auto refused = run_replay(plan_of(2), options);
  EXPECT_EQ(refused.target_problem,
            "target refused CONNECT: return code 5 (not authorized) — check the credentials (-u, -P, --password-file or user:password@ in --target)");
}

// The command line: the one line and exit 3 against a silent server; the bound printed before it starts.
struct Ran {
  int exit_code = -1;
  std::string output;
};

Ran run_command(const std::string& arguments) {
  Ran ran;
  FILE* pipe = popen((std::string(MQTT_HARNESS_BINARY) + " " + arguments + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return ran;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) ran.output += buffer.data();
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

const std::string fixture = std::string(MQTT_SOURCE_DIR) + "/tests/capture/data/mosquitto-v311-v5.pcap";

TEST(ReplayCommand, ASilentTargetIsOneLineAndExitThreeWithinThePrintedBound) {
  SilentServer silent;
  const auto started = std::chrono::steady_clock::now();
  const auto ran = run_command("replay " + fixture + " --target mqtt://127.0.0.1:" + std::to_string(silent.port()) +
                               " --answer-deadline 0.3 --settle 0.2 -o ''");
  const double elapsed = seconds_since(started);
  EXPECT_EQ(ran.exit_code, 3) << ran.output;
  EXPECT_NE(ran.output.find("mqtt-harness replay: target did not answer CONNECT within 5.3 s (3 sent)\n"),
            std::string::npos)
      << ran.output;
  EXPECT_NE(ran.output.find("at most 10.6 s"), std::string::npos) << ran.output;
  EXPECT_LT(elapsed, 10.6);
}

TEST(ReplayCommand, APrefixJoinsCleanlyAndRunsTwiceAgainstOneBrokerAlike) {
  test_support::MosquittoBroker broker;
  const auto directory = std::filesystem::temp_directory_path() / ("mqtt-harness-replay-" + std::to_string(::getpid()));
  for (const auto* seed : {"1", "2"}) {
    const auto report = directory / seed;
    const auto ran = run_command("replay " + fixture + " --target " + broker.url() + " --seed " + seed +
                                 " --prefix test/" + seed + "/ --settle 2 --history results -o " + report.string());
    EXPECT_EQ(ran.exit_code, 0) << ran.output;
    EXPECT_NE(ran.output.find("answered every session as the captured broker did"), std::string::npos) << ran.output;
    std::ifstream in(report / "results.json");
    ASSERT_TRUE(in) << ran.output;
    const auto results = nlohmann::json::parse(in);
    EXPECT_EQ(results["stats"]["namespace"], std::string("test/") + seed);
    for (const auto& event : results["cases"][0]["history"]) {
      if (!event.contains("packet")) continue;
      const auto text = event["packet"].dump();
      EXPECT_EQ(text.find("//"), std::string::npos) << text;
      EXPECT_EQ(text.find("/-"), std::string::npos) << text;
      if (event["packet"]["type"] == "CONNECT") {
        EXPECT_EQ(event["packet"]["client_id"].get<std::string>().rfind(std::string("test-") + seed + "-fixture-", 0), 0u)
            << text;
      }
    }
  }
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace mqtt::runner
