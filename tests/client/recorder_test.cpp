#include <gtest/gtest.h>

#include <thread>
#include <vector>

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
