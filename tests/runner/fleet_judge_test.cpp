// The fleet's judging thread: every event handed over is recorded once, in order, however the hand-over is
// batched; a backlog at its bound makes the handing thread wait (and counts it); finish() drains what is queued.
#include "runner/fleet_judge.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "runner/fleet_scenario.hpp"

namespace mqtt::runner {
namespace {

constexpr const char* one_group = R"({
  "name": "judge",
  "duration_ms": 1000,
  "groups": [{"name": "meter", "count": 1, "publish": {"rate": 1, "qos": 0}}]
})";

history::Event note(std::uint64_t sequence) {
  history::Event event;
  event.kind = history::EventKind::note;
  event.sequence = sequence;
  event.time_ns = static_cast<std::int64_t>(sequence) * 1000;
  event.actor = "test";
  event.detail = "note " + std::to_string(sequence);
  return event;
}

// The judge's record step held on its first event until the fleet's side has had to wait for room (or until a
// deadline, which the assertions then catch): the backlog fills to its bound, and what the judge recorded, in
// order, is in `recorded`.
class HeldRecordStep {
 public:
  HeldRecordStep() = default;
  HeldRecordStep(const HeldRecordStep&) = delete;
  HeldRecordStep& operator=(const HeldRecordStep&) = delete;
  ~HeldRecordStep() {
    if (releaser_.joinable()) releaser_.join();
  }

  std::function<void(const history::Event&)> record() {
    return [this](const history::Event& event) {
      std::unique_lock lock(mutex_);
      released_.wait_for(lock, std::chrono::seconds(10), [&] { return release_; });
      recorded.push_back(event.sequence);
    };
  }
  // On a thread of its own: lets the judge go once a hand-over has waited for room.
  void release_after_a_wait(const FleetJudge& judge) {
    releaser_ = std::thread([this, &judge] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (judge.backpressure_waits() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      const std::lock_guard lock(mutex_);
      release_ = true;
      released_.notify_all();
    });
  }
  void join() { releaser_.join(); }

  std::vector<std::uint64_t> recorded;

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
  std::thread releaser_;
};

TEST(FleetJudge, RecordsEveryEventOnceInOrderAndDrainsAtFinish) {
  std::vector<std::uint64_t> recorded;
  FleetJudgeOptions options;
  options.record = [&](const history::Event& event) { recorded.push_back(event.sequence); };
  FleetJudge judge(parse_fleet_scenario("test.json", one_group), std::move(options));
  for (std::uint64_t sequence = 1; sequence <= 20'000; ++sequence) judge.push(note(sequence));
  const auto outcome = judge.finish();
  ASSERT_EQ(recorded.size(), 20'000u);
  for (std::size_t index = 0; index < recorded.size(); ++index) ASSERT_EQ(recorded[index], index + 1);
  EXPECT_EQ(outcome.health.events, 20'000u);
  EXPECT_TRUE(outcome.verdicts.violations.empty());
  EXPECT_TRUE(outcome.statistics.is_object());
}

TEST(FleetJudge, ABacklogAtItsBoundMakesTheHandingThreadWait) {
  // The judge's record step is held until the fleet's side has filled the backlog to its bound, so the next
  // hand-over must wait for the judge: a wait that is counted, and nothing lost or reordered.
  HeldRecordStep held;
  const auto& recorded = held.recorded;
  FleetJudgeOptions options;
  options.backlog_limit = 8;
  options.record = held.record();
  FleetJudge judge(parse_fleet_scenario("test.json", one_group), std::move(options));
  // The judge is held on its first event, so pushes fill the backlog to its bound and the next one waits; the
  // releaser lets the judge go once that wait is counted (or after a deadline, which the assertions then catch).
  held.release_after_a_wait(judge);
  for (std::uint64_t sequence = 1; sequence <= 5'000; ++sequence) judge.push(note(sequence));
  held.join();
  const auto outcome = judge.finish();
  ASSERT_EQ(recorded.size(), 5'000u);
  for (std::size_t index = 0; index < recorded.size(); ++index) ASSERT_EQ(recorded[index], index + 1);
  EXPECT_GT(outcome.health.waits, 0u);
  EXPECT_LE(outcome.health.backlog_high_water, 2 * 8u + 1);
}

TEST(FleetJudge, ABacklogIsBoundedInBytesAsWellAsInEvents) {
  // Events far above the usual size (a 64 KiB payload each): the event bound (100,000) is never reached, the byte
  // bound (four such events) is, so the fleet's side waits and the backlog never holds more than twice the bound.
  HeldRecordStep held;
  const auto& recorded = held.recorded;
  auto large_event = [](std::uint64_t sequence) {
    auto event = note(sequence);
    event.detail.assign(64 * 1024, 'x');
    return event;
  };
  const auto event_bytes = approximate_event_bytes(large_event(1));
  ASSERT_GT(event_bytes, 64u * 1024);
  FleetJudgeOptions options;
  options.backlog_bytes_limit = 4 * event_bytes;
  options.record = held.record();
  FleetJudge judge(parse_fleet_scenario("test.json", one_group), std::move(options));
  held.release_after_a_wait(judge);
  for (std::uint64_t sequence = 1; sequence <= 200; ++sequence) judge.push(large_event(sequence));
  held.join();
  const auto outcome = judge.finish();
  ASSERT_EQ(recorded.size(), 200u);
  for (std::size_t index = 0; index < recorded.size(); ++index) ASSERT_EQ(recorded[index], index + 1);
  EXPECT_GT(outcome.health.waits, 0u);
  EXPECT_LE(outcome.health.backlog_high_water, 2 * 4u + 1);
  EXPECT_LE(outcome.health.backlog_bytes_high_water, (2 * 4 + 1) * event_bytes);
  EXPECT_EQ(outcome.health.to_json().at("backlog_bytes_limit"), 4 * event_bytes);
}

TEST(FleetJudge, BatchesAreJudgedInOrderWithSinglePushesAndComeBackAsSpares) {
  // The fleet's thread hands over a batch per turn of its loop and gets back judged batches as spares: fresh events
  // that keep their raw and actor buffers. Every event is recorded once, in order, however the two ways mix.
  std::vector<std::uint64_t> recorded;
  FleetJudgeOptions options;
  options.record = [&](const history::Event& event) { recorded.push_back(event.sequence); };
  FleetJudge judge(parse_fleet_scenario("test.json", one_group), std::move(options));
  const std::string actor(40, 'd');  // beyond a short string: its buffer is on the heap
  std::uint64_t sequence = 0;
  client::EventBatch batch;
  const auto fill = [&](std::size_t count) {
    for (std::size_t index = 0; index < count; ++index) {
      if (batch.size == batch.events.size()) batch.events.emplace_back();
      history::Event& event = batch.events[batch.size++];
      event = note(++sequence);
      event.actor = actor;
      event.raw.assign(32, 7);
    }
  };
  bool spares_came_back = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!spares_came_back && std::chrono::steady_clock::now() < deadline) {
    fill(3);
    judge.push(batch);
    EXPECT_EQ(batch.size, 0u);
    judge.push(note(++sequence));
    for (const auto& spare : batch.events) {
      EXPECT_EQ(spare, history::Event{});
      spares_came_back = spares_came_back || (spare.actor.capacity() >= actor.size() && spare.raw.capacity() >= 32);
    }
  }
  EXPECT_TRUE(spares_came_back);
  const auto outcome = judge.finish();
  ASSERT_EQ(recorded.size(), sequence);
  for (std::size_t index = 0; index < recorded.size(); ++index) ASSERT_EQ(recorded[index], index + 1);
  EXPECT_EQ(outcome.health.events, sequence);
}

TEST(FleetJudge, ABatchWaitsForRoomLikeASinglePush) {
  HeldRecordStep held;
  const auto& recorded = held.recorded;
  FleetJudgeOptions options;
  options.backlog_limit = 8;
  options.record = held.record();
  FleetJudge judge(parse_fleet_scenario("test.json", one_group), std::move(options));
  held.release_after_a_wait(judge);
  std::uint64_t sequence = 0;
  client::EventBatch batch;
  while (sequence < 1'000) {
    for (int index = 0; index < 4; ++index) {
      if (batch.size == batch.events.size()) batch.events.emplace_back();
      batch.events[batch.size++] = note(++sequence);
    }
    judge.push(batch);
  }
  held.join();
  const auto outcome = judge.finish();
  ASSERT_EQ(recorded.size(), 1'000u);
  for (std::size_t index = 0; index < recorded.size(); ++index) ASSERT_EQ(recorded[index], index + 1);
  EXPECT_GT(outcome.health.waits, 0u);
  EXPECT_LE(outcome.health.backlog_high_water, 2 * (8u + 4));  // a batch past the bound at most, twice
}

}  // namespace
}  // namespace mqtt::runner
