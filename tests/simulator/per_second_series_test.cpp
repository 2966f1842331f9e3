// The time axis stays bounded: long plans get wider points, overruns double the width.
#include <gtest/gtest.h>

#include "simulator/per_second_series.hpp"

namespace mqtt::simulator {
namespace {

TEST(PerSecondSeries, AWeekLongRunGetsWiderPointsNotMorePoints) {
  FleetSpec week;
  week.duration_ms = 604'800'000;
  week.settle_ms = 0;
  PerSecondSeries planned(week);
  EXPECT_EQ(planned.interval_s(), 85);  // ceil(604,801 s / 7,200 points)
  for (std::int64_t second = 0; second < 604'800; second += 10) planned.published(second * 1'000'000'000);
  const auto timeline = planned.to_json(604'799'000'000'000, week);
  EXPECT_EQ(timeline["interval_s"], 85);
  EXPECT_EQ(timeline["published"].size(), 7116U);  // ceil(604,800 / 85)
  // A run that outlasts a short plan doubles its width instead of growing.
  PerSecondSeries overrun(FleetSpec{}, 10);
  for (std::int64_t second = 0; second < 100; ++second) overrun.delivered(second * 1'000'000'000, QoS::at_least_once, 5);
  EXPECT_LE(overrun.points(), 20U);
  const auto figures = overrun.to_json(99'000'000'000, FleetSpec{});
  double total = 0;
  for (const auto& count : figures["delivered"]) total += count.get<double>();
  EXPECT_EQ(total, 100);
  EXPECT_EQ(figures["latency_ms"]["qos1"]["p50"][0], 5);
}

}  // namespace
}  // namespace mqtt::simulator
