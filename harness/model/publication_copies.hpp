// The evidence store's compact copies of a client's PUBLISH (evidence_store.hpp), by sequence: a vector in
// sequence order, since the store notes events in that order. A copy is found by binary search and forgotten in
// place; forgotten slots at the front are skipped, and the vector is compacted once forgotten ones outnumber the
// live ones, so a long-lived copy pins no more than as many again. A std::map node per publication (an allocation
// and a rebalanced tree per PUBLISH) was about a quarter of what noting a fan-in's events cost (issue 16).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::model::detail {

// A client's PUBLISH as it was sent, without the Event fields such a packet never carries.
struct PublicationCopy {
  std::int64_t time_ns = 0;
  std::uint32_t connection = 0;
  std::string actor;
  Publish publish;
  Bytes raw;
};

class PublicationCopies {
 public:
  // Copies `event`'s PUBLISH straight into its slot (no intermediate copy to move). False when a live copy of
  // that sequence was already held: the first copy of a sequence stays, as std::map::emplace kept it.
  bool add(const history::Event& event) {
    const auto sequence = event.sequence;
    Slot* slot = nullptr;
    if (slots_.size() == head_ || slots_.back().sequence < sequence) {
      slot = &slots_.emplace_back();
    } else {  // out of sequence order: kept sorted all the same
      const auto at = lower(sequence);
      if (at != slots_.end() && at->sequence == sequence) {
        if (at->live) return false;
        slot = &*at;
      } else {
        slot = &*slots_.insert(at, Slot{});
      }
    }
    slot->sequence = sequence;
    slot->live = true;
    slot->copy.time_ns = event.time_ns;
    slot->copy.connection = event.connection;
    slot->copy.actor = event.actor;
    slot->copy.publish = std::get<Publish>(*event.packet);
    slot->copy.raw = event.raw;
    ++live_;
    return true;
  }

  const PublicationCopy* find(std::uint64_t sequence) const {
    const auto at = lower(sequence);
    return at != slots_.end() && at->sequence == sequence && at->live ? &at->copy : nullptr;
  }

  // False when no live copy has this sequence.
  bool erase(std::uint64_t sequence) {
    const auto at = lower(sequence);
    if (at == slots_.end() || at->sequence != sequence || !at->live) return false;
    at->live = false;
    at->copy = PublicationCopy{};
    --live_;
    while (head_ < slots_.size() && !slots_[head_].live) ++head_;
    if (head_ == slots_.size()) {
      slots_.clear();
      head_ = 0;
    } else if (slots_.size() - live_ > live_ + 64) {
      std::erase_if(slots_, [](const Slot& slot) { return !slot.live; });
      head_ = 0;
    }
    return true;
  }

  std::size_t size() const { return live_; }

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    bool live = false;
    PublicationCopy copy;
  };

  std::vector<Slot>::iterator lower(std::uint64_t sequence) {
    return std::lower_bound(slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end(), sequence,
                            [](const Slot& slot, std::uint64_t wanted) { return slot.sequence < wanted; });
  }
  std::vector<Slot>::const_iterator lower(std::uint64_t sequence) const {
    return std::lower_bound(slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end(), sequence,
                            [](const Slot& slot, std::uint64_t wanted) { return slot.sequence < wanted; });
  }

  std::vector<Slot> slots_;  // ascending sequence; those below head_ are all forgotten
  std::size_t head_ = 0;
  std::size_t live_ = 0;
};

}  // namespace mqtt::model::detail
