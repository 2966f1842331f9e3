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
  // On the time axis: second 0 has message 1 (published, delivered twice), second 1 messages 2 and 3 (lost).
  const auto& timeline = stats["timeline"];
  EXPECT_EQ(timeline["seconds"], 2);
  EXPECT_EQ(timeline["published"], nlohmann::json({1, 2}));
  EXPECT_EQ(timeline["delivered"], nlohmann::json({2, 0}));
  EXPECT_EQ(timeline["lost"], nlohmann::json({0, 2}));
  EXPECT_EQ(timeline["connected"], nlohmann::json({1, 1}));
  EXPECT_EQ(timeline["latency_ms"]["qos1"]["p50"], nlohmann::json({10, nullptr}));
  EXPECT_FALSE(timeline["latency_ms"].contains("qos0"));
}

Event open_event(std::uint64_t sequence, std::int64_t time_ms, std::uint32_t connection, std::string actor) {
  Event event;
  event.sequence = sequence;
  event.time_ns = time_ms * 1'000'000;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = EventKind::open;
  return event;
}

Event closed_event(std::uint64_t sequence, std::int64_t time_ms, std::uint32_t connection, std::string actor) {
  Event event = open_event(sequence, time_ms, connection, std::move(actor));
  event.kind = EventKind::closed;
  event.close_reason = history::CloseReason::local_abort;
  return event;
}

TEST(FleetStats, ConnectionsReconnectsAndFaultWindowsAreOnTheTimeAxis) {
  history::History history;
  std::uint64_t sequence = 0;
  auto& events = history.events;
  Connect connect;
  connect.client_id = "dtu-a-1";
  // Connected in second 0, dropped in second 2, back in second 3 (a reconnect), still connected at the end.
  events.push_back(open_event(++sequence, 100, 1, "dtu-a-1"));
  events.push_back(packet_event(++sequence, 101, 1, "dtu-a-1", EventKind::sent, connect));
  events.push_back(packet_event(++sequence, 105, 1, "dtu-a-1", EventKind::received, Connack{}));
  Event fault = open_event(++sequence, 2'000, 1, "dtu-a-1");
  fault.kind = EventKind::fault;
  fault.fault = "power-loss";
  events.push_back(fault);
  events.push_back(closed_event(++sequence, 2'001, 1, "dtu-a-1"));
  events.push_back(open_event(++sequence, 3'500, 2, "dtu-a-1"));
  events.push_back(packet_event(++sequence, 3'501, 2, "dtu-a-1", EventKind::sent, connect));
  Connack refused;
  refused.reason_code = 3;
  events.push_back(packet_event(++sequence, 3'502, 2, "dtu-a-1", EventKind::received, refused));
  events.push_back(open_event(++sequence, 4'200, 3, "dtu-a-1"));
  events.push_back(packet_event(++sequence, 4'201, 3, "dtu-a-1", EventKind::sent, connect));
  events.push_back(packet_event(++sequence, 4'205, 3, "dtu-a-1", EventKind::received, Connack{}));
  FleetSpec spec;
  FaultSpec outage;
  outage.kind = FaultKind::power_loss;
  outage.group = "a";
  outage.at_ms = 2'000;
  outage.duration_ms = 1'500;
  spec.faults.push_back(outage);

  const auto timeline = compute_fleet_stats(history, spec)["timeline"];
  EXPECT_EQ(timeline["seconds"], 5);
  EXPECT_EQ(timeline["connected"], nlohmann::json({1, 1, 0, 0, 1}));  // a refused CONNECT does not count
  EXPECT_EQ(timeline["reconnects"], nlohmann::json({0, 0, 0, 1, 1}));
  ASSERT_EQ(timeline["faults"].size(), 1U);
  EXPECT_EQ(timeline["faults"][0]["kind"], "power-loss");
  EXPECT_EQ(timeline["faults"][0]["from_s"], 2.0);
  EXPECT_EQ(timeline["faults"][0]["to_s"], 3.5);
  EXPECT_EQ(timeline["faults"][0]["events"], 1);
}

TEST(FleetStats, WillsAreDueDeliveredLateMissingOrUnobserved) {
  history::History history;
  std::uint64_t sequence = 0;
  auto& events = history.events;
  Connect backend;
  backend.client_id = "backend";
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {Subscription{"dtu/+/will", QoS::at_least_once}};
  events.push_back(packet_event(++sequence, 0, 1, "backend", EventKind::sent, backend));
  events.push_back(packet_event(++sequence, 1, 1, "backend", EventKind::received, Connack{}));
  events.push_back(packet_event(++sequence, 2, 1, "backend", EventKind::sent, subscribe));
  // Four devices with a will (keep alive 10 s): 2 dies and its will comes at once, 3 dies and its will comes
  // 30 s later (late), 4 dies and nothing comes (missing), 5 says DISCONNECT (nothing due).
  for (std::uint32_t device = 2; device <= 5; ++device) {
    Connect connect;
    connect.client_id = "dtu-" + std::to_string(device);
    connect.keep_alive = 10;
    connect.will = Will{"dtu/" + connect.client_id + "/will", bytes_of("offline"), QoS::at_least_once, false, {}};
    events.push_back(packet_event(++sequence, 10, device, connect.client_id, EventKind::sent, connect));
    events.push_back(packet_event(++sequence, 11, device, connect.client_id, EventKind::received, Connack{}));
  }
  events.push_back(packet_event(++sequence, 1'000, 5, "dtu-5", EventKind::sent, Disconnect{}));
  for (std::uint32_t device = 2; device <= 5; ++device) {
    events.push_back(closed_event(++sequence, 1'000, device, "dtu-" + std::to_string(device)));
  }
  events.push_back(packet_event(++sequence, 1'020, 1, "backend", EventKind::received,
                                publish("dtu/dtu-2/will", "offline", QoS::at_least_once)));
  events.push_back(packet_event(++sequence, 31'000, 1, "backend", EventKind::received,
                                publish("dtu/dtu-3/will", "offline", QoS::at_least_once)));

  const auto wills = compute_fleet_stats(history, FleetSpec{})["wills"];
  EXPECT_EQ(wills["sessions_with_will"], 4);
  EXPECT_EQ(wills["due"], 3);
  EXPECT_EQ(wills["delivered"], 2);
  EXPECT_EQ(wills["late"], 1);
  EXPECT_EQ(wills["missing"], 1);
  EXPECT_EQ(wills["unobserved"], 0);
  EXPECT_EQ(wills["latency_ms"]["p50"], 20);
  EXPECT_EQ(wills["due_per_second"][1], 3);
}

Event fault_event(std::uint64_t sequence, std::int64_t time_ms, std::string fault) {
  Event event = open_event(sequence, time_ms, 0, "broker");
  event.kind = EventKind::fault;
  event.fault = std::move(fault);
  return event;
}

Event note_event(std::uint64_t sequence, std::int64_t time_ms, std::string detail) {
  Event event = open_event(sequence, time_ms, 0, "");
  event.kind = EventKind::note;
  event.detail = std::move(detail);
  return event;
}

// A broker restart ends the sessions open then; a broker that stops need not publish their wills (the checker
// owes none, harness/model/will.cpp), so the statistic counts them apart instead of as missing. A restart
// recorded and then skipped ended nothing: the wills of the sessions it marked are due again.
TEST(FleetStats, WillsOfSessionsABrokerRestartEndedAreAllowedNotDue) {
  history::History history;
  std::uint64_t sequence = 0;
  auto& events = history.events;
  Connect backend;
  backend.client_id = "backend";
  Subscribe subscribe;
  subscribe.packet_id = 1;
  subscribe.subscriptions = {Subscription{"dtu/+/will", QoS::at_least_once}};
  events.push_back(packet_event(++sequence, 0, 1, "backend", EventKind::sent, backend));
  events.push_back(packet_event(++sequence, 1, 1, "backend", EventKind::received, Connack{}));
  events.push_back(packet_event(++sequence, 2, 1, "backend", EventKind::sent, subscribe));
  const auto connect_device = [&](std::uint32_t connection, std::int64_t time_ms) {
    Connect connect;
    connect.client_id = "dtu-" + std::to_string(connection);
    connect.keep_alive = 10;
    connect.will = Will{"dtu/" + connect.client_id + "/will", bytes_of("offline"), QoS::at_least_once, false, {}};
    events.push_back(packet_event(++sequence, time_ms, connection, connect.client_id, EventKind::sent, connect));
    events.push_back(packet_event(++sequence, time_ms + 1, connection, connect.client_id, EventKind::received,
                                  Connack{}));
  };
  // dtu-2 and dtu-3 are open when the broker restarts; dtu-3's will comes anyway. dtu-4 connects after it and
  // dies without a will arriving: missing. Then a restart is recorded and skipped: dtu-5, open then, dies
  // later without its will: missing too.
  connect_device(2, 10);
  connect_device(3, 10);
  events.push_back(fault_event(++sequence, 1'000, "broker-restart"));
  events.push_back(closed_event(++sequence, 1'001, 2, "dtu-2"));
  events.push_back(closed_event(++sequence, 1'001, 3, "dtu-3"));
  events.push_back(packet_event(++sequence, 1'002, 1, "backend", EventKind::received,
                                publish("dtu/dtu-3/will", "offline", QoS::at_least_once)));
  connect_device(4, 2'000);
  connect_device(5, 2'000);
  events.push_back(closed_event(++sequence, 3'000, 4, "dtu-4"));
  events.push_back(fault_event(++sequence, 4'000, "broker-restart"));
  events.push_back(note_event(++sequence, 4'000, "broker-restart skipped: the previous restart was still running"));
  events.push_back(closed_event(++sequence, 5'000, 5, "dtu-5"));
  events.push_back(packet_event(++sequence, 20'000, 1, "backend", EventKind::received, Pingresp{}));

  const auto wills = compute_fleet_stats(history, FleetSpec{})["wills"];
  EXPECT_EQ(wills["sessions_with_will"], 4);
  EXPECT_EQ(wills["due"], 2);
  EXPECT_EQ(wills["delivered"], 0);
  EXPECT_EQ(wills["missing"], 2);
  EXPECT_EQ(wills["ended_by_broker_restart"]["sessions"], 2);
  EXPECT_EQ(wills["ended_by_broker_restart"]["published_anyway"], 1);
  EXPECT_TRUE(wills["latency_ms"].empty() || wills["latency_ms"].value("count", 0) == 0) << wills["latency_ms"];
  EXPECT_EQ(wills["due_per_second"][1], 0);  // the restart's second: nothing due
}

TEST(FleetStats, WillSeriesOfALongRunHaveWiderEntries) {
  history::History history;
  Connect connect;
  connect.client_id = "dtu-1";
  connect.will = Will{"dtu/dtu-1/will", bytes_of("offline"), QoS::at_least_once, false, {}};
  history.events.push_back(packet_event(1, 0, 1, "dtu-1", EventKind::sent, connect));
  history.events.push_back(packet_event(2, 1, 1, "dtu-1", EventKind::received, Connack{}));
  history.events.push_back(closed_event(3, 10'000'000, 1, "dtu-1"));  // at 10,000 s: past 7,200 entries
  const auto wills = compute_fleet_stats(history, FleetSpec{})["wills"];
  EXPECT_EQ(wills["interval_s"], 2);
  EXPECT_EQ(wills["due_per_second"].size(), 5'001U);
  EXPECT_EQ(wills["due_per_second"][5'000], 1);
}

TEST(FleetStats, NoWillNoWillStatistics) {
  EXPECT_FALSE(compute_fleet_stats(history::History{}, FleetSpec{}).contains("wills"));
}

}  // namespace
}  // namespace mqtt::simulator
