#include "runner/fleet_judge.hpp"

#include <algorithm>
#include <chrono>

namespace mqtt::runner {

using Clock = std::chrono::steady_clock;

// The judge takes the events in batches: when this many wait, or every batch_interval. Waking it for every event
// (20,000 a second at QoS 0) cost more CPU in wake-ups than the judging itself.
constexpr std::size_t wake_batch = 4096;
constexpr auto batch_interval = std::chrono::milliseconds(20);
// Spare events kept for the fleet's thread (about two of the judge's rounds of the 1,000 x 10 msg/s QoS 1 fan-in);
// batches beyond it are freed, so a backlog once large does not stay in memory as spares.
constexpr std::size_t spare_events_kept = 8192;

namespace {

model::CheckOptions with_evidence(model::CheckOptions check) {
  check.evidence_events = true;
  return check;
}

// Heap blocks: the allocator rounds up and keeps a header; a string or vector within the small buffer costs nothing.
std::size_t heap_bytes(std::size_t capacity, std::size_t inline_capacity = 0) {
  return capacity <= inline_capacity ? 0 : capacity + 16;
}

}  // namespace

std::size_t approximate_event_bytes(const history::Event& event) {
  constexpr std::size_t string_inline = 15;  // libstdc++'s small-string buffer
  std::size_t bytes = sizeof(history::Event) + heap_bytes(event.raw.capacity()) +
                      heap_bytes(event.actor.capacity(), string_inline) +
                      heap_bytes(event.detail.capacity(), string_inline) +
                      heap_bytes(event.fault.capacity(), string_inline);
  // A decoded packet holds its topic, payload, properties and filters again: about its raw size once more.
  if (event.packet) bytes += heap_bytes(event.raw.size());
  return bytes;
}

nlohmann::json JudgeHealth::to_json() const {
  return {{"events", events},
          {"backlog_high_water", backlog_high_water},
          {"backlog_limit", backlog_limit},
          {"backlog_bytes_high_water", backlog_bytes_high_water},
          {"backlog_bytes_limit", backlog_bytes_limit},
          {"backpressure_waits", waits},
          {"backpressure_wait_s", waited_s},
          {"judged_after_run_s", judged_after_run_s},
          {"backlog_by_second", backlog_by_second},
          {"model_state_by_second", model_state_by_second},
          {"statistics_state_by_second", statistics_state_by_second},
          {"model_state_at_end", model_state_at_end}};
}

FleetJudge::FleetJudge(const simulator::FleetSpec& spec, FleetJudgeOptions options)
    : options_(std::move(options)), checker_(with_evidence(options_.check)) {
  if (options_.statistics) statistics_.emplace(spec);
  health_.backlog_limit = std::max<std::size_t>(1, options_.backlog_limit);
  health_.backlog_bytes_limit = std::max<std::size_t>(1, options_.backlog_bytes_limit);
  incoming_.reserve(256);
  thread_ = std::thread([this] { judge_loop(); });
}

FleetJudge::~FleetJudge() {
  if (!thread_.joinable()) return;
  {
    const std::lock_guard lock(mutex_);
    ending_ = true;
    incoming_.clear();
    incoming_events_ = 0;
    incoming_bytes_ = 0;
  }
  work_ready_.notify_one();
  thread_.join();
}

void FleetJudge::wait_for_room(std::unique_lock<std::mutex>& lock) {
  // The judge's current batch does not count here: the next one fills while it works (at most twice the limit).
  const auto full = [&] {
    return incoming_events_ >= health_.backlog_limit || incoming_bytes_ >= health_.backlog_bytes_limit;
  };
  if (!full()) return;
  ++health_.waits;
  const auto waited_from = Clock::now();
  work_ready_.notify_one();
  room_ready_.wait(lock, [&] { return !full(); });
  health_.waited_s += std::chrono::duration<double>(Clock::now() - waited_from).count();
}

void FleetJudge::pushed(std::unique_lock<std::mutex>& lock) {
  health_.backlog_high_water = std::max(health_.backlog_high_water, incoming_events_ + in_judgement_);
  health_.backlog_bytes_high_water =
      std::max(health_.backlog_bytes_high_water, incoming_bytes_ + in_judgement_bytes_);
  // A notify costs a system call and a wake-up: only when the judge sleeps and a batch worth its while waits
  // (otherwise it looks again within batch_interval).
  if (judge_idle_ && (incoming_events_ >= wake_batch || incoming_bytes_ >= health_.backlog_bytes_limit)) {
    judge_idle_ = false;
    lock.unlock();
    work_ready_.notify_one();
  }
}

client::EventBatch FleetJudge::take_spare_batch() {
  if (spare_batches_.empty()) return {};
  client::EventBatch spare = std::move(spare_batches_.back());
  spare_batches_.pop_back();
  spare_events_ -= spare.events.size();
  return spare;
}

void FleetJudge::push(history::Event&& event) {
  const auto bytes = approximate_event_bytes(event);  // outside the lock
  std::unique_lock lock(mutex_);
  wait_for_room(lock);
  if (incoming_.empty()) incoming_.push_back(take_spare_batch());
  client::EventBatch& last = incoming_.back();
  if (last.size < last.events.size()) {
    last.events[last.size] = std::move(event);
  } else {
    last.events.push_back(std::move(event));
  }
  ++last.size;
  ++incoming_events_;
  incoming_bytes_ += bytes;
  pushed(lock);
}

void FleetJudge::push(client::EventBatch& batch) {
  if (batch.size == 0) return;
  std::size_t bytes = 0;  // outside the lock
  for (std::size_t index = 0; index < batch.size; ++index) bytes += approximate_event_bytes(batch.events[index]);
  std::unique_lock lock(mutex_);
  wait_for_room(lock);
  incoming_events_ += batch.size;
  incoming_bytes_ += bytes;
  incoming_.push_back(std::move(batch));
  batch = take_spare_batch();
  pushed(lock);
}

std::uint64_t FleetJudge::backpressure_waits() const {
  const std::lock_guard lock(mutex_);
  return health_.waits;
}

void FleetJudge::judge_loop() {
  std::vector<client::EventBatch> batches;
  batches.reserve(256);
  auto last_tick = Clock::now();
  for (;;) {
    std::size_t taken = 0;
    {
      std::unique_lock lock(mutex_);
      in_judgement_ = 0;
      in_judgement_bytes_ = 0;
      if (incoming_events_ == 0 && !ending_) {
        judge_idle_ = true;
        work_ready_.wait_for(lock, batch_interval, [&] {
          return incoming_events_ >= wake_batch || incoming_bytes_ >= health_.backlog_bytes_limit || ending_;
        });
        judge_idle_ = false;
      }
      if (incoming_events_ == 0 && ending_) break;
      batches.swap(incoming_);  // batches was empty: so is incoming_ now
      taken = incoming_events_;
      in_judgement_ = taken;
      in_judgement_bytes_ = incoming_bytes_;
      incoming_events_ = 0;
      incoming_bytes_ = 0;
    }
    const auto second = static_cast<std::size_t>(
        std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count());
    if (health_.backlog_by_second.size() <= second) {
      health_.backlog_by_second.resize(second + 1, 0);
      const auto state = checker_.state_size(model::StateDetail::totals);
      const std::size_t model = state.messages + state.message_keys + state.obligations + state.copy_ledgers +
                                state.arrival_marks + state.order_marks + state.connections + state.sessions +
                                state.subscription_records + state.retained_topics + state.evidence_events;
      const std::size_t statistics = statistics_ ? statistics_->tracked_state() : 0;
      // A second the judge spent inside one long batch gets the figures it ended with.
      health_.model_state_by_second.resize(second + 1, model);
      health_.statistics_state_by_second.resize(second + 1, statistics);
    }
    health_.backlog_by_second[second] = std::max(health_.backlog_by_second[second], taken);
    room_ready_.notify_one();  // the swap emptied incoming_
    judge_batches(batches);
    {
      // The judged batches go back for the fleet's next hand-overs, as many as are worth keeping; the rest are
      // freed below, outside the lock.
      const std::lock_guard lock(mutex_);
      for (auto& batch : batches) {
        if (spare_events_ + batch.events.size() > spare_events_kept) continue;
        spare_events_ += batch.events.size();
        spare_batches_.push_back(std::move(batch));
      }
    }
    batches.clear();
    if (options_.tick && Clock::now() - last_tick >= std::chrono::milliseconds(250)) {
      last_tick = Clock::now();
      options_.tick();
    }
  }
}

void FleetJudge::judge_batches(std::vector<client::EventBatch>& batches) {
  std::size_t judged = 0;
  for (auto& batch : batches) {
    for (std::size_t index = 0; index < batch.size; ++index) {
      history::Event& event = batch.events[index];
      checker_.observe(event);
      end_time_ns_ = std::max(end_time_ns_, event.time_ns);
      if (statistics_) statistics_->observe(event);
      if (options_.record) options_.record(event);
      // Its packet is freed here, on this thread, as before; its buffers go back to the fleet's thread.
      client::make_spare(event);
    }
    judged += batch.size;
    batch.size = 0;
  }
  health_.events += judged;
  violations_.store(checker_.violations_so_far(), std::memory_order_relaxed);
}

JudgeOutcome FleetJudge::finish() {
  const auto started = Clock::now();
  {
    const std::lock_guard lock(mutex_);
    ending_ = true;
  }
  work_ready_.notify_one();
  thread_.join();
  if (options_.tick) options_.tick();
  const auto state = checker_.state_size();
  health_.model_state_at_end = {{"messages", state.messages},
                                {"message_keys", state.message_keys},
                                {"obligations", state.obligations},
                                {"copy_ledgers", state.copy_ledgers},
                                {"arrival_marks", state.arrival_marks},
                                {"order_marks", state.order_marks},
                                {"connections", state.connections},
                                {"open_connections", state.open_connections},
                                {"sessions", state.sessions},
                                {"subscription_records", state.subscription_records},
                                {"retained_topics", state.retained_topics},
                                {"evidence_events", state.evidence_events},
                                {"settled_messages", state.settled_messages},
                                {"settled_message_entries", state.settled_message_entries}};
  JudgeOutcome outcome;
  outcome.verdicts = checker_.finish(end_time_ns_);
  if (statistics_) outcome.statistics = statistics_->finish();
  outcome.health = health_;
  outcome.health.judged_after_run_s = std::chrono::duration<double>(Clock::now() - started).count();
  return outcome;
}

}  // namespace mqtt::runner
