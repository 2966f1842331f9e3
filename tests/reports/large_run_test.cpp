// A fleet-sized run stays readable and within the size budget of docs/reports.md: 10,000 violations (9,100 of one
// statement) and a 100,000-event history give one group per statement, a bounded number of diagrams, one JUnit
// failure entry per statement and a short summary.md.
#include <gtest/gtest.h>

#include <cstdio>

#include "reports/reports.hpp"
#include "reports/violation_groups_html.hpp"

namespace mqtt::reports {
namespace {

using history::Event;
using history::EventKind;

// The budget docs/reports.md states for this size of run.
constexpr std::size_t html_budget_bytes = 3'000'000;
constexpr std::size_t markdown_budget_bytes = 16'000;

int count_of(const std::string& text, const std::string& needle) {
  int count = 0;
  for (auto position = text.find(needle); position != std::string::npos; position = text.find(needle, position + 1)) {
    ++count;
  }
  return count;
}

Event event_of(std::uint64_t sequence, std::uint32_t connection, std::string actor, EventKind kind,
               std::optional<Packet> packet = std::nullopt) {
  Event event;
  event.sequence = sequence;
  event.time_ns = static_cast<std::int64_t>(sequence) * 1'000'000;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = kind;
  event.packet = std::move(packet);
  if (kind == EventKind::closed) event.close_reason = history::CloseReason::local_abort;
  return event;
}

results::Results large_fleet_run() {
  results::Results results;
  results.tool_version = "0.1.0";
  results.kind = "simulation";
  results.target = "mqtt://127.0.0.1:1883";
  results.mqtt_version = "3.1.1";
  results.seed = 7;
  results::CaseResult fleet;
  fleet.id = "fleet:power-outage";
  fleet.title = "2,000 devices lose power";
  fleet.section = "fleet";
  fleet.verdict = results::Verdict::failed;
  fleet.message = "10000 MUST violation(s)";
  fleet.history.reserve(100'000);
  for (std::uint64_t sequence = 1; sequence <= 100'000; ++sequence) {
    const auto device = static_cast<std::uint32_t>(sequence % 2000);
    fleet.history.push_back(event_of(sequence, device + 1, "dtu-" + std::to_string(device), EventKind::sent,
                                     Packet{Pingreq{}}));
  }
  for (int index = 0; index < 10'000; ++index) {
    const std::string device = "dtu-" + std::to_string(index % 2000);
    results::Violation violation;
    violation.statement = index < 9'100 ? "MQTT-3.1.2-8" : "MQTT-3.3." + std::to_string(1 + index % 9) + "-1";
    violation.level = "MUST";
    violation.message = "the will of " + device + " (connection " + std::to_string(index) + ") was never published";
    violation.case_id = fleet.id;
    Connect connect;
    connect.client_id = device;
    violation.history_slice = {event_of(1, 1, device, EventKind::sent, Packet{connect}),
                               event_of(2, 1, device, EventKind::received, Packet{Connack{}}),
                               event_of(3, 1, device, EventKind::closed),
                               event_of(4, 2, "backend", EventKind::sent, Packet{Pingreq{}})};
    fleet.violations.push_back(std::move(violation));
  }
  results.violations = fleet.violations;  // as runner::judge_histories keeps them: in the case and the run
  results.cases.push_back(std::move(fleet));
  results.summary = results::summarise(results.cases);
  for (int part = 1; part <= 9; ++part) {
    results.statements.push_back({"MQTT-3.3." + std::to_string(part) + "-1", "3.1.1", "3.3." + std::to_string(part),
                                  "MUST", "a requirement", results::Verdict::failed, {"fleet:power-outage"}});
  }
  results.statements.push_back({"MQTT-3.1.2-8", "3.1.1", "3.1.2", "MUST", "the will is published",
                                results::Verdict::failed, {"fleet:power-outage"}});
  for (int index = 0; index < 2000; ++index) {
    results.observed.push_back({"fault-power-loss", "power lost for 15000 ms", "fleet:power-outage"});
  }
  return results;
}

TEST(LargeRun, HtmlGroupsViolationsByStatementWithinTheBudget) {
  const auto results = large_fleet_run();
  const std::string html = render_html(results);
  std::printf("report.html of 10,000 violations and 100,000 events: %zu bytes\n", html.size());
  EXPECT_LE(html.size(), html_budget_bytes);
  // One group per statement in the case; the overview names each statement once with its count.
  EXPECT_EQ(count_of(html, "<details class=\"violation-group"), 10);
  EXPECT_NE(html.find("<code>MQTT-3.1.2-8</code> (MUST) — 9100 violations, 2001 clients in the evidence"),
            std::string::npos);
  const auto overview = html.find("<section id=\"violations-overview\">");
  ASSERT_NE(overview, std::string::npos);
  EXPECT_NE(html.find("<td class=\"number\">9100</td>", overview), std::string::npos);
  // The first instances in full, the rest compact and bounded.
  EXPECT_LE(count_of(html, "<div class=\"diagram\">"), static_cast<int>(diagrams_per_page));
  EXPECT_EQ(count_of(html, "<div class=\"violation\">"), 10 * static_cast<int>(full_instances_per_statement));
  EXPECT_NE(html.find("… and " + std::to_string(9100 - full_instances_per_statement - compact_rows_per_statement) +
                      " more, listed in results.json."),
            std::string::npos);
  // The filter and what it filters on.
  EXPECT_NE(html.find("<input id=\"filter-input\""), std::string::npos);
  EXPECT_NE(html.find("data-filter=\"MQTT-3.1.2-8 fleet:power-outage"), std::string::npos);
  // 2,000 fault observations are one row of injected faults, not optional behaviour.
  EXPECT_NE(html.find("<section id=\"faults\"><h2>Injected faults</h2>"), std::string::npos);
  EXPECT_NE(html.find("<code>fault-power-loss</code></td><td class=\"number\">2000</td>"), std::string::npos);
  EXPECT_EQ(html.find("<section id=\"observed\">"), std::string::npos);
}

TEST(LargeRun, JunitNamesEachStatementOnceWithItsCount) {
  const std::string xml = render_junit(large_fleet_run());
  const auto failure = xml.find("<failure message=");
  ASSERT_NE(failure, std::string::npos);
  const auto value = failure + std::string("<failure message=\"").size();
  const std::string message = xml.substr(value, xml.find('"', value) - value);
  EXPECT_EQ(count_of(message, "MQTT-3.1.2-8"), 1) << message;
  EXPECT_NE(message.find("MQTT-3.1.2-8 (9100x)"), std::string::npos) << message;
  EXPECT_NE(xml.find("MQTT-3.1.2-8 (MUST), 9100 violations: the will of dtu-0"), std::string::npos);
  EXPECT_NE(xml.find("... and 9097 more"), std::string::npos);
  EXPECT_LE(xml.size(), 20'000U);
}

TEST(LargeRun, MarkdownHasOneRowPerStatement) {
  const std::string markdown = render_markdown(large_fleet_run());
  std::printf("summary.md of 10,000 violations: %zu bytes\n", markdown.size());
  EXPECT_LE(markdown.size(), markdown_budget_bytes);
  // The run-wide overview comes first: each statement once, with its count, clients, connections and first
  // instance.
  const auto overview = markdown.find("### Violations by statement");
  ASSERT_NE(overview, std::string::npos) << markdown;
  EXPECT_LT(overview, markdown.find("### Failures"));
  EXPECT_NE(markdown.find(
                "| MQTT-3.1.2-8 | MUST | 9100 | 2001 | 2 | fleet:power-outage | fleet:power-outage: the will "
                "of dtu-0 (connection 0) was never published |"),
            std::string::npos)
      << markdown;
  EXPECT_EQ(count_of(markdown, "\n| MQTT-3.3."), 9) << "one overview row per statement";
  EXPECT_EQ(count_of(markdown, "| fleet:power-outage | failed | MQTT-3.1.2-8 | MUST | 9100 |"), 1) << markdown;
  EXPECT_EQ(count_of(markdown, "| fleet:power-outage | failed |"), 10);
}

// A conformance-sized failure: 60 statements broken by 100 cases each, with long messages. The overview and
// the failures table stop at their row limits and say how much they left out; long messages are cut.
TEST(LargeRun, MarkdownOfManyStatementsAndCasesStaysWithinTheBudget) {
  results::Results results;
  results.kind = "conformance";
  results.target = "mqtt://127.0.0.1:1883";
  for (int number = 0; number < 100; ++number) {
    results::CaseResult result;
    result.id = "case-" + std::to_string(number);
    result.verdict = results::Verdict::failed;
    for (int statement = 0; statement < 60; ++statement) {
      results::Violation violation;
      violation.statement = "MQTT-9.9.9-" + std::to_string(statement);
      violation.level = "MUST";
      violation.message = std::string(500, 'x');
      violation.case_id = result.id;
      result.violations.push_back(violation);
      results.violations.push_back(violation);
    }
    results.cases.push_back(std::move(result));
  }
  results.summary = results::summarise(results.cases);
  const std::string markdown = render_markdown(results);
  std::printf("summary.md of 60 statements x 100 cases: %zu bytes\n", markdown.size());
  EXPECT_LE(markdown.size(), markdown_budget_bytes);
  EXPECT_NE(
      markdown.find("| MQTT-9.9.9-0 | MUST | 100 | 0 | 0 | case-0, case-1, case-10 and 97 more | case-0: " +
                    std::string(160, 'x') + "… |"),
      std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("… and 40 more statements; report.html and results.json list them."),
            std::string::npos);
  EXPECT_NE(markdown.find("… and 5960 more rows; report.html and results.json list them."),
            std::string::npos);
  EXPECT_EQ(markdown.find(std::string(161, 'x')), std::string::npos) << "messages are cut";
}

}  // namespace
}  // namespace mqtt::reports
