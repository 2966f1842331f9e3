#include "broker/shared_subscriptions.hpp"

#include <algorithm>

namespace mqtt::broker {

std::optional<SharedFilter> parse_shared_filter(std::string_view text) {
  constexpr std::string_view prefix = "$share/";
  if (!text.starts_with(prefix)) return std::nullopt;
  const std::string_view rest = text.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  const std::string_view name = rest.substr(0, slash);
  if (name.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  const std::string_view filter = rest.substr(slash + 1);
  if (filter.empty()) return std::nullopt;
  return SharedFilter{std::string(name), std::string(filter)};
}

bool is_shared_filter(std::string_view text) { return text.starts_with("$share/"); }

void SharedSubscriptions::join(const std::string& shared_filter, const std::string& client_id) {
  auto [entry, created] = groups_.try_emplace(shared_filter);
  if (created) entry->second.filter = parse_shared_filter(shared_filter).value_or(SharedFilter{}).filter;
  auto& members = entry->second.members;
  if (std::find(members.begin(), members.end(), client_id) == members.end()) members.push_back(client_id);
}

bool SharedSubscriptions::leave(const std::string& shared_filter, const std::string& client_id) {
  const auto group = groups_.find(shared_filter);
  if (group == groups_.end()) return false;
  auto& members = group->second.members;
  const auto member = std::find(members.begin(), members.end(), client_id);
  if (member == members.end()) return false;
  const auto index = static_cast<std::size_t>(member - members.begin());
  members.erase(member);
  if (members.empty()) {
    groups_.erase(group);  // a shared subscription ends with its last session (4.8.2)
  } else if (group->second.next > index) {
    --group->second.next;  // keep the round-robin cursor on the same next member
  }
  return true;
}

std::vector<std::string> SharedSubscriptions::matching(
    const std::function<bool(std::string_view filter)>& matches) const {
  std::vector<std::string> found;
  for (const auto& [shared_filter, group] : groups_) {
    if (matches(group.filter)) found.push_back(shared_filter);
  }
  return found;
}

std::optional<std::string> SharedSubscriptions::choose(
    const std::string& shared_filter, SharedDistribution distribution,
    const std::function<bool(const std::string& client_id)>& preferred, const std::string& excluded) {
  const auto found = groups_.find(shared_filter);
  if (found == groups_.end()) return std::nullopt;
  Group& group = found->second;
  const std::size_t count = group.members.size();
  std::vector<std::size_t> candidates;
  for (std::size_t offset = 0; offset < count; ++offset) {
    const std::size_t index = (distribution == SharedDistribution::round_robin ? group.next + offset : offset) % count;
    const std::string& member = group.members[index];
    if (member != excluded && preferred(member)) candidates.push_back(index);
  }
  if (candidates.empty()) {
    for (std::size_t offset = 0; offset < count; ++offset) {
      const std::size_t index =
          (distribution == SharedDistribution::round_robin ? group.next + offset : offset) % count;
      if (group.members[index] != excluded) candidates.push_back(index);
    }
  }
  if (candidates.empty()) return std::nullopt;
  std::size_t chosen = candidates.front();
  if (distribution == SharedDistribution::random) {
    chosen = candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(random_)];
  }
  if (distribution == SharedDistribution::round_robin) group.next = (chosen + 1) % count;
  return group.members[chosen];
}

const std::vector<std::string>* SharedSubscriptions::members(const std::string& shared_filter) const {
  const auto found = groups_.find(shared_filter);
  return found == groups_.end() ? nullptr : &found->second.members;
}

}  // namespace mqtt::broker
