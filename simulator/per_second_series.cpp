#include "simulator/per_second_series.hpp"

#include <algorithm>
#include <cmath>

namespace mqtt::simulator {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

std::int64_t second_of(std::int64_t time_ns) { return std::max<std::int64_t>(0, time_ns) / second_ns; }

double rounded(double value) { return std::round(value * 1000.0) / 1000.0; }

nlohmann::json padded(std::vector<double> series, std::size_t points) {
  series.resize(points, 0);
  return series;
}

template <typename Value, typename Merge>
void halve(std::vector<Value>& series, Merge merge) {
  std::vector<Value> merged((series.size() + 1) / 2);
  for (std::size_t i = 0; i < series.size(); ++i) merged[i / 2] = i % 2 == 0 ? series[i] : merge(merged[i / 2], series[i]);
  series = std::move(merged);
}

}  // namespace

PerSecondSeries::PerSecondSeries(const FleetSpec& spec, std::size_t max_points)
    : max_points_(std::max<std::size_t>(1, max_points)) {
  const std::int64_t planned_s = (static_cast<std::int64_t>(spec.duration_ms) + spec.settle_ms) / 1000 + 1;
  interval_s_ = std::max<std::int64_t>(1, (planned_s + static_cast<std::int64_t>(max_points_) - 1) /
                                              static_cast<std::int64_t>(max_points_));
  for (const auto& fault : spec.faults) {
    // A close fault is an instant: shown as its recorded events' span, at least 1 s wide.
    const std::int64_t from_ns = static_cast<std::int64_t>(fault.at_ms) * 1'000'000;
    const bool instant = fault.kind == FaultKind::close;
    const std::int64_t to_ns = from_ns + static_cast<std::int64_t>(instant ? 1000 : fault.duration_ms) * 1'000'000;
    fault_windows_.push_back(FaultWindow{std::string(to_string(fault.kind)), from_ns, to_ns});
  }
}

std::size_t PerSecondSeries::points() const {
  std::size_t points = open_point_ + 1;
  for (const auto* series : {&published_, &delivered_, &lost_, &connected_change_, &reconnects_}) {
    points = std::max(points, series->size());
  }
  return points;
}

void PerSecondSeries::widen() {
  close_latency_point();
  interval_s_ *= 2;
  const auto add = [](double left, double right) { return left + right; };
  for (auto* series : {&published_, &delivered_, &lost_, &connected_change_, &reconnects_}) halve(*series, add);
  for (auto& series : latency_) {
    halve(series, [](const LatencyPoint& left, const LatencyPoint& right) {
      if (left.count == 0) return right;
      if (right.count == 0) return left;
      const double total = static_cast<double>(left.count + right.count);
      return LatencyPoint{left.count + right.count,
                          (left.p50 * static_cast<double>(left.count) + right.p50 * static_cast<double>(right.count)) /
                              total,
                          std::max(left.p99, right.p99), std::max(left.max, right.max)};
    });
  }
  open_point_ /= 2;
}

std::size_t PerSecondSeries::point_of(std::int64_t time_ns) {
  auto point = static_cast<std::size_t>(second_of(time_ns) / interval_s_);
  while (point >= 2 * max_points_) {
    widen();
    point = static_cast<std::size_t>(second_of(time_ns) / interval_s_);
  }
  return point;
}

void PerSecondSeries::bump(std::vector<double>& series, std::int64_t time_ns, double amount) {
  const auto point = point_of(time_ns);
  if (series.size() <= point) series.resize(point + 1, 0);
  series[point] += amount;
}

void PerSecondSeries::close_latency_point() {
  for (int qos = 0; qos < 3; ++qos) {
    auto& histogram = open_latency_[qos];
    if (histogram.count() == 0) continue;
    auto& series = latency_[qos];
    if (series.size() <= open_point_) series.resize(open_point_ + 1);
    series[open_point_] = LatencyPoint{histogram.count(), histogram.quantile(0.50), histogram.quantile(0.99),
                                       histogram.maximum()};
    histogram.clear();
  }
}

void PerSecondSeries::delivered(std::int64_t time_ns, QoS qos, double latency_ms, std::size_t latency_bucket) {
  const auto point = point_of(time_ns);  // once for both series (bump() would find it again)
  if (delivered_.size() <= point) delivered_.resize(point + 1, 0);
  delivered_[point] += 1;
  // Deliveries come in time order: a later point closes the open one. One from an earlier point (events a little
  // out of order) joins the open point.
  if (point > open_point_) {
    close_latency_point();
    open_point_ = point;
  }
  open_latency_[static_cast<int>(qos) % 3].add(latency_ms, latency_bucket);
}

void PerSecondSeries::fault_event(std::int64_t time_ns, const std::string& kind) {
  for (auto& window : fault_windows_) {
    if (window.kind == kind && time_ns >= window.from_ns - second_ns && time_ns <= window.to_ns + second_ns) {
      ++window.events;
    }
  }
}

nlohmann::json PerSecondSeries::to_json(std::int64_t end_ns, const FleetSpec& spec) const {
  const std::size_t held = points();
  const auto seconds = std::max<std::int64_t>(second_of(end_ns) + 1, static_cast<std::int64_t>(held) * interval_s_ -
                                                                         (interval_s_ - 1));
  const auto count = static_cast<std::size_t>((seconds + interval_s_ - 1) / interval_s_);
  nlohmann::json timeline = {{"seconds", seconds},
                             {"interval_s", interval_s_},
                             {"published", padded(published_, count)},
                             {"delivered", padded(delivered_, count)},
                             {"lost", padded(lost_, count)},
                             {"reconnects", padded(reconnects_, count)}};
  // Changes per interval summed up: the number connected at the end of each interval.
  std::vector<double> connected = connected_change_;
  connected.resize(count, 0);
  for (std::size_t point = 1; point < count; ++point) connected[point] += connected[point - 1];
  timeline["connected"] = connected;
  timeline["latency_ms"] = nlohmann::json::object();
  for (int qos = 0; qos < 3; ++qos) {
    auto series = latency_[qos];
    const auto& open = open_latency_[qos];
    if (open.count() > 0) {
      if (series.size() <= open_point_) series.resize(open_point_ + 1);
      series[open_point_] = LatencyPoint{open.count(), open.quantile(0.50), open.quantile(0.99), open.maximum()};
    }
    if (series.empty()) continue;
    nlohmann::json p50 = nlohmann::json::array(), p99 = nlohmann::json::array(), maximum = nlohmann::json::array();
    for (std::size_t point = 0; point < count; ++point) {
      if (point >= series.size() || series[point].count == 0) {
        p50.push_back(nullptr);
        p99.push_back(nullptr);
        maximum.push_back(nullptr);
        continue;
      }
      p50.push_back(rounded(series[point].p50));
      p99.push_back(rounded(series[point].p99));
      maximum.push_back(rounded(series[point].max));
    }
    timeline["latency_ms"]["qos" + std::to_string(qos)] = {{"p50", p50}, {"p99", p99}, {"max", maximum}};
  }
  // The scheduled windows with how many fault events the history recorded inside each (1 s either side).
  timeline["faults"] = nlohmann::json::array();
  for (std::size_t i = 0; i < spec.faults.size() && i < fault_windows_.size(); ++i) {
    const auto& fault = spec.faults[i];
    const auto& window = fault_windows_[i];
    timeline["faults"].push_back({{"kind", window.kind},
                                  {"group", fault.group},
                                  {"fraction", fault.fraction},
                                  {"from_s", static_cast<double>(window.from_ns) / 1e9},
                                  {"to_s", static_cast<double>(window.to_ns) / 1e9},
                                  {"events", window.events}});
  }
  return timeline;
}

}  // namespace mqtt::simulator
