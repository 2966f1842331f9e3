// JUnit XML as Jenkins, GitLab and GitHub test reporters read it: <testsuites> with one <testsuite> per spec
// section ("3.3"), one <testcase> per case; failures name the violated statement. JUnit has no verdict for "not
// exercised" or "accepted": an inconclusive case is <skipped message="inconclusive: REASON"/>, an accepted one passes
// with its accepted violations in <system-out>.
#include <map>

#include "reports/html_parts.hpp"
#include "reports/markup.hpp"
#include "reports/redaction.hpp"
#include "reports/reports.hpp"
#include "results/run_warnings.hpp"
#include "results/violation_groups.hpp"

namespace mqtt::reports {
namespace {

using results::CaseResult;
using results::Verdict;

std::string attribute(std::string_view value) { return "\"" + escape_xml(value) + "\""; }

std::string seconds(double milliseconds) { return format_number(milliseconds / 1000.0, 3); }

// A case's section, or the section its first statement names ("MQTT-3.3.1-6" -> "3.3").
std::string suite_of(const CaseResult& result) {
  if (!result.section.empty()) return section_group(result.section);
  for (const auto& statement : result.statements) {
    const auto dash = statement.find('-');
    const auto last_dash = statement.rfind('-');
    if (dash != std::string::npos && last_dash > dash) {
      return section_group(statement.substr(dash + 1, last_dash - dash - 1));
    }
  }
  return "other";
}

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  double milliseconds = 0;
  void add(const CaseResult& result) {
    ++tests;
    milliseconds += result.duration_ms;
    if (result.verdict == Verdict::failed) ++failures;
    if (result.verdict == Verdict::error) ++errors;
    if (result.verdict == Verdict::skipped || result.verdict == Verdict::inconclusive) ++skipped;
  }
  std::string attributes() const {
    return " tests=\"" + std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
           std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + seconds(milliseconds) +
           "\"";
  }
};

std::string testcase_xml(const results::Results& results, const CaseResult& result, const std::string& suite) {
  std::string xml = "    <testcase name=" + attribute(result.id + (result.title.empty() ? "" : ": " + result.title)) +
                    " classname=" + attribute("mqtt." + suite) + " time=\"" + seconds(result.duration_ms) + "\"";
  std::vector<const results::Violation*> violations;
  for (const auto& violation : result.violations) violations.push_back(&violation);
  if (violations.empty()) {
    for (const auto& violation : results.violations) {
      if (violation.case_id == result.id) violations.push_back(&violation);
    }
  }
  switch (result.verdict) {
    case Verdict::passed: return xml + "/>\n";
    case Verdict::skipped: return xml + ">\n      <skipped message=" + attribute(result.message) + "/>\n    </testcase>\n";
    case Verdict::inconclusive:
      return xml + ">\n      <skipped message=" + attribute("inconclusive: " + result.message) + "/>\n    </testcase>\n";
    case Verdict::accepted: {
      std::string out;
      for (const auto* violation : violations) {
        if (!violation->accepted) continue;
        out += "accepted: " + violation->statement + " (" + violation->level + "): " + violation->message +
               " — " + violation->accepted->reason +
               (violation->accepted->broker.empty() ? "" : " (" + violation->accepted->broker + ")") + "\n";
      }
      return xml + ">\n      <system-out>" + escape_xml(out.empty() ? result.message : out) +
             "</system-out>\n    </testcase>\n";
    }
    case Verdict::warned:
      return xml + ">\n      <system-out>" + escape_xml("warning: " + result.message) +
             "</system-out>\n    </testcase>\n";
    case Verdict::error:
      return xml + ">\n      <error message=" + attribute(result.message) + " type=\"error\">" +
             escape_xml(result.message) + "</error>\n    </testcase>\n";
    case Verdict::failed: break;
  }
  // One entry per statement with its count: a fleet breaking one statement 494 times names it once.
  std::string statements;
  std::string counted;
  std::string body;
  for (const auto& group : results::group_by_statement(violations)) {
    const std::size_t count = group.instances.size();
    statements += (statements.empty() ? "" : " ") + group.statement;
    counted += (counted.empty() ? "" : ", ") + group.statement + (count > 1 ? " (" + std::to_string(count) + "x)" : "");
    body += group.statement + " (" + group.level + ")" +
            (count > 1 ? ", " + std::to_string(count) + " violations" : "") + ": " +
            group.instances.front()->message + "\n";
    for (const auto& statement : results.statements) {
      if (statement.id == group.statement && !statement.text.empty()) body += "  requires: " + statement.text + "\n";
    }
    constexpr std::size_t listed = 3;
    for (std::size_t index = 1; index < count && index < listed; ++index) {
      body += "  also: " + group.instances[index]->message + "\n";
    }
    if (count > listed) body += "  ... and " + std::to_string(count - listed) + " more (report.html, results.json)\n";
  }
  if (statements.empty()) {
    for (const auto& statement : result.statements) statements += (statements.empty() ? "" : " ") + statement;
    counted = statements;
  }
  const std::string message = (counted.empty() ? "" : counted + ": ") +
                              (result.message.empty() && !violations.empty() ? violations.front()->message
                                                                             : result.message);
  if (body.empty()) body = result.message;
  return xml + ">\n      <failure message=" + attribute(message) + " type=" +
         attribute(statements.empty() ? "failure" : statements) + ">" + escape_xml(body) +
         "</failure>\n    </testcase>\n";
}

}  // namespace

std::string render_junit(const results::Results& input) {
  std::optional<results::Results> redacted_copy;
  const results::Results& results = redacted(input, redacted_copy);
  const auto warnings = results::run_warnings(results);
  std::map<std::string, std::vector<const CaseResult*>> suites;
  Counts total;
  for (const auto& result : results.cases) {
    suites[suite_of(result)].push_back(&result);
    total.add(result);
  }
  std::string run_name = "mqtt-harness " + (results.kind.empty() ? std::string("conformance") : results.kind);
  if (results.interrupted) run_name += " (" + results::describe(*results.interrupted) + ")";
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // CI pages show the suites' names; a reader of the file sees this first.
  if (results.interrupted) {
    xml += "<!-- " + escape_xml(interruption_banner(*results.interrupted)) + " -->\n";
  }
  xml += "<testsuites name=" + attribute(run_name) + total.attributes() + ">\n";
  for (const auto& [suite, cases] : suites) {
    Counts counts;
    for (const auto* result : cases) counts.add(*result);
    xml += "  <testsuite name=" + attribute("MQTT " + suite) + counts.attributes() +
           (results.started_at.empty() ? "" : " timestamp=" + attribute(results.started_at)) + ">\n";
    xml += "    <properties>\n      <property name=\"target\" value=" + attribute(results.target) +
           "/>\n      <property name=\"seed\" value=\"" + std::to_string(results.seed) +
           "\"/>\n      <property name=\"mqtt_version\" value=" + attribute(results.mqtt_version) +
           "/>\n      <property name=\"tool_version\" value=" + attribute(results.tool_version) + "/>\n";
    if (!results.transport.scheme.empty()) {
      xml += "      <property name=\"transport\" value=" + attribute(results.transport.describe()) + "/>\n";
    }
    if (results.interrupted) {
      xml += "      <property name=\"interrupted\" value=" + attribute(results::describe(*results.interrupted)) + "/>\n";
    }
    if (!results.target_problem.empty()) {
      xml += "      <property name=\"target_problem\" value=" + attribute(results.target_problem) + "/>\n";
    }
    for (const auto& warning : warnings) {
      xml += "      <property name=\"warning\" value=" + attribute(warning) + "/>\n";
    }
    for (const auto& entry : results.stale_accepted) {
      xml += "      <property name=\"stale_accepted_deviation\" value=" +
             attribute(entry.statement + (entry.cases.empty() ? "" : " in " + entry.cases) + " (" + entry.source +
                       "): no longer occurs") +
             "/>\n";
    }
    xml += "    </properties>\n";
    for (const auto* result : cases) xml += testcase_xml(results, *result, suite);
    xml += "  </testsuite>\n";
  }
  return xml + "</testsuites>\n";
}

}  // namespace mqtt::reports
