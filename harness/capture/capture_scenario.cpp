#include "capture/capture_scenario.hpp"

#include <algorithm>
#include <set>

namespace mqtt::capture {
namespace {

// Placeholders use braces; a captured name is taken literally, so braces are dropped rather than expanded.
std::string literal(std::string text) {
  std::erase_if(text, [](char c) { return c == '{' || c == '}'; });
  return text;
}

}  // namespace

ScenarioConversion capture_to_scenario(const CaptureAnalysis& analysis, const std::string& name) {
  ScenarioConversion result;
  auto& scenario = result.scenario;
  scenario["name"] = name;
  scenario["description"] =
      "converted from a capture: " + std::to_string(analysis.connections.size()) +
      " MQTT session(s), one device each, at their captured start times and average rates";
  constexpr std::int64_t day_ms = 24LL * 3600 * 1000;  // the scenario format's ceiling on times
  const auto duration_ms =
      std::clamp<std::int64_t>((analysis.duration_ns + 999'999) / 1'000'000, 1000, day_ms);
  scenario["duration_ms"] = duration_ms;
  scenario["settle_ms"] = 2000;
  auto groups = nlohmann::ordered_json::array();
  std::set<std::string> client_ids;
  for (const auto& row : analysis.connections) {
    const std::string label = "#" + std::to_string(row.connection) + " " + row.client;
    if (!row.version || !row.keep_alive) {
      result.skipped.push_back(label + ": no CONNECT in the capture");
      continue;
    }
    if (!row.client_id.empty() && !client_ids.insert(literal(row.client_id)).second) {
      result.skipped.push_back(label + ": client id \"" + row.client_id +
                               "\" reconnects; a fleet group cannot reuse another group's client id");
      continue;
    }
    nlohmann::ordered_json group;
    group["name"] = "session-" + std::to_string(row.connection);
    group["count"] = 1;
    if (!row.client_id.empty()) group["client_id"] = literal(row.client_id);
    group["mqtt"] = std::string(to_string(*row.version));
    group["clean_session"] = row.clean_session.value_or(true);
    group["keep_alive"] = *row.keep_alive;
    if (row.will_message) {
      group["will"] = {{"topic", literal(row.will_message->topic)},
                       {"payload", literal(std::string(row.will_message->payload.begin(),
                                                       row.will_message->payload.end()))},
                       {"qos", static_cast<int>(row.will_message->qos)},
                       {"retain", row.will_message->retain}};
    }
    if (!row.subscriptions.empty()) {
      auto subscriptions = nlohmann::ordered_json::array();
      for (const auto& subscription : row.subscriptions) {
        subscriptions.push_back(
            {{"filter", literal(subscription.filter)}, {"qos", static_cast<int>(subscription.qos)}});
      }
      group["subscriptions"] = subscriptions;
    }
    std::uint64_t publishes = 0;
    for (const auto count : row.publish_qos_sent) publishes += count;
    if (publishes > 0 && !row.published_topics.empty()) {
      const auto topic = std::max_element(row.published_topics.begin(), row.published_topics.end(),
                                          [](const auto& a, const auto& b) { return a.second < b.second; });
      // A device publishes from its start until the scenario's duration ends: spread the captured count over
      // that window so the scenario sends about as many messages as the capture holds.
      const auto start_ms = std::clamp<std::int64_t>(row.first_time_ns / 1'000'000, 0, day_ms);
      const double window_s = std::max<double>(0.001, static_cast<double>(duration_ms - start_ms) / 1000.0);
      const double rate = std::min(10'000.0, static_cast<double>(publishes) / window_s);
      nlohmann::ordered_json publish;
      publish["topic"] = literal(topic->first);
      publish["rate"] = rate;
      publish["payload_size"] = row.published_payload_bytes / publishes;
      publish["qos"] = {row.publish_qos_sent[0], row.publish_qos_sent[1], row.publish_qos_sent[2]};
      publish["retain"] = row.published_retained * 2 > publishes;
      group["publish"] = publish;
    }
    group["connect_rate"] = 0;
    group["start_ms"] = std::clamp<std::int64_t>(row.first_time_ns / 1'000'000, 0, day_ms);
    groups.push_back(group);
  }
  scenario["groups"] = groups;
  return result;
}

}  // namespace mqtt::capture
