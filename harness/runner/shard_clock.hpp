// How far apart the clocks of a fleet's shards are, measured through the broker. MQTT 3.1.1 gives the broker
// no clock field, so each shard's offset against the broker cannot be read; what can be measured is when the
// broker delivers ONE message to several shards. Each shard keeps a clock session subscribed to one topic of
// its run, publishes a marker there when it starts and when it ends, and records the arrival of every marker
// it receives (its own and other shards') on its system clock, the clock of stats.fleet.clock_origin_unix_ns.
// The broker forwards a marker to its subscribers at one instant, so the difference between two shards'
// arrival times of the same marker is the difference of their clocks, wrong by at most the larger one-way
// delay, which is below the larger round trip each shard measures for its own marker. Shards that run at the
// same time (as the shards of one fleet do) share at least one marker: the later shard's start, or the
// earlier shard's end.
//
// The topic is outside the fleet's namespace (mqtt-harness-clock/NAMESPACE), so no device or observer of the
// fleet subscribes to it and the judged history never contains a marker.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/target_url.hpp"

namespace mqtt::runner {

struct ClockMarker {
  std::uint32_t from_shard = 0;
  std::string marker;                 // "start" or "end"
  std::int64_t received_unix_ns = 0;  // on the receiving shard's system clock
};

struct ShardClockRecord {
  std::string topic;
  std::uint32_t shard = 0;
  std::vector<ClockMarker> markers;
  std::int64_t round_trip_ns = 0;  // the longest between publishing an own marker and receiving it back
  std::string problem;  // non-empty: the clock session could not run (the merge uses system clocks)
};

nlohmann::json to_json(const ShardClockRecord& record);
// nullopt when `value` does not hold a record (older results, or a shard run without one).
std::optional<ShardClockRecord> clock_record_from_json(const nlohmann::json& value);

// Runs the clock session on its own thread from start() to stop(); every wait has a deadline (5 s to connect,
// 1 s for the end marker to come back).
class ShardClock {
 public:
  ShardClock(client::TargetUrl target, std::string run_namespace, std::uint32_t shard);
  ~ShardClock();  // stops if still running
  ShardClock(const ShardClock&) = delete;
  ShardClock& operator=(const ShardClock&) = delete;

  void start();  // returns once the start marker is published (or the session failed)
  ShardClockRecord stop();

 private:
  void run();

  client::TargetUrl target_;
  std::string client_id_;
  ShardClockRecord record_;
  std::mutex mutex_;  // guards record_ and started_ between the session thread and start()/stop()
  std::condition_variable started_changed_;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mqtt::runner
