// The evidence store's compact copies of a client's PUBLISH (evidence_store.hpp), by sequence: a vector in
// sequence order, since the store notes events in that order. A copy is found by binary search and forgotten in
// place; forgotten slots at the front are skipped, and the vector is compacted once forgotten ones outnumber the
// live ones, so a long-lived copy pins no more than as many again. A std::map node per publication (an allocation
// and a rebalanced tree per PUBLISH) was about a quarter of what noting a fan-in's events cost (issue 16).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/packet.hpp"
#include "history/event.hpp"

namespace mqtt::model::detail {

// A client's PUBLISH as it was sent, without the Event fields such a packet never carries. The actor, topic,
// payload and raw bytes share one buffer: one allocation per copy instead of four (issue 16: at 10,000 msg/s the
// store takes a copy per message).
class PublicationCopy {
 public:
  void assign(const history::Event& event, const Publish& publish) {
    time_ns = event.time_ns;
    connection = event.connection;
    version_ = publish.version;
    dup_ = publish.dup;
    qos_ = publish.qos;
    retain_ = publish.retain;
    packet_id_ = publish.packet_id;
    properties_ = publish.properties;
    actor_size_ = event.actor.size();
    topic_size_ = publish.topic.size();
    payload_size_ = publish.payload.size();
    text_.clear();
    text_.reserve(actor_size_ + topic_size_ + payload_size_ + event.raw.size());
    text_.append(event.actor);
    text_.append(publish.topic);
    text_.append(publish.payload.begin(), publish.payload.end());
    text_.append(event.raw.begin(), event.raw.end());
  }

  std::string_view actor() const { return std::string_view(text_).substr(0, actor_size_); }
  Publish publish() const {
    Publish publish;
    publish.version = version_;
    publish.dup = dup_;
    publish.qos = qos_;
    publish.retain = retain_;
    publish.topic = std::string(std::string_view(text_).substr(actor_size_, topic_size_));
    publish.packet_id = packet_id_;
    publish.payload = bytes(actor_size_ + topic_size_, payload_size_);
    publish.properties = properties_;
    return publish;
  }
  Bytes raw() const {
    const auto start = actor_size_ + topic_size_ + payload_size_;
    return bytes(start, text_.size() - start);
  }

  std::int64_t time_ns = 0;
  std::uint32_t connection = 0;

 private:
  Bytes bytes(std::size_t start, std::size_t size) const {
    const auto* first = reinterpret_cast<const std::uint8_t*>(text_.data()) + start;
    return Bytes(first, first + size);
  }

  ProtocolVersion version_ = ProtocolVersion::v3_1_1;
  bool dup_ = false;
  QoS qos_ = QoS::at_most_once;
  bool retain_ = false;
  std::optional<std::uint16_t> packet_id_;
  Properties properties_;
  std::size_t actor_size_ = 0;
  std::size_t topic_size_ = 0;
  std::size_t payload_size_ = 0;
  std::string text_;  // actor, topic, payload, raw bytes, one after the other
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
    slot->copy.assign(event, std::get<Publish>(*event.packet));
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
