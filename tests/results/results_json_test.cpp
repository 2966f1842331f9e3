// results.json carries everything a report needs and reads back to equal Results.
#include <functional>

#include <gtest/gtest.h>

#include "history/json.hpp"
#include "results/json.hpp"
#include "results/reason_groups.hpp"

namespace mqtt::results {
namespace {

bool operator_equal(const Violation& left, const Violation& right) {
  return left.statement == right.statement && left.level == right.level && left.message == right.message &&
         left.case_id == right.case_id && left.history_slice == right.history_slice &&
         left.accepted.has_value() == right.accepted.has_value();
}

Results sample() {
  using history::Event;
  using history::EventKind;
  const std::vector<Event> slice = {
      {.sequence = 1, .time_ns = 0, .connection = 1, .actor = "publisher", .kind = EventKind::open},
      {.sequence = 2,
       .time_ns = 1'000,
       .connection = 1,
       .actor = "publisher",
       .kind = EventKind::sent,
       .packet = Publish{ProtocolVersion::v3_1_1, false, QoS::at_least_once, false, "a/b", std::uint16_t{1},
                         {'x'}, {}},
       .raw = {0x32, 0x06, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01, 'x'}},
      {.sequence = 3, .time_ns = 2'000, .connection = 1, .actor = "publisher", .kind = EventKind::closed,
       .close_reason = history::CloseReason::reset},
  };
  const Violation violation{"MQTT-4.3.2-2", "MUST", "no PUBACK arrived for packet id 1", "publish-qos1", slice};
  Results results;
  results.tool_version = "0.1.0";
  results.kind = "conformance";
  results.target = "mqtt://user:***@127.0.0.1:1883";
  results.mqtt_version = "3.1.1";
  results.seed = 18'446'744'073'709'551'615ULL;
  results.started_at = "2026-11-25T12:00:00Z";
  results.duration_ms = 1234.5;
  results.summary = {1, 1, 0, 1, 0};
  results.cases = {
      {"connect-basic", "CONNECT is acknowledged", "3.1", Verdict::passed, {"MQTT-3.2.0-1"}, 12.5, "", {"connect",
                                                                                                      "expect CONNACK"},
       {}, {}},
      {"publish-qos1", "QoS 1 PUBLISH is acknowledged", "3.3", Verdict::failed, {"MQTT-4.3.2-2"}, 5000, "timeout",
       {"publish", "expect PUBACK"}, {violation}, slice},
      {"will-delay", "Will delay", "3.1", Verdict::skipped, {}, 0, "needs MQTT 5.0", {}, {}, {}},
  };
  results.statements = {
      {"MQTT-3.2.0-1", "3.1.1", "3.2.0", "MUST", "the server answers CONNECT with CONNACK", Verdict::passed,
       {"connect-basic"}},
      {"MQTT-4.3.2-2", "3.1.1", "4.3.2", "MUST", "QoS 1 PUBLISH gets a PUBACK", Verdict::failed, {"publish-qos1"}},
  };
  results.violations = {violation};
  results.observed = {{"queues-qos0-offline", "kept 3 messages", "offline-queue"}};
  results.stats = {{"throughput", {{"t_s", {0, 1, 2}}, {"messages_per_s", {10, 20, 15}}}}};
  return results;
}

void expect_equal(const Results& left, const Results& right) {
  EXPECT_EQ(left.tool_version, right.tool_version);
  EXPECT_EQ(left.kind, right.kind);
  EXPECT_EQ(left.target, right.target);
  EXPECT_EQ(left.mqtt_version, right.mqtt_version);
  EXPECT_EQ(left.seed, right.seed);
  EXPECT_EQ(left.started_at, right.started_at);
  EXPECT_EQ(left.duration_ms, right.duration_ms);
  EXPECT_EQ(left.summary.passed, right.summary.passed);
  EXPECT_EQ(left.summary.failed, right.summary.failed);
  EXPECT_EQ(left.summary.skipped, right.summary.skipped);
  EXPECT_EQ(left.summary.inconclusive, right.summary.inconclusive);
  EXPECT_EQ(left.summary.accepted, right.summary.accepted);
  EXPECT_EQ(left.target_problem, right.target_problem);
  EXPECT_EQ(left.stale_accepted.size(), right.stale_accepted.size());
  ASSERT_EQ(left.cases.size(), right.cases.size());
  for (std::size_t index = 0; index < left.cases.size(); ++index) {
    const auto& a = left.cases[index];
    const auto& b = right.cases[index];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.section, b.section);
    EXPECT_EQ(a.verdict, b.verdict);
    EXPECT_EQ(a.statements, b.statements);
    EXPECT_EQ(a.duration_ms, b.duration_ms);
    EXPECT_EQ(a.message, b.message);
    EXPECT_EQ(a.steps, b.steps);
    EXPECT_EQ(a.history, b.history);
    ASSERT_EQ(a.violations.size(), b.violations.size());
    for (std::size_t v = 0; v < a.violations.size(); ++v) EXPECT_TRUE(operator_equal(a.violations[v], b.violations[v]));
  }
  ASSERT_EQ(left.statements.size(), right.statements.size());
  for (std::size_t index = 0; index < left.statements.size(); ++index) {
    EXPECT_EQ(left.statements[index].id, right.statements[index].id);
    EXPECT_EQ(left.statements[index].spec, right.statements[index].spec);
    EXPECT_EQ(left.statements[index].section, right.statements[index].section);
    EXPECT_EQ(left.statements[index].level, right.statements[index].level);
    EXPECT_EQ(left.statements[index].text, right.statements[index].text);
    EXPECT_EQ(left.statements[index].verdict, right.statements[index].verdict);
    EXPECT_EQ(left.statements[index].cases, right.statements[index].cases);
  }
  ASSERT_EQ(left.violations.size(), right.violations.size());
  EXPECT_TRUE(operator_equal(left.violations[0], right.violations[0]));
  ASSERT_EQ(left.observed.size(), right.observed.size());
  EXPECT_EQ(left.observed[0].behaviour, right.observed[0].behaviour);
  EXPECT_EQ(left.observed[0].detail, right.observed[0].detail);
  EXPECT_EQ(left.observed[0].case_id, right.observed[0].case_id);
  EXPECT_EQ(left.stats, right.stats);
}

TEST(ResultsJson, RoundTripsThroughText) {
  const Results original = sample();
  const Results read_back = results_from_json(nlohmann::json::parse(to_json(original).dump(2)));
  expect_equal(original, read_back);
}

TEST(ResultsJson, HasTheDocumentedShape) {
  const nlohmann::json json = to_json(sample());
  for (const char* key : {"target", "kind", "summary", "cases", "statements", "violations", "observed", "seed",
                          "tool_version", "mqtt_version", "started_at", "duration_ms", "stats"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["summary"]["failed"], 1);
  EXPECT_EQ(json["summary"]["errors"], 0);
  EXPECT_EQ(json["cases"][1]["verdict"], "failed");
  EXPECT_EQ(json["cases"][1]["duration_ms"], 5000.0);
  EXPECT_EQ(json["statements"][1]["cases"][0], "publish-qos1");
  EXPECT_EQ(json["violations"][0]["statement"], "MQTT-4.3.2-2");
  EXPECT_EQ(json["violations"][0]["history_slice"][1]["packet"]["type"], "PUBLISH");
  EXPECT_EQ(json["seed"].get<std::uint64_t>(), 18'446'744'073'709'551'615ULL);
}

TEST(ResultsJson, AcceptedViolationsStaleEntriesAndTheTargetProblemRoundTrip) {
  Results original = sample();
  const AcceptedDeviation entry{"MQTT-4.3.2-2", "publish-*", "the broker drops PUBACK under load", "mosquitto 2.0.11",
                                "accepted.json:4:5"};
  original.violations[0].accepted = entry;
  original.cases[1].violations[0].accepted = entry;
  original.cases[1].verdict = Verdict::accepted;
  original.summary = summarise(original.cases);
  original.stale_accepted = {{"MQTT-3.3.5-1", "", "one copy only", "", "accepted.json:9:5"}};
  original.target_problem = "target refused CONNECT: return code 5 (not authorized)";
  const Results read_back = results_from_json(nlohmann::json::parse(to_json(original).dump(2)));
  expect_equal(original, read_back);
  EXPECT_EQ(read_back.summary.accepted, 1);
  EXPECT_EQ(read_back.summary.failed, 0);
  ASSERT_TRUE(read_back.violations[0].accepted.has_value());
  EXPECT_EQ(read_back.violations[0].accepted->reason, "the broker drops PUBACK under load");
  EXPECT_EQ(read_back.violations[0].accepted->cases, "publish-*");
  EXPECT_EQ(read_back.violations[0].accepted->broker, "mosquitto 2.0.11");
  EXPECT_EQ(read_back.violations[0].accepted->source, "accepted.json:4:5");
  ASSERT_TRUE(read_back.cases[1].violations[0].accepted.has_value());
  ASSERT_EQ(read_back.stale_accepted.size(), 1u);
  EXPECT_EQ(read_back.stale_accepted[0].statement, "MQTT-3.3.5-1");
  EXPECT_EQ(read_back.stale_accepted[0].source, "accepted.json:9:5");
  EXPECT_EQ(read_back.target_problem, original.target_problem);
  // A violation without acceptance writes no "accepted" key, so older readers see what they always saw.
  EXPECT_FALSE(to_json(sample())["violations"][0].contains("accepted"));
}

TEST(ResultsJson, AnInterruptionRoundTripsAndIsAbsentFromACompleteRun) {
  Results original = sample();
  EXPECT_FALSE(to_json(original).contains("interrupted")) << "a complete run writes no key";
  EXPECT_FALSE(results_from_json(to_json(original)).interrupted);
  original.interrupted = Interruption{"SIGTERM", 15, 12'345.6};
  const nlohmann::json json = to_json(original);
  EXPECT_EQ(json["interrupted"]["signal"], "SIGTERM");
  EXPECT_EQ(json["interrupted"]["signal_number"], 15);
  EXPECT_EQ(json["interrupted"]["after_ms"], 12'345.6);
  const Results read_back = results_from_json(nlohmann::json::parse(json.dump(2)));
  expect_equal(original, read_back);
  ASSERT_TRUE(read_back.interrupted);
  EXPECT_EQ(read_back.interrupted->signal, "SIGTERM");
  EXPECT_EQ(read_back.interrupted->signal_number, 15);
  EXPECT_EQ(describe(*read_back.interrupted), "interrupted by SIGTERM after 12.3 s");
}

TEST(ResultsJson, SummariseCountsEveryVerdict) {
  std::vector<CaseResult> cases(7);
  const Verdict all[] = {Verdict::passed, Verdict::failed,       Verdict::warned,  Verdict::skipped,
                         Verdict::error,  Verdict::inconclusive, Verdict::accepted};
  for (std::size_t index = 0; index < cases.size(); ++index) cases[index].verdict = all[index];
  const Summary summary = summarise(cases);
  EXPECT_EQ(summary.passed + summary.failed + summary.warned + summary.skipped + summary.errors +
                summary.inconclusive + summary.accepted,
            7);
  EXPECT_EQ(summary.inconclusive, 1);
  EXPECT_EQ(summary.accepted, 1);
}

TEST(ReasonGroups, CasesSharingAReasonAreListedUnderItOnce) {
  std::vector<CaseResult> cases(5);
  const char* ids[] = {"a", "b", "c", "d", "e"};
  const char* reasons[] = {"refused 'device'", "silent", "refused 'device'", "", "refused 'device'"};
  const Verdict verdicts[] = {Verdict::inconclusive, Verdict::inconclusive, Verdict::inconclusive, Verdict::passed,
                              Verdict::inconclusive};
  for (std::size_t index = 0; index < cases.size(); ++index) {
    cases[index].id = ids[index];
    cases[index].message = reasons[index];
    cases[index].verdict = verdicts[index];
  }
  const auto groups = group_by_reason(cases, Verdict::inconclusive);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].reason, "refused 'device'");
  EXPECT_EQ(groups[0].case_ids, (std::vector<std::string>{"a", "c", "e"}));
  EXPECT_EQ(groups[1].case_ids, (std::vector<std::string>{"b"}));
  EXPECT_TRUE(group_by_reason(cases, Verdict::failed).empty());
}

TEST(ResultsJson, VerdictNames) {
  EXPECT_EQ(to_string(Verdict::passed), "passed");
  EXPECT_EQ(to_string(Verdict::warned), "warned");
  EXPECT_EQ(to_string(Verdict::error), "error");
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const history::FormatError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ResultsJsonErrors, NameTheKeyPath) {
  nlohmann::json json = to_json(sample());
  json["cases"][1]["verdict"] = "maybe";
  EXPECT_EQ(error_of([&] { results_from_json(json); }),
            "key \"cases[1].verdict\": unknown verdict \"maybe\" (expected passed, failed, warned, skipped, error, inconclusive or accepted)");

  json = to_json(sample());
  json["violations"][0]["history_slice"][2].erase("close_reason");
  json["violations"][0]["history_slice"][1]["packet"].erase("topic");
  EXPECT_EQ(error_of([&] { results_from_json(json); }), "key \"violations[0].history_slice[1].packet.topic\": missing");

  json = to_json(sample());
  json.erase("summary");
  EXPECT_EQ(error_of([&] { results_from_json(json); }), "key \"summary\": missing");
}

}  // namespace
}  // namespace mqtt::results
