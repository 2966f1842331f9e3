// The judging thread of a fleet run: the fleet's thread hands it every event as it is recorded, and it feeds
// them, in order, to the reference model (model::Checker), to the fleet statistics and to the caller's recorder
// (the on-disk history log). Nothing here keeps the history, so a run's memory follows the devices and the
// messages in flight, not its length; the fleet's thread does no judging, so a slow model cannot slow the
// devices down (which made the harness cause the losses it then reported; docs/benchmarks.md, issue 16).
//
// Hand-over: the fleet's thread hands over batches of events (client::EventBatch, one per turn of its event loop)
// under a mutex; the judge swaps the list of them for its empty one and works through it without the lock, then
// turns the judged events into spares (client::make_spare) and keeps the batches for the fleet's next hand-overs,
// so that the fleet's thread writes its events into buffers that already exist. The backlog (events handed over and not yet judged) is bounded in
// events and in bytes: once `backlog_limit` events, or `backlog_bytes_limit` bytes of them, wait behind the batch
// being judged, the fleet's thread waits for the judge (back-pressure), and the run says so. The byte bound is what
// keeps a lagging judge (a loaded machine) from pushing the harness's memory past issue 16's target: a QoS 1 event
// is about 1.2 KB, one with a large payload far more.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "client/recorder.hpp"
#include "history/event.hpp"
#include "model/checker.hpp"
#include "simulator/fleet_spec.hpp"
#include "simulator/fleet_stats.hpp"

namespace mqtt::runner {

// The fleet statistics, accumulated event by event in bounded memory (simulator/fleet_stats.hpp).
using FleetStatisticsAccumulator = simulator::FleetStatistics;

struct FleetJudgeOptions {
  model::CheckOptions check;  // evidence_events is forced on: the history is not kept for evidence slices
  // Statistics from the events (results.stats): off when the caller keeps the whole history and computes them.
  bool statistics = true;
  // On the judge's thread, in order, after the model saw the event; and about four times a second (so a log
  // reaches the disk on time in a quiet second). May throw nothing.
  std::function<void(const history::Event&)> record;
  std::function<void()> tick;
  // Events waiting behind the judge's batch before the fleet's thread waits (so at most twice this many are held).
  // A waiting event costs about 1.2 KB of resident memory (a full event: decoded packet, raw bytes, actor), so
  // 100,000 keeps the backlog under about 250 MB (a 5-minute QoS 1 run at 250,000 held 713 MB in all).
  std::size_t backlog_limit = 100'000;
  // Bytes of events (approximate_event_bytes) waiting behind the judge's batch before the fleet's thread waits; the
  // batch being judged holds at most as many again. 48 MiB is about 40,000 QoS 1 events (a second of the
  // 1,000 x 10 msg/s QoS 1 fan-in): a judge more than that behind makes the devices wait rather than the memory grow.
  std::size_t backlog_bytes_limit = 48u << 20;
};

// Resident bytes an event holds, roughly: the struct, its raw bytes, the decoded packet's copy of them (topic and
// payload) and its strings, plus allocator overhead. What the backlog's byte bound counts.
std::size_t approximate_event_bytes(const history::Event& event);

// How the hand-over went, for results.stats.harness.judge.
struct JudgeHealth {
  std::uint64_t events = 0;
  std::size_t backlog_high_water = 0;  // most events handed over and not yet judged at once
  std::size_t backlog_limit = 0;
  std::size_t backlog_bytes_high_water = 0;  // most bytes (approximate_event_bytes) handed over and not yet judged
  std::size_t backlog_bytes_limit = 0;
  std::uint64_t waits = 0;             // times the fleet's thread waited for the judge (backlog at the limit)
  double waited_s = 0;                 // how long, in all
  double judged_after_run_s = 0;       // finish(): judging the backlog left when the fleet stopped, and the end
  std::vector<std::size_t> backlog_by_second;  // the largest batch the judge took in each second of the run
  // Once a second: entries the model holds (model::StateSize, summed) and the statistics' tracked_state(), so a
  // soak run shows both stay bounded.
  std::vector<std::size_t> model_state_by_second;
  std::vector<std::size_t> statistics_state_by_second;
  nlohmann::json model_state_at_end = nlohmann::json::object();  // model::StateSize field by field, before finish

  nlohmann::json to_json() const;
};

struct JudgeOutcome {
  model::Verdicts verdicts;
  nlohmann::json statistics = nlohmann::json::object();  // empty unless FleetJudgeOptions::statistics
  JudgeHealth health;
};

class FleetJudge {
 public:
  FleetJudge(const simulator::FleetSpec& spec, FleetJudgeOptions options);
  ~FleetJudge();  // stops the thread (what is still queued is dropped) unless finish() ran
  FleetJudge(const FleetJudge&) = delete;
  FleetJudge& operator=(const FleetJudge&) = delete;

  // From the fleet's thread, in sequence order. Waits while the backlog is at its limit.
  void push(history::Event&& event);
  // The same for the first batch.size events of `batch`, which are taken; `batch` is left holding spares (size 0).
  void push(client::EventBatch& batch);
  // From any thread: violations the model has found in the events judged so far.
  std::size_t violations_so_far() const { return violations_.load(std::memory_order_relaxed); }
  // From any thread: how many times a push has waited for the judge so far (back-pressure).
  std::uint64_t backpressure_waits() const;
  // After the last push: judges what is queued, stops the thread and returns the verdicts at the last event's
  // time (what model::check gives for the same events). Call once.
  JudgeOutcome finish();

 private:
  void judge_loop();
  void judge_batches(std::vector<client::EventBatch>& batches);
  // With the lock held: waits while the backlog is full, then (after the caller appended) notes its size and wakes
  // the judge when that is worth it.
  void wait_for_room(std::unique_lock<std::mutex>& lock);
  void pushed(std::unique_lock<std::mutex>& lock);
  client::EventBatch take_spare_batch();  // lock held

  FleetJudgeOptions options_;
  model::Checker checker_;
  std::optional<FleetStatisticsAccumulator> statistics_;
  std::int64_t end_time_ns_ = 0;
  std::atomic<std::size_t> violations_{0};

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // the judge waits for events (or the end)
  std::condition_variable room_ready_;  // the fleet's thread waits for the backlog to shrink
  std::vector<client::EventBatch> incoming_;  // guarded by mutex_
  std::size_t incoming_events_ = 0;           // guarded: events in incoming_
  std::vector<client::EventBatch> spare_batches_;  // guarded: judged batches, for the fleet's next hand-overs
  std::size_t spare_events_ = 0;                   // guarded: slots in spare_batches_
  std::size_t in_judgement_ = 0;          // guarded: events of the batch the judge is working through
  std::size_t incoming_bytes_ = 0;        // guarded: approximate_event_bytes of incoming_
  std::size_t in_judgement_bytes_ = 0;    // guarded: ... of the batch the judge is working through
  bool judge_idle_ = false;               // guarded: the judge is waiting for work (worth a notify)
  bool ending_ = false;                   // guarded
  JudgeHealth health_;                    // waits and high water: guarded; the rest belongs to the judge
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::thread thread_;
};

}  // namespace mqtt::runner
