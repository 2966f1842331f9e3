// What the broker keeps for one client id: subscriptions, messages waiting to be sent, outgoing QoS 1/2
// messages in flight, incoming QoS 2 packet ids awaiting PUBREL, and (MQTT 5.0) how long the session outlives its
// connection and a will waiting for its delay. Pure state, no I/O: the connection layer decides when to call these.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/packet.hpp"

namespace mqtt::broker {

using Clock = std::chrono::steady_clock;

// Session Expiry Interval 0xFFFFFFFF: the session never expires (also what a 3.1.1 CleanSession=0 session gets).
inline constexpr std::uint32_t session_never_expires = 0xFFFF'FFFF;

// An application message as the broker holds it; shared between every session it is routed to.
struct Message {
  std::string topic;
  Bytes payload;
  QoS qos = QoS::at_most_once;  // the QoS it was published with
  bool retain = false;          // the RETAIN flag it was published with
  bool dup = false;             // the DUP flag it was published with (only the dup-propagated defect passes it on)
  // MQTT 5.0 properties forwarded unchanged to every subscriber, in the order the publisher sent them: Payload
  // Format Indicator, Content Type, Response Topic, Correlation Data, User Properties. Topic Alias, Message Expiry
  // Interval and Subscription Identifiers are per hop and are not kept here.
  Properties properties;
  std::optional<std::uint32_t> expiry_interval;  // Message Expiry Interval in seconds, as received
  Clock::time_point received_at{};               // when the broker took it (the expiry clock starts here)
  std::string publisher;                         // client id of the publishing connection (No Local)
};

// One subscription's grant and options (the options beyond the QoS are MQTT 5.0 only; 3.1.1 gets the defaults).
struct SubscriptionOptions {
  QoS qos = QoS::at_most_once;  // granted
  bool no_local = false;
  bool retain_as_published = false;
  std::optional<std::uint32_t> identifier;  // Subscription Identifier of the SUBSCRIBE that made it
  friend bool operator==(const SubscriptionOptions&, const SubscriptionOptions&) = default;
};

// One message owed to a subscriber, before a packet id is assigned.
struct Delivery {
  std::shared_ptr<const Message> message;
  QoS qos = QoS::at_most_once;  // after downgrading to the granted QoS
  bool retain = false;          // RETAIN flag to send
  std::vector<std::uint32_t> subscription_identifiers;  // of the subscriptions this copy answers
  std::string shared_group;  // "$share/{name}/{filter}" when routed through a shared subscription
};

// An outgoing QoS 1/2 message the client has not yet fully acknowledged.
struct InFlight {
  enum class Stage : std::uint8_t { awaiting_puback, awaiting_pubrec, awaiting_pubcomp };
  std::uint16_t packet_id = 0;
  Delivery delivery;
  Stage stage = Stage::awaiting_puback;
  bool resend_pending = false;  // sent on an earlier connection, not yet re-sent on this one
};

// A will whose Will Delay Interval has not yet passed (MQTT 5.0): part of the session state.
struct PendingWill {
  std::shared_ptr<Message> message;  // received_at is set when it is published
  Clock::time_point due;
};

class Session {
 public:
  Session(std::string client_id, std::uint32_t expiry_interval, std::uint64_t serial = 0)
      : client_id_(std::move(client_id)), expiry_interval_(expiry_interval), serial_(serial) {}

  const std::string& client_id() const { return client_id_; }
  // Tells this session from a later one under the same client id (deliveries held back for a while must not
  // reach a session that replaced the one they were routed to).
  std::uint64_t serial() const { return serial_; }

  // Seconds the session outlives its network connection: 0 ends it with the connection (3.1.1 CleanSession=1),
  // session_never_expires keeps it for ever (3.1.1 CleanSession=0).
  std::uint32_t expiry_interval() const { return expiry_interval_; }
  void set_expiry_interval(std::uint32_t seconds) { expiry_interval_ = seconds; }
  bool ends_with_connection() const { return expiry_interval_ == 0; }
  // While offline: when the session ends (unset while connected, or when it never expires).
  std::optional<Clock::time_point>& expires_at() { return expires_at_; }

  // Non-shared subscriptions, keyed by the exact filter text (so an identical filter replaces).
  std::map<std::string, SubscriptionOptions>& subscriptions() { return subscriptions_; }
  const std::map<std::string, SubscriptionOptions>& subscriptions() const { return subscriptions_; }
  // Shared subscriptions this session is a member of, keyed by the whole "$share/{name}/{filter}".
  std::map<std::string, SubscriptionOptions>& shared_subscriptions() { return shared_subscriptions_; }

  // Messages waiting for an in-flight slot or for the client to come back. Returns false when full.
  bool enqueue(Delivery delivery, std::size_t limit);
  std::optional<Delivery> dequeue();
  bool has_queued() const { return !queue_.empty(); }
  std::size_t queued() const { return queue_.size(); }
  std::deque<Delivery>& queue() { return queue_; }
  std::uint64_t dropped() const { return dropped_; }

  // Outgoing QoS 1/2, in the order they were first sent (re-sent in that order on reconnect).
  const InFlight& start_in_flight(Delivery delivery);  // assigns a free packet id
  std::deque<InFlight>& in_flight() { return in_flight_; }
  std::size_t in_flight_count() const { return in_flight_.size(); }
  // Acknowledgements from the client; each returns false when the id is not in the expected stage.
  bool acknowledge_puback(std::uint16_t packet_id);
  bool acknowledge_pubrec(std::uint16_t packet_id);  // moves the message to awaiting PUBCOMP
  bool acknowledge_pubcomp(std::uint16_t packet_id);
  // A PUBREC with a Reason Code of 0x80 or more ends the exchange: the message is not re-sent [MQTT-4.4.0-2].
  bool reject_pubrec(std::uint16_t packet_id);
  void forget_in_flight() { in_flight_.clear(); }

  // Incoming QoS 2: true when the id is new (the message must be routed), false when it is a re-send.
  bool receive_qos2(std::uint16_t packet_id) { return incoming_qos2_.insert(packet_id).second; }
  // Whether a QoS 2 exchange with this id was received and not yet released by PUBREL.
  bool receiving_qos2(std::uint16_t packet_id) const { return incoming_qos2_.contains(packet_id); }
  // The qos2-deliver-on-pubrel variation keeps the message itself until PUBREL.
  void hold_qos2(std::uint16_t packet_id, std::shared_ptr<const Message> message);
  // Forgets the id; returns the message held for it, if any (to be routed now).
  std::shared_ptr<const Message> release_qos2(std::uint16_t packet_id);

  std::optional<PendingWill>& pending_will() { return pending_will_; }
  // The will-published-again defect keeps a published will here, to publish it once more.
  std::shared_ptr<Message>& kept_will() { return kept_will_; }

  // A defect (reorder-deliveries) parks one delivery here to swap it with the next.
  std::optional<Delivery>& held_back() { return held_back_; }

 private:
  std::deque<InFlight>::iterator find_in_flight(std::uint16_t packet_id, InFlight::Stage stage);

  std::string client_id_;
  std::uint32_t expiry_interval_;
  std::uint64_t serial_;
  std::optional<Clock::time_point> expires_at_;
  std::map<std::string, SubscriptionOptions> subscriptions_;
  std::map<std::string, SubscriptionOptions> shared_subscriptions_;
  std::deque<Delivery> queue_;
  std::deque<InFlight> in_flight_;
  std::set<std::uint16_t> incoming_qos2_;
  std::map<std::uint16_t, std::shared_ptr<const Message>> held_qos2_;
  std::uint16_t next_packet_id_ = 1;
  std::uint64_t dropped_ = 0;
  std::optional<PendingWill> pending_will_;
  std::shared_ptr<Message> kept_will_;
  std::optional<Delivery> held_back_;
};

}  // namespace mqtt::broker
