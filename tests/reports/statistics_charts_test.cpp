// The charts map the statistics onto their axes correctly: every drawn point, bar and band is read back from the
// SVG (through the scale the SVG states) and compared with the value it stands for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>

#include "reports/charts.hpp"
#include "reports/reports.hpp"
#include "results/json.hpp"
#include "reports/statistics_charts.hpp"
#include "reports/statistics_facts.hpp"

namespace mqtt::reports {
namespace {

std::string attribute_of(const std::string& element, const std::string& name) {
  const std::regex pattern("\\s" + name + "=\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(element, match, pattern) ? match[1].str() : std::string();
}

// The opening tags of every element `tag` with `attribute_name`="value".
std::vector<std::string> elements(const std::string& svg, const std::string& tag, const std::string& filter = "") {
  std::vector<std::string> found;
  const std::regex pattern("<" + tag + "\\s[^>]*>");
  for (auto match = std::sregex_iterator(svg.begin(), svg.end(), pattern); match != std::sregex_iterator(); ++match) {
    if (filter.empty() || match->str().find(filter) != std::string::npos) found.push_back(match->str());
  }
  return found;
}

struct Scale {
  double left, top, width, height, x_max, y_max;
  double second_at(double x) const { return (x - left) / width * x_max; }
  double value_at(double y) const { return (top + height - y) / height * y_max; }
};

Scale scale_of(const std::string& svg) {
  const auto root = elements(svg, "svg").front();
  Scale scale{};
  std::istringstream plot(attribute_of(root, "data-plot"));
  plot >> scale.left >> scale.top >> scale.width >> scale.height;
  const auto x_max = attribute_of(root, "data-x-max");
  scale.x_max = x_max.empty() ? 0 : std::stod(x_max);
  scale.y_max = std::stod(attribute_of(root, "data-y-max"));
  return scale;
}

// (second, value) of every point of a series, read back from its polylines and dots.
std::vector<std::pair<double, double>> points_of(const std::string& svg, const std::string& series) {
  std::vector<std::pair<double, double>> points;
  const Scale scale = scale_of(svg);
  const std::string marker = "data-series=\"" + series + "\"";
  for (const auto& line : elements(svg, "polyline", marker)) {
    std::istringstream coordinates(attribute_of(line, "points"));
    std::string pair;
    while (coordinates >> pair) {
      const auto comma = pair.find(',');
      points.emplace_back(scale.second_at(std::stod(pair.substr(0, comma))),
                          scale.value_at(std::stod(pair.substr(comma + 1))));
    }
  }
  for (const auto& dot : elements(svg, "circle", marker)) {
    points.emplace_back(scale.second_at(std::stod(attribute_of(dot, "cx"))),
                        scale.value_at(std::stod(attribute_of(dot, "cy"))));
  }
  std::sort(points.begin(), points.end());
  return points;
}

TEST(TimeChart, PointsSitAtTheMiddleOfTheirSecondAtTheirValue) {
  const TimeChart chart{"Messages per second", "messages/s", 4,
                        {{"published", {10.0, 40.0, 30.0, 0.0}}, {"lost", {0.0, 0.0, 7.0, 1.0}}}, {}};
  const std::string svg = time_chart_svg(chart);
  const Scale scale = scale_of(svg);
  EXPECT_EQ(scale.x_max, 4);
  EXPECT_EQ(scale.y_max, 50) << "the y axis ends at a round number above the highest value";
  const auto published = points_of(svg, "published");
  ASSERT_EQ(published.size(), 4U);
  const double expected[] = {10, 40, 30, 0};
  for (std::size_t second = 0; second < 4; ++second) {
    EXPECT_NEAR(published[second].first, static_cast<double>(second) + 0.5, 0.01) << "time, second " << second;
    EXPECT_NEAR(published[second].second, expected[second], 0.1) << "value, second " << second;
  }
  EXPECT_NEAR(points_of(svg, "lost")[2].second, 7, 0.1);
  // Units on both axes, a legend entry per series.
  EXPECT_EQ(attribute_of(elements(svg, "g", "class=\"x-axis\"").front(), "data-unit"), "s");
  EXPECT_EQ(attribute_of(elements(svg, "g", "class=\"y-axis\"").front(), "data-unit"), "messages/s");
  EXPECT_NE(svg.find(">time since the start (s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">messages/s</text>"), std::string::npos);
  EXPECT_NE(svg.find(">published</text>"), std::string::npos);
  EXPECT_NE(svg.find(">lost</text>"), std::string::npos);
}

TEST(TimeChart, SecondsWithoutAValueAreGapsNotZeros) {
  const TimeChart chart{"Latency", "ms", 6, {{"p50", {2.0, 3.0, std::nullopt, std::nullopt, 5.0, std::nullopt}}}, {}};
  const std::string svg = time_chart_svg(chart);
  EXPECT_EQ(elements(svg, "polyline", "data-series=\"p50\"").size(), 1U) << "seconds 0 and 1";
  EXPECT_EQ(elements(svg, "circle", "data-series=\"p50\"").size(), 1U) << "second 4 alone";
  const auto points = points_of(svg, "p50");
  ASSERT_EQ(points.size(), 3U);
  EXPECT_NEAR(points[2].first, 4.5, 0.01);
  EXPECT_NEAR(points[2].second, 5, 0.01);
}

TEST(TimeChart, FaultsAreBandsOnTheSameTimeAxis) {
  const TimeChart chart{"Connected clients", "clients", 100, {{"connected", std::vector<std::optional<double>>(100, 2000.0)}},
                        {{"power-loss", 30, 45}}};
  const std::string svg = time_chart_svg(chart);
  const Scale scale = scale_of(svg);
  const auto bands = elements(svg, "rect", "class=\"band\"");
  ASSERT_EQ(bands.size(), 1U);
  EXPECT_EQ(attribute_of(bands[0], "data-label"), "power-loss");
  const double x = std::stod(attribute_of(bands[0], "x"));
  const double width = std::stod(attribute_of(bands[0], "width"));
  EXPECT_NEAR(scale.second_at(x), 30, 0.1);
  EXPECT_NEAR(scale.second_at(x + width), 45, 0.1);
  EXPECT_NEAR(std::stod(attribute_of(bands[0], "height")), scale.height, 0.1) << "the band spans the plot";
  // Ticks every 10 s on a 100 s axis, labelled in seconds.
  for (const char* tick : {">0</text>", ">50</text>", ">100</text>"}) EXPECT_NE(svg.find(tick), std::string::npos) << tick;
}

TEST(BarChart, BarHeightsAreTheValuesInTheStatedUnit) {
  const std::string svg = bar_chart_svg("Delivery latency, QoS 1", "ms", {{"p50", 2}, {"p99", 12.4}, {"max", 20}});
  const Scale scale = scale_of(svg);
  EXPECT_EQ(scale.y_max, 20);
  EXPECT_EQ(attribute_of(elements(svg, "svg").front(), "data-y-unit"), "ms");
  const auto bars = elements(svg, "rect", "class=\"bar\"");
  ASSERT_EQ(bars.size(), 3U);
  const double values[] = {2, 12.4, 20};
  const char* labels[] = {"p50", "p99", "max"};
  double previous_x = 0;
  for (std::size_t index = 0; index < 3; ++index) {
    EXPECT_EQ(attribute_of(bars[index], "data-label"), labels[index]);
    const double y = std::stod(attribute_of(bars[index], "y"));
    EXPECT_NEAR(scale.value_at(y), values[index], 0.05) << labels[index];
    EXPECT_NEAR(std::stod(attribute_of(bars[index], "height")) / scale.height * scale.y_max, values[index], 0.05);
    EXPECT_GT(std::stod(attribute_of(bars[index], "x")), previous_x) << "in the order given";
    previous_x = std::stod(attribute_of(bars[index], "x"));
  }
}

TEST(TimeChart, ALongRunIsDrawnAsTheHighestValuePerBucketWithinTheBound) {
  // A 7-day run: 604,800 seconds, quiet but for one second of 250 ms lag near the middle.
  constexpr std::size_t week = 7 * 86400;
  std::vector<std::optional<double>> lag(week, 0.5);
  lag[302'401] = 250;
  lag[302'402] = std::nullopt;  // a gap inside a bucket with values is no gap in the drawing
  const std::string svg = time_chart_svg(TimeChart{"Harness event-loop lag", "ms", 0, {{"loop lag", lag}}, {}});
  const auto root = elements(svg, "svg").front();
  EXPECT_EQ(bucket_seconds(week), 1008U) << "604,800 / 600";
  EXPECT_EQ(attribute_of(root, "data-bucket-s"), "1008");
  EXPECT_NE(svg.find("<title>Harness event-loop lag (each point the highest of 1008 s)</title>"), std::string::npos);
  const auto points = points_of(svg, "loop lag");
  EXPECT_LE(points.size(), chart_points_at_most);
  EXPECT_EQ(points.size(), 600U);
  EXPECT_LT(svg.size(), 40'000U) << "the SVG's size does not grow with the run";
  EXPECT_EQ(scale_of(svg).x_max, static_cast<double>(week)) << "the axis still spans the whole run";
  // The spike survives, drawn at the middle of its bucket (seconds 302,400 to 303,408).
  const auto spike = std::max_element(points.begin(), points.end(),
                                      [](const auto& left, const auto& right) { return left.second < right.second; });
  EXPECT_NEAR(spike->second, 250, 0.5);
  EXPECT_NEAR(spike->first, 302'904, 1008.0 / 2);
  EXPECT_NEAR(points.front().second, 0.5, 0.5);

  // Up to 600 seconds, every second is its own point.
  EXPECT_EQ(bucket_seconds(600), 1U);
  EXPECT_EQ(bucket_seconds(601), 2U);
  const std::vector<std::optional<double>> short_run(600, 1.0);
  EXPECT_EQ(points_of(time_chart_svg(TimeChart{"short", "ms", 0, {{"s", short_run}}, {}}), "s").size(), 600U);
}

TEST(TimeChart, BucketsKeepTheirHighestValueAndEmptyBucketsStayGaps) {
  const std::vector<std::optional<double>> values = {1.0, 4.0, std::nullopt, std::nullopt, 2.0};
  const auto buckets = highest_per_bucket(values, 2);
  ASSERT_EQ(buckets.size(), 3U);
  EXPECT_EQ(buckets[0], 4.0);
  EXPECT_EQ(buckets[1], std::nullopt);
  EXPECT_EQ(buckets[2], 2.0) << "the last, shorter bucket";
}

nlohmann::json fleet_stats() {
  return {{"timeline",
           {{"seconds", 3},
            {"published", {5, 6, 7}},
            {"delivered", {5, 12, 0}},
            {"lost", {0, 0, 7}},
            {"connected", {3, 3, 1}},
            {"reconnects", {0, 0, 0}},
            {"latency_ms", {{"qos1", {{"p50", {1.5, 2.5, nullptr}}, {"p99", {3, 4, nullptr}}, {"max", {3, 5, nullptr}}}}}},
            {"faults", {{{"kind", "partition"}, {"group", "dtu"}, {"fraction", 0.5}, {"from_s", 2}, {"to_s", 3}, {"events", 2}}}}}},
          {"delivery_latency_ms",
           {{"qos0", {{"count", 0}}},
            {"qos1", {{"count", 11}, {"p50", 2}, {"p90", 3}, {"p99", 5}, {"p99.9", 5}, {"max", 5}}},
            {"qos2", {{"count", 0}}}}},
          {"connect_latency_ms", {{"count", 3}, {"p50", 4}, {"p90", 5}, {"p99", 6}, {"p99.9", 6}, {"max", 6}}},
          {"wills", {{"due", 2}, {"delivered", 1}, {"late", 0}, {"missing", 1}, {"unobserved", 0},
                     {"ended_by_broker_restart", {{"sessions", 3}, {"published_anyway", 1}}},
                     {"latency_ms", {{"count", 1}, {"p50", 12}, {"max", 12}}},
                     {"due_per_second", {0, 0, 2}}, {"delivered_per_second", {0, 0, 1}}}},
          {"messages", {{"published", 18}, {"expected_deliveries", 24}, {"delivered", 17}, {"lost", 7}, {"duplicates", 0},
                        {"publish_packets_sent", 21}, {"publish_packets_received", 19}}},
          {"losses_by_cause", {{"publisher-connection-faulted", 7}}},
          {"faults_by_kind", {{"partition", 2}}},
          {"fleet", {{"devices", 3}, {"observers", 1}, {"connections", 5}, {"reconnects", 1}}}};
}

std::vector<std::string> charts_in(const std::string& html) {
  std::vector<std::string> charts;
  for (auto start = html.find("<svg"); start != std::string::npos; start = html.find("<svg", start + 1)) {
    charts.push_back(html.substr(start, html.find("</svg>", start) - start));
  }
  return charts;
}

std::string titled(const std::vector<std::string>& charts, const std::string& title) {
  for (const auto& chart : charts) {
    if (chart.find("<title>" + title) != std::string::npos) return chart;
  }
  ADD_FAILURE() << "no chart titled " << title;
  return "";
}

TEST(StatisticsCharts, FleetStatisticsBecomeTimeChartsAndDistributions) {
  const auto charts = charts_in(statistics_charts_html(fleet_stats()));
  // Messages, QoS 1 latency over time, connections, wills; connect and QoS 1 latency distributions. No chart for
  // a QoS nothing was delivered at.
  EXPECT_EQ(charts.size(), 6U);
  for (const auto& chart : charts) EXPECT_EQ(chart.find("QoS 2"), std::string::npos);
  for (const auto& chart : charts) EXPECT_EQ(chart.find("QoS 0"), std::string::npos);

  const auto messages = titled(charts, "Messages per second");
  EXPECT_EQ(attribute_of(elements(messages, "svg").front(), "data-chart"), "time");
  EXPECT_EQ(scale_of(messages).x_max, 3);
  EXPECT_NEAR(points_of(messages, "delivered")[1].second, 12, 0.1);
  EXPECT_NEAR(points_of(messages, "lost")[2].second, 7, 0.1);
  EXPECT_EQ(elements(messages, "rect", "data-label=\"partition\"").size(), 1U);

  const auto latency = titled(charts, "Delivery latency, QoS 1, of deliveries in each second");
  EXPECT_EQ(attribute_of(elements(latency, "svg").front(), "data-y-unit"), "ms");
  EXPECT_EQ(points_of(latency, "p99").size(), 2U) << "the third second had no delivery";
  EXPECT_NEAR(points_of(latency, "max")[1].second, 5, 0.05);
  EXPECT_EQ(elements(latency, "rect", "data-label=\"partition\"").size(), 1U) << "faults on every time chart";

  const auto connections = titled(charts, "Connected clients and reconnects");
  EXPECT_NEAR(points_of(connections, "connected")[2].second, 1, 0.05);

  const auto wills = titled(charts, "Wills due and delivered per second");
  EXPECT_NEAR(points_of(wills, "due")[2].second, 2, 0.05);

  const auto distribution = titled(charts, "Delivery latency, QoS 1, deliveries (11)");
  EXPECT_EQ(attribute_of(elements(distribution, "svg").front(), "data-chart"), "bars");
  EXPECT_EQ(elements(distribution, "rect", "class=\"bar\"").size(), 5U) << "p50 p90 p99 p99.9 max; the count is no bar";
}

// stats.harness of a 7-day run (simulator/harness_health.hpp), with the timeline of the same run.
nlohmann::json week_long_stats() {
  constexpr std::size_t week = 7 * 86400;
  std::vector<double> rss(week), lag(week, 0.3), published(week, 10000);
  for (std::size_t second = 0; second < week; ++second) rss[second] = 80 + static_cast<double>(second % 3600) / 100;
  rss[500'000] = 411.5;
  lag[100'000] = 1250;
  return {{"harness", {{"interval_s", 1}, {"rss_mb", rss}, {"loop_lag_ms", lag}, {"peak_rss_mb", 411.5},
                       {"max_loop_lag_ms", 1250}}},
          {"timeline", {{"seconds", week}, {"published", published}, {"delivered", published}, {"lost", {}},
                        {"connected", {}}, {"reconnects", {}},
                        {"faults", {{{"kind", "broker-restart"}, {"group", "broker"}, {"fraction", 1}, {"from_s", 302400},
                                     {"to_s", 302405}, {"events", 1}}}}}}};
}

TEST(StatisticsCharts, TheHarnessHealthOfAWeekLongRunIsTwoBoundedCharts) {
  // Through results.json and the whole HTML report, as `mqtt-harness report` would read it.
  results::Results run;
  run.kind = "fleet";
  run.stats = week_long_stats();
  const auto read_back = results::results_from_json(nlohmann::json::parse(results::to_json(run).dump()));
  const std::string html = render_html(read_back);
  const auto charts = charts_in(html);
  const auto memory = titled(charts, "Harness resident memory (each point the highest of 1008 s)");
  const auto lag = titled(charts, "Harness event-loop lag (how late its timers fired) (each point the highest of 1008 s)");
  EXPECT_EQ(attribute_of(elements(memory, "svg").front(), "data-y-unit"), "MB");
  EXPECT_EQ(attribute_of(elements(lag, "svg").front(), "data-y-unit"), "ms");
  for (const auto& [chart, series, peak] : {std::tuple{memory, "RSS", 411.5}, std::tuple{lag, "loop lag", 1250.0}}) {
    const auto points = points_of(chart, series);
    EXPECT_LE(points.size(), chart_points_at_most) << series;
    double highest = 0;
    for (const auto& point : points) highest = std::max(highest, point.second);
    EXPECT_NEAR(highest, peak, peak / 200) << series << ": the worst second is drawn";
    EXPECT_EQ(elements(chart, "rect", "data-label=\"broker-restart\"").size(), 1U) << "faults shaded here too";
  }
  // Every time chart of the week is bounded, so the page is: ~9 charts of <= 600 points.
  EXPECT_LT(html.size(), 400'000U);
  EXPECT_NE(html.find("peak RSS 411.5 MB, event-loop lag at most 1250.0 ms"), std::string::npos)
      << "the one line of the statistics table";
  EXPECT_NE(render_markdown(read_back).find("| Harness | peak RSS 411.5 MB, event-loop lag at most 1250.0 ms"),
            std::string::npos);
}

TEST(StatisticsCharts, EntriesWiderThanASecondAreDrawnAsRatesOnTheRunsWholeAxis) {
  // A 7-day timeline as the simulator writes it past two hours: 7,116 entries of 85 s (per_second_series.hpp), each
  // the sum of its seconds; one entry carries a burst of 170 messages, i.e. 2 messages/s over its 85 s.
  constexpr double interval = 85;
  constexpr std::size_t entries = 7'116;
  nlohmann::json published = nlohmann::json::array();
  for (std::size_t entry = 0; entry < entries; ++entry) published.push_back(entry == 3'558 ? 170 : 85);
  nlohmann::json stats = {{"timeline", {{"seconds", 604'800}, {"interval_s", interval}, {"published", published},
                                        {"delivered", published}, {"lost", nlohmann::json::array()}}}};
  const std::string html = statistics_charts_html(stats);
  const auto start = html.find("<svg");
  ASSERT_NE(start, std::string::npos);
  const std::string svg = html.substr(start, html.find("</svg>", start) - start + 6);
  EXPECT_NEAR(scale_of(svg).x_max, 604'800, interval) << "the axis spans the run, not the number of entries";
  const auto points = points_of(svg, "published");
  ASSERT_FALSE(points.empty());
  EXPECT_LE(points.size(), chart_points_at_most);
  double highest = 0, lowest = 1e9;
  for (const auto& point : points) {
    highest = std::max(highest, point.second);
    lowest = std::min(lowest, point.second);
  }
  EXPECT_NEAR(highest, 2.0, 0.05) << "a rate per second, not the entry's sum";
  EXPECT_NEAR(lowest, 1.0, 0.05);
  const auto burst = std::max_element(points.begin(), points.end(),
                                      [](const auto& left, const auto& right) { return left.second < right.second; });
  EXPECT_NEAR(burst->first, 3'558 * interval, 12 * interval) << "drawn at the burst's time";
  std::map<std::string, std::string> facts;
  for (const auto& fact : statistics_facts(stats)) facts[fact.name] = fact.text;
  EXPECT_NE(facts["Throughput"].find("(peak 2/s)"), std::string::npos) << facts["Throughput"];
}

TEST(StatisticsFacts, NameEveryFigureAReaderLooksFor) {
  std::map<std::string, std::string> facts;
  for (const auto& fact : statistics_facts(fleet_stats())) facts[fact.name] = fact.text;
  EXPECT_EQ(facts["Fleet"], "3 devices + 1 observers; 5 connections, 1 reconnects");
  EXPECT_EQ(facts["Connect latency"], "p50 4.00 ms, p90 5.00 ms, p99 6.00 ms, p99.9 6.00 ms, max 6.00 ms (3 CONNACKs)");
  EXPECT_EQ(facts["Throughput"],
            "published 6/s on average (peak 7/s), delivered 5.7/s (peak 12/s) over 3 s");
  EXPECT_NE(facts["Expected vs delivered"].find("18 messages published; 24 deliveries expected"), std::string::npos);
  EXPECT_NE(facts["Expected vs delivered"].find("17 delivered (70.8%), 7 lost"), std::string::npos);
  EXPECT_NE(facts["Expected vs delivered"].find("21 PUBLISH packets sent"), std::string::npos);
  EXPECT_EQ(facts.count("Delivery latency QoS 0"), 0U);
  EXPECT_EQ(facts["Delivery latency QoS 1"],
            "p50 2.00 ms, p90 3.00 ms, p99 5.00 ms, p99.9 5.00 ms, max 5.00 ms (11 deliveries)");
  EXPECT_EQ(facts["Losses by cause"], "publisher-connection-faulted 7");
  EXPECT_EQ(facts["Wills"].rfind("2 due, 1 delivered, 0 late, 1 missing", 0), 0U) << facts["Wills"];
  EXPECT_NE(facts["Wills"].find("3 ended by a broker restart (not owed; 1 published anyway)"), std::string::npos)
      << facts["Wills"];
  EXPECT_EQ(facts["Faults"], "partition 2; partition on 50% of dtu from 2 s to 3 s");
}

TEST(StatisticsFacts, RetainedStatusNamesEveryKindAndTheFirstProblem) {
  auto stats = fleet_stats();
  stats["retained"] = {{"topics", 100},  {"subscriptions", 12}, {"checks", 40},
                       {"correct", 37},  {"stale", 2},          {"missing", 1},
                       {"unexpected", 0}, {"delivered_when_cleared", 0}, {"unjudged", 3},
                       {"first_problem",
                        {{"kind", "stale"}, {"actor", "auditor-1"}, {"topic", "dtu/a/status"}, {"at_s", 4.25},
                         {"got", "\"online\""}, {"expected", "\"offline\""}}}};
  std::vector<std::string> names;
  std::map<std::string, std::string> facts;
  for (const auto& fact : statistics_facts(stats)) {
    names.push_back(fact.name);
    facts[fact.name] = fact.text;
  }
  EXPECT_EQ(facts["Retained status"],
            "40 checks on 12 subscriptions of 100 retained topics: 37 right, 2 stale, 1 missing, 0 delivered after a "
            "clear, 0 never written, 3 unjudged (connection silent after SUBACK); first: stale dtu/a/status for "
            "auditor-1 subscribing at 4.25 s, got \"online\", expected \"offline\"");
  // After the wills, before the faults; not repeated as raw JSON.
  const auto position = [&names](const std::string& name) { return std::find(names.begin(), names.end(), name); };
  EXPECT_LT(position("Wills"), position("Retained status"));
  EXPECT_LT(position("Retained status"), position("Faults"));
  EXPECT_EQ(facts.count("retained"), 0U);

  stats["retained"] = {{"topics", 5}, {"checks", 0}};
  facts.clear();
  for (const auto& fact : statistics_facts(stats)) facts[fact.name] = fact.text;
  EXPECT_EQ(facts["Retained status"],
            "5 retained topics, but no subscription came after a retained write: nothing to check");
}

}  // namespace
}  // namespace mqtt::reports
