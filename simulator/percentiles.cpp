#include "simulator/percentiles.hpp"

#include <algorithm>
#include <cmath>

namespace mqtt::simulator {
namespace {

double nearest_rank(const std::vector<double>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

}  // namespace

nlohmann::json percentiles(std::vector<double>& values) {
  nlohmann::json result = {{"count", values.size()}};
  if (values.empty()) return result;
  std::sort(values.begin(), values.end());
  result["p50"] = rounded(nearest_rank(values, 0.50));
  result["p90"] = rounded(nearest_rank(values, 0.90));
  result["p99"] = rounded(nearest_rank(values, 0.99));
  result["p99.9"] = rounded(nearest_rank(values, 0.999));
  result["max"] = rounded(values.back());
  return result;
}

}  // namespace mqtt::simulator
