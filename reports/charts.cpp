#include "reports/charts.hpp"

#include <algorithm>
#include <cmath>

#include "reports/markup.hpp"

namespace mqtt::reports {
namespace {

constexpr double chart_width = 540;  // two side by side in the report's 1,152 px column
constexpr double chart_height = 240;
constexpr double margin_left = 64;
constexpr double margin_right = 16;
constexpr double margin_top = 40;
constexpr double margin_bottom = 40;
constexpr const char* palette[] = {"#2563eb", "#059669", "#dc2626", "#d97706", "#7c3aed", "#0891b2"};
constexpr const char* band_colour = "#f59e0b";

std::string number_text(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 100 || value == std::floor(value)) return format_number(value, 0);
  if (magnitude >= 1) return format_number(value, 1);
  return format_number(value, 3);
}

std::string coordinate(double value) { return format_number(value, 1); }

std::string attribute(const std::string& name, const std::string& value) {
  return " " + name + "=\"" + escape_xml(value) + "\"";
}

std::string chart_open(const std::string& kind, const std::string& title, const std::string& scale) {
  const PlotArea plot = plot_area();
  return "<svg class=\"chart\" role=\"img\"" + attribute("data-chart", kind) +
         scale +
         attribute("data-plot", coordinate(plot.left) + " " + coordinate(plot.top) + " " + coordinate(plot.width) +
                                    " " + coordinate(plot.height)) +
         " width=\"" + coordinate(chart_width) + "\" height=\"" + coordinate(chart_height) + "\" viewBox=\"0 0 " +
         coordinate(chart_width) + " " + coordinate(chart_height) + "\"><title>" + escape_xml(title) +
         "</title><text x=\"" + coordinate(margin_left) + "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">" +
         escape_xml(title) + "</text>";
}

// The y axis with five labelled gridlines and its unit written along it.
std::string y_axis(double maximum, const std::string& unit) {
  const PlotArea plot = plot_area();
  const double bottom = plot.top + plot.height;
  std::string svg = "<g class=\"y-axis\"" + attribute("data-unit", unit) + ">";
  for (int tick = 0; tick <= 4; ++tick) {
    const double y = bottom - plot.height * tick / 4.0;
    svg += "<text x=\"" + coordinate(plot.left - 4) + "\" y=\"" + coordinate(y + 4) +
           "\" font-size=\"10\" text-anchor=\"end\">" + number_text(maximum * tick / 4.0) + "</text>";
    svg += "<line x1=\"" + coordinate(plot.left) + "\" y1=\"" + coordinate(y) + "\" x2=\"" +
           coordinate(plot.left + plot.width) + "\" y2=\"" + coordinate(y) + "\" stroke=\"" +
           (tick == 0 ? "#444" : "#e5e5e5") + "\"/>";
  }
  const double middle = plot.top + plot.height / 2;
  svg += "<line x1=\"" + coordinate(plot.left) + "\" y1=\"" + coordinate(plot.top) + "\" x2=\"" +
         coordinate(plot.left) + "\" y2=\"" + coordinate(bottom) + "\" stroke=\"#444\"/>";
  svg += "<text class=\"unit\" x=\"14\" y=\"" + coordinate(middle) + "\" font-size=\"11\" text-anchor=\"middle\" "
         "transform=\"rotate(-90 14 " + coordinate(middle) + ")\">" + escape_xml(unit) + "</text>";
  return svg + "</g>";
}

// Tick spacing for a time axis of `seconds`: at most about ten labelled ticks.
double time_step(double seconds) {
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0}) {
    if (seconds / step <= 10) return step;
  }
  return 7200;
}

std::string x_time_axis(double seconds) {
  const PlotArea plot = plot_area();
  const double bottom = plot.top + plot.height;
  std::string svg = "<g class=\"x-axis\" data-unit=\"s\">";
  const double step = time_step(seconds);
  for (double tick = 0; tick <= seconds + 1e-9; tick += step) {
    const double x = plot.left + tick / seconds * plot.width;
    svg += "<line x1=\"" + coordinate(x) + "\" y1=\"" + coordinate(bottom) + "\" x2=\"" + coordinate(x) +
           "\" y2=\"" + coordinate(bottom + 4) + "\" stroke=\"#444\"/><text x=\"" + coordinate(x) + "\" y=\"" +
           coordinate(bottom + 15) + "\" font-size=\"10\" text-anchor=\"middle\">" + number_text(tick) + "</text>";
  }
  svg += "<text class=\"unit\" x=\"" + coordinate(plot.left + plot.width / 2) + "\" y=\"" +
         coordinate(chart_height - 4) + "\" font-size=\"11\" text-anchor=\"middle\">time since the start (s)</text>";
  return svg + "</g>";
}

std::string legend(const std::vector<std::string>& names, bool with_band) {
  std::string svg = "<g class=\"legend\">";
  double x = margin_left;
  const auto entry = [&](const std::string& name, const std::string& colour, bool band) {
    svg += band ? "<rect x=\"" + coordinate(x) + "\" y=\"22\" width=\"12\" height=\"10\" fill=\"" + colour +
                      "\" fill-opacity=\"0.3\"/>"
                : "<line x1=\"" + coordinate(x) + "\" y1=\"27\" x2=\"" + coordinate(x + 12) + "\" y2=\"27\" stroke=\"" +
                      colour + "\" stroke-width=\"3\"/>";
    svg += "<text x=\"" + coordinate(x + 16) + "\" y=\"31\" font-size=\"10\">" + escape_xml(name) + "</text>";
    x += 26 + 6.0 * static_cast<double>(name.size());
  };
  for (std::size_t index = 0; index < names.size(); ++index) {
    entry(names[index], palette[index % std::size(palette)], false);
  }
  if (with_band) entry("fault", band_colour, true);
  return svg + "</g>";
}

}  // namespace

PlotArea plot_area() {
  return {margin_left, margin_top, chart_width - margin_left - margin_right, chart_height - margin_top - margin_bottom};
}

double nice_maximum(double value) {
  if (!(value > 0)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= step * power * (1 + 1e-12)) return step * power;
  }
  return 10 * power;
}

std::size_t bucket_seconds(std::size_t seconds) {
  return seconds <= chart_points_at_most ? 1 : (seconds + chart_points_at_most - 1) / chart_points_at_most;
}

std::vector<std::optional<double>> highest_per_bucket(const std::vector<std::optional<double>>& values,
                                                      std::size_t bucket) {
  if (bucket <= 1) return values;
  std::vector<std::optional<double>> buckets((values.size() + bucket - 1) / bucket);
  for (std::size_t second = 0; second < values.size(); ++second) {
    if (!values[second]) continue;
    auto& highest = buckets[second / bucket];
    highest = highest ? std::max(*highest, *values[second]) : *values[second];
  }
  return buckets;
}

std::string time_chart_svg(const TimeChart& chart) {
  const PlotArea plot = plot_area();
  const double bottom = plot.top + plot.height;
  double seconds = chart.seconds;
  std::size_t longest = 0;
  for (const auto& series : chart.series) longest = std::max(longest, series.values.size());
  const double interval = std::max(1.0, chart.interval_s);
  seconds = std::max(seconds, static_cast<double>(longest) * interval);
  if (seconds <= 0) seconds = 1;
  const std::size_t bucket = bucket_seconds(longest);  // in values; each value is `interval` seconds
  const double bucket_s = static_cast<double>(bucket) * interval;
  std::vector<std::vector<std::optional<double>>> drawn;
  for (const auto& series : chart.series) drawn.push_back(highest_per_bucket(series.values, bucket));
  double highest = 0;
  for (const auto& values : drawn) {
    for (const auto& value : values) highest = std::max(highest, value.value_or(0));
  }
  const double y_maximum = nice_maximum(highest);
  const auto x_of = [&](double second) { return plot.left + std::clamp(second / seconds, 0.0, 1.0) * plot.width; };
  const auto y_of = [&](double value) { return bottom - std::max(0.0, value) / y_maximum * plot.height; };

  const std::string title =
      bucket_s <= 1 ? chart.title : chart.title + " (each point the highest of " + format_number(bucket_s, 0) + " s)";
  std::string svg = chart_open("time", title,
                               attribute("data-x-unit", "s") + attribute("data-x-max", number_text(seconds)) +
                                   attribute("data-y-unit", chart.y_unit) +
                                   attribute("data-y-max", number_text(y_maximum)) +
                                   attribute("data-bucket-s", number_text(bucket_s)));
  // Bands first, so the lines are drawn over them; labels stepped down so overlapping windows stay legible.
  std::size_t band_index = 0;
  for (const auto& band : chart.bands) {
    const double label_y = plot.top + 10 + 10.0 * static_cast<double>(band_index++ % 4);
    const double from = x_of(band.from_s), to = x_of(std::max(band.to_s, band.from_s));
    svg += "<rect class=\"band\"" + attribute("data-label", band.label) +
           attribute("data-from", number_text(band.from_s)) + attribute("data-to", number_text(band.to_s)) +
           " x=\"" + coordinate(from) + "\" y=\"" + coordinate(plot.top) + "\" width=\"" +
           coordinate(std::max(1.0, to - from)) + "\" height=\"" + coordinate(plot.height) + "\" fill=\"" +
           band_colour + "\" fill-opacity=\"0.22\"><title>" + escape_xml(band.label) + ": " +
           number_text(band.from_s) + "–" + number_text(band.to_s) + " s</title></rect><text x=\"" +
           coordinate(from + 2) + "\" y=\"" + coordinate(label_y) + "\" font-size=\"9\" fill=\"#92400e\">" +
           escape_xml(band.label) + "</text>";
  }
  svg += y_axis(y_maximum, chart.y_unit) + x_time_axis(seconds);
  std::vector<std::string> names;
  for (std::size_t index = 0; index < chart.series.size(); ++index) {
    const auto& series = chart.series[index];
    const auto& values = drawn[index];
    names.push_back(series.name);
    const std::string colour = palette[index % std::size(palette)];
    // A gap (no value that second) ends one polyline; the next value starts another.
    std::string points;
    std::size_t count = 0;
    const auto flush = [&] {
      if (count == 1) {  // a lone point is a dot, not an invisible line
        const auto comma = points.find(',');
        svg += "<circle class=\"series\"" + attribute("data-series", series.name) + " cx=\"" +
               points.substr(0, comma) + "\" cy=\"" + points.substr(comma + 1, points.size() - comma - 2) +
               "\" r=\"2\" fill=\"" + colour + "\"/>";
      } else if (count > 1) {
        svg += "<polyline class=\"series\"" + attribute("data-series", series.name) + " fill=\"none\" stroke=\"" +
               colour + "\" stroke-width=\"1.8\" points=\"" + points.substr(0, points.size() - 1) + "\"/>";
      }
      points.clear();
      count = 0;
    };
    const double width = static_cast<double>(bucket);
    for (std::size_t point = 0; point < values.size(); ++point) {
      if (!values[point]) {
        flush();
        continue;
      }
      // The bucket's middle; the last bucket may be shorter than the others.
      const double from = static_cast<double>(point) * width;
      const double middle = (from + std::min(from + width, static_cast<double>(series.values.size()))) / 2;
      points += coordinate(x_of(middle * interval)) + "," + coordinate(y_of(*values[point])) + " ";
      ++count;
    }
    flush();
  }
  return svg + legend(names, !chart.bands.empty()) + "</svg>";
}

std::string bar_chart_svg(const std::string& title, const std::string& unit, const std::vector<Bar>& bars) {
  const PlotArea plot = plot_area();
  const double bottom = plot.top + plot.height;
  double highest = 0;
  for (const auto& bar : bars) highest = std::max(highest, bar.value);
  const double maximum = nice_maximum(highest);
  const double slot = bars.empty() ? plot.width : plot.width / static_cast<double>(bars.size());
  std::string svg = chart_open("bars", title, attribute("data-y-unit", unit) +
                                                  attribute("data-y-max", number_text(maximum))) +
                    y_axis(maximum, unit);
  for (std::size_t index = 0; index < bars.size(); ++index) {
    const double height = std::max(0.0, bars[index].value) / maximum * plot.height;
    const double x = plot.left + slot * static_cast<double>(index) + slot * 0.15;
    svg += "<rect class=\"bar\"" + attribute("data-label", bars[index].label) +
           attribute("data-value", number_text(bars[index].value)) + " x=\"" + coordinate(x) + "\" y=\"" +
           coordinate(bottom - height) + "\" width=\"" + coordinate(slot * 0.7) + "\" height=\"" +
           coordinate(height) + "\" fill=\"" + palette[0] + "\"/>";
    svg += "<text x=\"" + coordinate(x + slot * 0.35) + "\" y=\"" + coordinate(bottom - height - 3) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + number_text(bars[index].value) + "</text>";
    svg += "<text x=\"" + coordinate(x + slot * 0.35) + "\" y=\"" + coordinate(bottom + 14) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + escape_xml(bars[index].label) + "</text>";
  }
  return svg + "</svg>";
}

}  // namespace mqtt::reports
