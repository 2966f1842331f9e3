// What SIGINT and SIGTERM do to a judging command (conform, simulate, replay, inspect). The first signal asks the
// run to stop through a std::stop_token (the runner never sees a signal): load stops, connections close, what was
// recorded is judged and every report is written, marked interrupted, and the command exits 128 + the signal's
// number (130, 143). A second signal exits at once with that code, saying that the reports were not written.
// The same signal again from the same process within repeat_window of the first is not a second request but the
// first delivered twice (timeout(1) signals its command and then the command's process group); a terminal's
// Ctrl-C (sent by the kernel), another signal or another sender always counts.
//
// The handler does only what is async-signal-safe: the first signal writes its number into a pipe, a later one
// writes a prepared line to stderr and calls _exit. A watcher thread reads the pipe and requests the stop, so stop
// callbacks (which wake event loops) never run inside a handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "results/results.hpp"

namespace mqtt::cli {

inline constexpr std::int64_t repeat_window_ns = 1'000'000'000;  // 1 s

class InterruptWatch {
 public:
  // Installs the handlers for SIGINT and SIGTERM (with SA_RESTART, so system calls in progress are not failed by
  // the signal) and starts the watcher. `command` names the lines it prints ("mqtt-harness conform: ..."). One
  // watch at a time per process; the run's elapsed time is counted from here.
  explicit InterruptWatch(std::string_view command);
  // Restores the default dispositions and stops the watcher.
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  // Requested when the first signal arrives; hand it to the runner.
  std::stop_token token() const { return stop_.get_token(); }
  // The first signal, once it arrived: its name, number and the time since the watch started.
  std::optional<results::Interruption> interruption() const;
  // Marks `results` interrupted when a signal came before they were written (the exit code follows from it).
  void record(results::Results& results) const {
    if (auto interruption = this->interruption()) results.interrupted = std::move(*interruption);
  }

 private:
  void watch();

  std::string command_;
  std::chrono::steady_clock::time_point started_;
  std::stop_source stop_;
  int pipe_[2] = {-1, -1};  // the handler writes a signal number into [1]; the watcher reads [0]
  mutable std::mutex mutex_;
  std::optional<results::Interruption> interruption_;
  std::thread watcher_;
};

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal_number);

}  // namespace mqtt::cli
