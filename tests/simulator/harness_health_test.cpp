// The harness health series of a long run gets wider points and keeps its peaks.
#include <gtest/gtest.h>

#include <chrono>

#include "simulator/harness_health.hpp"

namespace mqtt::simulator {
namespace {

TEST(HarnessHealth, ALongRunGetsWiderPointsKeepingItsPeaks) {
  const auto start = HarnessHealth::Clock::time_point{};
  HarnessHealth health(start);
  constexpr int seconds = 20'000;
  for (int second = 0; second <= seconds; ++second) {
    const auto intended = start + std::chrono::seconds(second);
    // One slow wake-up (250 ms late, 900 MB) at 12,345 s; otherwise 1 ms and 100 MB.
    const bool stall = second == 12'345;
    health.observe(intended, intended + std::chrono::milliseconds(stall ? 250 : 1), stall ? 900 * 1024 : 100 * 1024);
  }
  const auto figures = health.to_json();
  EXPECT_EQ(figures["interval_s"], 2);  // past 14,400 one-second points
  EXPECT_EQ(figures["rss_mb"].size(), static_cast<std::size_t>(seconds / 2));
  EXPECT_EQ(figures["peak_rss_mb"], 900);
  EXPECT_EQ(figures["max_loop_lag_ms"], 250);
  EXPECT_EQ(figures["loop_lag_ms"][12'345 / 2], 250);
}

}  // namespace
}  // namespace mqtt::simulator
