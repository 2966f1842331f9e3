#include "runner/case_judgement.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "catalog/catalog.hpp"
#include "runner/target_engagement.hpp"

namespace mqtt::runner {

results::Verdict verdict_of(const model::Verdicts& verdicts, bool harness_error, bool unresolved_is_inconclusive) {
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
  if (should) return results::Verdict::warned;
  return verdicts.unresolved.empty() || !unresolved_is_inconclusive ? results::Verdict::passed
                                                                    : results::Verdict::inconclusive;
}

namespace {

std::string describe_unaccepted(const UnacceptedConnect& connect) {
  const std::string client = "client '" + connect.client + "'";
  if (connect.return_code) {
    if (connect.hand_made) {
      return "target refused the hand-made CONNECT of " + client +
             (connect.as_written ? " (sent as written, without the target's credentials)" : "") + ": " +
             describe_return_code(*connect.return_code);
    }
    return "target refused the CONNECT of " + client + ": " + describe_return_code(*connect.return_code);
  }
  if (connect.outcome == client::WaitOutcome::closed) {
    const bool reset = connect.close_reason == history::CloseReason::reset;
    return "target " + std::string(reset ? "reset" : "closed") + " the connection of " + client +
           " before answering its CONNECT";
  }
  return "target did not answer the CONNECT of " + client + " within " + std::to_string(connect.timeout_ms) + " ms";
}

std::string describe_unanswered(const UnansweredStep& step) {
  const std::string who = step.client.empty() ? "" : " of client '" + step.client + "'";
  if (step.what == "settle") {
    return "the target still owed " + step.owed + " when the settle deadline of " + std::to_string(step.timeout_ms) +
           " ms passed";
  }
  if (step.outcome == client::WaitOutcome::closed) {
    return "target closed the connection" + who + " before answering its " + step.what +
           (step.owed.empty() ? "" : " (it still owed " + step.owed + ")");
  }
  return "no answer to the " + step.what + who + " within " + std::to_string(step.timeout_ms) + " ms";
}

}  // namespace

std::optional<std::string> inconclusive_reason(const CaseRun& run) {
  // First: whatever else the history shows, the case did not get to finish.
  if (run.interrupted) return "the run was interrupted " + *run.interrupted + ": the case did not finish";
  if (run.unreachable) return *run.unreachable;
  if (run.timed_out) return *run.timed_out + ": the target was too slow or silent";
  if (run.withheld) return *run.withheld;
  if (!run.unaccepted_connects.empty()) return describe_unaccepted(run.unaccepted_connects.front());
  if (!run.verdicts.unresolved.empty()) return run.verdicts.unresolved.front().reason;
  if (!run.unanswered.empty()) return describe_unanswered(run.unanswered.front());
  return std::nullopt;
}

std::optional<std::string> unexercised_reason(const Case& the_case, const model::Verdicts& verdicts) {
  std::vector<std::string> missing;
  for (const auto& statement : the_case.statements) {
    if (!verdicts.exercised.contains(statement) &&
        std::find(missing.begin(), missing.end(), statement) == missing.end()) {
      missing.push_back(statement);
    }
  }
  if (missing.empty()) return std::nullopt;
  std::string list;
  for (std::size_t index = 0; index < missing.size(); ++index) {
    if (index > 0) list += index + 1 == missing.size() ? " and " : ", ";
    list += missing[index];
  }
  return "the history never exercised " + list + ", which the case claims";
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

// Passwords the runner put into hand-made CONNECT bytes that do not decode (so the report's CONNECT redaction
// cannot find them) are masked here, before any slice or report sees the history.
void mask_inserted_secrets(history::History& history, const std::vector<InsertedSecret>& secrets) {
  for (const auto& secret : secrets) {
    for (auto& event : history.events) {
      if (event.sequence != secret.sequence) continue;
      if (secret.offset + secret.size <= event.raw.size()) {
        std::fill_n(event.raw.begin() + static_cast<std::ptrdiff_t>(secret.offset), secret.size, std::uint8_t{'*'});
      }
      if (event.packet) {
        if (auto* connect = std::get_if<Connect>(&*event.packet); connect && connect->password) {
          std::fill(connect->password->begin(), connect->password->end(), std::uint8_t{'*'});
        }
      }
    }
  }
}

}  // namespace

results::CaseResult judge_case(const Case& the_case, CaseRun run, bool keep_history) {
  results::CaseResult result = describe_case(the_case);
  result.duration_ms = run.duration_ms;
  mask_inserted_secrets(run.history, run.secrets);
  const EvidenceSlicer slicer(run.history);
  result.verdict = verdict_of(run.verdicts, run.error.has_value());
  if (result.verdict == results::Verdict::passed || result.verdict == results::Verdict::inconclusive) {
    auto reason = inconclusive_reason(run);
    // A violation stands whatever the broker declared; without one, a case whose capability the broker did not
    // show is not applicable: skipped with the reason, neither passed nor inconclusive.
    if (the_case.applies_when) {
      if (auto not_applicable = not_applicable_reason(*the_case.applies_when, run.history, !reason.has_value())) {
        result.verdict = results::Verdict::skipped;
        result.message = std::move(*not_applicable);
        if (keep_history) result.history = std::move(run.history.events);
        return result;
      }
    }
    if (!reason && result.verdict == results::Verdict::passed) reason = unexercised_reason(the_case, run.verdicts);
    if (reason) {
      result.verdict = results::Verdict::inconclusive;
      result.message = std::move(*reason);
    }
  }
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
    default: break;  // inconclusive: the reason is already set
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
  std::set<std::string> violated_accepted;
  for (const auto& result : case_results) {
    result_of[result.id] = &result;
    for (const auto& violation : result.violations) {
      if (violation.accepted) {
        violated_accepted.insert(violation.statement);
      } else {
        (violation.level == "MUST" ? violated_must : violated_should).insert(violation.statement);
      }
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
    bool ran = false;
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
      clean = clean || verdict == results::Verdict::passed || verdict == results::Verdict::warned ||
              verdict == results::Verdict::accepted;
      errored = errored || verdict == results::Verdict::error;
      ran = ran || verdict != results::Verdict::skipped;
    }
    if (violated_must.contains(statement.id)) {
      row.verdict = results::Verdict::failed;
    } else if (violated_should.contains(statement.id)) {
      row.verdict = results::Verdict::warned;
    } else if (violated_accepted.contains(statement.id)) {
      row.verdict = results::Verdict::accepted;
    } else if (clean) {
      row.verdict = results::Verdict::passed;
    } else if (errored) {
      row.verdict = results::Verdict::error;
    } else if (ran) {
      row.verdict = results::Verdict::inconclusive;
    } else {
      row.verdict = results::Verdict::skipped;
    }
    table.push_back(std::move(row));
  }
  return table;
}

}  // namespace mqtt::runner
