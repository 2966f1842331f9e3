// Several runs side by side: one column per run (broker, named by --label or its target), first the statements
// some run breaks with the runs that break each, then one row per statement with the verdict in each cell.
#include <fstream>
#include <map>
#include <set>

#include "history/json.hpp"
#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "results/results_reader.hpp"

namespace mqtt::reports {

namespace {

const results::StatementResult* statement_in(const results::Results& run, const std::string& id) {
  for (const auto& statement : run.statements) {
    if (statement.id == id) return &statement;
  }
  return nullptr;
}

}  // namespace

std::string render_comparison_html(const std::vector<results::Results>& input_runs,
                                   const std::vector<std::string>& given_labels) {
  std::vector<results::Results> runs;
  for (const auto& run : input_runs) runs.push_back(redact(run));
  std::vector<std::string> labels;
  for (std::size_t index = 0; index < runs.size(); ++index) {
    labels.push_back(index < given_labels.size() && !given_labels[index].empty() ? redact_text(given_labels[index])
                                                                                  : runs[index].target);
  }

  // Rows in first-seen order, so the catalog's order is kept.
  std::vector<std::string> statement_ids;
  std::map<std::string, std::string> statement_levels;
  std::set<std::string> seen;
  for (const auto& run : runs) {
    for (const auto& statement : run.statements) {
      if (seen.insert(statement.id).second) {
        statement_ids.push_back(statement.id);
        statement_levels[statement.id] = statement.level;
      }
    }
  }

  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>MQTT broker comparison</title>"
      "<style>" +
      std::string(report_stylesheet()) +
      ".matrix td { text-align: center; } .matrix td.statement { text-align: left; }</style></head><body>\n"
      "<h1>MQTT broker comparison</h1><p class=\"muted\">" +
      std::to_string(runs.size()) + " runs, " + std::to_string(statement_ids.size()) +
      " statements.</p><h2>Runs</h2><table><tr><th>#</th><th>Run</th><th>Target</th><th>Verdict</th><th>Passed</th><th>Failed"
      "</th><th>Warned</th><th>Accepted</th><th>Inconclusive</th><th>Skipped</th><th>Errors</th><th>MQTT</th><th>Started</th><th>Seed</th></tr>";
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const auto& run = runs[index];
    html += "<tr><td>" + std::to_string(index + 1) + "</td><td><strong>" + escape_xml(labels[index]) +
            "</strong></td><td><code>" + escape_xml(run.target) + "</code></td><td>" +
            escape_xml(overall_verdict(run)) + "</td><td class=\"number\">" +
            std::to_string(run.summary.passed) + "</td><td class=\"number\">" + std::to_string(run.summary.failed) +
            "</td><td class=\"number\">" + std::to_string(run.summary.warned) + "</td><td class=\"number\">" +
            std::to_string(run.summary.accepted) + "</td><td class=\"number\">" +
            std::to_string(run.summary.inconclusive) + "</td><td class=\"number\">" +
            std::to_string(run.summary.skipped) + "</td><td class=\"number\">" + std::to_string(run.summary.errors) +
            "</td><td>" + escape_xml(run.mqtt_version) + "</td><td>" + escape_xml(run.started_at) + "</td><td>" +
            std::to_string(run.seed) + "</td></tr>";
  }
  html += "</table>";
  // Who breaks what: the rows a reader comparing brokers looks for first.
  std::string broken;
  for (const auto& id : statement_ids) {
    std::string breakers;
    for (std::size_t index = 0; index < runs.size(); ++index) {
      const auto* found = statement_in(runs[index], id);
      if (found && (found->verdict == results::Verdict::failed || found->verdict == results::Verdict::warned ||
                    found->verdict == results::Verdict::accepted)) {
        breakers += (breakers.empty() ? "" : ", ") + escape_xml(labels[index]) + " (" +
                    std::string(results::to_string(found->verdict)) + ")";
      }
    }
    if (!breakers.empty()) {
      broken += "<tr><td class=\"statement\"><code>" + escape_xml(id) + "</code></td><td>" +
                escape_xml(statement_levels[id]) + "</td><td>" + breakers + "</td></tr>";
    }
  }
  html += "<h2>Statements broken, and by which run</h2>" +
          (broken.empty() ? std::string("<p>No run broke a statement.</p>")
                          : "<table class=\"broken\"><tr><th>Statement</th><th>Level</th><th>Broken by</th></tr>" +
                                broken + "</table>");
  html += "<h2>Statement matrix</h2><table class=\"matrix\"><tr><th>Statement</th><th>Level</th>";
  for (std::size_t index = 0; index < runs.size(); ++index) {
    html += "<th title=\"" + escape_xml(runs[index].target) + "\">#" + std::to_string(index + 1) + "<br><code>" +
            escape_xml(labels[index]) + "</code></th>";
  }
  html += "</tr>";
  for (const auto& id : statement_ids) {
    html += "<tr><td class=\"statement\"><code>" + escape_xml(id) + "</code></td><td>" +
            escape_xml(statement_levels[id]) + "</td>";
    for (const auto& run : runs) {
      const results::StatementResult* found = nullptr;
      for (const auto& statement : run.statements) {
        if (statement.id == id) found = &statement;
      }
      if (found == nullptr) {
        html += "<td class=\"muted\">—</td>";
      } else if (found->verdict == results::Verdict::skipped) {
        html += "<td><span class=\"badge skipped\">not tested</span></td>";
      } else {
        html += "<td>" + verdict_badge(found->verdict) + "</td>";
      }
    }
    html += "</tr>";
  }
  return html + "</table></body></html>\n";
}

std::vector<results::Results> load_results(const std::vector<std::filesystem::path>& paths) {
  std::vector<results::Results> runs;
  for (const auto& path : paths) runs.push_back(results::read_results_file(path));
  return runs;
}

void write_comparison_html(const std::vector<std::filesystem::path>& results_files,
                           const std::filesystem::path& output, const std::vector<std::string>& labels) {
  const std::string html = render_comparison_html(load_results(results_files), labels);
  std::ofstream out(output, std::ios::binary);
  out << html;
  if (!out) throw std::runtime_error(output.string() + ": cannot write");
}

}  // namespace mqtt::reports
