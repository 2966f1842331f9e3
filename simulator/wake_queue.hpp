// Many sleepers, one timer: each sleeper is called back at its time from one Asio timer, in time order, by a
// plain handler. The fleet's devices publish on whole milliseconds; waking each one through its own timer and
// its coroutine cost a timer wait and a coroutine resume per message, where one wait now serves every device due
// in the same millisecond (docs/benchmarks.md, "The fleet's thread, second cut").
//
// A sleeper is named with a generation: the owner bumps its own count to take back a wake it no longer wants, and
// the handler is still called for it (with the old generation) so that it can tell. Single-threaded: use it from
// the executor's thread only. Destroy it before its io_context.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mqtt::simulator {

// `Handler` is called as handler(sleeper, generation). A fleet passes its own small function object: through a
// std::function each of its 10,000 wakes a second was an indirect call the compiler could not see into.
template <typename Sleeper, typename Handler = std::function<void(Sleeper&, std::uint64_t generation)>>
class WakeQueue {
 public:
  using Clock = std::chrono::steady_clock;

  WakeQueue(const boost::asio::any_io_executor& executor, Handler handler)
      : timer_(executor), handler_(std::move(handler)) {}
  WakeQueue(const WakeQueue&) = delete;
  WakeQueue& operator=(const WakeQueue&) = delete;

  // `sleeper` is called back once its time has come (at `when` or later).
  void add(Clock::time_point when, Sleeper& sleeper, std::uint64_t generation) {
    wakes_.push_back(Wake{when, &sleeper, generation});
    std::push_heap(wakes_.begin(), wakes_.end(), later);
    arm();
  }

  std::size_t size() const { return wakes_.size(); }

 private:
  struct Wake {
    Clock::time_point when;
    Sleeper* sleeper;
    std::uint64_t generation;
  };
  static bool later(const Wake& a, const Wake& b) { return a.when > b.when; }

  // The timer waits for the earliest wake; a wake added later than the pending wait changes nothing.
  void arm() {
    if (wakes_.empty()) return;
    const Clock::time_point first = wakes_.front().when;
    if (armed_at_ && *armed_at_ <= first) return;
    armed_at_ = first;
    // Moving the expiry cancels the pending wait, whose handler then sees operation_aborted and leaves.
    timer_.expires_at(first);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      armed_at_.reset();
      run();
    });
  }

  // Every wake whose time has come, earliest first; a handler may add wakes (its sleeper's next time).
  void run() {
    const Clock::time_point now = Clock::now();
    while (!wakes_.empty() && wakes_.front().when <= now) {
      std::pop_heap(wakes_.begin(), wakes_.end(), later);
      const Wake wake = wakes_.back();
      wakes_.pop_back();
      handler_(*wake.sleeper, wake.generation);
    }
    arm();
  }

  boost::asio::steady_timer timer_;
  Handler handler_;
  std::vector<Wake> wakes_;  // a min-heap on `when`
  std::optional<Clock::time_point> armed_at_;  // when the pending wait ends, if one is pending
};

}  // namespace mqtt::simulator
