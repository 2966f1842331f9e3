// The single-run HTML report: one self-contained, printable file. Inline CSS, SVG and one small inline filter
// script; no external references, so it can be archived as CI evidence and opened offline.
#include <algorithm>
#include <map>
#include <set>

#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "reports/statistics_charts.hpp"
#include "reports/statistics_facts.hpp"
#include "reports/violation_groups_html.hpp"
#include "results/run_warnings.hpp"

namespace mqtt::reports {
namespace {

using results::CaseResult;
using results::Results;
using results::Verdict;

constexpr std::string_view stylesheet = R"css(
:root { --passed:#15803d; --failed:#b91c1c; --warned:#b45309; --skipped:#6b7280; --error:#7c2d12;
        --inconclusive:#7e22ce; --accepted:#1d4ed8; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:#111827;
       margin: 0 auto; padding: 24px; max-width: 1200px; line-height: 1.4; }
h1 { margin: 0 0 4px 0; font-size: 26px; }
h2 { border-bottom: 2px solid #e5e7eb; padding-bottom: 4px; margin-top: 32px; }
h3 { margin: 0 0 6px 0; font-size: 17px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d5db; padding: 4px 8px; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #f3f4f6; }
td.number, th.number { text-align: right; }
td.statement, td.section, .case h3 code, .violation code { white-space: nowrap; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 13px; }
.banner { padding: 16px 20px; border-radius: 8px; color: #fff; margin-bottom: 16px; }
.banner.passed { background: var(--passed); } .banner.failed { background: var(--failed); }
.banner.warned { background: var(--warned); } .banner.error { background: var(--error); }
.banner.skipped { background: var(--skipped); }
.banner.inconclusive { background: var(--inconclusive); } .banner.accepted { background: var(--accepted); }
.banner p { margin: 4px 0 0 0; }
.badge { display: inline-block; white-space: nowrap; min-width: 64px; text-align: center; padding: 1px 8px; border-radius: 10px;
         color: #fff; font-size: 12px; font-weight: 600; text-transform: uppercase; }
.badge.passed { background: var(--passed); } .badge.failed { background: var(--failed); }
.badge.warned { background: var(--warned); } .badge.skipped { background: var(--skipped); }
.badge.error { background: var(--error); }
.badge.inconclusive { background: var(--inconclusive); } .badge.accepted { background: var(--accepted); }
.facts th { width: 160px; }
.side-by-side { display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
table.coverage td, table.coverage th { padding: 2px 6px; font-size: 13px; }
.case { border: 1px solid #d1d5db; border-left: 6px solid var(--skipped); border-radius: 6px; padding: 10px 14px;
        margin: 12px 0; page-break-inside: avoid; break-inside: avoid; }
.case.passed { border-left-color: var(--passed); } .case.failed { border-left-color: var(--failed); }
.case.warned { border-left-color: var(--warned); } .case.error { border-left-color: var(--error); }
.case.inconclusive { border-left-color: var(--inconclusive); } .case.accepted { border-left-color: var(--accepted); }
.case.inconclusive .message, .case.accepted .message { font-weight: 600; }
.case .meta { color: #4b5563; font-size: 13px; }
.case .message { margin: 6px 0; }
.violation { background: #fef2f2; border: 1px solid #fecaca; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.violation.accepted { background: #eff6ff; border-color: #bfdbfe; }
.stale { background: #fffbeb; border: 1px solid #fde68a; border-radius: 6px; padding: 8px 12px; }
.diagram { overflow-x: auto; background: #fff; margin-top: 8px; }
.diagram svg { max-width: 100%; height: auto; }
.coverage-bar { display: inline-block; height: 10px; background: var(--passed); vertical-align: middle; }
.coverage-bar.failed { background: var(--failed); } .coverage-bar.untested { background: #d1d5db; }
.coverage-bar.accepted { background: var(--accepted); } .coverage-bar.inconclusive { background: var(--inconclusive); }
.charts figure { display: inline-block; margin: 8px 16px 8px 0; }
.warnings { background: #fffbeb; border: 1px solid #f59e0b; border-radius: 6px; padding: 8px 12px; margin-bottom: 16px; }
.warnings ul { margin: 4px 0; padding-left: 20px; }
details.violation-group { border: 1px solid #fecaca; border-radius: 6px; padding: 6px 10px; margin: 8px 0; }
details.violation-group.accepted { border-color: #bfdbfe; }
details.violation-group > summary { cursor: pointer; font-weight: 600; }
table.compact td, table.compact th { padding: 1px 6px; font-size: 12px; }
#filter { margin: 12px 0; } #filter input { width: 420px; max-width: 100%; padding: 4px 8px; font-size: 14px; }
[hidden] { display: none !important; }
.muted { color: #6b7280; }
footer { margin-top: 40px; color: #6b7280; font-size: 12px; }
@media print {
  body { padding: 0; max-width: none; }
  .banner, .badge, .coverage-bar { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  #filter { display: none; }
  h2 { page-break-after: avoid; }
}
)css";

std::string text(std::string_view value) { return escape_xml(value); }

// Fleets, captures and replays judge one recorded history; conformance runs judge cases written for statements.
bool judges_histories(const Results& results) { return !results.kind.empty() && results.kind != "conformance"; }

std::string summary_section(const Results& results) {
  const auto& summary = results.summary;
  const int total = summary.passed + summary.failed + summary.warned + summary.skipped + summary.errors +
                    summary.inconclusive + summary.accepted;
  std::string html = "<section id=\"summary\"><h2>Summary</h2><div class=\"side-by-side\"><table class=\"counts\"><tr>";
  for (const char* heading : {"Cases", "Passed", "Failed", "Warned", "Accepted", "Inconclusive", "Skipped", "Errors"}) {
    html += "<th class=\"number\">" + std::string(heading) + "</th>";
  }
  html += "</tr><tr>";
  for (int count : {total, summary.passed, summary.failed, summary.warned, summary.accepted, summary.inconclusive,
                    summary.skipped, summary.errors}) {
    html += "<td class=\"number\">" + std::to_string(count) + "</td>";
  }
  html += "</tr></table><table class=\"facts\">";
  auto fact = [&html](std::string_view name, const std::string& value) {
    if (!value.empty()) html += "<tr><th>" + text(name) + "</th><td>" + value + "</td></tr>";
  };
  fact("Target", "<code>" + text(results.target) + "</code>");
  fact("Transport", text(results.transport.describe()));
  fact("Run kind", text(results.kind));
  fact("MQTT version", text(results.mqtt_version));
  fact("Tool version", text(results.tool_version));
  fact("Seed", "<code>" + std::to_string(results.seed) + "</code>");
  fact("Started (UTC)", text(results.started_at));
  fact("Duration", text(format_milliseconds(results.duration_ms)));
  html += "</table></div></section>\n";
  return html;
}

// Orders spec sections as numbers, part by part ("3.2" before "3.10"); names that are not numbers ("other") last.
struct SectionOrder {
  static std::vector<long> parts(const std::string& section) {
    std::vector<long> numbers;
    std::size_t start = 0;
    while (start <= section.size()) {
      const auto end = std::min(section.find('.', start), section.size());
      const std::string part = section.substr(start, end - start);
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return {};
      numbers.push_back(std::stol(part));
      start = end + 1;
    }
    return numbers;
  }
  bool operator()(const std::string& left, const std::string& right) const {
    const auto left_parts = parts(left), right_parts = parts(right);
    if (left_parts.empty() != right_parts.empty()) return right_parts.empty();
    if (left_parts != right_parts) return left_parts < right_parts;
    return left < right;
  }
};

using StatementsBySection = std::map<std::string, std::vector<const results::StatementResult*>, SectionOrder>;

StatementsBySection statements_by_section(const Results& results) {
  StatementsBySection by_section;
  for (const auto& statement : results.statements) by_section[section_group(statement.section)].push_back(&statement);
  return by_section;
}

// The overview: one row per spec section with its coverage. The statements themselves are listed after the cases
// (statements_section), so the failing cases come right after the overview.
std::string matrix_section(const Results& results) {
  if (results.statements.empty()) return "";
  const bool history_run = judges_histories(results);
  struct Coverage {
    int total = 0, passed = 0, failed = 0, warned = 0, accepted = 0, inconclusive = 0, untested = 0;
  };
  std::map<std::string, Coverage, SectionOrder> by_section;
  std::size_t not_exercised = 0;
  for (const auto& statement : results.statements) {
    if (history_run && statement.verdict == Verdict::skipped) {
      ++not_exercised;
      continue;
    }
    const std::string group = section_group(statement.section);
    Coverage& coverage = by_section[group];
    ++coverage.total;
    switch (statement.verdict) {
      case Verdict::passed: ++coverage.passed; break;
      case Verdict::failed:
      case Verdict::error: ++coverage.failed; break;
      case Verdict::warned: ++coverage.warned; break;
      case Verdict::accepted: ++coverage.accepted; break;
      case Verdict::inconclusive: ++coverage.inconclusive; break;
      case Verdict::skipped: ++coverage.untested; break;
    }
  }
  const std::string header =
      "<table class=\"coverage\"><tr><th>Section</th><th class=\"number\">Statements</th><th class=\"number\">Passed"
      "</th><th class=\"number\">Failed</th><th class=\"number\">Warned</th><th class=\"number\">Accepted</th>"
      "<th class=\"number\">Inconclusive</th><th class=\"number\">Untested</th>"
      "<th>Coverage</th></tr>";
  // A long list of sections is split into two tables side by side (they stack on narrow screens), so the cases
  // are not pushed far down the page.
  const std::size_t per_table = by_section.size() > 8 ? (by_section.size() + 1) / 2 : by_section.size();
  std::string html = "<section id=\"matrix\"><h2>" +
                     std::string(history_run ? "Statements the history exercised, by spec section"
                                             : "Compliance by spec section") +
                     "</h2>";
  if (history_run) {
    html += "<p class=\"muted\">A " + text(results.kind) + " run judges what its history happened to exercise: " +
            std::to_string(results.statements.size() - not_exercised) + " statements; the other " +
            std::to_string(not_exercised) + " of the catalog did not occur and are left out.</p>";
  }
  html += "<div class=\"side-by-side\">" + header;
  std::size_t row = 0;
  for (const auto& [group, coverage] : by_section) {
    if (row++ == per_table) html += "</table>" + header;
    auto bar = [&coverage](int count, const char* kind) {
      const int width = coverage.total == 0 ? 0 : count * 96 / coverage.total;
      return width == 0 ? std::string()
                        : "<span class=\"coverage-bar " + std::string(kind) + "\" style=\"width:" +
                              std::to_string(width) + "px\"></span>";
    };
    html += "<tr><td class=\"section\"><a href=\"#section-" + anchor_id(group) + "\">" + text(group) +
            "</a></td><td class=\"number\">" + std::to_string(coverage.total) + "</td><td class=\"number\">" +
            std::to_string(coverage.passed) + "</td><td class=\"number\">" + std::to_string(coverage.failed) +
            "</td><td class=\"number\">" + std::to_string(coverage.warned) + "</td><td class=\"number\">" +
            std::to_string(coverage.accepted) + "</td><td class=\"number\">" + std::to_string(coverage.inconclusive) +
            "</td><td class=\"number\">" + std::to_string(coverage.untested) + "</td><td>" +
            bar(coverage.passed + coverage.warned, "passed") + bar(coverage.failed, "failed") +
            bar(coverage.accepted, "accepted") + bar(coverage.inconclusive, "inconclusive") +
            bar(coverage.untested, "untested") + "</td></tr>";
  }
  html += "</table></div><p class=\"muted\">Each section's statements are listed under "
          "<a href=\"#statements\">Statements by section</a>.</p></section>\n";
  return html;
}

std::string statements_section(const Results& results) {
  if (results.statements.empty()) return "";
  std::string html = "<section id=\"statements\"><h2>Statements by section</h2>";
  const bool history_run = judges_histories(results);
  for (const auto& [group, all_statements] : statements_by_section(results)) {
    std::vector<const results::StatementResult*> statements;
    for (const auto* statement : all_statements) {
      if (!history_run || statement->verdict != Verdict::skipped) statements.push_back(statement);
    }
    if (statements.empty()) continue;
    html += "<h3 id=\"section-" + anchor_id(group) + "\">Section " + text(group) +
            "</h3><table><tr><th>Statement</th><th>Level</th><th>Verdict</th><th>Cases</th><th>What it requires "
            "(paraphrase)</th></tr>";
    for (const auto* statement : statements) {
      std::string cases;
      for (const auto& case_id : statement->cases) {
        cases += (cases.empty() ? "" : ", ") + ("<a href=\"#case-" + anchor_id(case_id) + "\">" + text(case_id) + "</a>");
      }
      html += "<tr data-filter=\"" + text(statement->id) + "\"><td class=\"statement\"><code>" + text(statement->id) + "</code></td><td>" + text(statement->level) +
              "</td><td>" +
              (statement->verdict == Verdict::skipped ? std::string("<span class=\"badge skipped\">not tested</span>")
                                                      : verdict_badge(statement->verdict)) +
              "</td><td>" + cases + "</td><td>" + text(statement->text) + "</td></tr>";
    }
    html += "</table>";
  }
  return html + "</section>\n";
}

std::string case_html(const Results& results, const CaseResult& result, std::size_t& diagrams_left) {
  const std::string verdict(results::to_string(result.verdict));
  std::string filter = result.id + " " + result.title + " " + verdict;
  for (const auto& statement : result.statements) filter += " " + statement;
  std::string html = "<article class=\"case " + verdict + "\" id=\"case-" + anchor_id(result.id) + "\" data-filter=\"" +
                     text(filter) + "\"><h3>" +
                     verdict_badge(result.verdict) + " <code>" + text(result.id) + "</code> " + text(result.title) +
                     "</h3><div class=\"meta\">";
  if (!result.section.empty()) html += "Section " + text(result.section) + " · ";
  html += text(format_milliseconds(result.duration_ms));
  if (!result.statements.empty()) {
    html += " · Statements: ";
    for (std::size_t index = 0; index < result.statements.size(); ++index) {
      html += (index ? ", " : "") + ("<code>" + text(result.statements[index]) + "</code>");
    }
  }
  html += "</div>";
  if (!result.message.empty()) html += "<p class=\"message\">" + text(result.message) + "</p>";
  if (!result.steps.empty()) {
    html += "<details" + std::string(result.verdict == Verdict::failed ? " open" : "") +
            "><summary>Steps</summary><ol class=\"steps\">";
    for (const auto& step : result.steps) html += "<li>" + text(step) + "</li>";
    html += "</ol></details>";
  }
  std::vector<const results::Violation*> violations;
  for (const auto& violation : result.violations) violations.push_back(&violation);
  if (violations.empty()) {
    for (const auto& violation : results.violations) {
      if (violation.case_id == result.id) violations.push_back(&violation);
    }
  }
  html += grouped_violations_html(results, result, violations, diagrams_left);
  return html + "</article>\n";
}

std::string cases_section(const Results& results) {
  if (results.cases.empty()) return "";
  std::string html = "<section id=\"cases\"><h2>Cases</h2>";
  std::size_t diagrams_left = diagrams_per_page;
  // Failures first: they are what the reader came for.
  for (const Verdict verdict : {Verdict::failed, Verdict::error, Verdict::warned, Verdict::inconclusive, Verdict::accepted,
                                Verdict::passed, Verdict::skipped}) {
    for (const auto& result : results.cases) {
      if (result.verdict == verdict) html += case_html(results, result, diagrams_left);
    }
  }
  return html + "</section>\n";
}

// Entries of the accepted-deviations file that matched nothing: the file should shrink.
std::string stale_section(const Results& results) {
  if (results.stale_accepted.empty()) return "";
  std::string html = "<section id=\"stale\" class=\"stale\"><strong>Stale accepted deviations</strong>: these "
                     "entries matched no violation in the cases that ran; the broker may have been fixed. Remove them "
                     "from the file.<ul>";
  for (const auto& entry : results.stale_accepted) {
    html += "<li><code>" + text(entry.statement) + "</code>" +
            (entry.cases.empty() ? "" : " in <code>" + text(entry.cases) + "</code>") + " (" + text(entry.source) +
            "): " + text(entry.reason) + "</li>";
  }
  return html + "</ul></section>\n";
}

// Observations grouped by behaviour (a fleet of 2,000 devices observes the same thing 2,000 times). Faults the
// harness injected are not the broker's choice: they get their own table.
std::string observation_table(const std::vector<const results::Observation*>& observations) {
  struct Group {
    std::size_t count = 0;
    const results::Observation* first = nullptr;
    std::set<std::string> cases;
  };
  std::vector<std::string> order;
  std::map<std::string, Group> groups;
  for (const auto* observation : observations) {
    auto& group = groups[observation->behaviour];
    if (group.count++ == 0) {
      group.first = observation;
      order.push_back(observation->behaviour);
    }
    group.cases.insert(observation->case_id);
  }
  std::string html = "<table><tr><th>Behaviour</th><th class=\"number\">Times</th><th>Detail (first)</th><th>Case"
                     "</th></tr>";
  for (const auto& behaviour : order) {
    const auto& group = groups[behaviour];
    std::string cases;
    for (const auto& id : group.cases) cases += (cases.empty() ? "" : ", ") + id;
    html += "<tr data-filter=\"" + text(behaviour + " " + cases) + "\"><td><code>" + text(behaviour) +
            "</code></td><td class=\"number\">" + std::to_string(group.count) + "</td><td>" +
            text(group.first->detail) + "</td><td>" + text(cases) + "</td></tr>";
  }
  return html + "</table>";
}

std::string observed_section(const Results& results) {
  std::vector<const results::Observation*> faults, optional;
  for (const auto& observation : results.observed) {
    (observation.behaviour.rfind("fault-", 0) == 0 ? faults : optional).push_back(&observation);
  }
  std::string html;
  if (!faults.empty()) {
    html += "<section id=\"faults\"><h2>Injected faults</h2><p class=\"muted\">What the harness did to the network or "
            "the devices on purpose, as recorded in the history; the checker excuses what they explain.</p>" +
            observation_table(faults) + "</section>\n";
  }
  if (!optional.empty()) {
    html += "<section id=\"observed\"><h2>Observed optional behaviour</h2><p class=\"muted\">Behaviour the "
            "specification leaves to the implementation; never a failure.</p>" +
            observation_table(optional) + "</section>\n";
  }
  return html;
}

std::string violations_without_case(const Results& results) {
  std::vector<const results::Violation*> violations;
  for (const auto& violation : results.violations) {
    const bool has_case = std::any_of(results.cases.begin(), results.cases.end(),
                                      [&](const CaseResult& result) { return result.id == violation.case_id; });
    if (!has_case) violations.push_back(&violation);
  }
  if (violations.empty()) return "";
  std::size_t diagrams_left = diagrams_per_page;
  return "<section id=\"violations\"><h2>Violations</h2>" +
         grouped_violations_html(results, CaseResult{}, violations, diagrams_left) + "</section>\n";
}

// Warnings of the run (results/run_warnings.hpp), right under the verdict. Other features add lines here.
std::string warnings_section(const Results& results) {
  const auto warnings = results::run_warnings(results);
  if (warnings.empty()) return "";
  std::string html = "<section id=\"warnings\" class=\"warnings\"><strong>Warnings</strong><ul>";
  for (const auto& warning : warnings) html += "<li>" + text(warning) + "</li>";
  return html + "</ul></section>\n";
}

std::string statistics_section(const Results& results) {
  const auto facts = statistics_facts(results.stats);
  const std::string charts = statistics_charts_html(results.stats);
  if (facts.empty() && charts.empty()) return "";
  std::string html = "<section id=\"stats\"><h2>Statistics</h2>";
  if (!facts.empty()) {
    html += "<table class=\"facts statistics\">";
    for (const auto& fact : facts) html += "<tr><th>" + text(fact.name) + "</th><td>" + text(fact.text) + "</td></tr>";
    html += "</table>";
  }
  return html + charts + "</section>\n";
}

// Hides every element whose data-filter text does not contain the query, unless something inside it matches.
// A link to "report.html#filter=TEXT" opens the page filtered (shareable, and how the browser test drives it).
constexpr std::string_view filter_script = R"js(
(function () {
  var input = document.getElementById('filter-input');
  function apply() {
    var query = input.value.trim().toLowerCase();
    var all = document.querySelectorAll('[data-filter]');
    all.forEach(function (element) {
      element.hidden = query !== '' && element.getAttribute('data-filter').toLowerCase().indexOf(query) < 0;
    });
    if (query === '') return;
    all.forEach(function (element) {
      if (element.hidden) return;
      for (var parent = element.parentElement; parent; parent = parent.parentElement) {
        if (parent.hasAttribute('data-filter')) parent.hidden = false;
        if (parent.tagName === 'DETAILS') parent.open = true;
      }
    });
  }
  input.addEventListener('input', apply);
  if (window.location.hash.indexOf('#filter=') === 0) {
    input.value = decodeURIComponent(window.location.hash.substring(8));
    apply();
  }
})();
)js";

std::string filter_box() {
  return "<div id=\"filter\"><label>Filter by statement, device, client or case: <input id=\"filter-input\" "
         "type=\"search\" placeholder=\"MQTT-3.1.2-8, dtu-a-17, will.*\"></label></div>\n";
}

}  // namespace

std::string_view report_stylesheet() { return stylesheet; }

std::string verdict_badge(Verdict verdict) {
  const std::string name(results::to_string(verdict));
  return "<span class=\"badge " + name + "\">" + name + "</span>";
}

std::string section_group(std::string_view section) {
  if (section.empty()) return "other";
  const auto first = section.find('.');
  if (first == std::string_view::npos) return std::string(section);
  const auto second = section.find('.', first + 1);
  return std::string(section.substr(0, second));
}

std::string anchor_id(std::string_view text) {
  std::string id;
  for (char character : text) {
    const bool safe = (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
                      (character >= '0' && character <= '9') || character == '-' || character == '_';
    id.push_back(safe ? character : '_');
  }
  return id;
}

std::string interruption_banner(const results::Interruption& interruption) {
  std::string sentence = results::describe(interruption);
  sentence[0] = 'I';
  return sentence + ": partial results. What was recorded until then is judged; obligations the interruption left "
                    "open are unresolved, not violations; cases that never ran are skipped.";
}

std::string overall_verdict(const results::Summary& summary) {
  if (summary.failed > 0) return "FAILED";
  if (summary.errors > 0) return "ERRORS";
  if (summary.inconclusive > 0) return "INCONCLUSIVE";
  if (summary.warned > 0) return "PASSED WITH WARNINGS";
  if (summary.accepted > 0) return "PASSED WITH ACCEPTED DEVIATIONS";
  if (summary.passed > 0) return "PASSED";
  return "NOTHING RAN";
}

std::string overall_verdict(const results::Results& results) {
  if (results.interrupted) {
    // Partial results are never a pass; what they prove against the broker still shows.
    const std::string proved = overall_verdict(results.summary);
    return proved == "FAILED" || proved == "ERRORS" ? proved + " (INTERRUPTED)" : "INTERRUPTED";
  }
  return results.target_problem.empty() ? overall_verdict(results.summary) : "TARGET DID NOT TAKE PART";
}

std::string overall_class(const results::Results& results) {
  const auto& summary = results.summary;
  if (results.interrupted) return summary.failed > 0 ? "failed" : summary.errors > 0 ? "error" : "inconclusive";
  if (!results.target_problem.empty()) return "inconclusive";
  if (summary.failed > 0) return "failed";
  if (summary.errors > 0) return "error";
  if (summary.inconclusive > 0) return "inconclusive";
  if (summary.warned > 0) return "warned";
  if (summary.accepted > 0) return "accepted";
  if (summary.passed > 0) return "passed";
  return "skipped";
}

std::string render_html(const Results& input) {
  std::optional<Results> redacted_copy;
  const Results& results = redacted(input, redacted_copy);
  const std::string verdict = overall_verdict(results);
  const std::string banner_class = overall_class(results);
  const std::string kind = results.kind.empty() ? "conformance" : results.kind;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>MQTT " +
      text(kind) + " report: " + text(verdict) + " — " + text(results.target) + "</title><style>" +
      std::string(stylesheet) + "</style></head><body>\n";
  html += "<header class=\"banner " + banner_class + "\"><h1>MQTT " + text(kind) + " report: " + text(verdict) +
          "</h1><p>" + std::to_string(results.summary.passed) + " passed, " + std::to_string(results.summary.failed) +
          " failed, " + std::to_string(results.summary.warned) + " warned, " +
          std::to_string(results.summary.accepted) + " accepted, " + std::to_string(results.summary.inconclusive) +
          " inconclusive, " + std::to_string(results.summary.skipped) + " skipped, " +
          std::to_string(results.summary.errors) + " errors · target <code>" + text(results.target) + "</code></p>" +
          (results.interrupted ? "<p class=\"interrupted\"><strong>" + text(interruption_banner(*results.interrupted)) +
                                     "</strong></p>"
                               : "") +
          (results.target_problem.empty() ? "" : "<p><strong>" + text(results.target_problem) + "</strong></p>") +
          "</header>\n";
  html += warnings_section(results);
  html += stale_section(results);
  html += summary_section(results);
  // A fleet, capture or replay is read for its statistics first; a conformance run for its cases.
  const bool history_run = judges_histories(results);
  if (history_run) html += statistics_section(results);
  html += violations_overview_html(results);
  html += filter_box();
  html += matrix_section(results);
  html += cases_section(results);
  html += violations_without_case(results);
  html += observed_section(results);
  html += statements_section(results);
  if (!history_run) html += statistics_section(results);
  html += "<footer>Generated by mqtt-harness " + text(results.tool_version) + " · seed " +
          std::to_string(results.seed) + " · replay with <code>--seed " + std::to_string(results.seed) +
          "</code></footer>\n<script>" + std::string(filter_script) + "</script>\n</body></html>\n";
  return html;
}

}  // namespace mqtt::reports
