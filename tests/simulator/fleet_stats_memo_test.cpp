// FleetStatistics remembers per connection what the connection's last event looked up (its actor, the publisher
// in its tokens, the subscribers its topic reaches), so that an event costs a comparison instead of a hash. These
// histories change each of those under the same connection number; the figures must be those of a fresh lookup.
#include <gtest/gtest.h>

#include "simulator/fleet_stats.hpp"

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

Event event_at(std::int64_t time_ms, std::uint32_t connection, std::string actor, EventKind kind) {
  Event event;
  event.time_ns = time_ms * 1'000'000;
  event.connection = connection;
  event.actor = std::move(actor);
  event.kind = kind;
  return event;
}

Event packet_event(std::int64_t time_ms, std::uint32_t connection, std::string actor, EventKind kind,
                   Packet packet) {
  Event event = event_at(time_ms, connection, std::move(actor), kind);
  event.packet = std::move(packet);
  return event;
}

Publish publish(const std::string& topic, const std::string& token) {
  Publish p;
  p.topic = topic;
  const std::string payload = token + "....";
  p.payload = Bytes(payload.begin(), payload.end());
  return p;
}

Subscribe subscribe(const std::string& filter) {
  Subscribe s;
  s.packet_id = 1;
  s.subscriptions = {Subscription{filter, QoS::at_most_once}};
  return s;
}

nlohmann::json statistics_of(const std::vector<Event>& events) {
  FleetStatistics statistics(FleetSpec{});
  for (const auto& event : events) statistics.observe(event);
  return statistics.finish();
}

// The same history with every connection number moved by `offset` (a large power of two: the connections then
// share memo slots with those of the first history, which must not matter).
std::vector<Event> renumbered(std::vector<Event> events, std::uint32_t offset) {
  for (auto& event : events) event.connection += offset;
  return events;
}

TEST(FleetStatsMemo, ASubscriptionAfterAPublishReachesTheConnectionsNextPublish) {
  std::vector<Event> events;
  events.push_back(packet_event(0, 2, "dtu-a", EventKind::sent, publish("dtu/a/telemetry", "dtu-a#1|")));
  events.push_back(packet_event(5, 1, "backend", EventKind::sent, subscribe("dtu/#")));
  events.push_back(packet_event(10, 2, "dtu-a", EventKind::sent, publish("dtu/a/telemetry", "dtu-a#2|")));
  events.push_back(packet_event(12, 1, "backend", EventKind::received, publish("dtu/a/telemetry", "dtu-a#2|")));
  const auto stats = statistics_of(events);
  EXPECT_EQ(stats["messages"]["published"], 2);
  EXPECT_EQ(stats["messages"]["expected_deliveries"], 1) << "the second message was due to the new subscriber";
  EXPECT_EQ(stats["messages"]["lost"], 0);
  EXPECT_EQ(stats["delivery_latency_ms"]["qos0"]["count"], 1);
  EXPECT_EQ(statistics_of(renumbered(events, 1u << 24)), stats);
}

TEST(FleetStatsMemo, AConnectionThatChangesTopicReachesTheNewTopicsSubscribers) {
  std::vector<Event> events;
  events.push_back(packet_event(0, 1, "backend", EventKind::sent, subscribe("dtu/+/telemetry")));
  events.push_back(packet_event(5, 2, "dtu-a", EventKind::sent, publish("dtu/a/status", "dtu-a#1|")));
  events.push_back(packet_event(10, 2, "dtu-a", EventKind::sent, publish("dtu/a/telemetry", "dtu-a#2|")));
  events.push_back(packet_event(15, 2, "dtu-a", EventKind::sent, publish("dtu/a/status", "dtu-a#3|")));
  const auto stats = statistics_of(events);
  EXPECT_EQ(stats["messages"]["published"], 3);
  EXPECT_EQ(stats["messages"]["expected_deliveries"], 1) << "only the telemetry message was due";
  EXPECT_EQ(stats["messages"]["lost"], 1);
  EXPECT_EQ(statistics_of(renumbered(events, 1u << 24)), stats);
}

// A connection number used again by another client (numbers of two runs, or a proxy) counts for that client.
TEST(FleetStatsMemo, AConnectionNumberUsedByAnotherClientCountsForIt) {
  std::vector<Event> events;
  events.push_back(event_at(0, 3, "dtu-a", EventKind::open));
  events.push_back(event_at(5, 3, "dtu-a", EventKind::closed));
  events.push_back(event_at(10, 3, "dtu-b", EventKind::open));
  events.push_back(event_at(15, 3, "dtu-b", EventKind::closed));
  events.push_back(event_at(20, 3, "dtu-a", EventKind::open));
  const auto stats = statistics_of(events);
  EXPECT_EQ(stats["fleet"]["connections"], 3);
  EXPECT_EQ(stats["fleet"]["reconnects"], 1) << "dtu-a reconnected once; dtu-b connected once";
  EXPECT_EQ(statistics_of(renumbered(events, 1u << 24)), stats);
}

// One connection sending the tokens of two publishers (a gateway): each publisher's numbers are its own.
TEST(FleetStatsMemo, TokensOfTwoPublishersOnOneConnectionAreNumberedApart) {
  std::vector<Event> events;
  events.push_back(packet_event(0, 1, "backend", EventKind::sent, subscribe("dtu/#")));
  events.push_back(packet_event(5, 2, "gateway", EventKind::sent, publish("dtu/a", "dtu-a#1|")));
  events.push_back(packet_event(6, 2, "gateway", EventKind::sent, publish("dtu/b", "dtu-b#1|")));
  events.push_back(packet_event(7, 2, "gateway", EventKind::sent, publish("dtu/a", "dtu-a#1|")));  // a resend
  events.push_back(packet_event(8, 1, "backend", EventKind::received, publish("dtu/a", "dtu-a#1|")));
  events.push_back(packet_event(9, 1, "backend", EventKind::received, publish("dtu/b", "dtu-b#1|")));
  const auto stats = statistics_of(events);
  EXPECT_EQ(stats["messages"]["published"], 2) << "dtu-b#1 is a message of its own; dtu-a#1 was sent twice";
  EXPECT_EQ(stats["messages"]["lost"], 0);
  EXPECT_EQ(stats["messages"]["duplicates"], 0);
  EXPECT_EQ(statistics_of(renumbered(events, 1u << 24)), stats);
}

// Two publishers whose connection numbers are a large power of two apart share a memo slot, taking it from each
// other at every message: each keeps its own actor, token publisher and topic.
TEST(FleetStatsMemo, ConnectionsSharingAMemoSlotKeepTheirOwnFigures) {
  std::vector<Event> events;
  events.push_back(packet_event(0, 1, "backend", EventKind::sent, subscribe("dtu/+/telemetry")));
  const std::uint32_t far = 2 + (1u << 20);
  for (int number = 1; number <= 3; ++number) {
    const std::string n = std::to_string(number);
    events.push_back(packet_event(number * 10, 2, "dtu-a", EventKind::sent, publish("dtu/a/telemetry", "dtu-a#" + n + "|")));
    events.push_back(packet_event(number * 10 + 1, far, "dtu-b", EventKind::sent, publish("dtu/b/status", "dtu-b#" + n + "|")));
    events.push_back(packet_event(number * 10 + 2, 1, "backend", EventKind::received,
                                  publish("dtu/a/telemetry", "dtu-a#" + n + "|")));
  }
  const auto stats = statistics_of(events);
  EXPECT_EQ(stats["messages"]["published"], 6);
  EXPECT_EQ(stats["messages"]["expected_deliveries"], 3) << "dtu-b's status messages reach nobody";
  EXPECT_EQ(stats["messages"]["lost"], 0);
  auto apart = events;
  for (auto& event : apart) event.connection = event.connection == far ? 3 : event.connection;
  EXPECT_EQ(statistics_of(apart), stats);
}

}  // namespace
}  // namespace mqtt::simulator
