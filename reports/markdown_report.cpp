// A short Markdown summary for a CI step summary: verdict, warnings, totals, the statistics of a fleet,
// capture or replay, the run's violations by statement (one row each, with the count, the clients,
// connections and cases in the evidence and the first instance), then a compact table of failures (one row
// per case and statement), the reasons of inconclusive cases, the accepted deviations and the stale entries
// of the accepted-deviations file. No links, so it renders the same everywhere and carries nothing a reader
// might click by mistake. Bounded (see the size budget in docs/reports.md): at most `statement_rows`
// statements and `failure_rows` failure rows, with messages cut short.
#include <set>
#include <utility>

#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "reports/statistics_facts.hpp"
#include "reports/violation_groups_html.hpp"
#include "results/run_warnings.hpp"
#include "results/violation_groups.hpp"

namespace mqtt::reports {
namespace {

// Rows and message lengths that keep summary.md within the 16 kB budget of docs/reports.md whatever the run:
// the overview's first instances say the most, so they keep the longer messages.
constexpr std::size_t statement_rows = 20;
constexpr std::size_t statement_message_characters = 160;
constexpr std::size_t failure_rows = 40;
constexpr std::size_t failure_message_characters = 100;
constexpr std::size_t cases_named = 3;

// A message cut to `limit` bytes at a UTF-8 character boundary, then escaped for a table cell.
std::string short_cell(const std::string& message, std::size_t limit) {
  if (message.size() <= limit) return escape_markdown_cell(message);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xC0) == 0x80) --end;
  return escape_markdown_cell(message.substr(0, end)) + "…";
}

// Distinct connections in the evidence of a group's instances (a connection number is per case).
std::size_t connections_in(const results::ViolationGroup& group) {
  std::set<std::pair<std::string, std::uint32_t>> connections;
  for (const auto* violation : group.instances) {
    for (const auto& event : violation->history_slice) {
      if (event.connection != 0) connections.emplace(violation->case_id, event.connection);
    }
  }
  return connections.size();
}

// "case-a, case-b, case-c and 4 more"
std::string cases_text(const std::set<std::string>& cases) {
  std::string text;
  std::size_t named = 0;
  for (const auto& case_id : cases) {
    if (named++ == cases_named) break;
    text += (text.empty() ? "" : ", ") + escape_markdown_cell(case_id);
  }
  if (cases.size() > cases_named) text += " and " + std::to_string(cases.size() - cases_named) + " more";
  return text;
}

// The run-wide overview: one row per violated statement, in the order of each statement's first instance.
std::string violations_by_statement(const results::Results& results) {
  const auto groups = results::group_by_statement(all_violations(results));
  if (groups.empty()) return "";
  std::string markdown =
      "\n### Violations by statement\n\n| Statement | Level | Violations | Clients | Connections | "
      "Cases | First instance |\n|---|---|---:|---:|---:|---|---|\n";
  for (std::size_t index = 0; index < groups.size() && index < statement_rows; ++index) {
    const auto& group = groups[index];
    const auto& first = *group.instances.front();
    markdown += "| " + escape_markdown_cell(group.statement) + " | " + escape_markdown_cell(group.level) +
                " | " + std::to_string(group.instances.size()) + " | " +
                std::to_string(group.clients.size()) + " | " + std::to_string(connections_in(group)) + " | " +
                cases_text(group.cases) + " | " + escape_markdown_cell(first.case_id) + ": " +
                short_cell(first.message, statement_message_characters) + " |\n";
  }
  if (groups.size() > statement_rows) {
    markdown += "\n… and " + std::to_string(groups.size() - statement_rows) +
                " more statements; report.html and results.json list them.\n";
  }
  return markdown;
}

}  // namespace

std::string render_markdown(const results::Results& input) {
  std::optional<results::Results> redacted_copy;
  const results::Results& results = redacted(input, redacted_copy);
  const auto& summary = results.summary;
  std::string markdown = "## MQTT " + escape_markdown_cell(results.kind.empty() ? "conformance" : results.kind) +
                         ": " + overall_verdict(results) + "\n\n";
  if (results.interrupted) markdown += "**" + escape_markdown_cell(interruption_banner(*results.interrupted)) + "**\n\n";
  if (!results.target_problem.empty()) markdown += "**" + escape_markdown_cell(results.target_problem) + "**\n\n";
  if (const auto warnings = results::run_warnings(results); !warnings.empty()) {
    for (const auto& warning : warnings) markdown += "> **Warning:** " + escape_markdown_cell(warning) + "\n>\n";
    markdown.resize(markdown.size() - 2);
    markdown += "\n";
  }
  markdown += "Target `" + printable_utf8(results.target) + "`";
  if (!results.transport.scheme.empty()) markdown += " · " + escape_markdown_cell(results.transport.describe());
  if (!results.mqtt_version.empty()) markdown += " · MQTT " + escape_markdown_cell(results.mqtt_version);
  markdown += " · seed " + std::to_string(results.seed);
  if (!results.tool_version.empty()) markdown += " · mqtt-harness " + escape_markdown_cell(results.tool_version);
  markdown += "\n\n| Passed | Failed | Warned | Accepted | Inconclusive | Skipped | Errors |\n"
              "|---:|---:|---:|---:|---:|---:|---:|\n| " +
              std::to_string(summary.passed) + " | " + std::to_string(summary.failed) + " | " +
              std::to_string(summary.warned) + " | " + std::to_string(summary.accepted) + " | " +
              std::to_string(summary.inconclusive) + " | " + std::to_string(summary.skipped) + " | " +
              std::to_string(summary.errors) + " |\n";
  if (const auto facts = statistics_facts(results.stats); !facts.empty()) {
    markdown += "\n### Statistics\n\n| | |\n|---|---|\n";
    for (const auto& fact : facts) {
      markdown += "| " + escape_markdown_cell(fact.name) + " | " + escape_markdown_cell(fact.text) + " |\n";
    }
  }
  markdown += violations_by_statement(results);

  std::string rows;
  std::size_t row_count = 0, rows_left_out = 0;
  for (const auto& result : results.cases) {
    if (result.verdict != results::Verdict::failed && result.verdict != results::Verdict::error) continue;
    std::vector<const results::Violation*> violations;
    for (const auto& violation : result.violations) violations.push_back(&violation);
    if (violations.empty()) {
      for (const auto& violation : results.violations) {
        if (violation.case_id == result.id) violations.push_back(&violation);
      }
    }
    if (violations.empty()) {
      rows += "| " + escape_markdown_cell(result.id) + " | " +
              std::string(results::to_string(result.verdict)) + " | | | | " +
              short_cell(result.message, failure_message_characters) + " |\n";
    }
    // Accepted ones are listed under the accepted deviations.
    for (const auto& group : results::group_by_statement(violations)) {
      if (row_count++ >= failure_rows) {
        ++rows_left_out;
        continue;
      }
      const std::size_t count = group.instances.size();
      rows += "| " + escape_markdown_cell(result.id) + " | " +
              std::string(results::to_string(result.verdict)) + " | " +
              escape_markdown_cell(group.statement) + " | " + escape_markdown_cell(group.level) + " | " +
              std::to_string(count) + " | " +
              short_cell(group.instances.front()->message, failure_message_characters) +
              (count > 1 ? " (and " + std::to_string(count - 1) + " more like it)" : "") + " |\n";
    }
  }
  if (!rows.empty()) {
    markdown += "\n### Failures\n\n| Case | Verdict | Statement | Level | Violations | Message (first) |\n"
                "|---|---|---|---|---:|---|\n" +
                rows;
    if (rows_left_out > 0) {
      markdown += "\n… and " + std::to_string(rows_left_out) + " more rows; report.html and results.json list them.\n";
    }
  }
  std::string inconclusive;
  for (const auto& result : results.cases) {
    if (result.verdict != results::Verdict::inconclusive) continue;
    inconclusive += "| " + escape_markdown_cell(result.id) + " | " + escape_markdown_cell(result.message) + " |\n";
  }
  if (!inconclusive.empty()) {
    markdown += "\n### Inconclusive (not exercised)\n\n| Case | Reason |\n|---|---|\n" + inconclusive;
  }
  std::string accepted;
  for (const auto& violation : results.violations) {
    if (!violation.accepted) continue;
    accepted += "| " + escape_markdown_cell(violation.case_id) + " | " + escape_markdown_cell(violation.statement) +
                " | " + escape_markdown_cell(violation.level) + " | " + escape_markdown_cell(violation.message) +
                " | " + escape_markdown_cell(violation.accepted->reason) + " | " +
                escape_markdown_cell(violation.accepted->broker) + " |\n";
  }
  if (!accepted.empty()) {
    markdown += "\n### Accepted deviations\n\n| Case | Statement | Level | Message | Accepted because | Broker |\n"
                "|---|---|---|---|---|---|\n" +
                accepted;
  }
  if (!results.stale_accepted.empty()) {
    markdown += "\n### Stale accepted deviations\n\nThese entries matched nothing in the cases that ran; the broker "
                "may have been fixed. Remove them from the file.\n\n";
    for (const auto& entry : results.stale_accepted) {
      markdown += "- " + escape_markdown_cell(entry.statement) +
                  (entry.cases.empty() ? "" : " in " + escape_markdown_cell(entry.cases)) + " (" +
                  escape_markdown_cell(entry.source) + "): " + escape_markdown_cell(entry.reason) + "\n";
    }
  }
  if (!results.observed.empty()) {
    markdown += "\n" + std::to_string(results.observed.size()) + " optional behaviour(s) observed; see report.html.\n";
  }
  return markdown;
}

}  // namespace mqtt::reports
