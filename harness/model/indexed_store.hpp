// Elements addressed by the index they were appended at, an index that stays theirs when others are erased: the
// model cites messages and delivery duties by index all over its state, and forgetting the settled ones
// (forgetting.hpp) must not move the rest. `Map` is std::map where the model walks the elements in the order
// they were added (verdicts depend on that order), std::unordered_map where it only looks them up.
#pragma once

#include <cstddef>
#include <map>
#include <ranges>
#include <utility>

namespace mqtt::model::detail {

template <typename T, typename Map = std::map<std::size_t, T>>
class IndexedStore {
 public:
  std::size_t push_back(T item) {
    const auto index = next_index_++;
    items_.emplace(index, std::move(item));
    return index;
  }

  // Throws std::out_of_range for an index that was erased: reading a forgotten element is a model bug that must
  // show, never a default value.
  T& operator[](std::size_t index) { return items_.at(index); }
  const T& operator[](std::size_t index) const { return items_.at(index); }

  bool contains(std::size_t index) const { return items_.contains(index); }
  void erase(std::size_t index) { items_.erase(index); }

  std::size_t next_index() const { return next_index_; }  // the index the next push_back gets
  std::size_t live() const { return items_.size(); }

  auto values() { return std::views::values(items_); }
  auto values() const { return std::views::values(items_); }
  auto entries() { return std::views::all(items_); }  // (index, element) pairs
  auto entries() const { return std::views::all(items_); }

 private:
  Map items_;
  std::size_t next_index_ = 0;
};

}  // namespace mqtt::model::detail
