#include "results/reason_groups.hpp"

#include <algorithm>

namespace mqtt::results {

std::vector<ReasonGroup> group_by_reason(const std::vector<CaseResult>& cases, Verdict verdict) {
  std::vector<ReasonGroup> groups;
  for (const auto& result : cases) {
    if (result.verdict != verdict) continue;
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const ReasonGroup& one) { return one.reason == result.message; });
    if (group == groups.end()) {
      groups.push_back(ReasonGroup{result.message, {}});
      group = groups.end() - 1;
    }
    group->case_ids.push_back(result.id);
  }
  return groups;
}

}  // namespace mqtt::results
