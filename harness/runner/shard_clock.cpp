#include "runner/shard_clock.hpp"

#include <fmt/format.h>

#include <chrono>
#include <string_view>

#include "client/session.hpp"

namespace mqtt::runner {
namespace {

std::int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Marker payloads: "mqtt-harness-clock shard=3 marker=start".
std::string payload_of(std::uint32_t shard, std::string_view marker) {
  return fmt::format("mqtt-harness-clock shard={} marker={}", shard, marker);
}

std::optional<ClockMarker> parse_payload(const Bytes& payload) {
  const std::string text(payload.begin(), payload.end());
  unsigned shard = 0;
  char marker[8] = {};
  if (std::sscanf(text.c_str(), "mqtt-harness-clock shard=%u marker=%7s", &shard, marker) != 2)
    return std::nullopt;
  const std::string name = marker;
  if (name != "start" && name != "end") return std::nullopt;
  return ClockMarker{.from_shard = shard, .marker = name, .received_unix_ns = 0};
}

}  // namespace

nlohmann::json to_json(const ShardClockRecord& record) {
  nlohmann::json markers = nlohmann::json::array();
  for (const auto& marker : record.markers) {
    markers.push_back({{"from_shard", marker.from_shard},
                       {"marker", marker.marker},
                       {"received_unix_ns", marker.received_unix_ns}});
  }
  nlohmann::json value = {{"topic", record.topic},
                          {"shard", record.shard},
                          {"markers", std::move(markers)},
                          {"round_trip_ns", record.round_trip_ns}};
  if (!record.problem.empty()) value["problem"] = record.problem;
  return value;
}

std::optional<ShardClockRecord> clock_record_from_json(const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("markers") || !value["markers"].is_array()) return std::nullopt;
  try {
    ShardClockRecord record;
    record.topic = value.value("topic", "");
    record.shard = value.value("shard", 0u);
    record.round_trip_ns = value.value("round_trip_ns", std::int64_t{0});
    record.problem = value.value("problem", "");
    for (const auto& marker : value["markers"]) {
      record.markers.push_back(
          ClockMarker{.from_shard = marker.at("from_shard").get<std::uint32_t>(),
                      .marker = marker.at("marker").get<std::string>(),
                      .received_unix_ns = marker.at("received_unix_ns").get<std::int64_t>()});
    }
    return record;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

ShardClock::ShardClock(client::TargetUrl target, std::string run_namespace, std::uint32_t shard)
    : target_(std::move(target)), client_id_(fmt::format("mqtt-harness-clock-{}-{}", run_namespace, shard)) {
  record_.topic = "mqtt-harness-clock/" + run_namespace;
  record_.shard = shard;
}

ShardClock::~ShardClock() {
  if (thread_.joinable()) stop();
}

void ShardClock::start() {
  thread_ = std::thread([this] { run(); });
  // The start marker should be out before the fleet's first device connects; the session's own deadlines (5 s
  // to connect, 5 s for CONNACK and SUBACK, 1 s to publish) bound the wait, this one only backs them up.
  std::unique_lock lock(mutex_);
  started_changed_.wait_for(lock, std::chrono::seconds(20), [this] { return started_; });
}

ShardClockRecord ShardClock::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return record_;
}

void ShardClock::run() {
  std::int64_t start_sent = 0, end_sent = 0;
  bool own_end_back = false;
  client::Recorder recorder(client::RecorderStorage::none, [&](const history::Event& event) {
    if (event.kind != history::EventKind::received || !event.packet) return;
    const auto* publish = std::get_if<Publish>(&*event.packet);
    if (publish == nullptr || publish->topic != record_.topic) return;
    auto marker = parse_payload(publish->payload);
    if (!marker) return;
    marker->received_unix_ns = unix_now_ns();
    std::lock_guard lock(mutex_);
    if (marker->from_shard == record_.shard) {
      const std::int64_t sent = marker->marker == "start" ? start_sent : end_sent;
      if (sent > 0) record_.round_trip_ns = std::max(record_.round_trip_ns, marker->received_unix_ns - sent);
      if (marker->marker == "end") own_end_back = true;
    }
    record_.markers.push_back(std::move(*marker));
  });
  auto mark_started = [&](const std::string& problem) {
    {
      std::lock_guard lock(mutex_);
      record_.problem = problem;
      started_ = true;
    }
    started_changed_.notify_all();
  };
  auto fail = [&](const std::string& problem) { mark_started(problem); };
  client::EventLoop loop;
  client::OpenOptions options;
  options.actor = "clock";
  options.deadline = std::chrono::seconds(5);
  auto opened = client::Session::open(loop, recorder, target_, options);
  if (auto* error = std::get_if<std::string>(&opened)) return fail("clock session: " + *error);
  auto& session = std::get<client::Session>(opened);
  Connect connect;
  connect.client_id = client_id_;
  connect.keep_alive = 60;
  if (!session.connect(connect, std::chrono::seconds(5)).ok()) return fail("clock session: no CONNACK");
  if (!session
           .subscribe({Subscription{.filter = record_.topic, .qos = QoS::at_most_once}},
                      std::chrono::seconds(5))
           .ok()) {
    return fail("clock session: no SUBACK");
  }
  session.connection().set_inbox_limit(0);  // markers are taken by the recorder's listener as they arrive
  auto publish_marker = [&](std::string_view marker, std::int64_t& sent) {
    Publish publish;
    publish.topic = record_.topic;
    const std::string text = payload_of(record_.shard, marker);
    publish.payload = Bytes(text.begin(), text.end());
    {
      std::lock_guard lock(mutex_);
      sent = unix_now_ns();
    }
    session.publish(std::move(publish), std::chrono::seconds(1));
  };
  publish_marker("start", start_sent);
  mark_started("");
  while (!stopping_ && session.connection().is_open()) {
    loop.run_until([this] { return stopping_.load(); }, std::chrono::milliseconds(100));
  }
  if (session.connection().is_open()) {
    publish_marker("end", end_sent);
    loop.run_until(
        [&] {
          std::lock_guard lock(mutex_);
          return own_end_back;
        },
        std::chrono::seconds(1));
    session.disconnect();
  }
}

}  // namespace mqtt::runner
