// The fleet records into a compact event log and builds the full history only at the end. These tests prove
// that what it builds is exactly what was recorded: every event a live watcher (FleetOptions::on_event) saw
// as it happened, with the packets the devices really sent and received, equals the event at the same place
// in the final history, for a fleet with every QoS, wills, retained status, churn, faults and reconnects.
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "broker/broker.hpp"
#include "runner/fleet_scenario.hpp"
#include "simulator/fleet.hpp"
#include "support/loopback_target.hpp"
#include "support/mosquitto_broker.hpp"

namespace mqtt::simulator {
namespace {

constexpr const char* busy_fleet = R"({
  "name": "compact-history",
  "duration_ms": 2000,
  "settle_ms": 800,
  "observers": [{"name": "backend", "subscriptions": [{"filter": "dtu/#", "qos": 2}]}],
  "groups": [
    {
      "name": "cell", "count": 6, "keep_alive": 5, "mqtt": "3.1.1", "clean_session": false,
      "will": {"topic": "dtu/{id}/status", "payload": "offline", "qos": 1, "retain": true},
      "status": {"topic": "dtu/{id}/status", "payload": "online", "qos": 1},
      "subscriptions": [{"filter": "dtu/{id}/cmd", "qos": 1}],
      "publish": {"rate": 10, "qos": [1, 1, 1], "payload_size": 48, "burst": 2},
      "connect_rate": 0,
      "reconnect": {"initial_ms": 50, "maximum_ms": 200},
      "churn": {"fraction": 0.5, "online_ms": 600, "offline_ms": 200, "abrupt": true}
    },
    {
      "name": "five", "count": 3, "mqtt": "5.0", "connect_rate": 0,
      "publish": {"rate": 10, "qos": [1, 1, 1], "payload_size": 20}
    }
  ],
  "faults": [
    {"kind": "fragment", "group": "cell", "fraction": 0.5, "at_ms": 0, "duration_ms": 2000, "fragment_bytes": 3},
    {"kind": "close", "group": "cell", "fraction": 0.5, "at_ms": 700, "reset": true},
    {"kind": "power-loss", "group": "five", "fraction": 0.4, "at_ms": 900, "duration_ms": 300}
  ]
})";

void expect_live_events_equal_final_history(std::uint16_t port, std::uint64_t seed) {
  std::cout << "seed " << seed << "\n";
  const FleetSpec spec = runner::parse_fleet_scenario("compact-history.json", busy_fleet);
  std::vector<history::Event> live;
  FleetOptions options;
  options.target = test_support::loopback_target(port);
  options.seed = seed;
  options.on_event = [&](const history::Event& event) { live.push_back(event); };
  const FleetRun run = run_fleet(spec, options);
  ASSERT_TRUE(run.unreachable.empty()) << run.unreachable;
  const auto& events = run.history.events;
  ASSERT_EQ(events.size(), live.size());
  std::map<std::string, int> kinds;
  for (std::size_t index = 0; index < events.size(); ++index) {
    ASSERT_EQ(events[index], live[index])
        << "event " << index + 1 << " (" << to_string(live[index].kind) << ")";
    ASSERT_EQ(events[index].sequence, index + 1);
    std::string kind(to_string(events[index].kind));
    if (events[index].packet)
      kind += std::string(" ") + std::string(to_string(packet_type(*events[index].packet)));
    ++kinds[kind];
  }
  for (const auto& [kind, count] : kinds) std::cout << kind << ": " << count << "\n";
  // The fleet did what the scenario says, so the comparison covered every kind of packet it sends.
  for (const char* kind :
       {"sent CONNECT", "received CONNACK", "sent SUBSCRIBE", "received SUBACK", "sent PUBLISH",
        "received PUBLISH", "received PUBACK", "sent PUBACK", "received PUBREC", "sent PUBREL",
        "received PUBCOMP", "sent PUBREC", "received PUBREL", "sent PUBCOMP", "sent DISCONNECT", "fault",
        "closed", "open", "note"}) {
    EXPECT_GT(kinds[kind], 0) << kind;
  }
}

TEST(FleetHistory, LiveEventsEqualTheMaterialisedHistoryAgainstMosquitto) {
  test_support::MosquittoBroker broker;
  expect_live_events_equal_final_history(broker.port(), 5);
}

TEST(FleetHistory, LiveEventsEqualTheMaterialisedHistoryAgainstTheEmbeddedBroker) {
  broker::EmbeddedBroker broker;
  expect_live_events_equal_final_history(broker.port(), 6);
}

TEST(FleetHistory, ProgressCountsPublishesWithoutAWatcher) {
  broker::EmbeddedBroker broker;
  const FleetSpec spec = runner::parse_fleet_scenario("compact-history.json", busy_fleet);
  FleetOptions options;
  options.target = test_support::loopback_target(broker.port());
  options.seed = 7;
  std::uint64_t last_published = 0;
  std::uint64_t last_delivered = 0;
  options.progress = [&](const FleetProgress& progress) {
    EXPECT_GE(progress.published, last_published);
    last_published = progress.published;
    last_delivered = progress.delivered;
  };
  const FleetRun run = run_fleet(spec, options);
  ASSERT_TRUE(run.unreachable.empty()) << run.unreachable;
  std::uint64_t sent = 0;
  for (const auto& event : run.history.events) {
    if (event.kind == history::EventKind::sent && event.packet &&
        std::holds_alternative<Publish>(*event.packet)) {
      ++sent;
    }
  }
  EXPECT_GT(last_published, 20u);
  EXPECT_GT(last_delivered, 0u);
  EXPECT_LE(last_published, sent) << "the progress line never counts more than was recorded";
}

}  // namespace
}  // namespace mqtt::simulator
