#include "client/async_connection.hpp"
#include "client/loop_watch.hpp"

#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mqtt::client {

namespace asio = boost::asio;
using boost::system::error_code;

asio::awaitable<WaitResult> AsyncConnection::next(Duration deadline) {
  return wait_for([](const Packet&) { return true; }, deadline);
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(PacketType type, Duration deadline) {
  return wait_for([type](const Packet& packet) { return packet_type(packet) == type; }, deadline);
}

std::optional<WaitResult> AsyncConnection::take_matching(const std::function<bool(const Packet&)>& match) {
  if (inbox_) {
    const auto found = std::find_if(inbox_->begin(), inbox_->end(),
                                    [&](const Queued& queued) { return match(queued.packet); });
    if (found != inbox_->end()) {
      WaitResult result;
      result.outcome = WaitOutcome::packet;
      result.packet = std::move(found->packet);
      result.sequence = found->sequence;
      inbox_bytes_ -= found->size;
      inbox_->erase(found);
      if (inbox_->empty()) inbox_.reset();
      return result;
    }
  }
  if (!is_open()) return closed_result();
  return std::nullopt;
}

asio::awaitable<WaitResult> AsyncConnection::wait_for(std::function<bool(const Packet&)> match, Duration deadline) {
  // One coroutine frame per wait (thousands of devices wait for their CONNACK at once); the timer exists only
  // when the answer is not already there. Packets and the close cancel it, and the loop looks again.
  // A packet that arrives while it waits is handed over directly (hand_to_waiter).
  auto self = shared_from_this();
  WatchedDeadline until(deadline);  // moves out by the time this loop was held (client/loop_watch.hpp)
  std::optional<asio::steady_timer> timer;
  std::optional<WaitResult> handed;
  for (;;) {
    if (handed) co_return std::move(*handed);
    if (auto result = take_matching(match)) co_return std::move(*result);
    if (until.passed()) co_return WaitResult{};
    if (!timer) timer.emplace(executor_);
    timer->expires_at(until.until());
    waiters_.push_back(Waiter{&match, &handed, &*timer});
    error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase_if(waiters_, [&](const Waiter& waiter) { return waiter.timer == &*timer; });
  }
}

asio::awaitable<WaitResult> AsyncConnection::wait_for_close(Duration deadline) {
  // Its own small loop on the close-only list: an idle device waits here for a long time, and packets that
  // arrive meanwhile need not wake it.
  auto self = shared_from_this();
  WatchedDeadline until(deadline);  // moves out by the time this loop was held (client/loop_watch.hpp)
  while (is_open() && !until.passed()) {
    asio::steady_timer timer(executor_, until.until());
    close_waiters_.push_back(&timer);
    error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    std::erase(close_waiters_, &timer);
  }
  if (!is_open()) co_return closed_result();
  co_return WaitResult{};
}

}  // namespace mqtt::client
