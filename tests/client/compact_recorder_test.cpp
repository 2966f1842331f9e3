// A Recorder with compact storage records the same history as one with plain events: same kinds, actors,
// connections, packets (decoded again from the raw bytes), raw bytes, notes, faults and close reasons, in the
// same order; and its listener sees each full event as it is recorded.
#include <gtest/gtest.h>

#include "client/recorder.hpp"
#include "codec/encoder.hpp"

namespace mqtt::client {
namespace {

// The same calls a connection, its session and the fleet make.
void record_a_connection(Recorder& recorder) {
  const std::uint32_t device = recorder.intern_actor("dtu-cell-1");
  const std::uint32_t backend = recorder.intern_actor("backend");
  history::Event open;
  open.kind = history::EventKind::open;
  open.connection = 1;
  open.actor = "dtu-cell-1";
  open.detail = "peer 127.0.0.1:1883";
  recorder.record(open);

  const auto packet = [&](history::EventKind kind, std::uint32_t actor, const Packet& value) {
    const Bytes bytes = encode(value);
    recorder.record_packet(kind, 1, actor, ProtocolVersion::v5, bytes, &value);
  };
  Connect connect;
  connect.version = ProtocolVersion::v5;
  connect.client_id = "dtu-cell-1";
  connect.username = "user";
  connect.password = Bytes{'p', 'w'};
  packet(history::EventKind::sent, device, connect);
  packet(history::EventKind::received, device, Connack{ProtocolVersion::v5, false, 0, {}});
  Publish publish;
  publish.version = ProtocolVersion::v5;
  publish.topic = "dtu/dtu-cell-1/telemetry";
  publish.qos = QoS::at_least_once;
  publish.packet_id = 1;
  publish.payload = Bytes{'d', 't', 'u', '#', '1', '|'};
  packet(history::EventKind::sent, device, publish);
  packet(history::EventKind::received, backend, publish);
  packet(history::EventKind::received, device, Puback{ProtocolVersion::v5, 1, 0, {}});
  // Bytes that are not one valid packet: recorded raw, without a packet.
  const Bytes malformed{0x30, 0x05, 0x00};
  recorder.record_packet(history::EventKind::sent, 1, device, ProtocolVersion::v5, malformed, nullptr);
  recorder.fault("dtu-cell-1", "latency", "latency_ms=80", 1);
  recorder.note("fleet", "fleet end");
  history::Event closed;
  closed.kind = history::EventKind::closed;
  closed.connection = 1;
  closed.actor = "dtu-cell-1";
  closed.close_reason = history::CloseReason::reset;
  recorder.record(closed);
}

std::vector<history::Event> without_times(std::vector<history::Event> events) {
  for (auto& event : events) event.time_ns = 0;
  return events;
}

TEST(CompactRecorder, RecordsTheSameHistoryAsPlainEvents) {
  Recorder plain;
  Recorder compact(RecorderStorage::compact);
  record_a_connection(plain);
  record_a_connection(compact);
  const auto expected = plain.snapshot().events;
  ASSERT_EQ(expected.size(), 10u);
  EXPECT_EQ(compact.size(), expected.size());
  EXPECT_EQ(without_times(compact.snapshot().events), without_times(expected));
  EXPECT_EQ(expected[1].packet->index(), Packet(Connect{}).index());
  EXPECT_FALSE(expected[6].packet.has_value());
  EXPECT_EQ(without_times(compact.take_history().events), without_times(expected));
  EXPECT_EQ(compact.size(), 0u);
  EXPECT_EQ(compact.note("fleet", "after"), 11u) << "numbering continues after take_history";
  EXPECT_EQ(compact.snapshot().events.at(0).sequence, 11u);
}

TEST(CompactRecorder, ListenerSeesTheFullEventsThatAreMaterialisedLater) {
  std::vector<history::Event> seen;
  Recorder compact(RecorderStorage::compact, [&](const history::Event& event) { seen.push_back(event); });
  record_a_connection(compact);
  EXPECT_EQ(compact.take_history().events, seen) << "times included: stamped once, stored once";
}

TEST(CompactRecorder, ASinkWithoutStorageGetsEveryFullEventAndNothingIsKept) {
  std::vector<history::Event> listened;
  Recorder watched(RecorderStorage::none, [&](const history::Event& event) { listened.push_back(event); });
  record_a_connection(watched);
  std::vector<history::Event> sunk;
  Recorder handed(RecorderStorage::none, [](const history::Event&) { ADD_FAILURE() << "the sink takes the event"; });
  handed.set_sink([&](history::Event&& event) { sunk.push_back(std::move(event)); });
  record_a_connection(handed);
  ASSERT_FALSE(sunk.empty());
  EXPECT_EQ(without_times(sunk), without_times(listened));
  EXPECT_TRUE(handed.take_history().events.empty());
}

TEST(CompactRecorder, CountsPacketsInBothStorages) {
  for (const auto storage : {RecorderStorage::events, RecorderStorage::compact}) {
    Recorder recorder(storage);
    record_a_connection(recorder);
    EXPECT_EQ(recorder.packets(history::EventKind::sent, PacketType::publish), 1u);
    EXPECT_EQ(recorder.packets(history::EventKind::received, PacketType::publish), 1u);
    EXPECT_EQ(recorder.packets(history::EventKind::received, PacketType::puback), 1u);
    EXPECT_EQ(recorder.packets(history::EventKind::sent, PacketType::connect), 1u);
  }
}

}  // namespace
}  // namespace mqtt::client
