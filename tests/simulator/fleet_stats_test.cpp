#include "simulator/fleet_stats.hpp"

#include <gtest/gtest.h>

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

Event packet_event(std::uint64_t sequence, std::int64_t time_ms, std::uint32_t connection, std::string actor,
                   EventKind kind, Packet packet) {
  Event event;
  event.sequence = sequence;
  event.time_ns = time_ms * 1'000'000;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = kind;
  event.packet = std::move(packet);
  return event;
}

Publish publish(const std::string& topic, const std::string& payload, QoS qos, bool dup = false) {
  Publish p;
  p.topic = topic;
  p.payload = bytes_of(payload);
  p.qos = qos;
  p.dup = dup;
  if (qos != QoS::at_most_once) p.packet_id = 1;
  return p;
}

TEST(FleetStats, TokensAreFoundInPaddedPayloads) {
  EXPECT_EQ(message_token("dtu-a-1", 7), "dtu-a-1#7|");
  EXPECT_EQ(token_of(bytes_of("dtu-a-1#7|......")), "dtu-a-1#7|");
  EXPECT_EQ(token_of(bytes_of("online")), "");
}

TEST(FleetStats, PercentilesUseNearestRank) {
  std::vector<double> values;
  for (int i = 100; i >= 1; --i) values.push_back(i);
  const auto figures = percentiles(values);
  EXPECT_EQ(figures["count"], 100);
  EXPECT_EQ(figures["p50"], 50);
  EXPECT_EQ(figures["p90"], 90);
  EXPECT_EQ(figures["p99"], 99);
  EXPECT_EQ(figures["p99.9"], 100);
  std::vector<double> none;
  EXPECT_EQ(percentiles(none), nlohmann::json({{"count", 0}}));
}

TEST(FleetStats, LatencyLossesAndDuplicatesComeFromTheHistory) {
  history::History history;
  Connect connect;
  connect.client_id = "backend";
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {Subscription{"dtu/+/telemetry", QoS::at_least_once}};
  std::uint64_t sequence = 0;
  auto& events = history.events;
  events.push_back(packet_event(++sequence, 0, 1, "backend", EventKind::sent, connect));
  events.push_back(packet_event(++sequence, 4, 1, "backend", EventKind::received, Connack{}));
  events.push_back(packet_event(++sequence, 5, 1, "backend", EventKind::sent, subscribe));
  events.push_back(packet_event(++sequence, 100, 2, "dtu-a-1", EventKind::sent,
                                publish("dtu/dtu-a-1/telemetry", "dtu-a-1#1|..", QoS::at_least_once)));
  events.push_back(packet_event(++sequence, 110, 1, "backend", EventKind::received,
                                publish("dtu/dtu-a-1/telemetry", "dtu-a-1#1|..", QoS::at_least_once)));
  events.push_back(packet_event(++sequence, 120, 1, "backend", EventKind::received,
                                publish("dtu/dtu-a-1/telemetry", "dtu-a-1#1|..", QoS::at_least_once, true)));
  events.push_back(packet_event(++sequence, 1500, 2, "dtu-a-1", EventKind::sent,
                                publish("dtu/dtu-a-1/telemetry", "dtu-a-1#2|..", QoS::at_most_once)));
  events.push_back(packet_event(++sequence, 1600, 2, "dtu-a-1", EventKind::sent,
                                publish("dtu/dtu-a-1/telemetry", "dtu-a-1#3|..", QoS::at_least_once)));
  Event fault;
  fault.sequence = ++sequence;
  fault.time_ns = 1'550'000'000;
  fault.connection = 2;
  fault.actor = "dtu-a-1";
  fault.kind = EventKind::fault;
  fault.fault = "latency";
  events.insert(events.end() - 1, fault);

  const auto stats = compute_fleet_stats(history, FleetSpec{});
  EXPECT_EQ(stats["connect_latency_ms"]["count"], 1);
  EXPECT_EQ(stats["connect_latency_ms"]["p50"], 4);
  EXPECT_EQ(stats["delivery_latency_ms"]["qos1"]["count"], 1);
  EXPECT_EQ(stats["delivery_latency_ms"]["qos1"]["p50"], 10);
  EXPECT_EQ(stats["messages"]["published"], 3);
  EXPECT_EQ(stats["messages"]["expected_deliveries"], 3);
  EXPECT_EQ(stats["messages"]["lost"], 2);
  EXPECT_EQ(stats["losses_by_cause"]["qos0-not-delivered"], 1);
  EXPECT_EQ(stats["losses_by_cause"]["publisher-connection-faulted"], 1);
  EXPECT_EQ(stats["duplicates_by_cause"]["redelivery-with-dup-flag"], 1);
  EXPECT_EQ(stats["faults_by_kind"]["latency"], 1);
  EXPECT_EQ(stats["throughput_per_second"]["published"], nlohmann::json({1, 2}));
}

}  // namespace
}  // namespace mqtt::simulator
