// Cases of one verdict grouped by their message: when a target refuses one client or stays silent, dozens of cases
// share a reason, and a console or report lists the reason once with the cases under it.
#pragma once

#include <string>
#include <vector>

#include "results/results.hpp"

namespace mqtt::results {

struct ReasonGroup {
  std::string reason;                 // the cases' shared message
  std::vector<std::string> case_ids;  // in the order of the results
};

// The groups of the cases with `verdict`, in order of each reason's first case.
std::vector<ReasonGroup> group_by_reason(const std::vector<CaseResult>& cases, Verdict verdict);

}  // namespace mqtt::results
