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

}  // namespace mqtt::client
