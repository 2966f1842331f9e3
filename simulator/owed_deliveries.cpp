#include "simulator/owed_deliveries.hpp"

#include <algorithm>

#include "client/async_connection.hpp"
#include "client/async_session.hpp"
#include "client/session.hpp"
#include "model/topic.hpp"
#include "simulator/owed_deliveries_will_tap.hpp"

namespace mqtt::simulator {

// Sits between an observer's connection and its session: counts each PUBLISH, then hands every packet on. The
// session is held weakly: a connection may outlive it (the session no longer clears a tap from the connection).
class OwedDeliveries::Tap : public client::ConnectionObserver {
 public:
  Tap(OwedDeliveries& owner, std::size_t slot, const std::shared_ptr<client::AsyncSession>& session)
      : owner_(owner), slot_(slot), session_(session), next_(session->connection()->observer()) {}

  void on_packet(const Packet& packet) override {
    if (const auto* publish = std::get_if<Publish>(&packet)) owner_.received(slot_, *publish);
    if (std::holds_alternative<Connack>(packet)) owner_.connected(slot_);
    if (const auto session = session_.lock(); session && next_ != nullptr) next_->on_packet(packet);
  }
  void on_closed() override {
    if (const auto session = session_.lock(); session && next_ != nullptr) next_->on_closed();
    owner_.closed(slot_);
  }

 private:
  OwedDeliveries& owner_;
  std::size_t slot_;
  std::weak_ptr<client::AsyncSession> session_;
  client::ConnectionObserver* next_;
};

// Sits between a 5.0 publisher's connection and its session, like Tap. The session reports a PUBACK to its
// acknowledgement listener (the fleet, which calls accepted()) from within on_packet, so while this hands on a
// refusing PUBACK, owner_.refusing_ marks that accepted() as a refusal. The connection is held weakly: once it is
// gone nothing can call this, and the owner drops it.
class OwedDeliveries::PublisherTap : public client::ConnectionObserver {
 public:
  PublisherTap(OwedDeliveries& owner, const std::shared_ptr<client::AsyncSession>& session)
      : owner_(owner), session_(session), connection_(session->connection()),
        next_(session->connection()->observer()) {}

  void on_packet(const Packet& packet) override {
    const auto session = session_.lock();
    if (!session || next_ == nullptr) return;
    const auto* puback = std::get_if<Puback>(&packet);
    owner_.refusing_ = puback != nullptr && puback->reason_code >= 0x80;
    next_->on_packet(packet);
    owner_.refusing_ = false;
  }
  void on_closed() override {
    if (const auto session = session_.lock(); session && next_ != nullptr) next_->on_closed();
  }
  bool gone() const { return connection_.expired(); }

 private:
  OwedDeliveries& owner_;
  std::weak_ptr<client::AsyncSession> session_;
  std::weak_ptr<client::AsyncConnection> connection_;
  client::ConnectionObserver* next_;
};

OwedDeliveries::OwedDeliveries(const FleetSpec& spec, std::uint32_t shard_count) {
  // Each of these can bring an observer deliveries the fleet does not account for, or take from it deliveries
  // the fleet counts on, without the counters noticing.
  if (shard_count > 1) fall_back("a sharded run: the other shards' messages are not counted here");
  for (const auto& fault : spec.faults) {
    if (fault.kind == FaultKind::broker_restart) fall_back("a broker restart may lose what the broker held");
    // The model owes the will of a connection a fault hit only once the broker could have noticed its end
    // (keep-alive, harness/model/will.cpp); a power loss is recorded after the device's own abort, so its will is
    // owed at once.
    if (fault.kind != FaultKind::broker_restart && fault.kind != FaultKind::power_loss) {
      faulted_groups_.push_back(fault.group);
    }
  }
  for (const auto& group : spec.groups) {
    retained_in_fleet_ = retained_in_fleet_ || group.status || group.publish.retain || (group.will && group.will->retain);
    if (!group.observer && !group.subscriptions.empty()) {
      fall_back("devices of group \"" + group.name + "\" subscribe: only observers are counted");
    }
  }
}

OwedDeliveries::~OwedDeliveries() = default;

std::size_t OwedDeliveries::add_subscriber(const DeviceIdentity& identity, const GroupSpec& group) {
  Subscriber subscriber;
  subscriber.client_id = identity.client_id;
  subscriber.persistent = group.version == ProtocolVersion::v5 ? group.session_expiry.value_or(0) > 0
                                                                : !group.clean_session;
  const bool v5 = group.version == ProtocolVersion::v5;
  for (auto subscription : group.subscriptions) {
    subscription.filter = expand_placeholders(subscription.filter, group.name, identity.n, identity.client_id);
    if (subscription.filter.rfind("$share/", 0) == 0) {
      fall_back("observer " + identity.client_id + " has a shared subscription (one member of the group gets it)");
    }
    if (!v5) {
      subscription.retain_as_published = false;  // 5.0 options: a 3.1.1 SUBSCRIBE carries neither
      subscription.retain_handling = 0;
    }
    subscriber.retain_as_published = subscriber.retain_as_published || subscription.retain_as_published;
    subscriber.retained_on_subscribe = subscriber.retained_on_subscribe || subscription.retain_handling != 2;
    const QoS requested = subscription.qos;
    subscriber.filters.push_back(Filter{std::move(subscription), requested});
  }
  subscribers_.push_back(std::move(subscriber));
  return subscribers_.size() - 1;
}

std::optional<std::size_t> OwedDeliveries::subscriber_of(const std::string& client_id) const {
  for (std::size_t slot = 0; slot < subscribers_.size(); ++slot) {
    if (subscribers_[slot].client_id == client_id) return slot;
  }
  return std::nullopt;
}

void OwedDeliveries::watch(std::size_t slot, const std::shared_ptr<client::AsyncSession>& session) {
  taps_.push_back(std::make_unique<Tap>(*this, slot, session));
  session->connection()->set_observer(taps_.back().get());
}

void OwedDeliveries::watch_publisher(const std::shared_ptr<client::AsyncSession>& session) {
  if (!counting()) return;  // never counted again: nothing to hear
  // Amortised: a sweep only once the list has doubled since the last one, so churning devices cost O(1) each.
  if (publisher_taps_.size() >= 2 * std::max<std::size_t>(publisher_taps_swept_, 32)) {
    std::erase_if(publisher_taps_, [](const auto& tap) { return tap->gone(); });
    publisher_taps_swept_ = publisher_taps_.size();
  }
  publisher_taps_.push_back(std::make_unique<PublisherTap>(*this, session));
  session->connection()->set_observer(publisher_taps_.back().get());
}

void OwedDeliveries::subscribed(std::size_t slot, bool session_present, std::span<const std::uint8_t> return_codes) {
  Subscriber& subscriber = subscribers_[slot];
  // What the broker holds for each filter: a lower grant is legal (deliveries at min(published, granted)), a
  // refused filter gets nothing. A code that is neither (a malformed SUBACK, the model's to judge) keeps the request.
  for (std::size_t index = 0; index < subscriber.filters.size(); ++index) {
    Filter& filter = subscriber.filters[index];
    filter.granted = filter.requested.qos;
    if (index >= return_codes.size()) continue;
    const std::uint8_t code = return_codes[index];
    if (code <= 2) filter.granted = std::min(filter.requested.qos, static_cast<QoS>(code));
    if (code >= 0x80) filter.granted.reset();
  }
  // 5.0 Retain Handling 1 sends retained copies only for a subscription the session did not hold; 2 never does.
  const bool retained_copies =
      retained_in_fleet_ && std::any_of(subscriber.filters.begin(), subscriber.filters.end(), [&](const Filter& filter) {
        const std::uint8_t handling = filter.requested.retain_handling;
        return handling == 0 || (handling == 1 && !session_present);
      });
  const bool again = subscriber.connected_before;
  subscriber.resubscribing = false;
  if (counting()) {
    if (!subscriber.connected_before && session_present) {
      fall_back("observer " + subscriber.client_id + " found a session from before the run");
    } else if (again && subscriber.persistent && !session_present) {
      fall_back("observer " + subscriber.client_id + " lost its session: what it was owed is owed no more");
    } else if (again && !subscriber.persistent && session_present) {
      fall_back("observer " + subscriber.client_id + " asked for a clean session and found one from before");
    } else if (subscriber.connected_before && retained_copies) {
      // Subscribing again brings the retained copies, which the model holds the broker to and the count does not.
      fall_back("observer " + subscriber.client_id + " subscribed again: its retained copies are not counted");
    } else if (retained_copies && fleet_began_) {
      // Observers subscribe before the devices start; one that came later is owed the retained copies of what the
      // fleet sent so far, uncounted (and under retain-as-published they would look like forwarded ones).
      fall_back("observer " + subscriber.client_id + " subscribed after the fleet began publishing: its retained "
                "copies are not counted");
    }
  }
  if (again && !subscriber.persistent && counting()) {
    // A clean observer back: the messages in flight now may have been routed before or after its subscription.
    subscriber.unsure_in_flight = in_flight_ > 0;
    // A 5.0 will still in its delay is published to the subscribers of its moment: this one too.
    for (auto& will : delayed_wills_) {
      const auto qos_granted = granted(subscriber, will.client_id, will.topic);
      if (!qos_granted) return;
      if (std::min(will.qos, *qos_granted) == QoS::at_most_once) continue;
      ++subscriber.expected;
      will.owed_to.emplace_back(slot, subscriber.generation);
    }
  }
  subscriber.connected_before = true;
  subscriber.subscribed = true;
}

void OwedDeliveries::connected(std::size_t slot) {
  Subscriber& subscriber = subscribers_[slot];
  // Its SUBSCRIBE leaves now: until the SUBACK, a message the broker accepts may be routed to it or not.
  subscriber.resubscribing = subscriber.connected_before && !subscriber.persistent && !subscriber.subscribed;
}

void OwedDeliveries::closed(std::size_t slot) {
  Subscriber& subscriber = subscribers_[slot];
  if (subscriber.persistent) return;  // still subscribed: the broker queues what it owes for the next connection
  subscriber.subscribed = false;
  subscriber.resubscribing = false;
  if (!counting()) return;
  if (subscriber.received > subscriber.expected + subscriber.may) {
    fall_back("observer " + subscriber.client_id + " received more QoS 1 and 2 messages than the fleet expected");
    return;
  }
  // Its session ended with the connection: what it was still owed is owed no more, and what the broker publishes
  // while it is away never will be (a clean session holds nothing for the next connection).
  subscriber.expected = 0;
  subscriber.received = 0;
  subscriber.may = 0;
  subscriber.unsure_in_flight = false;
  ++subscriber.generation;
}

void OwedDeliveries::received(std::size_t slot, const Publish& header) {
  if (!counting() || header.qos == QoS::at_most_once) return;
  Subscriber& subscriber = subscribers_[slot];
  // Under retain-as-published a forwarded copy of a retained message keeps RETAIN 1. Before the fleet sent anything
  // such a copy can only be a retained one left by an earlier run (same namespace); as its like may also come
  // later, when it would pass for a forwarded one, that run is not counted.
  const bool forwarded_retained = retained_in_fleet_ && subscriber.retain_as_published;
  if (header.retain && forwarded_retained && !fleet_began_ && subscriber.retained_on_subscribe) {
    fall_back("observer " + subscriber.client_id + " got retained copies from before the run: with retain-as-"
              "published they look like forwarded ones");
    return;
  }
  if (header.dup) {
    ++duplicates_;  // a re-send: its first copy may have been counted already
  } else if (header.retain && !(forwarded_retained && fleet_began_)) {
    ++retained_;  // a retained copy on subscribing, not a forwarded message
  } else {
    ++subscriber.received;
  }
}

void OwedDeliveries::sent(QoS qos) {
  if (qos == QoS::at_most_once) return;
  ++in_flight_;
  fleet_began_ = true;
}

std::optional<QoS> OwedDeliveries::granted(const Subscriber& subscriber, const std::string& publisher,
                                           const std::string& topic) {
  int matching = 0;
  QoS best = QoS::at_most_once;
  for (const auto& filter : subscriber.filters) {
    if (!filter.granted) continue;  // refused by its SUBACK: the broker holds no such subscription
    if (filter.requested.no_local && publisher == subscriber.client_id) continue;  // 5.0: not sent back to itself
    if (!topic::matches(filter.requested.filter, topic)) continue;
    ++matching;
    best = std::max(best, *filter.granted);
  }
  if (matching > 1) {
    // A broker may send one copy or one per subscription: the count cannot say which.
    fall_back("observer " + subscriber.client_id + " has overlapping subscriptions matching " + topic);
    return std::nullopt;
  }
  return best;
}

void OwedDeliveries::settle_in_flight(QoS qos) {
  if (qos == QoS::at_most_once) return;
  if (in_flight_ > 0) --in_flight_;
  if (in_flight_ > 0) return;
  for (auto& subscriber : subscribers_) subscriber.unsure_in_flight = false;
}

void OwedDeliveries::not_sent(QoS qos) { settle_in_flight(qos); }

void OwedDeliveries::accepted(const std::string& publisher, const std::string& topic, QoS qos) {
  if (refusing_) {
    settle_in_flight(qos);
    ++refused_;  // the PUBACK a publisher tap is handing on refused it: nothing is owed for it
    return;
  }
  if (counting()) {
    for (auto& subscriber : subscribers_) {
      if (!subscriber.subscribed && !subscriber.resubscribing) continue;
      const auto qos_granted = granted(subscriber, publisher, topic);
      if (!qos_granted) break;
      if (std::min(qos, *qos_granted) == QoS::at_most_once) continue;
      // Maybe one of the messages in flight when it subscribed again: routed before or after the subscription.
      const bool unsure = subscriber.resubscribing || subscriber.unsure_in_flight;
      ++(unsure ? subscriber.may : subscriber.expected);
    }
  }
  settle_in_flight(qos);  // answered: no longer in flight
}

void OwedDeliveries::unanswered(const std::string& topic, QoS qos) {
  settle_in_flight(qos);
  if (!counting() || qos == QoS::at_most_once) return;
  for (const auto& subscriber : subscribers_) {
    const auto qos_granted = granted(subscriber, std::string(), topic);
    if (!qos_granted) return;
    if (subscriber.subscribed && *qos_granted != QoS::at_most_once) {
      fall_back("a QoS " + std::to_string(static_cast<int>(qos)) + " message to " + topic +
                " was never acknowledged: the broker may or may not owe it");
      return;
    }
  }
}

void OwedDeliveries::answered(const std::string& publisher, const std::string& topic, QoS qos,
                              const client::RequestResult& result) {
  if (result.withheld) return not_sent(qos);
  if (!result.ok()) return unanswered(topic, qos);
  // A refused QoS 2 flow ends at its PUBREC (no PUBREL); a later PUBCOMP code (0x92) comes after the acceptance.
  const auto* puback = result.reply ? std::get_if<Puback>(&*result.reply) : nullptr;
  const auto* pubrec = result.reply ? std::get_if<Pubrec>(&*result.reply) : nullptr;
  if ((puback != nullptr && puback->reason_code >= 0x80) || (pubrec != nullptr && pubrec->reason_code >= 0x80)) {
    settle_in_flight(qos);
    ++refused_;
    return;
  }
  accepted(publisher, topic, qos);
}

std::optional<std::uint64_t> OwedDeliveries::owed(Clock::time_point now, Clock::time_point run_end) {
  if (!fallback_.empty()) return std::nullopt;
  settle_delayed_wills(now, run_end);
  if (!fallback_.empty()) return std::nullopt;
  // Messages still waiting for their acknowledgement may be owed: they keep the drain going until answered.
  std::uint64_t owed = in_flight_;
  const Subscriber* unsure = nullptr;
  for (const auto& subscriber : subscribers_) {
    if (subscriber.received > subscriber.expected + subscriber.may) {
      fall_back("observer " + subscriber.client_id + " received more QoS 1 and 2 messages than the fleet expected");
      return std::nullopt;
    }
    // What it received may count deliveries that need not come: what is owed is at least the rest.
    if (subscriber.received < subscriber.expected) owed += subscriber.expected - subscriber.received;
    else if (subscriber.received < subscriber.expected + subscriber.may && unsure == nullptr) unsure = &subscriber;
  }
  uncertain_.clear();
  if (owed == 0 && unsure != nullptr) {
    // All it is owed may be in, or a delivery that need not come may stand in for one that must: quiet decides.
    uncertain_ = "observer " + unsure->client_id + " may still get " +
                 std::to_string(unsure->expected + unsure->may - unsure->received) +
                 " deliveries that need not come (wills of connections a fault hit or whose CONNACK never came, "
                 "messages in flight while it subscribed again), and cannot tell them from owed ones";
    return std::nullopt;
  }
  return owed;
}

void OwedDeliveries::fall_back(std::string reason) {
  if (fallback_.empty() && !frozen_) fallback_ = std::move(reason);
}

nlohmann::json OwedDeliveries::to_json() const {
  nlohmann::json json = {{"counting", fallback_.empty() ? "exact" : "quiet-rule"},
                         {"duplicates_not_counted", duplicates_},
                         {"retained_not_counted", retained_},
                         {"refused_not_owed", refused_},
                         {"wills_owed", wills_owed_}};
  if (!uncertain_.empty()) json["uncertain"] = uncertain_;
  if (!fallback_.empty()) {
    json["fallback"] = fallback_;
    return json;
  }
  // Who is still owed what, for the warning of a drain that ran to its limit (results/run_warnings.cpp); the
  // first few observers only, so a fleet of many observers keeps its figures short.
  constexpr std::size_t named = 8;
  nlohmann::json owed_to = nlohmann::json::object();
  for (const auto& subscriber : subscribers_) {
    if (subscriber.expected <= subscriber.received || owed_to.size() == named) continue;
    owed_to[subscriber.client_id] = subscriber.expected - subscriber.received;
  }
  if (!owed_to.empty()) json["owed_to"] = std::move(owed_to);
  if (in_flight_ > 0) json["awaiting_acknowledgement"] = in_flight_;
  if (!delayed_wills_.empty()) json["wills_pending"] = delayed_wills_.size();
  return json;
}

}  // namespace mqtt::simulator
