// Latencies in bounded memory: a histogram with logarithmic buckets, so a run of 36 M deliveries keeps a few
// kilobytes per figure instead of a vector of every value. Percentiles are nearest rank, read from the bucket that
// holds the rank; the count, the minimum and the maximum are exact.
//
// Error: every value of 1 µs or more falls in a bucket [g^i, g^(i+1)) µs with g = 1.02 and is reported as the
// bucket's point 2·g·g^i/(1+g), at most (g-1)/(g+1) < 1 % away from any value in it (the figures are then
// rounded to 1 µs as before). Values under 1 µs (and 0) share one bucket reported as 0. A rank
// of 1 reports the exact minimum and the last rank the exact maximum, and no figure leaves [minimum, maximum].
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace mqtt::simulator {

class LatencyHistogram {
 public:
  static constexpr double growth = 1.02;  // bucket width ratio: relative error (growth-1)/(growth+1) < 1 %
  static constexpr double relative_error = (growth - 1) / (growth + 1);

  void add(double milliseconds) { add(milliseconds, bucket_of(milliseconds)); }
  // The same with its bucket already known: one delivery goes into two histograms (the run's and its second's),
  // and the logarithm was most of the cost of an add.
  void add(double milliseconds, std::size_t bucket);
  static std::size_t bucket_of(double milliseconds);
  // floor(log(µs) / log(g)) + 1 computed as written (bucket_of finds the same from a table; tests compare them).
  static std::size_t bucket_by_formula(double milliseconds);
  void clear();
  std::uint64_t count() const { return count_; }
  double minimum() const { return minimum_; }
  double maximum() const { return maximum_; }
  // The nearest-rank value at `fraction` (0 < fraction <= 1), within relative_error of the true one; 0 when empty.
  double quantile(double fraction) const;
  // {"count", "p50", "p90", "p99", "p99.9", "max"} rounded to 1 µs like percentiles() (fleet_stats.hpp);
  // {"count": 0} when empty.
  nlohmann::json to_json() const;

 private:
  std::vector<std::uint64_t> buckets_;  // [0]: under 1 µs; [i + 1]: [g^i, g^(i+1)) µs
  std::uint64_t count_ = 0;
  double minimum_ = 0;
  double maximum_ = 0;
};

}  // namespace mqtt::simulator
