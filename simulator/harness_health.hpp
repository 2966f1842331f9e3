// The harness's own health over a fleet run, one point per second: its resident memory and how late its event
// loop woke for a timer (the loop's lag, which every device on that loop suffers too). A soak run's user reads
// from it (results.json stats.harness, the reports' statistics) that the harness itself stayed healthy, so what
// the run shows is the broker's doing.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace mqtt::simulator {

class HarnessHealth {
 public:
  using Clock = std::chrono::steady_clock;

  explicit HarnessHealth(Clock::time_point start) : start_(start), next_point_(start + std::chrono::seconds(1)) {}

  // A timer meant to fire at `intended` ran at `now`, and the process holds `resident_kib`; every second of
  // observations becomes one point (the largest lag and memory seen in it).
  void observe(Clock::time_point intended, Clock::time_point now, std::int64_t resident_kib);

  // {"interval_s": W, "rss_mb": [...], "loop_lag_ms": [...], "peak_rss_mb": X, "max_loop_lag_ms": Y}; the
  // arrays have a point per W whole seconds observed (the largest figures of those seconds): W is 1 until the run
  // passes 2 × max_points seconds, then doubles each time it would (a 7-day run: 64 s, 9,450 points). Pure.
  nlohmann::json to_json() const;

 private:
  Clock::time_point start_;
  Clock::time_point next_point_;
  double second_lag_ms_ = 0;
  std::int64_t second_resident_kib_ = 0;
  void add_second(double rss_mb, double lag_ms);

  static constexpr std::size_t max_points = 7200;
  std::int64_t interval_s_ = 1;
  std::int64_t seconds_in_point_ = 0;  // of the newest point, while it is not full
  std::vector<double> rss_mb_;
  std::vector<double> lag_ms_;
};

// This process's resident set in KiB (/proc/self/statm), 0 when it cannot be read.
std::int64_t resident_kib();

}  // namespace mqtt::simulator
