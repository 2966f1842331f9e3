#include "reports/statistics_facts.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "reports/markup.hpp"

namespace mqtt::reports {
namespace {

using nlohmann::json;

double number(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto found = object.find(key);
  return found != object.end() && found->is_number() ? found->get<double>() : 0;
}

bool has(const json& object, const char* key) { return object.is_object() && object.contains(key); }

// 1234567 -> "1,234,567"; fractions keep up to three significant decimals.
std::string count_text(double value) {
  if (value != std::floor(value)) {
    std::string text = format_number(value, std::fabs(value) >= 100 ? 0 : std::fabs(value) >= 1 ? 1 : 3);
    while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.')) text.pop_back();
    return text;
  }
  std::string digits = format_number(std::fabs(value), 0);
  for (int position = static_cast<int>(digits.size()) - 3; position > 0; position -= 3) {
    digits.insert(static_cast<std::size_t>(position), ",");
  }
  return (value < 0 ? "-" : "") + digits;
}

std::string milliseconds_text(double value) {
  return (value >= 100 ? format_number(value, 0) : value >= 10 ? format_number(value, 1) : format_number(value, 2)) +
         " ms";
}

std::string by_cause(const json& causes) {
  std::string text;
  if (!causes.is_object()) return text;
  std::vector<std::pair<double, std::string>> sorted;
  for (const auto& [cause, count] : causes.items()) {
    if (count.is_number()) sorted.emplace_back(count.get<double>(), cause);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& left, const auto& right) {
    return left.first != right.first ? left.first > right.first : left.second < right.second;
  });
  for (const auto& [count, cause] : sorted) text += (text.empty() ? "" : ", ") + cause + " " + count_text(count);
  return text;
}

double series_total(const json& series) {
  double total = 0;
  if (series.is_array()) {
    for (const auto& value : series) total += value.is_number() ? value.get<double>() : 0;
  }
  return total;
}

double series_peak(const json& series) {
  double peak = 0;
  if (series.is_array()) {
    for (const auto& value : series) peak = std::max(peak, value.is_number() ? value.get<double>() : 0);
  }
  return peak;
}

// "300 checks (new subscriptions × retained topics they match) on 30 subscriptions, 100 topics: 297 right, 1
// stale,
// ...; first problem: ..." — every kind named, so a zero reads as a zero and not as a forgotten figure.
std::string retained_text(const json& retained) {
  if (number(retained, "checks") <= 0) {
    return count_text(number(retained, "topics")) +
           " retained topics, but no subscription came after a retained write: nothing to check";
  }
  std::string text =
      count_text(number(retained, "checks")) + " checks on " + count_text(number(retained, "subscriptions")) +
      " subscriptions of " + count_text(number(retained, "topics")) +
      " retained topics: " + count_text(number(retained, "correct")) + " right, " +
      count_text(number(retained, "stale")) + " stale, " + count_text(number(retained, "missing")) +
      " missing, " + count_text(number(retained, "delivered_when_cleared")) + " delivered after a clear, " +
      count_text(number(retained, "unexpected")) + " never written";
  if (number(retained, "unjudged") > 0) {
    text += ", " + count_text(number(retained, "unjudged")) + " unjudged (connection silent after SUBACK)";
  }
  if (const auto problem = retained.value("first_problem", json::object()); !problem.empty()) {
    text += "; first: " + problem.value("kind", std::string()) + " " + problem.value("topic", std::string()) +
            " for " + problem.value("actor", std::string()) + " subscribing at " +
            format_number(number(problem, "at_s"), 2) + " s, got " + problem.value("got", std::string()) +
            ", expected " + problem.value("expected", std::string());
  }
  return text;
}

}  // namespace

std::string percentiles_text(const json& figures) {
  if (number(figures, "count") <= 0) return "";
  std::string text;
  for (const char* key : {"p50", "p90", "p99", "p99.9", "max"}) {
    if (has(figures, key)) text += (text.empty() ? "" : ", ") + std::string(key) + " " + milliseconds_text(number(figures, key));
  }
  return text;
}

std::vector<StatisticsFact> statistics_facts(const json& stats) {
  std::vector<StatisticsFact> facts;
  if (!stats.is_object() || stats.empty()) return facts;
  const auto add = [&facts](std::string name, std::string text) {
    if (!text.empty()) facts.push_back({std::move(name), std::move(text)});
  };
  std::set<std::string> shown = {
      "fleet",           "connect_latency_ms",  "timeline", "messages", "delivery_latency_ms",
      "losses_by_cause", "duplicates_by_cause", "wills",    "retained", "faults_by_kind",
      "harness",         "history_log",         "broker_restarts"};
  if (has(stats, "fleet")) {
    const auto& fleet = stats["fleet"];
    std::string text = count_text(number(fleet, "devices")) + " devices";
    if (number(fleet, "observers") > 0) text += " + " + count_text(number(fleet, "observers")) + " observers";
    text += "; " + count_text(number(fleet, "connections")) + " connections, " +
            count_text(number(fleet, "reconnects")) + " reconnects";
    if (number(fleet, "devices_never_connected") > 0) {
      text += "; " + count_text(number(fleet, "devices_never_connected")) + " devices never connected";
    }
    if (number(fleet, "connack_refused") > 0) text += "; " + count_text(number(fleet, "connack_refused")) + " CONNECTs refused";
    if (number(fleet, "connects_unanswered") > 0) {
      text += "; " + count_text(number(fleet, "connects_unanswered")) + " CONNECTs unanswered";
    }
    if (number(fleet, "open_failures") > 0) text += "; " + count_text(number(fleet, "open_failures")) + " TCP connects failed";
    add("Fleet", text);
  }
  if (const auto figures = stats.value("connect_latency_ms", json::object()); number(figures, "count") > 0) {
    add("Connect latency", percentiles_text(figures) + " (" + count_text(number(figures, "count")) + " CONNACKs)");
  }
  if (has(stats, "harness")) {  // simulator/harness_health.hpp
    const auto& harness = stats["harness"];
    add("Harness", "peak RSS " + format_number(number(harness, "peak_rss_mb"), 1) + " MB, event-loop lag at most " +
                       format_number(number(harness, "max_loop_lag_ms"), 1) + " ms (sampled every second of the run)");
  }
  if (has(stats, "history_log")) {  // simulate's history.log (history/event_log_file.hpp)
    const auto& log = stats["history_log"];
    add("History log", count_text(number(log, "events")) + " events, " +
                           format_number(number(log, "bytes") / 1e6, 1) + " MB in history.log");
  }
  if (has(stats, "timeline")) {
    const auto& timeline = stats["timeline"];
    const double seconds = std::max(1.0, number(timeline, "seconds"));
    // Past two hours an entry stands for `interval_s` seconds (per_second_series.hpp): its peak is per entry.
    const double interval = std::max(1.0, timeline.value("interval_s", 1.0));
    const double published = series_total(timeline["published"]);
    const double delivered = series_total(timeline["delivered"]);
    add("Throughput", "published " + count_text(std::round(published / seconds * 10) / 10) + "/s on average (peak " +
                          count_text(std::round(series_peak(timeline["published"]) / interval)) + "/s), delivered " +
                          count_text(std::round(delivered / seconds * 10) / 10) + "/s (peak " +
                          count_text(std::round(series_peak(timeline["delivered"]) / interval)) + "/s) over " + count_text(seconds) + " s");
  }
  if (has(stats, "messages")) {
    const auto& messages = stats["messages"];
    const double expected = number(messages, "expected_deliveries");
    const double delivered = number(messages, "delivered");
    std::string text = count_text(number(messages, "published")) + " messages published; " + count_text(expected) +
                       " deliveries expected (one per subscriber asking for the topic), " + count_text(delivered) +
                       " delivered";
    if (expected > 0) text += " (" + format_number(100.0 * std::min(delivered, expected) / expected, 1) + "%)";
    text += ", " + count_text(number(messages, "lost")) + " lost, " + count_text(number(messages, "duplicates")) +
            " duplicates";
    // Refused by a 5.0 broker (PUBACK/PUBREC 0x80 or more): owed to nobody, so neither expected nor lost.
    if (number(messages, "refused") > 0) {
      text += "; " + count_text(number(messages, "refused")) + " refused by the broker (owed to nobody)";
    }
    if (has(messages, "publish_packets_sent")) {
      // The progress line counts packets; say how the two relate.
      text += "; " + count_text(number(messages, "publish_packets_sent")) + " PUBLISH packets sent and " +
              count_text(number(messages, "publish_packets_received")) +
              " received in all (statuses, wills and retransmissions included)";
    }
    add("Expected vs delivered", text);
  }
  if (has(stats, "delivery_latency_ms") && stats["delivery_latency_ms"].is_object()) {
    for (const auto& [qos, figures] : stats["delivery_latency_ms"].items()) {
      if (number(figures, "count") <= 0) continue;
      const std::string level = qos.size() == 4 ? qos.substr(3) : qos;
      add("Delivery latency QoS " + level,
          percentiles_text(figures) + " (" + count_text(number(figures, "count")) + " deliveries)");
    }
  }
  if (has(stats, "losses_by_cause")) add("Losses by cause", by_cause(stats["losses_by_cause"]));
  if (has(stats, "duplicates_by_cause")) add("Duplicates by cause", by_cause(stats["duplicates_by_cause"]));
  if (has(stats, "wills")) {
    const auto& wills = stats["wills"];
    std::string text = count_text(number(wills, "due")) + " due, " + count_text(number(wills, "delivered")) +
                       " delivered, " + count_text(number(wills, "late")) + " late, " +
                       count_text(number(wills, "missing")) + " missing";
    if (number(wills, "unobserved") > 0) text += ", " + count_text(number(wills, "unobserved")) + " unobserved (no subscriber)";
    // Sessions a broker restart ended: their wills are allowed, not owed (simulator/will_stats.hpp).
    if (const auto restart = wills.value("ended_by_broker_restart", json::object());
        restart.is_object() && number(restart, "sessions") > 0) {
      text += "; " + count_text(number(restart, "sessions")) + " ended by a broker restart (not owed; " +
              count_text(number(restart, "published_anyway")) + " published anyway)";
    }
    if (const auto latency = percentiles_text(wills.value("latency_ms", json::object())); !latency.empty()) {
      text += "; session end to will: " + latency;
    }
    add("Wills", text);
  }
  if (has(stats, "retained")) add("Retained status", retained_text(stats["retained"]));
  if (has(stats, "faults_by_kind")) {
    std::string text = by_cause(stats["faults_by_kind"]);
    if (has(stats, "timeline") && stats["timeline"].contains("faults")) {
      for (const auto& window : stats["timeline"]["faults"]) {
        const std::string group = window.value("group", std::string());
        text += (text.empty() ? "" : "; ") + window.value("kind", std::string()) +
                // A broker restart hits the broker, not a share of a group.
                (group.empty() ? std::string()
                               : " on " + format_number(100 * number(window, "fraction"), 0) + "% of " + group) +
                " from " + count_text(number(window, "from_s")) + " s to " + count_text(number(window, "to_s")) + " s";
      }
    }
    add("Faults", text.empty() ? "none" : text);
  }
  if (stats.contains("broker_restarts") && stats["broker_restarts"].is_array()) {  // simulator/broker_restart.hpp
    std::string text;
    for (const auto& restart : stats["broker_restarts"]) {
      text += (text.empty() ? "" : "; ") + std::string("at ") + format_number(number(restart, "at_s"), 1) + " s " +
              restart.value("outcome", std::string("unfinished"));
      if (restart.contains("method")) text += " by " + restart.value("method", std::string());
      if (restart.contains("seconds")) text += " in " + format_number(number(restart, "seconds"), 1) + " s";
      if (restart.contains("detail")) text += " (" + restart.value("detail", std::string()) + ")";
    }
    add("Broker restarts", text);
  }
  // Whatever else a source put there (a replay's, a capture's figures), as it is.
  for (const auto& [key, value] : stats.items()) {
    if (shown.contains(key) || key == "unresolved") continue;
    add(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return facts;
}

}  // namespace mqtt::reports
