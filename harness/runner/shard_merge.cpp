#include "runner/shard_merge.hpp"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "runner/fleet_verdict.hpp"
#include "runner/history_judgement.hpp"

namespace mqtt::runner {
namespace {

std::int64_t clock_origin(const results::Results& shard, std::size_t index) {
  const auto fleet = shard.stats.find("fleet");
  if (fleet == shard.stats.end() || !fleet->contains("clock_origin_unix_ns")) {
    throw ShardMergeError(fmt::format("shard {}: results have no stats.fleet.clock_origin_unix_ns (not a fleet "
                                      "run, or written by an older mqtt-harness)", index + 1));
  }
  return (*fleet)["clock_origin_unix_ns"].get<std::int64_t>();
}

// The namespace a shard ran in (results.stats.namespace; "" for none), or nullopt for results written before
// fleets had namespaces.
std::optional<std::string> namespace_of(const results::Results& shard) {
  const auto found = shard.stats.find("namespace");
  if (found == shard.stats.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

}  // namespace

results::Results merge_fleet_shards(const std::vector<results::Results>& shards) {
  if (shards.size() < 2) throw ShardMergeError("merging needs the results of at least two shards");
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t index = 0; index < shards.size(); ++index) {
    if (shards[index].kind != "simulation") {
      throw ShardMergeError(fmt::format("shard {}: kind is \"{}\", not a fleet simulation", index + 1,
                                        shards[index].kind));
    }
    if (shards[index].cases.empty() || shards[index].cases.front().history.empty()) {
      throw ShardMergeError(fmt::format("shard {}: results carry no history to merge", index + 1));
    }
    earliest = std::min(earliest, clock_origin(shards[index], index));
    // Shards in different namespaces never saw each other's messages: judged as one fleet, every delivery
    // across them would look lost.
    if (index > 0 && namespace_of(shards[index]) != namespace_of(shards.front())) {
      const auto name = [](const std::optional<std::string>& value) {
        return !value ? std::string("(none recorded)") : value->empty() ? std::string("(none)") : *value;
      };
      throw ShardMergeError(fmt::format(
          "shard {}: namespace {} differs from shard 1's {}: the shards of one fleet must run with the same --seed "
          "and --prefix",
          index + 1, name(namespace_of(shards[index])), name(namespace_of(shards.front()))));
    }
  }

  struct Tagged {
    history::Event event;
    std::size_t shard;
  };
  std::vector<Tagged> merged;
  std::uint32_t connection_base = 0;
  double duration_ms = 0;
  nlohmann::json per_shard = nlohmann::json::array();
  for (std::size_t index = 0; index < shards.size(); ++index) {
    const auto& shard = shards[index];
    const std::int64_t shift = clock_origin(shard, index) - earliest;
    std::uint32_t highest = 0;
    for (const auto& original : shard.cases.front().history) {
      Tagged tagged{original, index};
      tagged.event.time_ns += shift;
      if (tagged.event.connection != 0) {
        highest = std::max(highest, tagged.event.connection);
        tagged.event.connection += connection_base;
      }
      merged.push_back(std::move(tagged));
    }
    connection_base += highest;
    duration_ms = std::max(duration_ms, shard.duration_ms + static_cast<double>(shift) / 1e6);
    per_shard.push_back(shard.stats);
  }
  // One time axis; within a shard the recorded order is kept.
  std::stable_sort(merged.begin(), merged.end(), [](const Tagged& a, const Tagged& b) {
    return a.event.time_ns < b.event.time_ns;
  });

  HistorySource source;
  const auto& first = shards.front().cases.front();
  auto base_id = first.id;
  if (const auto at = base_id.find(":shard-"); at != std::string::npos) base_id.resize(at);
  source.id = fmt::format("{}:merged-{}-shards", base_id, shards.size());
  source.title = fmt::format("{} ({} shards judged as one fleet)", first.title, shards.size());
  source.section = "fleet";
  source.steps = first.steps;
  std::uint64_t sequence = 0;
  for (auto& tagged : merged) {
    tagged.event.sequence = ++sequence;
    source.history.events.push_back(std::move(tagged.event));
  }

  HistoryJudgementOptions judgement;
  judgement.kind = "simulation";
  judgement.target = shards.front().target;
  judgement.mqtt_version = shards.front().mqtt_version;
  judgement.seed = shards.front().seed;
  judgement.started_at = shards.front().started_at;
  judgement.duration_ms = duration_ms;
  auto results = judge_histories({std::move(source)}, judgement);
  results.stats = nlohmann::json::object();
  results.stats["fleet"]["shards"] = shards.size();
  results.stats["fleet"]["clock_origin_unix_ns"] = earliest;
  if (const auto run_namespace = namespace_of(shards.front())) results.stats["namespace"] = *run_namespace;
  // A shard that did not exercise the broker leaves the merged fleet unexercised too.
  std::vector<std::string> reasons;
  for (std::size_t index = 0; index < per_shard.size(); ++index) {
    const auto& fleet = per_shard[index].value("fleet", nlohmann::json::object());
    for (const auto& reason : fleet.value("inconclusive", nlohmann::json::array())) {
      reasons.push_back(fmt::format("shard {}: {}", index + 1, reason.get<std::string>()));
    }
  }
  results.stats["per_shard"] = std::move(per_shard);
  mark_inconclusive(results, reasons);
  // A shard stopped by a signal leaves the merged fleet partial too (its reason is among those above).
  for (const auto& shard : shards) {
    if (shard.interrupted && !results.interrupted) results.interrupted = shard.interrupted;
  }
  return results;
}

}  // namespace mqtt::runner
