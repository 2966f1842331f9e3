// The byte pipe under a connection. TCP today; TLS (mqtts://) and WebSocket (ws://) implement the same
// interface later, and the connection layer above does not change. Internal: included by .cpp files only.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "client/connection.hpp"
#include "client/target_url.hpp"

namespace mqtt::client::detail {

struct ReadResult {
  boost::system::error_code error;
  std::size_t size = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Resolves and connects within `deadline`. Returns an empty string on success, else a one-line reason.
  virtual boost::asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline) = 0;
  virtual std::string peer() const = 0;  // "host:port" actually connected to
  virtual boost::asio::awaitable<ReadResult> read_some(boost::asio::mutable_buffer buffer) = 0;
  // Calls `handler` once when the socket is readable, or with the error that ended the wait. A plain pending
  // operation, no coroutine frame: what an idle connection costs while it waits for the server.
  virtual void wait_readable(std::function<void(const boost::system::error_code&)> handler) = 0;
  // Reads what has arrived without waiting; 0 with no error = nothing yet, asio::error::eof at the end.
  virtual std::size_t read_available(boost::asio::mutable_buffer buffer,
                                     boost::system::error_code& error) = 0;
  // Writes what the kernel accepts right now without waiting; returns the count (0 with no error = would block).
  virtual std::size_t try_write(boost::asio::const_buffer buffer, boost::system::error_code& error) = 0;
  virtual boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer buffer) = 0;
  virtual void shutdown_send() = 0;  // FIN; reading continues
  virtual void close() = 0;          // release the socket
  virtual void abort() = 0;          // RST: linger 0, then close
};

std::unique_ptr<Transport> make_transport(const boost::asio::any_io_executor& executor, Scheme scheme);

}  // namespace mqtt::client::detail
