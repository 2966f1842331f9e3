#include "simulator/owed_deliveries.hpp"

#include <algorithm>

#include "client/async_connection.hpp"
#include "client/async_session.hpp"
#include "model/topic.hpp"

namespace mqtt::simulator {

// Sits between an observer's connection and its session: counts each PUBLISH, then hands every packet on. The
// session is held weakly: a connection may outlive it (the session no longer clears a tap from the connection).
class OwedDeliveries::Tap : public client::ConnectionObserver {
 public:
  Tap(OwedDeliveries& owner, std::size_t slot, const std::shared_ptr<client::AsyncSession>& session)
      : owner_(owner), slot_(slot), session_(session), next_(session->connection()->observer()) {}

  void on_packet(const Packet& packet) override {
    if (const auto* publish = std::get_if<Publish>(&packet)) owner_.received(slot_, *publish);
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

OwedDeliveries::OwedDeliveries(const FleetSpec& spec, std::uint32_t shard_count) {
  // Each of these can bring an observer deliveries the fleet does not account for, or take from it deliveries
  // the fleet counts on, without the counters noticing.
  if (shard_count > 1) fall_back("a sharded run: the other shards' messages are not counted here");
  for (const auto& fault : spec.faults) {
    if (fault.kind == FaultKind::broker_restart) fall_back("a broker restart may lose what the broker held");
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
  for (auto subscription : group.subscriptions) {
    subscription.filter = expand_placeholders(subscription.filter, group.name, identity.n, identity.client_id);
    if (subscription.filter.rfind("$share/", 0) == 0) {
      fall_back("observer " + identity.client_id + " has a shared subscription (one member of the group gets it)");
    }
    subscriber.subscriptions.push_back(std::move(subscription));
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

void OwedDeliveries::subscribed(std::size_t slot, bool session_present) {
  Subscriber& subscriber = subscribers_[slot];
  if (counting()) {
    if (!subscriber.connected_before && session_present) {
      fall_back("observer " + subscriber.client_id + " found a session from before the run");
    } else if (subscriber.connected_before && !session_present) {
      fall_back("observer " + subscriber.client_id + " lost its session: what it was owed is owed no more");
    } else if (subscriber.connected_before && retained_in_fleet_) {
      // Subscribing again brings the retained copies, which the model holds the broker to and the count does not.
      fall_back("observer " + subscriber.client_id + " subscribed again: its retained copies are not counted");
    }
  }
  subscriber.connected_before = true;
  subscriber.subscribed = true;
}

void OwedDeliveries::closed(std::size_t slot) {
  Subscriber& subscriber = subscribers_[slot];
  if (subscriber.persistent) return;  // still subscribed: the broker queues what it owes for the next connection
  subscriber.subscribed = false;
  if (counting() && subscriber.connected_before) {
    fall_back("observer " + subscriber.client_id + " lost its clean session: what it was owed is owed no more");
  }
}

void OwedDeliveries::received(std::size_t slot, const Publish& header) {
  if (!counting() || header.qos == QoS::at_most_once) return;
  if (header.dup) {
    ++duplicates_;  // a re-send: its first copy may have been counted already
  } else if (header.retain) {
    ++retained_;  // a retained copy on subscribing, not a forwarded message
  } else {
    ++subscribers_[slot].received;
  }
}

void OwedDeliveries::sent(QoS qos) {
  if (qos != QoS::at_most_once) ++in_flight_;
}

std::optional<QoS> OwedDeliveries::granted(const Subscriber& subscriber, const std::string& publisher,
                                           const std::string& topic) {
  int matching = 0;
  QoS best = QoS::at_most_once;
  for (const auto& subscription : subscriber.subscriptions) {
    if (subscription.no_local && publisher == subscriber.client_id) continue;  // 5.0: not sent back to itself
    if (!topic::matches(subscription.filter, topic)) continue;
    ++matching;
    best = std::max(best, subscription.qos);
  }
  if (matching > 1) {
    // A broker may send one copy or one per subscription: the count cannot say which.
    fall_back("observer " + subscriber.client_id + " has overlapping subscriptions matching " + topic);
    return std::nullopt;
  }
  return best;
}

void OwedDeliveries::not_sent(QoS qos) {
  if (qos != QoS::at_most_once && in_flight_ > 0) --in_flight_;
}

void OwedDeliveries::accepted(const std::string& publisher, const std::string& topic, QoS qos) {
  not_sent(qos);  // answered: no longer in flight
  if (!counting()) return;
  for (auto& subscriber : subscribers_) {
    if (!subscriber.subscribed) continue;
    const auto qos_granted = granted(subscriber, publisher, topic);
    if (!qos_granted) return;
    if (std::min(qos, *qos_granted) != QoS::at_most_once) ++subscriber.expected;
  }
}

void OwedDeliveries::unanswered(const std::string& topic, QoS qos) {
  not_sent(qos);
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

void OwedDeliveries::will(const std::string& topic, QoS qos) {
  if (!counting() || qos == QoS::at_most_once) return;
  for (const auto& subscriber : subscribers_) {
    const auto qos_granted = granted(subscriber, std::string(), topic);
    if (!qos_granted) return;
    if (*qos_granted != QoS::at_most_once) {
      fall_back("wills to " + topic + " reach observer " + subscriber.client_id + " (the broker picks the moment)");
      return;
    }
  }
}

std::optional<std::uint64_t> OwedDeliveries::owed() {
  if (!fallback_.empty()) return std::nullopt;
  // Messages still waiting for their acknowledgement may be owed: they keep the drain going until answered.
  std::uint64_t owed = in_flight_;
  for (const auto& subscriber : subscribers_) {
    if (subscriber.received > subscriber.expected) {
      fall_back("observer " + subscriber.client_id + " received more QoS 1 and 2 messages than the fleet expected");
      return std::nullopt;
    }
    owed += subscriber.expected - subscriber.received;
  }
  return owed;
}

void OwedDeliveries::fall_back(std::string reason) {
  if (fallback_.empty() && !frozen_) fallback_ = std::move(reason);
}

nlohmann::json OwedDeliveries::to_json() const {
  nlohmann::json json = {{"counting", fallback_.empty() ? "exact" : "quiet-rule"},
                         {"duplicates_not_counted", duplicates_},
                         {"retained_not_counted", retained_}};
  if (!fallback_.empty()) json["fallback"] = fallback_;
  return json;
}

}  // namespace mqtt::simulator
