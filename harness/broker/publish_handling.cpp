// PUBLISH both ways: a client's publication (Topic Alias, capability checks, QoS 1/2 answers, our Receive Maximum)
// and what the broker sends a subscriber (properties passed on, Message Expiry Interval counted down, Subscription
// Identifiers, our Topic Aliases, the client's Receive Maximum and Maximum Packet Size), with the acknowledgements
// and DISCONNECT in between.
#include "broker/core.hpp"

#include <algorithm>

#include "broker/message_properties.hpp"
#include "broker/mqtt5_reason_codes.hpp"
#include "codec/encoder.hpp"
#include "model/topic.hpp"

namespace mqtt::broker {

bool Connection::resolve_topic_alias(Publish& publish) {
  const auto alias = find_u16(publish.properties, PropertyId::topic_alias);
  if (!alias) return true;
  const std::uint16_t maximum = core_->options.mqtt5.topic_alias_maximum;
  if (*alias > maximum) {
    disconnect(reason::topic_alias_invalid, CloseReason::protocol_error);  // above what we declared (3.3.4)
    return false;
  }
  if (publish.topic.empty()) {
    const auto mapped = inbound_aliases_.find(*alias);
    // Every alias up to our maximum is accepted [MQTT-3.3.2-12]; one never set is a protocol error (3.3.4).
    if (mapped == inbound_aliases_.end() || core_->has(Defect::topic_alias_not_honoured)) {
      disconnect(reason::protocol_error, CloseReason::protocol_error);
      return false;
    }
    publish.topic = mapped->second;
  } else {
    inbound_aliases_[*alias] = publish.topic;
  }
  return true;
}

void Connection::handle_publish(Publish publish) {
  Broker::Core& core = *core_;
  if (is_v5()) {
    if (!resolve_topic_alias(publish)) return;
    if (static_cast<int>(publish.qos) > static_cast<int>(core.declared_maximum_qos())) {
      disconnect(reason::qos_not_supported, CloseReason::protocol_error);  // above the declared Maximum QoS
      return;
    }
    // The defect handles no QoS 2 yet never said so with a Maximum QoS [MQTT-3.2.2-9].
    if (publish.qos == QoS::exactly_once && core.has(Defect::maximum_qos_undeclared)) {
      disconnect(reason::qos_not_supported, CloseReason::protocol_error);
      return;
    }
    if (publish.retain && !core.declares_retain_available()) {
      disconnect(reason::retain_not_supported, CloseReason::protocol_error);  // Retain Available 0 (3.2.2.3.5)
      return;
    }
  }
  if (auto problem = topic::validate_name(publish.topic)) {
    const bool only_wildcards = core.has(Defect::accept_wildcard_publish) && topic::has_wildcard(publish.topic) &&
                                !publish.topic.empty() && publish.topic.find('\0') == std::string::npos;
    if (!only_wildcards) {
      close(CloseReason::protocol_error);  // [MQTT-3.3.2-2]
      return;
    }
  }
  const QoS qos = publish.qos;
  const std::uint16_t packet_id = publish.packet_id.value_or(0);
  if (is_v5() && qos == QoS::exactly_once && !incoming_qos2_.contains(packet_id)) {
    // More unacknowledged QoS 2 PUBLISHes than the Receive Maximum we declared (3.3.4): DISCONNECT 0x93.
    if (incoming_qos2_.size() >= core.declared_receive_maximum()) {
      disconnect(reason::receive_maximum_exceeded, CloseReason::protocol_error);
      return;
    }
    incoming_qos2_.insert(packet_id);
  }
  auto message = std::make_shared<Message>();
  message->topic = std::move(publish.topic);
  message->payload = std::move(publish.payload);
  message->qos = qos;
  message->retain = publish.retain;
  message->dup = publish.dup;
  if (is_v5()) {
    message->properties = forwarded_properties(publish.properties);
    message->expiry_interval = find_u32(publish.properties, PropertyId::message_expiry_interval);
  }
  message->received_at = Clock::now();
  message->publisher = client_id_;
  const std::shared_ptr<const Message> routed = message;
  // 0x10 when nobody subscribed, under no-matching-subscribers-reason; decided before routing, since
  // puback-before-deliver answers first.
  const std::uint8_t reason_code =
      is_v5() && core.varies(Variation::no_matching_subscribers_reason) && !core.has_subscriber(message->topic)
          ? reason::no_matching_subscribers
          : reason::success;
  // By default a message is forwarded first and acknowledged after; puback-before-deliver answers first (and
  // routing holds the forwarded copies back a little, so subscribers see them after the acknowledgement).
  const bool acknowledge_first = core.varies(Variation::puback_before_deliver);
  switch (qos) {
    case QoS::at_most_once:
      core.publish(routed);
      break;
    case QoS::at_least_once: {
      const auto acknowledge = [&] {
        if (!core.has(Defect::no_puback)) send_acknowledgement(PacketType::puback, packet_id, reason_code);  // [MQTT-4.3.2-2]
      };
      // After our PUBACK the id belongs to a new message [MQTT-4.3.2-5]; the defect takes it for a repeat.
      const bool taken_for_repeat = is_v5() && core.has(Defect::reused_qos1_id_dropped) &&
                                    last_acknowledged_qos1_id_ == packet_id;
      last_acknowledged_qos1_id_ = packet_id;
      if (acknowledge_first) acknowledge();
      if (taken_for_repeat) {
        // acknowledged, not forwarded
      } else if (core.has(Defect::drop_qos1_delivery)) {
        core.store_retained(routed);  // the defect loses the forwarding, nothing else
      } else {
        core.publish(routed);
      }
      if (!acknowledge_first) acknowledge();
      break;
    }
    case QoS::exactly_once: {
      // Forwarded on first receipt (method B of 4.3.3), or on PUBREL (method A, qos2-deliver-on-pubrel); the id
      // is remembered until PUBREL so a re-send is not forwarded twice.
      // After our PUBCOMP the id belongs to a new message [MQTT-4.3.3-12]; the defect takes it for a repeat.
      const bool taken_for_repeat = is_v5() && core.has(Defect::reused_qos2_id_dropped) &&
                                    last_completed_qos2_id_ == packet_id;
      const bool first_receipt = session_->receive_qos2(packet_id) && !taken_for_repeat;
      std::uint16_t answer_id = packet_id;
      if (core.has(Defect::pubrec_wrong_id)) answer_id = static_cast<std::uint16_t>(packet_id == 0xFFFF ? 1 : packet_id + 1);
      const auto acknowledge = [&] { send_acknowledgement(PacketType::pubrec, answer_id, reason_code); };
      if (acknowledge_first) acknowledge();
      if (core.varies(Variation::qos2_deliver_on_pubrel)) {
        if (first_receipt) session_->hold_qos2(packet_id, routed);
      } else if (first_receipt || core.has(Defect::duplicate_qos2_delivery)) {
        core.publish(routed);  // [MQTT-4.3.3-2]
      }
      if (!acknowledge_first) acknowledge();
      break;
    }
  }
}

namespace {

// A copy of the shared-subscription delivery that the acknowledgement of `packet_id` answers, if it is one.
std::optional<Delivery> shared_delivery_answered(Session& session, std::uint16_t packet_id) {
  for (const auto& entry : session.in_flight()) {
    if (entry.packet_id == packet_id && !entry.delivery.shared_group.empty() && entry.delivery.message) {
      return entry.delivery;
    }
  }
  return std::nullopt;
}

}  // namespace

bool Connection::refusal_kept_by_defect(std::uint16_t packet_id) {
  // A refusal (0x80 or above) still ends the exchange: the message is not re-sent [MQTT-4.4.0-2] and not offered
  // to another member of a shared group [MQTT-4.8.2-6]. Each defect below does one of those.
  if (core_->has(Defect::rejected_message_resent)) {
    unacknowledged_publishes_.erase(packet_id);  // the quota comes back; the message stays for the next connection
    core_->pump(*session_);
    return true;
  }
  if (core_->has(Defect::rejected_shared_message_redistributed)) {
    if (auto delivery = shared_delivery_answered(*session_, packet_id)) {
      core_->hand_to_another_member(session_->client_id(), std::move(*delivery));
    }
  }
  return false;
}

void Connection::handle_puback(const Puback& puback) {
  if (is_v5() && puback.reason_code >= 0x80 && refusal_kept_by_defect(puback.packet_id)) return;
  const bool quota_freed = unacknowledged_publishes_.erase(puback.packet_id) > 0;
  if (session_->acknowledge_puback(puback.packet_id) || quota_freed) core_->pump(*session_);
}

void Connection::handle_pubrec(const Pubrec& pubrec) {
  if (is_v5() && pubrec.reason_code >= 0x80) {
    if (refusal_kept_by_defect(pubrec.packet_id)) return;
    // A failed PUBREC ends the exchange: no PUBREL, no re-send [MQTT-4.4.0-2], and the quota comes back (4.9).
    unacknowledged_publishes_.erase(pubrec.packet_id);
    session_->reject_pubrec(pubrec.packet_id);
    core_->pump(*session_);
    return;
  }
  // publish-resent-after-pubrel keeps the message it would otherwise let go, to send it again on resume.
  std::shared_ptr<const Message> kept;
  if (is_v5() && core_->has(Defect::publish_resent_after_pubrel)) {
    for (const auto& entry : session_->in_flight()) {
      if (entry.packet_id == pubrec.packet_id && entry.stage == InFlight::Stage::awaiting_pubrec) kept = entry.delivery.message;
    }
  }
  session_->acknowledge_pubrec(pubrec.packet_id);
  if (kept) {
    for (auto& entry : session_->in_flight()) {
      if (entry.packet_id == pubrec.packet_id && entry.stage == InFlight::Stage::awaiting_pubcomp) entry.delivery.message = kept;
    }
  }
  send_pubrel(pubrec.packet_id);
}

void Connection::handle_pubcomp(const Pubcomp& pubcomp) {
  const bool quota_freed = unacknowledged_publishes_.erase(pubcomp.packet_id) > 0;
  if (session_->acknowledge_pubcomp(pubcomp.packet_id) || quota_freed) core_->pump(*session_);
}

void Connection::handle_pubrel(const Pubrel& pubrel) {
  const bool known = incoming_qos2_.erase(pubrel.packet_id) > 0 || session_->receiving_qos2(pubrel.packet_id);
  if (!known && is_v5() && core_->has(Defect::pubrel_unknown_id_unanswered)) return;  // PUBCOMP is owed [MQTT-4.3.3-11]
  // qos2-deliver-on-pubrel held the message until now (method A of 4.3.3).
  if (auto held = session_->release_qos2(pubrel.packet_id)) core_->publish(held);
  send_acknowledgement(PacketType::pubcomp, pubrel.packet_id, reason::success);
  last_completed_qos2_id_ = pubrel.packet_id;
}

void Connection::send_acknowledgement(PacketType type, std::uint16_t packet_id, std::uint8_t reason_code) {
  if (!is_v5()) reason_code = 0;
  Properties properties;
  add_problem_information(properties, type, std::span(&reason_code, 1));
  if (is_v5() && core_->varies(Variation::long_form_acknowledgements) && properties.empty()) {
    // Reason code and an empty property list written out, where the short form was allowed (3.4.2.1).
    const auto first_byte = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 4 |
                                                      (type == PacketType::pubrel ? 0x02 : 0x00));
    const Bytes body{static_cast<std::uint8_t>(packet_id >> 8), static_cast<std::uint8_t>(packet_id), reason_code,
                     0x00};
    send_bytes(RawPacket{first_byte, std::nullopt, 0, body}.encode());
    return;
  }
  switch (type) {
    case PacketType::puback:
      send(Puback{version_, packet_id, reason_code, std::move(properties)});
      break;
    case PacketType::pubrec:
      send(Pubrec{version_, packet_id, reason_code, std::move(properties)});
      break;
    case PacketType::pubrel:
      send(Pubrel{version_, packet_id, reason_code, std::move(properties)});
      break;
    default:
      send(Pubcomp{version_, packet_id, reason_code, std::move(properties)});
      break;
  }
}

void Connection::send_pubrel(std::uint16_t packet_id) {
  send_acknowledgement(PacketType::pubrel, packet_id, reason::success);
}

bool Connection::has_send_quota() const {
  if (is_v5() && core_->has(Defect::ignore_receive_maximum)) return true;
  return unacknowledged_publishes_.size() < client_.receive_maximum;  // [MQTT-3.3.4-9], [MQTT-4.9.0-2]
}

Publish Connection::build_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup) const {
  const Broker::Core& core = *core_;
  const Message& message = *delivery.message;
  Publish publish;
  publish.version = version_;
  // DUP says whether this packet is a re-send, never what the publisher's said [MQTT-3.3.1-3].
  const bool passed_on = core.has(Defect::dup_propagated) && message.dup;
  publish.dup = delivery.qos != QoS::at_most_once && (dup || passed_on);
  publish.qos = delivery.qos;
  publish.retain = delivery.retain;
  publish.topic = message.topic;
  if (is_v5() && core.has(Defect::topic_empty_levels_collapsed)) {
    // The defect normalises the name it forwards: 'a//b' goes out as 'a/b' [MQTT-4.7.3-4].
    for (auto at = publish.topic.find("//"); at != std::string::npos; at = publish.topic.find("//"))
      publish.topic.erase(at, 1);
  }
  if (is_v5() && core.has(Defect::topic_byte_order_mark_stripped)) {
    // The defect drops every U+FEFF (EF BB BF) from the name it forwards [MQTT-1.5.4-3].
    constexpr std::string_view mark = "\xEF\xBB\xBF";
    for (auto at = publish.topic.find(mark); at != std::string::npos; at = publish.topic.find(mark))
      publish.topic.erase(at, mark.size());
  }
  if (delivery.qos != QoS::at_most_once) publish.packet_id = packet_id;
  publish.payload = message.payload;
  if (!is_v5()) return publish;  // 3.1.1 has no properties: a 5.0 message reaches it without them
  // Passed on unaltered and in order [MQTT-3.3.2-4, -15, -16, -17, -18, -20].
  for (const Property& property : message.properties) {
    if (property.id == PropertyId::content_type && core.has(Defect::content_type_dropped)) continue;
    publish.properties.push_back(property);
  }
  if (core.has(Defect::user_properties_reordered)) {
    std::vector<std::size_t> positions;
    for (std::size_t index = 0; index < publish.properties.size(); ++index) {
      if (publish.properties[index].id == PropertyId::user_property) positions.push_back(index);
    }
    for (std::size_t low = 0, high = positions.size(); low + 1 < high; ++low, --high) {
      std::swap(publish.properties[positions[low]], publish.properties[positions[high - 1]]);
    }
  }
  if (!core.has(Defect::message_expiry_not_forwarded)) {
    if (const auto remaining = remaining_expiry(message, Clock::now())) {  // [MQTT-3.3.2-6]
      add_property(publish.properties, PropertyId::message_expiry_interval, *remaining);
    }
  }
  for (const std::uint32_t identifier : delivery.subscription_identifiers) {  // [MQTT-3.3.4-3]
    add_property(publish.properties, PropertyId::subscription_identifier, identifier);
  }
  return publish;
}

bool Connection::fits(const Delivery& delivery) const {
  if (!is_v5() || !client_.maximum_packet_size || core_->has(Defect::oversized_packet_sent)) return true;
  const auto packet_id = delivery.qos == QoS::at_most_once ? std::nullopt : std::optional<std::uint16_t>(1);
  std::size_t size = encode(build_publish(delivery, packet_id, false)).size();
  if (outbound_alias_limit_ > 0) size += 3;  // a Topic Alias property may be added (never a longer topic)
  return size <= *client_.maximum_packet_size;  // [MQTT-3.1.2-24]
}

void Connection::send_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup) {
  if (closed_ || !delivery.message) return;
  if (delivery.qos == QoS::at_most_once && pending_bytes_ > core_->options.write_buffer_limit) {
    ++core_->statistics.messages_dropped;  // a slow reader loses QoS 0 rather than growing the buffer
    return;
  }
  Publish publish = build_publish(delivery, packet_id, dup);
  if (outbound_alias_limit_ > 0) {
    // Our own alias for the topic: set with the first PUBLISH that carries the name, then used with an empty name
    // (3.3.2.3.4); topics beyond the client's maximum go without one.
    std::uint16_t alias = 0;
    if (const auto known = outbound_aliases_.find(publish.topic); known != outbound_aliases_.end()) {
      alias = known->second;
      publish.topic.clear();
    } else if (outbound_aliases_.size() < outbound_alias_limit_) {
      alias = static_cast<std::uint16_t>(outbound_aliases_.size() + 1);
      outbound_aliases_.emplace(publish.topic, alias);
    }
    if (alias != 0) add_property(publish.properties, PropertyId::topic_alias, alias);
  }
  if (delivery.qos != QoS::at_most_once && packet_id) unacknowledged_publishes_.insert(*packet_id);
  send(publish);
}

void Connection::handle_disconnect(const Disconnect& disconnect_packet) {
  Broker::Core& core = *core_;
  if (is_v5()) {
    if (const auto expiry = find_u32(disconnect_packet.properties, PropertyId::session_expiry_interval)) {
      // A session that was to end with the connection cannot be extended here: protocol error (3.14.2.2.2), and
      // not a valid DISCONNECT, so the will stays.
      if (connect_session_expiry_ == 0 && *expiry != 0) {
        disconnect(reason::protocol_error, CloseReason::protocol_error);
        return;
      }
      session_->set_expiry_interval(core.capped_session_expiry(*expiry));
    }
    // Only reason 0x00 discards the will [MQTT-3.14.4-3]; 0x04 asks for it (3.14.2.1).
    const bool keeps_will =
        disconnect_packet.reason_code != reason::success &&
        !(disconnect_packet.reason_code == reason::disconnect_with_will &&
          core.has(Defect::will_discarded_on_disconnect_with_will));
    if (!keeps_will && !core.has(Defect::will_after_disconnect)) will_.reset();
  } else if (!core.has(Defect::will_after_disconnect)) {
    will_.reset();  // [MQTT-3.14.4-3 (3.1.1)]
  }
  close(CloseReason::client_disconnect);
}

}  // namespace mqtt::broker
