#include "reports/statistics_charts.hpp"

#include <algorithm>
#include <cmath>

#include "reports/charts.hpp"
#include "reports/markup.hpp"

namespace mqtt::reports {
namespace {

using nlohmann::json;

// `per` > 1 for counts summed over entries `per` seconds wide (a long run's `interval_s`), drawn as a rate per second.
TimeSeries series_of(const std::string& name, const json& values, double per = 1) {
  TimeSeries series{name, {}};
  if (!values.is_array()) return series;
  for (const auto& value : values) {
    series.values.push_back(value.is_number() ? std::optional<double>(value.get<double>() / per) : std::nullopt);
  }
  return series;
}

// Seconds per entry of a statistics series (simulator/per_second_series.hpp): 1 unless the run was long.
double interval_of(const json& figures) { return std::max(1.0, figures.value("interval_s", 1.0)); }

std::vector<TimeBand> fault_bands(const json& timeline) {
  std::vector<TimeBand> bands;
  if (!timeline.contains("faults") || !timeline["faults"].is_array()) return bands;
  for (const auto& fault : timeline["faults"]) {
    bands.push_back(TimeBand{fault.value("kind", std::string("fault")), fault.value("from_s", 0.0),
                             fault.value("to_s", 0.0)});
  }
  return bands;
}

std::string figure(const std::string& svg) { return "<figure>" + svg + "</figure>"; }

std::string distribution(const std::string& title, const json& figures) {
  if (!figures.is_object() || figures.value("count", 0) == 0) return "";
  std::vector<Bar> bars;
  for (const char* key : {"p50", "p90", "p99", "p99.9", "max"}) {
    if (figures.contains(key) && figures[key].is_number()) bars.push_back(Bar{key, figures[key].get<double>()});
  }
  return figure(bar_chart_svg(title + " (" + std::to_string(figures.value("count", 0)) + ")", "ms", bars));
}

}  // namespace

std::string statistics_charts_html(const json& stats) {
  if (!stats.is_object()) return "";
  std::string html;
  if (stats.contains("timeline") && stats["timeline"].is_object()) {
    const auto& timeline = stats["timeline"];
    const double seconds = timeline.value("seconds", 0.0);
    const double interval = interval_of(timeline);
    const auto bands = fault_bands(timeline);
    html += figure(time_chart_svg(TimeChart{"Messages per second",
                                            "messages/s",
                                            seconds,
                                            {series_of("published", timeline.value("published", json()), interval),
                                             series_of("delivered", timeline.value("delivered", json()), interval),
                                             series_of("lost", timeline.value("lost", json()), interval)},
                                            bands,
                                            interval}));
    if (timeline.contains("latency_ms") && timeline["latency_ms"].is_object()) {
      for (const auto& [qos, figures] : timeline["latency_ms"].items()) {
        html += figure(time_chart_svg(TimeChart{"Delivery latency, QoS " + qos.substr(qos.size() - 1) +
                                                    ", of deliveries in each second",
                                                "ms",
                                                seconds,
                                                {series_of("p50", figures.value("p50", json())),
                                                 series_of("p99", figures.value("p99", json())),
                                                 series_of("max", figures.value("max", json()))},
                                                bands,
                                                interval}));
      }
    }
    html += figure(time_chart_svg(TimeChart{"Connected clients and reconnects",
                                            "clients",
                                            seconds,
                                            {series_of("connected", timeline.value("connected", json())),
                                             series_of("reconnects per second", timeline.value("reconnects", json()),
                                                       interval)},
                                            bands,
                                            interval}));
    if (stats.contains("wills") && stats["wills"].is_object()) {
      const auto& wills = stats["wills"];
      // Counted only up to the last will; after it, none were due: zeros, not the end of the line.
      const double will_interval = interval_of(wills);
      auto due = series_of("due", wills.value("due_per_second", json()), will_interval);
      auto delivered = series_of("delivered", wills.value("delivered_per_second", json()), will_interval);
      const auto entries = static_cast<std::size_t>(std::ceil(seconds / will_interval));
      for (auto* series : {&due, &delivered}) {
        if (series->values.size() < entries) series->values.resize(entries, 0.0);
      }
      html += figure(time_chart_svg(TimeChart{"Wills due and delivered per second", "wills/s", seconds,
                                              {std::move(due), std::move(delivered)}, bands, will_interval}));
    }
  }
  if (stats.contains("harness") && stats["harness"].is_object()) {  // simulator/harness_health.hpp
    // Same origin as the timeline (the publishing window's start), so the fault bands line up.
    const auto& harness = stats["harness"];
    const auto bands = stats.contains("timeline") && stats["timeline"].is_object() ? fault_bands(stats["timeline"])
                                                                                   : std::vector<TimeBand>();
    const double interval = interval_of(harness);  // each point the largest figure of its seconds
    html += figure(time_chart_svg(TimeChart{"Harness resident memory", "MB", 0,
                                            {series_of("RSS", harness.value("rss_mb", json()))}, bands, interval}));
    html += figure(time_chart_svg(TimeChart{"Harness event-loop lag (how late its timers fired)", "ms", 0,
                                            {series_of("loop lag", harness.value("loop_lag_ms", json()))}, bands,
                                            interval}));
  }
  html += distribution("Connect latency, CONNECT to CONNACK", stats.value("connect_latency_ms", json()));
  if (stats.contains("delivery_latency_ms") && stats["delivery_latency_ms"].is_object()) {
    for (const auto& [qos, figures] : stats["delivery_latency_ms"].items()) {
      html += distribution("Delivery latency, QoS " + qos.substr(qos.size() - 1) + ", deliveries", figures);
    }
  }
  return html.empty() ? "" : "<div class=\"charts\">" + html + "</div>";
}

}  // namespace mqtt::reports
