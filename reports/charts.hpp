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
};

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
