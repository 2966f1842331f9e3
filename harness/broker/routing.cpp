#include "broker/routing.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "model/topic.hpp"

namespace mqtt::broker {
namespace {

std::vector<std::string_view> split_levels(std::string_view text) {
  std::vector<std::string_view> levels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(text.substr(start));
      return levels;
    }
    levels.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

// The plus-matches-multi-level defect: '+' swallows one or more levels.
bool greedy_plus_matches(const std::vector<std::string_view>& filter, std::size_t f,
                         const std::vector<std::string_view>& name, std::size_t n) {
  if (f == filter.size()) return n == name.size();
  if (filter[f] == "#") return true;
  if (n == name.size()) return false;
  if (filter[f] == "+") {
    for (std::size_t end = n + 1; end <= name.size(); ++end) {
      if (greedy_plus_matches(filter, f + 1, name, end)) return true;
    }
    return false;
  }
  return filter[f] == name[n] && greedy_plus_matches(filter, f + 1, name, n + 1);
}

}  // namespace

bool filter_matches(std::string_view filter, std::string_view topic, const DefectSet& defects) {
  std::string disguised;
  if (defects.contains(Defect::dollar_matches_wildcard) && !topic.empty() && topic.front() == '$' &&
      !filter.empty() && (filter.front() == '+' || filter.front() == '#')) {
    // Hide the '$' so the shared rule no longer protects the topic.
    disguised = std::string(topic);
    disguised.front() = '_';
    topic = disguised;
  }
  std::string starred;
  if (defects.contains(Defect::star_matches_level) && filter.find('*') != std::string_view::npos) {
    // A level that is exactly '*' becomes '+': the AMQP single-word wildcard.
    bool first = true;
    for (const auto level : split_levels(filter)) {
      if (!first) starred += '/';
      first = false;
      starred += level == "*" ? std::string_view("+") : level;
    }
    filter = starred;
  }
  if (defects.contains(Defect::plus_matches_multi_level) && filter.find('+') != std::string_view::npos) {
    if (!topic.empty() && topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
    return greedy_plus_matches(split_levels(filter), 0, split_levels(topic), 0);
  }
  return topic::matches(filter, topic);
}

std::vector<SubscriptionMatch> matching_subscriptions(const std::map<std::string, SubscriptionOptions>& subscriptions,
                                                      std::string_view topic, const DefectSet& defects) {
  std::vector<SubscriptionMatch> matches;
  for (const auto& [filter, options] : subscriptions) {
    if (filter_matches(filter, topic, defects)) matches.push_back(SubscriptionMatch{&filter, &options});
  }
  return matches;
}

QoS highest_grant(const std::vector<SubscriptionMatch>& matches) {
  QoS best = QoS::at_most_once;
  for (const SubscriptionMatch& match : matches) {
    if (static_cast<int>(match.options->qos) > static_cast<int>(best)) best = match.options->qos;
  }
  return best;
}

QoS lowest_grant(const std::vector<SubscriptionMatch>& matches) {
  QoS lowest = QoS::exactly_once;
  for (const SubscriptionMatch& match : matches) {
    if (static_cast<int>(match.options->qos) < static_cast<int>(lowest)) lowest = match.options->qos;
  }
  return lowest;
}

}  // namespace mqtt::broker
