#include "runner/case_judgement.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "catalog/catalog.hpp"

namespace mqtt::runner {

results::Verdict verdict_of(const model::Verdicts& verdicts, bool harness_error) {
  if (harness_error) {
    return results::Verdict::error;
  }
  bool should = false;
  for (const auto& finding : verdicts.violations) {
    if (finding.level == "MUST") {
      return results::Verdict::failed;
    }
    should = true;
  }
  return should ? results::Verdict::warned : results::Verdict::passed;
}

EvidenceSlicer::EvidenceSlicer(const history::History& history) : history_(history) {
  index_of_sequence_.reserve(history.events.size());
  for (std::size_t index = 0; index < history.events.size(); ++index) {
    const auto& event = history.events[index];
    index_of_sequence_.emplace(event.sequence, index);
    if (event.kind == history::EventKind::sent && event.packet && std::holds_alternative<Connect>(*event.packet)) {
      connects_by_connection_[event.connection].push_back(index);
    }
  }
}

std::vector<history::Event> EvidenceSlicer::slice(const std::vector<std::uint64_t>& evidence) const {
  std::set<std::size_t> indexes;
  std::set<std::uint32_t> connections;
  for (const auto sequence : evidence) {
    const auto found = index_of_sequence_.find(sequence);
    if (found == index_of_sequence_.end()) continue;
    indexes.insert(found->second);
    const auto connection = history_.events[found->second].connection;
    if (connection != 0) connections.insert(connection);
  }
  for (const auto connection : connections) {
    if (const auto found = connects_by_connection_.find(connection); found != connects_by_connection_.end()) {
      indexes.insert(found->second.begin(), found->second.end());
    }
  }
  std::vector<history::Event> slice;
  slice.reserve(indexes.size());
  for (const auto index : indexes) slice.push_back(history_.events[index]);
  return slice;
}

std::vector<history::Event> evidence_slice(const history::History& history,
                                           const std::vector<std::uint64_t>& evidence) {
  return EvidenceSlicer(history).slice(evidence);
}

namespace {

std::string join_statements(const std::vector<model::Finding>& findings, std::string_view level) {
  std::set<std::string> ids;
  for (const auto& finding : findings) {
    if (finding.level == level) {
      ids.insert(finding.statement);
    }
  }
  std::string out;
  for (const auto& id : ids) {
    out += (out.empty() ? "" : ", ") + id;
  }
  return out;
}

results::CaseResult describe_case(const Case& the_case) {
  results::CaseResult result;
  result.id = the_case.id;
  result.title = the_case.title;
  result.section = the_case.section;
  result.statements = the_case.statements;
  for (const auto& step : the_case.steps) {
    result.steps.push_back(step.text);
  }
  return result;
}

}  // namespace

results::CaseResult judge_case(const Case& the_case, CaseRun run, bool keep_history) {
  results::CaseResult result = describe_case(the_case);
  result.duration_ms = run.duration_ms;
  const EvidenceSlicer slicer(run.history);
  result.verdict = verdict_of(run.verdicts, run.error.has_value());
  for (const auto& finding : run.verdicts.violations) {
    result.violations.push_back(results::Violation{finding.statement, finding.level, finding.message, the_case.id,
                                                   slicer.slice(finding.evidence)});
  }
  const std::size_t must = static_cast<std::size_t>(std::count_if(
      run.verdicts.violations.begin(), run.verdicts.violations.end(),
      [](const model::Finding& finding) { return finding.level == "MUST"; }));
  const std::size_t should = run.verdicts.violations.size() - must;
  switch (result.verdict) {
    case results::Verdict::error: result.message = *run.error; break;
    case results::Verdict::failed:
      result.message = std::to_string(must) + " MUST violation(s): " + join_statements(run.verdicts.violations, "MUST");
      break;
    case results::Verdict::warned:
      result.message =
          std::to_string(should) + " SHOULD violation(s): " + join_statements(run.verdicts.violations, "SHOULD");
      break;
    default: break;
  }
  if (keep_history) {
    result.history = std::move(run.history.events);
  }
  return result;
}

results::CaseResult skipped_case(const Case& the_case, std::string reason) {
  results::CaseResult result = describe_case(the_case);
  result.verdict = results::Verdict::skipped;
  result.message = std::move(reason);
  return result;
}

std::vector<results::StatementResult> statement_table(std::string_view spec, const std::vector<Case>& cases,
                                                      const std::vector<results::CaseResult>& case_results) {
  std::map<std::string, const results::CaseResult*> result_of;
  std::set<std::string> violated_must;
  std::set<std::string> violated_should;
  for (const auto& result : case_results) {
    result_of[result.id] = &result;
    for (const auto& violation : result.violations) {
      (violation.level == "MUST" ? violated_must : violated_should).insert(violation.statement);
    }
  }
  std::vector<results::StatementResult> table;
  for (const auto& statement : catalog::statements(spec)) {
    results::StatementResult row;
    row.id = statement.id;
    row.spec = statement.spec;
    row.section = statement.section;
    row.level = statement.level;
    row.text = statement.text;
    bool clean = false;
    bool errored = false;
    for (const auto& one : cases) {
      if (std::find(one.statements.begin(), one.statements.end(), statement.id) == one.statements.end()) {
        continue;
      }
      row.cases.push_back(one.id);
      const auto found = result_of.find(one.id);
      if (found == result_of.end()) {
        continue;
      }
      const auto verdict = found->second->verdict;
      clean = clean || verdict == results::Verdict::passed || verdict == results::Verdict::warned;
      errored = errored || verdict == results::Verdict::error;
    }
    if (violated_must.contains(statement.id)) {
      row.verdict = results::Verdict::failed;
    } else if (violated_should.contains(statement.id)) {
      row.verdict = results::Verdict::warned;
    } else if (clean) {
      row.verdict = results::Verdict::passed;
    } else if (errored) {
      row.verdict = results::Verdict::error;
    } else {
      row.verdict = results::Verdict::skipped;
    }
    table.push_back(std::move(row));
  }
  return table;
}

}  // namespace mqtt::runner
