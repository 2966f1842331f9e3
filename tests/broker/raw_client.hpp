// A blocking MQTT client for broker tests: sends packets (or raw bytes) and waits for the next packet, the
// close, or a deadline, whichever comes first. Decodes with the harness codec as the server's peer.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "codec/packet.hpp"

namespace mqtt::broker::testing {

using namespace std::chrono_literals;

struct Closed {};
struct TimedOut {};
using Received = std::variant<Packet, Closed, TimedOut>;

class RawClient {
 public:
  explicit RawClient(std::uint16_t port, ProtocolVersion version = ProtocolVersion::v3_1_1)
      : socket_(io_context_), decoder_(DecoderOptions{Sender::server, version}), version_(version) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    socket_.set_option(boost::asio::ip::tcp::no_delay(true));
  }

  ProtocolVersion version() const { return version_; }

  void send_bytes(const Bytes& bytes) {
    boost::system::error_code error;
    boost::asio::write(socket_, boost::asio::buffer(bytes), error);  // a closed peer shows up on receive
  }
  void send(const Packet& packet) { send_bytes(encode(packet)); }

  // The next packet from the broker, or Closed, or TimedOut when the deadline passes first.
  Received receive(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto next = decoder_.next();
      if (auto* decoded = std::get_if<DecodedPacket>(&next)) {
        last_bytes_.assign(decoded->raw.begin(), decoded->raw.end());
        return decoded->packet;
      }
      if (auto* error = std::get_if<DecodeError>(&next)) {
        decode_error_ = *error;  // what the strict codec found wrong with the broker's bytes
        return Closed{};
      }
      if (closed_) return Closed{};
      bool done = false;
      boost::system::error_code error;
      std::size_t received = 0;
      socket_.async_read_some(boost::asio::buffer(buffer_), [&](boost::system::error_code e, std::size_t n) {
        error = e;
        received = n;
        done = true;
      });
      io_context_.restart();
      io_context_.run_until(deadline);
      if (!done) {
        socket_.cancel();
        io_context_.restart();
        io_context_.run();
        if (!done || error == boost::asio::error::operation_aborted) return TimedOut{};
      }
      if (error) {
        closed_ = true;
        return Closed{};
      }
      decoder_.feed(std::span<const std::uint8_t>(buffer_.data(), received));
    }
  }

  // The next packet, which must be a T; anything else fails the test with a description.
  template <typename T>
  T expect(std::chrono::milliseconds timeout = 5s) {
    Received received = receive(timeout);
    if (auto* packet = std::get_if<Packet>(&received)) {
      if (auto* value = std::get_if<T>(packet)) return *value;
      throw std::runtime_error("expected another packet type, got " + std::string(to_string(packet_type(*packet))));
    }
    throw std::runtime_error(std::holds_alternative<Closed>(received) ? "connection closed" : "timed out");
  }

  // True when the broker closes the connection before the deadline (packets before the close are skipped).
  bool closed_within(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      Received received = receive(left);
      if (std::holds_alternative<Closed>(received)) return true;
      if (std::holds_alternative<TimedOut>(received)) return false;
    }
  }

  Connack connect(Connect connect) {
    connect.version = version_;
    send(connect);
    return expect<Connack>();
  }
  Connack connect(const std::string& client_id, bool clean_session = true) {
    Connect packet;
    packet.client_id = client_id;
    packet.clean_session = clean_session;
    return connect(packet);
  }

  Suback subscribe(const std::string& filter, QoS qos, std::uint16_t packet_id = 1) {
    send(Subscribe{version_, packet_id, {Subscription{filter, qos}}, {}});
    return expect<Suback>();
  }

  // Publishes and completes the acknowledgement flow for QoS 1 and 2.
  void publish(const std::string& topic, const std::string& payload, QoS qos = QoS::at_most_once, bool retain = false,
               std::uint16_t packet_id = 1) {
    Publish publish;
    publish.version = version_;
    publish.topic = topic;
    publish.payload.assign(payload.begin(), payload.end());
    publish.qos = qos;
    publish.retain = retain;
    if (qos != QoS::at_most_once) publish.packet_id = packet_id;
    send(publish);
    if (qos == QoS::at_least_once) {
      if (expect<Puback>().packet_id != packet_id) throw std::runtime_error("PUBACK for another packet id");
    } else if (qos == QoS::exactly_once) {
      if (expect<Pubrec>().packet_id != packet_id) throw std::runtime_error("PUBREC for another packet id");
      send(Pubrel{version_, packet_id, 0, {}});
      if (expect<Pubcomp>().packet_id != packet_id) throw std::runtime_error("PUBCOMP for another packet id");
    }
  }

  // Round trip that proves the broker has processed everything sent before it.
  void ping() {
    send(Pingreq{version_});
    expect<Pingresp>();
  }

  void disconnect() { send(Disconnect{version_, 0, {}}); }

  // True when nothing at all arrives before the deadline: shows that a packet was not sent (and bounds a wait that
  // the protocol measures in whole seconds, such as an expiry interval).
  bool silent_for(std::chrono::milliseconds timeout) { return std::holds_alternative<TimedOut>(receive(timeout)); }

  // The wire bytes of the packet receive() returned last (to tell a short form from a long one).
  const Bytes& last_bytes() const { return last_bytes_; }

  // Set when the broker sent bytes the codec rejects; the connection then reads as Closed.
  const std::optional<DecodeError>& decode_error() const { return decode_error_; }

  void close_abruptly() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    closed_ = true;
  }

 private:
  boost::asio::io_context io_context_;
  boost::asio::ip::tcp::socket socket_;
  StreamDecoder decoder_;
  ProtocolVersion version_;
  std::array<std::uint8_t, 16 * 1024> buffer_{};
  bool closed_ = false;
  std::optional<DecodeError> decode_error_;
  Bytes last_bytes_;
};

inline std::string text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

}  // namespace mqtt::broker::testing
