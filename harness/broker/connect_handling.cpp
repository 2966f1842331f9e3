// CONNECT and CONNACK: protocol level, client identifier, credentials, the 5.0 capabilities and settings, takeover
// of an online client id, Clean Start and the session it opens or resumes, and the re-sending a resumed session owes.
#include "broker/core.hpp"

#include <algorithm>

#include "broker/message_properties.hpp"
#include "broker/mqtt5_reason_codes.hpp"
#include "codec/decoder.hpp"
#include "model/topic.hpp"

namespace mqtt::broker {

namespace {

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

// The protocol name and level of a CONNECT, read before decoding because the level picks the decoder's version.
struct ProtocolHeader {
  std::string name;
  std::uint8_t level = 0;
};

std::optional<ProtocolHeader> read_protocol_header(const Frame& frame) {
  const auto body = frame.bytes.subspan(frame.header_size);
  if (body.size() < 3) return std::nullopt;
  const std::size_t name_length = read_u16(body, 0);
  if (body.size() < 2 + name_length + 1) return std::nullopt;
  ProtocolHeader header;
  header.name.assign(body.begin() + 2, body.begin() + 2 + static_cast<std::ptrdiff_t>(name_length));
  header.level = body[2 + name_length];
  return header;
}

}  // namespace

void Connection::handle_first_packet(const Frame& frame) {
  const auto type = static_cast<PacketType>(frame.bytes[0] >> 4);
  if (type != PacketType::connect) {
    close(CloseReason::protocol_error);  // [MQTT-3.1.0-1]
    return;
  }
  const auto header = read_protocol_header(frame);
  if (!header) {
    close(CloseReason::protocol_error);
    return;
  }
  const bool is_mqtt = header->name == "MQTT";
  const bool is_mqisdp = header->name == "MQIsdp";
  if (!is_mqtt && !is_mqisdp) {
    close(CloseReason::protocol_error);  // [MQTT-3.1.2-1]: not ours to process
    return;
  }
  if ((is_mqtt && header->level != 4 && header->level != 5) || (is_mqisdp && header->level != 3)) {
    version_ = ProtocolVersion::v3_1_1;
    reject(0x01);  // [MQTT-3.1.2-2], in the 3.1.1 form every client can read
    return;
  }
  version_ = is_mqisdp ? ProtocolVersion::v3_1 : header->level == 5 ? ProtocolVersion::v5 : ProtocolVersion::v3_1_1;
  std::span<const std::uint8_t> bytes = frame.bytes;
  Bytes patched;
  if ((frame.bytes[0] & 0x0F) != 0 && core_->has(Defect::accept_connect_header_flags)) {
    patched.assign(bytes.begin(), bytes.end());
    patched[0] = 0x10;  // the fixed-header flags ignored [MQTT-2.2.2-2]
    bytes = patched;
  }
  auto decoded = decode_packet(bytes, Sender::client, version_, frame.offset);
  if (std::holds_alternative<DecodeError>(decoded) || !std::holds_alternative<Connect>(std::get<Packet>(decoded))) {
    close(CloseReason::protocol_error);  // [MQTT-3.1.4-1]
    return;
  }
  handle_connect(std::move(std::get<Connect>(std::get<Packet>(decoded))));
}

void Connection::reject(std::uint8_t return_code) {
  Connack connack{version_, false, return_code, {}};
  add_problem_information(connack.properties, PacketType::connack, std::span(&return_code, 1));
  // A refusal never says Session Present [MQTT-3.2.2-6 (5.0), MQTT-3.2.2-4 (3.1.1)].
  if (is_v5() && core_->has(Defect::session_present_with_error)) connack.session_present = true;
  send(connack);
  if (is_v5() && core_->has(Defect::refused_publications_acted_on)) {
    // The defect goes on reading what the client sends [MQTT-3.1.4-6] for a moment, then closes.
    reading_after_refusal_ = true;
    activity_limit_ = std::chrono::milliseconds(0);
    keepalive_timer_.expires_after(variation_hold);
    keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      if (!error) self->close(CloseReason::rejected);
    });
    return;
  }
  rejecting_ = true;
  close_after_flush_ = true;  // [MQTT-3.2.2-5 (3.1.1)], [MQTT-3.2.2-7 (5.0)]
}

bool Connection::admit_v5(const Connect& connect) {
  Broker::Core& core = *core_;
  if (client_.authentication_method && !authenticated_ &&
      !core.has(Defect::unsupported_authentication_method_accepted)) {
    // A method other than ours (enhanced_authentication.cpp): refuse and close [MQTT-4.12.0-1].
    reject(core.varies(Variation::bad_authentication_method_not_authorized) ? reason::not_authorized
                                                                              : reason::bad_authentication_method);
    return false;
  }
  if (connect.will) {
    if (static_cast<int>(connect.will->qos) > static_cast<int>(core.declared_maximum_qos()) &&
        !core.has(Defect::will_qos_above_maximum_accepted)) {
      reject(reason::qos_not_supported);  // [MQTT-3.2.2-12]
      return false;
    }
    if (connect.will->retain && !core.declares_retain_available() &&
        !core.has(Defect::will_retain_accepted_without_retain_available)) {
      reject(reason::retain_not_supported);  // [MQTT-3.2.2-13]
      return false;
    }
  }
  return true;
}

bool Connection::check_credentials(const Connect& connect) {
  const auto& credentials = core_->options.credentials;
  if (!credentials) return true;
  if (!connect.username) {
    reject(is_v5() ? reason::not_authorized : 0x05);
    return false;
  }
  const auto user = credentials->find(*connect.username);
  const std::string password = connect.password ? std::string(connect.password->begin(), connect.password->end()) : "";
  if (user == credentials->end() || !connect.password || user->second != password) {
    reject(is_v5() ? reason::bad_user_name_or_password : 0x04);
    return false;
  }
  return true;
}

void Connection::handle_connect(Connect connect) {
  Broker::Core& core = *core_;
  if (connect.will && !topic::is_valid_name(connect.will->topic)) {
    close(CloseReason::protocol_error);
    return;
  }
  if (is_v5()) {
    client_ = read_client_settings(connect.properties);
    if (begin_authentication(connect)) return;  // the CONNECT goes on once the client has answered
    if (!admit_v5(connect)) return;
  }
  std::optional<std::string> assigned_client_identifier;
  if (connect.client_id.empty()) {
    // 3.1.1 accepts an empty id only with CleanSession=1 and 3.1 never; 5.0 always, and says which id it assigned
    // [MQTT-3.1.3-6, MQTT-3.1.3-7].
    if (!is_v5() && (!connect.clean_session || version_ == ProtocolVersion::v3_1)) {
      reject(0x02);  // [MQTT-3.1.3-8]; 3.1 requires 1 to 23 characters
      return;
    }
    if (is_v5() && !core.options.mqtt5.assign_client_identifiers) {
      reject(reason::client_identifier_not_valid);  // a 5.0 server may refuse it instead [MQTT-3.1.3-8]
      return;
    }
    connect.client_id = core.assign_client_identifier(version_);
    assigned_client_identifier = connect.client_id;
  } else if (version_ == ProtocolVersion::v3_1 && connect.client_id.size() > 23) {
    reject(0x02);
    return;
  }
  if (!check_credentials(connect)) return;

  // How long the session outlives the connection: 3.1.1 CleanSession picks 0 or for ever; 5.0 asks, and the server
  // may answer with a shorter interval in CONNACK (3.2.2.3.2).
  std::uint32_t expiry = connect.clean_session ? 0 : session_never_expires;
  std::optional<std::uint32_t> declared_expiry;
  if (is_v5()) {
    expiry = core.capped_session_expiry(client_.session_expiry_interval);
    if (expiry != client_.session_expiry_interval) declared_expiry = expiry;
  }
  connect_session_expiry_ = expiry;

  // Takeover [MQTT-3.1.4-2 (3.1.1), MQTT-3.1.4-3 (5.0)]: by default the older connection is closed first, so its
  // session is settled before we resume it; takeover-connack-first detaches the session now and closes the older
  // connection after our CONNACK.
  if (auto previous = core.online.find(connect.client_id); previous != core.online.end()) {
    Connection& older = *previous->second;
    const bool resumes = !connect.clean_session && older.session_ != nullptr && !older.session_->ends_with_connection();
    take_over_from(older, resumes);
  }

  bool session_present = false;
  open_or_resume_session(connect, expiry, session_present);
  client_id_ = connect.client_id;
  core.online[client_id_] = this;
  core.statistics.sessions = core.sessions.size();
  connected_ = true;
  will_ = std::move(connect.will);  // [MQTT-3.1.2-8 (3.1.1), MQTT-3.1.2-7 (5.0)]
  if (core.has(Defect::session_present_always_0) || version_ == ProtocolVersion::v3_1) session_present = false;

  std::uint16_t keep_alive = connect.keep_alive;
  Connack connack{version_, session_present, 0x00, {}};
  if (is_v5()) {
    const Mqtt5Capabilities& capabilities = core.options.mqtt5;
    ServerDeclaration declaration;
    declaration.session_expiry_interval = declared_expiry;
    declaration.receive_maximum = core.declared_receive_maximum();
    declaration.maximum_qos = static_cast<std::uint8_t>(core.declared_maximum_qos());
    declaration.retain_available = core.declares_retain_available();
    declaration.maximum_packet_size = core.options.maximum_packet_size;
    if (!core.has(Defect::no_assigned_client_identifier)) {
      declaration.assigned_client_identifier = assigned_client_identifier;  // [MQTT-3.2.2-16]
    }
    declaration.topic_alias_maximum = capabilities.topic_alias_maximum;
    declaration.wildcard_subscription_available = capabilities.wildcard_subscription_available;
    declaration.subscription_identifier_available = capabilities.subscription_identifier_available;
    declaration.shared_subscription_available = capabilities.shared_subscription_available;
    // Server Keep Alive: the client must then use it [MQTT-3.2.2-21], and so do we; without it, the client's
    // [MQTT-3.2.2-22].
    if (capabilities.server_keep_alive) {
      declaration.server_keep_alive = capabilities.server_keep_alive;
    } else if (core.varies(Variation::server_keep_alive) && connect.keep_alive > 0) {
      declaration.server_keep_alive = static_cast<std::uint16_t>((connect.keep_alive + 1) / 2);
    }
    if (declaration.server_keep_alive) keep_alive = *declaration.server_keep_alive;
    // Response Information only when asked for [MQTT-3.1.2-28], and then optionally.
    if ((client_.request_response_information && core.varies(Variation::response_information)) ||
        core.has(Defect::response_information_unrequested)) {
      declaration.response_information = "mh-response/" + client_id_ + "/";
    }
    connack.properties = connack_properties(declaration);
    if (authenticated_) {
      add_property(connack.properties, PropertyId::authentication_method, declared_authentication_method());
    }
    add_problem_information(connack.properties, PacketType::connack, std::span(&connack.reason_code, 1));
    // Our own Topic Aliases, never above the client's maximum [MQTT-3.1.2-26, MQTT-3.1.2-27].
    if (core.has(Defect::unsolicited_topic_aliases)) {
      outbound_alias_limit_ = client_.topic_alias_maximum == 0 ? 10 : client_.topic_alias_maximum;
    } else if (core.varies(Variation::assign_topic_aliases)) {
      outbound_alias_limit_ = client_.topic_alias_maximum;
    }
  }
  send(connack);

  if (keep_alive > 0 && !core.has(Defect::no_keepalive_timeout)) {
    activity_limit_ = std::chrono::milliseconds(std::int64_t{keep_alive} * 1500);  // [MQTT-3.1.2-24 (3.1.1)]
  } else {
    activity_limit_ = std::chrono::milliseconds(0);
  }
  arm_keepalive();  // replaces the connect-timeout wait

  resume_in_flight();
  core.pump(*session_);
}

void Connection::take_over_from(Connection& older, bool resumes) {
  Broker::Core& core = *core_;
  if (core.has(Defect::no_takeover)) {
    older.orphan();
    core.online.erase(older.client_id_);
  } else if (core.varies(Variation::takeover_connack_first)) {
    older.hand_over(resumes);
  } else {
    older.disconnect(reason::session_taken_over, CloseReason::taken_over);
  }
}

void Connection::open_or_resume_session(const Connect& connect, std::uint32_t expiry, bool& session_present) {
  Broker::Core& core = *core_;
  const auto existing = core.sessions.find(connect.client_id);
  if (connect.clean_session) {
    if (existing != core.sessions.end() && core.has(Defect::keep_session_on_clean)) {
      session_ = existing->second.get();
      session_->set_expiry_interval(expiry);
      core.session_resumed(*session_);
    } else {
      // Clean Start discards the old session, which ends now (publishing a will still waiting for its delay)
      // [MQTT-3.1.2-6 (3.1.1), MQTT-3.1.2-4 (5.0)].
      if (existing != core.sessions.end() && is_v5() && core.has(Defect::will_dropped_on_clean_start)) {
        existing->second->pending_will().reset();
      }
      core.end_session(connect.client_id);
      session_ = &core.open_session(connect.client_id, expiry);
    }
  } else if (existing != core.sessions.end()) {
    session_ = existing->second.get();
    session_->set_expiry_interval(expiry);
    core.session_resumed(*session_);
    session_present = true;  // [MQTT-3.2.2-2 (3.1.1), MQTT-3.2.2-3 (5.0)]
  } else {
    session_ = &core.open_session(connect.client_id, expiry);
  }
}

void Connection::resume_in_flight() {
  // Unacknowledged PUBLISH and PUBREL again [MQTT-4.4.0-1], in their original interleaving, or every PUBLISH first
  // and then every PUBREL (resend-publish-before-pubrel); each kind keeps its own order. PUBLISHes go out as far as
  // the client's Receive Maximum allows; the rest wait for acknowledgements (pump).
  Broker::Core& core = *core_;
  if (core.has(Defect::no_redelivery)) session_->forget_in_flight();
  auto& in_flight = session_->in_flight();
  if (is_v5() && core.has(Defect::expired_in_flight_qos2_dropped)) {
    // A QoS 2 PUBLISH already sent is not let expire [MQTT-4.3.3-7]; the defect drops it once expired.
    const auto now = Clock::now();
    std::erase_if(in_flight, [&](const InFlight& entry) {
      const auto& message = entry.delivery.message;
      return entry.stage == InFlight::Stage::awaiting_pubrec && message && message->expiry_interval &&
             now - message->received_at >= std::chrono::seconds(*message->expiry_interval);
    });
  }
  // The defect re-sends the unacknowledged messages newest first [MQTT-4.6.0-1].
  if (is_v5() && core.has(Defect::redelivery_reordered)) std::reverse(in_flight.begin(), in_flight.end());
  for (InFlight& entry : in_flight) entry.resend_pending = entry.stage != InFlight::Stage::awaiting_pubcomp;
  const bool publishes_first = core.varies(Variation::resend_publish_before_pubrel);
  bool blocked = false;
  std::vector<std::uint16_t> too_large;
  const auto resend = [&](InFlight& entry) {
    if (blocked || !has_send_quota()) {
      blocked = true;  // later ones wait behind it, keeping the order
      return;
    }
    if (!fits(entry.delivery)) {
      too_large.push_back(entry.packet_id);  // completed unsent [MQTT-3.1.2-25]
      return;
    }
    entry.resend_pending = false;
    send_publish(entry.delivery, entry.packet_id, !core.has(Defect::redelivery_without_dup));  // [MQTT-3.3.1-1]
  };
  for (InFlight& entry : in_flight) {
    if (entry.stage == InFlight::Stage::awaiting_pubcomp && is_v5() && core.has(Defect::publish_resent_after_pubrel)) {
      // The PUBLISH again, although its PUBREL went out [MQTT-4.3.3-6]; the client's new PUBREC gets a PUBREL.
      send_publish(entry.delivery, entry.packet_id, true);
    } else if (entry.stage == InFlight::Stage::awaiting_pubcomp) {
      if (!publishes_first) send_pubrel(entry.packet_id);
    } else {
      resend(entry);
    }
  }
  if (publishes_first) {
    for (const InFlight& entry : in_flight) {
      if (entry.stage == InFlight::Stage::awaiting_pubcomp && !(is_v5() && core.has(Defect::publish_resent_after_pubrel))) {
        send_pubrel(entry.packet_id);
      }
    }
  }
  for (const std::uint16_t packet_id : too_large) {
    std::erase_if(in_flight, [packet_id](const InFlight& entry) { return entry.packet_id == packet_id; });
    ++core.statistics.messages_dropped;
  }
}

void Connection::hand_over(bool resumed) {
  Broker::Core& core = *core_;
  handed_over_ = true;
  if (auto entry = core.online.find(client_id_); entry != core.online.end() && entry->second == this) {
    core.online.erase(entry);
  }
  // A delayed will is not sent when the new connection continues the session [MQTT-3.1.3-9]; otherwise the session
  // ends here and the will goes out when this connection closes.
  if (resumed && will_ && is_v5() && read_will_settings(will_->properties).delay_interval > 0 &&
      !core.has(Defect::will_without_delay)) {
    will_.reset();
  }
  if (session_ != nullptr) {
    Session& session = *session_;
    session_ = nullptr;
    if (session.ends_with_connection()) core.end_session(client_id_);  // [MQTT-3.1.2-6 (3.1.1)]
  }
  core.statistics.sessions = core.sessions.size();
  activity_limit_ = std::chrono::milliseconds(0);
  keepalive_timer_.expires_after(variation_hold);  // cancels the keep-alive wait
  keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error) self->disconnect(reason::session_taken_over, CloseReason::taken_over);  // will now, after the CONNACK
  });
}

}  // namespace mqtt::broker
