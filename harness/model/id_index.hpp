// Elements of a node-based map found by a small integer id without walking the tree: connections are looked up by
// id at every event (its version for the verdicts' citations, then the connection itself), and two walks of a
// thousand-node std::map per event were about a twentieth of the model's instructions in a fan-in (issue 16).
// The map stays the owner and the order of iteration; this only points at its nodes, which never move.
// Connection ids are handed out 1, 2, ... per connection, so a vector by id is dense; an id beyond `largest_id`
// (a hand-written history) is simply not indexed. A copy of the owner points into another map: a copy starts
// empty and fills again as lookups miss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mqtt::model::detail {

template <typename T>
class IdIndex {
 public:
  static constexpr std::uint32_t largest_id = 1u << 22;

  IdIndex() = default;
  IdIndex(const IdIndex&) {}
  IdIndex& operator=(const IdIndex&) {
    slots_.clear();
    return *this;
  }
  IdIndex(IdIndex&&) noexcept = default;  // a moved std::map keeps its nodes
  IdIndex& operator=(IdIndex&&) noexcept = default;

  T* find(std::uint32_t id) const { return id < slots_.size() ? slots_[id] : nullptr; }
  void set(std::uint32_t id, T* element) {
    if (id > largest_id) return;
    if (id >= slots_.size()) slots_.resize(static_cast<std::size_t>(id) + 1, nullptr);
    slots_[id] = element;
  }
  // Before the element leaves the map.
  void forget(std::uint32_t id) {
    if (id < slots_.size()) slots_[id] = nullptr;
  }

 private:
  std::vector<T*> slots_;
};

}  // namespace mqtt::model::detail
