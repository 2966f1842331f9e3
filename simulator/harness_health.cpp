#include "simulator/harness_health.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mqtt::simulator {

void HarnessHealth::observe(Clock::time_point intended, Clock::time_point now, std::int64_t resident) {
  // Points for the seconds that ended before this observation (a stalled loop can skip several: they repeat
  // the stall's figures, which is what the loop did during them).
  while (now >= next_point_) {
    add_second(std::round(static_cast<double>(std::max(second_resident_kib_, resident)) / 102.4) / 10,
               std::round(std::max(second_lag_ms_, std::chrono::duration<double, std::milli>(now - intended).count()) *
                          100) /
                   100);
    second_lag_ms_ = 0;
    second_resident_kib_ = 0;
    next_point_ += std::chrono::seconds(1);
  }
  second_lag_ms_ = std::max(second_lag_ms_, std::chrono::duration<double, std::milli>(now - intended).count());
  second_resident_kib_ = std::max(second_resident_kib_, resident);
}

void HarnessHealth::add_second(double rss_mb, double lag_ms) {
  if (seconds_in_point_ == 0) {
    rss_mb_.push_back(rss_mb);
    lag_ms_.push_back(lag_ms);
  } else {
    rss_mb_.back() = std::max(rss_mb_.back(), rss_mb);
    lag_ms_.back() = std::max(lag_ms_.back(), lag_ms);
  }
  if (++seconds_in_point_ < interval_s_) return;
  seconds_in_point_ = 0;
  if (rss_mb_.size() < 2 * max_points) return;
  // Twice as wide, half as many: a point is the largest figure of its seconds, so merging takes the larger.
  for (auto* series : {&rss_mb_, &lag_ms_}) {
    for (std::size_t i = 0; i < series->size() / 2; ++i) (*series)[i] = std::max((*series)[2 * i], (*series)[2 * i + 1]);
    series->resize(series->size() / 2);
  }
  interval_s_ *= 2;
}

nlohmann::json HarnessHealth::to_json() const {
  const auto peak = [](const std::vector<double>& values) {
    return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
  };
  return {{"interval_s", interval_s_},
          {"rss_mb", rss_mb_},
          {"loop_lag_ms", lag_ms_},
          {"peak_rss_mb", peak(rss_mb_)},
          {"max_loop_lag_ms", peak(lag_ms_)}};
}

std::int64_t resident_kib() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (file == nullptr) return 0;
  long size = 0, resident = 0;
  const int read = std::fscanf(file, "%ld %ld", &size, &resident);
  std::fclose(file);
  if (read != 2) return 0;
  return static_cast<std::int64_t>(resident) * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace mqtt::simulator
