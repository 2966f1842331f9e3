// One client connection: reading and framing, dispatching packets, writing, keep alive and closing. The protocol
// flows themselves live in connect_handling.cpp, publish_handling.cpp and subscribe_handling.cpp.
#include "broker/core.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>

#include "broker/message_properties.hpp"
#include "broker/mqtt5_reason_codes.hpp"
#include "broker/problem_information.hpp"
#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "model/topic.hpp"

namespace mqtt::broker {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

// The string-property defects: a packet malformed only by the string property the defect does not check is
// skipped, as if read, instead of being answered as malformed [MQTT-3.3.2-13, MQTT-3.3.2-19, MQTT-1.5.7-1].
bool string_check_skipped(const Broker::Core& core, const DecodeError& error) {
  return (error.statement == "MQTT-3.3.2-13" && core.has(Defect::response_topic_utf8_unchecked)) ||
         (error.statement == "MQTT-3.3.2-19" && core.has(Defect::content_type_utf8_unchecked)) ||
         (error.statement == "MQTT-1.5.7-1" && core.has(Defect::user_property_utf8_unchecked));
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
  last_activity_ = Clock::now();
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
    last_activity_ = Clock::now();
    framer_.feed(std::span<const std::uint8_t>(buffer.data(), received));
    for (;;) {
      auto next = framer_.next();
      if (std::holds_alternative<FrameIncomplete>(next)) break;
      if (const auto* framing_error = std::get_if<FramingError>(&next)) {
        handle_framing_error(*framing_error);
        co_return;
      }
      handle_frame(std::get<Frame>(next));
      if (closed_ || rejecting_ || handed_over_) co_return;
    }
  }
}

void Connection::handle_framing_error(const FramingError& error) {
  // 5.0: a packet over the declared Maximum Packet Size gets DISCONNECT 0x95 (3.2.2.3.6); other framing errors are
  // malformed packets (4.13.1). Before CONNACK, and in 3.1.1, the connection just closes.
  disconnect(error.too_large ? reason::packet_too_large : reason::malformed_packet, CloseReason::protocol_error);
}

void Connection::handle_frame(const Frame& frame) {
  if (!connected_) {
    if (pending_connect_) {
      handle_authentication_frame(frame);
    } else if (reading_after_refusal_) {
      route_after_refusal(frame);  // only the refused-publications-acted-on defect reads past a refusal
    } else {
      handle_first_packet(frame);
    }
    return;
  }
  if (is_v5() && frame.bytes.size() > core_->options.maximum_packet_size) {
    disconnect(reason::packet_too_large, CloseReason::protocol_error);  // over the declared Maximum Packet Size
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
  // A 3.1.1 PUBACK is exactly 2 bytes long; a longer 5.0 one is legal (reason code, properties), so the defect leaves
  // 5.0 connections alone.
  if (type == PacketType::puback && !is_v5() && core_->has(Defect::accept_long_puback) && frame.header_size == 2 &&
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
    if (is_v5() && string_check_skipped(*core_, std::get<DecodeError>(decoded))) return;
    disconnect(reason::malformed_packet, CloseReason::protocol_error);  // 5.0 says why first (4.13.1)
    return;
  }
  Packet packet = std::move(std::get<Packet>(decoded));
  if (wildcard_topic) std::get<Publish>(packet).topic = std::move(*wildcard_topic);
  handle_packet(std::move(packet));
}

void Connection::handle_packet(Packet packet) {
  Broker::Core& core = *core_;
  if (session_ == nullptr) {
    // An orphaned connection (no-takeover defect) only keeps answering pings.
    if (std::holds_alternative<Pingreq>(packet)) send(Pingresp{version_});
    if (std::holds_alternative<Disconnect>(packet)) {
      will_.reset();
      close(CloseReason::client_disconnect);
    }
    return;
  }
  std::visit(
      [&](auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Connect>) {
          if (is_v5() && core.has(Defect::second_connect_answered_with_connack)) {
            send(Connack{version_, false, reason::protocol_error, {}});  // a second CONNACK [MQTT-3.2.0-2]
            linger_ = true;
            close(CloseReason::protocol_error);
          } else if (!core.has(Defect::no_close_on_second_connect)) {
            disconnect(reason::protocol_error, CloseReason::protocol_error);  // [MQTT-3.1.0-2]
          }
        } else if constexpr (std::is_same_v<T, Publish>) {
          handle_publish(std::move(value));
        } else if constexpr (std::is_same_v<T, Puback>) {
          handle_puback(value);
        } else if constexpr (std::is_same_v<T, Pubrec>) {
          handle_pubrec(value);
        } else if constexpr (std::is_same_v<T, Pubcomp>) {
          handle_pubcomp(value);
        } else if constexpr (std::is_same_v<T, Pubrel>) {
          handle_pubrel(value);
        } else if constexpr (std::is_same_v<T, Subscribe>) {
          handle_subscribe(value);
        } else if constexpr (std::is_same_v<T, Unsubscribe>) {
          handle_unsubscribe(value);
        } else if constexpr (std::is_same_v<T, Pingreq>) {
          // The defect holds the answer back while its send quota is at zero, as if it were a PUBLISH [MQTT-3.3.4-10].
          const bool held = is_v5() && core.has(Defect::answers_held_at_zero_quota) && !has_send_quota();
          if (!core.has(Defect::no_pingresp) && !held) send(Pingresp{version_});  // [MQTT-3.12.4-1]
        } else if constexpr (std::is_same_v<T, Disconnect>) {
          handle_disconnect(value);
        } else if constexpr (std::is_same_v<T, Auth>) {
          handle_auth(value);  // re-authentication, or a protocol error without an agreed method (3.15)
        } else {
          close(CloseReason::protocol_error);  // server-to-client packets
        }
      },
      packet);
}

void Connection::send(const Packet& packet) {
  // 5.0: Reason String, then User Properties, left out as far as the client's Maximum Packet Size needs.
  if (is_v5() && client_.maximum_packet_size && !std::holds_alternative<Publish>(packet)) {
    const auto faults = std::holds_alternative<Auth>(packet) ? authentication_trimming_faults() : trimming_faults();
    send_bytes(encode(trimmed_to_fit(packet, *client_.maximum_packet_size, faults)));
    return;
  }
  send_bytes(encode(packet));
}

TrimmingFaults Connection::trimming_faults() const {
  return TrimmingFaults{core_->has(Defect::reason_string_beyond_maximum_packet_size),
                        core_->has(Defect::user_property_beyond_maximum_packet_size)};
}

// AUTH has trimming defects of its own: the ones above name the CONNACK, acknowledgements and DISCONNECT.
TrimmingFaults Connection::authentication_trimming_faults() const {
  return TrimmingFaults{core_->has(Defect::authentication_reason_string_beyond_maximum_packet_size),
                        core_->has(Defect::authentication_user_property_beyond_maximum_packet_size)};
}

void Connection::add_problem_information(Properties& properties, PacketType type,
                                         std::span<const std::uint8_t> codes) const {
  if (!is_v5()) return;
  if (!client_.request_problem_information && type != PacketType::connack && type != PacketType::disconnect) return;
  auto text = reason_string_for(codes);
  // The trimming defects explain every answer, successes too, so that every kind of packet shows them.
  const bool on_every_answer = core_->has(Defect::reason_string_beyond_maximum_packet_size) ||
                               core_->has(Defect::user_property_beyond_maximum_packet_size);
  if (!text && on_every_answer) text = "the embedded reference broker handled this request without a problem";
  if (text) add_property(properties, PropertyId::reason_string, *text);
  if (core_->has(Defect::user_property_beyond_maximum_packet_size)) {
    add_property(properties, PropertyId::user_property,
                 StringPair{"explanation", "added to every answer by the user-property defect"});
  }
}

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
    if (error) {
      if (!self->closed_) self->close(CloseReason::network);
      self->close_socket();
      return;
    }
    if (!self->outbox_.empty()) {
      self->write_next();
    } else if (self->closed_) {
      self->close_socket();  // the final DISCONNECT is out
    } else if (self->close_after_flush_) {
      self->close(CloseReason::rejected);
    }
  });
}

void Connection::hold(Packet packet) {
  held_answers_.emplace_back(Clock::now() + variation_hold, std::move(packet));
  if (held_answers_.size() > 1) return;  // the timer is already set for an earlier one
  answer_timer_.expires_at(held_answers_.front().first);
  answer_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error && !self->closed_) self->send_held_answers();
  });
}

void Connection::send_held_answers() {
  const auto now = Clock::now();
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

void Connection::arm_keepalive() {
  if (closed_ || activity_limit_.count() == 0) return;
  auto deadline = last_activity_ + activity_limit_;
  if (core_->varies(Variation::keepalive_whole_seconds)) {
    // A periodic sweep on whole seconds of the clock: the first tick at or after the deadline.
    deadline = Clock::time_point(std::chrono::ceil<std::chrono::seconds>(deadline.time_since_epoch()));
  }
  keepalive_timer_.expires_at(deadline);
  keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (error || self->closed_ || self->activity_limit_.count() == 0) return;
    if (Clock::now() >= self->last_activity_ + self->activity_limit_) {
      // As if the network had failed: the will is published. 5.0 says why first (0x8D Keep Alive timeout).
      self->disconnect(reason::keep_alive_timeout, CloseReason::keepalive);
      return;
    }
    self->arm_keepalive();
  });
}

void Connection::disconnect(std::uint8_t reason_code, CloseReason reason) {
  // Only after a successful CONNACK [MQTT-3.14.0-1]; then nothing more is sent [MQTT-3.14.4-1] and the connection
  // closes [MQTT-3.14.4-2].
  if (!closed_ && is_v5() && connected_ && !rejecting_) {
    Disconnect packet{ProtocolVersion::v5, reason_code, {}};
    add_problem_information(packet.properties, PacketType::disconnect, std::span(&reason_code, 1));
    if (core_->has(Defect::session_expiry_on_server_disconnect)) {
      add_property(packet.properties, PropertyId::session_expiry_interval, connect_session_expiry_);
    }
    if (client_.maximum_packet_size) {
      // Trimmed here already, so that a DISCONNECT left without properties can still take the long form.
      packet = std::get<Disconnect>(trimmed_to_fit(packet, *client_.maximum_packet_size, trimming_faults()));
    }
    if (core_->varies(Variation::long_form_acknowledgements) && packet.properties.empty()) {
      send_bytes(RawPacket{0xE0, std::nullopt, 0, Bytes{reason_code, 0x00}}.encode());
    } else {
      send(packet);
    }
    linger_ = true;
  }
  close(reason);
}

void Connection::close_socket() {
  if (socket_closed_) return;
  socket_closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  keepalive_timer_.cancel();
}

void Connection::close(CloseReason reason) {
  if (closed_) return;
  closed_ = true;
  keepalive_timer_.cancel();
  answer_timer_.cancel();
  held_answers_.clear();
  if (linger_ && (!writing_.empty() || !outbox_.empty())) {
    // The final DISCONNECT is being written; the write completion closes the socket, or this deadline does.
    keepalive_timer_.expires_after(disconnect_linger);
    keepalive_timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
      if (!error) self->close_socket();
    });
  } else {
    outbox_.clear();
    close_socket();
  }
  Broker::Core& core = *core_;
  core.connections.erase(this);
  core.statistics.connections_open = core.connections.size();
  const bool still_owner = [&] {
    const auto entry = core.online.find(client_id_);
    if (entry == core.online.end() || entry->second != this) return false;
    core.online.erase(entry);
    return true;
  }();
  // DISCONNECT with reason 0x00 has already discarded the will [MQTT-3.14.4-3]; every other end of the connection
  // publishes it, after its Will Delay Interval or when the session ends [MQTT-3.1.2-8], except a refused CONNECT
  // and the broker's own shutdown.
  const bool publishes_will = reason != CloseReason::shutdown && reason != CloseReason::rejected;
  if (will_ && publishes_will && !core.has(Defect::no_will)) {
    Will will = std::move(*will_);
    const WillSettings settings = is_v5() ? read_will_settings(will.properties) : WillSettings{};
    auto message = std::make_shared<Message>();
    message->topic = std::move(will.topic);
    message->payload = std::move(will.payload);
    message->qos = core.has(Defect::will_qos0) ? QoS::at_most_once : will.qos;
    message->retain = will.retain && !core.has(Defect::will_retain_ignored);  // [MQTT-3.1.2-16], [MQTT-3.1.2-17]
    message->properties = settings.forwarded;  // user properties in order [MQTT-3.1.3-10]
    message->expiry_interval = settings.expiry_interval;
    message->publisher = client_id_;
    const std::uint32_t delay = core.has(Defect::will_without_delay) ? 0 : settings.delay_interval;
    if (delay > 0 && session_ != nullptr && still_owner) {
      core.delay_will(*session_, std::move(message), delay);
    } else {
      core.publish_will(message);
    }
    if (is_v5() && session_ != nullptr && core.has(Defect::will_published_again)) session_->kept_will() = message;
  } else if (!will_ && publishes_will && is_v5() && session_ != nullptr && session_->kept_will()) {
    // will-published-again: the will of an earlier connection, which the session should not hold [MQTT-3.1.2-10].
    auto again = std::make_shared<Message>(*session_->kept_will());
    session_->kept_will().reset();
    core.publish_will(again);
  }
  will_.reset();  // [MQTT-3.1.2-10]
  if (session_ != nullptr) {
    Session& session = *session_;
    session_ = nullptr;
    if (!core.online.contains(client_id_)) core.session_went_offline(session, version_);
    core.statistics.sessions = core.sessions.size();
  }
}

}  // namespace mqtt::broker
