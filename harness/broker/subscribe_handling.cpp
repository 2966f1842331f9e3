// SUBSCRIBE and UNSUBSCRIBE: grants, 5.0 subscription options and identifiers, shared subscriptions, the retained
// messages a new subscription is owed (Retain Handling), and the answers.
#include "broker/core.hpp"

#include <algorithm>

#include "broker/message_properties.hpp"
#include "broker/mqtt5_reason_codes.hpp"
#include "model/topic.hpp"

namespace mqtt::broker {

namespace {
QoS lower(QoS a, QoS b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }
}  // namespace

Properties Connection::acknowledgement_properties(std::span<const std::uint8_t> codes) const {
  // The defect adds a Reason String even to a client that asked for none with Request Problem Information 0
  // [MQTT-3.1.2-29].
  Properties properties;
  if (is_v5() && core_->has(Defect::reason_string_unrequested)) {
    add_property(properties, PropertyId::reason_string, std::string("processed"));
    return properties;
  }
  add_problem_information(properties, PacketType::suback, codes);
  return properties;
}

void Connection::handle_subscribe(const Subscribe& subscribe) {
  Broker::Core& core = *core_;
  std::optional<std::uint32_t> identifier;
  if (is_v5()) {
    // A SUBSCRIBE asking for what the CONNACK said is not available is a protocol error, answered with DISCONNECT
    // and its own reason code (3.2.2.3.11 to 3.2.2.3.13); nothing of it is applied.
    const Mqtt5Capabilities& capabilities = core.options.mqtt5;
    identifier = find_u32(subscribe.properties, PropertyId::subscription_identifier);
    if (identifier && !capabilities.subscription_identifier_available) {
      disconnect(reason::subscription_identifiers_not_supported, CloseReason::protocol_error);
      return;
    }
    for (const Subscription& subscription : subscribe.subscriptions) {
      if (is_shared_filter(subscription.filter) && !capabilities.shared_subscription_available) {
        disconnect(reason::shared_subscriptions_not_supported, CloseReason::protocol_error);
        return;
      }
      if (topic::has_wildcard(subscription.filter) && !capabilities.wildcard_subscription_available) {
        disconnect(reason::wildcard_subscriptions_not_supported, CloseReason::protocol_error);
        return;
      }
    }
  }
  struct RetainedOwed {
    std::string filter;
    SubscriptionOptions options;
  };
  std::vector<RetainedOwed> retained_owed;
  std::vector<std::uint8_t> return_codes;
  for (const Subscription& subscription : subscribe.subscriptions) {
    // "$share/..." is a shared subscription for 5.0 clients only; to 3.1.1 it is an ordinary '$' filter.
    const bool shared = is_v5() && is_shared_filter(subscription.filter);
    const auto parsed = shared ? parse_shared_filter(subscription.filter) : std::nullopt;
    // A view of `parsed->filter` itself: `parsed ? parsed->filter : ""` would be a temporary string the view
    // outlives (long filters then read freed memory and were refused with 0x8F).
    const std::string_view matching_filter =
        shared ? (parsed ? std::string_view(parsed->filter) : std::string_view()) : std::string_view(subscription.filter);
    if ((shared && !parsed) || !topic::is_valid_filter(matching_filter)) {
      if (version_ == ProtocolVersion::v3_1) {
        close(CloseReason::protocol_error);  // 3.1 has no failure return code
        return;
      }
      return_codes.push_back(is_v5() ? reason::topic_filter_invalid : 0x80);
      continue;
    }
    // The defect refuses what a server below Maximum QoS 2 must still accept, granted at its maximum
    // [MQTT-3.2.2-10].
    if (is_v5() && core.has(Defect::qos_2_subscription_refused) && subscription.qos == QoS::exactly_once) {
      return_codes.push_back(reason::unspecified_error);
      continue;
    }
    const QoS granted = lower(subscription.qos, core.maximum_grant(version_));
    const SubscriptionOptions options{granted, subscription.no_local, subscription.retain_as_published, identifier};
    if (shared) {
      // A member of the group; a repeated SUBSCRIBE only updates its options. No retained messages (4.8.2).
      core.shared.join(subscription.filter, client_id_);
      session_->shared_subscriptions()[subscription.filter] = options;
    } else {
      auto [entry, inserted] = session_->subscriptions().try_emplace(subscription.filter, options);
      if (!inserted && !core.has(Defect::subscription_not_replaced)) entry->second = options;  // [MQTT-3.8.4-3]
      // Retain Handling (always 0 in 3.1.1): 0 sends the retained messages [MQTT-3.3.1-9], 1 only to a subscription
      // that did not exist [MQTT-3.3.1-10], 2 never [MQTT-3.3.1-11].
      const std::uint8_t handling = subscription.retain_handling;
      // Retain Handling 0 re-sends them when the SUBSCRIBE replaces a subscription [MQTT-3.8.4-4].
      const bool replacement_skipped =
          !inserted && is_v5() && core.has(Defect::retained_not_resent_on_replacement);
      const bool sends = (handling == 0 && !replacement_skipped) ||
                         (handling == 1 && (inserted || core.has(Defect::retain_handling_1_resends))) ||
                         (handling == 2 && core.has(Defect::retain_handling_2_ignored));
      if (sends) retained_owed.push_back(RetainedOwed{subscription.filter, options});
    }
    // In a SUBSCRIBE of three filters or more the defect claims QoS 2 for a QoS 1 grant: a code that is not the QoS
    // granted [MQTT-3.8.4-7].
    const bool overstated = is_v5() && core.has(Defect::suback_grants_above_request) &&
                            subscribe.subscriptions.size() > 2 && granted == QoS::at_least_once;
    return_codes.push_back(overstated ? std::uint8_t{2} : static_cast<std::uint8_t>(granted));
  }
  if (core.has(Defect::suback_wrong_count) && return_codes.size() > 1) return_codes.pop_back();
  Properties suback_properties = acknowledgement_properties(return_codes);
  Suback suback{version_, subscribe.packet_id, std::move(return_codes), std::move(suback_properties)};
  if (core.varies(Variation::publish_before_suback)) {
    // Matching PUBLISH packets may precede the SUBACK (3.8.4): retained ones now, live ones while it is held.
    for (const auto& owed : retained_owed) core.send_retained(*session_, owed.filter, owed.options);
    hold(std::move(suback));
    return;
  }
  send(suback);
  for (const auto& owed : retained_owed) core.send_retained(*session_, owed.filter, owed.options);
}

void Connection::handle_unsubscribe(const Unsubscribe& unsubscribe) {
  Broker::Core& core = *core_;
  bool any_removed = false;
  std::vector<std::uint8_t> reason_codes;  // 5.0: one per filter, 0x00 or 0x11 (No subscription existed)
  for (const std::string& filter : unsubscribe.filters) {
    bool existed = false;
    if (is_v5() && is_shared_filter(filter)) {
      // Leaves the shared subscription; the group ends with its last member (3.10.4).
      existed = session_->shared_subscriptions().contains(filter);
      if (existed && !core.has(Defect::unsubscribe_ignored)) {
        session_->shared_subscriptions().erase(filter);
        core.shared.leave(filter, client_id_);
      }
    } else if (core.has(Defect::unsubscribe_ignored)) {
      existed = session_->subscriptions().contains(filter);
    } else {
      existed = session_->subscriptions().erase(filter) > 0;  // [MQTT-3.10.4-1]
    }
    any_removed = any_removed || existed;
    reason_codes.push_back(existed ? reason::success : reason::no_subscription_existed);
  }
  if (!any_removed && core.has(Defect::no_unsuback_when_unmatched)) return;
  if (!is_v5()) reason_codes.clear();
  if (core.has(Defect::unsuback_codes_reversed)) std::reverse(reason_codes.begin(), reason_codes.end());  // [MQTT-3.11.3-1]
  // [MQTT-3.10.4-4], [MQTT-3.10.4-5]
  Properties unsuback_properties = acknowledgement_properties(reason_codes);
  Unsuback unsuback{version_, unsubscribe.packet_id, std::move(reason_codes), std::move(unsuback_properties)};
  if (core.varies(Variation::late_unsuback)) {
    hold(std::move(unsuback));  // delivery on the deleted filters has stopped already
  } else {
    send(unsuback);
  }
}

}  // namespace mqtt::broker
