// The asynchronous session (Boost.Asio C++20 coroutines): automatic acknowledgements, packet ids, keep-alive
// and silence on top of an AsyncConnection. One session costs one connection plus a few hundred bytes and one
// keep-alive coroutine; no threads. Same threading rule as AsyncConnection: call it from the connection's
// executor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>

#include "client/async_connection.hpp"
#include "client/packet_id_allocator.hpp"
#include "client/session.hpp"

namespace mqtt::client {

class AsyncSession : public std::enable_shared_from_this<AsyncSession> {
 public:
  // Takes over the connection's packet hook.
  static std::shared_ptr<AsyncSession> attach(std::shared_ptr<AsyncConnection> connection,
                                              SessionOptions options = {});
  AsyncSession(std::shared_ptr<AsyncConnection> connection, SessionOptions options);  // use attach()

  const std::shared_ptr<AsyncConnection>& connection() const { return connection_; }
  PacketIdAllocator& packet_ids() { return packet_ids_; }

  // Semantics as in client/session.hpp.
  boost::asio::awaitable<RequestResult> connect(Connect connect, Duration deadline);
  boost::asio::awaitable<RequestResult> publish(Publish publish, Duration deadline);
  boost::asio::awaitable<RequestResult> subscribe(std::vector<Subscription> subscriptions, Duration deadline,
                                                  Properties properties = {});
  boost::asio::awaitable<RequestResult> unsubscribe(std::vector<std::string> filters, Duration deadline,
                                                    Properties properties = {});
  void disconnect(std::uint8_t reason_code = 0);
  boost::asio::awaitable<WaitResult> next_publish(Duration deadline);

  void set_silent(bool silent) { options_.silent = silent; }
  void set_auto_acknowledge(bool enabled) { options_.auto_acknowledge = enabled; }
  void set_keep_alive_pings(bool enabled) { options_.keep_alive_pings = enabled; }
  const SessionOptions& options() const { return options_; }

 private:
  void on_packet(const Packet& packet);
  boost::asio::awaitable<void> keep_alive_loop(std::shared_ptr<AsyncSession> self, std::chrono::seconds interval);

  std::shared_ptr<AsyncConnection> connection_;
  SessionOptions options_;
  PacketIdAllocator packet_ids_;
  bool keep_alive_running_ = false;
};

}  // namespace mqtt::client
