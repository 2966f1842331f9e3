// What the broker keeps for one client id: subscriptions, messages waiting to be sent, outgoing QoS 1/2
// messages in flight, and incoming QoS 2 packet ids awaiting PUBREL. Pure state, no I/O: the connection
// layer decides when to call these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "codec/packet.hpp"

namespace mqtt::broker {

// An application message as the broker holds it; shared between every session it is routed to.
struct Message {
  std::string topic;
  Bytes payload;
  QoS qos = QoS::at_most_once;  // the QoS it was published with
  bool retain = false;          // the RETAIN flag it was published with
  bool dup = false;             // the DUP flag it was published with (only the dup-propagated defect passes it on)
};

// One message owed to a subscriber, before a packet id is assigned.
struct Delivery {
  std::shared_ptr<const Message> message;
  QoS qos = QoS::at_most_once;  // after downgrading to the granted QoS
  bool retain = false;          // RETAIN flag to send: 1 only for retained messages sent on subscribe
};

// An outgoing QoS 1/2 message the client has not yet fully acknowledged.
struct InFlight {
  enum class Stage : std::uint8_t { awaiting_puback, awaiting_pubrec, awaiting_pubcomp };
  std::uint16_t packet_id = 0;
  Delivery delivery;
  Stage stage = Stage::awaiting_puback;
};

class Session {
 public:
  Session(std::string client_id, bool clean, std::uint64_t serial = 0)
      : client_id_(std::move(client_id)), clean_(clean), serial_(serial) {}

  const std::string& client_id() const { return client_id_; }
  // Tells this session from a later one under the same client id (deliveries held back for a while must not
  // reach a session that replaced the one they were routed to).
  std::uint64_t serial() const { return serial_; }
  bool clean() const { return clean_; }
  void set_clean(bool clean) { clean_ = clean; }

  // Subscriptions, keyed by the exact filter text (so an identical filter replaces).
  std::map<std::string, QoS>& subscriptions() { return subscriptions_; }
  const std::map<std::string, QoS>& subscriptions() const { return subscriptions_; }

  // Messages waiting for an in-flight slot or for the client to come back. Returns false when full.
  bool enqueue(Delivery delivery, std::size_t limit);
  std::optional<Delivery> dequeue();
  bool has_queued() const { return !queue_.empty(); }
  std::size_t queued() const { return queue_.size(); }
  std::uint64_t dropped() const { return dropped_; }

  // Outgoing QoS 1/2, in the order they were first sent (re-sent in that order on reconnect).
  const InFlight& start_in_flight(Delivery delivery);  // assigns a free packet id
  std::deque<InFlight>& in_flight() { return in_flight_; }
  std::size_t in_flight_count() const { return in_flight_.size(); }
  // Acknowledgements from the client; each returns false when the id is not in the expected stage.
  bool acknowledge_puback(std::uint16_t packet_id);
  bool acknowledge_pubrec(std::uint16_t packet_id);  // moves the message to awaiting PUBCOMP
  bool acknowledge_pubcomp(std::uint16_t packet_id);
  void forget_in_flight() { in_flight_.clear(); }

  // Incoming QoS 2: true when the id is new (the message must be routed), false when it is a re-send.
  bool receive_qos2(std::uint16_t packet_id) { return incoming_qos2_.insert(packet_id).second; }
  // The qos2-deliver-on-pubrel variation keeps the message itself until PUBREL.
  void hold_qos2(std::uint16_t packet_id, std::shared_ptr<const Message> message);
  // Forgets the id; returns the message held for it, if any (to be routed now).
  std::shared_ptr<const Message> release_qos2(std::uint16_t packet_id);

  // A defect (reorder-deliveries) parks one delivery here to swap it with the next.
  std::optional<Delivery>& held_back() { return held_back_; }

 private:
  std::deque<InFlight>::iterator find_in_flight(std::uint16_t packet_id, InFlight::Stage stage);

  std::string client_id_;
  bool clean_;
  std::uint64_t serial_;
  std::map<std::string, QoS> subscriptions_;
  std::deque<Delivery> queue_;
  std::deque<InFlight> in_flight_;
  std::set<std::uint16_t> incoming_qos2_;
  std::map<std::uint16_t, std::shared_ptr<const Message>> held_qos2_;
  std::uint16_t next_packet_id_ = 1;
  std::uint64_t dropped_ = 0;
  std::optional<Delivery> held_back_;
};

}  // namespace mqtt::broker
