#include "runner/history_judgement.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "catalog/catalog.hpp"
#include "runner/case_judgement.hpp"

namespace mqtt::runner {
namespace {

std::string now_iso8601() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

std::string catalog_spec_of(const std::string& mqtt_version) {
  return mqtt_version == "3.1" ? "3.1.1" : mqtt_version;
}

}  // namespace

results::Results judge_histories(std::vector<HistorySource> sources, const HistoryJudgementOptions& options) {
  results::Results results;
  results.tool_version = MQTT_HARNESS_VERSION;
  results.kind = options.kind;
  results.target = options.target;
  results.mqtt_version = options.mqtt_version;
  results.seed = options.seed;
  results.started_at = options.started_at.empty() ? now_iso8601() : options.started_at;
  results.duration_ms = options.duration_ms;

  std::map<std::string, std::set<std::string>> exercised_by;  // statement -> source ids
  std::set<std::string> violated_must;
  std::set<std::string> violated_should;
  for (auto& source : sources) {
    const model::Verdicts verdicts =
        source.verdicts ? std::move(*source.verdicts) : model::check(source.history, options.check);
    // Indexes the whole history: only worth it when there is evidence to cut out.
    std::optional<EvidenceSlicer> slicer;
    if (!verdicts.violations.empty()) slicer.emplace(source.history);
    results::CaseResult row;
    row.id = source.id;
    row.title = source.title;
    row.section = source.section.empty() ? "history" : source.section;
    row.steps = std::move(source.steps);
    row.verdict = verdict_of(verdicts, false, /*unresolved_is_inconclusive=*/false);
    if (!verdicts.unresolved.empty()) {
      // Not a verdict, but worth seeing: how many obligations the history left open, and a few of them.
      auto& open = results.stats["unresolved"][source.id];
      open["count"] = verdicts.unresolved.size();
      for (std::size_t index = 0; index < verdicts.unresolved.size() && index < 5; ++index) {
        open["examples"].push_back(verdicts.unresolved[index].reason);
      }
    }
    std::set<std::string> statements(verdicts.exercised.begin(), verdicts.exercised.end());
    std::size_t must = 0;
    for (const auto& finding : verdicts.violations) {
      statements.insert(finding.statement);
      (finding.level == "MUST" ? violated_must : violated_should).insert(finding.statement);
      must += finding.level == "MUST" ? 1 : 0;
      // Cut from the history when it is here; a history not kept whole leaves the checker's own slice.
      auto slice = slicer->slice(finding.evidence);
      if (slice.empty()) slice = finding.evidence_events;
      row.violations.push_back(
          results::Violation{finding.statement, finding.level, finding.message, source.id, std::move(slice)});
    }
    for (const auto& statement : statements) {
      exercised_by[statement].insert(source.id);
    }
    row.statements.assign(statements.begin(), statements.end());
    if (must > 0) {
      row.message = fmt::format("{} MUST violation(s)", must);
    } else if (!verdicts.violations.empty()) {
      row.message = fmt::format("{} SHOULD violation(s)", verdicts.violations.size());
    }
    for (const auto& observation : verdicts.observed) {
      results.observed.push_back(results::Observation{observation.behaviour, observation.detail, source.id});
    }
    if (options.keep_history) {
      row.history = std::move(source.history.events);
    }
    results::add_verdict(results.summary, row.verdict);
    for (const auto& violation : row.violations) {
      results.violations.push_back(violation);
    }
    results.cases.push_back(std::move(row));
  }

  for (const auto& statement : catalog::statements(catalog_spec_of(options.mqtt_version))) {
    results::StatementResult row;
    row.id = statement.id;
    row.spec = statement.spec;
    row.section = statement.section;
    row.level = statement.level;
    row.text = statement.text;
    if (const auto found = exercised_by.find(statement.id); found != exercised_by.end()) {
      row.cases.assign(found->second.begin(), found->second.end());
    }
    if (violated_must.contains(statement.id)) {
      row.verdict = results::Verdict::failed;
    } else if (violated_should.contains(statement.id)) {
      row.verdict = results::Verdict::warned;
    } else if (!row.cases.empty()) {
      row.verdict = results::Verdict::passed;
    } else {
      row.verdict = results::Verdict::skipped;
    }
    results.statements.push_back(std::move(row));
  }
  return results;
}

}  // namespace mqtt::runner
