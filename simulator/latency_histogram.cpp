#include "simulator/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mqtt::simulator {
namespace {

const double log_growth = std::log(LatencyHistogram::growth);

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

// The point of bucket i (i >= 1) with the same relative distance to both of its ends.
double point_of(std::size_t bucket) {
  if (bucket == 0) return 0;
  const double low = std::exp(static_cast<double>(bucket - 1) * log_growth);
  return 2.0 * LatencyHistogram::growth * low / (1.0 + LatencyHistogram::growth) / 1000.0;
}

// The bucket by the formula: floor(log(us) / log(g)) + 1. The table below gives the same without the logarithm.
std::size_t bucket_by_logarithm(double microseconds) {
  return static_cast<std::size_t>(std::floor(std::log(microseconds) / log_growth)) + 1;
}

// bucket_of() without a logarithm for 1 µs to 2^40 µs (12.7 days): a double's exponent and its six leading
// mantissa bits name a bin less than 1/64 wide, narrower than a bucket (2 %), so a bin holds at most one bucket
// bound g^k and one comparison finds the bucket. A value within a relative 1e-9 of a bound is left to the formula:
// the formula's own error (a few 1e-13 in units of buckets) is far smaller than that margin (5e-8 buckets), so
// everywhere else both give the same bucket.
class BucketTable {
 public:
  static constexpr int mantissa_bits = 6;
  static constexpr int exponents = 40;

  BucketTable() {
    long double bound = 1.0L;
    while (bounds_.size() < 1500) {  // g^1500 > 2^40: every bucket of the table's range
      bounds_.push_back(static_cast<double>(bound));
      bound *= static_cast<long double>(LatencyHistogram::growth);
    }
    first_.resize(static_cast<std::size_t>(exponents) << mantissa_bits);
    std::size_t bucket = 1;  // [g^0, g^1)
    for (std::size_t bin = 0; bin < first_.size(); ++bin) {
      const double low = from_bin(bin);
      while (bounds_[bucket] <= low) ++bucket;
      first_[bin] = static_cast<std::uint16_t>(bucket);
    }
  }

  std::size_t bucket_of(double microseconds) const {
    if (!(microseconds < 1099511627776.0)) return bucket_by_logarithm(microseconds);  // 2^40 and NaN
    std::uint64_t bits;
    std::memcpy(&bits, &microseconds, sizeof bits);
    const auto bin = static_cast<std::size_t>((bits >> (52 - mantissa_bits)) - (std::uint64_t{1023} << mantissa_bits));
    std::size_t bucket = first_[bin];
    if (microseconds >= bounds_[bucket]) ++bucket;
    // Bucket b is [g^(b-1), g^b): too near either bound, the formula decides.
    const double low = bounds_[bucket - 1], high = bounds_[bucket];
    if (microseconds - low < low * 1e-9 || high - microseconds < high * 1e-9) return bucket_by_logarithm(microseconds);
    return bucket;
  }

 private:
  static double from_bin(std::size_t bin) {
    const std::uint64_t bits = (static_cast<std::uint64_t>(bin) + (std::uint64_t{1023} << mantissa_bits))
                               << (52 - mantissa_bits);
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

  std::vector<double> bounds_;        // bounds_[k] = g^k
  std::vector<std::uint16_t> first_;  // per bin: the bucket of its lowest value
};

const BucketTable bucket_table;

}  // namespace

std::size_t LatencyHistogram::bucket_of(double milliseconds) {
  const double microseconds = milliseconds * 1000.0;
  if (!(microseconds >= 1.0)) return 0;  // also NaN and negative values (clock steps)
  return bucket_table.bucket_of(microseconds);
}

std::size_t LatencyHistogram::bucket_by_formula(double milliseconds) {
  const double microseconds = milliseconds * 1000.0;
  if (!(microseconds >= 1.0)) return 0;
  return bucket_by_logarithm(microseconds);
}

void LatencyHistogram::add(double milliseconds, std::size_t bucket) {
  if (buckets_.size() <= bucket) buckets_.resize(bucket + 1, 0);
  ++buckets_[bucket];
  minimum_ = count_ == 0 ? milliseconds : std::min(minimum_, milliseconds);
  maximum_ = count_ == 0 ? milliseconds : std::max(maximum_, milliseconds);
  ++count_;
}

void LatencyHistogram::clear() {
  buckets_.clear();
  count_ = 0;
  minimum_ = maximum_ = 0;
}

double LatencyHistogram::quantile(double fraction) const {
  if (count_ == 0) return 0;
  const auto wanted = static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
  const std::uint64_t rank = std::clamp<std::uint64_t>(wanted, 1, count_);
  if (rank == 1) return minimum_;
  if (rank == count_) return maximum_;
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
    seen += buckets_[bucket];
    if (seen >= rank) return std::clamp(point_of(bucket), minimum_, maximum_);
  }
  return maximum_;
}

nlohmann::json LatencyHistogram::to_json() const {
  nlohmann::json result = {{"count", count_}};
  if (count_ == 0) return result;
  result["p50"] = rounded(quantile(0.50));
  result["p90"] = rounded(quantile(0.90));
  result["p99"] = rounded(quantile(0.99));
  result["p99.9"] = rounded(quantile(0.999));
  result["max"] = rounded(maximum_);
  return result;
}

}  // namespace mqtt::simulator
