// What a fleet simulation does, as plain data: device groups, observers, lifecycle and a fault timeline.
// The runner fills it from a scenario file (runner/fleet_scenario.hpp); the engine (simulator/fleet.hpp) runs
// it. All times are milliseconds from the start of the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/packet.hpp"
#include "simulator/fault.hpp"

namespace mqtt::simulator {

struct WillSpec {
  std::string topic;    // placeholders {id} {group} {n}
  std::string payload;  // same placeholders
  QoS qos = QoS::at_most_once;
  bool retain = false;
  std::optional<std::uint32_t> delay;  // MQTT 5.0 Will Delay Interval, seconds
};

struct PublishSpec {
  std::string topic = "dtu/{id}/telemetry";
  double rate_per_second = 0;       // per device; 0 = the device publishes nothing
  double jitter = 0.2;              // each interval is scaled by a uniform factor in [1-jitter, 1+jitter]
  std::uint32_t burst = 1;          // messages sent back to back at each tick
  std::uint32_t payload_size = 32;  // bytes, padded after the unique token
  // Weights of QoS 0, 1 and 2 for each message (normalised); {1,0,0} = all QoS 0.
  double qos_weights[3] = {1, 0, 0};
  bool retain = false;
  // MQTT 5.0: the first message of each connection sets topic alias 1 for the device's topic, later ones send an
  // empty topic with the alias (when the broker's Topic Alias Maximum allows one).
  bool topic_alias = false;
};

struct StatusSpec {  // a retained status message published after each successful connect
  std::string topic = "dtu/{id}/status";
  std::string payload = "online";
  QoS qos = QoS::at_least_once;
};

struct ReconnectSpec {
  std::uint32_t initial_ms = 500;
  std::uint32_t maximum_ms = 10'000;
  double multiplier = 2.0;
  double jitter = 0.5;  // the delay is scaled by a uniform factor in [1-jitter, 1]
};

struct ChurnSpec {                   // devices that leave on purpose and come back
  double fraction = 0;               // share of the group's devices that churn
  std::uint32_t online_ms = 5'000;   // mean time online before leaving
  std::uint32_t offline_ms = 2'000;  // mean time offline
  bool abrupt = false;               // leave without DISCONNECT (power loss) instead of a clean DISCONNECT
};

struct GroupSpec {
  std::string name;
  std::uint32_t count = 1;
  std::string client_id = "dtu-{group}-{n}";
  ProtocolVersion version = ProtocolVersion::v3_1_1;
  bool clean_session = true;
  std::uint16_t keep_alive = 30;
  // MQTT 5.0 CONNECT properties; unset = absent from the CONNECT.
  std::optional<std::uint32_t> session_expiry;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<WillSpec> will;
  std::vector<Subscription> subscriptions;  // filters may use {id} {group} {n}
  PublishSpec publish;
  std::optional<StatusSpec> status;
  double connect_rate = 100;   // connects started per second (ramp); 0 = all at once
  std::uint32_t start_ms = 0;  // when this group starts connecting
  ReconnectSpec reconnect;
  ChurnSpec churn;
  bool observer =
      false;  // observers connect before the devices and are never faulted unless the timeline says so
};

struct FaultSpec {  // one entry of the fault timeline
  FaultKind kind = FaultKind::latency;
  std::string group;    // the group it hits
  double fraction = 1;  // share of the group's devices hit (chosen with the seed)
  std::uint32_t at_ms = 0;
  std::uint32_t duration_ms = 1'000;  // how long the fault lasts (ignored for close faults)
  FaultParameters parameters;
};

struct FleetSpec {
  std::string name;
  std::string description;
  std::uint32_t duration_ms = 10'000;  // devices publish this long
  std::uint32_t settle_ms = 2'000;     // then wait this long for deliveries, wills and queues
  // Then, while the broker still owes the observers deliveries (owed_deliveries.hpp) or, where that cannot be
  // counted, while deliveries are still arriving (one came within the last quiet interval, fleet_drain.hpp),
  // everyone stays connected at most this much longer, so a run does not end on the harness's own slowness or a
  // pause of the broker; 0 = no drain.
  std::uint32_t drain_ms = 10'000;
  std::vector<GroupSpec> groups;       // observers included (observer == true)
  std::vector<FaultSpec> faults;
};

// Multiplies every group's count by `scale` (at least one device per group that had any).
void scale_fleet(FleetSpec& spec, double scale);

}  // namespace mqtt::simulator
