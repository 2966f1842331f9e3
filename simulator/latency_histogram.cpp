#include "simulator/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

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

}  // namespace

std::size_t LatencyHistogram::bucket_of(double milliseconds) {
  const double microseconds = milliseconds * 1000.0;
  if (!(microseconds >= 1.0)) return 0;  // also NaN and negative values (clock steps)
  return static_cast<std::size_t>(std::floor(std::log(microseconds) / log_growth)) + 1;
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
