// Small inline SVG charts for the free-form `stats` of a run. Generic by shape, not by name:
// an object holding two or more equally long number arrays is a time series (first array = x axis),
// an object of plain numbers is a bar chart, an object of such objects is one bar chart each.
// Anything else is listed as text.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mqtt::reports {

struct Series {
  std::string name;
  std::vector<double> values;
};

std::string line_chart_svg(const std::string& title, const Series& x_axis, const std::vector<Series>& lines);
std::string bar_chart_svg(const std::string& title, const std::vector<std::pair<std::string, double>>& bars);

// HTML for a stats object (empty string when there is nothing to show).
std::string render_stats_html(const nlohmann::json& stats);

}  // namespace mqtt::reports
