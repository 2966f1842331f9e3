// How the harness knows when its own event loop was keeping up, so that a verdict never blames the broker for
// the harness's lateness. The harness learns of a close (or a packet) when its loop gets to it; a loop busy in
// a long handler, or starved by a loaded machine, stamps the event late. A watcher thread per io_context posts a
// probe to the loop every loop_watch_period; a probe that runs within loop_watch_tolerance of being posted shows
// the loop was polling then. The Recorder reads the last such moment (a thread-local: no system call, no
// allocation per event) and, when it is older than loop_lag_recorded_above, records it on the event as
// Event::looked_ns: the earliest time the event can have happened (docs/architecture.md, "How time is recorded").
#pragma once

#include <chrono>
#include <cstdint>

#include <boost/asio/any_io_executor.hpp>

namespace mqtt::client {

inline constexpr std::chrono::milliseconds loop_watch_period{25};
inline constexpr std::chrono::milliseconds loop_watch_tolerance{20};
// Period plus tolerance plus margin: a loop that keeps up never has its events marked.
inline constexpr std::chrono::milliseconds loop_lag_recorded_above{60};

// Starts, once per io_context, the watch of the loop that runs `executor`. Call it from that loop (a coroutine
// or handler on `executor`): the calling thread counts as having looked now.
void watch_loop(const boost::asio::any_io_executor& executor);

// steady_clock nanoseconds (since its epoch) at which the loop running on this thread was last seen keeping
// up; 0 when this thread runs no watched loop.
std::int64_t loop_looked_steady_ns() noexcept;

// For tests: as if this thread's loop had last been seen keeping up at `steady_ns` (0: no watched loop).
void set_loop_looked_steady_ns(std::int64_t steady_ns) noexcept;

// How long, in all, the loop running on this thread was not seen keeping up, up to `steady_now_ns`: each gap
// between two looks (or from the last look to now) counts beyond loop_lag_recorded_above. It grows only while
// the loop is not looking (and may fall back by at most that allowance when a look ends a gap). 0 when this
// thread has run no watched loop.
std::int64_t loop_unlooked_ns(std::int64_t steady_now_ns) noexcept;

// For tests: as if the loop on this thread had been unseen for `unlooked_ns` in all before its last look.
void set_loop_unlooked_ns(std::int64_t unlooked_ns) noexcept;

// The most a WatchedDeadline moves out, whatever its length: a loop that is never seen again (a probe thread
// that cannot run) must not hold a wait for ever.
inline constexpr std::chrono::seconds watched_deadline_least_cap{10};

// A "did not arrive within D" deadline that counts only the time the harness was looking. A wall-clock D runs
// out early when the harness's own loop was held (a long handler, a process starved on a loaded machine): the
// answer can sit unread in the socket while the wait runs out, and "the broker never answered" would be the
// harness's lateness. So the deadline moves out by exactly the time the loop watch saw the loop not keeping up
// since the wait began, never by a fixed slack: a broker that stays silent still runs out the whole D
// (docs/architecture.md, "How time is recorded"). Capped at the larger of D and watched_deadline_least_cap.
// Use it on the thread that runs the loop.
class WatchedDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WatchedDeadline(Clock::duration length) noexcept;

  // The deadline as of now: the original one, moved out by the loop's unseen time so far (never moved back).
  Clock::time_point until() noexcept;
  bool passed() noexcept { return Clock::now() >= until(); }
  Clock::duration remaining() noexcept;
  // How far it has moved out so far.
  Clock::duration extension() noexcept {
    until();
    return extension_;
  }

 private:
  Clock::time_point original_;
  Clock::duration cap_;
  std::int64_t unlooked_at_start_ns_ = 0;
  Clock::duration extension_{};
};

}  // namespace mqtt::client
