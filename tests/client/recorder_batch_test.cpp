// The recorder's batch hand-over (RecorderStorage::none with a batch sink, what a fleet gives its judging thread):
// the same events, in the same order, as the one-by-one sink gives; handed over on flush() or when the batch is
// full; written into the spares the consumer gives back, so that their buffers are used again.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "client/recorder.hpp"
#include "codec/encoder.hpp"

namespace mqtt::client {
namespace {

constexpr const char* long_actor = "a-device-name-longer-than-a-short-string";

Publish message(std::uint16_t number) {
  Publish publish;
  publish.topic = "dtu/meter-" + std::to_string(number) + "/telemetry";
  publish.qos = QoS::at_least_once;
  publish.packet_id = number;
  publish.payload.assign(64, static_cast<std::uint8_t>('.'));
  return publish;
}

// The same calls on any recorder: packets moved and copied, bytes that are no packet, a note and a fault.
void record_some(Recorder& recorder, std::uint16_t first) {
  const auto actor = recorder.intern_actor(long_actor);
  for (std::uint16_t number = first; number < first + 3; ++number) {
    Packet packet = message(number);
    const Bytes raw = encode(packet);
    if (number % 2 == 0) {
      recorder.record_packet(history::EventKind::sent, 1, actor, ProtocolVersion::v3_1_1, raw, std::move(packet));
    } else {
      recorder.record_packet(history::EventKind::received, 2, actor, ProtocolVersion::v3_1_1, raw, &packet);
    }
  }
  const Bytes garbage{0xF0, 0x00};
  recorder.record_packet(history::EventKind::decode_error, 2, actor, ProtocolVersion::v3_1_1, garbage, nullptr);
  recorder.note(long_actor, "a note " + std::to_string(first), 1);
  recorder.fault(long_actor, "latency", "50 ms", 1);
}

// An event with every field set, as a consumer might leave it before making it a spare.
history::Event busy_event() {
  history::Event event;
  event.sequence = 7;
  event.time_ns = 8;
  event.connection = 9;
  event.actor = long_actor;
  event.kind = history::EventKind::closed;
  event.packet = Packet(message(3));
  event.raw.assign(100, 1);
  event.close_reason = history::CloseReason::reset;
  event.error = DecodeError{};
  event.fault = "a fault name longer than sixteen";
  event.detail = "some detail longer than sixteen";
  event.frame = 4;
  event.websocket.emplace();
  event.looked_ns = 5;
  return event;
}

TEST(RecorderBatch, HandsOverTheEventsTheOneByOneSinkGivesInTheSameOrder) {
  std::vector<history::Event> one_by_one;
  Recorder single(RecorderStorage::none);
  single.set_sink([&](history::Event&& event) { one_by_one.push_back(std::move(event)); });

  // The batch sink copies the events out and gives back spares made from busy events: whatever they held
  // before must not show in the events written into them.
  std::vector<history::Event> batched;
  std::size_t flush_requests = 0;
  Recorder batching(RecorderStorage::none);
  batching.set_batch_sink(
      [&](EventBatch& batch) {
        for (std::size_t index = 0; index < batch.size; ++index) batched.push_back(batch.events[index]);
        for (auto& event : batch.events) {
          event = busy_event();
          make_spare(event);
        }
        batch.size = 0;
      },
      [&] { ++flush_requests; }, 1024);

  for (std::uint16_t round = 0; round < 3; ++round) {
    record_some(single, static_cast<std::uint16_t>(10 * round + 1));
    record_some(batching, static_cast<std::uint16_t>(10 * round + 1));
    EXPECT_EQ(flush_requests, round + 1u);  // once, for the first event of the batch
    batching.flush();
  }
  ASSERT_EQ(batched.size(), one_by_one.size());
  ASSERT_EQ(batched.size(), 3u * 6);
  for (std::size_t index = 0; index < batched.size(); ++index) {
    auto expected = one_by_one[index];
    auto got = batched[index];
    EXPECT_EQ(got.sequence, index + 1);
    expected.time_ns = got.time_ns = 0;  // stamped by two recorders
    EXPECT_EQ(got, expected) << "event " << index + 1;
  }
  EXPECT_EQ(batching.packets(history::EventKind::sent, PacketType::publish),
            single.packets(history::EventKind::sent, PacketType::publish));
  EXPECT_EQ(batching.packets(history::EventKind::received, PacketType::publish),
            single.packets(history::EventKind::received, PacketType::publish));
}

TEST(RecorderBatch, AFullBatchIsHandedOverWithoutAFlush) {
  std::vector<std::uint64_t> handed;
  std::size_t hand_overs = 0;
  Recorder recorder(RecorderStorage::none);
  recorder.set_batch_sink(
      [&](EventBatch& batch) {
        ++hand_overs;
        for (std::size_t index = 0; index < batch.size; ++index) handed.push_back(batch.events[index].sequence);
        batch = {};
      },
      {}, 4);
  for (int index = 0; index < 9; ++index) recorder.note("fleet", "note");
  EXPECT_EQ(hand_overs, 2u);
  EXPECT_EQ(handed, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  recorder.flush();
  recorder.flush();  // nothing waiting: no hand-over
  EXPECT_EQ(hand_overs, 3u);
  EXPECT_EQ(handed.back(), 9u);
}

TEST(RecorderBatch, PacketEventsAreWrittenIntoTheSparesBuffers) {
  // The consumer gives the batch back as spares: the next events' raw bytes and actor go into the same buffers
  // (no allocation per event on the fleet's thread).
  const std::uint8_t* raw_buffer = nullptr;
  const char* actor_buffer = nullptr;
  std::size_t hand_overs = 0;
  Recorder recorder(RecorderStorage::none);
  recorder.set_batch_sink(
      [&](EventBatch& batch) {
        ++hand_overs;
        if (hand_overs == 1) {
          raw_buffer = batch.events[0].raw.data();
          actor_buffer = batch.events[0].actor.data();
        } else {
          EXPECT_EQ(batch.events[0].raw.data(), raw_buffer);
          EXPECT_EQ(batch.events[0].actor.data(), actor_buffer);
          EXPECT_EQ(batch.events[0].actor, long_actor);
        }
        for (auto& event : batch.events) make_spare(event);
        batch.size = 0;
      },
      {}, 6);
  record_some(recorder, 1);
  record_some(recorder, 4);  // the same sizes: topics of the same length
  EXPECT_EQ(hand_overs, 2u);
}

TEST(RecorderBatch, ASpareKeepsOnlySmallBuffers) {
  history::Event event = busy_event();
  make_spare(event);
  EXPECT_EQ(event, history::Event{});
  EXPECT_GE(event.raw.capacity(), 100u);
  EXPECT_GE(event.actor.capacity(), std::string(long_actor).size());
  event.raw.assign(1 << 20, 0);  // a large payload's bytes are let go
  make_spare(event);
  EXPECT_EQ(event.raw.capacity(), 0u);
}

}  // namespace
}  // namespace mqtt::client
