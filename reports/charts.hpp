// Inline SVG charts (no scripts, no network): series over a true time axis with faults as shaded bands, and bar
// charts with a unit. The SVG carries its own scale as data attributes (data-x-max, data-y-max, data-plot) and
// names every series and band, so tests can map drawn coordinates back to the values.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mqtt::reports {

struct TimeSeries {
  std::string name;                         // legend and data-series
  std::vector<std::optional<double>> values;  // values[i] is second i, drawn at its middle (i + 0.5 s); nullopt = gap
};

// At most this many points per series in a chart, whatever the run's length (a 7-day run has 604,800 seconds).
constexpr std::size_t chart_points_at_most = 600;

// The seconds each drawn point of a series of `seconds` values stands for: 1 up to chart_points_at_most seconds,
// else the smallest whole number of seconds that keeps the points within chart_points_at_most.
std::size_t bucket_seconds(std::size_t seconds);

// values[i] becomes bucket i / `bucket`: the highest value of its seconds, since a chart of a long run must still
// show the one second of loss or lag that matters; nullopt when none of its seconds has a value.
std::vector<std::optional<double>> highest_per_bucket(const std::vector<std::optional<double>>& values,
                                                      std::size_t bucket);

struct TimeBand {  // a shaded interval, e.g. a fault window
  std::string label;
  double from_s = 0;
  double to_s = 0;
};

struct TimeChart {
  std::string title;
  std::string y_unit;  // "messages/s", "ms", "clients"
  double seconds = 0;  // the x axis runs from 0 to this
  std::vector<TimeSeries> series;
  std::vector<TimeBand> bands;
  // Seconds each value of a series stands for: 1, or wider for long runs (the statistics' `interval_s`; a rate per
  // second is then already divided by it, see reports/statistics_charts.cpp).
  double interval_s = 1;
};

// Series longer than chart_points_at_most are drawn as the highest value per bucket_seconds(...) seconds, each
// point at its bucket's middle; the SVG states the bucket (data-bucket-s) and, when it is over 1 s, its title says
// so.
std::string time_chart_svg(const TimeChart& chart);

struct Bar {
  std::string label;
  double value = 0;
};

std::string bar_chart_svg(const std::string& title, const std::string& unit, const std::vector<Bar>& bars);

// The layout both kinds share, for tests that map coordinates back to values.
struct PlotArea {
  double left, top, width, height;
};
PlotArea plot_area();

// The smallest 1, 2, 2.5 or 5 times a power of ten at least `value` (1 for nothing positive): the top of an axis.
double nice_maximum(double value);

}  // namespace mqtt::reports
