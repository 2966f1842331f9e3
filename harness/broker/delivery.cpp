// Routing an application message to sessions, the retained store, session queues and flow control.
#include "broker/core.hpp"

#include <algorithm>

#include "broker/message_properties.hpp"
#include "broker/routing.hpp"

namespace mqtt::broker {

namespace asio = boost::asio;

namespace {
QoS lower(QoS a, QoS b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }
}  // namespace

bool Broker::Core::publish(const std::shared_ptr<const Message>& message) {
  store_retained(message);
  bool matched = false;
  for (auto& [client_id, session] : sessions) matched = route(message, *session) || matched;
  const auto groups = shared.matching(
      [&](std::string_view filter) { return filter_matches(filter, message->topic, options.defects); });
  for (const std::string& group : groups) route_shared(message, group);
  return matched || !groups.empty();
}

bool Broker::Core::has_subscriber(const std::string& topic) const {
  for (const auto& [client_id, session] : sessions) {
    if (!matching_subscriptions(session->subscriptions(), topic, options.defects).empty()) return true;
  }
  return !shared.matching([&](std::string_view filter) { return filter_matches(filter, topic, options.defects); })
              .empty();
}

void Broker::Core::store_retained(const std::shared_ptr<const Message>& message) {
  if (!message->retain || has(Defect::retain_ignored) || !options.mqtt5.retain_available) return;
  if (message->payload.empty()) {
    if (!has(Defect::retain_not_deleted_by_empty)) retained.erase(message->topic);  // [MQTT-3.3.1-10], [MQTT-3.3.1-11]
  } else if (message->qos == QoS::at_most_once && varies(Variation::retained_qos0_discarded)) {
    retained.erase(message->topic);  // [MQTT-3.3.1-7]: the old one must go; keeping the new one is optional
  } else {
    retained[message->topic] = message;  // [MQTT-3.3.1-5]
  }
  statistics.retained_messages = retained.size();
}

bool Broker::Core::route(const std::shared_ptr<const Message>& message, Session& session) {
  auto matches = matching_subscriptions(session.subscriptions(), message->topic, options.defects);
  // No Local: never back to the connection that published it [MQTT-3.8.3-3].
  if (!has(Defect::no_local_ignored)) {
    std::erase_if(matches, [&](const SubscriptionMatch& match) {
      return match.options->no_local && message->publisher == session.client_id();
    });
  }
  if (matches.empty()) return false;
  // The RETAIN flag on an established subscription: 0 [MQTT-3.3.1-9 (3.1.1), MQTT-3.3.1-12 (5.0)], or as
  // published with Retain As Published [MQTT-3.3.1-13].
  const auto retain_flag = [&](bool retain_as_published) {
    if (has(Defect::retain_flag_on_existing_subscription)) return message->retain;
    return retain_as_published && !has(Defect::retain_as_published_ignored) && message->retain;
  };
  const auto identifiers_of = [&](const std::vector<SubscriptionMatch>& of) {
    std::vector<std::uint32_t> identifiers;
    if (has(Defect::subscription_identifier_missing)) return identifiers;
    for (const SubscriptionMatch& match : of) {
      if (match.options->identifier) identifiers.push_back(*match.options->identifier);
    }
    // The defects keep the first identifier only [MQTT-3.3.4-4, MQTT-3.3.4-5].
    if (identifiers.size() > 1 && has(Defect::overlap_identifiers_incomplete)) identifiers.resize(1);
    return identifiers;
  };
  // Overlapping subscriptions with identifiers (5.0 only): the defect sends a copy per subscription, each
  // carrying the identifier of the first match instead of its own [MQTT-3.3.4-5].
  const bool identified_overlap =
      matches.size() > 1 && std::all_of(matches.begin(), matches.end(), [](const SubscriptionMatch& match) {
        return match.options->identifier.has_value();
      });
  const bool copy_per_subscription_defect = identified_overlap && has(Defect::per_subscription_copies_same_identifier);
  // One copy at the highest matching grant carrying every matching Subscription Identifier [MQTT-3.3.5-1 (3.1.1),
  // MQTT-3.3.4-2, MQTT-3.3.4-4 (5.0)], or one per matching subscription with its own identifier (also allowed,
  // MQTT-3.3.4-5). A single copy keeps the RETAIN flag when any matching subscription has Retain As Published.
  std::vector<Delivery> copies;
  if (varies(Variation::overlap_one_copy_per_subscription) || copy_per_subscription_defect) {
    for (const SubscriptionMatch& match : matches) {
      copies.push_back(Delivery{message, match.options->qos, retain_flag(match.options->retain_as_published),
                                identifiers_of({copy_per_subscription_defect ? matches.front() : match}), {}});
    }
  } else {
    const bool any_retain_as_published = std::any_of(
        matches.begin(), matches.end(), [](const SubscriptionMatch& match) { return match.options->retain_as_published; });
    const QoS grant = has(Defect::overlap_lowest_qos) ? lowest_grant(matches) : highest_grant(matches);
    copies.push_back(Delivery{message, grant, retain_flag(any_retain_as_published),
                              identifiers_of(matches), {}});
  }
  for (Delivery& copy : copies) {
    const QoS granted = copy.qos;
    copy.qos = has(Defect::qos_not_downgraded) ? message->qos : lower(message->qos, granted);  // [MQTT-3.8.4-6]
    // QoS 1 sent at QoS 0 may arrive more than once [MQTT-3.8.4-6].
    const int times = varies(Variation::duplicate_downgraded_qos0) && message->qos == QoS::at_least_once &&
                              copy.qos == QoS::at_most_once
                          ? 2
                          : 1;
    for (int time = 0; time < times; ++time) hand_to(session, copy);
  }
  return true;
}

void Broker::Core::route_shared(const std::shared_ptr<const Message>& message, const std::string& shared_filter) {
  const auto chosen = shared.choose(shared_filter, shared_distribution(),
                                    [this](const std::string& client_id) { return online.contains(client_id); });
  if (!chosen) return;
  const auto session = sessions.find(*chosen);
  if (session == sessions.end()) return;
  const auto membership = session->second->shared_subscriptions().find(shared_filter);
  if (membership == session->second->shared_subscriptions().end()) return;
  const SubscriptionOptions& options_of_member = membership->second;
  Delivery delivery{message, message->qos, false, {}, shared_filter};
  // The member's own grant [MQTT-4.8.2-3]; its own identifier only (3.3.4).
  if (!has(Defect::shared_grant_ignored)) delivery.qos = lower(message->qos, options_of_member.qos);
  delivery.retain = options_of_member.retain_as_published && !has(Defect::retain_as_published_ignored) &&
                    message->retain;
  if (options_of_member.identifier && !has(Defect::subscription_identifier_missing)) {
    delivery.subscription_identifiers.push_back(*options_of_member.identifier);
  }
  hand_to(*session->second, std::move(delivery));
}

void Broker::Core::hand_to(Session& session, Delivery delivery) {
  if (!varies(Variation::puback_before_deliver)) {
    deliver(session, std::move(delivery));
    return;
  }
  // Matched now, written later: the publisher's PUBACK/PUBREC goes out first.
  held_forwards_.push_back(
      HeldForward{Clock::now() + variation_hold, session.client_id(), session.serial(), std::move(delivery)});
  if (held_forwards_.size() > 1) return;
  if (!forward_timer_) forward_timer_.emplace(*io_context);
  forward_timer_->expires_at(held_forwards_.front().due);
  forward_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->stopping) self->forward_due();
  });
}

void Broker::Core::forward_due() {
  const auto now = Clock::now();
  while (!held_forwards_.empty() && held_forwards_.front().due <= now) {
    HeldForward held = std::move(held_forwards_.front());
    held_forwards_.pop_front();
    // Only to the session it was routed to: a session that ended (or was replaced) gets nothing.
    const auto session = sessions.find(held.client_id);
    if (session != sessions.end() && session->second->serial() == held.session_serial) {
      deliver(*session->second, std::move(held.delivery));
    }
  }
  if (held_forwards_.empty()) return;
  forward_timer_->expires_at(held_forwards_.front().due);
  forward_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->stopping) self->forward_due();
  });
}

void Broker::Core::send_retained(Session& session, const std::string& filter, const SubscriptionOptions& options_of) {
  const auto now = Clock::now();
  for (auto entry = retained.begin(); entry != retained.end();) {
    const auto& [topic, message] = *entry;
    if (!filter_matches(filter, topic, options.defects)) {
      ++entry;
      continue;
    }
    if (expired(*message, now) && !has(Defect::expired_messages_delivered)) {
      // An expired retained message is discarded: there is no retained message for the topic any more (3.3.1.3).
      ++statistics.messages_expired;
      entry = retained.erase(entry);
      statistics.retained_messages = retained.size();
      continue;
    }
    QoS qos = has(Defect::qos_not_downgraded) ? message->qos : lower(message->qos, options_of.qos);
    if (has(Defect::retained_qos0)) qos = QoS::at_most_once;
    std::vector<std::uint32_t> identifiers;
    if (options_of.identifier && !has(Defect::subscription_identifier_missing)) {
      identifiers.push_back(*options_of.identifier);
    }
    deliver(session, Delivery{message, qos, true, std::move(identifiers), {}});  // [MQTT-3.3.1-6], [MQTT-3.3.1-8]
    ++entry;
  }
}

void Broker::Core::deliver(Session& session, Delivery delivery) {
  if (has(Defect::reorder_deliveries)) {
    // Park every other delivery and release it after the next one, or after variation_hold when no next one
    // comes: the defect swaps messages, it does not lose them.
    if (!session.held_back()) {
      const Message* parked = delivery.message.get();
      session.held_back() = std::move(delivery);
      at(Clock::now() + variation_hold, [this, client_id = session.client_id(), serial = session.serial(), parked] {
        const auto found = sessions.find(client_id);
        if (found == sessions.end() || found->second->serial() != serial) return;
        auto& held = found->second->held_back();
        if (!held || held->message.get() != parked) return;  // already released by a later delivery
        Delivery alone = std::move(*held);
        held.reset();
        deliver_now(*found->second, std::move(alone));
      });
      return;
    }
    Delivery earlier = std::move(*session.held_back());
    session.held_back().reset();
    deliver_now(session, std::move(delivery));
    deliver_now(session, std::move(earlier));
    return;
  }
  deliver_now(session, std::move(delivery));
}

void Broker::Core::deliver_now(Session& session, Delivery delivery) {
  if (expired(*delivery.message, Clock::now()) && !has(Defect::expired_messages_delivered)) {
    ++statistics.messages_expired;  // [MQTT-3.3.2-5]
    return;
  }
  Connection* connection = online_connection(session.client_id());
  if (delivery.qos == QoS::at_most_once) {
    // QoS 0 is sent if the client is online; otherwise dropped, or queued for a persistent session by the
    // queue-qos0-offline variation (3.1.2.4 allows either).
    if (connection != nullptr) {
      if (connection->fits(delivery)) {
        connection->send_publish(delivery, std::nullopt, false);
      } else {
        ++statistics.messages_dropped;  // too large for the client: discarded as if sent [MQTT-3.1.2-25]
      }
    } else if (varies(Variation::queue_qos0_offline) && !session.ends_with_connection()) {
      if (!session.enqueue(std::move(delivery), options.session_queue_limit)) ++statistics.messages_dropped;
    }
    return;
  }
  if (connection == nullptr && has(Defect::no_offline_queue)) return;
  const bool resends_waiting = std::any_of(session.in_flight().begin(), session.in_flight().end(),
                                           [](const InFlight& entry) { return entry.resend_pending; });
  if (connection != nullptr && !session.has_queued() && !resends_waiting &&
      session.in_flight_count() < options.in_flight_limit && connection->has_send_quota()) {
    if (!connection->fits(delivery)) {
      ++statistics.messages_dropped;  // [MQTT-3.1.2-25]
      return;
    }
    const InFlight& entry = session.start_in_flight(std::move(delivery));
    connection->send_publish(entry.delivery, entry.packet_id, false);
    return;
  }
  if (!session.enqueue(std::move(delivery), options.session_queue_limit)) ++statistics.messages_dropped;  // [MQTT-3.1.2-5]
}

void Broker::Core::pump(Session& session) {
  Connection* connection = online_connection(session.client_id());
  if (connection == nullptr) return;
  // First what an earlier connection left unacknowledged, in its original order [MQTT-4.4.0-1], as far as the
  // client's Receive Maximum allows [MQTT-3.3.4-9].
  auto& in_flight = session.in_flight();
  for (auto entry = in_flight.begin(); entry != in_flight.end();) {
    if (!entry->resend_pending) {
      ++entry;
      continue;
    }
    if (!connection->has_send_quota()) return;
    if (!connection->fits(entry->delivery)) {
      ++statistics.messages_dropped;  // too large for this connection's client: completed unsent [MQTT-3.1.2-25]
      entry = in_flight.erase(entry);
      continue;
    }
    entry->resend_pending = false;
    connection->send_publish(entry->delivery, entry->packet_id, !has(Defect::redelivery_without_dup));  // [MQTT-3.3.1-1]
    ++entry;
  }
  const auto now = Clock::now();
  while (session.has_queued() && session.in_flight_count() < options.in_flight_limit) {
    if (session.queue().front().qos != QoS::at_most_once && !connection->has_send_quota()) return;
    Delivery delivery = *session.dequeue();
    if (expired(*delivery.message, now) && !has(Defect::expired_messages_delivered)) {
      ++statistics.messages_expired;  // waited past its Message Expiry Interval [MQTT-3.3.2-5]
      continue;
    }
    if (!connection->fits(delivery)) {
      ++statistics.messages_dropped;  // [MQTT-3.1.2-25]
      continue;
    }
    if (delivery.qos == QoS::at_most_once) {  // queued while offline (queue-qos0-offline): no flight to track
      connection->send_publish(delivery, std::nullopt, false);
      continue;
    }
    const InFlight& entry = session.start_in_flight(std::move(delivery));
    connection->send_publish(entry.delivery, entry.packet_id, false);
  }
}

}  // namespace mqtt::broker
