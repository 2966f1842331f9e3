// Many sleepers, few timers: each sleeper is called back at its time, in time order, by a plain handler. The
// fleet's devices publish on whole milliseconds; waking each one through its own timer and its coroutine cost a
// timer wait and a coroutine resume per message, where one wait now serves every device due in the same
// millisecond (docs/benchmarks.md, "The fleet's thread, second cut").
//
// Two Asio timers wait for the two earliest distinct times in the queue. Asio keeps one kernel timer (a timerfd)
// set to its earliest timer: it sets it again after each expiry, and again whenever a wait is added that is
// earlier than every other. With one timer, each wake paid both (the expiry, then the next wake armed as the new
// earliest); with the next time already armed on the second timer, the expiry's own reset lands on it, and the
// wake after it is armed behind it, without touching the kernel timer ("The fleet's thread, fourth cut").
//
// A sleeper is named with a generation: the owner bumps its own count to take back a wake it no longer wants, and
// the handler is still called for it (with the old generation) so that it can tell. Single-threaded: use it from
// the executor's thread only. Destroy it before its io_context.
#pragma once

#include <algorithm>
#include <array>
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
      : timers_{Timer{boost::asio::steady_timer(executor)}, Timer{boost::asio::steady_timer(executor)}},
        handler_(std::move(handler)) {}
  WakeQueue(const WakeQueue&) = delete;
  WakeQueue& operator=(const WakeQueue&) = delete;

  // `sleeper` is called back once its time has come (at `when` or later).
  void add(Clock::time_point when, Sleeper& sleeper, std::uint64_t generation) {
    wakes_.push_back(Wake{when, &sleeper, generation});
    std::push_heap(wakes_.begin(), wakes_.end(), later);
    if (!running_) arm();  // run() arms once, after its handlers added their sleepers' next wakes
  }

  std::size_t size() const { return wakes_.size(); }
  // How many waits were armed earlier than both timers' pending ones (each such arm resets Asio's kernel timer);
  // for tests and benchmarks.
  std::uint64_t earliest_arms() const { return earliest_arms_; }

 private:
  struct Wake {
    Clock::time_point when;
    Sleeper* sleeper;
    std::uint64_t generation;
  };
  struct Timer {
    boost::asio::steady_timer timer;
    std::optional<Clock::time_point> armed_at;  // when the pending wait ends, if one is pending
    std::uint64_t arming = 0;  // bumped per arm: a completion of an earlier arm is stale
  };
  static bool later(const Wake& a, const Wake& b) { return a.when > b.when; }

  // The earliest wake later than `first` (the heap's root): a walk through the root's run of wakes at `first`,
  // which are due together anyway.
  std::optional<Clock::time_point> next_after(Clock::time_point first) const {
    std::optional<Clock::time_point> next;
    scratch_.assign(1, 0);
    while (!scratch_.empty()) {
      const std::size_t index = scratch_.back();
      scratch_.pop_back();
      for (std::size_t child = 2 * index + 1; child <= 2 * index + 2 && child < wakes_.size(); ++child) {
        const Clock::time_point when = wakes_[child].when;
        if (when <= first) {
          scratch_.push_back(child);
        } else if (!next || when < *next) {
          next = when;
        }
      }
    }
    return next;
  }

  // The timers wait for the two earliest distinct times; one already waiting for either is left as it is.
  void arm() {
    if (wakes_.empty()) return;
    const Clock::time_point first = wakes_.front().when;
    ensure_armed(first, std::nullopt);
    if (const auto second = next_after(first)) ensure_armed(*second, first);
  }

  // Arms a timer for `when` unless one waits for it already; the timer taken is one waiting for neither `when`
  // nor `keep` (the other time the pair should hold), the later one first.
  void ensure_armed(Clock::time_point when, std::optional<Clock::time_point> keep) {
    for (const Timer& timer : timers_) {
      if (timer.armed_at == when) return;
    }
    Timer* chosen = nullptr;
    for (Timer& timer : timers_) {
      if (timer.armed_at && timer.armed_at == keep) continue;
      if (chosen == nullptr || !timer.armed_at || (chosen->armed_at && *timer.armed_at > *chosen->armed_at)) {
        chosen = &timer;
      }
    }
    if (chosen == nullptr) return;
    bool earliest = true;
    for (const Timer& timer : timers_) {
      if (&timer != chosen && timer.armed_at && *timer.armed_at <= when) earliest = false;
    }
    earliest_arms_ += earliest ? 1 : 0;
    chosen->armed_at = when;
    const std::uint64_t arming = ++chosen->arming;
    // Moving the expiry cancels the pending wait, whose handler then sees operation_aborted and leaves.
    chosen->timer.expires_at(when);
    chosen->timer.async_wait([this, chosen, arming](const boost::system::error_code& error) {
      if (error || arming != chosen->arming) return;
      chosen->armed_at.reset();
      run();
    });
  }

  // Every wake whose time has come, earliest first; a handler may add wakes (its sleeper's next time).
  void run() {
    const Clock::time_point now = Clock::now();
    running_ = true;
    while (!wakes_.empty() && wakes_.front().when <= now) {
      std::pop_heap(wakes_.begin(), wakes_.end(), later);
      const Wake wake = wakes_.back();
      wakes_.pop_back();
      handler_(*wake.sleeper, wake.generation);
    }
    running_ = false;
    arm();
  }

  std::array<Timer, 2> timers_;
  Handler handler_;
  std::vector<Wake> wakes_;  // a min-heap on `when`
  mutable std::vector<std::size_t> scratch_;  // next_after's walk, kept to spare an allocation per wake
  bool running_ = false;
  std::uint64_t earliest_arms_ = 0;
};

}  // namespace mqtt::simulator
