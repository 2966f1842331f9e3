// The retained-status statistic from hand-built histories: which value a new subscription must get (the
// latest confirmed write, or one still in flight), and each way of getting it wrong.
#include "simulator/retained_stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>

namespace mqtt::simulator {
namespace {

using history::Event;
using history::EventKind;

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

// Builds a history in time order; times are milliseconds.
class HistoryBuilder {
 public:
  HistoryBuilder& sent(std::int64_t time_ms, std::uint32_t connection, const std::string& actor,
                       Packet packet) {
    return add(time_ms, connection, actor, EventKind::sent, std::move(packet));
  }
  HistoryBuilder& received(std::int64_t time_ms, std::uint32_t connection, const std::string& actor,
                           Packet packet) {
    return add(time_ms, connection, actor, EventKind::received, std::move(packet));
  }
  HistoryBuilder& closed(std::int64_t time_ms, std::uint32_t connection, const std::string& actor) {
    Event event;
    event.sequence = history_.events.size() + 1;
    event.time_ns = time_ms * 1'000'000;
    event.connection = connection;
    event.actor = actor;
    event.kind = EventKind::closed;
    history_.events.push_back(std::move(event));
    return *this;
  }
  // A retained write of `payload` on `topic`, acknowledged `ack_after_ms` later (or never, when negative).
  HistoryBuilder& status(std::int64_t time_ms, std::uint32_t connection, const std::string& actor,
                         const std::string& topic, const std::string& payload, std::uint16_t packet_id,
                         std::int64_t ack_after_ms = 1) {
    Publish publish;
    publish.topic = topic;
    publish.payload = bytes_of(payload);
    publish.qos = QoS::at_least_once;
    publish.retain = true;
    publish.packet_id = packet_id;
    sent(time_ms, connection, actor, publish);
    if (ack_after_ms >= 0) {
      Puback puback;
      puback.packet_id = packet_id;
      received(time_ms + ack_after_ms, connection, actor, puback);
    }
    return *this;
  }
  // SUBSCRIBE at `time_ms`, SUBACK 1 ms later, then `copy` (when not empty) as a retained copy, then a
  // PINGRESP to a PINGREQ sent after the SUBACK, so the broker was heard from after it.
  HistoryBuilder& subscribe(std::int64_t time_ms, std::uint32_t connection, const std::string& actor,
                            const std::string& filter, std::optional<std::string> copy,
                            bool heard_after = true) {
    Subscribe subscribe;
    subscribe.packet_id = 50;
    subscribe.subscriptions = {Subscription{filter, QoS::at_least_once}};
    sent(time_ms, connection, actor, subscribe);
    Suback suback;
    suback.packet_id = 50;
    suback.reason_codes = {1};
    received(time_ms + 1, connection, actor, suback);
    if (copy) {
      Publish publish;
      publish.topic = filter;
      publish.payload = bytes_of(*copy);
      publish.retain = true;
      received(time_ms + 2, connection, actor, publish);
    }
    if (heard_after) {
      sent(time_ms + 3, connection, actor, Pingreq{});
      received(time_ms + 4, connection, actor, Pingresp{});
    }
    return *this;
  }
  const history::History& history() const { return history_; }

 private:
  HistoryBuilder& add(std::int64_t time_ms, std::uint32_t connection, const std::string& actor,
                      EventKind kind, Packet packet) {
    Event event;
    event.sequence = history_.events.size() + 1;
    event.time_ns = time_ms * 1'000'000;
    event.connection = connection;
    event.actor = actor;
    event.kind = kind;
    event.packet = std::move(packet);
    history_.events.push_back(std::move(event));
    return *this;
  }
  history::History history_;
};

const std::string topic = "dtu/a/status";

TEST(RetainedStats, NothingRetainedGivesNoStatistic) {
  HistoryBuilder builder;
  builder.subscribe(10, 2, "auditor", topic, std::nullopt);
  EXPECT_EQ(compute_retained_stats(builder.history()), nlohmann::json::object());
}

TEST(RetainedStats, TheLatestConfirmedValueIsRight) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", topic, "online", 1).status(10, 1, "dtu-a", topic, "busy", 2);
  builder.subscribe(100, 2, "auditor", topic, "busy");
  const auto stats = compute_retained_stats(builder.history());
  EXPECT_EQ(stats["topics"], 1);
  EXPECT_EQ(stats["subscriptions"], 1);
  EXPECT_EQ(stats["checks"], 1);
  EXPECT_EQ(stats["correct"], 1);
  EXPECT_EQ(stats["stale"], 0);
  EXPECT_FALSE(stats.contains("first_problem"));
}

TEST(RetainedStats, AnOlderValueIsStaleAndTheFirstProblemSaysWhatWasExpected) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", topic, "online", 1).status(10, 1, "dtu-a", topic, "busy", 2);
  builder.subscribe(1500, 2, "auditor", topic, "online");
  const auto stats = compute_retained_stats(builder.history());
  EXPECT_EQ(stats["stale"], 1);
  EXPECT_EQ(stats["correct"], 0);
  EXPECT_EQ(stats["first_problem"], nlohmann::json({{"kind", "stale"},
                                                    {"actor", "auditor"},
                                                    {"topic", topic},
                                                    {"at_s", 1.5},
                                                    {"got", "\"online\""},
                                                    {"expected", "\"busy\""}}));
}

TEST(RetainedStats, AWriteStillInFlightMayOrMayNotBeSeen) {
  // "busy" was sent before the SUBSCRIBE but acknowledged after it: the broker may have stored it first or
  // not.
  for (const std::string copy : {"online", "busy"}) {
    HistoryBuilder builder;
    builder.status(0, 1, "dtu-a", topic, "online", 1).status(99, 1, "dtu-a", topic, "busy", 2, 10);
    builder.subscribe(100, 2, "auditor", topic, copy);
    EXPECT_EQ(compute_retained_stats(builder.history())["correct"], 1) << copy;
  }
}

TEST(RetainedStats, NoCopyWhenOneWasStoredIsMissingOnlyWhenTheBrokerSpokeAfterTheSuback) {
  HistoryBuilder heard;
  heard.status(0, 1, "dtu-a", topic, "online", 1).subscribe(100, 2, "auditor", topic, std::nullopt);
  const auto missing = compute_retained_stats(heard.history());
  EXPECT_EQ(missing["missing"], 1);
  EXPECT_EQ(missing["first_problem"]["got"], "nothing");
  EXPECT_EQ(missing["first_problem"]["expected"], "\"online\"");

  HistoryBuilder silent;
  silent.status(0, 1, "dtu-a", topic, "online", 1).subscribe(100, 2, "auditor", topic, std::nullopt, false);
  silent.closed(102, 2, "auditor");
  const auto unjudged = compute_retained_stats(silent.history());
  EXPECT_EQ(unjudged["missing"], 0);
  EXPECT_EQ(unjudged["unjudged"], 1);
}

TEST(RetainedStats, AClearedTopicMustDeliverNothing) {
  HistoryBuilder delivered;
  delivered.status(0, 1, "dtu-a", topic, "online", 1).status(10, 1, "dtu-a", topic, "", 2);
  delivered.subscribe(100, 2, "auditor", topic, "online");
  EXPECT_EQ(compute_retained_stats(delivered.history())["delivered_when_cleared"], 1);

  HistoryBuilder quiet;
  quiet.status(0, 1, "dtu-a", topic, "online", 1).status(10, 1, "dtu-a", topic, "", 2);
  quiet.subscribe(100, 2, "auditor", topic, std::nullopt);
  const auto stats = compute_retained_stats(quiet.history());
  EXPECT_EQ(stats["correct"], 1);
  EXPECT_EQ(stats["delivered_when_cleared"], 0);
}

TEST(RetainedStats, AValueNobodyWroteIsUnexpected) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", topic, "online", 1).subscribe(100, 2, "auditor", topic, "left over");
  EXPECT_EQ(compute_retained_stats(builder.history())["unexpected"], 1);
}

TEST(RetainedStats, ARetainedWillSeenByASubscriberReplacesTheStatus) {
  // dtu-a connects with a retained will, says "online", loses its link; the dashboard sees the will at 300
  // ms.
  const auto will_history = [](const std::string& copy) {
    HistoryBuilder builder;
    Connect connect;
    connect.client_id = "dtu-a";
    connect.will = Will{topic, bytes_of("offline"), QoS::at_least_once, true, {}};
    builder.sent(0, 1, "dtu-a", connect).received(1, 1, "dtu-a", Connack{});
    builder.status(2, 1, "dtu-a", topic, "online", 1).closed(200, 1, "dtu-a");
    Publish will_copy;
    will_copy.topic = topic;
    will_copy.payload = bytes_of("offline");
    builder.received(300, 3, "dashboard", will_copy);
    builder.subscribe(1000, 2, "auditor", topic, copy);
    return compute_retained_stats(builder.history());
  };
  EXPECT_EQ(will_history("offline")["correct"], 1);
  EXPECT_EQ(will_history("online")["stale"], 1) << "a broker that published the will but kept the old status";
}

TEST(RetainedStats, WritesWhoseTimesOverlapMayHaveLandedInEitherOrder) {
  // dtu-a's link dies at 200 ms; it reconnects and says "online" (acknowledged at 401 ms), but the broker only
  // notices the old session's end afterwards and publishes the retained will, seen at 600 ms: both were done
  // before the SUBSCRIBE, neither surely before the other began, so either value may be the stored one.
  for (const std::string copy : {"online", "offline"}) {
    HistoryBuilder builder;
    Connect connect;
    connect.client_id = "dtu-a";
    connect.will = Will{topic, bytes_of("offline"), QoS::at_least_once, true, {}};
    builder.sent(0, 1, "dtu-a", connect).received(1, 1, "dtu-a", Connack{});
    builder.status(2, 1, "dtu-a", topic, "online", 1).closed(200, 1, "dtu-a");
    builder.sent(300, 4, "dtu-a", connect).received(301, 4, "dtu-a", Connack{});
    builder.status(400, 4, "dtu-a", topic, "online", 1);
    Publish will_copy;
    will_copy.topic = topic;
    will_copy.payload = bytes_of("offline");
    builder.received(600, 3, "dashboard", will_copy);
    builder.subscribe(1000, 2, "auditor", topic, copy);
    EXPECT_EQ(compute_retained_stats(builder.history())["correct"], 1) << copy;
  }
}

TEST(RetainedStats, AWildcardSubscriptionChecksEveryTopicItMatches) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", "dtu/a/status", "online", 1)
      .status(0, 3, "dtu-b", "dtu/b/status", "online", 1);
  builder.status(0, 4, "dtu-c", "other/c", "online", 1);
  builder.subscribe(100, 2, "auditor", "dtu/+/status", std::nullopt);
  const auto stats = compute_retained_stats(builder.history());
  EXPECT_EQ(stats["topics"], 3);
  EXPECT_EQ(stats["subscriptions"], 1);
  EXPECT_EQ(stats["checks"], 2);
  EXPECT_EQ(stats["missing"], 2);
}

TEST(RetainedStats, SubscriptionsThatOweNoRetainedMessagesAreNotChecked) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", topic, "online", 1);
  Subscribe subscribe;
  subscribe.version = ProtocolVersion::v5;
  subscribe.packet_id = 7;
  Subscription never{topic, QoS::at_least_once};
  never.retain_handling = 2;
  subscribe.subscriptions = {never, Subscription{"$share/g/" + topic, QoS::at_least_once}};
  builder.sent(100, 2, "auditor", subscribe);
  Suback suback;
  suback.packet_id = 7;
  suback.reason_codes = {1, 1};
  builder.received(101, 2, "auditor", suback).sent(102, 2, "auditor", Pingreq{});
  builder.received(103, 2, "auditor", Pingresp{});
  const auto stats = compute_retained_stats(builder.history());
  EXPECT_EQ(stats["checks"], 0);
  EXPECT_EQ(stats["subscriptions"], 0);
}

TEST(RetainedStats, AValueTheBrokerRefusedIsNeverWritten) {
  HistoryBuilder builder;
  builder.status(0, 1, "dtu-a", topic, "online", 1).status(10, 1, "dtu-a", topic, "busy", 2, -1);
  Puback refused;
  refused.version = ProtocolVersion::v5;
  refused.packet_id = 2;
  refused.reason_code = 0x87;  // not authorized
  builder.received(11, 1, "dtu-a", refused);
  builder.subscribe(100, 2, "auditor", topic, "busy");
  EXPECT_EQ(compute_retained_stats(builder.history())["unexpected"], 1);
}

// A device that reconnects writes its status again and subscribes again each time: the statistic judges each
// SUBSCRIBE once its connection closed and lets go of the writes no later SUBSCRIBE can get, so what it holds
// follows the devices and topics, not the reconnects; the figures are those of every check. A stale copy on the
// last connection is still told from an unexpected one by a value forgotten long ago.
// An answer to a request proves the QoS 0 writes sent before the request were read, and only those: the
// statistic keeps no request sent while no QoS 0 retained write was unread, which must change nothing.
TEST(RetainedStats, OnlyARequestSentAfterAQoS0WriteConfirmsIt) {
  const auto with_request_at = [](std::int64_t request_ms) {
    Publish request;  // a QoS 1 telemetry message: its PUBACK answers it
    request.topic = "dtu/a/telemetry";
    request.payload = bytes_of("t");
    request.qos = QoS::at_least_once;
    request.packet_id = 7;
    Publish write;  // the QoS 0 retained status, at 5 ms
    write.topic = topic;
    write.payload = bytes_of("online");
    write.retain = true;
    HistoryBuilder builder;
    if (request_ms < 5) builder.sent(request_ms, 1, "dtu-a", request);
    builder.sent(5, 1, "dtu-a", write);
    if (request_ms >= 5) builder.sent(request_ms, 1, "dtu-a", request);
    Puback puback;
    puback.packet_id = 7;
    builder.received(10, 1, "dtu-a", puback);
    builder.subscribe(100, 2, "auditor", topic, std::nullopt);
    return compute_retained_stats(builder.history());
  };
  // Sent before the write: the write is unconfirmed, so "nothing stored yet" is still a right answer.
  const auto before = with_request_at(0);
  EXPECT_EQ(before["correct"], 1);
  EXPECT_EQ(before["missing"], 0);
  // Sent after it: the PUBACK at 10 ms confirms "online", which the subscription at 100 ms then misses.
  const auto after = with_request_at(6);
  EXPECT_EQ(after["correct"], 0);
  EXPECT_EQ(after["missing"], 1);
}

TEST(RetainedStats, ReconnectsDoNotGrowWhatTheStatisticHolds) {
  const auto run = [](int reconnects, std::size_t& most_tracked) {
    HistoryBuilder builder;
    std::int64_t time_ms = 0;
    for (int reconnect = 0; reconnect < reconnects; ++reconnect) {
      const auto connection = static_cast<std::uint32_t>(reconnect + 1);
      const auto value = reconnect % 2 == 0 ? std::string("online") : std::string("busy");
      builder.status(time_ms, connection, "dtu-a", topic, value, 1);
      builder.subscribe(time_ms + 10, connection, "dtu-a", topic, value);
      builder.closed(time_ms + 20, connection, "dtu-a");
      time_ms += 100;
    }
    // One more connection, whose copy is the value of an early write: stale, not unexpected.
    builder.status(time_ms, 100'000, "dtu-a", topic, "rebooting", 1);
    builder.subscribe(time_ms + 10, 100'000, "dtu-a", topic, "online");
    RetainedStatistics statistics;
    most_tracked = 0;
    for (const auto& event : builder.history().events) {
      statistics.observe(event);
      most_tracked = std::max(most_tracked, statistics.tracked());
    }
    return statistics.finish();
  };
  std::size_t fewer_tracked = 0;
  std::size_t more_tracked = 0;
  const auto fewer = run(2'000, fewer_tracked);
  const auto more = run(10'000, more_tracked);
  std::cout << "most entries held: " << fewer_tracked << " after 2,000 reconnects, " << more_tracked
            << " after 10,000\n";
  EXPECT_EQ(more["checks"], 10'001);
  EXPECT_EQ(more["correct"], 10'000);
  EXPECT_EQ(more["stale"], 1);
  EXPECT_EQ(more["first_problem"]["kind"], "stale");
  EXPECT_EQ(fewer["correct"], 2'000);
  EXPECT_LE(more_tracked, 2'100u);  // one compaction period (at least 1,024 events) at most
  EXPECT_LE(more_tracked, fewer_tracked + 100) << "grew with the reconnects";
}

}  // namespace
}  // namespace mqtt::simulator
