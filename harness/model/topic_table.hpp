// Topic names interned: a number per distinct name, given the first time the model meets it. The per-copy rules
// key their state by it (ordering marks, the wildcard matches of a topic) instead of hashing or comparing the name
// for every copy, which with the node per first arrival was most of what ordering a fan-in's copies cost
// (issue 16). Ids are never taken back: the table is bounded by the distinct topic names of the history, as the
// wildcard cache keyed by name it replaced was.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mqtt::model::detail {

constexpr std::uint32_t no_topic = std::numeric_limits<std::uint32_t>::max();

class TopicTable {
 public:
  // The id of `name`, a new one the first time.
  std::uint32_t intern(std::string_view name) {
    const auto found = ids_.find(name);
    if (found != ids_.end()) return found->second;
    const auto id = static_cast<std::uint32_t>(valid_.size());
    ids_.emplace(std::string(name), id);
    valid_.push_back(false);
    return id;
  }
  // The id of `name` if it has one, else no_topic.
  std::uint32_t find(std::string_view name) const {
    const auto found = ids_.find(name);
    return found == ids_.end() ? no_topic : found->second;
  }
  // A client published to this name and it passed topic::validate_name: a later PUBLISH to it need not be checked
  // again (a will's or a refused connection's topic gets an id without that check).
  bool valid(std::uint32_t id) const { return id < valid_.size() && valid_[id]; }
  void mark_valid(std::uint32_t id) { valid_.at(id) = true; }
  std::size_t size() const { return valid_.size(); }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> ids_;
  std::vector<bool> valid_;  // by id
};

}  // namespace mqtt::model::detail
