// The byte pipe under a connection: plain TCP (mqtt://), TLS (mqtts://), WebSocket (ws://) and WebSocket over TLS
// (wss://) implement the same interface, and the connection layer above sees only MQTT bytes. The interface is
// readiness-based (wait, then read what is there) so that an idle connection holds no read buffer and no coroutine
// frame. Internal: included by .cpp files only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "client/connection.hpp"
#include "client/target_url.hpp"
#include "client/websocket_framing.hpp"
#include "history/event.hpp"

namespace mqtt::client {
class AsyncConnection;
}

namespace mqtt::client::detail {

// Where a plain TCP read completes: the connection's own handler, holding the connection while the read is
// pending. A named type rather than a std::function: the function copied its lambda (a shared_ptr, which it
// does not store inline) to the heap on every read, and called it through one more indirection.
class ReadCompletion {
 public:
  explicit ReadCompletion(std::shared_ptr<AsyncConnection> connection) : connection_(std::move(connection)) {}
  void operator()(const boost::system::error_code& error, std::size_t size);  // async_connection_reading.cpp

 private:
  std::shared_ptr<AsyncConnection> connection_;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Resolves and connects within `deadline`, handshakes included (TLS, WebSocket upgrade). Returns an empty string
  // on success, else a one-line reason. `on_tcp_connected`, when set, is called with the local port once the TCP
  // connection stands and before any byte is sent (the fault proxy learns whose connection it is).
  virtual boost::asio::awaitable<std::string> connect(const TargetUrl& target, Duration deadline,
                                                      const std::function<void(std::uint16_t)>& on_tcp_connected) = 0;
  virtual std::string peer() const = 0;  // "host:port" actually connected to
  // What the layers above TCP agreed, for the `open` event: "TLSv1.3", "WebSocket /mqtt", ""; short, one per
  // connection in a fleet's history.
  virtual std::string negotiated() const { return {}; }
  // One line for an error that ended the connection when the layer above TCP says more than the socket would
  // ("TLS alert from the server: certificate required"); "" for plain socket errors.
  virtual std::string explain(const boost::system::error_code& error) const {
    (void)error;
    return {};
  }
  // Calls `handler` once when the socket is readable, or with the error that ended the wait. A plain pending
  // operation, no coroutine frame: what an idle connection costs while it waits for the server.
  virtual void wait_readable(std::function<void(const boost::system::error_code&)> handler) = 0;
  // Reads what has arrived without waiting; 0 with no error = nothing yet, asio::error::eof at the end.
  virtual std::size_t read_available(boost::asio::mutable_buffer buffer,
                                     boost::system::error_code& error) = 0;
  // Plain TCP only (else false, and read_into is never called): `handler` gets the bytes read into `buffer` as
  // soon as some arrive. Asio tries this read at once and, after a read that emptied the socket, waits without
  // touching epoll again; wait_readable re-arms the socket with an epoll_ctl per wait (Asio 1.18's async_wait
  // is never speculative), which cost a system call per read: per PUBACK a QoS 1 device reads.
  virtual bool reads_into_buffer() const { return false; }
  virtual void read_into(boost::asio::mutable_buffer buffer, ReadCompletion handler) {
    (void)buffer;
    (void)handler;
  }
  // Writes what the kernel accepts right now without waiting; returns the count (0 with no error = would block).
  virtual std::size_t try_write(boost::asio::const_buffer buffer, boost::system::error_code& error) = 0;
  virtual boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer buffer) = 0;
  // WebSocket only: writes `buffer` framed as asked (client/websocket_framing.hpp); false from every other
  // transport, which then writes nothing.
  virtual bool frames_messages() const { return false; }
  virtual boost::asio::awaitable<boost::system::error_code> write_framed(boost::asio::const_buffer buffer,
                                                                         WebSocketFraming framing) {
    (void)framing;
    co_return co_await write(buffer);
  }
  // WebSocket only: what the upgrade agreed (sub-protocols offered and chosen), also after a failed open that got
  // that far; nullopt from every other transport.
  virtual std::optional<history::WebSocketDetail> handshake_detail() const { return std::nullopt; }
  // WebSocket only: the data messages whose last bytes the reads since the previous call returned, in order
  // (opcode and length), for one history note each.
  virtual std::vector<history::WebSocketDetail> take_finished_messages() { return {}; }
  // WebSocket only: record binary messages too, not only text ones (conformance cases; fleets leave it off).
  virtual void record_every_message(bool every) { (void)every; }
  virtual void shutdown_send() = 0;  // FIN; reading continues
  virtual void close() = 0;          // release the socket
  virtual void abort() = 0;          // RST: linger 0, then close
};

// The transport for the scheme (client/transport.cpp); each lives in its own file.
std::unique_ptr<Transport> make_transport(const boost::asio::any_io_executor& executor, Scheme scheme);
std::unique_ptr<Transport> make_tcp_transport(const boost::asio::any_io_executor& executor);
std::unique_ptr<Transport> make_tls_transport(const boost::asio::any_io_executor& executor);
std::unique_ptr<Transport> make_websocket_transport(const boost::asio::any_io_executor& executor, bool over_tls);

}  // namespace mqtt::client::detail
