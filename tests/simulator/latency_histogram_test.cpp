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

namespace mqtt::simulator {
namespace {

// bucket_of() finds a value's bucket from a table; it must agree with the formula everywhere (a different bucket
// would change a reported percentile): at random values from 1 ns to 30 days, and on both sides of every bucket
// bound and of every table bin's edge, where a table and a logarithm could part.
TEST(LatencyHistogram, TheBucketTableAgreesWithTheFormula) {
  std::mt19937_64 random(seed_for("TheBucketTableAgreesWithTheFormula"));
  std::uniform_real_distribution<double> exponent(-6.0, 9.5);  // milliseconds: 1e-6 to about 3e9 (30 days)
  for (int i = 0; i < 2'000'000; ++i) {
    const double milliseconds = std::pow(10.0, exponent(random));
    ASSERT_EQ(LatencyHistogram::bucket_of(milliseconds), LatencyHistogram::bucket_by_formula(milliseconds))
        << milliseconds;
  }
  const auto around = [](double microseconds) {
    double value = microseconds;
    for (int step = 0; step < 40; ++step) value = std::nextafter(value, 0.0);
    for (int step = 0; step < 80; ++step, value = std::nextafter(value, 1e300)) {
      const double milliseconds = value / 1000.0;
      ASSERT_EQ(LatencyHistogram::bucket_of(milliseconds), LatencyHistogram::bucket_by_formula(milliseconds))
          << milliseconds;
    }
  };
  for (long double bound = 1.0L; bound < 4e12L; bound *= static_cast<long double>(LatencyHistogram::growth)) {
    around(static_cast<double>(bound));
    around(static_cast<double>(bound) * (1 + 5e-10));
    around(static_cast<double>(bound) * (1 - 5e-10));
  }
  for (int exponent = 0; exponent < 42; ++exponent) {  // the bins' edges: 2^e (1 + j/64) µs
    for (int bin = 0; bin < 64; ++bin) around(std::ldexp(1.0 + bin / 64.0, exponent));
  }
  EXPECT_EQ(LatencyHistogram::bucket_of(0.0), 0u);
  EXPECT_EQ(LatencyHistogram::bucket_of(-1.0), 0u);
  EXPECT_EQ(LatencyHistogram::bucket_of(std::nan("")), 0u);
}

}  // namespace
}  // namespace mqtt::simulator
