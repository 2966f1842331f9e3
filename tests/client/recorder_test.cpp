#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "client/loop_watch.hpp"
#include "client/recorder.hpp"

namespace mqtt::client {
namespace {

TEST(Recorder, StampsSequenceAndMonotonicTime) {
  Recorder recorder;
  history::Event event;
  event.sequence = 99;  // overwritten
  event.time_ns = -5;
  EXPECT_EQ(recorder.record(event), 1u);
  EXPECT_EQ(recorder.note("runner", "step 2"), 2u);
  EXPECT_EQ(recorder.fault("net", "latency", "50 ms", 3), 3u);
  const history::History history = recorder.snapshot();
  ASSERT_EQ(history.events.size(), 3u);
  EXPECT_EQ(history.events[0].sequence, 1u);
  EXPECT_GE(history.events[0].time_ns, 0);
  EXPECT_LE(history.events[0].time_ns, history.events[1].time_ns);
  EXPECT_LE(history.events[1].time_ns, history.events[2].time_ns);
  EXPECT_EQ(history.events[1].kind, history::EventKind::note);
  EXPECT_EQ(history.events[1].detail, "step 2");
  EXPECT_EQ(history.events[2].kind, history::EventKind::fault);
  EXPECT_EQ(history.events[2].fault, "latency");
  EXPECT_EQ(history.events[2].connection, 3u);
}

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Every storage: a packet event and a close stamped by a loop last seen 500 ms ago (before the Recorder began)
// say so; one that looked just now, or a thread with no watched loop, add nothing.
TEST(Recorder, AnEventOfALateLoopCarriesWhenTheLoopLastLooked) {
  for (const auto storage : {RecorderStorage::events, RecorderStorage::compact, RecorderStorage::none}) {
    std::vector<history::Event> seen;
    Recorder recorder(storage, [&](const history::Event& event) { seen.push_back(event); });
    const Bytes pingresp{0xD0, 0x00};
    const Packet packet = Pingresp{};
    const auto actor = recorder.intern_actor("late");
    set_loop_looked_steady_ns(steady_now_ns() - 500'000'000);
    recorder.record_packet(history::EventKind::received, 1, actor, ProtocolVersion::v3_1_1, pingresp, &packet);
    history::Event closed;
    closed.kind = history::EventKind::closed;
    closed.close_reason = history::CloseReason::clean_eof;
    recorder.record(closed);
    set_loop_looked_steady_ns(steady_now_ns());
    recorder.record(closed);
    set_loop_looked_steady_ns(0);
    recorder.record(closed);
    ASSERT_EQ(seen.size(), 4u);
    for (std::size_t index = 0; index < 2; ++index) {
      ASSERT_TRUE(seen[index].looked_ns.has_value()) << index;
      // The loop last looked before this Recorder began: as early as the history's start.
      EXPECT_EQ(*seen[index].looked_ns, 0) << index;
    }
    EXPECT_FALSE(seen[2].looked_ns.has_value());
    EXPECT_FALSE(seen[3].looked_ns.has_value());
    if (storage == RecorderStorage::compact) EXPECT_EQ(recorder.snapshot().events, seen);
  }
}

// The compact fast path (no listener) keeps it too: the late event is stored whole.
TEST(Recorder, CompactStorageWithoutListenerKeepsWhenTheLoopLastLooked) {
  Recorder recorder(RecorderStorage::compact);
  const Bytes pingresp{0xD0, 0x00};
  const Packet packet = Pingresp{};
  const auto actor = recorder.intern_actor("late");
  set_loop_looked_steady_ns(steady_now_ns() - 500'000'000);
  recorder.record_packet(history::EventKind::received, 1, actor, ProtocolVersion::v3_1_1, pingresp, &packet);
  set_loop_looked_steady_ns(0);
  recorder.record_packet(history::EventKind::received, 1, actor, ProtocolVersion::v3_1_1, pingresp, &packet);
  const auto events = recorder.snapshot().events;
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[0].looked_ns.has_value());
  EXPECT_EQ(*events[0].looked_ns, 0);
  EXPECT_EQ(events[0].packet, std::optional<Packet>(packet));
  EXPECT_EQ(events[0].sequence + 1, events[1].sequence);
  EXPECT_FALSE(events[1].looked_ns.has_value());
}

TEST(Recorder, AllocatesConnectionIdsFromOne) {
  Recorder recorder;
  EXPECT_EQ(recorder.allocate_connection(), 1u);
  EXPECT_EQ(recorder.allocate_connection(), 2u);
}

TEST(Recorder, ListenerSeesEveryEventInOrder) {
  std::vector<std::uint64_t> seen;
  Recorder recorder([&](const history::Event& event) { seen.push_back(event.sequence); });
  recorder.note("a", "one");
  recorder.note("a", "two");
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2}));
}

TEST(Recorder, ConcurrentAppendsKeepSequenceAndTimeOrdered) {
  Recorder recorder;
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&recorder, t] {
      for (int i = 0; i < per_thread; ++i) recorder.note("thread" + std::to_string(t), std::to_string(i));
    });
  }
  for (auto& worker : workers) worker.join();
  const auto history = recorder.snapshot();
  ASSERT_EQ(history.events.size(), static_cast<std::size_t>(threads * per_thread));
  for (std::size_t i = 0; i < history.events.size(); ++i) {
    EXPECT_EQ(history.events[i].sequence, i + 1);
    if (i > 0) {
      EXPECT_LE(history.events[i - 1].time_ns, history.events[i].time_ns);
    }
  }
}

}  // namespace
}  // namespace mqtt::client
