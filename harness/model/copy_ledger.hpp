// What the model keeps per (message, session) of the copies that arrived, and per (receiver, publisher, topic,
// QoS) of the order they arrived in (delivery.cpp, ordering.cpp).
#pragma once

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <cstdint>

namespace mqtt::model::detail {

// A few packet ids, kept inline: a session nearly always receives a message under one packet id (a re-send
// reuses it), and a std::set node per id cost more than the rest of a copy ledger (issue 16).
class PacketIds {
 public:
  bool contains(std::uint16_t id) const { return std::find(ids_.begin(), ids_.end(), id) != ids_.end(); }
  void insert(std::uint16_t id) {
    if (!contains(id)) ids_.push_back(id);
  }
  std::size_t size() const { return ids_.size(); }

 private:
  boost::container::small_vector<std::uint16_t, 2> ids_;
};

struct CopyLedger {
  int new_qos2_copies = 0;
  int ordinary_copies = 0;  // copies through existing subscriptions, re-sends not counted
  PacketIds sent_ids;       // packet ids of every QoS 1/2 copy: a copy with DUP=1 reuses one
  PacketIds packet_ids;     // packet ids of the new QoS 2 copies
  std::uint64_t first_sequence = 0;
  int highest_qos = -1;
  unsigned qos_seen = 0;           // bit q: some copy at QoS q arrived
  unsigned ordinary_qos_seen = 0;  // bit q: a copy at QoS q arrived through an existing subscription
};

struct OrderMark {
  std::uint64_t publish_sequence = 0;
  std::uint64_t receive_sequence = 0;
  bool resent = false;  // that copy was a re-send (DUP 1): two re-sends out of order break [MQTT-4.6.0-1] in 5.0
};

}  // namespace mqtt::model::detail
