// The compact event log gives back exactly the events a plain vector of events would hold: packets decoded
// again from their raw bytes, raw-only sends, notes, faults, open/close with reasons, decode errors and
// frames.
#include "history/event_log.hpp"

#include <gtest/gtest.h>

#include "codec/decoder.hpp"
#include "codec/encoder.hpp"
#include "mixed_history.hpp"

namespace mqtt::history {
namespace {

// Appends `event` the way the fleet does: packet events through the fast path, everything else whole.
void append(EventLog& log, const Event& event, ProtocolVersion version) {
  if ((event.kind == EventKind::sent || event.kind == EventKind::received) && !event.error && !event.frame &&
      !event.looked_ns) {
    log.append_packet(event.time_ns, event.connection, log.intern_actor(event.actor), event.kind, version,
                      event.packet.has_value(), event.raw);
  } else {
    log.append(event);
  }
}

TEST(EventLog, MaterialisesExactlyWhatWasAppended) {
  const auto recorded = mixed_history();
  EventLog log;
  for (const auto& item : recorded) append(log, item.event, item.version);
  ASSERT_EQ(log.size(), recorded.size());
  const History history = log.materialize();
  const auto expected = numbered(recorded);
  ASSERT_EQ(history.events.size(), expected.size());
  for (std::size_t index = 0; index < expected.size(); ++index) {
    EXPECT_EQ(history.events[index], expected[index])
        << "event " << index + 1 << " (" << to_string(expected[index].kind) << ")";
  }
}

TEST(EventLog, TakeGivesTheSameEventsEmptiesTheLogAndNumberingContinues) {
  const auto recorded = mixed_history();
  EventLog log;
  for (const auto& item : recorded) append(log, item.event, item.version);
  const History copy = log.materialize();
  const History taken = log.take();
  EXPECT_EQ(taken.events, copy.events);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(log.memory_bytes() < 1024 * 16, true) << "chunks released";
  for (const auto& item : recorded) append(log, item.event, item.version);
  const History again = log.take();
  EXPECT_EQ(again.events, numbered(recorded, recorded.size() + 1));
}

TEST(EventLog, CountsPacketsByKindAndType) {
  EventLog log;
  for (const auto& item : mixed_history()) append(log, item.event, item.version);
  EXPECT_EQ(log.packets(EventKind::sent, PacketType::publish), 9u);
  EXPECT_EQ(log.packets(EventKind::received, PacketType::publish), 9u);
  EXPECT_EQ(log.packets(EventKind::sent, PacketType::connect), 3u);
  EXPECT_EQ(log.packets(EventKind::received, PacketType::pingresp), 4u) << "three plus the framed one";
}

TEST(EventLog, LargeEventsAndManyChunksKeepTheirOrder) {
  EventLog log;
  std::vector<Event> expected;
  const std::uint32_t actor = log.intern_actor("dtu");
  for (std::uint32_t index = 0; index < 5000; ++index) {
    Publish publish;
    publish.version = ProtocolVersion::v3_1_1;
    publish.topic = "t/" + std::to_string(index);
    // Every 1000th payload is bigger than a chunk.
    publish.payload.assign(index % 1000 == 0 ? 100'000 : index % 97, static_cast<std::uint8_t>(index));
    Event event = packet_event(index, 1, "dtu", EventKind::sent, publish);
    event.sequence = index + 1;
    log.append_packet(event.time_ns, 1, actor, EventKind::sent, ProtocolVersion::v3_1_1, true, event.raw);
    expected.push_back(std::move(event));
  }
  const History history = log.take();
  ASSERT_EQ(history.events.size(), expected.size());
  EXPECT_TRUE(history.events == expected);
}

TEST(EventLog, APacketEventCostsItsBytesAndASmallHeader) {
  EventLog log;
  const std::uint32_t actor = log.intern_actor("dtu-idle-1");
  const Bytes connack = encode(Connack{ProtocolVersion::v3_1_1, false, 0, {}});
  for (int index = 0; index < 10'000; ++index) {
    log.append_packet(index, 1, actor, EventKind::received, ProtocolVersion::v3_1_1, true, connack);
  }
  EXPECT_LT(log.memory_bytes(), 10'000u * 40) << "24-byte header + 4 bytes, against ~500 for a full Event";
}

}  // namespace
}  // namespace mqtt::history
