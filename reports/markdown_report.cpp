// A short Markdown summary for a CI step summary: verdict, totals, and a table of failures. No links, so it
// renders the same everywhere and carries nothing a reader might click by mistake.
#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"

namespace mqtt::reports {

std::string render_markdown(const results::Results& input) {
  std::optional<results::Results> redacted_copy;
  const results::Results& results = redacted(input, redacted_copy);
  const auto& summary = results.summary;
  std::string markdown = "## MQTT " + escape_markdown_cell(results.kind.empty() ? "conformance" : results.kind) +
                         ": " + overall_verdict(summary) + "\n\n";
  markdown += "Target `" + printable_utf8(results.target) + "`";
  if (!results.mqtt_version.empty()) markdown += " · MQTT " + escape_markdown_cell(results.mqtt_version);
  markdown += " · seed " + std::to_string(results.seed);
  if (!results.tool_version.empty()) markdown += " · mqtt-harness " + escape_markdown_cell(results.tool_version);
  markdown += "\n\n| Passed | Failed | Warned | Skipped | Errors |\n|---:|---:|---:|---:|---:|\n| " +
              std::to_string(summary.passed) + " | " + std::to_string(summary.failed) + " | " +
              std::to_string(summary.warned) + " | " + std::to_string(summary.skipped) + " | " +
              std::to_string(summary.errors) + " |\n";

  std::string rows;
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
      rows += "| " + escape_markdown_cell(result.id) + " | " + std::string(results::to_string(result.verdict)) +
              " | | | " + escape_markdown_cell(result.message) + " |\n";
    }
    for (const auto* violation : violations) {
      rows += "| " + escape_markdown_cell(result.id) + " | " + std::string(results::to_string(result.verdict)) +
              " | " + escape_markdown_cell(violation->statement) + " | " + escape_markdown_cell(violation->level) +
              " | " + escape_markdown_cell(violation->message) + " |\n";
    }
  }
  if (!rows.empty()) {
    markdown += "\n### Failures\n\n| Case | Verdict | Statement | Level | Message |\n|---|---|---|---|---|\n" + rows;
  }
  if (!results.observed.empty()) {
    markdown += "\n" + std::to_string(results.observed.size()) + " optional behaviour(s) observed; see report.html.\n";
  }
  return markdown;
}

}  // namespace mqtt::reports
