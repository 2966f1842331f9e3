// The part of a transport that owns the TCP socket itself (mqtt:// and mqtts://; WebSocket's socket belongs to
// Beast's stream): connecting with the deadline and the fault layer's hook, readiness waits, FIN, close and RST.
// A transport above it adds its own reads and writes and whatever it negotiates. Internal: included by .cpp files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/ip/tcp.hpp>

#include "client/detail/tcp_connect.hpp"
#include "client/detail/transport.hpp"

namespace mqtt::client::detail {

class SocketTransport : public Transport {
 public:
  explicit SocketTransport(const boost::asio::any_io_executor& executor) : socket_(executor) {}

  std::string peer() const override { return peer_; }

  void wait_readable(std::function<void(const boost::system::error_code&)> handler) override {
    socket_.async_wait(boost::asio::ip::tcp::socket::wait_read, std::move(handler));
  }

  void shutdown_send() override {
    boost::system::error_code ignored;
    socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  }

  void close() override { close_socket(socket_); }
  void abort() override { reset_socket(socket_); }

 protected:
  // The TCP connection, before `until`; "" or the one-line reason (connect_tcp).
  boost::asio::awaitable<std::string> connect_socket(const TargetUrl& target, Clock::time_point until,
                                                     const std::function<void(std::uint16_t)>& on_tcp_connected) {
    return connect_tcp(socket_, target, until, peer_, on_tcp_connected);
  }

  boost::asio::ip::tcp::socket socket_;
  std::string peer_;
};

}  // namespace mqtt::client::detail
