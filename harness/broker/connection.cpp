#include "broker/core.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "model/topic.hpp"

namespace mqtt::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

QoS lower(QoS a, QoS b) { return static_cast<int>(a) < static_cast<int>(b) ? a : b; }

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

Connection::Connection(std::shared_ptr<Broker::Core> core, tcp::socket socket)
    : core_(std::move(core)),
      socket_(std::move(socket)),
      keepalive_timer_(socket_.get_executor()),
      answer_timer_(socket_.get_executor()),
      framer_(core_->options.maximum_packet_size) {}

void Connection::start() {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  last_activity_ = std::chrono::steady_clock::now();
  activity_limit_ = core_->options.connect_timeout;
  arm_keepalive();
  asio::co_spawn(socket_.get_executor(), [self = shared_from_this()] { return self->read_loop(); }, asio::detached);
}

asio::awaitable<void> Connection::read_loop() {
  auto self = shared_from_this();
  std::array<std::uint8_t, 16 * 1024> buffer{};
  for (;;) {
    boost::system::error_code error;
    const std::size_t received =
        co_await socket_.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
    if (closed_ || rejecting_ || handed_over_) co_return;
    if (error) {
      close(CloseReason::network);
      co_return;
    }
    last_activity_ = std::chrono::steady_clock::now();
    framer_.feed(std::span<const std::uint8_t>(buffer.data(), received));
    for (;;) {
      auto next = framer_.next();
      if (std::holds_alternative<FrameIncomplete>(next)) break;
      if (std::holds_alternative<FramingError>(next)) {
        close(CloseReason::protocol_error);
        co_return;
      }
      handle_frame(std::get<Frame>(next));
      if (closed_ || rejecting_ || handed_over_) co_return;
    }
  }
}

void Connection::handle_frame(const Frame& frame) {
  if (!connected_) {
    handle_first_packet(frame);
    return;
  }
  const std::uint8_t first_byte = frame.bytes[0];
  const auto type = static_cast<PacketType>(first_byte >> 4);
  Bytes patched;
  std::optional<std::string> wildcard_topic;
  std::span<const std::uint8_t> bytes = frame.bytes;
  // The defects below rewrite the packet before it is decoded; each starts from what the ones before left.
  const auto writable = [&]() -> Bytes& {
    if (patched.empty()) patched.assign(bytes.begin(), bytes.end());
    return patched;
  };
  if (type == PacketType::publish && ((first_byte >> 1) & 0x03) == 0x03 && core_->has(Defect::accept_qos3)) {
    writable()[0] &= static_cast<std::uint8_t>(~0x04);  // QoS 3 read as QoS 1
    bytes = patched;
  }
  if (type == PacketType::publish && (first_byte & 0x06) == 0 && (first_byte & 0x08) != 0 &&
      core_->has(Defect::accept_qos0_dup)) {
    writable()[0] &= static_cast<std::uint8_t>(~0x08);  // DUP on QoS 0 ignored [MQTT-3.3.1-2]
    bytes = patched;
  }
  const bool acknowledgement = type == PacketType::puback || type == PacketType::pubrec ||
                               type == PacketType::pubcomp || type == PacketType::pingreq;
  if (acknowledgement && (first_byte & 0x0F) != 0 && core_->has(Defect::acknowledgement_flags_ignored)) {
    writable()[0] &= static_cast<std::uint8_t>(0xF0);  // reserved flags ignored [MQTT-2.2.2-2]
    bytes = patched;
  }
  if (type == PacketType::puback && core_->has(Defect::accept_long_puback) && frame.header_size == 2 &&
      bytes.size() > 4) {
    Bytes& shortened = writable();
    shortened.resize(4);  // the packet id kept, the rest ignored
    shortened[1] = 0x02;
    bytes = patched;
  }
  if (type == PacketType::publish && core_->has(Defect::accept_wildcard_publish) &&
      bytes.size() >= frame.header_size + 2) {
    // Hide wildcards from the decoder, then put the real topic back.
    const std::size_t length = read_u16(bytes, frame.header_size);
    const std::size_t start = frame.header_size + 2;
    if (start + length <= bytes.size()) {
      std::string topic(bytes.begin() + static_cast<std::ptrdiff_t>(start),
                        bytes.begin() + static_cast<std::ptrdiff_t>(start + length));
      if (topic::has_wildcard(topic)) {
        if (patched.empty()) patched.assign(bytes.begin(), bytes.end());
        for (std::size_t i = start; i < start + length; ++i) {
          if (patched[i] == '+' || patched[i] == '#') patched[i] = '_';
        }
        bytes = patched;
        wildcard_topic = std::move(topic);
      }
    }
  }
  auto decoded = decode_packet(bytes, Sender::client, version_, frame.offset);
  if (std::holds_alternative<DecodeError>(decoded)) {
    close(CloseReason::protocol_error);
    return;
  }
  Packet packet = std::move(std::get<Packet>(decoded));
  if (wildcard_topic) std::get<Publish>(packet).topic = std::move(*wildcard_topic);
  handle_packet(std::move(packet));
}

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
  if ((is_mqtt && header->level != 4) || (is_mqisdp && header->level != 3)) {
    version_ = ProtocolVersion::v3_1_1;
    reject(0x01);  // [MQTT-3.1.2-2]
    return;
  }
  version_ = is_mqtt ? ProtocolVersion::v3_1_1 : ProtocolVersion::v3_1;
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
  send(Connack{version_, false, return_code, {}});
  rejecting_ = true;
  close_after_flush_ = true;  // [MQTT-3.2.2-5]
}

void Connection::handle_connect(Connect connect) {
  Broker::Core& core = *core_;
  if (connect.will && !topic::is_valid_name(connect.will->topic)) {
    close(CloseReason::protocol_error);
    return;
  }
  if (connect.client_id.empty()) {
    if (!connect.clean_session || version_ == ProtocolVersion::v3_1) {
      reject(0x02);  // [MQTT-3.1.3-8]; 3.1 requires 1 to 23 characters
      return;
    }
    connect.client_id = "mqtt-harness-" + std::to_string(++core.generated_client_ids);  // [MQTT-3.1.3-6]
  } else if (version_ == ProtocolVersion::v3_1 && connect.client_id.size() > 23) {
    reject(0x02);
    return;
  }
  if (core.options.credentials) {
    if (!connect.username) {
      reject(0x05);
      return;
    }
    const auto user = core.options.credentials->find(*connect.username);
    const std::string password = connect.password ? std::string(connect.password->begin(), connect.password->end()) : "";
    if (user == core.options.credentials->end() || !connect.password || user->second != password) {
      reject(0x04);
      return;
    }
  }

  // Takeover [MQTT-3.1.4-2]: by default the older connection is closed first, so its session is settled before
  // we resume it; takeover-connack-first detaches the session now and closes the older connection after our
  // CONNACK.
  if (auto previous = core.online.find(connect.client_id); previous != core.online.end()) {
    Connection* older = previous->second;
    if (core.has(Defect::no_takeover)) {
      older->orphan();
      core.online.erase(previous);
    } else if (core.varies(Variation::takeover_connack_first)) {
      older->hand_over();
    } else {
      older->close(CloseReason::taken_over);
    }
  }

  bool session_present = false;
  const auto existing = core.sessions.find(connect.client_id);
  if (connect.clean_session) {
    if (existing != core.sessions.end() && core.has(Defect::keep_session_on_clean)) {
      existing->second->set_clean(true);
      session_ = existing->second.get();
    } else {
      session_ = &core.open_session(connect.client_id, true);  // [MQTT-3.1.2-6]
    }
  } else if (existing != core.sessions.end()) {
    existing->second->set_clean(false);
    session_ = existing->second.get();
    session_present = true;  // [MQTT-3.2.2-2]
  } else {
    session_ = &core.open_session(connect.client_id, false);
  }
  client_id_ = connect.client_id;
  core.online[client_id_] = this;
  core.statistics.sessions = core.sessions.size();
  connected_ = true;
  will_ = std::move(connect.will);  // [MQTT-3.1.2-8]

  if (core.has(Defect::session_present_always_0) || version_ == ProtocolVersion::v3_1) session_present = false;
  send(Connack{version_, session_present, 0x00, {}});

  if (connect.keep_alive > 0 && !core.has(Defect::no_keepalive_timeout)) {
    activity_limit_ = std::chrono::milliseconds(std::int64_t{connect.keep_alive} * 1500);  // [MQTT-3.1.2-24]
  } else {
    activity_limit_ = std::chrono::milliseconds(0);
  }
  arm_keepalive();  // replaces the connect-timeout wait

  // Resume: unacknowledged PUBLISH and PUBREL again [MQTT-4.4.0-1], in their original interleaving, or every
  // PUBLISH first and then every PUBREL (resend-publish-before-pubrel); each kind keeps its own order.
  if (core.has(Defect::no_redelivery)) session_->forget_in_flight();
  const bool publishes_first = core.varies(Variation::resend_publish_before_pubrel);
  for (const InFlight& entry : session_->in_flight()) {
    if (entry.stage == InFlight::Stage::awaiting_pubcomp) {
      if (!publishes_first) send_pubrel(entry.packet_id);
    } else {
      send_publish(entry.delivery, entry.packet_id, !core.has(Defect::redelivery_without_dup));  // [MQTT-3.3.1-1]
    }
  }
  if (publishes_first) {
    for (const InFlight& entry : session_->in_flight()) {
      if (entry.stage == InFlight::Stage::awaiting_pubcomp) send_pubrel(entry.packet_id);
    }
  }
  core.pump(*session_);
}

void Connection::handle_packet(Packet packet) {
  Broker::Core& core = *core_;
  if (session_ == nullptr) {
    // An orphaned connection (no-takeover defect) only keeps answering pings.
    if (std::holds_alternative<Pingreq>(packet)) send(Pingresp{version_});
    if (std::holds_alternative<Disconnect>(packet)) close(CloseReason::client_disconnect);
    return;
  }
  std::visit(
      [&](auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Connect>) {
          if (!core.has(Defect::no_close_on_second_connect)) close(CloseReason::protocol_error);  // [MQTT-3.1.0-2]
        } else if constexpr (std::is_same_v<T, Publish>) {
          handle_publish(std::move(value));
        } else if constexpr (std::is_same_v<T, Puback>) {
          if (session_->acknowledge_puback(value.packet_id)) core.pump(*session_);
        } else if constexpr (std::is_same_v<T, Pubrec>) {
          session_->acknowledge_pubrec(value.packet_id);
          send_pubrel(value.packet_id);
        } else if constexpr (std::is_same_v<T, Pubcomp>) {
          if (session_->acknowledge_pubcomp(value.packet_id)) core.pump(*session_);
        } else if constexpr (std::is_same_v<T, Pubrel>) {
          // qos2-deliver-on-pubrel held the message until now (method A of 4.3.3).
          if (auto held = session_->release_qos2(value.packet_id)) core.publish(held);
          send(Pubcomp{version_, value.packet_id, 0, {}});
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          handle_subscribe(value);
        } else if constexpr (std::is_same_v<T, Unsubscribe>) {
          handle_unsubscribe(value);
        } else if constexpr (std::is_same_v<T, Pingreq>) {
          if (!core.has(Defect::no_pingresp)) send(Pingresp{version_});  // [MQTT-3.12.4-1]
        } else if constexpr (std::is_same_v<T, Disconnect>) {
          if (!core.has(Defect::will_after_disconnect)) will_.reset();  // [MQTT-3.14.4-3]
          close(core.has(Defect::will_after_disconnect) ? CloseReason::network : CloseReason::client_disconnect);
        } else {
          close(CloseReason::protocol_error);  // server-to-client packets
        }
      },
      packet);
}

void Connection::handle_publish(Publish publish) {
  Broker::Core& core = *core_;
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
  auto message = std::make_shared<const Message>(
      Message{std::move(publish.topic), std::move(publish.payload), qos, publish.retain, publish.dup});
  // By default a message is forwarded first and acknowledged after; puback-before-deliver answers first (and
  // routing holds the forwarded copies back a little, so subscribers see them after the acknowledgement).
  const bool acknowledge_first = core.varies(Variation::puback_before_deliver);
  switch (qos) {
    case QoS::at_most_once:
      core.publish(message);
      break;
    case QoS::at_least_once: {
      const auto acknowledge = [&] {
        if (!core.has(Defect::no_puback)) send(Puback{version_, packet_id, 0, {}});  // [MQTT-4.3.2-2]
      };
      if (acknowledge_first) acknowledge();
      if (core.has(Defect::drop_qos1_delivery)) {
        core.store_retained(message);  // the defect loses the forwarding, nothing else
      } else {
        core.publish(message);
      }
      if (!acknowledge_first) acknowledge();
      break;
    }
    case QoS::exactly_once: {
      // Forwarded on first receipt (method B of 4.3.3), or on PUBREL (method A, qos2-deliver-on-pubrel); the id
      // is remembered until PUBREL so a re-send is not forwarded twice.
      const bool first_receipt = session_->receive_qos2(packet_id);
      std::uint16_t answer_id = packet_id;
      if (core.has(Defect::pubrec_wrong_id)) answer_id = static_cast<std::uint16_t>(packet_id == 0xFFFF ? 1 : packet_id + 1);
      const auto acknowledge = [&] { send(Pubrec{version_, answer_id, 0, {}}); };
      if (acknowledge_first) acknowledge();
      if (core.varies(Variation::qos2_deliver_on_pubrel)) {
        if (first_receipt) session_->hold_qos2(packet_id, message);
      } else if (first_receipt || core.has(Defect::duplicate_qos2_delivery)) {
        core.publish(message);  // [MQTT-4.3.3-2]
      }
      if (!acknowledge_first) acknowledge();
      break;
    }
  }
}

void Connection::handle_subscribe(const Subscribe& subscribe) {
  Broker::Core& core = *core_;
  std::vector<std::uint8_t> return_codes;
  std::vector<std::pair<std::string, QoS>> accepted;
  for (const Subscription& subscription : subscribe.subscriptions) {
    if (!topic::is_valid_filter(subscription.filter)) {
      if (version_ == ProtocolVersion::v3_1) {
        close(CloseReason::protocol_error);  // 3.1 has no failure return code
        return;
      }
      return_codes.push_back(0x80);
      continue;
    }
    const QoS granted = lower(subscription.qos, core.maximum_grant());
    auto [entry, inserted] = session_->subscriptions().try_emplace(subscription.filter, granted);
    if (!inserted && !core.has(Defect::subscription_not_replaced)) entry->second = granted;  // [MQTT-3.8.4-3]
    return_codes.push_back(static_cast<std::uint8_t>(granted));
    accepted.emplace_back(subscription.filter, granted);
  }
  if (core.has(Defect::suback_wrong_count) && return_codes.size() > 1) return_codes.pop_back();
  Suback suback{version_, subscribe.packet_id, std::move(return_codes), {}};
  if (core.varies(Variation::publish_before_suback)) {
    // Matching PUBLISH packets may precede the SUBACK (3.8.4): retained ones now, live ones while it is held.
    for (const auto& [filter, granted] : accepted) core.send_retained(*session_, filter, granted);
    hold(std::move(suback));
    return;
  }
  send(suback);
  for (const auto& [filter, granted] : accepted) core.send_retained(*session_, filter, granted);
}

void Connection::handle_unsubscribe(const Unsubscribe& unsubscribe) {
  Broker::Core& core = *core_;
  bool any_removed = false;
  for (const std::string& filter : unsubscribe.filters) {
    if (core.has(Defect::unsubscribe_ignored)) {
      any_removed = any_removed || session_->subscriptions().contains(filter);
      continue;
    }
    any_removed = session_->subscriptions().erase(filter) > 0 || any_removed;  // [MQTT-3.10.4-1]
  }
  if (!any_removed && core.has(Defect::no_unsuback_when_unmatched)) return;
  Unsuback unsuback{version_, unsubscribe.packet_id, {}, {}};  // [MQTT-3.10.4-4], [MQTT-3.10.4-5]
  if (core.varies(Variation::late_unsuback)) {
    hold(std::move(unsuback));  // delivery on the deleted filters has stopped already
  } else {
    send(unsuback);
  }
}

void Connection::send_publish(const Delivery& delivery, std::optional<std::uint16_t> packet_id, bool dup) {
  if (closed_ || !delivery.message) return;
  if (delivery.qos == QoS::at_most_once && pending_bytes_ > core_->options.write_buffer_limit) {
    ++core_->statistics.messages_dropped;  // a slow reader loses QoS 0 rather than growing the buffer
    return;
  }
  Publish publish;
  publish.version = version_;
  // DUP says whether this packet is a re-send, never what the publisher's said [MQTT-3.3.1-3].
  const bool passed_on = core_->has(Defect::dup_propagated) && delivery.message->dup;
  publish.dup = delivery.qos != QoS::at_most_once && (dup || passed_on);
  publish.qos = delivery.qos;
  publish.retain = delivery.retain;
  publish.topic = delivery.message->topic;
  if (delivery.qos != QoS::at_most_once) publish.packet_id = packet_id;
  publish.payload = delivery.message->payload;
  send(publish);
}

void Connection::send_pubrel(std::uint16_t packet_id) { send(Pubrel{version_, packet_id, 0, {}}); }

void Connection::send(const Packet& packet) { send_bytes(encode(packet)); }

void Connection::send_bytes(Bytes bytes) {
  if (closed_) return;
  pending_bytes_ += bytes.size();
  outbox_.push_back(std::move(bytes));
  if (writing_.empty()) write_next();
}

void Connection::write_next() {
  // Everything queued so far goes out in one gathered write.
  writing_.clear();
  while (!outbox_.empty()) {
    writing_.push_back(std::move(outbox_.front()));
    outbox_.pop_front();
  }
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_.size());
  for (const Bytes& bytes : writing_) buffers.push_back(asio::buffer(bytes));
  asio::async_write(socket_, buffers, [self = shared_from_this()](boost::system::error_code error, std::size_t) {
    for (const Bytes& bytes : self->writing_) self->pending_bytes_ -= bytes.size();
    self->writing_.clear();
    if (self->closed_) return;
    if (error) {
      self->close(CloseReason::network);
      return;
    }
    if (!self->outbox_.empty()) {
      self->write_next();
    } else if (self->close_after_flush_) {
      self->close(CloseReason::rejected);
    }
  });
}

void Connection::hold(Packet packet) {
  held_answers_.emplace_back(std::chrono::steady_clock::now() + variation_hold, std::move(packet));
  if (held_answers_.size() > 1) return;  // the timer is already set for an earlier one
  answer_timer_.expires_at(held_answers_.front().first);
  answer_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->closed_) self->send_held_answers();
  });
}

void Connection::send_held_answers() {
  const auto now = std::chrono::steady_clock::now();
  while (!held_answers_.empty() && held_answers_.front().first <= now) {
    send(held_answers_.front().second);
    held_answers_.pop_front();
  }
  if (held_answers_.empty()) return;
  answer_timer_.expires_at(held_answers_.front().first);
  answer_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->closed_) self->send_held_answers();
  });
}

void Connection::hand_over() {
  Broker::Core& core = *core_;
  handed_over_ = true;
  if (auto entry = core.online.find(client_id_); entry != core.online.end() && entry->second == this) {
    core.online.erase(entry);
  }
  // A clean session lasts as long as its connection's MQTT life, which ends here [MQTT-3.1.2-6].
  if (session_ != nullptr && session_->clean()) core.sessions.erase(client_id_);
  core.statistics.sessions = core.sessions.size();
  session_ = nullptr;
  activity_limit_ = std::chrono::milliseconds(0);
  keepalive_timer_.expires_after(variation_hold);  // cancels the keep-alive wait
  keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error) self->close(CloseReason::taken_over);  // the will is published now, after the new CONNACK
  });
}

void Connection::arm_keepalive() {
  if (closed_ || activity_limit_.count() == 0) return;
  auto deadline = last_activity_ + activity_limit_;
  if (core_->varies(Variation::keepalive_whole_seconds)) {
    // A periodic sweep on whole seconds of the clock: the first tick at or after the deadline.
    deadline = std::chrono::steady_clock::time_point(
        std::chrono::ceil<std::chrono::seconds>(deadline.time_since_epoch()));
  }
  keepalive_timer_.expires_at(deadline);
  keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (error || self->closed_ || self->activity_limit_.count() == 0) return;
    if (std::chrono::steady_clock::now() >= self->last_activity_ + self->activity_limit_) {
      self->close(CloseReason::keepalive);  // as if the network had failed: the will is published
      return;
    }
    self->arm_keepalive();
  });
}

void Connection::close(CloseReason reason) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  keepalive_timer_.cancel();
  answer_timer_.cancel();
  held_answers_.clear();
  outbox_.clear();
  Broker::Core& core = *core_;
  core.connections.erase(this);
  core.statistics.connections_open = core.connections.size();
  if (auto entry = core.online.find(client_id_); entry != core.online.end() && entry->second == this) {
    core.online.erase(entry);
  }
  const bool publishes_will = reason == CloseReason::network || reason == CloseReason::protocol_error ||
                              reason == CloseReason::keepalive || reason == CloseReason::taken_over;
  if (will_ && publishes_will && !core.has(Defect::no_will)) {
    Will will = std::move(*will_);
    QoS qos = core.has(Defect::will_qos0) ? QoS::at_most_once : will.qos;
    const bool retain = will.retain && !core.has(Defect::will_retain_ignored);  // [MQTT-3.1.2-16], [MQTT-3.1.2-17]
    core.publish(std::make_shared<const Message>(Message{std::move(will.topic), std::move(will.payload), qos, retain}));
  }
  will_.reset();  // [MQTT-3.1.2-10]
  if (session_ != nullptr) {
    if (session_->clean() && !core.online.contains(client_id_)) core.sessions.erase(client_id_);  // [MQTT-3.1.2-6]
    core.statistics.sessions = core.sessions.size();
    session_ = nullptr;
  }
}

}  // namespace mqtt::broker
