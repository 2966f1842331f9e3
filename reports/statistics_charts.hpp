// The charts of a run's statistics (results.stats), as HTML figures of inline SVG: messages, delivery latency per
// QoS, connected clients and reconnects, wills, and the harness's own memory and event-loop lag over a true time
// axis with the fault windows shaded on each (at most chart_points_at_most points a series, reports/charts.hpp);
// then the connect and delivery latency distributions. Empty when the stats hold nothing to chart.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mqtt::reports {

std::string statistics_charts_html(const nlohmann::json& stats);

}  // namespace mqtt::reports
