// The asynchronous session (Boost.Asio C++20 coroutines): automatic acknowledgements, packet ids, keep-alive
// and silence on top of an AsyncConnection. One session costs one connection plus about a hundred bytes and
// one pending keep-alive timer (none when the caller drives keep-alive); no threads. Same threading rule as AsyncConnection: call it from the connection's
// executor.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/async_connection.hpp"
#include "client/packet_id_allocator.hpp"
#include "client/server_limits.hpp"
#include "client/session.hpp"

namespace mqtt::client {

class AsyncSession : public std::enable_shared_from_this<AsyncSession>, private ConnectionObserver {
 public:
  // Becomes the connection's observer.
  static std::shared_ptr<AsyncSession> attach(std::shared_ptr<AsyncConnection> connection,
                                              SessionOptions options = {});
  AsyncSession(std::shared_ptr<AsyncConnection> connection, SessionOptions options);  // use attach()
  ~AsyncSession();
  AsyncSession(const AsyncSession&) = delete;
  AsyncSession& operator=(const AsyncSession&) = delete;

  const std::shared_ptr<AsyncConnection>& connection() const { return connection_; }
  PacketIdAllocator& packet_ids() { return packet_ids_; }

  // Semantics as in client/session.hpp.
  boost::asio::awaitable<RequestResult> connect(Connect connect, Duration deadline);
  boost::asio::awaitable<RequestResult> publish(Publish publish, Duration deadline);

  // A QoS 1 publish without a coroutine: a fleet device publishes ten a second, and each publish() cost two
  // coroutine frames and a timer. start_publish sends it (same limits and packet ids as publish()) and the
  // session tracks its PUBACK: the acknowledgement listener hears it as it is received, after it is recorded.
  // The caller keeps the deadline on its own timer and calls forget_publish when it passes (the packet id is
  // free again, as after a request that timed out). A close forgets every tracked publish; the caller learns of
  // the close from the connection.
  enum class PublishStart : std::uint8_t {
    sent,        // packet_id awaits its PUBACK
    withheld,    // beyond a limit of the CONNACK: not sent, nothing owed (publish() reports it as withheld)
    closed,      // the connection was closed: nothing sent
    no_packet_id  // every packet id is in flight: nothing sent (publish() reports it as a timeout)
  };
  struct StartedPublish {
    PublishStart state = PublishStart::sent;
    std::uint16_t packet_id = 0;
  };
  // `publish` must be QoS 1; it is moved into the recorded event.
  StartedPublish start_publish(Publish&& publish);
  void forget_publish(std::uint16_t packet_id);
  void set_acknowledgement_listener(std::function<void(std::uint16_t packet_id)> listener) {
    acknowledgement_listener_ = std::move(listener);
  }
  boost::asio::awaitable<RequestResult> subscribe(std::vector<Subscription> subscriptions, Duration deadline,
                                                  Properties properties = {});
  boost::asio::awaitable<RequestResult> unsubscribe(std::vector<std::string> filters, Duration deadline,
                                                    Properties properties = {});
  void disconnect(std::uint8_t reason_code = 0, Properties properties = {});
  std::size_t acknowledge(std::uint8_t reason_code = 0);
  void set_honour_limits(bool enabled) { honour_limits_ = enabled; }
  const ServerLimits& server_limits() const { return server_limits_; }
  boost::asio::awaitable<WaitResult> next_publish(Duration deadline);

  void set_silent(bool silent) { options_.silent = silent; }
  void set_auto_acknowledge(bool enabled) { options_.auto_acknowledge = enabled; }
  void set_keep_alive_pings(bool enabled) { options_.keep_alive_pings = enabled; }
  const SessionOptions& options() const { return options_; }

  // Keep-alive driven by the caller: the session arms no timer of its own (a fleet device's single timer also
  // covers its keep-alive). Call before connect(); then call ping_if_due() at keep_alive_due().
  void set_keep_alive_by_caller(bool enabled) { keep_alive_by_caller_ = enabled; }
  // When the next PINGREQ is due (last send + the CONNECT's keep alive); nullopt without keep-alive.
  // Inline: a fleet asks on every publishing tick of every device.
  std::optional<std::chrono::steady_clock::time_point> keep_alive_due() const {
    if (keep_alive_interval_.count() == 0 || !connection_->is_open()) return std::nullopt;
    if (!options_.keep_alive_pings || options_.silent) return std::nullopt;  // nothing would be sent
    return connection_->last_send_time() + keep_alive_interval_;
  }
  // Sends PINGREQ when due, under the same rules as the session's own timer (pings on, not silent).
  void ping_if_due();

 private:
  void on_packet(const Packet& packet) override;
  void on_closed() override;
  // Keep-alive is a timer with a plain handler, not a coroutine: one pending wait per idle session. The
  // handler holds the session; the connection's end cancels it.
  void arm_keep_alive();

  std::shared_ptr<AsyncConnection> connection_;
  SessionOptions options_;
  PacketIdAllocator packet_ids_;
  std::unique_ptr<boost::asio::steady_timer> keep_alive_timer_;  // created when keep-alive starts
  std::chrono::seconds keep_alive_interval_{0};
  bool keep_alive_running_ = false;
  bool keep_alive_by_caller_ = false;
  // MQTT 5.0: what the CONNACK declared, and the QoS 1/2 publishes of ours still awaiting their acknowledgement.
  ServerLimits server_limits_;
  bool honour_limits_ = true;
  std::size_t in_flight_ = 0;
  // Packets of the server left unanswered while automatic acknowledgement was off, in arrival order.
  struct Unanswered {
    PacketType type = PacketType::publish;  // PUBLISH (QoS 1 or 2) or PUBREL
    QoS qos = QoS::at_least_once;
    std::uint16_t packet_id = 0;
  };
  std::vector<Unanswered> unanswered_;
  // Packet ids of start_publish()es awaiting their PUBACK (a device has one at a time).
  std::vector<std::uint16_t> tracked_publishes_;
  std::function<void(std::uint16_t)> acknowledgement_listener_;
};

}  // namespace mqtt::client
