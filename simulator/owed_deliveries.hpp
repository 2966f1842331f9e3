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
// Wills (owed_deliveries_wills.cpp) are owed as the model owes them: once the broker must publish one (its
// connection, accepted by a CONNACK, closed without DISCONNECT; under 5.0 once the Will Delay, or the session if
// shorter, ran out), to each observer subscribed then, at min(will QoS, grant). A clean-session observer's session
// ends with its connection: what it was still owed is owed no more, and what is published while it is away never is.
//
// Some deliveries may come and need not ("may" counts): a will of a connection a fault hit (the broker notices
// the link's end when the model's keep-alive rule says, often after the run), a will of a CONNECT whose CONNACK
// never came, a message in flight while a clean observer subscribed again. While what an observer received could
// be its may-deliveries standing in for owed ones, owed() is nothing for that look (the quiet rule ends the drain)
// and to_json() says why under "uncertain"; the count resumes once they are all in.
//
// Counters cannot tell which message arrived, so any case where a count could hide a missing delivery behind an
// extra one for the rest of the run makes the run fall back to the quiet rule (owed() is nothing, to_json() says
// why): subscribing devices, shared or overlapping subscriptions, sharded runs, broker restarts, a message whose
// acknowledgement never came, a persistent observer whose session was not resumed (or an observer that subscribed
// again while the fleet retains messages: retained copies are owed too), a retain-as-published observer that may
// get retained copies it cannot tell from forwarded ones, a will whose delay a reconnection may or may not have
// cancelled, more deliveries than expected and may come. Over-counting (a DUP first copy) only makes the drain wait
// to its limit, which the run reports with what was still owed, to whom.
#pragma once

#include <chrono>
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
  // Its connection's CONNACK came (seen by the tap watch() installs).
  void connected(std::size_t slot);
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
  using Clock = std::chrono::steady_clock;
  // A device of `group` is about to send a CONNECT with a will to `topic` (placeholders expanded) on `session`'s
  // connection: its CONNACK and its close tell whether and when the will is owed. Call before the CONNECT is sent.
  void will(const std::shared_ptr<client::AsyncSession>& session, const std::string& client_id,
            const GroupSpec& group, std::string topic);

  // One connection of a will-carrying device, as its tap saw it (public for tests without sockets).
  struct WillConnection {
    std::string client_id;
    std::string topic;
    QoS qos = QoS::at_most_once;
    std::chrono::seconds delay{0};  // 5.0: min(Will Delay Interval, Session Expiry Interval)
    bool faulted = false;           // the fault timeline hits its group
    bool connack_seen = false;
    bool accepted = false;          // its CONNACK accepted the CONNECT (and the will)
    bool disconnect_sent = false;
  };
  // What the tap hears: an accepted CONNACK of `client_id` (a 5.0 will still in its delay is cancelled when the
  // session is resumed, published when it is not), and the close of a will-carrying connection.
  void will_connected(const std::string& client_id, bool session_present, Clock::time_point now);
  void will_closed(const WillConnection& connection, Clock::time_point now);

  // Still owed; nothing when this run is not counted exactly (then it never is again) or, for this look, while
  // what arrived may be deliveries that need not come standing in for owed ones. owed(now, run_end) also settles
  // the 5.0 wills whose delay ran out by `now`; one whose delay ends after `run_end` is not owed in this run.
  std::optional<std::uint64_t> owed() { return owed(Clock::time_point::min(), Clock::time_point::max()); }
  std::optional<std::uint64_t> owed(Clock::time_point now, Clock::time_point run_end);
  // The drain is over: later events (the run's own disconnects) change nothing.
  void freeze() { frozen_ = true; }
  // {"counting": "exact" or "quiet-rule", "fallback": why (absent when exact), "duplicates_not_counted",
  //  "retained_not_counted", "refused_not_owed": messages the broker refused, "wills_owed": wills owed so far (to
  //  each observer), "uncertain": why the last look left the end to the quiet rule (absent when it did not); when
  //  exact and something is owed: "owed_to": {observer: deliveries still owed} (the first few observers),
  //  "awaiting_acknowledgement", "wills_pending": 5.0 wills whose delay is still running}
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
    std::uint64_t may = 0;  // deliveries that may come and need not (the header says which)
    // Messages were in flight when this clean observer subscribed again: the broker may have routed each before or
    // after the subscription. Counters cannot tell which answer is whose, so every answer makes a "may", not an
    // owed delivery, until nothing is in flight any more.
    bool unsure_in_flight = false;
    // A clean observer between its new CONNACK and its SUBACK: a message accepted now may or may not reach it.
    bool resubscribing = false;
    std::uint32_t generation = 0;  // sessions of a clean observer that ended: counts of an older one are void
  };
  // A will the broker must publish later: a 5.0 Will Delay is running (owed_deliveries_wills.cpp).
  struct DelayedWill {
    std::string client_id;
    std::string topic;
    QoS qos = QoS::at_most_once;
    Clock::time_point due;
    std::vector<std::pair<std::size_t, std::uint32_t>> owed_to;  // (observer slot, its generation) counted owed
  };
  class Tap;
  class PublisherTap;
  class WillTap;

  // The QoS `subscriber` gets `topic` at (0 when no filter matches); falls back on overlapping filters.
  std::optional<QoS> granted(const Subscriber& subscriber, const std::string& publisher, const std::string& topic);
  void fall_back(std::string reason);
  // Answers one message in flight (accepted, refused, withheld or unanswered); once none is, no observer that
  // subscribed again is unsure of what was in flight (Subscriber::unsure_in_flight).
  void settle_in_flight(QoS qos);
  // The broker must publish (owed) or may publish (not owed) this will now, to the observers subscribed now.
  // Returns the observers it is owed to.
  std::vector<std::pair<std::size_t, std::uint32_t>> publish_will(const std::string& client_id,
                                                                  const std::string& topic, QoS qos, bool owed);
  // Takes back what publish_will counted owed, for the observers whose session is still the one it was counted for.
  void take_back(const DelayedWill& will);
  void settle_delayed_wills(Clock::time_point now, Clock::time_point run_end);
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
  std::vector<std::unique_ptr<WillTap>> will_taps_;  // one per connection whose CONNECT carries a will
  std::size_t will_taps_swept_ = 0;
  std::vector<DelayedWill> delayed_wills_;
  std::vector<std::string> faulted_groups_;  // groups the fault timeline hits (broker restarts apart)
  std::uint64_t wills_owed_ = 0;
  std::string uncertain_;  // why the last look could not say what is owed
  std::string fallback_;
  bool frozen_ = false;
  bool retained_in_fleet_ = false;  // some message of the fleet is retained (status, telemetry or will)
};

}  // namespace mqtt::simulator
