#include "runner/accepted_deviations.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "runner/case_selection.hpp"
#include "runner/data_document.hpp"

namespace mqtt::runner {
namespace {

std::string position_text(const DataDocument& document, const std::string& pointer) {
  const auto position = document.locate(pointer);
  return document.file() + ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
}

bool known_statement(const std::string& id) {
  return catalog::find(id, "3.1.1") != nullptr || catalog::find(id, "5.0") != nullptr;
}

bool ran(const results::CaseResult& result) {
  return result.verdict != results::Verdict::skipped;
}

// A case's verdict from its own violations once some are accepted; error and the verdicts of cases without
// violations stay as they were.
results::Verdict rejudged(const results::CaseResult& result) {
  if (result.verdict != results::Verdict::failed && result.verdict != results::Verdict::warned &&
      result.verdict != results::Verdict::accepted) {
    return result.verdict;
  }
  bool must = false, should = false, accepted = false;
  for (const auto& violation : result.violations) {
    if (violation.accepted) {
      accepted = true;
    } else {
      (violation.level == "MUST" ? must : should) = true;
    }
  }
  if (must) return results::Verdict::failed;
  if (should) return results::Verdict::warned;
  return accepted ? results::Verdict::accepted : result.verdict;
}

// The one-sentence message of a case whose verdict acceptance changed.
std::string message_of(const results::CaseResult& result) {
  std::set<std::string> statements;
  std::string reason;
  int should = 0;
  for (const auto& violation : result.violations) {
    if (result.verdict == results::Verdict::accepted && violation.accepted) {
      statements.insert(violation.statement);
      if (reason.empty()) reason = violation.accepted->reason;
    } else if (result.verdict == results::Verdict::warned && !violation.accepted) {
      statements.insert(violation.statement);
      ++should;
    }
  }
  std::string list;
  for (const auto& statement : statements) list += (list.empty() ? "" : ", ") + statement;
  if (result.verdict == results::Verdict::warned) return std::to_string(should) + " SHOULD violation(s): " + list;
  return "accepted deviation of " + list + ": " + reason;
}

}  // namespace

std::vector<results::AcceptedDeviation> parse_accepted_deviations(const std::string& file, std::string_view text) {
  const DataDocument document(file, text);
  const ObjectReader top(document, document.root(), "");
  top.allow_only({"$schema", "description", "broker", "accepted"});
  const std::string default_broker = top.optional_string("broker").value_or("");
  const auto& entries = top.array("accepted");
  std::vector<results::AcceptedDeviation> accepted;
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const std::string pointer = top.pointer_of("accepted") + "/" + std::to_string(index);
    if (!entries[index].is_object()) document.fail(pointer, "must be an object with statement and reason");
    const ObjectReader entry(document, entries[index], pointer);
    entry.allow_only({"statement", "cases", "reason", "broker"});
    results::AcceptedDeviation deviation;
    deviation.statement = entry.string("statement");
    if (!known_statement(deviation.statement)) {
      entry.fail("statement", "\"" + deviation.statement + "\" is not a statement in the catalog (see 'mqtt-harness list --statements')");
    }
    deviation.cases = entry.optional_string("cases").value_or("");
    deviation.reason = entry.string("reason");
    if (deviation.reason.empty()) entry.fail("reason", "must say why the deviation is accepted");
    deviation.broker = entry.optional_string("broker").value_or(default_broker);
    deviation.source = position_text(document, pointer);
    accepted.push_back(std::move(deviation));
  }
  return accepted;
}

std::vector<results::AcceptedDeviation> load_accepted_deviations(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataFileError(path, {}, "cannot open the accepted-deviations file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_accepted_deviations(path, buffer.str());
}

bool covers(const results::AcceptedDeviation& entry, const results::Violation& violation) {
  return entry.statement == violation.statement &&
         (entry.cases.empty() || glob_matches(entry.cases, violation.case_id));
}

void apply_accepted_deviations(results::Results& results, const std::vector<results::AcceptedDeviation>& accepted) {
  if (accepted.empty()) return;
  std::vector<bool> used(accepted.size(), false);
  auto mark = [&](results::Violation& violation) {
    for (std::size_t index = 0; index < accepted.size(); ++index) {
      if (covers(accepted[index], violation)) {
        violation.accepted = accepted[index];
        used[index] = true;
        return;
      }
    }
  };
  for (auto& result : results.cases) {
    for (auto& violation : result.violations) mark(violation);
    const auto verdict = rejudged(result);
    if (verdict != result.verdict) {
      result.verdict = verdict;
      result.message = message_of(result);
    }
  }
  for (auto& violation : results.violations) mark(violation);
  results.summary = results::summarise(results.cases);

  std::set<std::string> unaccepted_must, unaccepted_should, accepted_statements;
  for (const auto& violation : results.violations) {
    if (violation.accepted) {
      accepted_statements.insert(violation.statement);
    } else {
      (violation.level == "MUST" ? unaccepted_must : unaccepted_should).insert(violation.statement);
    }
  }
  for (auto& statement : results.statements) {
    if (accepted_statements.contains(statement.id) && !unaccepted_must.contains(statement.id) &&
        !unaccepted_should.contains(statement.id)) {
      statement.verdict = results::Verdict::accepted;
    }
  }

  results.stale_accepted.clear();
  for (std::size_t index = 0; index < accepted.size(); ++index) {
    if (used[index]) continue;
    const auto& entry = accepted[index];
    const bool named_case_ran = std::any_of(results.cases.begin(), results.cases.end(), [&](const auto& result) {
      return ran(result) && (entry.cases.empty() || glob_matches(entry.cases, result.id));
    });
    if (named_case_ran) results.stale_accepted.push_back(entry);
  }
}

}  // namespace mqtt::runner
