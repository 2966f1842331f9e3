// What the broker still owes the fleet's observers, counted by the engine so the drain (fleet_drain.hpp) can end
// a run when everything owed has arrived, and not end it on a pause between two bursts while something is owed.
//
// Counters only, no per-message memory: for each observer, the QoS 1 and 2 deliveries the fleet expects (a
// message of the fleet the broker accepted, whose topic matches one of the observer's filters at a QoS of 1 or
// more granted in its SUBACK, while the observer was subscribed) and those it received (first copies: a DUP copy
// may repeat one already counted; a retained copy on subscribing is not a forwarded one, but under 5.0
// retain-as-published a forwarded copy keeps RETAIN 1 and is counted). Owed = expected - received, plus the QoS 1
// and 2 messages still waiting for their acknowledgement (the broker may have them). QoS 0 is never owed, nor is
// what the broker refused (a 5.0 PUBACK or PUBREC reason code of 0x80 or more, a SUBACK failure code).
//
// Counters cannot tell which message arrived, so any case where a count could hide a missing delivery behind an
// extra one makes the run fall back to the quiet rule (owed() is nothing, to_json() says why): subscribing
// devices, shared or overlapping subscriptions, wills that reach an observer, sharded runs, broker restarts, a
// message whose acknowledgement never came, an observer whose session ended or was not resumed (or that subscribed
// again while the fleet retains messages: retained copies are owed too), a retain-as-published observer that
// may get retained copies it cannot tell from forwarded ones, more deliveries than expected. Over-counting (a DUP
// first copy) only makes the drain wait to its limit, which the run reports with what was still owed, to whom.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codec/packet.hpp"
#include "simulator/fault_schedule.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::client {
class AsyncSession;
struct RequestResult;
}

namespace mqtt::simulator {

class OwedDeliveries {
 public:
  OwedDeliveries(const FleetSpec& spec, std::uint32_t shard_count);
  ~OwedDeliveries();
  OwedDeliveries(const OwedDeliveries&) = delete;
  OwedDeliveries& operator=(const OwedDeliveries&) = delete;

  // An observer of the fleet (its filters are expanded for it); returns its slot.
  std::size_t add_subscriber(const DeviceIdentity& identity, const GroupSpec& group);
  std::optional<std::size_t> subscriber_of(const std::string& client_id) const;

  // A new connection of the observer in `slot`: every PUBLISH it receives is counted (a tap between the
  // connection and the session, which it forwards every packet to). Call right after the session is attached.
  void watch(std::size_t slot, const std::shared_ptr<client::AsyncSession>& session);
  // A new connection of a 5.0 publishing device: a PUBACK that refuses its message (reason code 0x80 or more) is
  // heard by a tap like an observer's, so the accepted() the session's acknowledgement listener makes while that
  // PUBACK is handed on counts as refused (nothing owed). 3.1.1 has no refusing PUBACK: nothing to watch.
  void watch_publisher(const std::shared_ptr<client::AsyncSession>& session);
  // Its CONNACK and SUBACK came: deliveries are owed to it from now on, at what the SUBACK granted, one return
  // code per filter (QoS 0-2, or 0x80 and more: refused, nothing delivered); none: granted as requested.
  void subscribed(std::size_t slot, bool session_present, std::span<const std::uint8_t> return_codes = {});
  // Its connection closed.
  void closed(std::size_t slot);
  // What its connection received (only the header is read: QoS, DUP, RETAIN).
  void received(std::size_t slot, const Publish& header);

  // A QoS 1 or 2 message of the fleet left for the broker; it is answered by exactly one of accepted() (its
  // PUBACK or PUBCOMP came), unanswered() (the connection closed or the deadline passed first) and not_sent() (the
  // session withheld it: beyond a limit of the CONNACK, nothing owed).
  void sent(QoS qos);
  void not_sent(QoS qos);
  void accepted(const std::string& publisher, const std::string& topic, QoS qos);
  void unanswered(const std::string& topic, QoS qos);
  // The outcome of a publish() request (QoS 1 or 2) as one of the three above, or refused: its PUBACK or PUBREC
  // carried a 5.0 reason code of 0x80 or more, so the broker did not take the message and owes nothing for it.
  void answered(const std::string& publisher, const std::string& topic, QoS qos, const client::RequestResult& result);
  // A device's CONNECT carried a will to `topic` (the broker decides when, and whether, it is published).
  void will(const std::string& topic, QoS qos);

  // Still owed; nothing when this run is not counted exactly (then it never is again).
  std::optional<std::uint64_t> owed();
  // The drain is over: later events (the run's own disconnects) change nothing.
  void freeze() { frozen_ = true; }
  // {"counting": "exact" or "quiet-rule", "fallback": why (absent when exact), "duplicates_not_counted",
  //  "retained_not_counted", "refused_not_owed": messages the broker refused; when exact and something is owed:
  //  "owed_to": {observer: deliveries still owed} (the first few observers), "awaiting_acknowledgement"}
  nlohmann::json to_json() const;

 private:
  struct Filter {
    Subscription requested;
    std::optional<QoS> granted;  // min(requested, the SUBACK's grant); nothing: the SUBACK refused the filter
  };
  struct Subscriber {
    std::string client_id;
    std::vector<Filter> filters;
    bool persistent = false;  // its session outlives a connection: what it is owed stays owed
    bool subscribed = false;
    bool connected_before = false;
    // 5.0 retain-as-published on some filter: a forwarded copy of a retained message keeps RETAIN 1.
    bool retain_as_published = false;
    // Some filter may bring retained copies on subscribing (5.0 Retain Handling 2 never does).
    bool retained_on_subscribe = false;
    std::uint64_t expected = 0;
    std::uint64_t received = 0;
  };
  class Tap;
  class PublisherTap;

  // The QoS `subscriber` gets `topic` at (0 when no filter matches); falls back on overlapping filters.
  std::optional<QoS> granted(const Subscriber& subscriber, const std::string& publisher, const std::string& topic);
  void fall_back(std::string reason);
  bool counting() const { return !frozen_ && fallback_.empty(); }

  std::vector<Subscriber> subscribers_;
  std::vector<std::unique_ptr<Tap>> taps_;  // one per observer connection; a connection may outlive its session
  // One per live 5.0 publisher connection: dropped once its connection is gone (nothing can call it then).
  std::vector<std::unique_ptr<PublisherTap>> publisher_taps_;
  std::size_t publisher_taps_swept_ = 0;  // how many were left at the last sweep
  bool refusing_ = false;  // a publisher tap is handing on a refusing PUBACK: accepted() is a refusal
  bool fleet_began_ = false;  // the fleet sent a QoS 1 or 2 message: a forwarded copy may arrive from now on
  std::uint64_t in_flight_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t retained_ = 0;
  std::string fallback_;
  bool frozen_ = false;
  bool retained_in_fleet_ = false;  // some message of the fleet is retained (status, telemetry or will)
};

}  // namespace mqtt::simulator
