#include "capture/capture_scenario.hpp"

#include <algorithm>
#include <array>
#include <map>

namespace mqtt::capture {
namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;  // the scenario format's ceiling on times

// Placeholders use braces; a captured name is taken literally, so braces are dropped rather than expanded.
std::string literal(std::string text) {
  std::erase_if(text, [](char c) { return c == '{' || c == '}'; });
  return text;
}

std::int64_t milliseconds(std::int64_t ns) { return std::clamp<std::int64_t>(ns / 1'000'000, 0, day_ms); }

// One captured client: every session with its client id (or one session, for an empty client id), in capture
// order.
struct Device {
  std::vector<const ConnectionSummary*> sessions;
  const ConnectionSummary& first() const { return *sessions.front(); }
  std::string label() const { return "#" + std::to_string(first().connection) + " " + first().client; }
};

nlohmann::ordered_json churn_of(const Device& device) {
  std::int64_t online_ns = 0;
  std::int64_t offline_ns = 0;
  std::size_t abrupt = 0;
  for (std::size_t index = 0; index < device.sessions.size(); ++index) {
    const auto& session = *device.sessions[index];
    online_ns += session.last_time_ns - session.first_time_ns;
    if (index + 1 < device.sessions.size()) {
      offline_ns += std::max<std::int64_t>(0, device.sessions[index + 1]->first_time_ns - session.last_time_ns);
      abrupt += session.sent.contains("DISCONNECT") ? 0 : 1;  // the last session may just be cut by the capture
    }
  }
  const auto count = static_cast<std::int64_t>(device.sessions.size());
  return {{"fraction", 1},
          {"online_ms", std::clamp<std::int64_t>(online_ns / count / 1'000'000, 1, day_ms)},
          {"offline_ms", std::clamp<std::int64_t>(offline_ns / (count - 1) / 1'000'000, 1, day_ms)},
          {"abrupt", abrupt * 2 > device.sessions.size() - 1}};
}

}  // namespace

ScenarioConversion capture_to_scenario(const CaptureAnalysis& analysis, const std::string& name) {
  ScenarioConversion result;
  auto& scenario = result.scenario;
  scenario["name"] = name;
  const auto duration_ms = std::clamp<std::int64_t>((analysis.duration_ns + 999'999) / 1'000'000, 1000, day_ms);

  std::vector<Device> devices;
  std::map<std::string, std::size_t> device_of;  // literal client id -> index in devices
  for (const auto& row : analysis.connections) {
    if (!row.version || !row.keep_alive) {
      result.skipped.push_back("#" + std::to_string(row.connection) + " " + row.client +
                               ": no CONNECT in the capture");
      continue;
    }
    if (!row.client_id.empty()) {
      const auto [found, inserted] = device_of.emplace(literal(row.client_id), devices.size());
      if (!inserted) {
        devices[found->second].sessions.push_back(&row);
        continue;
      }
    }
    devices.push_back(Device{{&row}});
  }

  auto groups = nlohmann::ordered_json::array();
  std::size_t sessions = 0;
  for (const auto& device : devices) {
    const auto& first = device.first();
    sessions += device.sessions.size();
    nlohmann::ordered_json group;
    group["name"] = "session-" + std::to_string(first.connection);
    group["count"] = 1;
    if (!first.client_id.empty()) group["client_id"] = literal(first.client_id);
    group["mqtt"] = std::string(to_string(*first.version));
    group["clean_session"] = first.clean_session.value_or(true);
    group["keep_alive"] = *first.keep_alive;
    group["connect_rate"] = 0;
    group["start_ms"] = milliseconds(first.first_time_ns);
    if (device.sessions.size() > 1) {
      group["churn"] = churn_of(device);
      result.notes.push_back(device.label() + ": " + std::to_string(device.sessions.size()) +
                             " sessions under client id \"" + first.client_id +
                             "\" are one device that reconnects (churn online about " +
                             std::to_string(group["churn"]["online_ms"].get<std::int64_t>()) + " ms, offline about " +
                             std::to_string(group["churn"]["offline_ms"].get<std::int64_t>()) + " ms)");
    }
    // Everything the device's sessions published and subscribed, together.
    std::array<std::uint64_t, 3> qos{};
    std::map<std::string, std::uint64_t> topics;
    std::uint64_t payload_bytes = 0;
    std::uint64_t retained = 0;
    auto subscriptions = nlohmann::ordered_json::array();
    std::map<std::string, bool> subscribed;
    for (const auto* session : device.sessions) {
      for (std::size_t level = 0; level < 3; ++level) qos[level] += session->publish_qos_sent[level];
      for (const auto& [topic, count] : session->published_topics) topics[literal(topic)] += count;
      payload_bytes += session->published_payload_bytes;
      retained += session->published_retained;
      for (const auto& subscription : session->subscriptions) {
        if (!subscribed.emplace(literal(subscription.filter), true).second) continue;  // again after a reconnect
        subscriptions.push_back(
            {{"filter", literal(subscription.filter)}, {"qos", static_cast<int>(subscription.qos)}});
      }
    }
    const nlohmann::ordered_json connection_settings = group;  // for companions, before will and subscriptions
    if (first.will_message) {
      group["will"] = {{"topic", literal(first.will_message->topic)},
                       {"payload", literal(std::string(first.will_message->payload.begin(),
                                                       first.will_message->payload.end()))},
                       {"qos", static_cast<int>(first.will_message->qos)},
                       {"retain", first.will_message->retain}};
    }
    if (!subscriptions.empty()) group["subscriptions"] = subscriptions;
    const std::uint64_t publishes = qos[0] + qos[1] + qos[2];
    if (publishes == 0 || topics.empty()) {
      groups.push_back(group);
      continue;
    }
    std::uint64_t most = 0;
    for (const auto& entry : topics) most = std::max(most, entry.second);
    std::vector<std::string> tied;
    for (const auto& [topic, count] : topics) {
      if (count == most) tied.push_back(topic);
    }
    // A device publishes from its start until the scenario's duration ends: spread the captured count over
    // that window (and over the tied topics) so the scenario sends about as many messages as the capture holds.
    const double window_s =
        std::max<double>(0.001, static_cast<double>(duration_ms - milliseconds(first.first_time_ns)) / 1000.0);
    const double rate =
        std::min(10'000.0, static_cast<double>(publishes) / static_cast<double>(tied.size()) / window_s);
    const auto publish_of = [&](const std::string& topic) {
      nlohmann::ordered_json publish;
      publish["topic"] = topic;
      publish["rate"] = rate;
      publish["payload_size"] = payload_bytes / publishes;
      publish["qos"] = {qos[0], qos[1], qos[2]};
      publish["retain"] = retained * 2 > publishes;
      return publish;
    };
    group["publish"] = publish_of(tied.front());
    groups.push_back(group);
    std::string companions;
    for (std::size_t index = 1; index < tied.size(); ++index) {
      auto companion = connection_settings;
      const std::string suffix = "-topic-" + std::to_string(index + 1);
      companion["name"] = group["name"].get<std::string>() + suffix;
      if (!first.client_id.empty()) companion["client_id"] = literal(first.client_id) + suffix;
      companion["publish"] = publish_of(tied[index]);
      companions += (companions.empty() ? "" : ", ") + companion.value("client_id", companion["name"].get<std::string>()) +
                    " publishes " + tied[index];
      groups.push_back(companion);
    }
    if (!companions.empty()) {
      result.notes.push_back(device.label() + ": " + std::to_string(tied.size()) + " topics tie as the most " +
                             "published (" + std::to_string(most) + " each); a fleet device publishes one topic, so " +
                             "it publishes " + tied.front() + " and companion devices the rest: " + companions);
    }
  }
  scenario["description"] = "converted from a capture: " + std::to_string(sessions) + " MQTT session(s) of " +
                            std::to_string(devices.size()) +
                            " client(s), one device each, at their captured start times and average rates";
  scenario["duration_ms"] = duration_ms;
  scenario["settle_ms"] = 2000;
  scenario["groups"] = groups;
  return result;
}

}  // namespace mqtt::capture
