#include "results/violation_groups.hpp"

#include <map>

namespace mqtt::results {

std::vector<ViolationGroup> group_by_statement(const std::vector<const Violation*>& violations,
                                               bool include_accepted) {
  std::vector<ViolationGroup> groups;
  std::map<std::string, std::size_t> index_of;
  for (const auto* violation : violations) {
    if (violation->accepted && !include_accepted) continue;
    auto [found, added] = index_of.try_emplace(violation->statement, groups.size());
    if (added) groups.push_back(ViolationGroup{violation->statement, violation->level, {}, {}, {}});
    auto& group = groups[found->second];
    group.instances.push_back(violation);
    group.cases.insert(violation->case_id);
    for (const auto& event : violation->history_slice) {
      if (!event.actor.empty()) group.clients.insert(event.actor);
    }
  }
  return groups;
}

std::vector<ViolationGroup> group_by_statement(const std::vector<Violation>& violations, bool include_accepted) {
  std::vector<const Violation*> pointers;
  pointers.reserve(violations.size());
  for (const auto& violation : violations) pointers.push_back(&violation);
  return group_by_statement(pointers, include_accepted);
}

}  // namespace mqtt::results
