#include "runner/shard_merge.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <cstdlib>

#include <fmt/format.h>

#include "runner/clock_alignment.hpp"
#include "runner/fleet_verdict.hpp"
#include "runner/history_judgement.hpp"
#include "model/topic.hpp"

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

// The clock session's record of a shard (stats.fleet.clock), if it ran.
std::optional<ShardClockRecord> clock_record(const results::Results& shard) {
  const auto fleet = shard.stats.find("fleet");
  if (fleet == shard.stats.end() || !fleet->contains("clock")) return std::nullopt;
  return clock_record_from_json((*fleet)["clock"]);
}

using MessageKey = std::string;  // topic and payload: what identifies a message across shards

MessageKey key_of(const Publish& publish) {
  return publish.topic + '\0' + std::string(publish.payload.begin(), publish.payload.end());
}

// A filter as it matches topics: a shared subscription's group prefix ($share/group/) does not take part.
std::string_view matched_part(std::string_view filter) {
  constexpr std::string_view shared = "$share/";
  if (!filter.starts_with(shared)) return filter;
  const auto slash = filter.find('/', shared.size());
  return slash == std::string_view::npos ? filter : filter.substr(slash + 1);
}

// What the shards' histories say about messages that crossed shards, every time on its shard's own clock plus
// its clock origin.
struct CrossShardEvidence {
  std::map<MessageKey, std::pair<std::size_t, std::int64_t>> published;  // -> (shard, first publication)
  // The broker had a message by then: its publisher's PUBACK/PUBREC, or any copy delivered. The earliest per shard.
  std::map<MessageKey, std::map<std::size_t, std::int64_t>> processed;
  struct Delivery {
    std::size_t shard = 0;
    std::int64_t time = 0;
    MessageKey key;
    std::optional<std::int64_t> subscribed;  // the receiving client's first matching SUBSCRIBE in its shard
  };
  std::vector<Delivery> deliveries;
};

void note_earliest(std::map<std::size_t, std::int64_t>& times, std::size_t shard, std::int64_t time) {
  const auto [at, inserted] = times.try_emplace(shard, time);
  if (!inserted) at->second = std::min(at->second, time);
}

CrossShardEvidence gather_evidence(const std::vector<results::Results>& shards,
                                   const std::vector<std::int64_t>& origins) {
  CrossShardEvidence evidence;
  for (std::size_t index = 0; index < shards.size(); ++index) {
    std::map<std::uint32_t, std::string> client_of;                                 // connection -> client id
    std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> subscribed;  // client -> (time, filter)
    std::map<std::pair<std::uint32_t, std::uint16_t>, MessageKey> awaiting_ack;     // (connection, packet id)
    for (const auto& event : shards[index].cases.front().history) {
      if (!event.packet) continue;
      const std::int64_t time = origins[index] + event.time_ns;
      if (event.kind == history::EventKind::sent) {
        if (const auto* connect = std::get_if<Connect>(&*event.packet)) {
          // A generated client id (empty CONNECT) is unknown here: its subscriptions are not followed.
          if (!connect->client_id.empty()) client_of[event.connection] = connect->client_id;
        } else if (const auto* subscribe = std::get_if<Subscribe>(&*event.packet)) {
          const auto client = client_of.find(event.connection);
          if (client == client_of.end()) continue;
          for (const auto& subscription : subscribe->subscriptions)
            subscribed[client->second].emplace_back(time, subscription.filter);
        } else if (const auto* publish = std::get_if<Publish>(&*event.packet)) {
          evidence.published.try_emplace(key_of(*publish), index, time);
          if (publish->packet_id) awaiting_ack[{event.connection, *publish->packet_id}] = key_of(*publish);
        }
        continue;
      }
      if (event.kind != history::EventKind::received) continue;
      std::optional<std::uint16_t> acknowledged;
      if (const auto* puback = std::get_if<Puback>(&*event.packet)) acknowledged = puback->packet_id;
      if (const auto* pubrec = std::get_if<Pubrec>(&*event.packet)) acknowledged = pubrec->packet_id;
      if (acknowledged) {
        const auto found = awaiting_ack.find({event.connection, *acknowledged});
        if (found != awaiting_ack.end()) {
          note_earliest(evidence.processed[found->second], index, time);
          awaiting_ack.erase(found);
        }
        continue;
      }
      const auto* publish = std::get_if<Publish>(&*event.packet);
      if (publish == nullptr) continue;
      CrossShardEvidence::Delivery delivery{index, time, key_of(*publish), std::nullopt};
      note_earliest(evidence.processed[delivery.key], index, time);
      // A retained copy (RETAIN=1) answers a subscription made after the broker had the message: no order implied.
      const auto client = publish->retain ? client_of.end() : client_of.find(event.connection);
      if (client != client_of.end()) {
        for (const auto& [sent, filter] : subscribed[client->second]) {
          if (sent > time || !topic::matches(matched_part(filter), publish->topic)) continue;
          delivery.subscribed = std::min(delivery.subscribed.value_or(sent), sent);
        }
      }
      evidence.deliveries.push_back(std::move(delivery));
    }
  }
  return evidence;
}

// limits[(from, to)]: offset[to] - offset[from] must stay below it.
using Limits = std::map<std::pair<std::size_t, std::size_t>, std::int64_t>;

void tighten(Limits& limits, std::size_t from, std::size_t to, std::int64_t limit) {
  const auto [at, inserted] = limits.try_emplace(std::make_pair(from, to), limit);
  if (!inserted) at->second = std::min(at->second, limit);
}

// Causality tightens what the markers measured, in two kinds of difference constraints on the offsets.
// Certain: a message a shard received from another shard's device was published before it arrived; an offset
// that would put a delivery before its publication is moved (Bellman-Ford, the first shard fixed) until none
// does, however far. Implied: a delivery means the subscription that carried it was sent before the broker had
// the message (its publisher's acknowledgement, or a copy on another shard), which holds of a correct broker
// only. The model judges exactly that order, so an alignment that is right within its bound but puts the
// subscription a few milliseconds late accuses the broker of a delivery without subscription (MQTT-3.3.2-3);
// these constraints move a shard only within its measured bound, where the markers cannot tell the orders apart,
// and a broker that truly delivered without a subscription still shows beyond it. `origins`: each shard's clock
// origin, in its own clock.
void respect_causality(const std::vector<results::Results>& shards, const std::vector<std::int64_t>& origins,
                       std::vector<ClockAlignment>& alignment) {
  const auto evidence = gather_evidence(shards, origins);
  Limits certain;
  Limits implied;
  for (const auto& delivery : evidence.deliveries) {
    const auto published = evidence.published.find(delivery.key);
    if (published != evidence.published.end() && published->second.first != delivery.shard)
      tighten(certain, published->second.first, delivery.shard, delivery.time - published->second.second);
    const auto processed = evidence.processed.find(delivery.key);
    if (!delivery.subscribed || processed == evidence.processed.end()) continue;
    for (const auto& [shard, time] : processed->second) {
      if (shard != delivery.shard) tighten(implied, delivery.shard, shard, time - *delivery.subscribed);
    }
  }
  std::vector<std::int64_t> measured;
  for (const auto& shard : alignment) measured.push_back(shard.offset_ns);
  constexpr std::int64_t margin_ns = 1'000;  // an effect stays at least 1 us after its cause
  // Moves offsets to meet `limits`; `within_bound`: only as far as the shard's measured bound allows.
  const auto meet = [&](const Limits& limits, bool within_bound) {
    bool moved = false;
    for (const auto& [pair, limit] : limits) {
      auto& from = alignment[pair.first];
      auto& to = alignment[pair.second];
      const std::int64_t excess = to.offset_ns - from.offset_ns - (limit - margin_ns);
      if (excess <= 0) continue;
      // Move the shard that is not the first: the first shard's clock is the reference.
      const std::size_t moving_index = pair.second != 0 ? pair.second : pair.first;
      auto& moving = alignment[moving_index];
      const std::int64_t moved_to = moving.offset_ns + (pair.second != 0 ? -excess : excess);
      if (within_bound && (moving.bound_ns < 0 || std::llabs(moved_to - measured[moving_index]) > moving.bound_ns))
        continue;
      moving.offset_ns = moved_to;
      const char* why = within_bound ? ", moved within its bound by subscriptions before the messages they carried"
                                     : ", moved by causality";
      if (moving.method.find(why) == std::string::npos) moving.method += why;
      moved = true;
    }
    return moved;
  };
  for (std::size_t round = 0; round < shards.size(); ++round) {
    if (!meet(certain, false)) break;
  }
  for (std::size_t round = 0; round < shards.size(); ++round) {
    if (!meet(implied, true)) break;
  }
  // The certain constraints have the last word: an implied move never puts a delivery before its publication.
  for (std::size_t round = 0; round < shards.size(); ++round) {
    if (!meet(certain, false)) break;
  }
}

}  // namespace

results::Results merge_fleet_shards(const std::vector<results::Results>& shards) {
  if (shards.size() < 2) throw ShardMergeError("merging needs the results of at least two shards");
  // Each shard's clock against the first shard's, from the markers the broker delivered to several shards;
  // a shard's events go at (its clock origin + time) - its offset on the first shard's clock.
  std::vector<std::optional<ShardClockRecord>> records;
  for (const auto& shard : shards) records.push_back(clock_record(shard));
  auto alignment = align_shard_clocks(records);
  std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t index = 0; index < shards.size(); ++index) {
    if (shards[index].kind != "simulation") {
      throw ShardMergeError(fmt::format("shard {}: kind is \"{}\", not a fleet simulation", index + 1,
                                        shards[index].kind));
    }
    if (shards[index].cases.empty() || shards[index].cases.front().history.empty()) {
      throw ShardMergeError(fmt::format("shard {}: results carry no history to merge", index + 1));
    }

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

  std::vector<std::int64_t> origins;
  for (std::size_t index = 0; index < shards.size(); ++index) origins.push_back(clock_origin(shards[index], index));
  respect_causality(shards, origins, alignment);
  for (std::size_t index = 0; index < shards.size(); ++index) {
    earliest = std::min(earliest, origins[index] - alignment[index].offset_ns);
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
    const std::int64_t shift = clock_origin(shard, index) - alignment[index].offset_ns - earliest;
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
  results.stats["fleet"]["clock_origin_unix_ns"] = earliest;  // on the first shard's clock
  nlohmann::json clocks = nlohmann::json::array();
  for (std::size_t index = 0; index < alignment.size(); ++index) {
    clocks.push_back({{"shard", index + 1}, {"offset_ns", alignment[index].offset_ns},
                      {"bound_ns", alignment[index].bound_ns}, {"method", alignment[index].method}});
  }
  results.stats["fleet"]["clock_alignment"] = std::move(clocks);
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
