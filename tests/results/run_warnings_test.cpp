// The warnings every output puts at its top, derived from the statistics a fleet or capture leaves in results.
#include <gtest/gtest.h>

#include "results/json.hpp"
#include "results/run_warnings.hpp"
#include "results/violation_groups.hpp"

namespace mqtt::results {
namespace {

Results fleet_run(nlohmann::json fleet) {
  Results results;
  results.kind = "simulation";
  results.stats["fleet"] = std::move(fleet);
  return results;
}

TEST(RunWarnings, AQuietRunHasNone) {
  EXPECT_TRUE(run_warnings(Results{}).empty());
  EXPECT_TRUE(run_warnings(fleet_run({{"devices", 10},
                                      {"devices_never_connected", 0},
                                      {"connects_sent", 10},
                                      {"connack_refused_codes", nlohmann::json::object()},
                                      {"scheduled", {{"duration_ms", 10000}, {"settle_ms", 2000},
                                                     {"ramp_end_ms", 100}, {"last_fault_end_ms", 9000}}}}))
                  .empty());
}

TEST(RunWarnings, UnfinishedRampShortDurationAndRefusedSessions) {
  const auto warnings = run_warnings(fleet_run({{"devices", 2000},
                                                {"devices_never_connected", 903},
                                                {"connects_sent", 1200},
                                                {"connects_unanswered", 3},
                                                {"connack_refused_codes", {{"5", 100}}},
                                                {"scheduled", {{"duration_ms", 8000}, {"settle_ms", 2000},
                                                               {"ramp_end_ms", 20000}, {"last_fault_end_ms", 45000}}}}));
  ASSERT_EQ(warnings.size(), 5U);
  EXPECT_EQ(warnings[0], "connect ramp unfinished: 903 of 2000 devices never connected, so what they were to publish "
                         "or receive was not tested");
  EXPECT_EQ(warnings[1], "duration 8.0 s is shorter than the connect ramp (20.0 s): the last devices connect after "
                         "publishing has stopped");
  EXPECT_EQ(warnings[2], "duration 8.0 s (+ 2.0 s settling) is shorter than the scenario's fault timeline (45.0 s): "
                         "faults were cut short or never happened");
  EXPECT_EQ(warnings[3], "the target refused 100 of 1200 CONNECTs (CONNACK with a non-zero return code)");
  EXPECT_EQ(warnings[4], "the target never answered 3 of 1200 CONNECTs");
}

TEST(RunWarnings, AHarnessThatFellBehindTheDeliveryDeadlineSaysSo) {
  auto results = fleet_run({{"devices", 10}});
  results.stats["harness"] = {{"peak_rss_mb", 80.5}, {"max_loop_lag_ms", 950.0}};
  EXPECT_TRUE(run_warnings(results).empty()) << "within the 1 s deadline";
  results.stats["harness"]["max_loop_lag_ms"] = 2350.0;
  const auto warnings = run_warnings(results);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "the harness fell behind: its event loop ran up to 2.4 s late, longer than the 1 s a broker "
                         "is given to deliver or answer, so a missed deadline may be the harness's, not the "
                         "broker's (run fewer devices per process with --shard)");
}

TEST(RunWarnings, AJudgeThatMadeTheFleetWaitSaysSo) {
  Results results;
  results.stats["harness"]["judge"] = {{"backlog_limit", 100000}, {"backpressure_waits", 0}};
  EXPECT_TRUE(run_warnings(results).empty()) << "no wait, no warning";
  results.stats["harness"]["judge"]["backpressure_waits"] = 25;
  results.stats["harness"]["judge"]["backpressure_wait_s"] = 8.54;
  const auto warnings = run_warnings(results);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "the judge fell behind: 100000 events waited to be judged, so the devices paused 25 time(s), "
                         "8.5 s in all, and published less steadily than the scenario asks");
  results.stats["harness"]["judge"]["backlog_bytes_limit"] = 48u << 20;
  EXPECT_EQ(run_warnings(results)[0].rfind("the judge fell behind: 100000 events (or 48 MiB of them) waited", 0), 0U);
}

TEST(RunWarnings, ADrainCutShortWhileDeliveriesArriveSaysSo) {
  nlohmann::json drain = {{"limit_ms", 3000}, {"quiet_ms", 500}, {"drained_ms", 3000.4}, {"stopped_by", "cap"},
                          {"deliveries", 1200}, {"still_arriving", false}};
  EXPECT_TRUE(run_warnings(fleet_run({{"drain", drain}})).empty()) << "the last look saw none arrive";
  drain["stopped_by"] = "quiet";
  EXPECT_TRUE(run_warnings(fleet_run({{"drain", drain}})).empty());
  drain["stopped_by"] = "cap";
  drain["still_arriving"] = true;
  const auto warnings = run_warnings(fleet_run({{"drain", drain}}));
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "deliveries were still arriving when the drain limit (3.0 s after the settle time) ended the "
                         "run: 1200 arrived during the drain, so messages reported as not delivered may have been on "
                         "their way (the harness's timing, not the broker's); raise the scenario's drain_ms");
  // Where the owed count fell back to the quiet rule, or could not decide at the end, the warning says why.
  drain["counting"] = "quiet-rule";
  drain["fallback"] = "a broker restart may lose what the broker held";
  auto why = run_warnings(fleet_run({{"drain", drain}}));
  ASSERT_EQ(why.size(), 1U);
  EXPECT_TRUE(why[0].ends_with("drain_ms (what was owed was not counted: a broker restart may lose what the broker "
                               "held)")) << why[0];
  drain.erase("fallback");
  drain["counting"] = "exact";
  drain["uncertain"] = "observer backend-1 may still get 1 deliveries that need not come";
  why = run_warnings(fleet_run({{"drain", drain}}));
  ASSERT_EQ(why.size(), 1U);
  EXPECT_TRUE(why[0].ends_with("(what was owed was not counted: observer backend-1 may still get 1 deliveries that "
                               "need not come)")) << why[0];
}

// With the owed count (simulator/owed_deliveries.hpp) the warning says what is known: how many deliveries were
// still owed, to whom, and what awaited its acknowledgement; not that anything was still arriving.
TEST(RunWarnings, ADrainCutShortWhileDeliveriesAreOwedSaysWhatToWhom) {
  nlohmann::json drain = {{"limit_ms", 3000}, {"quiet_ms", 500}, {"drained_ms", 3000.4}, {"stopped_by", "cap"},
                          {"deliveries", 0}, {"still_arriving", false}, {"owed", 5}, {"counting", "exact"},
                          {"owed_to", {{"backend-1", 3}, {"backend-2", 1}}}, {"awaiting_acknowledgement", 1}};
  auto warnings = run_warnings(fleet_run({{"drain", drain}}));
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "the drain limit (3.0 s after the settle time) ended the run with 4 QoS 1/2 deliveries "
                         "still owed (backend-1: 3, backend-2: 1) and 1 publish(es) still unacknowledged; 0 arrived "
                         "during the drain. The model judges what never came; if the broker is only slow, raise the "
                         "scenario's drain_ms");
  drain["owed"] = 6;  // more owed than the observers named (the figures name the first few)
  drain.erase("awaiting_acknowledgement");
  warnings = run_warnings(fleet_run({{"drain", drain}}));
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0].rfind("the drain limit (3.0 s after the settle time) ended the run with 6 QoS 1/2 "
                              "deliveries still owed (backend-1: 3, backend-2: 1, others: 2); 0 arrived",
                              0),
            0U)
      << warnings[0];
  drain["owed"] = 0;
  EXPECT_TRUE(run_warnings(fleet_run({{"drain", drain}})).empty()) << "nothing owed, nothing arriving";
}

TEST(RunWarnings, UnresolvedObligationsOfEachSource) {
  Results results;
  results.stats["unresolved"]["capture:field.pcap"] = {{"count", 12}, {"examples", {"PUBACK for id 7 owed"}}};
  const auto warnings = run_warnings(results);
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_EQ(warnings[0], "12 obligation(s) left unresolved in capture:field.pcap (the history ended before they were "
                         "due or settled), e.g. PUBACK for id 7 owed");
  // results.json carries them for scripts.
  EXPECT_EQ(to_json(results)["warnings"], nlohmann::json({warnings[0]}));
}

TEST(ViolationGroups, OneGroupPerStatementInOrderOfFirstInstance) {
  std::vector<Violation> violations;
  for (int index = 0; index < 5; ++index) {
    history::Event event;
    event.actor = "dtu-" + std::to_string(index % 2);
    violations.push_back(Violation{index == 2 ? "MQTT-3.3.1-3" : "MQTT-3.1.2-8", "MUST", "m", "fleet:x", {event}});
  }
  violations[4].accepted = AcceptedDeviation{"MQTT-3.1.2-8", "", "known", "", "file:1:1"};
  const auto groups = group_by_statement(violations);
  ASSERT_EQ(groups.size(), 2U);
  EXPECT_EQ(groups[0].statement, "MQTT-3.1.2-8");
  EXPECT_EQ(groups[0].instances.size(), 3U) << "the accepted one is left out";
  EXPECT_EQ(groups[0].clients, (std::set<std::string>{"dtu-0", "dtu-1"}));
  EXPECT_EQ(groups[1].statement, "MQTT-3.3.1-3");
  EXPECT_EQ(group_by_statement(violations, true)[0].instances.size(), 4U);
}

}  // namespace
}  // namespace mqtt::results
