// The fleet engine: every simulated device is a coroutine on one io_context (the calling thread), so an idle
// device costs one connection, one session and one suspended coroutine. Devices of groups that any network
// fault targets connect through the FaultProxy; the rest connect straight to the broker. Everything the
// devices, observers and the fault layer do is recorded in one history, which the caller judges (as it is
// recorded, through FleetOptions::on_event, or afterwards when FleetOptions::keep_history returns it whole).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "client/recorder.hpp"
#include "client/target_url.hpp"
#include "history/event.hpp"
#include "simulator/broker_restart.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::simulator {

struct FleetProgress {
  double elapsed_s = 0;
  std::size_t devices = 0;
  std::size_t connected = 0;
  std::uint64_t published = 0;
  std::uint64_t delivered = 0;
  double messages_per_second = 0;  // deliveries in the last progress interval
  std::size_t violations = 0;      // filled in by whoever judges the history live (runner), else 0
};

struct FleetOptions {
  client::TargetUrl target;
  std::uint64_t seed = 0;
  // Run only devices whose index % shard_count == shard_index (observers run in shard 0 only).
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  std::function<void(const FleetProgress&)> progress;  // about four times a second
  // Called for every event as it is recorded, in sequence order, on the fleet's thread (e.g. to judge the
  // history while it grows); it must not block.
  std::function<void(const history::Event&)> on_event;
  // Without keep_history: the events are handed over here instead, in sequence order, a batch per turn of the
  // fleet's event loop (and at the end of the run); the callee takes the batch's events and leaves spares in it
  // (client::EventBatch), which the next events are written into. On the fleet's thread; it may wait (back-pressure).
  std::function<void(client::EventBatch&)> hand_over;
  std::chrono::milliseconds connect_deadline{5'000};
  // Keep the whole history (compactly) and return it with statistics computed from it. Without it each event
  // goes to on_event and is forgotten: FleetRun::history is empty and FleetRun::stats holds only what the engine
  // itself knows (devices, harness health, fault layer), so the caller computes the rest from the events (the
  // runner's judging thread does, runner/fleet_judge.hpp) and memory follows the devices, not the messages.
  bool keep_history = true;
  // Requested to interrupt the run (from any thread): no device connects or publishes after it, every device
  // disconnects as at the normal end, and run_fleet returns the history recorded so far.
  std::stop_token stop;
  // How the scenario's broker-restart faults are done, and their log (simulator/broker_restart.hpp); null: each
  // is skipped and noted in the history. Not owned; outlives the run.
  BrokerRestarts* broker_restarts = nullptr;
};

struct FleetRun {
  history::History history;  // empty unless FleetOptions::keep_history
  nlohmann::json stats = nlohmann::json::object();
  std::string unreachable;  // non-empty: the target could not be reached at all (the reason); nothing ran
  double duration_ms = 0;
  // Set when FleetOptions::stop ended the run early: when, counted like duration_ms from the start of run_fleet.
  std::optional<double> interrupted_at_ms;
};

FleetRun run_fleet(const FleetSpec& spec, const FleetOptions& options);

}  // namespace mqtt::simulator
