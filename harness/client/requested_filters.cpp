#include "client/requested_filters.hpp"

#include <algorithm>

#include "model/topic.hpp"

namespace mqtt::client {
namespace {

// "$share/group/filter" (MQTT 5.0 shared subscription) -> "filter": what a delivered topic is matched against.
std::string_view matched_filter(std::string_view filter) {
  if (filter.substr(0, 7) != "$share/") return filter;
  const auto slash = filter.find('/', 7);
  return slash == std::string_view::npos ? filter : filter.substr(slash + 1);
}

}  // namespace

void RequestedFilters::add(std::string_view filter) {
  filter = matched_filter(filter);
  const bool known = std::any_of(filters_.begin(), filters_.end(),
                                 [&](const Filter& kept) { return kept.text == filter; });
  if (known) return;
  const bool valid = topic::is_valid_filter(filter);
  filters_.push_back(Filter{std::string(filter), valid, valid && !topic::has_wildcard(filter)});
}

void RequestedFilters::remove(std::string_view filter) {
  filter = matched_filter(filter);
  std::erase_if(filters_, [&](const Filter& kept) { return kept.text == filter; });
}

bool RequestedFilters::match(std::string_view topic) const {
  return std::any_of(filters_.begin(), filters_.end(), [&](const Filter& filter) {
    if (filter.exact) return filter.text == topic;  // level by level equal is equal
    return filter.valid && valid_filter_matches(filter.text, topic);
  });
}

bool RequestedFilters::valid_filter_matches(std::string_view filter, std::string_view topic) {
  if (topic.empty()) return false;
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
  // Level by level with memchr and memcmp (a fleet's topics are tens of bytes): the filter is valid, so a level
  // holding '+' or '#' is that character alone, and "#" is the last level.
  std::size_t in_filter = 0;  // where the filter's next level starts
  std::size_t in_topic = 0;   // where the topic's next level starts; past its end once its last level is taken
  while (true) {
    const std::size_t slash = filter.find('/', in_filter);
    const std::size_t filter_end = slash == std::string_view::npos ? filter.size() : slash;
    const std::string_view level = filter.substr(in_filter, filter_end - in_filter);
    if (level == "#") return true;                  // also the parent level: "a/#" matches "a"
    if (in_topic > topic.size()) return false;      // the filter wants a level the topic does not have
    std::size_t topic_end = 0;
    if (level == "+") {
      topic_end = std::min(topic.find('/', in_topic), topic.size());
    } else {
      if (topic.compare(in_topic, level.size(), level) != 0) return false;
      topic_end = in_topic + level.size();
      if (topic_end < topic.size() && topic[topic_end] != '/') return false;  // the topic's level is longer
    }
    if (filter_end == filter.size()) return topic_end == topic.size();
    in_filter = filter_end + 1;
    in_topic = topic_end + 1;
  }
}

}  // namespace mqtt::client
