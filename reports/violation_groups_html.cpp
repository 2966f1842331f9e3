#include "reports/violation_groups_html.hpp"

#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/sequence_diagram.hpp"
#include "results/violation_groups.hpp"

namespace mqtt::reports {
namespace {

using results::CaseResult;
using results::Results;
using results::Violation;

std::string text(std::string_view value) { return escape_xml(value); }

const results::StatementResult* find_statement(const Results& results, std::string_view id) {
  for (const auto& statement : results.statements) {
    if (statement.id == id) return &statement;
  }
  return nullptr;
}

// "a, b, c and 17 more"
std::string first_names(const std::set<std::string>& names, std::size_t shown) {
  std::string list;
  std::size_t count = 0;
  for (const auto& name : names) {
    if (count++ == shown) break;
    list += (list.empty() ? "" : ", ") + name;
  }
  if (names.size() > shown) list += " and " + std::to_string(names.size() - shown) + " more";
  return list;
}

std::string clients_of(const Violation& violation) {
  std::set<std::string> clients;
  for (const auto& event : violation.history_slice) {
    if (!event.actor.empty()) clients.insert(event.actor);
  }
  return first_names(clients, 4);
}

std::string group_anchor(const std::string& case_id, const std::string& statement) {
  return "group-" + anchor_id(case_id) + "-" + anchor_id(statement);
}

}  // namespace

std::vector<const Violation*> all_violations(const Results& results) {
  std::vector<const Violation*> violations;
  for (const auto& violation : results.violations) violations.push_back(&violation);
  if (violations.empty()) {
    for (const auto& result : results.cases) {
      for (const auto& violation : result.violations) violations.push_back(&violation);
    }
  }
  return violations;
}

std::string violation_html(const Results& results, const CaseResult& result, const Violation& violation,
                           std::size_t& diagrams_left) {
  std::string html = std::string(violation.accepted ? "<div class=\"violation accepted\">" : "<div class=\"violation\">") +
                     "<p><strong>" + (violation.accepted ? "Accepted deviation: violated" : "Violated") + " <code>" +
                     text(violation.statement) + "</code>";
  if (!violation.level.empty()) html += " (" + text(violation.level) + ")";
  html += "</strong>: " + text(violation.message) + "</p>";
  if (violation.accepted) {
    html += "<p class=\"acceptance\">Accepted because: " + text(violation.accepted->reason) +
            (violation.accepted->broker.empty() ? "" : " <span class=\"muted\">(" + text(violation.accepted->broker) + ")</span>") +
            " <span class=\"muted\">— " + text(violation.accepted->source) + "</span></p>";
  }
  if (const auto* statement = find_statement(results, violation.statement); statement && !statement->text.empty()) {
    html += "<p class=\"explanation\">The specification requires: " + text(statement->text) + "</p>";
  }
  std::vector<history::Event> slice = violation.history_slice;
  std::string caption = "The offending exchange";
  if (slice.empty() && !result.history.empty()) {
    const std::size_t keep = std::min<std::size_t>(result.history.size(), 12);
    slice.assign(result.history.end() - static_cast<std::ptrdiff_t>(keep), result.history.end());
    caption = "The last events of the case";
  }
  if (!slice.empty() && diagrams_left > 0) {
    --diagrams_left;
    html += "<p class=\"muted\">" + text(caption) + " (" + std::to_string(slice.size()) +
            " events):</p><div class=\"diagram\">" + sequence_diagram_svg(slice) + "</div>";
  } else if (!slice.empty()) {
    html += "<p class=\"muted\">" + text(caption) + ": " + std::to_string(slice.size()) + " events between " +
            text(clients_of(violation)) + " (no diagram: the page already holds " +
            std::to_string(diagrams_per_page) + "; results.json has the slice)</p>";
  }
  return html + "</div>";
}

std::string grouped_violations_html(const Results& results, const CaseResult& result,
                                    const std::vector<const Violation*>& violations, std::size_t& diagrams_left) {
  std::string html;
  const auto groups = results::group_by_statement(violations, /*include_accepted=*/true);
  std::size_t position = 0;
  for (const auto& group : groups) {
    // A few groups are all open (and print); many start closed but the first.
    const bool open = position++ == 0 || groups.size() <= 3;
    const std::size_t count = group.instances.size();
    const bool accepted = group.instances.front()->accepted.has_value();
    html += "<details class=\"violation-group" + std::string(accepted ? " accepted" : "") + "\" id=\"" +
            group_anchor(result.id, group.statement) + "\" data-filter=\"" +
            text(group.statement + " " + result.id + " " + first_names(group.clients, 50)) + "\"" +
            (open ? " open" : "") + "><summary><code>" + text(group.statement) + "</code> (" + text(group.level) +
            ")" + (accepted ? " accepted" : "") + " — " + std::to_string(count) + " violation" +
            (count == 1 ? "" : "s") + ", " + std::to_string(group.clients.size()) + " client" +
            (group.clients.size() == 1 ? "" : "s") + " in the evidence: " + text(first_names(group.clients, 6)) +
            "</summary>";
    for (std::size_t index = 0; index < count && index < full_instances_per_statement; ++index) {
      html += violation_html(results, result, *group.instances[index], diagrams_left);
    }
    if (count > full_instances_per_statement) {
      html += "<table class=\"compact\"><tr><th>#</th><th>Clients</th><th>Message</th></tr>";
      const std::size_t last = std::min(count, full_instances_per_statement + compact_rows_per_statement);
      for (std::size_t index = full_instances_per_statement; index < last; ++index) {
        const auto& violation = *group.instances[index];
        const std::string clients = clients_of(violation);
        html += "<tr data-filter=\"" + text(group.statement + " " + result.id + " " + clients) + "\"><td class=\"number\">" +
                std::to_string(index + 1) + "</td><td>" + text(clients) + "</td><td>" + text(violation.message) +
                "</td></tr>";
      }
      html += "</table>";
      if (count > last) {
        html += "<p class=\"muted\">… and " + std::to_string(count - last) +
                " more, listed in results.json.</p>";
      }
    }
    html += "</details>";
  }
  return html;
}

std::string violations_overview_html(const Results& results) {
  const auto violations = all_violations(results);
  const auto groups = results::group_by_statement(violations);
  if (groups.empty()) return "";
  std::string html = "<section id=\"violations-overview\"><h2>Violations by statement</h2><table><tr><th>Statement"
                     "</th><th>Level</th><th class=\"number\">Violations</th><th class=\"number\">Clients</th><th>"
                     "Cases</th><th>What it requires (paraphrase)</th></tr>";
  for (const auto& group : groups) {
    std::string cases;
    for (const auto& case_id : group.cases) {
      cases += (cases.empty() ? "" : ", ") + ("<a href=\"#" + group_anchor(case_id, group.statement) + "\">" +
                                              text(case_id) + "</a>");
    }
    const auto* statement = find_statement(results, group.statement);
    html += "<tr data-filter=\"" + text(group.statement + " " + first_names(group.cases, 50)) + "\"><td><code>" +
            text(group.statement) + "</code></td><td>" + text(group.level) + "</td><td class=\"number\">" +
            std::to_string(group.instances.size()) + "</td><td class=\"number\">" +
            std::to_string(group.clients.size()) + "</td><td>" + cases + "</td><td>" +
            (statement ? text(statement->text) : std::string()) + "</td></tr>";
  }
  return html + "</table></section>\n";
}

}  // namespace mqtt::reports
