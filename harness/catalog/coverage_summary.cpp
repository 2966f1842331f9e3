#include "catalog/coverage_summary.hpp"

namespace mqtt::catalog {

bool observable_by_broker_test(const Statement& statement) { return statement.observability != "none"; }

CoverageSummary summarise_coverage(std::span<const Statement> statements,
                                   const std::map<std::string, std::vector<std::string>>& cases_by_statement) {
  CoverageSummary summary;
  for (const char* observability : {"direct", "policed", "conditional", "none"}) {
    summary.by_observability[observability] = 0;
  }
  for (const Statement& statement : statements) {
    ++summary.statements;
    ++summary.by_observability[statement.observability];
    if (!observable_by_broker_test(statement)) {
      summary.not_observable.push_back(statement.id);
      continue;
    }
    ++summary.observable;
    const bool unconditional = statement.observability != "conditional";
    if (unconditional) ++summary.unconditionally_observable;
    const auto found = cases_by_statement.find(statement.id);
    if (found == cases_by_statement.end() || found->second.empty()) {
      summary.observable_not_exercised.push_back(statement.id);
      continue;
    }
    ++summary.exercised;
    if (unconditional) ++summary.exercised_unconditionally;
  }
  return summary;
}

}  // namespace mqtt::catalog
