// The `pause_ms` step: the scenario's own timeline (connections started at staggered offsets), run against
// the embedded broker. The loop keeps serving the broker during a pause, and the case's deadline cuts a pause
// short.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "broker/broker.hpp"
#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "runner/case_execution.hpp"
#include "runner/case_loader.hpp"

namespace mqtt::runner {
namespace {

constexpr std::int64_t milliseconds = 1'000'000;

Case one_case(const std::string& timeout_and_steps) {
  const std::string text =
      R"({"suite": "mqtt-3.1.1", "cases": [{"id": "pause.test", "title": "t", "section": "3.1.2",
    "statements": ["MQTT-3.1.2-24"], )" +
      timeout_and_steps + "}]}";
  auto cases = parse_case_file("pause.json", text, CaseValidation{.check_statements = false});
  return cases.at(0);
}

CaseRun run_against_embedded_broker(const Case& the_case) {
  broker::EmbeddedBroker target;
  ExecutionContext context;
  auto url = client::parse_target_url("mqtt://127.0.0.1:" + std::to_string(target.port()));
  context.target = std::get<client::TargetUrl>(url);
  context.seed = 20261206;
  client::EventLoop loop;
  return execute_case(the_case, context, loop);
}

// Time of the first event of `kind` on the connection the client `actor` opened.
std::int64_t time_of(const CaseRun& run, const std::string& actor, history::EventKind kind) {
  std::uint32_t connection = 0;
  for (const auto& event : run.history.events) {
    if (event.kind == history::EventKind::open && event.actor == actor) connection = event.connection;
    if (connection != 0 && event.connection == connection && event.kind == kind) return event.time_ns;
  }
  ADD_FAILURE() << "no such event for " << actor;
  return 0;
}

TEST(PauseStep, StartsConnectionsAtStaggeredOffsets) {
  const auto run = run_against_embedded_broker(one_case(R"("timeout_ms": 5000, "steps": [
    {"connect": "first", "keep_alive": 0}, {"pause_ms": 250},
    {"connect": "second", "keep_alive": 0}, {"pause_ms": 250},
    {"connect": "third", "keep_alive": 0}])"));
  ASSERT_FALSE(run.error) << *run.error;
  const auto first = time_of(run, "first", history::EventKind::received);  // its CONNACK
  const auto second_open = time_of(run, "second", history::EventKind::open);
  const auto second = time_of(run, "second", history::EventKind::received);
  const auto third_open = time_of(run, "third", history::EventKind::open);
  EXPECT_GE(second_open - first, 250 * milliseconds);
  EXPECT_GE(third_open - second, 250 * milliseconds);
  // A pause is not a sleep: the CONNACKs arrived and were recorded, and the case ran without error.
  EXPECT_TRUE(run.verdicts.violations.empty());
}

TEST(PauseStep, LetsTimePassWithNoConnectionOpen) {
  const auto run = run_against_embedded_broker(one_case(R"("timeout_ms": 5000, "steps": [
    {"pause_ms": 300}, {"connect": "late", "keep_alive": 0}])"));
  ASSERT_FALSE(run.error) << *run.error;
  ASSERT_FALSE(run.history.events.empty());
  const auto case_start = run.history.events.front().time_ns;  // the runner's "case ..." note
  EXPECT_GE(time_of(run, "late", history::EventKind::open) - case_start, 300 * milliseconds);
}

TEST(PauseStep, IsCutShortByTheCaseDeadline) {
  const auto run = run_against_embedded_broker(one_case(R"("timeout_ms": 400, "steps": [
    {"connect": "device", "keep_alive": 0}, {"pause_ms": 60000}, {"disconnect": "device"}])"));
  ASSERT_TRUE(run.timed_out.has_value());
  EXPECT_NE(run.timed_out->find("exceeded its timeout of 400 ms"), std::string::npos) << *run.timed_out;
  EXPECT_LT(run.duration_ms, 400.0 + 3000.0);  // the case's deadline plus the clean-up budget at most
}

}  // namespace
}  // namespace mqtt::runner
