// A set of connection ids kept as disjoint intervals: the ids of connections the checker has forgotten
// (forgetting.hpp). Connection ids are handed out in order and connections close in roughly that order, so the
// forgotten ones merge into a few intervals and the set stays small however many connections a run has seen.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>

namespace mqtt::model::detail {

class IdIntervals {
 public:
  bool contains(std::uint32_t id) const {
    auto after = intervals_.upper_bound(id);
    if (after == intervals_.begin()) return false;
    return id <= std::prev(after)->second;
  }

  void insert(std::uint32_t id) {
    if (contains(id)) return;
    auto after = intervals_.upper_bound(id);
    std::uint32_t first = id;
    std::uint32_t last = id;
    if (after != intervals_.begin()) {
      auto before = std::prev(after);
      if (before->second + 1 == id) {
        first = before->first;
        intervals_.erase(before);
      }
    }
    if (after != intervals_.end() && after->first == id + 1) {
      last = after->second;
      intervals_.erase(after);
    }
    intervals_.emplace(first, last);
  }

  std::size_t intervals() const { return intervals_.size(); }

 private:
  std::map<std::uint32_t, std::uint32_t> intervals_;  // first id -> last id, both included
};

}  // namespace mqtt::model::detail
