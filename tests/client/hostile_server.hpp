// Test support: a scripted hostile MQTT server on 127.0.0.1 (a port the kernel picks). It accepts one connection
// and runs a script on it — write these bytes (all at once, or one at a time), claim a huge packet, flood,
// never read, close in the middle of a packet — as a coroutine on the io_context it is given, so a client on
// the same context and the server make progress together without threads or sleeps.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "codec/encoder.hpp"
#include "codec/packet.hpp"

namespace mqtt::client::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

class HostileServer {
 public:
  using Script = std::function<asio::awaitable<void>(tcp::socket&)>;

  HostileServer(asio::io_context& context, Script script)
      : acceptor_(context, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(
        context,
        [this, script = std::move(script)]() -> asio::awaitable<void> {
          tcp::socket socket = co_await acceptor_.async_accept(asio::use_awaitable);
          socket.set_option(tcp::no_delay(true));
          try {
            co_await script(socket);
          } catch (const boost::system::system_error&) {
            // The client went away first (it gave up on us): that is what some scripts provoke.
          }
        },
        asio::detached);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url() const { return "mqtt://127.0.0.1:" + std::to_string(port()); }

 private:
  tcp::acceptor acceptor_;
};

// Script steps.
inline asio::awaitable<void> send(tcp::socket& socket, const Bytes& bytes) {
  co_await asio::async_write(socket, asio::buffer(bytes), asio::use_awaitable);
}

// Waits until the client has sent at least `count` bytes (its CONNECT, a SUBSCRIBE).
inline asio::awaitable<void> receive(tcp::socket& socket, std::size_t count) {
  Bytes buffer(count);
  co_await asio::async_read(socket, asio::buffer(buffer), asio::use_awaitable);
}

// Waits until the client closes.
inline asio::awaitable<void> until_closed(tcp::socket& socket) {
  std::array<std::uint8_t, 4096> buffer{};
  boost::system::error_code error;
  while (!error) co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, error));
}

inline Bytes connack_bytes() { return encode(Packet(Connack{})); }

inline Bytes publish_bytes(const std::string& topic, std::size_t payload_size, QoS qos = QoS::at_most_once,
                           std::uint16_t packet_id = 0) {
  Publish publish;
  publish.topic = topic;
  publish.qos = qos;
  if (qos != QoS::at_most_once) publish.packet_id = packet_id;
  publish.payload.assign(payload_size, 'x');
  return encode(Packet(publish));
}

}  // namespace mqtt::client::testing
