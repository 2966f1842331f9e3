// A case whose harness loop is held past a step's deadline (a handler busy-waiting, as a starved process on a
// loaded machine is held) against the embedded broker: the broker answered in time, so the case passes. The
// step's deadline counts only the time the harness was looking (client::WatchedDeadline); a broker that stays
// silent is still caught when its deadline runs out.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker.hpp"
#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "results/results.hpp"
#include "runner/case_execution.hpp"
#include "runner/case_judgement.hpp"
#include "runner/case_loader.hpp"

namespace mqtt::runner {
namespace {

using namespace std::chrono_literals;

Case one_case(const std::string& steps) {
  const std::string text =
      R"({"suite": "mqtt-3.1.1", "cases": [{"id": "held.loop", "title": "t", "section": "4.3.2",
    "statements": ["MQTT-4.3.2-2"], "timeout_ms": 5000, "steps": )" +
      steps + "}]}";
  return parse_case_file("held.json", text, CaseValidation{.check_statements = false}).at(0);
}

// Runs the case with the harness's loop held for `held` from its first turn (the first step's wait).
CaseRun run_held(const Case& the_case, std::chrono::milliseconds held) {
  broker::EmbeddedBroker target;
  ExecutionContext context;
  context.target = std::get<client::TargetUrl>(
      client::parse_target_url("mqtt://127.0.0.1:" + std::to_string(target.port())));
  context.seed = 20261207;
  client::EventLoop loop;
  boost::asio::post(loop.context(), [held] {
    const auto until = std::chrono::steady_clock::now() + held;
    while (std::chrono::steady_clock::now() < until) {
    }
  });
  return execute_case(the_case, context, loop);
}

TEST(HeldLoopCase, AStepWhoseDeadlineRanOutWhileTheHarnessWasHeldIsNotHeldAgainstTheBroker) {
  // Each step allows 300 ms; the loop is held 3 s at once (past the blocking call's 2 s grace too).
  const auto the_case = one_case(R"([
    {"connect": "device", "keep_alive": 0, "timeout_ms": 300},
    {"publish": "device", "topic": "{prefix}/held", "qos": 1, "payload": "m1", "timeout_ms": 300},
    {"settle": true, "timeout_ms": 300}])");
  const auto started = std::chrono::steady_clock::now();
  CaseRun run = run_held(the_case, 3000ms);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2900ms) << "the loop was held as the test meant";
  EXPECT_FALSE(run.unreachable) << *run.unreachable;
  EXPECT_FALSE(run.timed_out) << *run.timed_out;
  EXPECT_TRUE(run.unaccepted_connects.empty());
  EXPECT_TRUE(run.unanswered.empty()) << run.unanswered.front().what;
  EXPECT_TRUE(run.verdicts.violations.empty()) << run.verdicts.violations.front().message;
  const auto result = judge_case(the_case, std::move(run), false);
  EXPECT_EQ(result.verdict, results::Verdict::passed) << result.message;
}

TEST(HeldLoopCase, AnAnswerThatNeverComesStillRunsTheDeadlineOut) {
  // The loop free, a wait for a PUBACK nothing owes ends at its deadline: a step unanswered, not a pass.
  const auto the_case = one_case(R"([
    {"connect": "device", "keep_alive": 0},
    {"wait": "device", "for": "puback", "timeout_ms": 300}])");
  const auto started = std::chrono::steady_clock::now();
  CaseRun run = run_held(the_case, 0ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  ASSERT_EQ(run.unanswered.size(), 1u);
  EXPECT_EQ(run.unanswered.front().what, "wait for puback");
}

}  // namespace
}  // namespace mqtt::runner
