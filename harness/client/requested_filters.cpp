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
  // One pass over both, character by character: the filter is valid, so a '+' or '#' at the start of a level is
  // the whole level, and '#' is the last one.
  const std::size_t filter_size = filter.size();
  const std::size_t topic_size = topic.size();
  std::size_t in_filter = 0;  // at the start of a filter level
  std::size_t in_topic = 0;   // at the start of a topic level
  while (true) {
    if (in_filter < filter_size && filter[in_filter] == '#') return true;
    if (in_filter < filter_size && filter[in_filter] == '+') {
      ++in_filter;
      while (in_topic < topic_size && topic[in_topic] != '/') ++in_topic;
    } else {
      for (; in_filter < filter_size && filter[in_filter] != '/'; ++in_filter, ++in_topic) {
        if (in_topic == topic_size || topic[in_topic] != filter[in_filter]) return false;
      }
      if (in_topic < topic_size && topic[in_topic] != '/') return false;  // the topic's level is longer
    }
    // Both at the end or at a '/'.
    if (in_filter == filter_size) return in_topic == topic_size;
    ++in_filter;
    // The topic has no level left: only "#" matches it still, as the parent level ("a/#" matches "a").
    if (in_topic == topic_size) return in_filter < filter_size && filter[in_filter] == '#';
    ++in_topic;
  }
}

}  // namespace mqtt::client
