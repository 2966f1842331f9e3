// Builds client-perspective histories for checker tests, one line per packet, like a sequence diagram.
// Time advances 1 ms per event unless `at()`/`after()` says otherwise, so tests state every interval that matters.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "history/event.hpp"

namespace mqtt::model::testing {

inline constexpr std::int64_t milliseconds = 1'000'000;
inline constexpr std::int64_t seconds = 1'000'000'000;

inline Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

class HistoryBuilder {
 public:
  // Moves the clock forward before the next event.
  HistoryBuilder& after(std::int64_t delta_ns) {
    time_ns_ += delta_ns;
    return *this;
  }

  std::uint64_t open(std::uint32_t connection, std::string actor = {}) {
    return add(connection, history::EventKind::open, std::nullopt, std::move(actor));
  }

  std::uint64_t sent(std::uint32_t connection, Packet packet) {
    return add(connection, history::EventKind::sent, std::move(packet));
  }

  std::uint64_t received(std::uint32_t connection, Packet packet) {
    return add(connection, history::EventKind::received, std::move(packet));
  }

  std::uint64_t sent_raw(std::uint32_t connection, Bytes raw) {
    auto sequence = add(connection, history::EventKind::sent, std::nullopt);
    history_.events.back().raw = std::move(raw);
    return sequence;
  }

  // `partial`: the bytes of a packet the connection ended in the middle of (the client records them).
  std::uint64_t closed(std::uint32_t connection, history::CloseReason reason, Bytes partial = {}) {
    auto sequence = add(connection, history::EventKind::closed, std::nullopt);
    history_.events.back().close_reason = reason;
    history_.events.back().raw = std::move(partial);
    return sequence;
  }

  std::uint64_t note(std::uint32_t connection, std::string detail) {
    auto sequence = add(connection, history::EventKind::note, std::nullopt);
    history_.events.back().detail = std::move(detail);
    return sequence;
  }

  std::uint64_t fault(std::uint32_t connection, std::string name) {
    auto sequence = add(connection, history::EventKind::fault, std::nullopt);
    history_.events.back().fault = std::move(name);
    return sequence;
  }

  std::uint64_t decode_error(std::uint32_t connection, DecodeError error) {
    auto sequence = add(connection, history::EventKind::decode_error, std::nullopt);
    history_.events.back().error = std::move(error);
    return sequence;
  }

  // Open + CONNECT + CONNACK in one line for the common case; returns the CONNACK's sequence.
  std::uint64_t connected(std::uint32_t connection, std::string client_id, bool clean_session = true,
                          bool session_present = false, std::optional<Will> will = std::nullopt,
                          std::uint16_t keep_alive = 0) {
    open(connection, client_id);
    Connect connect;
    connect.client_id = std::move(client_id);
    connect.clean_session = clean_session;
    connect.keep_alive = keep_alive;
    connect.will = std::move(will);
    sent(connection, connect);
    Connack connack;
    connack.session_present = session_present;
    return received(connection, connack);
  }

  // SUBSCRIBE + SUBACK granting what was asked.
  std::uint64_t subscribed(std::uint32_t connection, std::uint16_t packet_id, std::string filter, QoS qos) {
    sent(connection, subscribe(packet_id, {{std::move(filter), qos}}));
    Suback suback;
    suback.packet_id = packet_id;
    suback.reason_codes = {static_cast<std::uint8_t>(qos)};
    return received(connection, suback);
  }

  static Subscribe subscribe(std::uint16_t packet_id, std::vector<std::pair<std::string, QoS>> filters) {
    Subscribe packet;
    packet.packet_id = packet_id;
    for (auto& [filter, qos] : filters) {
      Subscription subscription;
      subscription.filter = filter;
      subscription.qos = qos;
      packet.subscriptions.push_back(subscription);
    }
    return packet;
  }

  static Publish publish(std::string topic, std::string_view payload, QoS qos = QoS::at_most_once,
                         std::optional<std::uint16_t> packet_id = std::nullopt, bool retain = false, bool dup = false) {
    Publish packet;
    packet.topic = std::move(topic);
    packet.payload = bytes_of(payload);
    packet.qos = qos;
    packet.packet_id = packet_id;
    packet.retain = retain;
    packet.dup = dup;
    return packet;
  }

  template <typename Ack>
  static Ack ack(std::uint16_t packet_id) {
    Ack packet;
    packet.packet_id = packet_id;
    return packet;
  }

  // What the WebSocket layer did under the last event added (an open, a framed send, a received message's note).
  void websocket(history::WebSocketDetail detail) { history_.events.back().websocket = std::move(detail); }
  // The last event was noticed by a late loop: the loop last looked `earlier` before its time.
  void looked_earlier(std::int64_t earlier) {
    history_.events.back().looked_ns = history_.events.back().time_ns - earlier;
  }

  std::int64_t now() const { return time_ns_; }
  const history::History& history() const { return history_; }

 private:
  std::uint64_t add(std::uint32_t connection, history::EventKind kind, std::optional<Packet> packet,
                    std::string actor = {}) {
    history::Event event;
    event.sequence = ++sequence_;
    time_ns_ += milliseconds;
    event.time_ns = time_ns_;
    event.connection = connection;
    event.actor = std::move(actor);
    event.kind = kind;
    event.packet = std::move(packet);
    history_.events.push_back(std::move(event));
    return sequence_;
  }

  history::History history_;
  std::uint64_t sequence_ = 0;
  std::int64_t time_ns_ = 0;
};

}  // namespace mqtt::model::testing
