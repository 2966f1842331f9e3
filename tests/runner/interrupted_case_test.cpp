// The runner's side of an interruption (ConformanceOptions::stop, ExecutionContext::stop) against the embedded
// broker: a case in the middle of a long step stops at once, cleans up, and is judged on what it recorded
// (inconclusive, "interrupted at step N of M"); a run interrupted before a case started skips them all.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <variant>

#include "broker/broker.hpp"
#include "client/connection.hpp"
#include "client/recorder.hpp"
#include "client/session.hpp"
#include "client/target_url.hpp"
#include "runner/case_execution.hpp"
#include "runner/case_judgement.hpp"
#include "runner/case_loader.hpp"
#include "runner/conformance.hpp"

namespace mqtt::runner {
namespace {

using namespace std::chrono_literals;

Case slow_case() {
  const std::string text = R"({"suite": "mqtt-3.1.1", "cases": [{"id": "slow.case", "title": "t", "section": "3.3",
    "statements": ["MQTT-4.3.2-1"], "timeout_ms": 120000, "steps": [{"connect": "device"},
    {"publish": "device", "topic": "{prefix}/telemetry", "qos": 1},
    {"publish": "device", "topic": "{prefix}/started", "qos": 0}, {"pause_ms": 60000}]}]})";
  return parse_case_file("slow.json", text, CaseValidation{.check_statements = false}).at(0);
}

client::TargetUrl target_of(const broker::EmbeddedBroker& broker) {
  return std::get<client::TargetUrl>(client::parse_target_url("mqtt://127.0.0.1:" + std::to_string(broker.port())));
}

TEST(InterruptedCase, StopsTheStepInProgressAndIsJudgedOnWhatItRecorded) {
  broker::EmbeddedBroker broker;
  std::stop_source stop;
  // A subscriber to everything requests the stop once the case says it started its pause.
  std::promise<void> subscribed;
  std::jthread watcher([&, target = target_of(broker)] {
    client::EventLoop loop;
    client::Recorder recorder;
    auto opened = client::Session::open(loop, recorder, target, {.actor = "watcher"});
    auto& session = std::get<client::Session>(opened);
    Connect connect;
    connect.client_id = "watcher";
    session.connect(connect, 5s);
    session.subscribe({Subscription{"#", QoS::at_most_once}}, 5s);
    subscribed.set_value();
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < until) {
      const auto received = session.next_publish(until - std::chrono::steady_clock::now());
      if (!received.ok()) break;
      if (std::get<Publish>(*received.packet).topic.ends_with("/started")) break;
    }
    stop.request_stop();
  });
  subscribed.get_future().wait();

  ExecutionContext context;
  context.target = target_of(broker);
  context.seed = 41;
  context.stop = stop.get_token();
  client::EventLoop loop;
  const Case the_case = slow_case();
  CaseRun run = execute_case(the_case, context, loop);

  ASSERT_TRUE(run.interrupted.has_value());
  EXPECT_EQ(*run.interrupted, "at step 4 of 4");
  EXPECT_LT(run.duration_ms, 30'000.0) << "the pause ran to its end";
  EXPECT_FALSE(run.error);
  EXPECT_TRUE(run.unanswered.empty()) << "a wait the interruption ended is no unanswered step";
  EXPECT_TRUE(run.verdicts.violations.empty());
  bool disconnected = false;
  for (const auto& event : run.history.events) {
    disconnected = disconnected || (event.kind == history::EventKind::sent && event.packet &&
                                    std::holds_alternative<Disconnect>(*event.packet));
  }
  EXPECT_TRUE(disconnected) << "the clean-up still closes the client";
  const auto result = judge_case(the_case, std::move(run));
  EXPECT_EQ(result.verdict, results::Verdict::inconclusive);
  EXPECT_EQ(result.message, "the run was interrupted at step 4 of 4: the case did not finish");
}

TEST(InterruptedCase, ARunInterruptedBeforeItsCasesSkipsThemAll) {
  broker::EmbeddedBroker broker;
  std::stop_source stop;
  stop.request_stop();
  ConformanceOptions options;
  options.target = "mqtt://127.0.0.1:" + std::to_string(broker.port());
  options.filter = "connect.*";
  options.stop = stop.get_token();
  const auto results = run_conformance(options);
  ASSERT_FALSE(results.cases.empty());
  int interrupted = 0;
  for (const auto& row : results.cases) {
    EXPECT_EQ(row.verdict, results::Verdict::skipped) << row.id;
    // A case the default profile leaves out keeps that reason ("requires ... in the profile"); the others never
    // started because of the interruption.
    if (row.message == "interrupted") {
      ++interrupted;
    } else {
      EXPECT_TRUE(row.message.starts_with("requires ")) << row.id << ": " << row.message;
    }
  }
  EXPECT_GT(interrupted, 0);
  EXPECT_EQ(results.summary.skipped, static_cast<int>(results.cases.size()));
  EXPECT_EQ(results.summary.passed, 0);
}

}  // namespace
}  // namespace mqtt::runner
