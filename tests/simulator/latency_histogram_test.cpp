// The latency histogram keeps its promise: nearest-rank quantiles within 1 % of the exact ones, extremes exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>
#include <vector>

#include "simulator/latency_histogram.hpp"

namespace mqtt::simulator {
namespace {

std::uint64_t seed_for(const char* test) {
  const char* given = std::getenv("MQTT_TEST_SEED");
  const std::uint64_t seed = given != nullptr ? std::strtoull(given, nullptr, 10) : 20261206;
  std::cout << test << ": seed " << seed << " (MQTT_TEST_SEED to change)\n";
  return seed;
}

TEST(LatencyHistogram, AQuantileIsWithinOnePercentOfTheExactOne) {
  std::mt19937_64 random(seed_for("AQuantileIsWithinOnePercentOfTheExactOne"));
  std::uniform_real_distribution<double> exponent(-2, 4);  // 0.01 ms .. 10 s
  LatencyHistogram histogram;
  std::vector<double> values;
  for (int i = 0; i < 100'000; ++i) {
    values.push_back(std::pow(10.0, exponent(random)));
    histogram.add(values.back());
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (const double fraction : {0.01, 0.25, 0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
    const double exact = sorted[rank - 1];
    EXPECT_NEAR(histogram.quantile(fraction), exact, exact * LatencyHistogram::relative_error) << fraction;
  }
  EXPECT_EQ(histogram.quantile(1.0), sorted.back());
  EXPECT_EQ(histogram.quantile(1e-9), sorted.front());
  EXPECT_LE(LatencyHistogram::relative_error, 0.01);
}

}  // namespace
}  // namespace mqtt::simulator
