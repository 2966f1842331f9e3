// Merging the shards of one fleet (runner/shard_merge.hpp) from hand-made shard histories: the clock markers
// place a shard only within a bound, and no verdict may depend on cross-shard order finer than that bound.
#include "runner/shard_merge.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "runner/shard_clock.hpp"

namespace mqtt::runner {
namespace {

constexpr std::int64_t millisecond = 1'000'000;
constexpr std::int64_t true_origin = 1'800'000'000'000'000'000;  // both shards started at this Unix time
constexpr std::int64_t behind = 20'000 * millisecond;             // shard 2's clock runs 20 s behind

Bytes bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

history::Event event(std::int64_t time_ns, std::uint32_t connection, std::string actor, history::EventKind kind,
                     Packet packet) {
  history::Event made;
  made.time_ns = time_ns;
  made.connection = connection;
  made.actor = std::move(actor);
  made.kind = kind;
  made.packet = std::move(packet);
  return made;
}

Publish publish(std::string topic, std::uint16_t packet_id, bool retain = false) {
  Publish made;
  made.retain = retain;
  made.qos = QoS::at_least_once;
  made.topic = std::move(topic);
  made.packet_id = packet_id;
  made.payload = bytes("reading 1");
  return made;
}

results::Results shard(std::vector<history::Event> history, std::int64_t origin, ShardClockRecord clock) {
  std::uint64_t sequence = 0;
  for (auto& each : history) each.sequence = ++sequence;
  results::Results made;
  made.kind = "simulation";
  made.mqtt_version = "3.1.1";
  results::CaseResult fleet;
  fleet.id = "fleet:skew:shard-" + std::to_string(clock.shard + 1);
  fleet.title = "skew";
  fleet.history = std::move(history);
  made.cases.push_back(std::move(fleet));
  made.stats["fleet"]["clock_origin_unix_ns"] = origin;
  made.stats["fleet"]["clock"] = to_json(clock);
  return made;
}

using history::EventKind;

// Shard 1 holds the backend, subscribed to dtu/+/# at 20.2 ms; shard 2 a device that publishes telemetry at
// `published_ms` (acknowledged 0.3 ms later) and, at 100 ms, an alarm on a topic the backend never subscribed to,
// which the broker delivers anyway. The start marker reached shard 2 1.5 ms after shard 1 (a one-way delay the
// 5 ms round trip bounds), so the markers place shard 2 1.5 ms early.
results::Results merged(double published_ms, bool retained = false) {
  const auto at = [](double ms) { return static_cast<std::int64_t>(ms * 1e6); };
  std::vector<history::Event> backend{
      event(at(1), 1, "backend-1", EventKind::sent, Connect{.client_id = "backend-1"}),
      event(at(1.2), 1, "backend-1", EventKind::received, Connack{}),
      event(at(20.2), 1, "backend-1", EventKind::sent,
            Subscribe{.packet_id = 1, .subscriptions = {{.filter = "dtu/+/#", .qos = QoS::at_least_once}}}),
      event(at(20.4), 1, "backend-1", EventKind::received, Suback{.packet_id = 1, .reason_codes = {1}}),
      event(at(30), 1, "backend-1", EventKind::received, publish("dtu/site-3/telemetry", 7, retained)),
      event(at(30.1), 1, "backend-1", EventKind::sent, Puback{.packet_id = 7}),
      event(at(101), 1, "backend-1", EventKind::received, publish("alarm/site-3", 8)),
      event(at(101.1), 1, "backend-1", EventKind::sent, Puback{.packet_id = 8}),
  };
  std::vector<history::Event> device{
      event(at(0.3), 1, "site-3", EventKind::sent, Connect{.client_id = "site-3"}),
      event(at(0.5), 1, "site-3", EventKind::received, Connack{}),
      event(at(published_ms), 1, "site-3", EventKind::sent, publish("dtu/site-3/telemetry", 1, retained)),
      event(at(published_ms + 0.3), 1, "site-3", EventKind::received, Puback{.packet_id = 1}),
      event(at(100), 1, "site-3", EventKind::sent, publish("alarm/site-3", 2)),
      event(at(100.3), 1, "site-3", EventKind::received, Puback{.packet_id = 2}),
  };
  const ShardClockRecord first{.topic = "clock", .shard = 0,
                               .markers = {{0, "start", true_origin + millisecond}}, .round_trip_ns = 5 * millisecond};
  const ShardClockRecord second{.topic = "clock", .shard = 1,
                                .markers = {{0, "start", true_origin - behind + at(2.5)}},
                                .round_trip_ns = 5 * millisecond};
  return merge_fleet_shards(
      {shard(std::move(backend), true_origin, first), shard(std::move(device), true_origin - behind, second)});
}

std::multiset<std::string> statements(const results::Results& results) {
  std::multiset<std::string> found;
  for (const auto& violation : results.violations) found.insert(violation.statement);
  return found;
}

TEST(ShardMerge, ASubscriptionAndTheMessageItCarriedAreNotReorderedWithinTheAlignmentBound) {
  // In truth the broker acknowledged the telemetry at 20.3 ms, after the SUBSCRIBE left at 20.2 ms; placed 1.5 ms
  // early it would be acknowledged before: a delivery without subscription that only the alignment made up.
  const auto results = merged(20.0);
  EXPECT_EQ(statements(results), (std::multiset<std::string>{"MQTT-3.3.2-3"})) << "only the alarm is accused";
  ASSERT_EQ(results.violations.size(), 1u);
  EXPECT_NE(results.violations[0].message.find("alarm/site-3"), std::string::npos) << results.violations[0].message;
  const auto& alignment = results.stats["fleet"]["clock_alignment"][1];
  const auto offset = alignment["offset_ns"].get<std::int64_t>();
  EXPECT_LE(std::llabs(offset + behind), alignment["bound_ns"].get<std::int64_t>()) << alignment.dump();
  EXPECT_NE(alignment["method"].get<std::string>().find("within its bound"), std::string::npos) << alignment.dump();
}

TEST(ShardMerge, ADeliveryBeforeTheSubscriptionBeyondTheBoundIsStillJudged) {
  // Acknowledged at 5.3 ms, 15 ms before the SUBSCRIBE: no offset the markers allow (5 ms) excuses the copy.
  const auto results = merged(5.0);
  EXPECT_EQ(statements(results), (std::multiset<std::string>{"MQTT-3.3.2-3", "MQTT-3.3.2-3"}));
  const auto& alignment = results.stats["fleet"]["clock_alignment"][1];
  EXPECT_EQ(alignment["method"].get<std::string>(), "markers shared with shard 1") << alignment.dump();
}

TEST(ShardMerge, ARetainedCopyImpliesNoOrderOfItsSubscription) {
  // A retained message answers a subscription made after the broker had it: the markers' placement stands.
  const auto results = merged(20.0, true);
  EXPECT_EQ(statements(results), (std::multiset<std::string>{"MQTT-3.3.2-3"})) << "only the alarm is accused";
  const auto& alignment = results.stats["fleet"]["clock_alignment"][1];
  EXPECT_EQ(alignment["method"].get<std::string>(), "markers shared with shard 1") << alignment.dump();
}

}  // namespace
}  // namespace mqtt::runner
