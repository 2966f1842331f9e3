// What every transport does first: open the TCP connection (to the target, or to its relay), with a deadline;
// and the deadline guard the handshakes above TCP use. Internal: included by .cpp files only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <utility>  // before Boost.Asio 1.74: its awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "client/target_url.hpp"

namespace mqtt::client::detail {

using Clock = std::chrono::steady_clock;

// Calls `on_expiry` once if `until` passes while the guard lives (it cancels or closes whatever is in progress,
// and the operation then fails with operation_aborted). The timer's handler may already be queued when the
// operation finishes, so the guard's destruction disarms it for good.
class Deadline {
 public:
  Deadline(const boost::asio::any_io_executor& executor, Clock::time_point until, std::function<void()> on_expiry);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    bool expired = false;
    bool finished = false;
    std::function<void()> on_expiry;
  };
  std::shared_ptr<State> state_;
  boost::asio::steady_timer timer_;
};

// Connects `socket` to target.relay_host:relay_port when set, else to target.host:port, before `until`.
// Returns "" and sets `peer` ("127.0.0.1:8883") on success, else the one-line reason ("connection refused by
// host:8883", "no answer from host:8883 within 5000 ms"). Sets TCP_NODELAY. `on_tcp_connected`, when set, is then
// called with the local port before any byte is sent (the fault layer's hook: it learns whose connection it is).
// Every transport opens its TCP connection here.
boost::asio::awaitable<std::string> connect_tcp(boost::asio::ip::tcp::socket& socket, const TargetUrl& target,
                                                Clock::time_point until, std::string& peer,
                                                const std::function<void(std::uint16_t)>& on_tcp_connected);

// Releases the socket (close_socket) or resets the connection first (reset_socket: SO_LINGER 0, so the close
// sends RST); errors are of no interest at that point.
void close_socket(boost::asio::ip::tcp::socket& socket);
void reset_socket(boost::asio::ip::tcp::socket& socket);

// Waits until `socket` is ready for `type` or `until` passes (then boost::asio::error::timed_out). Nothing else
// may be pending on the socket: expiry cancels all its operations.
boost::asio::awaitable<boost::system::error_code> wait_ready(boost::asio::ip::tcp::socket& socket,
                                                             boost::asio::ip::tcp::socket::wait_type type,
                                                             Clock::time_point until);

// "5000 ms" for the messages above.
std::string milliseconds_text(Clock::duration duration);

}  // namespace mqtt::client::detail
