// The messages already seen on one connection (ordering uses the first copy of each): a sorted vector of message
// indexes. Copies arrive nearly in the order their messages were published, so an insertion is nearly always an
// append; a std::set node per first arrival cost an allocation and a tree walk per copy (issue 16).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mqtt::model::detail {

class ArrivalSet {
 public:
  bool contains(std::size_t index) const { return std::binary_search(indexes_.begin(), indexes_.end(), index); }
  // False when `index` was already there.
  bool insert(std::size_t index) {
    if (indexes_.empty() || indexes_.back() < index) {
      indexes_.push_back(index);
      return true;
    }
    const auto at = std::lower_bound(indexes_.begin(), indexes_.end(), index);
    if (at != indexes_.end() && *at == index) return false;
    indexes_.insert(at, index);
    return true;
  }
  template <typename Predicate>
  void erase_if(Predicate predicate) {
    std::erase_if(indexes_, predicate);
  }
  std::size_t size() const { return indexes_.size(); }

 private:
  std::vector<std::size_t> indexes_;
};

}  // namespace mqtt::model::detail
