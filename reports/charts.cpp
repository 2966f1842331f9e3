#include "reports/charts.hpp"

#include <algorithm>
#include <cmath>

#include "reports/markup.hpp"

namespace mqtt::reports {
namespace {

constexpr double chart_width = 560;
constexpr double chart_height = 220;
constexpr double margin_left = 56;
constexpr double margin_right = 16;
constexpr double margin_top = 28;
constexpr double margin_bottom = 36;
constexpr const char* palette[] = {"#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"};

std::string number_text(double value) {
  const double magnitude = std::fabs(value);
  if (magnitude >= 100 || value == std::floor(value)) return format_number(value, 0);
  if (magnitude >= 1) return format_number(value, 1);
  return format_number(value, 3);
}

std::string coordinate(double value) { return format_number(value, 1); }

std::string chart_open(const std::string& title) {
  return "<svg class=\"chart\" role=\"img\" width=\"" + coordinate(chart_width) + "\" height=\"" +
         coordinate(chart_height) + "\" viewBox=\"0 0 " + coordinate(chart_width) + " " + coordinate(chart_height) +
         "\"><title>" + escape_xml(title) + "</title><text x=\"" + coordinate(margin_left) +
         "\" y=\"16\" font-size=\"13\" font-weight=\"bold\">" + escape_xml(title) + "</text>";
}

std::string axes(double maximum, const std::string& x_label) {
  const double plot_bottom = chart_height - margin_bottom;
  std::string svg = "<line x1=\"" + coordinate(margin_left) + "\" y1=\"" + coordinate(margin_top) + "\" x2=\"" +
                    coordinate(margin_left) + "\" y2=\"" + coordinate(plot_bottom) +
                    "\" stroke=\"#444\"/><line x1=\"" + coordinate(margin_left) + "\" y1=\"" +
                    coordinate(plot_bottom) + "\" x2=\"" + coordinate(chart_width - margin_right) + "\" y2=\"" +
                    coordinate(plot_bottom) + "\" stroke=\"#444\"/>";
  for (int tick = 0; tick <= 4; ++tick) {
    const double y = plot_bottom - (plot_bottom - margin_top) * tick / 4.0;
    svg += "<text x=\"" + coordinate(margin_left - 4) + "\" y=\"" + coordinate(y + 4) +
           "\" font-size=\"10\" text-anchor=\"end\">" + number_text(maximum * tick / 4.0) + "</text>";
    if (tick > 0) {
      svg += "<line x1=\"" + coordinate(margin_left) + "\" y1=\"" + coordinate(y) + "\" x2=\"" +
             coordinate(chart_width - margin_right) + "\" y2=\"" + coordinate(y) + "\" stroke=\"#e5e5e5\"/>";
    }
  }
  if (!x_label.empty()) {
    svg += "<text x=\"" + coordinate((margin_left + chart_width - margin_right) / 2) + "\" y=\"" +
           coordinate(chart_height - 4) + "\" font-size=\"11\" text-anchor=\"middle\">" + escape_xml(x_label) +
           "</text>";
  }
  return svg;
}

double nice_maximum(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= step * power) return step * power;
  }
  return 10 * power;
}

bool numeric_array(const nlohmann::json& value) {
  return value.is_array() && !value.empty() &&
         std::all_of(value.begin(), value.end(), [](const nlohmann::json& item) { return item.is_number(); });
}

bool number_object(const nlohmann::json& value) {
  return value.is_object() && !value.empty() &&
         std::all_of(value.begin(), value.end(), [](const nlohmann::json& item) { return item.is_number(); });
}

Series series_of(const std::string& name, const nlohmann::json& array) {
  Series series{name, {}};
  for (const auto& item : array) series.values.push_back(item.get<double>());
  return series;
}

void render_value(const std::string& title, const nlohmann::json& value, int depth, std::string& charts,
                  std::string& facts) {
  if (value.is_object()) {
    std::vector<Series> arrays;
    for (const auto& [key, item] : value.items()) {
      if (numeric_array(item)) arrays.push_back(series_of(key, item));
    }
    const bool time_series = arrays.size() >= 2 && std::all_of(arrays.begin(), arrays.end(), [&](const Series& s) {
                               return s.values.size() == arrays.front().values.size();
                             });
    if (time_series) {
      charts += "<figure>" + line_chart_svg(title, arrays.front(), {arrays.begin() + 1, arrays.end()}) + "</figure>";
      return;
    }
    if (number_object(value)) {
      std::vector<std::pair<std::string, double>> bars;
      for (const auto& [key, item] : value.items()) bars.emplace_back(key, item.get<double>());
      charts += "<figure>" + bar_chart_svg(title, bars) + "</figure>";
      return;
    }
    if (depth < 3) {
      for (const auto& [key, item] : value.items()) {
        render_value(title.empty() ? key : title + " / " + key, item, depth + 1, charts, facts);
      }
      return;
    }
  }
  facts += "<tr><th>" + escape_xml(title) + "</th><td>" +
           escape_xml(value.is_string() ? value.get<std::string>() : value.dump()) + "</td></tr>";
}

}  // namespace

std::string line_chart_svg(const std::string& title, const Series& x_axis, const std::vector<Series>& lines) {
  double x_minimum = x_axis.values.empty() ? 0 : x_axis.values.front();
  double x_maximum = x_minimum;
  for (double x : x_axis.values) {
    x_minimum = std::min(x_minimum, x);
    x_maximum = std::max(x_maximum, x);
  }
  double y_maximum = 0;
  for (const auto& line : lines) {
    for (double y : line.values) y_maximum = std::max(y_maximum, y);
  }
  y_maximum = nice_maximum(y_maximum);
  const double x_span = x_maximum > x_minimum ? x_maximum - x_minimum : 1;
  const double plot_width = chart_width - margin_left - margin_right;
  const double plot_bottom = chart_height - margin_bottom;
  const double plot_height = plot_bottom - margin_top;

  std::string svg = chart_open(title) + axes(y_maximum, x_axis.name);
  svg += "<text x=\"" + coordinate(margin_left) + "\" y=\"" + coordinate(plot_bottom + 14) +
         "\" font-size=\"10\">" + number_text(x_minimum) + "</text><text x=\"" +
         coordinate(chart_width - margin_right) + "\" y=\"" + coordinate(plot_bottom + 14) +
         "\" font-size=\"10\" text-anchor=\"end\">" + number_text(x_maximum) + "</text>";
  for (std::size_t index = 0; index < lines.size(); ++index) {
    const char* colour = palette[index % std::size(palette)];
    std::string points;
    const std::size_t count = std::min(lines[index].values.size(), x_axis.values.size());
    for (std::size_t point = 0; point < count; ++point) {
      const double x = margin_left + (x_axis.values[point] - x_minimum) / x_span * plot_width;
      const double y = plot_bottom - std::max(0.0, lines[index].values[point]) / y_maximum * plot_height;
      points += coordinate(x) + "," + coordinate(y) + " ";
    }
    svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\" points=\"" + points +
           "\"/>";
    svg += "<text x=\"" + coordinate(chart_width - margin_right) + "\" y=\"" + coordinate(16 + 12.0 * index) +
           "\" font-size=\"10\" text-anchor=\"end\" fill=\"" + colour + "\">" + escape_xml(lines[index].name) +
           "</text>";
  }
  return svg + "</svg>";
}

std::string bar_chart_svg(const std::string& title, const std::vector<std::pair<std::string, double>>& bars) {
  double maximum = 0;
  for (const auto& bar : bars) maximum = std::max(maximum, bar.second);
  maximum = nice_maximum(maximum);
  const double plot_width = chart_width - margin_left - margin_right;
  const double plot_bottom = chart_height - margin_bottom;
  const double plot_height = plot_bottom - margin_top;
  const double slot = bars.empty() ? plot_width : plot_width / static_cast<double>(bars.size());
  std::string svg = chart_open(title) + axes(maximum, "");
  for (std::size_t index = 0; index < bars.size(); ++index) {
    const double height = std::max(0.0, bars[index].second) / maximum * plot_height;
    const double x = margin_left + slot * static_cast<double>(index) + slot * 0.15;
    svg += "<rect x=\"" + coordinate(x) + "\" y=\"" + coordinate(plot_bottom - height) + "\" width=\"" +
           coordinate(slot * 0.7) + "\" height=\"" + coordinate(height) + "\" fill=\"" +
           palette[index % std::size(palette)] + "\"/>";
    svg += "<text x=\"" + coordinate(x + slot * 0.35) + "\" y=\"" + coordinate(plot_bottom - height - 3) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + number_text(bars[index].second) + "</text>";
    svg += "<text x=\"" + coordinate(x + slot * 0.35) + "\" y=\"" + coordinate(plot_bottom + 14) +
           "\" font-size=\"10\" text-anchor=\"middle\">" + escape_xml(bars[index].first) + "</text>";
  }
  return svg + "</svg>";
}

std::string render_stats_html(const nlohmann::json& stats) {
  if (!stats.is_object() || stats.empty()) return "";
  std::string charts;
  std::string facts;
  for (const auto& [key, value] : stats.items()) render_value(key, value, 1, charts, facts);
  std::string html = "<div class=\"charts\">" + charts + "</div>";
  if (!facts.empty()) html += "<table class=\"facts\">" + facts + "</table>";
  return html;
}

}  // namespace mqtt::reports
