#include "runner/fleet_run.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "runner/fleet_judge.hpp"
#include "runner/fleet_verdict.hpp"
#include "runner/history_judgement.hpp"

namespace mqtt::runner {

std::vector<std::string> describe_fleet(const simulator::FleetSpec& spec) {
  std::vector<std::string> lines;
  for (const auto& group : spec.groups) {
    std::string line =
        fmt::format("{} {}: {} x {} (MQTT {}, {} session, keep alive {} s)",
                    group.observer ? "observer" : "group", group.name, group.count, group.client_id,
                    to_string(group.version), group.clean_session ? "clean" : "persistent", group.keep_alive);
    if (group.publish.rate_per_second > 0 && !group.observer) {
      line += fmt::format(", publishes {}/s to {}", group.publish.rate_per_second, group.publish.topic);
    }
    for (const auto& subscription : group.subscriptions) {
      line +=
          fmt::format(", subscribes {} (QoS {})", subscription.filter, static_cast<int>(subscription.qos));
    }
    if (group.will) line += ", will on " + group.will->topic;
    lines.push_back(std::move(line));
  }
  for (const auto& fault : spec.faults) {
    if (fault.kind == simulator::FaultKind::broker_restart) {  // the broker's, not a group's
      lines.push_back(fmt::format("fault at {} ms: {}", fault.at_ms,
                                  simulator::describe(fault.kind, fault.parameters, fault.duration_ms)));
      continue;
    }
    lines.push_back(fmt::format("fault at {} ms on {:.0f}% of {}: {}", fault.at_ms, fault.fraction * 100,
                                fault.group,
                                simulator::describe(fault.kind, fault.parameters, fault.duration_ms)));
  }
  return lines;
}

FleetOutcome run_fleet_scenario(const simulator::FleetSpec& scenario, const FleetRunOptions& options) {
  simulator::FleetSpec spec = scenario;
  place_in_namespace(spec, options.run_namespace);
  simulator::FleetOptions fleet;
  fleet.target = options.target;
  fleet.seed = options.seed;
  fleet.shard_index = options.shard_index;
  fleet.shard_count = options.shard_count;
  fleet.connect_deadline = options.connect_deadline;
  fleet.stop = options.stop;
  fleet.broker_restarts = options.broker_restarts;
  fleet.keep_history = options.keep_history;
  FleetJudgeOptions judging;
  judging.check = options.check;
  judging.statistics = !options.keep_history;  // else computed from the kept history, as before
  judging.record = options.record;
  judging.tick = options.tick;
  judging.backlog_limit = options.judge_backlog_limit;
  FleetJudge judge(spec, std::move(judging));
  if (options.keep_history) {
    fleet.on_event = [&judge](const history::Event& event) { judge.push(history::Event(event)); };
  } else {
    fleet.hand_over = [&judge](client::EventBatch& batch) { judge.push(batch); };
  }
  if (options.progress) {
    fleet.progress = [&](const simulator::FleetProgress& step) {
      auto shown = step;
      shown.violations = judge.violations_so_far();
      options.progress(shown);
    };
  }
  // The shard's clock origin in Unix time, so `report --merge-shards` can put shards on one time axis (the
  // history's own times count from the recorder's start, a few microseconds after this).
  const auto origin_unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  auto run = simulator::run_fleet(spec, fleet);
  // Whatever the fleet's thread handed over and the judge has not reached yet (an interrupted run included).
  auto judged = judge.finish();
  if (options.recorded) options.recorded();
  FleetOutcome outcome;
  if (!run.unreachable.empty()) {
    outcome.unreachable = run.unreachable;
    return outcome;
  }
  HistorySource source;
  source.id = "fleet:" + spec.name;
  if (options.shard_count > 1)
    source.id += fmt::format(":shard-{}-of-{}", options.shard_index, options.shard_count);
  source.title = spec.description.empty() ? "fleet simulation " + spec.name : spec.description;
  source.section = "fleet";
  source.steps.push_back(options.run_namespace.empty()
                             ? std::string("no namespace: topics and client ids as the scenario names them")
                             : "namespace " + options.run_namespace.name());
  for (auto& line : describe_fleet(spec)) source.steps.push_back(std::move(line));
  source.verdicts = std::move(judged.verdicts);  // the same events in the same order: model::check's
  source.history = std::move(run.history);         // empty unless keep_history
  HistoryJudgementOptions judgement;
  judgement.kind = "simulation";
  judgement.target = options.target_label.empty() ? options.target.redacted() : options.target_label;
  judgement.seed = options.seed;
  judgement.duration_ms = run.duration_ms;
  judgement.check = options.check;
  judgement.keep_history = options.keep_history;
  outcome.results = judge_histories({std::move(source)}, judgement);
  outcome.results.cases.front().history_event_count = judged.health.events;
  // The engine's own figures (devices, harness health, fault layer) over the ones taken from the events.
  nlohmann::json stats = options.keep_history ? nlohmann::json::object() : std::move(judged.statistics);
  stats.merge_patch(run.stats);
  stats["harness"]["judge"] = judged.health.to_json();
  outcome.results.stats = std::move(stats);
  outcome.results.stats["fleet"]["clock_origin_unix_ns"] = origin_unix_ns;
  outcome.results.stats["namespace"] = options.run_namespace.name();
  if (options.shard_count > 1) {
    outcome.results.stats["fleet"]["shard"] = fmt::format("{}/{}", options.shard_index, options.shard_count);
  }
  auto exercise = assess_fleet(outcome.results.stats, options.connect_deadline);
  outcome.interrupted = run.interrupted_at_ms.has_value();
  if (outcome.interrupted) {
    const auto& fleet = outcome.results.stats["fleet"];
    const bool refusals = fleet.contains("connack_refused_codes") && !fleet["connack_refused_codes"].empty();
    if (!refusals) exercise.target_problem.clear();
  }
  outcome.target_problem = exercise.target_problem;
  if (!exercise.target_problem.empty()) exercise.inconclusive.insert(exercise.inconclusive.begin(), exercise.target_problem);
  if (run.interrupted_at_ms) {
    outcome.results.stats["fleet"]["interrupted_at_ms"] = *run.interrupted_at_ms;
    exercise.inconclusive.insert(exercise.inconclusive.begin(),
                                 fmt::format("the run was interrupted after {:.1f} s, before the end of the scenario",
                                             *run.interrupted_at_ms / 1000.0));
  }
  mark_inconclusive(outcome.results, exercise.inconclusive);
  return outcome;
}

}  // namespace mqtt::runner
