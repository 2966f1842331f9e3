// How long a session lasts after its connection (Session Expiry Interval), when a will is published (Will Delay
// Interval), ending a session, and handing shared-subscription messages of a lost member to another member.
#include "broker/core.hpp"

#include <algorithm>

namespace mqtt::broker {

namespace asio = boost::asio;

namespace {
QoS lower(QoS a, QoS b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }
}  // namespace

void Broker::Core::at(Clock::time_point when, std::function<void()> action) {
  if (stopping) return;
  const std::uint64_t id = ++timer_serials_;
  auto timer = std::make_shared<asio::steady_timer>(*io_context, when);
  timers_.emplace(id, timer);
  timer->async_wait([self = shared_from_this(), id, action = std::move(action)](boost::system::error_code error) {
    self->timers_.erase(id);
    if (error || self->stopping) return;
    action();
  });
}

void Broker::Core::session_went_offline(Session& session, ProtocolVersion version) {
  const bool v5 = version == ProtocolVersion::v5;
  const bool ends_now = session.ends_with_connection() || (v5 && has(Defect::session_discarded_despite_expiry));
  if (ends_now) {
    end_session(session.client_id());  // [MQTT-3.1.2-23]: only a session with expiry 0 ends with its connection
    return;
  }
  // A shared-subscription member that lost its connection: its unacknowledged QoS 1 messages may go to another
  // member at once (4.8.2), or wait for it to come back until its session ends (shared-redispatch-on-session-end).
  if (!varies(Variation::shared_redispatch_on_session_end)) redispatch_shared(session, false);
  if (session.expiry_interval() == session_never_expires) return;
  if (v5 && has(Defect::session_kept_after_expiry)) return;
  const auto due = Clock::now() + std::chrono::seconds(session.expiry_interval());
  session.expires_at() = due;
  at(due, [this, client_id = session.client_id(), serial = session.serial(), due] {
    const auto found = sessions.find(client_id);
    if (found == sessions.end() || found->second->serial() != serial) return;
    if (online.contains(client_id) || found->second->expires_at() != due) return;  // resumed meanwhile
    end_session(client_id);  // [MQTT-4.1.0-2]
  });
}

void Broker::Core::session_resumed(Session& session) {
  session.expires_at().reset();
  // A new connection for the session before the Will Delay Interval passed: no will [MQTT-3.1.3-9].
  session.pending_will().reset();
}

void Broker::Core::end_session(const std::string& client_id) {
  const auto found = sessions.find(client_id);
  if (found == sessions.end()) return;
  Session& session = *found->second;
  for (const auto& [shared_filter, membership] : session.shared_subscriptions()) shared.leave(shared_filter, client_id);
  redispatch_shared(session, true);
  std::optional<PendingWill> will = std::move(session.pending_will());
  sessions.erase(found);
  statistics.sessions = sessions.size();
  // The will waits for its delay or the end of the session, whichever comes first [MQTT-3.1.2-8].
  if (will) publish_will(will->message);
}

void Broker::Core::publish_will(const std::shared_ptr<Message>& will) {
  will->received_at = Clock::now();  // its Message Expiry Interval counts from publication (3.1.3.2.4)
  publish(will);
}

void Broker::Core::delay_will(Session& session, std::shared_ptr<Message> will, std::uint32_t delay_seconds) {
  const auto due = Clock::now() + std::chrono::seconds(delay_seconds);
  const Message* identity = will.get();
  session.pending_will() = PendingWill{std::move(will), due};
  at(due, [this, client_id = session.client_id(), serial = session.serial(), identity] {
    const auto found = sessions.find(client_id);
    if (found == sessions.end() || found->second->serial() != serial) return;
    auto& pending = found->second->pending_will();
    if (!pending || pending->message.get() != identity) return;  // resumed, or ended, meanwhile
    std::shared_ptr<Message> message = std::move(pending->message);
    pending.reset();
    publish_will(message);
  });
}

void Broker::Core::redispatch_shared(Session& session, bool session_ending) {
  // QoS 1 may go to another member; QoS 2 must be completed with the member that started it and never sent to
  // another one [MQTT-4.8.2-4, MQTT-4.8.2-5] (the shared-qos2-sent-to-another-member defect does).
  const auto moves = [&](const Delivery& delivery, bool started_qos2) {
    if (delivery.shared_group.empty() || !delivery.message) return false;
    if (delivery.qos == QoS::at_least_once) return true;
    return delivery.qos == QoS::exactly_once && started_qos2 && session_ending &&
           has(Defect::shared_qos2_sent_to_another_member);
  };
  const auto has_other_member = [&](const std::string& group) {
    const auto* members = shared.members(group);
    return members != nullptr &&
           std::any_of(members->begin(), members->end(),
                       [&](const std::string& member) { return member != session.client_id(); });
  };
  // The shared-qos2-copied-on-connection-loss defect hands a copy to another member and keeps the original, so
  // the member still completes it on reconnect: the copy alone breaks MQTT-4.8.2-4.
  const auto copied = [&](const Delivery& delivery) {
    return !session_ending && has(Defect::shared_qos2_copied_on_connection_loss) && !delivery.shared_group.empty() &&
           delivery.message && delivery.qos == QoS::exactly_once;
  };
  std::vector<Delivery> moving;
  auto& in_flight = session.in_flight();
  for (auto entry = in_flight.begin(); entry != in_flight.end();) {
    const bool unacknowledged = entry->stage != InFlight::Stage::awaiting_pubcomp;
    if (unacknowledged && moves(entry->delivery, true) && has_other_member(entry->delivery.shared_group)) {
      moving.push_back(std::move(entry->delivery));
      entry = in_flight.erase(entry);
    } else {
      if (unacknowledged && copied(entry->delivery) && has_other_member(entry->delivery.shared_group)) {
        moving.push_back(entry->delivery);
      }
      ++entry;
    }
  }
  auto& queue = session.queue();
  for (auto entry = queue.begin(); entry != queue.end();) {
    if (entry->qos == QoS::at_least_once && moves(*entry, false) && has_other_member(entry->shared_group)) {
      moving.push_back(std::move(*entry));
      entry = queue.erase(entry);
    } else {
      ++entry;
    }
  }
  for (Delivery& delivery : moving) hand_to_another_member(session.client_id(), std::move(delivery));
}

void Broker::Core::hand_to_another_member(const std::string& from_client_id, Delivery delivery) {
  const auto chosen = shared.choose(delivery.shared_group, shared_distribution(),
                                    [this](const std::string& client_id) { return online.contains(client_id); },
                                    from_client_id);
  if (!chosen) return;
  const auto member = sessions.find(*chosen);
  if (member == sessions.end()) return;
  const auto membership = member->second->shared_subscriptions().find(delivery.shared_group);
  if (membership == member->second->shared_subscriptions().end()) return;
  const SubscriptionOptions& options_of_member = membership->second;
  delivery.qos = has(Defect::shared_grant_ignored) ? delivery.message->qos
                                                   : lower(delivery.message->qos, options_of_member.qos);
  delivery.retain = options_of_member.retain_as_published && delivery.message->retain;
  delivery.subscription_identifiers.clear();
  if (options_of_member.identifier && !has(Defect::subscription_identifier_missing)) {
    delivery.subscription_identifiers.push_back(*options_of_member.identifier);
  }
  deliver(*member->second, std::move(delivery));
}

}  // namespace mqtt::broker
