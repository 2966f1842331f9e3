#include "client/loop_watch.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace mqtt::client {

namespace {

namespace asio = boost::asio;

thread_local std::int64_t looked_steady_ns = 0;
// The sum of the gaps' excess over loop_lag_recorded_above between the looks so far (loop_unlooked_ns).
thread_local std::int64_t unlooked_before_look_ns = 0;

std::int64_t gap_excess_ns(std::int64_t gap_ns) {
  const auto allowance = std::chrono::nanoseconds(loop_lag_recorded_above).count();
  return gap_ns > allowance ? gap_ns - allowance : 0;
}

// The loop was seen keeping up at `steady_ns`: the gap since its previous look is added to the unseen time.
void note_look(std::int64_t steady_ns) {
  if (steady_ns <= looked_steady_ns) return;
  if (looked_steady_ns != 0) unlooked_before_look_ns += gap_excess_ns(steady_ns - looked_steady_ns);
  looked_steady_ns = steady_ns;
}

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// One per io_context: a thread that posts the probe. A thread rather than a timer on the loop, because a
// pending timer is outstanding work and would keep io_context::run() from returning; a posted probe is done
// as soon as it runs.
class LoopWatchService : public asio::execution_context::service {
 public:
  using key_type = LoopWatchService;
  static inline asio::execution_context::id id;

  explicit LoopWatchService(asio::execution_context& context) : asio::execution_context::service(context) {}
  ~LoopWatchService() override { stop(); }

  void start(asio::any_io_executor executor) {
    watcher_ = std::jthread([executor = std::move(executor)](std::stop_token stop) {
      std::mutex mutex;
      std::condition_variable_any wake;
      std::unique_lock lock(mutex);
      // The number of the last probe that ran, shared with the probes (they may outlive this thread).
      const auto ran = std::make_shared<std::atomic<std::uint64_t>>(0);
      std::uint64_t posted_count = 0;
      auto next = std::chrono::steady_clock::now() + loop_watch_period;
      while (true) {
        // Returns at `next`, or at once when the stop is requested (then it keeps returning at once).
        wake.wait_until(lock, stop, next, [] { return false; });
        if (stop.stop_requested()) break;
        // Timed from the previous deadline, not from now: a watcher woken late does not drift.
        next = std::max(next + loop_watch_period, std::chrono::steady_clock::now());
        const std::uint64_t number = ++posted_count;
        // A probe posted while the previous one still waits was posted during a stall: even if it runs
        // promptly (queued just before the stall ends), it runs before events the stall held back, which
        // would then look fresh. Only a probe posted to a loop that had kept up may say the loop looked.
        const bool kept_up = ran->load(std::memory_order_relaxed) + 1 == number;
        const std::int64_t posted = steady_now_ns();
        asio::post(executor, [posted, kept_up, number, ran] {
          ran->store(number, std::memory_order_relaxed);
          const auto tolerance = std::chrono::nanoseconds(loop_watch_tolerance).count();
          if (kept_up && steady_now_ns() - posted <= tolerance) note_look(posted);
        });
      }
    });
  }

 private:
  void shutdown() override { stop(); }
  void stop() {
    if (!watcher_.joinable()) return;
    watcher_.request_stop();
    watcher_.join();
    // The io_context is going away; a thread that ran it and runs another loop later must not look watched.
    looked_steady_ns = 0;
  }

  std::jthread watcher_;
};

}  // namespace

void watch_loop(const asio::any_io_executor& executor) {
  auto& context = asio::query(executor, asio::execution::context_as<asio::execution_context&>);
  // Several threads may run one io_context (and open connections at once): one of them starts the watch.
  static std::mutex starting;
  std::lock_guard lock(starting);
  if (asio::has_service<LoopWatchService>(context)) return;
  looked_steady_ns = steady_now_ns();
  asio::make_service<LoopWatchService>(context).start(executor);
}

std::int64_t loop_looked_steady_ns() noexcept { return looked_steady_ns; }

void set_loop_looked_steady_ns(std::int64_t steady_ns) noexcept { looked_steady_ns = steady_ns; }

std::int64_t loop_unlooked_ns(std::int64_t steady_now_ns) noexcept {
  if (looked_steady_ns == 0) return unlooked_before_look_ns;
  return unlooked_before_look_ns + gap_excess_ns(steady_now_ns - looked_steady_ns);
}

void set_loop_unlooked_ns(std::int64_t unlooked_ns) noexcept { unlooked_before_look_ns = unlooked_ns; }

WatchedDeadline::WatchedDeadline(Clock::duration length) noexcept
    : original_(Clock::now() + length),
      cap_(std::max<Clock::duration>(length, watched_deadline_least_cap)),
      unlooked_at_start_ns_(loop_unlooked_ns(steady_now_ns())) {}

WatchedDeadline::Clock::time_point WatchedDeadline::until() noexcept {
  const auto unlooked = std::chrono::nanoseconds(loop_unlooked_ns(steady_now_ns()) - unlooked_at_start_ns_);
  const auto moved = std::min(cap_, std::chrono::duration_cast<Clock::duration>(unlooked));
  extension_ = std::max(extension_, moved);
  return original_ + extension_;
}

WatchedDeadline::Clock::duration WatchedDeadline::remaining() noexcept {
  const auto now = Clock::now();
  const auto deadline = until();
  return deadline > now ? deadline - now : Clock::duration::zero();
}

}  // namespace mqtt::client
