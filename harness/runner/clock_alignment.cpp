#include "runner/clock_alignment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <utility>

namespace mqtt::runner {
namespace {

using MarkerKey = std::pair<std::uint32_t, std::string>;  // (sending shard, "start" or "end")

std::map<MarkerKey, std::int64_t> arrivals(const ShardClockRecord& record) {
  std::map<MarkerKey, std::int64_t> times;
  for (const auto& marker : record.markers)
    times.emplace(MarkerKey{marker.from_shard, marker.marker}, marker.received_unix_ns);
  return times;
}

struct Edge {
  std::int64_t difference_ns = 0;  // clock of `to` minus clock of `from`
  std::int64_t bound_ns = 0;
};

// The difference of two shards' clocks from the markers both received (the median, robust to one delayed
// arrival), or nullopt when they share none.
std::optional<Edge> compare(const ShardClockRecord& from, const ShardClockRecord& to) {
  const auto from_times = arrivals(from);
  std::vector<std::int64_t> differences;
  for (const auto& [key, time] : arrivals(to)) {
    if (const auto found = from_times.find(key); found != from_times.end())
      differences.push_back(time - found->second);
  }
  if (differences.empty()) return std::nullopt;
  std::sort(differences.begin(), differences.end());
  // A one-way delay is below the round trip; an unmeasured round trip (own marker never back) leaves the
  // spread of the differences as the only evidence.
  const std::int64_t spread = differences.back() - differences.front();
  const std::int64_t round_trip = std::max(from.round_trip_ns, to.round_trip_ns);
  return Edge{differences[differences.size() / 2], std::max(round_trip, spread)};
}

}  // namespace

std::vector<ClockAlignment> align_shard_clocks(const std::vector<std::optional<ShardClockRecord>>& records) {
  std::vector<ClockAlignment> alignment(records.size());
  if (records.empty()) return alignment;
  std::vector<bool> placed(records.size(), false);
  if (records.front() && records.front()->problem.empty()) {
    alignment.front() = ClockAlignment{0, 0, "first shard"};
    placed.front() = true;
  }
  std::deque<std::size_t> queue;
  if (placed.front()) queue.push_back(0);
  while (!queue.empty()) {
    const std::size_t from = queue.front();
    queue.pop_front();
    for (std::size_t to = 0; to < records.size(); ++to) {
      if (placed[to] || !records[to] || !records[to]->problem.empty()) continue;
      const auto edge = compare(*records[from], *records[to]);
      if (!edge) continue;
      alignment[to] = ClockAlignment{alignment[from].offset_ns + edge->difference_ns,
                                     alignment[from].bound_ns + edge->bound_ns,
                                     fmt::format("markers shared with shard {}", from + 1)};
      // System clocks that agree with the measurement within its bound (one machine, or NTP) are more precise
      // than the measurement: keep them.
      if (std::llabs(alignment[to].offset_ns) <= alignment[to].bound_ns) {
        alignment[to].method = fmt::format(
            "system clock (agrees with the markers shared with shard {} within "
            "{:.3f} ms)",
            from + 1, static_cast<double>(alignment[to].bound_ns) / 1e6);
        alignment[to].offset_ns = 0;
      }
      placed[to] = true;
      queue.push_back(to);
    }
  }
  for (std::size_t index = 0; index < records.size(); ++index) {
    if (placed[index]) continue;
    const std::string why = !records[index] ? "no clock record"
                            : !records[index]->problem.empty()
                                ? records[index]->problem
                                : "no marker shared with the first shard's group";
    alignment[index] = ClockAlignment{0, -1, "system clock (" + why + ")"};
  }
  if (!placed.front())
    alignment.front().method =
        "system clock (" + std::string(records.front() ? records.front()->problem : "no clock record") + ")";
  return alignment;
}

}  // namespace mqtt::runner
