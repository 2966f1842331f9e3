// When a fleet run is no test of the broker: the reasons, the one-line target problem, and what marking a result
// inconclusive does to its cases, statements and summary.
#include "runner/fleet_verdict.hpp"

#include <gtest/gtest.h>

#include "runner/target_refusal.hpp"

namespace mqtt::runner {
namespace {

using namespace std::chrono_literals;

nlohmann::json healthy_stats() {
  return {{"fleet",
           {{"devices", 4}, {"observers", 1}, {"connects_sent", 5}, {"connack_accepted", 5},
            {"connack_refused_codes", nlohmann::json::object()}, {"connects_unanswered", 0}, {"open_failures", 0},
            {"reconnects", 0}, {"reconnects_unanswered", 0}, {"devices_never_connected", 0},
            {"observers_never_connected", 0}, {"clients_ending_unconnected", 0},
            {"never_connected_examples", nlohmann::json::array()}}},
          {"messages", {{"published", 20}, {"publish_packets_sent", 24}, {"publish_packets_received", 30}}}};
}

TEST(FleetVerdict, AFleetThatConnectedAndPublishedIsATest) {
  const auto exercise = assess_fleet(healthy_stats(), 5s);
  EXPECT_TRUE(exercise.inconclusive.empty());
  EXPECT_TRUE(exercise.target_problem.empty());
}

TEST(FleetVerdict, ATargetThatRefusedEveryConnectIsOneLineNamingTheCode) {
  auto stats = healthy_stats();
  stats["fleet"]["connack_accepted"] = 0;
  stats["fleet"]["connack_refused_codes"] = {{"5", 12}, {"4", 1}};
  stats["fleet"]["connack_refused_version"] = "3.1.1";
  stats["fleet"]["devices_never_connected"] = 4;
  stats["fleet"]["observers_never_connected"] = 1;
  stats["fleet"]["never_connected_examples"] = {"backend-1", "dtu-1"};
  stats["messages"]["publish_packets_sent"] = 0;
  stats["messages"]["publish_packets_received"] = 0;
  const auto exercise = assess_fleet(stats, 5s);
  EXPECT_EQ(exercise.target_problem,
            "target refused CONNECT: return code 5 (not authorized) — check the credentials (-u, -P, --password-file or user:password@ in --target)");
  ASSERT_EQ(exercise.inconclusive.size(), 3u);
  EXPECT_EQ(exercise.inconclusive[0], "nothing was published or delivered, so no message was put to the test");
  EXPECT_EQ(exercise.inconclusive[1],
            "4 of 4 device(s) never connected (e.g. backend-1, dtu-1): 13 CONNECT(s) refused (mostly return code 5, "
            "not authorized)");
  EXPECT_NE(exercise.inconclusive[2].find("1 of 1 observer(s) never connected"), std::string::npos);
}

TEST(FleetVerdict, ASilentTargetIsOneLineWithTheDeadline) {
  auto stats = healthy_stats();
  stats["fleet"]["connack_accepted"] = 0;
  stats["fleet"]["connects_unanswered"] = 5;
  const auto exercise = assess_fleet(stats, 5s);
  EXPECT_EQ(exercise.target_problem, "target did not answer CONNECT within 5.0 s (5 sent)");
}

TEST(FleetVerdict, ReconnectsThatNeverGotAConnackAreCountedAndMakeTheRunInconclusive) {
  auto stats = healthy_stats();
  stats["fleet"]["reconnects"] = 100;
  stats["fleet"]["reconnects_unanswered"] = 100;
  stats["fleet"]["clients_ending_unconnected"] = 4;
  const auto exercise = assess_fleet(stats, 5s);
  EXPECT_TRUE(exercise.target_problem.empty());
  ASSERT_EQ(exercise.inconclusive.size(), 1u);
  EXPECT_EQ(exercise.inconclusive[0],
            "4 client(s) lost their connection and ended the run without getting it back (100 of 100 reconnect(s) got "
            "no CONNACK, 0 TCP connect(s) failed)");
}

TEST(FleetVerdict, RefusalLinesNameTheCodeAndGiveAdviceThatFitsIt) {
  EXPECT_EQ(refused_connect_line(ProtocolVersion::v3_1_1, 4),
            "target refused CONNECT: return code 4 (bad user name or password) — check the credentials (-u, -P, --password-file or user:password@ in --target)");
  EXPECT_EQ(refused_connect_line(ProtocolVersion::v5, 0x87),
            "target refused CONNECT: reason code 135 (not authorized) — check the credentials (-u, -P, --password-file or user:password@ in --target)");
  EXPECT_NE(refused_connect_line(ProtocolVersion::v3_1_1, 2).find("identifier rejected) — check the client ids"),
            std::string::npos);
  EXPECT_EQ(refused_connect_line(ProtocolVersion::v3_1_1, 3), "target refused CONNECT: return code 3 (server unavailable)");
  EXPECT_EQ(connack_code_meaning(ProtocolVersion::v3_1_1, 9), "reserved");
}

results::Results one_passed_case() {
  results::Results results;
  results::CaseResult row;
  row.id = "fleet:x";
  row.verdict = results::Verdict::passed;
  results.cases.push_back(row);
  results.summary.passed = 1;
  results::StatementResult covered;
  covered.id = "MQTT-3.3.1-8";
  covered.verdict = results::Verdict::passed;
  covered.cases = {"fleet:x"};
  results.statements.push_back(covered);
  return results;
}

TEST(FleetVerdict, MarkingInconclusiveChangesThePassedCaseItsStatementsAndTheSummary) {
  auto results = one_passed_case();
  mark_inconclusive(results, {"nothing was published", "2 of 2 device(s) never connected"});
  EXPECT_EQ(results.cases[0].verdict, results::Verdict::inconclusive);
  EXPECT_EQ(results.cases[0].message, "nothing was published; 2 of 2 device(s) never connected");
  EXPECT_EQ(results.statements[0].verdict, results::Verdict::inconclusive);
  EXPECT_EQ(results.summary.passed, 0);
  EXPECT_EQ(results.summary.inconclusive, 1);
  EXPECT_EQ(results.stats["fleet"]["inconclusive"].size(), 2u);
}

TEST(FleetVerdict, AFailedCaseStaysFailedAndNoReasonChangesNothing) {
  auto results = one_passed_case();
  results.cases[0].verdict = results::Verdict::failed;
  mark_inconclusive(results, {"nothing was published"});
  EXPECT_EQ(results.cases[0].verdict, results::Verdict::failed);

  auto clean = one_passed_case();
  mark_inconclusive(clean, {});
  EXPECT_EQ(clean.cases[0].verdict, results::Verdict::passed);
  EXPECT_EQ(clean.summary.passed, 1);
}

}  // namespace
}  // namespace mqtt::runner
