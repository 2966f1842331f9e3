// Runs a fleet scenario against a target and judges its one history with the reference model: the same
// results format as `conform` (kind "simulation"), plus the fleet statistics in results.stats.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "client/target_url.hpp"
#include "model/checker.hpp"
#include "results/results.hpp"
#include "runner/run_namespace.hpp"
#include "simulator/fleet.hpp"
#include "simulator/fleet_spec.hpp"

namespace mqtt::runner {

struct FleetRunOptions {
  client::TargetUrl target;
  std::string target_label;  // shown in reports; "" = target.redacted()
  std::uint64_t seed = 0;
  // Where the fleet's topics and client ids live on the broker (run_namespace.hpp); recorded in
  // results.stats.namespace. The shards of one fleet must share it.
  RunNamespace run_namespace;
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  // The reference model judges every event on a judging thread while the fleet runs (runner/fleet_judge.hpp);
  // `progress` (about four times a second, on the fleet's thread) carries the violations it found so far.
  std::function<void(const simulator::FleetProgress&)> progress;
  // Called with every event, in order, on the judging thread (simulate appends them to the on-disk history log,
  // history/event_log_file.hpp); and `tick` about four times a second there (so that log reaches the disk on time
  // in a quiet second). Neither may block for long.
  std::function<void(const history::Event&)> record;
  std::function<void()> tick;
  // Called once every event has been judged and recorded, before the results are assembled (simulate closes its
  // log then).
  std::function<void()> recorded;
  // Keep the whole history in memory and put it in the case row (results.cases[0].history), with the statistics
  // computed from it: for tests and for `simulate --history jsonl|pcap|results`. Without it the run's memory
  // follows the devices and the messages in flight, and the statistics are accumulated as the events pass.
  bool keep_history = true;
  // Events waiting for the judge before the fleet's thread waits for it (FleetJudgeOptions::backlog_limit).
  std::size_t judge_backlog_limit = 100'000;
  model::CheckOptions check;
  std::chrono::milliseconds connect_deadline{5'000};  // TCP connect and CONNACK, per attempt
  // Requested to interrupt the run: the fleet stops (simulator::FleetOptions::stop) and what it recorded is judged;
  // the result is then inconclusive unless it shows a violation, never passed.
  std::stop_token stop;
  simulator::BrokerRestarts* broker_restarts = nullptr;  // simulator::FleetOptions::broker_restarts
};

struct FleetOutcome {
  results::Results results;
  std::string unreachable;  // non-empty when the target could not be reached (nothing ran)
  // Non-empty when the target accepted no session (every CONNECT refused or unanswered): one line to print
  // ("target refused CONNECT: return code 5 (not authorized) — ..."); the results are inconclusive.
  std::string target_problem;
  // FleetRunOptions::stop ended the run early. Then only refusals make a target_problem: CONNECTs the
  // interruption left unanswered, or devices it kept from connecting, say nothing about the target.
  bool interrupted = false;
};

// One line per group and fault, for the report's steps and `--help`-style listings.
std::vector<std::string> describe_fleet(const simulator::FleetSpec& spec);

FleetOutcome run_fleet_scenario(const simulator::FleetSpec& spec, const FleetRunOptions& options);

}  // namespace mqtt::runner
